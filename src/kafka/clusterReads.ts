/**
 * What the Kafka view reads about many topics or consumer groups, in a handful of requests
 * whatever their number. kafkajs's admin describes one topic or group at a time: per topic a
 * metadata refresh, two offset lookups and a config request, per group a coordinator lookup
 * and one or two offset fetches. For the 500 topic rows of a cluster of 10,000 topics that
 * took 6 to 17 s, and most failed (kafkajs's metadata refreshes of concurrent calls overwrite
 * each other, so an offset lookup found no leader for its topic); 500 groups took 4 s. Here:
 * - topics: one Metadata request for all, ListOffsets (earliest and latest) once per leader,
 *   one DescribeConfigs for all;
 * - groups: ListGroups per broker, one FindCoordinator v4 for all (src/kafka/groupRequests.ts),
 *   then per coordinator one DescribeGroups and one OffsetFetch v8, and the end offsets of
 *   their topics as above. Brokers older than Kafka 3.0 get one FindCoordinator and one
 *   OffsetFetch per group instead, a few at a time.
 * A topic or group that cannot be read gets its own error; the others are still read.
 *
 * Like src/kafka/kafkajsInternals.ts, whose wire cluster it uses, this module reaches below
 * kafkajs's public API (the request builders and decoders of its Broker), typed here; the
 * unit test test/unit/kafkaClusterReads.test.ts fails when a shape used here changes.
 */
import { AssignerProtocol, type KafkaConfig } from 'kafkajs';
import type { Logger } from '../shared/logger';
import { decodeFindCoordinatorsV4, decodeOffsetFetchV8, encodeFindCoordinatorsV4, encodeOffsetFetchV8, type FetchedGroupOffsets } from './groupRequests';
import { createWireCluster, ISOLATION_READ_COMMITTED, metadataWithOfflinePartitions, protocolError, type WireCluster, type WireConfigEntry, type WireMetadata } from './kafkajsInternals';
import type { GroupDetails, GroupMember, GroupPartitionLag, GroupSummary, PartitionInfo, TopicConfigEntry, TopicDetails } from './types';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's request definitions have no ESM entry or types; see above. */
const requestDefinitions = {
  listOffsets: require('kafkajs/src/protocol/requests/listOffsets') as unknown,
  metadata: require('kafkajs/src/protocol/requests/metadata') as unknown,
  offsetFetch: require('kafkajs/src/protocol/requests/offsetFetch') as unknown,
  findCoordinator: require('kafkajs/src/protocol/requests/findCoordinator') as unknown,
  describeGroups: require('kafkajs/src/protocol/requests/describeGroups') as unknown,
  listGroups: require('kafkajs/src/protocol/requests/listGroups') as unknown,
  describeConfigs: require('kafkajs/src/protocol/requests/describeConfigs') as unknown,
};
/* eslint-enable @typescript-eslint/no-require-imports */

const API = { listOffsets: 2, metadata: 3, offsetFetch: 9, findCoordinator: 10, describeGroups: 15, listGroups: 16, describeConfigs: 32 } as const;
/** The first versions that take many groups in one request (Kafka 3.0+). */
const FIND_COORDINATOR_BATCH_VERSION = 4;
const OFFSET_FETCH_BATCH_VERSION = 8;
/** Per-group requests in flight at once on brokers without the batch versions. */
const PER_GROUP_CONCURRENCY = 20;
const TOPIC_RESOURCE = 2;
/** Kafka's ConfigSource for a value set on the topic itself. */
const DYNAMIC_TOPIC_CONFIG = 1;
const EARLIEST = -2;
const LATEST = -1;

interface ProtocolRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse?: () => boolean;
  encode: () => Promise<unknown>;
}

interface RequestPair {
  request: ProtocolRequest;
  response: { decode: (raw: Buffer) => Promise<unknown>; parse: (data: unknown) => Promise<unknown> };
}

