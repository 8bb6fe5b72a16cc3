/**
 * The Message Inspector's source for a Kafka topic: KafkaService.browse (assigned partitions,
 * no consumer group, no commits) feeding a bounded, indexed MessageBuffer in the extension
 * host, from which the webview asks rows page by page. Filters run in the host over the
 * buffer. No vscode import: the benchmark (bench/inspector.ts) drives it as the panel does.
 */
import type { KafkaApi } from '../config/kafkaConnections';
import type { BrowseNotice, KafkaRecord, StartPosition } from '../kafka/types';
import { describeError, userMessage, WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { InspectorOptions, InspectorState, InspectorStatus } from '../shared/protocol';
import { formatCount, parseTimestamp, plural } from '../views/kafka/presentation';
import { BufferedInspectorSource, type InspectorSourceDescription } from './inspectorSource';

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
    const controller = this.beginRun(options.maxMessages);
    void this.read(controller, start, partitions, options.maxMessages);
  }

  private async read(controller: AbortController, start: StartPosition, partitions: number[] | undefined, maxMessages: number): Promise<void> {
    try {
      const service = await this.deps.service();
      const summary = await service.browse({
        topic: this.deps.topic,
        ...(partitions ? { partitions } : {}),
        start,
        maxMessages,
        follow: this.follow,
        signal: controller.signal,
        onRecords: (records: KafkaRecord[]) => {
          if (this.run !== controller) return;
          this.buffer.append(records);
          this.emit();
        },
        onNotice: (notice: BrowseNotice) => {
          if (this.run !== controller) return;
          const text = noticeText(notice);
          this.deps.log.info(`Reading ${this.deps.topic}: ${text}`);
          this.notices.set(notice.partition, text);
          this.emit();
        },
      });
      if (this.run !== controller) return;
      this.finishedAt = this.now();
      const seconds = ((this.finishedAt - this.startedAt) / 1000).toFixed(2);
      switch (summary.stoppedBecause) {
        case 'maxMessages':
          this.setState('done', `Stopped at the maximum of ${plural(maxMessages, 'message')} (${seconds} s). Raise "Max messages" to read more.`);
          break;
        case 'endOfPartitions':
          this.setState('done', summary.delivered === 0 ? 'No messages in this range.' : `Read all ${plural(summary.delivered, 'message')} in ${seconds} s.`);
          break;
        case 'cancelled':
          this.setState('stopped', `Stopped after ${plural(this.buffer.total, 'message')}.`);
          break;
      }
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
    const status = this.statusWith(state, line);
    if (this.notices.size === 0) return status;
    const texts = [...this.notices.values()];
    const more = texts.length - NOTICES_SHOWN;
    const notice = `${texts.slice(0, NOTICES_SHOWN).join(' ')}${more > 0 ? ` (${plural(more, 'more partition')} likewise.)` : ''}`;
    return { ...status, notice };
  }
}
