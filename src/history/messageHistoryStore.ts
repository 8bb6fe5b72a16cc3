/**
 * Reads the message history (the `message_history` table the kafka_batch_consumer DAG fills)
 * from PostgreSQL: counts by topic, data type and day; keyset-paged lists of rows, newest
 * first, with search by key or by text in the value; one row in full with the consumer run,
 * the dataset event and the processing run. A small pg pool with connection and statement
 * timeouts and read-only sessions: the store never writes, and never hangs. Every failure
 * reaches the caller as a WorkbenchError that says what to do.
 */
import pg from 'pg';
import { WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { rowFromDb, summaryFromDb, type FullDbRow } from './decode';
import { historyError, type HistoryErrorContext } from './errors';
import {
  checkBigint,
  checkPartition,
  MAX_PAGE_LIMIT,
  partitionsStatement,
  probeStatement,
  rowByCoordinatesStatement,
  rowByIdStatement,
  segmentOf,
  segmentsOf,
  segmentStatement,
  summaryStatement,
  tableName,
  type HistorySegment,
  type SqlStatement,
} from './sql';
import type {
  HistoryCount,
  HistoryCursor,
  HistoryPage,
  HistoryPageRequest,
  HistoryRow,
  HistoryStoreConfig,
  HistorySummary,
} from './types';

const DEFAULT_TIMEOUT_MS = 15_000;
/** Connections the pool keeps at most: the tree, a document and a search at the same time. */
const POOL_SIZE = 3;
/** Idle connections close after this long. */
const IDLE_MS = 30_000;

/** A time zone PostgreSQL and the JS runtime both know, else UTC. */
function checkedTimeZone(zone: string | undefined, log: Logger): string {
  if (zone === undefined || zone === '') return 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    log.warn(`Unknown time zone "${zone}"; days are cut in UTC`);
    return 'UTC';
  }
}

export class MessageHistoryStore {
  private readonly pool: pg.Pool;
  private readonly table: string;
  private readonly context: HistoryErrorContext;
  private disposed = false;
  readonly timeZone: string;

  constructor(config: HistoryStoreConfig, private readonly logger: Logger) {
    const timeoutMs = config.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.table = tableName(config.schema);
    this.timeZone = checkedTimeZone(config.timeZone, logger);
    const { host, port, database, user, ssl } = config;
    this.context = { host, port, database, user, ssl, timeoutMs, table: this.table };
    this.pool = new pg.Pool({
      host: config.host,
      port: config.port,
      database: config.database,
      user: config.user,
      password: config.password,
      ssl: config.ssl ? { rejectUnauthorized: true } : false,
      max: POOL_SIZE,
      idleTimeoutMillis: IDLE_MS,
      connectionTimeoutMillis: timeoutMs,
      // The server stops a slow statement; the client gives up a little later should the
      // server not answer at all.
      statement_timeout: timeoutMs,
      query_timeout: timeoutMs + 2_000,
      application_name: 'kafka-airflow-workbench',
      // The history browser only reads: a session that cannot write cannot damage anything.
      options: '-c default_transaction_read_only=on',
    });
    // An idle connection that breaks (server restart) is dropped by the pool; without this
    // listener the error would be unhandled.
    this.pool.on('error', (error) => {
      this.logger.warn(`An idle history connection failed and was closed: ${error.message}`);
    });
  }

  private async query<R extends pg.QueryResultRow>(statement: SqlStatement, what: string): Promise<R[]> {
    if (this.disposed) throw new WorkbenchError('The history connection was closed (its settings changed). Try again.', { actions: ['retry'] });
    const started = performance.now();
    try {
      const result = await this.pool.query<R>(statement.text, statement.values);
      this.logger.trace(`${what}: ${result.rowCount ?? result.rows.length} row(s) in ${Math.round(performance.now() - started)} ms`);
      return result.rows;
    } catch (error) {
      throw historyError(error, this.context);
    }
  }

  /** The PostgreSQL version and how many rows the history table holds (Test Connection). */
  async probe(): Promise<{ serverVersion: string; rows: number }> {
    const rows = await this.query<{ version: string; rows: string }>(probeStatement(this.table), 'probe');
    const row = rows[0];
    return { serverVersion: row?.version ?? 'unknown', rows: Number(row?.rows ?? 0) };
  }

