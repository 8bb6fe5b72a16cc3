/**
 * The Message Inspector's source for message-history rows: the same table, filter, detail
 * pane, copy and export as for a Kafka topic, over rows of the `message_history` table. It
 * reads whole rows with MessageHistoryStore.pageRows (keyset pages, newest first) into the
 * same bounded MessageBuffer the Kafka source uses, each row in the shape of a Kafka record
 * (rowAsKafkaRecord). The scope is what the tree row was: a topic, a data type, a day, or a
 * search; opened from one history row, reading starts at that row. No vscode import.
 */
import type { HistoryApi } from '../config/historyConnection';
import { rowAsKafkaRecord } from '../history/decode';
import type { HistoryCursor, HistoryFilter } from '../history/types';
import { DEFAULT_BUFFER_LIMITS, MessageBuffer } from '../kafka/messageBuffer';
import type { KafkaRecord } from '../kafka/types';
import { describeError, userMessage, WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { InspectorFilter, InspectorOptions, InspectorRow, InspectorState, InspectorStatus } from '../shared/protocol';
import { formatCount, parseTimestamp, plural } from '../views/kafka/presentation';
import { rowOf, type InspectorSource, type InspectorSourceDescription } from './inspectorSource';

/** Rows per keyset page while filling the buffer. */
export const HISTORY_INSPECTOR_PAGE = 500;

export interface HistoryInspectorSourceDeps {
  store: () => Promise<HistoryApi>;
  /** What to read: a topic, data type, day and/or search. */
  scope: HistoryFilter;
  /** The panel's title, e.g. "orders / order / 2025-03-01". */
  title: string;
  /** Where the rows come from, e.g. "workbench@127.0.0.1:5432". */
  database: string;
  /** Start at this row (included) instead of the newest. */
  startAt?: HistoryCursor;
  log: Logger;
  maxBytes?: number;
  now?: () => number;
}

/**
 * The cursor that makes a keyset page start AT a row rather than after it: the same
 * timestamp and the next id, so the row itself is the first one older than the cursor.
 */
export function cursorIncluding(cursor: HistoryCursor): HistoryCursor {
  return { timestamp: cursor.timestamp, id: (BigInt(cursor.id) + 1n).toString() };
}

/**
 * Where reading starts for the form's choice. History is read newest first: "beginning",
 * "end" and "latest" all start at the newest row (or at the row the panel was opened on), a
 * timestamp at the newest row at or before it. An offset names no single place across
 * partitions, so it is refused with a sentence.
 */
export function historyStartCursor(options: InspectorOptions, startAt: HistoryCursor | undefined, now: number): HistoryCursor | undefined {
  switch (options.start) {
    case 'beginning':
    case 'end':
    case 'latest':
      return startAt ? cursorIncluding(startAt) : undefined;
    case 'timestamp': {
      const parsed = parseTimestamp(options.startValue, now);
      if (!parsed.ok) throw new WorkbenchError(parsed.message);
      // Rows with a timestamp before the next millisecond, i.e. at or before the time given.
      return { timestamp: new Date(parsed.value + 1).toISOString(), id: '0' };
    }
    case 'offset':
      throw new WorkbenchError('History rows are read newest first across partitions, so a start offset does not apply. Start from the latest row or from a time.');
  }
}

export class HistoryInspectorSource implements InspectorSource {
  private readonly buffer: MessageBuffer;
  private readonly listeners = new Set<() => void>();
  private run: AbortController | undefined;
  private state: InspectorState = 'idle';
  private stateMessage = '';
  private generation = 0;
  private startedAt = 0;
  private finishedAt = 0;
  private readonly now: () => number;

  constructor(private readonly deps: HistoryInspectorSourceDeps) {
    this.now = deps.now ?? Date.now;
    this.buffer = new MessageBuffer({ maxRecords: DEFAULT_BUFFER_LIMITS.maxRecords, maxBytes: deps.maxBytes ?? DEFAULT_BUFFER_LIMITS.maxBytes });
  }

  async describe(): Promise<InspectorSourceDescription> {
    const { topic } = this.deps.scope;
    const partitions = topic === undefined ? [] : await (await this.deps.store()).partitions(topic);
    return {
      kind: 'history',
      title: this.deps.title,
      subtitle: `Message history · ${this.deps.database} · newest first`,
      partitions,
      canProduceAgain: false,
    };
  }

  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  start(options: InspectorOptions): void {
    const cursor = historyStartCursor(options, this.deps.startAt, this.now());
    this.run?.abort();
    const controller = new AbortController();
    this.run = controller;
    this.buffer.clear();
    this.buffer.setLimits({ maxRecords: options.maxMessages, maxBytes: this.deps.maxBytes ?? DEFAULT_BUFFER_LIMITS.maxBytes });
    this.generation++;
    this.startedAt = this.now();
    this.finishedAt = 0;
    this.setState('loading', '');
    const scope: HistoryFilter = options.partitions.length > 0 ? { ...this.deps.scope, partitions: options.partitions } : this.deps.scope;
    void this.read(controller, scope, cursor, options.maxMessages);
  }

  private async read(controller: AbortController, scope: HistoryFilter, start: HistoryCursor | undefined, maxMessages: number): Promise<void> {
    let cursor = start;
    let read = 0;
    try {
      const store = await this.deps.store();
      for (;;) {
        if (controller.signal.aborted) break;
        const limit = Math.min(HISTORY_INSPECTOR_PAGE, maxMessages - read);
        const page = await store.pageRows({ ...scope, limit, ...(cursor ? { after: cursor } : {}) });
        if (this.run !== controller) return;
        this.buffer.append(page.rows.map(rowAsKafkaRecord));
        read += page.rows.length;
        this.emit();
        if (page.older === null) {
          this.finish(controller, read === 0 ? 'No messages in this part of the history.' : `Read all ${plural(read, 'message')} in ${this.seconds()} s, newest first.`);
          return;
        }
        if (read >= maxMessages) {
          this.finish(controller, `Stopped at the maximum of ${plural(maxMessages, 'message')} (${this.seconds()} s). Raise "Max messages" to read more.`);
          return;
        }
        cursor = page.older;
      }
      this.finish(controller, `Stopped after ${plural(read, 'message')}.`, 'stopped');
    } catch (error) {
      if (this.run !== controller) return;
      this.finishedAt = this.now();
      this.deps.log.warn(`Reading history rows failed: ${describeError(error)}`);
      this.setState('error', `${userMessage(error)}${read > 0 ? ` The ${plural(read, 'message')} read before stay below.` : ''}`);
      this.run = undefined;
    }
  }

  private seconds(): string {
    return ((this.now() - this.startedAt) / 1000).toFixed(2);
  }

  private finish(controller: AbortController, message: string, state: InspectorState = 'done'): void {
    if (this.run !== controller) return;
    this.finishedAt = this.now();
    this.run = undefined;
    this.setState(state, message);
  }

  stop(): void {
    this.run?.abort();
  }

  private setState(state: InspectorState, message: string): void {
    this.state = state;
    this.stateMessage = message;
    this.emit();
  }

  status(): InspectorStatus {
    const loaded = this.buffer.size;
    const matched = this.buffer.viewSize;
    const elapsedMs = this.startedAt === 0 ? 0 : (this.finishedAt || this.now()) - this.startedAt;
    const ratePerSecond = elapsedMs > 0 ? Math.round((this.buffer.total / elapsedMs) * 1000) : 0;
    const parts: string[] = [];
    if (this.state === 'idle') parts.push('Not reading yet.');
    else if (this.state === 'loading') parts.push(`Reading the history… ${plural(this.buffer.total, 'message')} so far.`);
    else parts.push(this.stateMessage);
    if (this.buffer.currentFilter && loaded > 0) parts.push(`${formatCount(matched)} of ${formatCount(loaded)} match the filter.`);
    if (this.buffer.evicted > 0) parts.push(`The oldest ${formatCount(this.buffer.evicted)} were dropped to stay within memory.`);
    return { state: this.state, loaded, matched, generation: this.generation, message: parts.join(' '), elapsedMs, ratePerSecond };
  }

  setFilter(filter: InspectorFilter): { matched: number; generation: number } {
    const text = filter.text.trim();
    const partitions = filter.partitions.length > 0 ? filter.partitions : undefined;
    const matched = this.buffer.setFilter(text === '' && !partitions ? undefined : { ...(text !== '' ? { text } : {}), ...(partitions ? { partitions } : {}) });
    this.generation++;
    this.emit();
    return { matched, generation: this.generation };
  }

  rows(from: number, to: number): { rows: InspectorRow[]; matched: number; generation: number } {
    const rows = this.buffer.view(from, to).map((row) => rowOf(row.seq, row.record));
    return { rows, matched: this.buffer.viewSize, generation: this.generation };
  }

  record(id: number): KafkaRecord | undefined {
    return this.buffer.bySeq(id)?.record;
  }

  *records(ids: readonly number[] | 'filtered'): Iterable<KafkaRecord> {
    if (ids === 'filtered') {
      yield* this.buffer.viewRecords();
      return;
    }
    for (const id of [...ids].sort((a, b) => a - b)) {
      const record = this.buffer.bySeq(id)?.record;
      if (record) yield record;
    }
  }

  dispose(): void {
    this.run?.abort();
    this.run = undefined;
    this.listeners.clear();
    this.buffer.clear();
  }
}
