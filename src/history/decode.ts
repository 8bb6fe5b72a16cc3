/**
 * Turns the rows PostgreSQL returns into HistoryRow and HistoryRowSummary: the value decoded
 * from whichever of value_json, value_text or value_bytes is set, the key from key or
 * key_bytes, the headers from their jsonb list ({key, value} or {key, value_base64}), times
 * as milliseconds. Pure and total: an unexpected shape becomes a readable value, never a throw.
 */
import { previewOf } from '../kafka/decode';
import type { KafkaRecord } from '../kafka/types';
import { PREVIEW_LENGTH } from './sql';
import type { HistoryContent, HistoryContentKind, HistoryCursor, HistoryHeader, HistoryRow, HistoryRowSummary, HistorySchemaInfo } from './types';
import { isRecord } from '../shared/guards';

/** A page row as selected by SUMMARY_COLUMNS. */
export interface SummaryDbRow {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  key_bytes_head: Buffer | null;
  key_bytes_size: number | null;
  value_kind: string;
  value_preview: string | null;
  value_bytes_head: Buffer | null;
  value_size: number | string;
  data_type: string;
  message_timestamp: Date | null;
  consumed_at: Date;
  processed_at: Date | null;
  key_schema_id: number | null;
  value_schema_id: number | null;
  schema_error: string | null;
  cursor_timestamp: string | null;
}

/** A whole row as selected by FULL_COLUMNS. */
export interface FullDbRow {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  key_bytes: Buffer | null;
  value_json_text: string | null;
  value_text: string | null;
  value_bytes: Buffer | null;
  headers: unknown;
  data_type: string;
  message_timestamp: Date | null;
  consumed_at: Date;
  consumer_dag_id: string | null;
  consumer_run_id: string | null;
  dataset_uri: string | null;
  processed_at: Date | null;
  processed_by_dag_id: string | null;
  processed_by_run_id: string | null;
  key_schema_id: number | null;
  value_schema_id: number | null;
  schema_error: string | null;
  cursor_timestamp: string | null;
}

/** The schema columns (stack/sql/006_message_history_schema_ids.sql) as the rows carry them. */
export function schemaInfoFromDb(row: Pick<FullDbRow, 'key_schema_id' | 'value_schema_id' | 'schema_error'>): HistorySchemaInfo {
  return { keySchemaId: row.key_schema_id ?? null, valueSchemaId: row.value_schema_id ?? null, error: row.schema_error ?? null };
}

function millis(date: Date | null): number | null {
  return date === null ? null : date.getTime();
}

/** `0x 7b 22 …  (120 bytes)`: the first bytes in hex and the whole size. */
export function hexPreview(head: Uint8Array, size: number): string {
  const hex = Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `0x ${hex}${size > head.length ? ' …' : ''} (${size} bytes)`;
}

function contentKind(value: string): HistoryContentKind {
  return value === 'json' || value === 'text' || value === 'bytes' ? value : 'null';
}

export function summaryFromDb(row: SummaryDbRow): HistoryRowSummary {
  const keyKind: HistoryContentKind = row.key !== null ? 'text' : row.key_bytes_head !== null ? 'bytes' : 'null';
  const key = row.key !== null
    ? row.key
    : row.key_bytes_head !== null ? hexPreview(row.key_bytes_head, row.key_bytes_size ?? row.key_bytes_head.length) : null;
  const valueKind = contentKind(row.value_kind);
  const valueSize = Number(row.value_size);
  let valuePreview: string;
  if (valueKind === 'bytes') valuePreview = hexPreview(row.value_bytes_head ?? Buffer.alloc(0), valueSize);
  else if (valueKind === 'null') valuePreview = '(null)';
  else valuePreview = previewOf(row.value_preview ?? '', PREVIEW_LENGTH);
  const cursor: HistoryCursor = { timestamp: row.cursor_timestamp, id: row.id };
  return {
    id: row.id,
    topic: row.topic,
    partition: row.partition,
    offset: row.offset,
    key,
    keyKind,
    valueKind,
    valuePreview,
    valueSize,
    dataType: row.data_type,
    messageTimestamp: millis(row.message_timestamp),
    consumedAt: row.consumed_at.getTime(),
    processedAt: millis(row.processed_at),
    schema: schemaInfoFromDb(row),
    cursor,
  };
}

