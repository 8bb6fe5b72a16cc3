/**
 * KafkaService: everything the editor does with one Kafka cluster: describe the cluster,
 * topics and consumer groups, create and delete topics, reset a stopped group's offsets,
 * produce (batched, paced, cancellable, with the partition and offset of every message) and
 * browse (by assigning partitions, never joining a group). Plain TypeScript over kafkajs; no
 * vscode import. Every failure becomes a WorkbenchError with a sentence the user can act on,
 * and every wait is bounded by the connection's request timeout.
 */
import { ConfigResourceTypes, Kafka, type Admin, type KafkaConfig } from 'kafkajs';
import { CancelledError, describeError, WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { kafkajsConfig, requestTimeoutOf } from './clientConfig';
import { registerKafkajsCodecs } from './compression';
import { ClusterSession, readGroupDetails, readGroupList, readTopicDetails, toConfigEntries, type GroupReadOptions } from './clusterReads';
import { errorChain, kafkaErrorType, toKafkaError, topicNameProblem, type KafkaErrorContext } from './kafkaErrors';
import { createWireCluster, protocolError, type WireCluster } from './kafkajsInternals';
import { readPartitions } from './partitionReader';
import { produceMessages } from './producer';
import type {
  BrowseOptions,
  BrowseSummary,
  ClusterDescription,
  CreateTopicOptions,
  GroupDetails,
  GroupSummary,
  KafkaConnectionConfig,
  OffsetResetTarget,
  PartitionOffset,
  ProduceMessage,
  ProduceOptions,
  ProduceResult,
  TopicConfigEntry,
  TopicDetails,
  TopicSummary,
} from './types';

/** Kafka's default max.message.bytes, used when the topic's config cannot be read. */
const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** Group states in which no consumer is running, so offsets may be changed. */
const STOPPED_GROUP_STATES = new Set(['Empty', 'Dead']);

class DeadlineExceeded extends Error {
  constructor(action: string, ms: number) {
    super(`No answer within ${ms} ms while ${action}`);
    this.name = 'KafkaJSRequestTimeoutError';
  }
}

/** A failure of the connection itself (refused, closed, reset), as opposed to an answer of the broker. */
function isConnectionError(error: unknown): boolean {
  return errorChain(error).some((e) => (typeof e.name === 'string' && /^KafkaJS(Connection|ConnectionClosed|BrokerNotFound)Error$/.test(e.name)) || (typeof e.code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH)$/.test(e.code)));
}

/** Orders names as the views list them: the collator of String.localeCompare, made once (10,000 names sort in a few ms). */
const byName = new Intl.Collator();

export class KafkaService {
  private readonly clientOptions: KafkaConfig;
  private readonly kafka: Kafka;
  private readonly timeoutMs: number;
  private admin: Promise<Admin> | undefined;
  /** The connections of the batched reads (describeTopics, listGroups, describeGroups), kept between reads like the admin's. */
  private session: Promise<ClusterSession> | undefined;
  private readonly running = new Set<AbortController>();
  private disposed = false;

  constructor(
    private readonly config: KafkaConnectionConfig,
    private readonly logger: Logger,
  ) {
    this.clientOptions = kafkajsConfig(config, logger);
    this.kafka = new Kafka(this.clientOptions);
    this.timeoutMs = requestTimeoutOf(config);
    registerKafkajsCodecs();
  }

