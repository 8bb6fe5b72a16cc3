/**
 * Reads what the streaming pipeline keeps in PostgreSQL (database `workbench`, the history
 * connection's database): the ingestion checkpoint (pipeline_checkpoints), the Spark job's
 * micro-batches (spark_batches), the loaded rows (product_recalls) and row counts. A small
 * read-only pg pool with timeouts, parameterized SQL only; failures become WorkbenchErrors
 * that name the table and say what to do (historyError, plus the pipeline's own sentence for
 * a missing table). No vscode.
 */
import pg from 'pg';
import { historyError, type HistoryErrorContext } from '../history/errors';
import type { HistoryStoreConfig } from '../history/types';
import { WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { RECALLS_TABLE, type SparkBatchRow } from './pipelineModel';

const DEFAULT_TIMEOUT_MS = 15_000;

/** The tables the store may count (never a name from outside). */
export const COUNTABLE_TABLES = ['product_recalls', 'message_history', 'spark_batches'] as const;
export type CountableTable = (typeof COUNTABLE_TABLES)[number];

/** A row of product_recalls: the lineage columns, and every other column as loaded. */
export interface RecallRow {
  referenceFiche: string;
  kafkaTopic: string | null;
  kafkaPartition: number | null;
  kafkaOffset: string | null;
  sparkBatchId: number | null;
  airflowDagId: string | null;
  airflowRunId: string | null;
  loadedAt: number | null;
  /** The cleaned record's own columns (name → value as pg returns it, dates as ISO text). */
  fields: Record<string, unknown>;
}

const LINEAGE = new Set(['reference_fiche', 'kafka_topic', 'kafka_partition', 'kafka_offset', 'kafka_timestamp', 'spark_batch_id', 'spark_query_name', 'airflow_dag_id', 'airflow_run_id', 'loaded_at']);

function ms(value: unknown): number | null {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') { const t = Date.parse(value); return Number.isNaN(t) ? null : t; }
  return null;
}

function num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value);
}

/** {"0": 12, ...} from jsonb (numbers or text) → {"0": "12"}. */
export function offsetsOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const source = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (typeof source !== 'object' || source === null) return out;
  for (const [partition, offset] of Object.entries(source as Record<string, unknown>)) {
    if (/^\d+$/.test(partition) && (typeof offset === 'number' || (typeof offset === 'string' && /^-?\d+$/.test(offset)))) out[partition] = String(offset);
  }
  return out;
}

export function recallRowOf(row: Record<string, unknown>): RecallRow {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (!LINEAGE.has(k)) fields[k] = v instanceof Date ? v.toISOString() : v;
  return {
    referenceFiche: String(row.reference_fiche),
    kafkaTopic: text(row.kafka_topic),
    kafkaPartition: num(row.kafka_partition),
    kafkaOffset: text(row.kafka_offset),
    sparkBatchId: num(row.spark_batch_id),
    airflowDagId: text(row.airflow_dag_id),
    airflowRunId: text(row.airflow_run_id),
    loadedAt: ms(row.loaded_at),
    fields,
  };
}

export function sparkBatchOf(row: Record<string, unknown>): SparkBatchRow {
  return {
    queryName: String(row.query_name),
    batchId: Number(row.batch_id),
    airflowDagId: text(row.airflow_dag_id),
    airflowRunId: text(row.airflow_run_id),
    startOffsets: offsetsOf(row.start_offsets),
    endOffsets: offsetsOf(row.end_offsets),
    rowsIn: num(row.rows_in),
    rowsWritten: num(row.rows_written),
    durationMs: num(row.duration_ms),
    startedAt: ms(row.started_at),
    finishedAt: ms(row.finished_at),
  };
}

export class PipelineStore {
  private readonly pool: pg.Pool;
  private readonly context: HistoryErrorContext;

  constructor(config: HistoryStoreConfig, private readonly logger: Logger) {
    const timeoutMs = config.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { host, port, database, user, ssl } = config;
    this.context = { host, port, database, user, ssl, timeoutMs, table: RECALLS_TABLE };
    this.pool = new pg.Pool({
      host, port, database, user, password: config.password,
      ssl: ssl ? { rejectUnauthorized: true } : false,
      max: 3,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: timeoutMs,
      statement_timeout: timeoutMs,
      query_timeout: timeoutMs + 2_000,
      application_name: 'kafka-airflow-workbench-pipelines',
      options: '-c default_transaction_read_only=on',
    });
    this.pool.on('error', (error) => { this.logger.warn(`An idle pipeline connection failed and was closed: ${error.message}`); });
  }

