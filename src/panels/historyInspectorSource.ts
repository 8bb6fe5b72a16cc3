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
import type { HistoryCursor, HistoryFilter, HistoryRow } from '../history/types';
import { describeError, userMessage, WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { InspectorOptions, InspectorPipeline, InspectorState, InspectorStatus } from '../shared/protocol';
import { parseTimestamp, plural } from '../kafka/presentation';
import { BufferedInspectorSource, type InspectorSourceDescription } from './inspectorSource';

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

/** A history row's consumer run, dataset event and processing run, for the detail pane's "Pipeline" section. */
export function pipelineOf(row: HistoryRow): InspectorPipeline {
  return {
    consumedAt: row.consumedAt,
    consumerDagId: row.consumerDagId,
    consumerRunId: row.consumerRunId,
    datasetUri: row.datasetUri,
    processedAt: row.processedAt,
    processedByDagId: row.processedByDagId,
    processedByRunId: row.processedByRunId,
  };
}

/** Key of a record's pipeline: a history row is one Kafka message, so its coordinates name it. */
function coordinatesKey(topic: string, partition: number, offset: string): string {
  return `${partition}:${offset}:${topic}`;
}

export class HistoryInspectorSource extends BufferedInspectorSource {
  /** Pipeline fields of the rows read by the current run, carried with the page (they are a few short strings). */
  private readonly pipelines = new Map<string, InspectorPipeline>();

  constructor(private readonly deps: HistoryInspectorSourceDeps) {
    super(deps.maxBytes, deps.now);
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

  start(options: InspectorOptions): void {
    const cursor = historyStartCursor(options, this.deps.startAt, this.now());
    const controller = this.beginRun(options.maxMessages);
    this.pipelines.clear();
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
        for (const row of page.rows) this.pipelines.set(coordinatesKey(row.topic, row.partition, row.offset), pipelineOf(row));
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

  pipeline(id: number): InspectorPipeline | undefined {
    const record = this.record(id);
    return record ? this.pipelines.get(coordinatesKey(record.topic, record.partition, record.offset)) : undefined;
  }

  override dispose(): void {
    super.dispose();
    this.pipelines.clear();
  }

  status(): InspectorStatus {
    let line: string;
    if (this.state === 'idle') line = 'Not reading yet.';
    else if (this.state === 'loading') line = `Reading the history… ${plural(this.buffer.total, 'message')} so far.`;
    else line = this.stateMessage;
    return this.statusWith(this.state, line);
  }
}