  /** Brokers, controller and cluster id. */
  async describeCluster(): Promise<ClusterDescription> {
    return this.withAdmin({ action: 'describing the cluster' }, async (admin) => {
      const cluster = await admin.describeCluster();
      return {
        clusterId: cluster.clusterId,
        controller: cluster.controller,
        brokers: cluster.brokers
          .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: (b as { rack?: string | null }).rack ?? null }))
          .sort((a, b) => a.nodeId - b.nodeId),
      };
    });
  }

  /** Every topic with its partition count and replication factor, sorted by name (one Metadata request on the read connection). */
  async listTopics(): Promise<TopicSummary[]> {
    return this.withSession({ action: 'listing topics' }, async (session) => {
      // Partition errors allowed: a partition without a leader must not hide every topic.
      const metadata = await session.metadata([]);
      const failed = metadata.topicMetadata.find((t) => t.topicErrorCode !== 0);
      if (failed) throw protocolError(failed.topicErrorCode);
      return metadata.topicMetadata
        .map((t) => ({
          name: t.topic,
          partitions: t.partitionMetadata.length,
          replicationFactor: t.partitionMetadata[0]?.replicas.length ?? 0,
          internal: t.isInternal ?? t.topic.startsWith('__'),
        }))
        .sort((a, b) => byName.compare(a.name, b.name));
    });
  }

  /**
   * Partitions with leader, replicas, ISR, watermarks and estimates, and the topic's configs.
   * A partition without a leader (offline, leader -1) is described too; its offsets cannot be
   * read, so its low, high and messages are "0".
   */
  async describeTopic(name: string): Promise<TopicDetails> {
    this.checkTopicName(name);
    const details = (await this.describeTopics([name])).get(name);
    if (details === undefined) throw toKafkaError(protocolError(3), this.config, { action: `describing topic "${name}"`, topic: name });
    if (details instanceof Error) throw details;
    return details;
  }

  /**
   * describeTopic for many topics in a few requests whatever their number (one metadata
   * request, two offset requests per partition leader, one config request): what the Kafka
   * view shows on each topic row. A topic that cannot be described (deleted meanwhile, not
   * authorized) gets its own WorkbenchError; a failure that concerns all of them rejects.
   */
  async describeTopics(names: readonly string[]): Promise<Map<string, TopicDetails | WorkbenchError>> {
    for (const name of names) this.checkTopicName(name);
    const what = names.length === 1 ? `describing topic "${names[0] ?? ''}"` : `describing ${names.length} topics`;
    const read = await this.withSession({ action: what, ...(names.length === 1 ? { topic: names[0] } : {}) }, (session) => readTopicDetails(session, names));
    const described = new Map<string, TopicDetails | WorkbenchError>();
    for (const [name, details] of read) {
      described.set(name, details instanceof Error ? toKafkaError(details, this.config, { action: `describing topic "${name}"`, topic: name }) : details);
    }
    return described;
  }

  /** Creates a topic and waits for its partitions to have leaders. */
  async createTopic(options: CreateTopicOptions): Promise<void> {
    this.checkTopicName(options.name);
    if (!Number.isInteger(options.partitions) || options.partitions < 1) {
      throw new WorkbenchError(`A topic needs 1 or more partitions; ${options.partitions} was given.`);
    }
    if (!Number.isInteger(options.replicationFactor) || options.replicationFactor < 1) {
      throw new WorkbenchError(`The replication factor must be 1 or more; ${options.replicationFactor} was given.`);
    }
    const configEntries = Object.entries(options.configs ?? {}).map(([name, value]) => ({ name, value }));
    if (options.retentionMs !== undefined) {
      if (!Number.isInteger(options.retentionMs) || options.retentionMs < -1) {
        throw new WorkbenchError('Retention must be a whole number of milliseconds, or -1 to keep messages forever.');
      }
      configEntries.push({ name: 'retention.ms', value: String(options.retentionMs) });
    }
    const configText = configEntries.map((e) => `${e.name}=${e.value}`).join(', ');
    const context = { action: `creating topic "${options.name}"${configText === '' ? '' : ` with ${configText}`}`, topic: options.name };
    const created = await this.withAdmin(context, async (admin) => {
      // kafkajs's own waitForLeaders gives up with UNKNOWN_TOPIC_OR_PARTITION when a busy
      // broker's metadata lags behind the controller; ask until every partition has a leader.
      const made = await admin.createTopics({
        waitForLeaders: false,
        timeout: this.timeoutMs,
        topics: [{ topic: options.name, numPartitions: options.partitions, replicationFactor: options.replicationFactor, configEntries }],
      });
      if (made) await this.waitForLeaders(admin, options.name, options.partitions, options);
      return made;
    });
    if (!created) throw new WorkbenchError(`Topic "${options.name}" exists already on ${this.config.brokers.join(', ')}. Choose another name.`);
    this.logger.info(`Created topic ${options.name} (${options.partitions} partitions, replication ${options.replicationFactor})`);
  }

  /**
   * Waits until the cluster's metadata shows `partitions` partitions of `topic`, each with a
   * leader; a topic still unknown to the broker asked is asked again. Gives up after the
   * request timeout with a sentence saying what was seen.
   */
  private async waitForLeaders(
    admin: Admin,
    topic: string,
    partitions: number,
    { signal, onLeaders }: Pick<CreateTopicOptions, 'signal' | 'onLeaders'> = {},
  ): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    let seen = 'the topic was not known yet';
    for (;;) {
      if (signal?.aborted) {
        this.logger.info(`Stopped waiting for the leaders of ${topic} (${seen}); the topic is created`);
        throw new CancelledError(`Stopped waiting for the leaders of ${topic}; the topic is created`);
      }
      try {
        const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
        const found = metadata.topics.find((t) => t.name === topic);
        const led = found?.partitions.filter((p) => p.leader >= 0).length ?? 0;
        if (found !== undefined && found.partitions.length === partitions && led === partitions) return;
        seen = `${led} of ${partitions} partitions had a leader`;
        onLeaders?.(led, partitions);
      } catch (error) {
        if (kafkaErrorType(error) !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
      }
      if (Date.now() > deadline) {
        throw new WorkbenchError(`Topic "${topic}" was created, but after ${Math.round(this.timeoutMs / 1000)} s ${seen}. Refresh the Kafka view in a moment; if it stays so, check the brokers' logs.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Deletes a topic (the caller asks the user to confirm first). */
  async deleteTopic(name: string): Promise<void> {
    this.checkTopicName(name);
    await this.withAdmin({ action: `deleting topic "${name}"`, topic: name }, async (admin) => {
      const metadata = await admin.fetchTopicMetadata({ topics: [name] });
      if (!metadata.topics.some((t) => t.name === name)) throw Object.assign(new Error('unknown topic'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
      await admin.deleteTopics({ topics: [name], timeout: this.timeoutMs });
    });
    this.logger.info(`Deleted topic ${name}`);
  }

  /**
   * Every consumer group with its state and member count, sorted by id: one ListGroups per
   * broker, one FindCoordinator for all groups and one DescribeGroups per coordinator.
   * `options.batched: false` asks per group, as for brokers older than Kafka 3.0.
   */
  async listGroups(options: GroupReadOptions = {}): Promise<GroupSummary[]> {
    const groups = await this.withSession({ action: 'listing consumer groups' }, (session) => readGroupList(session, options));
    return groups.sort((a, b) => byName.compare(a.groupId, b.groupId));
  }

  /** A group's state, members with their assignments, and committed offset and lag per partition. */
  async describeGroup(groupId: string): Promise<GroupDetails> {
    const details = (await this.describeGroups([groupId])).get(groupId);
    if (details === undefined) throw toKafkaError(protocolError(15), this.config, { action: `describing consumer group "${groupId}"`, groupId });
    if (details instanceof Error) throw details;
    return details;
  }

  /**
   * describeGroup for many groups in a few requests whatever their number (FindCoordinator
   * v4 and OffsetFetch v8, Kafka 3.0+; one request per group on older brokers), with the end
   * offsets of all their topics asked once per partition leader: what the Kafka view shows on
   * each group row. A group that cannot be read gets its own WorkbenchError.
   */
  async describeGroups(groupIds: readonly string[], options: GroupReadOptions = {}): Promise<Map<string, GroupDetails | WorkbenchError>> {
    const what = groupIds.length === 1 ? `describing consumer group "${groupIds[0] ?? ''}"` : `describing ${groupIds.length} consumer groups`;
    const read = await this.withSession({ action: what, ...(groupIds.length === 1 ? { groupId: groupIds[0] } : {}) }, (session) => readGroupDetails(session, groupIds, this.logger, options));
    const described = new Map<string, GroupDetails | WorkbenchError>();
    for (const [groupId, details] of read) {
      described.set(groupId, details instanceof Error ? toKafkaError(details, this.config, { action: `describing consumer group "${groupId}"`, groupId }) : details);
    }
    return described;
  }

  /**
   * Sets a stopped group's committed offsets on every partition of `topic` to the earliest,
   * the latest, or the first offset at or after a timestamp. Refuses while the group has
   * members: their next commit would overwrite the reset.
   */
  async resetGroupOffsets(groupId: string, topic: string, target: OffsetResetTarget): Promise<PartitionOffset[]> {
    this.checkTopicName(topic);
    const context = { action: `resetting the offsets of consumer group "${groupId}"`, groupId, topic };
    const offsets = await this.withAdmin(context, async (admin) => {
      const { groups } = await admin.describeGroups([groupId]);
      const group = groups.find((g) => g.groupId === groupId);
      const state = group?.state ?? 'Dead';
      if (!STOPPED_GROUP_STATES.has(state)) {
        const members = group?.members.length ?? 0;
        throw new WorkbenchError(
          `Consumer group "${groupId}" is ${state} with ${members} member${members === 1 ? '' : 's'}: stop its consumers first, then reset its offsets.`,
          { actions: ['retry', 'showLog'] },
        );
      }
      const bounds = await admin.fetchTopicOffsets(topic);
      let wanted: PartitionOffset[];
      switch (target.kind) {
        case 'earliest':
          wanted = bounds.map((b) => ({ partition: b.partition, offset: b.low }));
          break;
        case 'latest':
          wanted = bounds.map((b) => ({ partition: b.partition, offset: b.high }));
          break;
        case 'timestamp':
          if (!Number.isFinite(target.timestamp)) throw new WorkbenchError('Give the reset time as a date and time.');
          wanted = (await admin.fetchTopicOffsetsByTimestamp(topic, target.timestamp)).map((o) => ({ partition: o.partition, offset: o.offset }));
          break;
      }
      wanted.sort((a, b) => a.partition - b.partition);
      await admin.setOffsets({ groupId, topic, partitions: wanted });
      return wanted;
    });
    this.logger.info(`Reset offsets of group ${groupId} on ${topic} to ${target.kind}: ${offsets.map((o) => `p${o.partition}=${o.offset}`).join(' ')}`);
    return offsets;
  }

  /**
   * Produces messages in batches with several requests in flight, optionally paced to
   * `ratePerSecond`. Resolves with the partition and offset of each acknowledged message
   * and the reason for each one that was not written; it rejects only when nothing could
   * start (no connection, unknown topic, bad partition for an array input).
   */
  async produce(messages: ProduceMessage[] | AsyncIterable<ProduceMessage>, options: ProduceOptions): Promise<ProduceResult> {
    this.checkTopicName(options.topic);
    const context: KafkaErrorContext = { action: `producing to topic "${options.topic}"`, topic: options.topic };
    const maxMessageBytes = await this.maxMessageBytes(options.topic);
    return this.withRun(options.signal, context, async (cluster) => {
      const result = await produceMessages(messages, options, {
        cluster,
        maxMessageBytes,
        requestTimeoutMs: this.timeoutMs,
        logger: this.logger,
        explain: (error) => toKafkaError(error, this.config, context).message,
      });
      this.logger.info(
        `Produced to ${options.topic}: ${result.sent} acknowledged, ${result.failed} not written${result.cancelled ? ' (cancelled)' : ''} in ${result.elapsedMs} ms`,
      );
      return result;
    });
  }

  /**
   * Reads records from a start position by assigning partitions (no consumer group, no
   * commits) and hands them to `options.onRecords` batch by batch.
   */
  async browse(options: BrowseOptions): Promise<BrowseSummary> {
    this.checkTopicName(options.topic);
    const context: KafkaErrorContext = { action: `reading topic "${options.topic}"`, topic: options.topic };
    return this.withRun(options.signal, context, async (cluster, signal) => {
      const summary = await readPartitions(cluster, { ...options, signal }, this.logger);
      this.logger.debug(`Browsed ${options.topic}: ${summary.delivered} records, stopped because ${summary.stoppedBecause}`);
      return summary;
    });
  }

  /** Stops running reads and produce runs and closes the admin connection. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const controller of this.running) controller.abort();
    const admin = this.admin;
    this.admin = undefined;
    const session = this.session;
    this.session = undefined;
    if (admin) {
      await admin.then((a) => a.disconnect()).catch((error: unknown) => { this.logger.debug(`Closing the admin connection: ${String(error)}`); });
    }
    if (session) await session.then((s) => s.close()).catch((error: unknown) => { this.logger.debug(`Closing the read connections: ${String(error)}`); });
  }

  private checkTopicName(name: string): void {
    const problem = topicNameProblem(name);
    if (problem) throw new WorkbenchError(problem);
  }

  private checkOpen(): void {
    if (this.disposed) throw new WorkbenchError(`The connection "${this.config.name}" was closed. Refresh the view to connect again.`, { actions: ['retry'] });
  }

  /** Races `promise` against the request timeout. */
  private deadline<T>(promise: Promise<T>, action: string, ms = this.timeoutMs + 1_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new DeadlineExceeded(action, ms)); }, ms);
    });
    return Promise.race([promise, timeout]).finally(() => { clearTimeout(timer); });
  }

  private connectAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin({ retry: this.clientOptions.retry });
      const connected = admin.connect().then(() => admin);
      this.admin = connected;
      connected.catch(() => {
        if (this.admin === connected) this.admin = undefined;
        admin.disconnect().catch((error: unknown) => { this.logger.debug(`Closing the admin client after a failed connect failed: ${describeError(error)}`); });
      });
    }
    return this.admin;
  }

  /** Runs an admin call within the request timeout and turns its failure into a WorkbenchError. */
  private async withAdmin<T>(context: KafkaErrorContext, call: (admin: Admin) => Promise<T>): Promise<T> {
    this.checkOpen();
    try {
      const admin = await this.deadline(this.connectAdmin(), `connecting to ${this.config.brokers.join(', ')}`);
      return await this.deadline(call(admin), context.action);
    } catch (error) {
      // The user stopped waiting: nothing failed, and the admin client stays usable.
      if (error instanceof CancelledError) throw error;
      const mapped = toKafkaError(error, this.config, context);
      if (!(error instanceof WorkbenchError)) {
        this.logger.warn(`${context.action} failed: ${mapped.message}`);
        if (error instanceof DeadlineExceeded || kafkaErrorType(error) === undefined) this.dropAdmin();
      }
      throw mapped;
    }
  }

  private dropAdmin(): void {
    const admin = this.admin;
    this.admin = undefined;
    // A connect that failed was logged where it failed; a failed disconnect is only worth a debug line.
    admin?.then((a) => a.disconnect()).catch((error: unknown) => { this.logger.debug(`Closing the admin client failed: ${describeError(error)}`); });
  }

  /**
   * A read over several brokers (src/kafka/clusterReads.ts) on the service's read connections,
   * opened on first use and kept, like the admin's (expanding a topic then costs no connection
   * set-up). A connection that broke while idle (broker restarted, idle timeout) is noticed by
   * the read that uses it: that read is repeated once on new connections.
   */
  private async withSession<T>(context: KafkaErrorContext, call: (session: ClusterSession) => Promise<T>): Promise<T> {
    this.checkOpen();
    for (let attempt = 1; ; attempt++) {
      const reused = this.session !== undefined;
      const connecting = this.connectSession();
      try {
        const session = await this.deadline(connecting, `connecting to ${this.config.brokers.join(', ')}`);
        return await this.deadline(call(session), context.action);
      } catch (error) {
        const broken = error instanceof DeadlineExceeded || isConnectionError(error);
        if (broken) this.dropSession(connecting);
        if (broken && reused && attempt === 1 && !(error instanceof DeadlineExceeded)) {
          this.logger.debug(`${context.action}: the read connection broke (${describeError(error)}); once more on a new one`);
          continue;
        }
        const mapped = toKafkaError(error, this.config, context);
        if (!(error instanceof WorkbenchError)) this.logger.warn(`${context.action} failed: ${mapped.message}`);
        throw mapped;
      }
    }
  }

  private connectSession(): Promise<ClusterSession> {
    if (!this.session) {
      const session = new ClusterSession(this.clientOptions, this.logger);
      const connected = session.connect().then(() => session);
      this.session = connected;
      connected.catch(() => {
        if (this.session === connected) this.session = undefined;
        void session.close();
      });
    }
    return this.session;
  }

  private dropSession(which: Promise<ClusterSession>): void {
    if (this.session === which) this.session = undefined;
    which.then((s) => s.close()).catch((error: unknown) => { this.logger.debug(`Closing the read connections failed: ${describeError(error)}`); });
  }

  /**
   * A produce or browse run on its own kafkajs Cluster: connecting and finding the topic are
   * bounded by the request timeout; the run itself lasts until done or cancelled (dispose()
   * cancels it too).
   */
  private async withRun<T>(
    outer: AbortSignal | undefined,
    context: KafkaErrorContext,
    run: (cluster: WireCluster, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    this.checkOpen();
    const controller = new AbortController();
    const forward = (): void => { controller.abort(); };
    if (outer?.aborted) controller.abort();
    outer?.addEventListener('abort', forward, { once: true });
    this.running.add(controller);
    const cluster = createWireCluster(this.clientOptions);
    try {
      await this.deadline(
        cluster.connect().then(() => (context.topic !== undefined ? cluster.addTargetTopic(context.topic) : undefined)),
        `connecting to ${this.config.brokers.join(', ')}`,
      );
      return await run(cluster, controller.signal);
    } catch (error) {
      const mapped = toKafkaError(error, this.config, context);
      if (!(error instanceof WorkbenchError)) this.logger.warn(`${context.action} failed: ${mapped.message}`);
      throw mapped;
    } finally {
      outer?.removeEventListener('abort', forward);
      this.running.delete(controller);
      await cluster.disconnect().catch((error: unknown) => { this.logger.debug(`Closing a connection: ${String(error)}`); });
    }
  }

  private async topicConfigs(admin: Admin, topic: string): Promise<TopicConfigEntry[]> {
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    return toConfigEntries(described.resources[0]?.configEntries ?? []);
  }

  /** The topic's max.message.bytes, or Kafka's default when it cannot be read (missing topic included: produce reports that). */
  private async maxMessageBytes(topic: string): Promise<number> {
    try {
      const configs = await this.withAdmin({ action: `reading the configs of topic "${topic}"`, topic }, (admin) => this.topicConfigs(admin, topic));
      const value = Number(configs.find((c) => c.name === 'max.message.bytes')?.value);
      return Number.isFinite(value) && value > 0 ? value : DEFAULT_MAX_MESSAGE_BYTES;
    } catch (error) {
      const type = kafkaErrorType((error as { cause?: unknown }).cause);
      if (type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'TOPIC_AUTHORIZATION_FAILED' || type === 'CLUSTER_AUTHORIZATION_FAILED') {
        this.logger.debug(`max.message.bytes of ${topic} unknown (${type}); assuming ${DEFAULT_MAX_MESSAGE_BYTES}`);
        return DEFAULT_MAX_MESSAGE_BYTES;
      }
      throw error;
    }
  }
}