/** A connected kafkajs Broker, as far as this module uses it. */
interface SessionBroker {
  versions: Record<number, { minVersion: number; maxVersion: number } | undefined> | null;
  /** The request builder of `apiKey` in the newest version both sides speak. */
  lookupRequest(apiKey: number, definition: unknown): (args: Record<string, unknown>) => RequestPair;
  connectionPool: {
    host: string;
    port: number;
    send(request: { request: ProtocolRequest; response: RequestPair['response']; requestTimeout?: number; logResponseError?: boolean }): Promise<unknown>;
  };
}

interface WireOffsets {
  responses: { topic: string; partitions: { partition: number; errorCode: number; offset: string }[] }[];
}

interface WireDescribedGroup {
  errorCode: number;
  groupId: string;
  state: string;
  protocolType: string;
  members: { memberId: string; clientId: string; clientHost: string; memberAssignment: Buffer }[];
}

/** Protocol error of a code, as kafkajs names it (type UNKNOWN_TOPIC_OR_PARTITION…). */
export type ReadError = Error & { type?: string };

/**
 * Connections to the brokers of one cluster for reads: the bootstrap connection, and one to
 * each other broker a request must go to (a partition's leader, a group's coordinator),
 * opened when first needed and kept for the next reads. close() ends them all.
 */
export class ClusterSession {
  private readonly seed: WireCluster;
  private seedBroker: SessionBroker | undefined;
  private readonly others = new Map<number, { cluster: WireCluster; broker: Promise<SessionBroker> }>();
  private addresses = new Map<number, { host: string; port: number }>();

  constructor(private readonly config: KafkaConfig, private readonly logger: Logger) {
    this.seed = createWireCluster(config);
  }

  async connect(): Promise<void> {
    await this.seed.connect();
    this.seedBroker = await connectedBroker(this.seed);
  }

  /** The bootstrap broker's connection (connect() first). */
  get bootstrap(): SessionBroker {
    if (!this.seedBroker) throw new Error('ClusterSession.connect() was not called');
    return this.seedBroker;
  }

  /** Metadata of `topics` (all topics when empty), partition errors included; it also tells where each broker is. */
  async metadata(topics: readonly string[]): Promise<WireMetadata> {
    const metadata = await metadataWithOfflinePartitions(this.seed, [...topics]);
    this.learnBrokers(metadata.brokers);
    return metadata;
  }

  /** The brokers of the cluster without any topic (a Metadata request for an empty list of topics). */
  async brokers(): Promise<{ nodeId: number; host: string; port: number }[]> {
    const broker = this.bootstrap;
    const pair = broker.lookupRequest(API.metadata, requestDefinitions.metadata)({ topics: [], allowAutoTopicCreation: false });
    // kafkajs writes an empty topic list as null (all topics); an empty array asks for none.
    const version = pair.request.apiVersion;
    if (version < 1) throw new Error('This broker answers Metadata only in version 0, which cannot ask for no topics');
    const body = Buffer.alloc(version >= 4 ? 5 : 4);
    const request: ProtocolRequest = { ...pair.request, encode: () => Promise.resolve({ buf: body, buffer: body }) };
    const metadata = (await broker.connectionPool.send({ request, response: { decode: pair.response.decode, parse: (data) => Promise.resolve(data) } })) as WireMetadata;
    this.learnBrokers(metadata.brokers);
    return metadata.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port }));
  }

  /** A connection to broker `nodeId`: the bootstrap one when it is that broker, else a new one. */
  broker(nodeId: number): Promise<SessionBroker> {
    const address = this.addresses.get(nodeId);
    if (!address) return Promise.reject(new Error(`Broker ${nodeId} is not in the cluster's metadata`));
    const seed = this.bootstrap;
    if (sameAddress(seed.connectionPool, address)) return Promise.resolve(seed);
    let other = this.others.get(nodeId);
    if (!other) {
      const cluster = createWireCluster({ ...this.config, brokers: [`${address.host}:${address.port}`] });
      const entry = { cluster, broker: cluster.connect().then(() => connectedBroker(cluster)) };
      // A broker that could not be reached is tried again by the next read (kafkajs reconnects a
      // connection that closed later by itself).
      entry.broker.catch(() => {
        if (this.others.get(nodeId) === entry) this.others.delete(nodeId);
        cluster.disconnect().catch((error: unknown) => { this.logger.debug(`Closing the connection to broker ${nodeId} failed: ${error instanceof Error ? error.message : String(error)}`); });
      });
      other = entry;
      this.others.set(nodeId, other);
    }
    return other.broker;
  }

  /** Learns where brokers are from an answer that names them (FindCoordinator). */
  learnBroker(nodeId: number, host: string, port: number): void {
    if (!this.addresses.has(nodeId)) this.addresses.set(nodeId, { host, port });
  }

  async close(): Promise<void> {
    const clusters = [this.seed, ...[...this.others.values()].map((o) => o.cluster)];
    this.others.clear();
    await Promise.all(clusters.map((c) => c.disconnect().catch((error: unknown) => {
      this.logger.debug(`Closing a broker connection failed: ${error instanceof Error ? error.message : String(error)}`);
    })));
  }

  private learnBrokers(brokers: WireMetadata['brokers']): void {
    this.addresses = new Map(brokers.map((b) => [b.nodeId, { host: b.host, port: b.port }]));
  }
}

