/**
 * The SQL of the message history, built as text plus parameters: every value a user or a
 * caller supplies travels as a bind parameter ($1, $2 …), never inside the text. The only
 * names put into the text are the table (quoted with pg's escapeIdentifier) and fixed column
 * names. Pure, so the exact statements are unit-tested; MessageHistoryStore runs them.
 *
 * Order and paging: rows are listed newest first by (message_timestamp, id), the order of
 * the schema's message_history_timestamp_id_idx, and paged by KEYSET: a page continues from
 * the last row's (message_timestamp, id), never with OFFSET, so the millionth row costs the
 * same as the first. Rows without a message timestamp come after all others, ordered by id.
 */
import pg from 'pg';
import { WorkbenchError } from '../shared/errors';
import type { HistoryCursor, HistoryFilter, HistorySearch } from './types';

export interface SqlStatement {
  text: string;
  values: unknown[];
}

export const HISTORY_TABLE = 'message_history';
/** Characters of a value kept in a page's preview. */
export const PREVIEW_LENGTH = 200;
/** Bytes of a binary key or value kept for a page's hex preview. */
export const PREVIEW_BYTES = 24;
export const MAX_PAGE_LIMIT = 1000;

/**
 * The two stretches of the newest-first order: rows with a message timestamp, by
 * (message_timestamp, id); then rows without one, by id.
 */
export type HistorySegment = 'timed' | 'untimed';

/** `schema.message_history`, both parts quoted; only `message_history` when no schema is set. */
export function tableName(schema: string | undefined): string {
  const table = pg.escapeIdentifier(HISTORY_TABLE);
  return schema === undefined || schema === '' ? table : `${pg.escapeIdentifier(schema)}.${table}`;
}

/** Escapes LIKE's wildcards and its escape character, so the text matches only itself. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Collects bind parameters and hands out their $n placeholders. */
class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Checks a YYYY-MM-DD day; a wrong one is a programming or typing error with a clear sentence. */
export function checkDay(day: string): string {
  const match = DAY_PATTERN.exec(day);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== day) {
    throw new WorkbenchError(`"${day}" is not a day: write it as YYYY-MM-DD, for example 2025-01-31.`);
  }
  return day;
}

export function checkSearch(search: HistorySearch): HistorySearch {
  if (search.text === '') throw new WorkbenchError('Type the key or the text to search for: an empty search matches everything.');
  return search;
}

function searchCondition(search: HistorySearch, params: Params): string {
  const { mode, text } = checkSearch(search);
  // E'\\' is one backslash whatever standard_conforming_strings says.
  const contains = (column: string, placeholder: string): string => `${column} ILIKE ${placeholder} ESCAPE E'\\\\'`;
  switch (mode) {
    case 'keyEquals':
      return `key = ${params.add(text)}`;
    case 'keyStartsWith':
      return `starts_with(key, ${params.add(text)})`;
    case 'valueContains': {
      const p = params.add(`%${escapeLike(text)}%`);
      return `(${contains('value_text', p)} OR ${contains('value_json::text', p)})`;
    }
    case 'keyOrValueContains': {
      const p = params.add(`%${escapeLike(text)}%`);
      return `(${contains('key', p)} OR ${contains('value_text', p)} OR ${contains('value_json::text', p)})`;
    }
  }
}

/** The WHERE conditions of a filter (without segment and cursor). */
function filterConditions(filter: HistoryFilter, timeZone: string, params: Params): string[] {
  const conditions: string[] = [];
  if (filter.topic !== undefined) conditions.push(`topic = ${params.add(filter.topic)}`);
  if (filter.dataType !== undefined) conditions.push(`data_type = ${params.add(filter.dataType)}`);
  if (typeof filter.day === 'string') {
    // A range on the column itself, so the (message_timestamp, id) index serves it.
    const day = params.add(checkDay(filter.day));
    const zone = params.add(timeZone);
    conditions.push(
      `message_timestamp >= (${day}::date::timestamp AT TIME ZONE ${zone})`,
      `message_timestamp < ((${day}::date + 1)::timestamp AT TIME ZONE ${zone})`,
    );
  }
  if (filter.partitions && filter.partitions.length > 0) {
    conditions.push(`"partition" = ANY(${params.add(filter.partitions.map(checkPartition))}::int[])`);
  }
  if (filter.search) conditions.push(searchCondition(filter.search, params));
  return conditions;
}

