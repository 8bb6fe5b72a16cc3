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

/** A JSON array of exported records, pretty-printed. */
export function recordsToJson(records: Iterable<KafkaRecord>): string {
  const rows: ExportedRecord[] = [];
  for (const r of records) rows.push(exportRecord(r));
  return `${JSON.stringify(rows, null, 2)}\n`;
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

/** CSV with a header row; JSON keys and values are written as compact JSON text, headers as a JSON object. */
export function recordsToCsv(records: Iterable<KafkaRecord>): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const record of records) {
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
    lines.push(cells.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