function sameAddress(a: { host: string; port: number }, b: { host: string; port: number }): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;
}

function connectedBroker(cluster: WireCluster): Promise<SessionBroker> {
  return (cluster as unknown as { brokerPool: { findConnectedBroker(): Promise<SessionBroker> } }).brokerPool.findConnectedBroker();
}

/** Sends a request built by kafkajs and returns its decoded answer unchecked: error codes are read by the caller, per item. */
async function ask<T>(broker: SessionBroker, apiKey: number, definition: unknown, args: Record<string, unknown>): Promise<T> {
  const pair = broker.lookupRequest(apiKey, definition)(args);
  return (await broker.connectionPool.send({ request: pair.request, response: { decode: pair.response.decode, parse: (data) => Promise.resolve(data) }, logResponseError: false })) as T;
}

/** Sends a body this module encodes itself (groupRequests.ts) and decodes the answer with `decode`. */
async function askRaw<T>(broker: SessionBroker, apiKey: number, apiVersion: number, apiName: string, body: Buffer, decode: (raw: Buffer) => T): Promise<T> {
  const request: ProtocolRequest = { apiKey, apiVersion, apiName, expectResponse: () => true, encode: () => Promise.resolve({ buf: body, buffer: body }) };
  return (await broker.connectionPool.send({
    request,
    response: { decode: (raw) => Promise.resolve(decode(raw)), parse: (data) => Promise.resolve(data) },
    logResponseError: false,
  })) as T;
}

