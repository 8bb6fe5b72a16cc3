/**
 * The Message Inspector's source for a Kafka topic: KafkaService.browse (assigned partitions,
 * no consumer group, no commits) writing each record straight into a bounded, indexed
 * MessageBuffer in the extension host, from which the webview asks rows page by page. Filters
 * run in the host over the buffer. No vscode import: the benchmark (bench/inspector.ts)
 * drives it as the panel does.
 *
 * A read ends in one of four ways and the status line says which, with the numbers: the end
 * of the topic (or of the chosen partitions) reached, "Max messages" reached, the memory
 * bound reached ("Stop reading" chosen: the first messages stay), or stopped by the user.
 * When more was read than the bound holds and "Keep the newest" is chosen (the default), it
 * says how many were read, how many of the newest were kept, and which setting keeps more.
 */
import type { KafkaApi } from '../config/kafkaConnections';
import type { BrowseNotice, BrowseSummary, StartPosition } from '../kafka/types';
import { describeError, userMessage, WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { InspectorOptions, InspectorState, InspectorStatus } from '../shared/protocol';
import { formatCount, parseTimestamp, plural } from '../kafka/presentation';
import { BufferedInspectorSource, MEMORY_SETTING, type InspectorSourceDescription } from './inspectorSource';
import type { KafkaRecord } from '../kafka/types';
import { SchemaCache } from '../schemas/serdes';
import type { SchemaSource } from '../schemas/types';
import { SchemaDecodingSink, WireBook, type WireRow } from '../schemas/wireRecords';

export interface KafkaInspectorSourceDeps {
  /** The service of the connection (made on first use, shared with the tree). */
  service: () => Promise<KafkaApi>;
  connection: string;
  topic: string;
  log: Logger;
  /** Bytes the buffer may hold; the oldest messages are dropped beyond it. */
  maxBytes?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** The schema registry of the connection, for keys and values in the Confluent wire format; without one they show as bytes. */
  schemas?: () => SchemaSource | undefined;
}

/** Turns the form's start choice into the service's StartPosition; throws a sentence for bad input. */
export function startPositionOf(options: InspectorOptions, now = Date.now()): StartPosition {
  const value = options.startValue.trim();
  switch (options.start) {
    case 'beginning': return { kind: 'beginning' };
    case 'end': return { kind: 'end' };
    case 'latest': {
      if (!/^\d+$/.test(value) || Number(value) < 1) throw new WorkbenchError('Give how many of the latest messages to read from each partition, e.g. 100.');
      return { kind: 'latest', count: Number(value) };
    }
    case 'offset': {
      if (!/^\d+$/.test(value)) throw new WorkbenchError('Give the offset to start at: a whole number, e.g. 0 or 1500.');
      return { kind: 'offset', offset: value };
    }
    case 'timestamp': {
      const parsed = parseTimestamp(value, now);
      if (!parsed.ok) throw new WorkbenchError(parsed.message);
      return { kind: 'timestamp', timestamp: parsed.value };
    }
  }
}

/** A read's notice as the status line says it. */
export function noticeText(notice: BrowseNotice): string {
  switch (notice.kind) {
    case 'leaderMoved': return `Partition ${notice.partition}'s leader moved from broker ${notice.from} to ${notice.to}; reading on.`;
    case 'leaderBack': return `Partition ${notice.partition}'s leader, broker ${notice.leader}, answers again; reading on.`;
    case 'leaderUnavailable': return notice.leader >= 0
      ? `Partition ${notice.partition}'s leader, broker ${notice.leader}, does not answer; waiting for Kafka to elect another…`
      : `Partition ${notice.partition} has no leader; waiting for Kafka to elect one…`;
  }
}

/** Notices shown at once; more partitions are counted. */
const NOTICES_SHOWN = 3;

export class KafkaInspectorSource extends BufferedInspectorSource {
  private follow = false;
  private partitionCount = 0;
  /** The latest notice of each partition in the current read. */
  private readonly notices = new Map<number, string>();
  /** Schemas looked up while this window is open: one lookup per schema id. */
  private schemaCache: SchemaCache | undefined;
  private readonly wireBook = new WireBook();

  constructor(private readonly deps: KafkaInspectorSourceDeps) {
    super(deps.maxBytes, deps.now);
  }

  async describe(): Promise<InspectorSourceDescription> {
    const service = await this.deps.service();
    const details = await service.describeTopic(this.deps.topic);
    this.partitionCount = details.partitions;
    return {
      kind: 'kafka',
      title: this.deps.topic,
      subtitle: `${this.deps.connection} · ${plural(details.partitions, 'partition')} · about ${plural(details.messageEstimate, 'message')}`,
      partitions: details.partitionInfo.map((p) => p.partition),
      canProduceAgain: true,
    };
  }

  start(options: InspectorOptions): void {
    const start = startPositionOf(options, this.now());
    const partitions = options.partitions.length > 0 ? [...new Set(options.partitions)].sort((a, b) => a - b) : undefined;
    if (partitions && this.partitionCount > 0) {
      const missing = partitions.filter((p) => p >= this.partitionCount);
      if (missing.length > 0) {
        throw new WorkbenchError(`The topic ${this.deps.topic} has partitions 0 to ${this.partitionCount - 1}; ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist.`);
      }
    }
    this.follow = options.follow || start.kind === 'end';
    this.notices.clear();
    const controller = this.beginRun(options.maxMessages, options.whenFull ?? 'keepNewest');
    void this.read(controller, start, partitions, options.maxMessages);
  }

  /** "the topic", "partition 2" or "partitions 0 and 2": what a read from the beginning reads to the end of. */
  private readScope(partitions: number[] | undefined): string {
    if (!partitions || partitions.length === this.partitionCount) return 'the topic';
    if (partitions.length === 1) return `partition ${partitions[0] ?? ''}`;
    return `partitions ${partitions.slice(0, -1).join(', ')} and ${partitions[partitions.length - 1] ?? ''}`;
  }

  /** The status line of a read that ended, saying exactly why and what the buffer kept. */
  private endText(summary: BrowseSummary, partitions: number[] | undefined, maxMessages: number): { text: string; saysDrops: boolean } {
    const seconds = ((this.finishedAt - this.startedAt) / 1000).toFixed(2);
    const scope = this.readScope(partitions);
    const read = summary.delivered;
    const dropped = this.buffer.evicted;
    const kept = `kept the newest ${formatCount(this.buffer.size)} (${this.boundText()}; raise ${MEMORY_SETTING} to keep more)`;
    const left = summary.remaining !== undefined && summary.remaining > 0 ? `, about ${formatCount(summary.remaining)} before the end of ${scope}` : '';
    switch (summary.stoppedBecause) {
      case 'endOfPartitions':
        if (read === 0) return { text: 'No messages in this range.', saysDrops: false };
        if (dropped === 0) return { text: `Read all ${plural(read, 'message')} to the end of ${scope} in ${seconds} s.`, saysDrops: false };
        return { text: `Read ${plural(read, 'message')} to the end of ${scope} in ${seconds} s; ${kept}.`, saysDrops: true };
      case 'maxMessages':
        return dropped === 0
          ? { text: `Stopped at the maximum of ${plural(maxMessages, 'message')} (${seconds} s)${left}. Raise "Max messages" to read more.`, saysDrops: false }
          : { text: `Stopped at the maximum of ${plural(maxMessages, 'message')} (${seconds} s)${left}; ${kept}.`, saysDrops: true };
      case 'full':
        return {
          text: `Stopped at the ${this.boundText()} after the first ${plural(read, 'message')} (${seconds} s)${left}. Raise ${MEMORY_SETTING} to keep more, choose "Keep the newest" to read on, or start at a later offset.`,
          saysDrops: false,
        };
      case 'cancelled':
        return dropped === 0
          ? { text: `Stopped after ${plural(read, 'message')}.`, saysDrops: false }
          : { text: `Stopped after ${plural(read, 'message')}; ${kept}.`, saysDrops: true };
    }
  }

  private async read(controller: AbortController, start: StartPosition, partitions: number[] | undefined, maxMessages: number): Promise<void> {
    try {
      const service = await this.deps.service();
      const buffer = this.buffer;
      const bufferSink = buffer.sink(this.deps.topic, () => { if (this.run === controller) this.emit(); });
      this.wireBook.clear();
      const cache = this.schemas();
      const decoding = cache ? new SchemaDecodingSink(bufferSink, cache, this.wireBook, () => { if (this.run === controller) this.emit(); }, this.deps.topic) : undefined;
      controller.signal.addEventListener('abort', () => decoding?.cancel());
      const sink = decoding ?? bufferSink;
      const summary = await service.browse({
        topic: this.deps.topic,
        ...(partitions ? { partitions } : {}),
        start,
        maxMessages,
        follow: this.follow,
        signal: controller.signal,
        // A read replaced by another must not write into the buffer the new one fills.
        sink: {
          add: (partition, record, headers) => this.run === controller && sink.add(partition, record, headers),
          flush: () => { if (this.run === controller) sink.flush(); },
          expect: (records) => { if (this.run === controller) sink.expect?.(records); },
        },
        onNotice: (notice: BrowseNotice) => {
          if (this.run !== controller) return;
          const text = noticeText(notice);
          this.deps.log.info(`Reading ${this.deps.topic}: ${text}`);
          this.notices.set(notice.partition, text);
          this.emit();
        },
      });
      await decoding?.drained();
      if (this.run !== controller) return;
      this.finishedAt = this.now();
      const { text, saysDrops } = this.endText(summary, partitions, maxMessages);
      this.setState(summary.stoppedBecause === 'cancelled' ? 'stopped' : 'done', text, saysDrops);
    } catch (error) {
      if (this.run !== controller) return;
      this.finishedAt = this.now();
      if (controller.signal.aborted) {
        this.setState('stopped', `Stopped after ${plural(this.buffer.total, 'message')}.`);
        return;
      }
      this.deps.log.warn(`Reading ${this.deps.topic} failed: ${describeError(error)}`);
      this.setState('error', `${userMessage(error)}${this.buffer.size > 0 ? ` The ${plural(this.buffer.size, 'message')} read before stay below.` : ''}`);
    } finally {
      if (this.run === controller) this.run = undefined;
    }
  }

  /** The schema cache of this window, made on first use; undefined without a registry. */
  private schemas(): SchemaCache | undefined {
    if (this.schemaCache) return this.schemaCache;
    const source = this.deps.schemas?.();
    if (source) this.schemaCache = new SchemaCache(source, (message) => { this.deps.log.warn(`${this.deps.topic}: ${message}`); });
    return this.schemaCache;
  }

  /** Schema lookups made by this window (one per schema id seen). */
  get schemaLookups(): number {
    return this.schemaCache?.lookups ?? 0;
  }

  protected override wireOf(record: KafkaRecord): WireRow | undefined {
    return this.wireBook.size === 0 ? undefined : this.wireBook.get(record.partition, record.offset);
  }

  /** Schema'd rows decoded and rows that could not be, in this read. */
  schemaCounts(): { decoded: number; failed: number } {
    return { decoded: this.wireBook.decoded, failed: this.wireBook.failed };
  }

  status(): InspectorStatus {
    const state: InspectorState = this.state === 'loading' && this.follow ? 'following' : this.state;
    let line: string;
    switch (state) {
      case 'idle': line = 'Not reading yet.'; break;
      case 'loading': line = `Reading… ${plural(this.buffer.total, 'message')} so far (${formatCount(this.timing().ratePerSecond)}/s).`; break;
      case 'following': line = this.buffer.total === 0
        ? 'Following: waiting for new messages.'
        : `Following: ${plural(this.buffer.total, 'message')}; new ones appear as they are written.`; break;
      default: line = this.stateMessage;
    }
    const { decoded, failed } = this.wireBook;
    if (failed > 0) line += ` ${plural(failed, 'schema\'d message')} could not be decoded and show${failed === 1 ? 's' : ''} raw bytes with the reason (see the Schema column).`;
    else if (decoded > 0 && state !== 'loading') line += ` ${plural(decoded, 'schema\'d message')} decoded.`;
    const status = this.statusWith(state, line);
    if (this.notices.size === 0) return status;
    const texts = [...this.notices.values()];
    const more = texts.length - NOTICES_SHOWN;
    const notice = `${texts.slice(0, NOTICES_SHOWN).join(' ')}${more > 0 ? ` (${plural(more, 'more partition')} likewise.)` : ''}`;
    return { ...status, notice };
  }
}
