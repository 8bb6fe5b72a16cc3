/**
 * The first rows of a CSV or Parquet object as a table (columns + rows of text), for the
 * inspector's table. CSV: the first bytes of the object (enough for the rows asked), parsed
 * with quotes and "" escapes (RFC 4180). Parquet: hyparquet reads the footer and then only the
 * byte ranges of the first row group's pages it needs, through ranged GETs; it is loaded on
 * first use from its own chunk (esbuild.js lazyModules), so activation never pays for it.
 */
import type * as HyparquetModule from 'hyparquet';
import { WorkbenchError } from '../shared/errors';
import type { ObjectStoreClient } from './s3';

export const PREVIEW_ROWS = 100;
/** Bytes of a CSV read for a preview; a longer first 100 rows are cut at the last full line. */
export const CSV_PREVIEW_BYTES = 1_000_000;

export interface TablePreview {
  format: 'csv' | 'parquet';
  columns: string[];
  rows: string[][];
  /** Rows in the whole object when known (Parquet's footer says), else null. */
  totalRows: number | null;
  /** Bytes of the object. */
  bytes: number;
}

export type PreviewFormat = 'csv' | 'parquet';

/** The format a key's extension names; undefined for others (they have no table preview). */
export function previewFormatOf(key: string): PreviewFormat | undefined {
  if (/\.parquet$/i.test(key)) return 'parquet';
  if (/\.(csv|tsv)$/i.test(key)) return 'csv';
  return undefined;
}

/**
 * CSV text → records. Quoted fields may hold the separator, newlines and doubled quotes. When
 * `complete` is false the text was cut: the last (possibly partial) record is dropped.
 */
export function parseCsv(text: string, options: { separator?: string; maxRecords?: number; complete?: boolean } = {}): string[][] {
  const separator = options.separator ?? ',';
  const max = options.maxRecords ?? Number.POSITIVE_INFINITY;
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let i = 0;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const endRecord = (): void => {
    record.push(field);
    field = '';
    if (!(record.length === 1 && record[0] === '')) records.push(record);
    record = [];
  };
  while (i < body.length && records.length < max) {
    const ch = body[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (body[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += ch; i++; continue;
    }
    if (ch === '"' && field === '') { quoted = true; i++; continue; }
    if (ch === separator) { record.push(field); field = ''; i++; continue; }
    if (ch === '\r' && body[i + 1] === '\n') { endRecord(); i += 2; continue; }
    if (ch === '\n' || ch === '\r') { endRecord(); i++; continue; }
    field += ch; i++;
  }
  if (records.length < max && (options.complete ?? true) && (field !== '' || record.length > 0)) endRecord();
  return records;
}

/** Any cell value → the text the table shows (dates as ISO, bigints as digits, objects as JSON). */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  try {
    return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The first `rows` of a CSV object. */
export async function previewCsv(store: ObjectStoreClient, key: string, rows = PREVIEW_ROWS): Promise<TablePreview> {
  const bytes = await store.size(key);
  const cut = bytes > CSV_PREVIEW_BYTES;
  const buffer = await store.read(key, cut ? CSV_PREVIEW_BYTES : undefined);
  const text = new TextDecoder('utf-8').decode(buffer);
  const records = parseCsv(text, { separator: /\.tsv$/i.test(key) ? '\t' : ',', maxRecords: rows + 1, complete: !cut });
  const [header = [], ...body] = records;
  return { format: 'csv', columns: header, rows: body.map((r) => r.map(cellText)), totalRows: cut ? null : null, bytes };
}

type Hyparquet = typeof HyparquetModule;

let hyparquetModule: Hyparquet | undefined;
/** hyparquet, loaded on first use (its own chunk in the bundle; Node's require of ES modules in tests). */
function loadHyparquet(): Hyparquet {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see esbuild.js lazyModules
  hyparquetModule ??= require('hyparquet') as Hyparquet;
  return hyparquetModule;
}

/** The first `rows` of a Parquet object, read by byte ranges (footer, then the pages needed). */
export async function previewParquet(store: ObjectStoreClient, key: string, rows = PREVIEW_ROWS): Promise<TablePreview> {
  const bytes = await store.size(key);
  if (bytes < 12) throw new WorkbenchError(`${key} is ${bytes} bytes: too short to be a Parquet file (it needs a header and a footer).`);
  const hyparquet = loadHyparquet();
  const file = { byteLength: bytes, slice: (start: number, end?: number) => store.range(key, start, end ?? bytes) };
  let metadata: Awaited<ReturnType<Hyparquet['parquetMetadataAsync']>>;
  try {
    metadata = await hyparquet.parquetMetadataAsync(file);
  } catch (error) {
    if (error instanceof WorkbenchError) throw error;
    throw new WorkbenchError(`${key} could not be read as Parquet: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
  }
  const columns = hyparquet.parquetSchema(metadata).children.map((child) => child.element.name);
  const records = await hyparquet.parquetReadObjects({ file, metadata, rowStart: 0, rowEnd: Math.min(rows, Number(metadata.num_rows)) });
  return {
    format: 'parquet',
    columns,
    rows: records.map((record) => columns.map((column) => cellText((record as Record<string, unknown>)[column]))),
    totalRows: Number(metadata.num_rows),
    bytes,
  };
}

export async function previewObject(store: ObjectStoreClient, key: string, rows = PREVIEW_ROWS): Promise<TablePreview> {
  const format = previewFormatOf(key);
  if (format === 'parquet') return previewParquet(store, key, rows);
  if (format === 'csv') return previewCsv(store, key, rows);
  throw new WorkbenchError(`${key} is neither CSV nor Parquet (by its extension): only those have a table preview.`);
}