function supports(broker: SessionBroker, apiKey: number, version: number): boolean {
  const range = broker.versions?.[apiKey];
  return range !== undefined && range.minVersion <= version && range.maxVersion >= version;
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function nonNegative(value: bigint): string {
  return (value < 0n ? 0n : value).toString();
}

function sum(values: readonly string[]): string {
  return values.reduce((total, v) => total + BigInt(v), 0n).toString();
}

/** A topic's config entries as DescribeConfigs returns them, for the views. */
export function toConfigEntries(entries: readonly WireConfigEntry[]): TopicConfigEntry[] {
  return entries
    .map((e) => ({
      name: e.configName,
      value: e.isSensitive ? null : e.configValue,
      isDefault: e.configSource === undefined ? e.isDefault : e.configSource !== DYNAMIC_TOPIC_CONFIG,
      isSensitive: e.isSensitive,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The earliest and latest offsets of partitions, asked of each partition's leader (two
 * ListOffsets per leader, whatever the number of partitions). A partition whose leader could
 * not answer gets the error; one without a leader is not asked.
 */
async function partitionBounds(
  session: ClusterSession,
  partitions: readonly { topic: string; partition: number; leader: number }[],
): Promise<Map<string, { low: string; high: string } | ReadError>> {
  const byLeader = new Map<number, Map<string, number[]>>();
  for (const p of partitions) {
    if (p.leader < 0) continue;
    let topics = byLeader.get(p.leader);
    if (!topics) {
      topics = new Map<string, number[]>();
      byLeader.set(p.leader, topics);
    }
    const list = topics.get(p.topic);
    if (list) list.push(p.partition);
    else topics.set(p.topic, [p.partition]);
  }
  const bounds = new Map<string, { low: string; high: string } | ReadError>();
  await Promise.all([...byLeader].map(async ([leader, topics]) => {
    const ask2 = (broker: SessionBroker, timestamp: number): Promise<WireOffsets> => ask<WireOffsets>(broker, API.listOffsets, requestDefinitions.listOffsets, {
      replicaId: -1,
      isolationLevel: ISOLATION_READ_COMMITTED,
      topics: [...topics].map(([topic, ps]) => ({ topic, partitions: ps.map((partition) => ({ partition, timestamp })) })),
    });
    let answers: [WireOffsets, WireOffsets];
    try {
      const broker = await session.broker(leader);
      answers = await Promise.all([ask2(broker, EARLIEST), ask2(broker, LATEST)]);
    } catch (error) {
      const failed = error instanceof Error ? error : new Error(String(error));
      for (const [topic, ps] of topics) for (const p of ps) bounds.set(`${topic}\u0000${p}`, failed);
      return;
    }
    const [low, high] = answers;
    const lows = new Map<string, { errorCode: number; offset: string }>();
    for (const r of low.responses) for (const p of r.partitions) lows.set(`${r.topic}\u0000${p.partition}`, p);
    for (const r of high.responses) {
      for (const p of r.partitions) {
        const key = `${r.topic}\u0000${p.partition}`;
        const l = lows.get(key);
        const code = p.errorCode !== 0 ? p.errorCode : (l?.errorCode ?? 0);
        bounds.set(key, code !== 0 ? protocolError(code) : { low: l?.offset ?? '0', high: p.offset });
      }
    }
  }));
  return bounds;
}

/**
 * Partitions (leader, replicas, ISR, low and high offsets, estimate) and configs of `names`.
 * A partition without a leader is described with offsets "0" (its offsets cannot be read); a
 * topic that does not exist, or whose offsets or configs the brokers refuse, gets its error.
 */
export async function readTopicDetails(session: ClusterSession, names: readonly string[]): Promise<Map<string, TopicDetails | ReadError>> {
  const result = new Map<string, TopicDetails | ReadError>();
  if (names.length === 0) return result;
  const metadata = await session.metadata(names);
  const found = new Map(metadata.topicMetadata.map((t) => [t.topic, t]));
  const readable: string[] = [];
  for (const name of names) {
    const topic = found.get(name);
    if (!topic || topic.topicErrorCode !== 0 || topic.partitionMetadata.length === 0) result.set(name, protocolError(topic?.topicErrorCode || 3));
    else readable.push(name);
  }
  const partitions = readable.flatMap((name) => (found.get(name)?.partitionMetadata ?? []).map((p) => ({ topic: name, partition: p.partitionId, leader: p.leader })));
  const [bounds, configs] = await Promise.all([
    partitionBounds(session, partitions),
    readable.length === 0
      ? Promise.resolve({ resources: [] })
      : ask<{ resources: { errorCode: number; resourceName: string; configEntries: WireConfigEntry[] }[] }>(session.bootstrap, API.describeConfigs, requestDefinitions.describeConfigs, {
        resources: readable.map((name) => ({ type: TOPIC_RESOURCE, name })),
        includeSynonyms: false,
      }),
  ]);
  const configsOf = new Map(configs.resources.map((r) => [r.resourceName, r]));
  for (const name of readable) {
    const topic = found.get(name);
    if (!topic) continue;
    const described = configsOf.get(name);
    if (!described || described.errorCode !== 0) {
      result.set(name, protocolError(described?.errorCode || 3));
      continue;
    }
    let failed: ReadError | undefined;
    const partitionInfo: PartitionInfo[] = topic.partitionMetadata
      .map((p) => {
        const b = p.leader < 0 ? { low: '0', high: '0' } : bounds.get(`${name}\u0000${p.partitionId}`);
        if (b === undefined || b instanceof Error) failed ??= b ?? protocolError(3);
        const { low, high } = b === undefined || b instanceof Error ? { low: '0', high: '0' } : b;
        return { partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr, low, high, messages: nonNegative(BigInt(high) - BigInt(low)) };
      })
      .sort((a, b) => a.partition - b.partition);
    if (failed) {
      result.set(name, failed);
      continue;
    }
    result.set(name, {
      name,
      partitions: partitionInfo.length,
      replicationFactor: partitionInfo[0]?.replicas.length ?? 0,
      internal: topic.isInternal ?? name.startsWith('__'),
      partitionInfo,
      messageEstimate: sum(partitionInfo.map((p) => p.messages)),
      configs: toConfigEntries(described.configEntries),
    });
  }
  return result;
}

export interface GroupReadOptions {
  /**
   * Use FindCoordinator v4 and OffsetFetch v8 where the brokers have them (default true);
   * false asks per group, as for brokers older than Kafka 3.0.
   */
  batched?: boolean;
}

/** The coordinator of each group (its node id), or the error that kept it unknown. */
async function coordinators(session: ClusterSession, groupIds: readonly string[], options: GroupReadOptions): Promise<Map<string, number | ReadError>> {
  const found = new Map<string, number | ReadError>();
  const broker = session.bootstrap;
  if (options.batched !== false && supports(broker, API.findCoordinator, FIND_COORDINATOR_BATCH_VERSION)) {
    const answer = await askRaw(broker, API.findCoordinator, FIND_COORDINATOR_BATCH_VERSION, 'FindCoordinator', encodeFindCoordinatorsV4(groupIds), decodeFindCoordinatorsV4);
    for (const c of answer.coordinators) {
      if (c.errorCode !== 0) {
        found.set(c.key, protocolError(c.errorCode));
      } else {
        session.learnBroker(c.nodeId, c.host, c.port);
        found.set(c.key, c.nodeId);
      }
    }
  } else {
    await eachLimited(groupIds, PER_GROUP_CONCURRENCY, async (groupId) => {
      const answer = await ask<{ errorCode: number; coordinator: { nodeId: number; host: string; port: number } }>(broker, API.findCoordinator, requestDefinitions.findCoordinator, { groupId });
      if (answer.errorCode !== 0) {
        found.set(groupId, protocolError(answer.errorCode));
      } else {
        session.learnBroker(answer.coordinator.nodeId, answer.coordinator.host, answer.coordinator.port);
        found.set(groupId, answer.coordinator.nodeId);
      }
    });
  }
  for (const groupId of groupIds) if (!found.has(groupId)) found.set(groupId, protocolError(15 /* COORDINATOR_NOT_AVAILABLE */));
  return found;
}

/** Groups by coordinator; groups whose coordinator is unknown go to `failed`. */
function byCoordinator(groupIds: readonly string[], found: Map<string, number | ReadError>, failed: Map<string, ReadError>): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const groupId of groupIds) {
    const c = found.get(groupId);
    if (typeof c !== 'number') {
      failed.set(groupId, c ?? protocolError(15));
      continue;
    }
    const list = groups.get(c);
    if (list) list.push(groupId);
    else groups.set(c, [groupId]);
  }
  return groups;
}

/** Every consumer group of the cluster with its state and member count (unsorted). */
export async function readGroupList(session: ClusterSession, options: GroupReadOptions = {}): Promise<GroupSummary[]> {
  const brokers = await session.brokers();
  const listed = new Map<string, string>();
  await Promise.all(brokers.map(async (b) => {
    const answer = await ask<{ errorCode: number; groups: { groupId: string; protocolType: string }[] }>(await session.broker(b.nodeId), API.listGroups, requestDefinitions.listGroups, {});
    if (answer.errorCode !== 0) throw protocolError(answer.errorCode);
    for (const g of answer.groups) listed.set(g.groupId, g.protocolType);
  }));
  const ids = [...listed.keys()];
  if (ids.length === 0) return [];
  const failed = new Map<string, ReadError>();
  const described = new Map<string, WireDescribedGroup>();
  await Promise.all([...byCoordinator(ids, await coordinators(session, ids, options), failed)].map(async ([nodeId, groupIds]) => {
    const answer = await ask<{ groups: WireDescribedGroup[] }>(await session.broker(nodeId), API.describeGroups, requestDefinitions.describeGroups, { groupIds });
    for (const g of answer.groups) if (g.errorCode === 0) described.set(g.groupId, g);
  }));
  return ids.map((groupId): GroupSummary => {
    const d = described.get(groupId);
    return { groupId, state: d?.state ?? 'Unknown', protocolType: listed.get(groupId) || d?.protocolType || '', members: d?.members.length ?? 0 };
  });
}

export function decodeAssignment(protocolType: string, raw: Buffer, logger: Logger): GroupMember['assignments'] {
  if (protocolType !== 'consumer' || raw.length === 0) return [];
  try {
    const decoded = AssignerProtocol.MemberAssignment.decode(raw);
    if (!decoded) return [];
    return Object.entries(decoded.assignment)
      .map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  } catch (error) {
    logger.debug(`Could not decode a member assignment: ${String(error)}`);
    return [];
  }
}

/** Committed offsets of the groups of one coordinator: one OffsetFetch v8, or one request per group. */
async function committedOffsets(broker: SessionBroker, groupIds: readonly string[], options: GroupReadOptions): Promise<FetchedGroupOffsets[]> {
  if (options.batched !== false && supports(broker, API.offsetFetch, OFFSET_FETCH_BATCH_VERSION)) {
    const answer = await askRaw(broker, API.offsetFetch, OFFSET_FETCH_BATCH_VERSION, 'OffsetFetch', encodeOffsetFetchV8(groupIds.map((groupId) => ({ groupId, topics: null }))), decodeOffsetFetchV8);
    return answer.groups;
  }
  const fetched: FetchedGroupOffsets[] = [];
  await eachLimited(groupIds, PER_GROUP_CONCURRENCY, async (groupId) => {
    // kafkajs writes an empty topic list as null: every topic the group committed on (v2+).
    const answer = await ask<{ errorCode?: number; responses: FetchedGroupOffsets['topics'] }>(broker, API.offsetFetch, requestDefinitions.offsetFetch, { groupId, topics: [] });
    fetched.push({ groupId, errorCode: answer.errorCode ?? 0, topics: answer.responses });
  });
  return fetched;
}

/**
 * State, members with their assignments, and the committed offset and lag of every partition
 * of every topic each group committed on or is assigned (a partition without a commit counts
 * its lag from the start offset). Offsets of a topic that no longer exists are left out and
 * logged; a partition without a leader is left out (its end offset cannot be read).
 */
export async function readGroupDetails(session: ClusterSession, groupIds: readonly string[], logger: Logger, options: GroupReadOptions = {}): Promise<Map<string, GroupDetails | ReadError>> {
  const result = new Map<string, GroupDetails | ReadError>();
  if (groupIds.length === 0) return result;
  const failed = new Map<string, ReadError>();
  const described = new Map<string, WireDescribedGroup>();
  const committed = new Map<string, FetchedGroupOffsets>();
  await Promise.all([...byCoordinator(groupIds, await coordinators(session, groupIds, options), failed)].map(async ([nodeId, ids]) => {
    let broker: SessionBroker;
    try {
      broker = await session.broker(nodeId);
    } catch (error) {
      for (const id of ids) failed.set(id, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const [groups, offsets] = await Promise.all([
      ask<{ groups: WireDescribedGroup[] }>(broker, API.describeGroups, requestDefinitions.describeGroups, { groupIds: ids }),
      committedOffsets(broker, ids, options),
    ]);
    for (const g of groups.groups) {
      if (g.errorCode !== 0) failed.set(g.groupId, protocolError(g.errorCode));
      else described.set(g.groupId, g);
    }
    for (const o of offsets) {
      const partitionError = o.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== 0);
      if (o.errorCode !== 0 || partitionError) failed.set(o.groupId, protocolError(o.errorCode || (partitionError?.errorCode ?? 0)));
      else committed.set(o.groupId, o);
    }
  }));

  const members = new Map<string, GroupMember[]>();
  const topicsOf = new Map<string, Set<string>>();
  for (const groupId of groupIds) {
    if (failed.has(groupId)) continue;
    const group = described.get(groupId);
    const groupMembers = (group?.members ?? []).map((m): GroupMember => ({
      memberId: m.memberId,
      clientId: m.clientId,
      host: m.clientHost,
      assignments: decodeAssignment(group?.protocolType ?? '', m.memberAssignment, logger),
    }));
    members.set(groupId, groupMembers);
    topicsOf.set(groupId, new Set([...(committed.get(groupId)?.topics ?? []).map((t) => t.topic), ...groupMembers.flatMap((m) => m.assignments.map((a) => a.topic))]));
  }
  const allTopics = [...new Set([...topicsOf.values()].flatMap((s) => [...s]))];
  const metadata = allTopics.length > 0 ? await session.metadata(allTopics) : undefined;
  const partitionsOf = new Map<string, { partition: number; leader: number }[]>();
  for (const t of metadata?.topicMetadata ?? []) {
    if (t.topicErrorCode === 0) partitionsOf.set(t.topic, t.partitionMetadata.map((p) => ({ partition: p.partitionId, leader: p.leader })));
  }
  const bounds = await partitionBounds(session, [...partitionsOf].flatMap(([topic, ps]) => ps.map((p) => ({ topic, ...p }))));

  for (const groupId of groupIds) {
    const error = failed.get(groupId);
    if (error) {
      result.set(groupId, error);
      continue;
    }
    const group = described.get(groupId);
    const offsets = new Map<string, string>();
    for (const t of committed.get(groupId)?.topics ?? []) for (const p of t.partitions) offsets.set(`${t.topic}\u0000${p.partition}`, p.offset);
    const partitions: GroupPartitionLag[] = [];
    let unreadable: ReadError | undefined;
    for (const topic of [...(topicsOf.get(groupId) ?? [])].sort()) {
      const ps = partitionsOf.get(topic);
      if (!ps) {
        logger.info(`Group ${groupId} has offsets for topic ${topic}, which no longer exists`);
        continue;
      }
      for (const p of [...ps].sort((a, b) => a.partition - b.partition)) {
        if (p.leader < 0) {
          logger.info(`Lag of group ${groupId} on ${topic} partition ${p.partition} left out: the partition has no leader`);
          continue;
        }
        const b = bounds.get(`${topic}\u0000${p.partition}`);
        if (b === undefined || b instanceof Error) {
          unreadable ??= b ?? protocolError(3);
          continue;
        }
        const c = offsets.get(`${topic}\u0000${p.partition}`);
        const hasCommit = c !== undefined && BigInt(c) >= 0n;
        partitions.push({ topic, partition: p.partition, committed: hasCommit ? c : null, high: b.high, lag: nonNegative(BigInt(b.high) - BigInt(hasCommit ? c : b.low)) });
      }
    }
    if (unreadable) {
      result.set(groupId, unreadable);
      continue;
    }
    result.set(groupId, {
      groupId,
      state: group?.state ?? 'Dead',
      protocolType: group?.protocolType ?? '',
      members: members.get(groupId) ?? [],
      partitions,
      totalLag: sum(partitions.map((p) => p.lag)),
    });
  }
  return result;
}