/** The headers column: a list of {key, value} (UTF-8) or {key, value_base64} (bytes). */
export function headersFromDb(raw: unknown): HistoryHeader[] {
  if (raw === null || raw === undefined) return [];
  // An object {name: value} is accepted too, in case a loader wrote that shape.
  const entries: unknown[] = Array.isArray(raw)
    ? raw
    : isRecord(raw) ? Object.entries(raw).map(([key, value]) => ({ key, value })) : [];
  return entries.map((entry, index): HistoryHeader => {
    if (!isRecord(entry)) return { key: `#${index + 1}`, value: JSON.stringify(entry) };
    const key = typeof entry['key'] === 'string' ? entry['key'] : `#${index + 1}`;
    const base64 = entry['value_base64'];
    if (typeof base64 === 'string') return { key, value: Buffer.from(base64, 'base64') };
    const value = entry['value'];
    if (value === null || value === undefined) return { key, value: null };
    return { key, value: typeof value === 'string' ? value : JSON.stringify(value) };
  });
}

function valueFromDb(row: FullDbRow): HistoryContent {
  if (row.value_json_text !== null) {
    try {
      return { kind: 'json', json: JSON.parse(row.value_json_text) as unknown, text: row.value_json_text };
    } catch {
      // jsonb text always parses; should it not, the text is still shown.
      return { kind: 'text', text: row.value_json_text };
    }
  }
  if (row.value_text !== null) return { kind: 'text', text: row.value_text };
  if (row.value_bytes !== null) return { kind: 'bytes', bytes: row.value_bytes };
  return { kind: 'null' };
}

export function rowFromDb(row: FullDbRow): HistoryRow {
  let key: HistoryContent = { kind: 'null' };
  if (row.key !== null) key = { kind: 'text', text: row.key };
  else if (row.key_bytes !== null) key = { kind: 'bytes', bytes: row.key_bytes };
  return {
    id: row.id,
    topic: row.topic,
    partition: row.partition,
    offset: row.offset,
    key,
    value: valueFromDb(row),
    headers: headersFromDb(row.headers),
    dataType: row.data_type,
    messageTimestamp: millis(row.message_timestamp),
    consumedAt: row.consumed_at.getTime(),
    consumerDagId: row.consumer_dag_id,
    consumerRunId: row.consumer_run_id,
    datasetUri: row.dataset_uri,
    processedAt: millis(row.processed_at),
    processedByDagId: row.processed_by_dag_id,
    processedByRunId: row.processed_by_run_id,
    schema: schemaInfoFromDb(row),
    cursor: { timestamp: row.cursor_timestamp, id: row.id },
  };
}

/** The bytes of a key or value as Kafka carried them (JSON as jsonb's text). */
export function contentBytes(content: HistoryContent): Buffer | null {
  switch (content.kind) {
    case 'null': return null;
    case 'json': return Buffer.from(content.text, 'utf8');
    case 'text': return Buffer.from(content.text, 'utf8');
    case 'bytes': return content.bytes;
  }
}

/** The row in the shape of a Kafka record, so views made for topics (the inspector) can show it. */
export function rowAsKafkaRecord(row: HistoryRow): KafkaRecord {
  const key = contentBytes(row.key);
  const value = contentBytes(row.value);
  const headers = row.headers.map((h) => ({
    key: h.key,
    value: h.value === null ? null : typeof h.value === 'string' ? Buffer.from(h.value, 'utf8') : h.value,
  }));
  const size = (key?.length ?? 0) + (value?.length ?? 0) + headers.reduce((sum, h) => sum + Buffer.byteLength(h.key) + (h.value?.length ?? 0), 0);
  return {
    topic: row.topic,
    partition: row.partition,
    offset: row.offset,
    timestamp: row.messageTimestamp ?? row.consumedAt,
    key,
    value,
    headers,
    size,
  };
}