  /** Counts grouped by topic → data type → day of the message timestamp (in `timeZone`). */
  async summary(): Promise<HistorySummary> {
    const rows = await this.query<{ topic: string; data_type: string; day: string | null; count: string }>(
      summaryStatement(this.table, this.timeZone),
      'summary',
    );
    const counts: HistoryCount[] = rows.map((r) => ({ topic: r.topic, dataType: r.data_type, day: r.day, count: Number(r.count) }));
    return { counts, total: counts.reduce((sum, c) => sum + c.count, 0), timeZone: this.timeZone };
  }

  /**
   * One page of rows, newest first, as previews (what the tree lists). Without a cursor, the
   * newest rows; with `after`, the rows older than it; with `before`, the rows newer than it.
   * Keyset: no OFFSET, so every page costs the same wherever it is.
   */
  page(request: HistoryPageRequest): Promise<HistoryPage> {
    return this.keysetPage(request, 'summary', summaryFromDb);
  }

  /** The same page with every row in full (what the inspector holds and exports). */
  pageRows(request: HistoryPageRequest): Promise<HistoryPage<HistoryRow>> {
    return this.keysetPage(request, 'full', rowFromDb);
  }

  // D ties the row type the query returns to the decoder that reads it.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  private async keysetPage<D extends pg.QueryResultRow, R extends { cursor: HistoryCursor }>(
    request: HistoryPageRequest,
    columns: 'summary' | 'full',
    decode: (row: D) => R,
  ): Promise<HistoryPage<R>> {
    const { after, before, limit } = request;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
      throw new WorkbenchError(`A page holds 1 to ${MAX_PAGE_LIMIT} rows, not ${limit}.`);
    }
    if (after && before) throw new WorkbenchError('Page either after a row or before it, not both.');
    const cursor = after ?? before;
    if (cursor) checkBigint(cursor.id, 'A cursor id');
    const direction = before ? 'newer' : 'older';
    // Segments in the order this direction walks them; start at the cursor's.
    let segments: HistorySegment[] = segmentsOf(request);
    if (direction === 'newer') segments = [...segments].reverse();
    if (cursor) {
      const start = segments.indexOf(segmentOf(cursor));
      if (start === -1) return { rows: [], older: null, newer: null };
      segments = segments.slice(start);
    }
    const fetched: R[] = [];
    for (const [index, segment] of segments.entries()) {
      const wanted = limit + 1 - fetched.length;
      if (wanted <= 0) break;
      const statement = segmentStatement({
        table: this.table,
        filter: request,
        timeZone: this.timeZone,
        segment,
        direction,
        ...(index === 0 && cursor ? { cursor } : {}),
        limit: wanted,
        columns,
      });
      const rows = await this.query<D>(statement, `page (${segment}, ${direction})`);
      for (const row of rows) fetched.push(decode(row));
    }
    const more = fetched.length > limit;
    const rows = fetched.slice(0, limit);
    if (direction === 'older') {
      const last = rows.at(-1);
      return {
        rows,
        older: more && last ? last.cursor : null,
        newer: after ? rows[0]?.cursor ?? after : null,
      };
    }
    rows.reverse();
    const first = rows[0];
    return {
      rows,
      older: rows.at(-1)?.cursor ?? before ?? null,
      newer: more && first ? first.cursor : null,
    };
  }

  /** The partitions of a topic that have rows, ascending. */
  async partitions(topic: string): Promise<number[]> {
    const rows = await this.query<{ part: number }>(partitionsStatement(this.table, topic), `partitions of ${topic}`);
    return rows.map((r) => r.part);
  }

  /** One row in full, or undefined when no row has this id. */
  async get(id: string): Promise<HistoryRow | undefined> {
    const rows = await this.query<FullDbRow>(rowByIdStatement(this.table, checkBigint(id, 'A history row id')), `row ${id}`);
    return rows[0] ? rowFromDb(rows[0]) : undefined;
  }

  /** The row of one Kafka message, or undefined when the batch consumer has not loaded it. */
  async findByCoordinates(topic: string, partition: number, offset: string): Promise<HistoryRow | undefined> {
    const statement = rowByCoordinatesStatement(this.table, topic, checkPartition(partition), checkBigint(offset, 'An offset'));
    const rows = await this.query<FullDbRow>(statement, `row ${topic}[${partition}]@${offset}`);
    return rows[0] ? rowFromDb(rows[0]) : undefined;
  }

  /** Closes the pool's connections. Later calls fail with a sentence, not a hang. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.pool.end();
  }
}