  private async query(table: string, sql: string, values: unknown[]): Promise<Record<string, unknown>[]> {
    try {
      const result = await this.pool.query<Record<string, unknown>>(sql, values);
      return result.rows;
    } catch (error) {
      if ((error as { code?: unknown }).code === '42P01') {
        throw new WorkbenchError(
          `Database ${this.context.database} has no ${table} table: the streaming pipeline's schema (stack/sql/004_*.sql) is not installed. Run \`bash stack/native/stack.sh up\` from a checkout that has it.`,
          { cause: error, actions: ['retry', 'showLog'] },
        );
      }
      throw historyError(error, { ...this.context, table });
    }
  }

  /** The ingestion checkpoint of a pipeline, or null when the DAG has not moved it yet. */
  async ingestCheckpoint(pipeline: string): Promise<{ publishedSince: string | null; updatedAt: number | null; runId: string | null } | null> {
    const rows = await this.query('pipeline_checkpoints', 'SELECT checkpoint, updated_at, updated_by_run_id FROM pipeline_checkpoints WHERE pipeline = $1', [pipeline]);
    const row = rows[0];
    if (!row) return null;
    const checkpoint = (typeof row.checkpoint === 'string' ? JSON.parse(row.checkpoint) : row.checkpoint) as Record<string, unknown> | null;
    const since = checkpoint?.published_since;
    return { publishedSince: typeof since === 'string' ? since : null, updatedAt: ms(row.updated_at), runId: text(row.updated_by_run_id) };
  }

  async lastSparkBatch(queryName: string): Promise<SparkBatchRow | null> {
    const rows = await this.query('spark_batches', 'SELECT * FROM spark_batches WHERE query_name = $1 ORDER BY batch_id DESC LIMIT 1', [queryName]);
    return rows[0] ? sparkBatchOf(rows[0]) : null;
  }

  async sparkBatch(queryName: string, batchId: number): Promise<SparkBatchRow | null> {
    const rows = await this.query('spark_batches', 'SELECT * FROM spark_batches WHERE query_name = $1 AND batch_id = $2', [queryName, batchId]);
    return rows[0] ? sparkBatchOf(rows[0]) : null;
  }

  /**
   * The micro-batches whose offset range of `partition` holds `offset` (start inclusive, end
   * exclusive, like Spark's checkpoint). Normally one; more would mean the job re-read a range.
   */
  async sparkBatchesHolding(queryName: string, partition: number, offset: string): Promise<SparkBatchRow[]> {
    const key = String(partition);
    const rows = await this.query(
      'spark_batches',
      `SELECT * FROM spark_batches
        WHERE query_name = $1 AND end_offsets ? $2 AND (end_offsets->>$2)::bigint > $3::bigint
          AND COALESCE((start_offsets->>$2)::bigint, 0) <= $3::bigint
        ORDER BY batch_id`,
      [queryName, key, offset],
    );
    return rows.map(sparkBatchOf);
  }

  async recallByKey(referenceFiche: string): Promise<RecallRow | null> {
    const rows = await this.query(RECALLS_TABLE, 'SELECT * FROM product_recalls WHERE reference_fiche = $1', [referenceFiche]);
    return rows[0] ? recallRowOf(rows[0]) : null;
  }

  async recallByCoordinates(topic: string, partition: number, offset: string): Promise<RecallRow | null> {
    const rows = await this.query(RECALLS_TABLE, 'SELECT * FROM product_recalls WHERE kafka_topic = $1 AND kafka_partition = $2 AND kafka_offset = $3::bigint', [topic, partition, offset]);
    return rows[0] ? recallRowOf(rows[0]) : null;
  }

  /** The newest rows of product_recalls (the table stage's read-only document). */
  async newestRecalls(limit: number): Promise<RecallRow[]> {
    const rows = await this.query(RECALLS_TABLE, 'SELECT * FROM product_recalls ORDER BY loaded_at DESC NULLS LAST, reference_fiche LIMIT $1', [Math.max(1, Math.min(1000, Math.floor(limit)))]);
    return rows.map(recallRowOf);
  }

  async countRows(table: CountableTable): Promise<number> {
    if (!COUNTABLE_TABLES.includes(table)) throw new WorkbenchError(`The pipeline store counts only ${COUNTABLE_TABLES.join(', ')}; got ${table as string}.`, { actions: [] });
    const rows = await this.query(table, `SELECT count(*)::text AS n FROM ${table}`, []);
    return Number(rows[0]?.n ?? 0);
  }

  async dispose(): Promise<void> {
    await this.pool.end();
  }
}
