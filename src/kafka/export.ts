/**
 * Exports inspector records to JSON and CSV without losing anything: a key or value that is
 * JSON is exported as the parsed value, valid UTF-8 text as text, anything else as base64,
 * and each says which with an encoding field. CSV follows RFC 4180 (CRLF line ends, fields
 * with commas, quotes or line breaks in double quotes, quotes doubled) with a header row.
 * Pure.
 */
import { utf8Text } from './decode';
import type { KafkaRecord } from './types';

export type ExportEncoding = 'json' | 'text' | 'base64' | 'null';

export interface ExportedHeader {
  key: string;
  value: string | null;
  /** 'text' for UTF-8 text, 'base64' for other bytes, 'null' for a null value. */
  encoding: 'text' | 'base64' | 'null';
}

export interface ExportedRecord {
  topic: string;
  partition: number;
  offset: string;
  /** ISO 8601 time of the record's timestamp. */
  timestamp: string;
  key: unknown;
  keyEncoding: ExportEncoding;
  value: unknown;
  valueEncoding: ExportEncoding;
  headers: ExportedHeader[];
  size: number;
}

function exportBytes(bytes: Buffer | null): { value: unknown; encoding: ExportEncoding } {
  if (bytes === null) return { value: null, encoding: 'null' };
  const text = utf8Text(bytes);
  if (text === undefined) return { value: bytes.toString('base64'), encoding: 'base64' };
  const trimmed = text.trim();
  if (trimmed !== '' && '{["-0123456789tfn'.includes(trimmed[0] as string)) {
    try {
      return { value: JSON.parse(trimmed) as unknown, encoding: 'json' };
    } catch {
      // Not JSON: exported as text below.
    }
  }
  return { value: text, encoding: 'text' };
}

function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

/** One record as the JSON export writes it. */
export function exportRecord(record: KafkaRecord): ExportedRecord {
  const key = exportBytes(record.key);
  const value = exportBytes(record.value);
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: isoTime(record.timestamp),
    key: key.value,
    keyEncoding: key.encoding,
    value: value.value,
    valueEncoding: value.encoding,
    headers: record.headers.map((h) => {
      if (h.value === null) return { key: h.key, value: null, encoding: 'null' as const };
      const text = utf8Text(h.value);
      return text === undefined ? { key: h.key, value: h.value.toString('base64'), encoding: 'base64' as const } : { key: h.key, value: text, encoding: 'text' as const };
    }),
    size: record.size,
  };
}

/** Text chunks are cut at about this many characters (1 MiB of ASCII). */
export const EXPORT_CHUNK_CHARS = 1 << 20;

/**
 * The JSON export (an array of exported records, pretty-printed) in chunks of about
 * `chunkChars` characters, so a writer can put a million records in a file without holding
 * the whole text: memory stays at one chunk whatever the count.
 */
export function* jsonChunks(records: Iterable<KafkaRecord>, chunkChars = EXPORT_CHUNK_CHARS): Generator<string> {
  let chunk = '[';
  let first = true;
  for (const r of records) {
    // Each element indented as JSON.stringify(rows, null, 2) indents it.
    chunk += `${first ? '' : ','}\n  ${JSON.stringify(exportRecord(r), null, 2).replace(/\n/g, '\n  ')}`;
    first = false;
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}${first ? ']' : '\n]'}\n`;
}

/** A JSON array of exported records, pretty-printed, as one string (small exports and tests). */
export function recordsToJson(records: Iterable<KafkaRecord>): string {
  return [...jsonChunks(records)].join('');
}

/** Quotes one CSV field when RFC 4180 requires it. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export const CSV_COLUMNS = ['topic', 'partition', 'offset', 'timestamp', 'key', 'key_encoding', 'value', 'value_encoding', 'headers', 'size'] as const;

function cellText(value: unknown, encoding: ExportEncoding): string {
  if (encoding === 'null') return '';
  if (encoding === 'json') return JSON.stringify(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One record as a CSV line (without its line end). */
function csvLine(record: KafkaRecord): string {
  const r = exportRecord(record);
  const headers = JSON.stringify(r.headers.map((h) => (h.encoding === 'text' ? { [h.key]: h.value } : { [h.key]: h.value, encoding: h.encoding })));
  const cells = [
    r.topic,
    String(r.partition),
    r.offset,
    r.timestamp,
    cellText(r.key, r.keyEncoding),
    r.keyEncoding,
    cellText(r.value, r.valueEncoding),
    r.valueEncoding,
    r.headers.length > 0 ? headers : '',
    String(r.size),
  ];
  return cells.map(csvField).join(',');
}

/**
 * The CSV export (a header row, then one line per record; JSON keys and values as compact JSON
 * text, headers as a JSON object) in chunks of about `chunkChars` characters, for a writer that
 * streams it to a file in bounded memory.
 */
export function* csvChunks(records: Iterable<KafkaRecord>, chunkChars = EXPORT_CHUNK_CHARS): Generator<string> {
  let chunk = `${CSV_COLUMNS.join(',')}\r\n`;
  for (const record of records) {
    chunk += `${csvLine(record)}\r\n`;
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/** The CSV export as one string (small exports and tests). */
export function recordsToCsv(records: Iterable<KafkaRecord>): string {
  return [...csvChunks(records)].join('');
}
