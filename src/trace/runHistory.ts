/**
 * What the message history holds for one batch-consumer run: rows loaded, rows processed
 * downstream, times, and offset ranges per partition. A thin read-only adapter over pg next to
 * MessageHistoryStore (which has no per-run query); same settings, same error sentences
 * (historyError), parameterized SQL only.
 */
import pg from 'pg';
import { historyError, type HistoryErrorContext } from '../history/errors';
import { tableName } from '../history/sql';
import type { HistoryStoreConfig } from '../history/types';
import type { Logger } from '../shared/logger';
import type { RunHistoryStats } from './traceModel';

const DEFAULT_TIMEOUT_MS = 15_000;

interface RunGroupRow {
  topic: string;
  partition: number;
  data_type: string;
  rows: string;
  processed: string;
  first_offset: string;
  last_offset: string;
  first_message_at: Date | null;
  last_message_at: Date | null;
  first_consumed_at: Date;
  last_consumed_at: Date;
}

/** The pure fold of the grouped rows into one RunHistoryStats (exported for the unit test). */
export function statsFromGroups(groups: readonly RunGroupRow[]): RunHistoryStats {
  const stats: RunHistoryStats = {
    loadedRows: 0, processedRows: 0, firstMessageAt: null, lastMessageAt: null, firstConsumedAt: null, lastConsumedAt: null, byDataType: {}, partitions: [],
  };
  const min = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));
  const max = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));
  const byPartition = new Map<string, RunHistoryStats['partitions'][number]>();
  for (const g of groups) {
    const rows = Number(g.rows);
    stats.loadedRows += rows;
    stats.processedRows += Number(g.processed);
    stats.byDataType[g.data_type] = (stats.byDataType[g.data_type] ?? 0) + rows;
    stats.firstMessageAt = min(stats.firstMessageAt, g.first_message_at?.getTime() ?? null);
    stats.lastMessageAt = max(stats.lastMessageAt, g.last_message_at?.getTime() ?? null);
    stats.firstConsumedAt = min(stats.firstConsumedAt, g.first_consumed_at.getTime());
    stats.lastConsumedAt = max(stats.lastConsumedAt, g.last_consumed_at.getTime());
    const key = `${g.topic}\u0000${g.partition}`;
    const known = byPartition.get(key);
    if (!known) {
      byPartition.set(key, { topic: g.topic, partition: g.partition, firstOffset: g.first_offset, lastOffset: g.last_offset, rows });
    } else {
      if (BigInt(g.first_offset) < BigInt(known.firstOffset)) known.firstOffset = g.first_offset;
      if (BigInt(g.last_offset) > BigInt(known.lastOffset)) known.lastOffset = g.last_offset;
      known.rows += rows;
    }
  }
  stats.partitions = [...byPartition.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return stats;
}

export class RunHistoryReader {
  private readonly pool: pg.Pool;
  private readonly table: string;
  private readonly context: HistoryErrorContext;

  constructor(config: HistoryStoreConfig, private readonly logger: Logger) {
    const timeoutMs = config.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.table = tableName(config.schema);
    const { host, port, database, user, ssl } = config;
    this.context = { host, port, database, user, ssl, timeoutMs, table: this.table };
    this.pool = new pg.Pool({
      host, port, database, user, password: config.password,
      ssl: ssl ? { rejectUnauthorized: true } : false,
      max: 2,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: timeoutMs,
      statement_timeout: timeoutMs,
      query_timeout: timeoutMs + 2_000,
      application_name: 'kafka-airflow-workbench-trace',
      options: '-c default_transaction_read_only=on',
    });
    this.pool.on('error', (error) => { this.logger.warn(`An idle trace connection failed and was closed: ${error.message}`); });
  }

  /** Rows the run loaded, grouped and folded; zero rows when it has loaded none (yet). */
  async statsOfRun(consumerRunId: string): Promise<RunHistoryStats> {
    const text = `SELECT topic, "partition" AS partition, data_type, count(*)::text AS rows, count(processed_at)::text AS processed,
        min("offset")::text AS first_offset, max("offset")::text AS last_offset,
        min(message_timestamp) AS first_message_at, max(message_timestamp) AS last_message_at,
        min(consumed_at) AS first_consumed_at, max(consumed_at) AS last_consumed_at
      FROM ${this.table} WHERE consumer_run_id = $1
      GROUP BY topic, "partition", data_type`;
    try {
      const started = performance.now();
      const result = await this.pool.query<RunGroupRow>(text, [consumerRunId]);
      this.logger.trace(`history of run ${consumerRunId}: ${result.rows.length} group(s) in ${Math.round(performance.now() - started)} ms`);
      return statsFromGroups(result.rows);
    } catch (error) {
      throw historyError(error, this.context);
    }
  }

  async dispose(): Promise<void> {
    await this.pool.end();
  }
}
