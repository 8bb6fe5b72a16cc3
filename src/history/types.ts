/**
 * The vocabulary of the message history: what MessageHistoryStore (messageHistoryStore.ts)
 * takes and returns. Plain data, no vscode, so the tree, the inspector, the trace, the tests
 * and the benchmark all speak it. As in the Kafka layer, row ids and offsets are decimal
 * strings (bigint columns) and times are milliseconds since the epoch.
 */

/** Where the history database is; the password comes from SecretStorage. */
export interface HistoryStoreConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  ssl: boolean;
  /** Connection and statement timeout in ms (kafkaAirflow.requestTimeoutSeconds); 15 s when absent. */
  requestTimeoutMs?: number;
  /**
   * The schema that holds `message_history`; the connection's search_path when absent.
   * Tests and the benchmark use a scratch schema so they never touch other rows.
   */
  schema?: string;
  /**
   * The time zone that cuts rows into days (an IANA name such as "Europe/Berlin"); UTC when
   * absent. The editor passes the machine's zone so "today" means the user's today.
   */
  timeZone?: string;
}

/** How a key or value was stored: not at all (null), as JSON, as UTF-8 text, or as bytes. */
export type HistoryContentKind = 'null' | 'json' | 'text' | 'bytes';

/** A key or value as stored, decoded. `json` keeps jsonb's own text for exact display. */
export type HistoryContent =
  | { kind: 'null' }
  | { kind: 'json'; json: unknown; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: Buffer };

export interface HistoryHeader {
  key: string;
  /** The header's value: UTF-8 text, bytes (stored as base64), or null. */
  value: string | Buffer | null;
}

/**
 * Where a row sits in the newest-first order: its message timestamp (exactly as stored, to
 * the microsecond, ISO 8601 in UTC; null when Kafka gave none) and its id. Opaque to callers:
 * pass it back as `after` or `before`.
 */
export interface HistoryCursor {
  timestamp: string | null;
  id: string;
}

/** One row as a page lists it: coordinates, times and short previews, never whole values. */
export interface HistoryRowSummary {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  /** The key as text, or a hex preview of key bytes; null when the message had no key. */
  key: string | null;
  keyKind: HistoryContentKind;
  valueKind: HistoryContentKind;
  /** At most PREVIEW_LENGTH characters of the value (JSON text, text, or hex of the first bytes). */
  valuePreview: string;
  /** Size of the stored value in bytes (text and JSON as UTF-8). */
  valueSize: number;
  dataType: string;
  messageTimestamp: number | null;
  consumedAt: number;
  processedAt: number | null;
  /** How a wire-format key and value were read (schema ids, or why they were kept as bytes). */
  schema: HistorySchemaInfo;
  cursor: HistoryCursor;
}

/**
 * The schema registry ids the batch consumer read a Confluent wire-format key and value with
 * (null when that part was not in the wire format), and why a part that looked like the wire
 * format was kept as bytes (null when it was decoded).
 */
export interface HistorySchemaInfo {
  keySchemaId: number | null;
  valueSchemaId: number | null;
  error: string | null;
}

/** One row in full: the message, and the runs and dataset event it went through. */
export interface HistoryRow {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  key: HistoryContent;
  value: HistoryContent;
  headers: HistoryHeader[];
  dataType: string;
  messageTimestamp: number | null;
  consumedAt: number;
  consumerDagId: string | null;
  consumerRunId: string | null;
  datasetUri: string | null;
  processedAt: number | null;
  processedByDagId: string | null;
  processedByRunId: string | null;
  /** How a wire-format key and value were read (schema ids, or why they were kept as bytes). */
  schema: HistorySchemaInfo;
  /** Where the row sits in the newest-first order (to open a list at this row). */
  cursor: HistoryCursor;
}

/** How the search text is matched. Key matches are case-sensitive; "contains" ones are not. */
export type HistorySearchMode = 'keyEquals' | 'keyStartsWith' | 'valueContains' | 'keyOrValueContains';

export interface HistorySearch {
  mode: HistorySearchMode;
  /** Taken literally: % and _ match themselves, never as wildcards. */
  text: string;
}

/** Narrows what `summary` counts and `page` lists. */
export interface HistoryFilter {
  topic?: string;
  dataType?: string;
  /**
   * A day of the message timestamp in the store's time zone, as YYYY-MM-DD; null for the rows
   * without a message timestamp; absent for all.
   */
  day?: string | null;
  /** Only these partitions; all when absent or empty. */
  partitions?: readonly number[];
  search?: HistorySearch;
}

export interface HistoryPageRequest extends HistoryFilter {
  /** Rows older than this cursor (the next page down). */
  after?: HistoryCursor;
  /** Rows newer than this cursor (the page above). Not together with `after`. */
  before?: HistoryCursor;
  /** Rows per page, 1 to 1000. */
  limit: number;
}

export interface HistoryPage<R = HistoryRowSummary> {
  /** Newest first. */
  rows: R[];
  /** Pass as `after` for the next (older) page; null at the oldest row. */
  older: HistoryCursor | null;
  /** Pass as `before` for the previous (newer) page; null at the newest row. */
  newer: HistoryCursor | null;
}

/** The count of one (topic, data type, day); `day` null for rows without a message timestamp. */
export interface HistoryCount {
  topic: string;
  dataType: string;
  day: string | null;
  count: number;
}

export interface HistorySummary {
  /** Sorted by topic, data type, then day newest first (null day last). */
  counts: HistoryCount[];
  total: number;
  /** The time zone the days are cut in. */
  timeZone: string;
}