/** The segments a filter can list, in newest-first order. */
export function segmentsOf(filter: HistoryFilter): HistorySegment[] {
  if (filter.day === null) return ['untimed'];
  if (typeof filter.day === 'string') return ['timed'];
  return ['timed', 'untimed'];
}

export function segmentOf(cursor: HistoryCursor): HistorySegment {
  return cursor.timestamp === null ? 'untimed' : 'timed';
}

const CURSOR_TIMESTAMP = `to_char(message_timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** What a page lists of each row: coordinates, times and previews, not whole values. */
export const SUMMARY_COLUMNS = [
  'id::text AS id',
  'topic',
  '"partition"',
  '"offset"::text AS "offset"',
  'key',
  `substring(key_bytes from 1 for ${PREVIEW_BYTES}) AS key_bytes_head`,
  'octet_length(key_bytes) AS key_bytes_size',
  `CASE WHEN value_json IS NOT NULL THEN 'json' WHEN value_text IS NOT NULL THEN 'text' WHEN value_bytes IS NOT NULL THEN 'bytes' ELSE 'null' END AS value_kind`,
  `left(coalesce(value_json::text, value_text), ${PREVIEW_LENGTH}) AS value_preview`,
  `substring(value_bytes from 1 for ${PREVIEW_BYTES}) AS value_bytes_head`,
  'coalesce(octet_length(value_json::text), octet_length(value_text), octet_length(value_bytes), 0) AS value_size',
  'data_type',
  'message_timestamp',
  'consumed_at',
  'processed_at',
  'key_schema_id',
  'value_schema_id',
  'schema_error',
  `${CURSOR_TIMESTAMP} AS cursor_timestamp`,
].join(', ');

/** Everything of one row. */
export const FULL_COLUMNS = [
  'id::text AS id',
  'topic',
  '"partition"',
  '"offset"::text AS "offset"',
  'key',
  'key_bytes',
  'value_json::text AS value_json_text',
  'value_text',
  'value_bytes',
  'headers',
  'data_type',
  'message_timestamp',
  'consumed_at',
  'consumer_dag_id',
  'consumer_run_id',
  'dataset_uri',
  'processed_at',
  'processed_by_dag_id',
  'processed_by_run_id',
  'key_schema_id',
  'value_schema_id',
  'schema_error',
  `${CURSOR_TIMESTAMP} AS cursor_timestamp`,
].join(', ');

export interface SegmentQuery {
  table: string;
  filter: HistoryFilter;
  timeZone: string;
  segment: HistorySegment;
  /** `older`: newest first, rows after the cursor; `newer`: oldest first, rows before it. */
  direction: 'older' | 'newer';
  /** Continue strictly past this row (it must be in `segment`); from the segment's edge when absent. */
  cursor?: HistoryCursor;
  limit: number;
  /** Previews (a page in the tree) or whole rows (the inspector); previews when absent. */
  columns?: 'summary' | 'full';
}

/** One keyset query over one segment. */
export function segmentStatement(query: SegmentQuery): SqlStatement {
  const params = new Params();
  const conditions = filterConditions(query.filter, query.timeZone, params);
  const older = query.direction === 'older';
  const order = older ? 'DESC' : 'ASC';
  let orderBy: string;
  if (query.segment === 'timed') {
    conditions.push('message_timestamp IS NOT NULL');
    if (query.cursor) {
      if (query.cursor.timestamp === null) throw new Error('A cursor without a timestamp belongs to the untimed segment');
      // A row-value comparison: one index range scan on (message_timestamp, id).
      conditions.push(`(message_timestamp, id) ${older ? '<' : '>'} (${params.add(query.cursor.timestamp)}::timestamptz, ${params.add(query.cursor.id)}::bigint)`);
    }
    orderBy = `h.message_timestamp ${order}, h.id ${order}`;
  } else {
    conditions.push('message_timestamp IS NULL');
    if (query.cursor) conditions.push(`id ${older ? '<' : '>'} ${params.add(query.cursor.id)}::bigint`);
    orderBy = `h.id ${order}`;
  }
  // ORDER BY names the table's columns through the alias `h`: a bare `id` would mean the
  // selected text column `id`, and "10" sorts before "9".
  const columns = query.columns === 'full' ? FULL_COLUMNS : SUMMARY_COLUMNS;
  const text = `SELECT ${columns} FROM ${query.table} AS h WHERE ${conditions.join(' AND ')} ORDER BY ${orderBy} LIMIT ${params.add(query.limit)}`;
  return { text, values: params.values };
}

/** The server's version and the number of rows in the history table (Test Connection). */
export function probeStatement(table: string): SqlStatement {
  return { text: `SELECT current_setting('server_version') AS version, (SELECT count(*) FROM ${table})::text AS rows`, values: [] };
}

/**
 * Counts per topic, data type and day of the message timestamp, in one GROUP BY. The day is
 * formatted after grouping (once per group, not once per row): on a million rows that halves
 * the time. It is a scan of the whole table, so it is cached by the tree until a refresh.
 */
export function summaryStatement(table: string, timeZone: string): SqlStatement {
  const params = new Params();
  const zone = params.add(timeZone);
  const text =
    `SELECT topic, data_type, to_char(day, 'YYYY-MM-DD') AS day, count FROM (` +
    `SELECT topic, data_type, (message_timestamp AT TIME ZONE ${zone})::date AS day, count(*) AS count FROM ${table} GROUP BY 1, 2, 3` +
    `) AS counts ORDER BY topic, data_type, counts.day DESC NULLS LAST`;
  return { text, values: params.values };
}

export function rowByIdStatement(table: string, id: string): SqlStatement {
  return { text: `SELECT ${FULL_COLUMNS} FROM ${table} WHERE id = $1::bigint`, values: [id] };
}

export function rowByCoordinatesStatement(table: string, topic: string, partition: number, offset: string): SqlStatement {
  return {
    text: `SELECT ${FULL_COLUMNS} FROM ${table} WHERE topic = $1 AND "partition" = $2 AND "offset" = $3::bigint`,
    values: [topic, partition, offset],
  };
}

/**
 * The partitions of a topic that have rows: one index probe per partition on the
 * (topic, partition, offset) unique index (a skip scan), not a scan of the topic's rows.
 */
export function partitionsStatement(table: string, topic: string): SqlStatement {
  const text =
    `WITH RECURSIVE p AS (` +
    `SELECT min("partition") AS part FROM ${table} WHERE topic = $1 ` +
    `UNION ALL SELECT (SELECT min("partition") FROM ${table} WHERE topic = $1 AND "partition" > p.part) FROM p WHERE p.part IS NOT NULL` +
    `) SELECT part FROM p WHERE part IS NOT NULL ORDER BY part`;
  return { text, values: [topic] };
}

export function checkPartition(partition: number): number {
  if (!Number.isInteger(partition) || partition < 0 || partition > 2_147_483_647) {
    throw new WorkbenchError(`A partition is a whole number from 0, not ${partition}.`);
  }
  return partition;
}

/** A bigint as a decimal string, checked; `what` names it in the error. */
export function checkBigint(value: string, what: string): string {
  if (!/^-?\d{1,19}$/.test(value)) throw new WorkbenchError(`${what} must be a whole number, not "${value}".`);
  return value;
}
