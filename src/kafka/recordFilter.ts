/**
 * The inspector's filters over KafkaRecords: text search (a case-insensitive substring of the
 * key, the value or one header's `name=value`, or a regular expression), partitions, an
 * offset range and a time range. A filter is compiled once: into a predicate over records
 * (export, tests), and into parts the MessageBuffer runs over its byte store without decoding
 * a message (a byte pattern for the text, a check of partition, offset and time). A bad
 * regular expression, offset or range is a WorkbenchError that says what is wrong. Pure.
 *
 * Plain text is searched in the bytes: the query's UTF-8 bytes as a pattern over "latin1"
 * strings (one character a byte), so no message is decoded to search it. Case folds for
 * ASCII letters; a query with non-ASCII letters that have case (é, Ä, Σ) is matched on the
 * decoded text with Unicode lower-casing instead (slower, the same answer).
 *
 * The inspector shows invisible and bidirectional characters as escapes (`\u202E`), so a
 * search may hold such an escape: it then finds the character itself as well as the six
 * characters typed (JSON written by Python spells U+202E as `\u202e`).
 */
import { WorkbenchError } from '../shared/errors';
import { isShownAsEscape } from '../shared/visibleText';
import type { KafkaRecord } from './types';

export interface RecordFilter {
  /** Text to look for in the key, the value and the headers (name=value). */
  text?: string;
  /** Treat `text` as a regular expression. */
  regex?: boolean;
  /** Match case exactly; the default ignores case. */
  caseSensitive?: boolean;
  /** Only these partitions; all when empty or undefined. */
  partitions?: number[];
  /** Offsets from (inclusive) and to (inclusive), as decimal strings. */
  fromOffset?: string;
  toOffset?: string;
  /** Timestamps from and to (inclusive), ms since the epoch. */
  fromTime?: number;
  toTime?: number;
}

export type RecordPredicate = (record: KafkaRecord) => boolean;

/** The partition, offset and time criteria, checked on a record's fields (no bytes); see fieldsPass. */
export interface FieldCriteria {
  partitions: ReadonlySet<number> | undefined;
  fromOffset: bigint | undefined;
  toOffset: bigint | undefined;
  fromTime: number | undefined;
  toTime: number | undefined;
  /** Whether the offset is looked at (so a caller can skip making it). */
  usesOffset: boolean;
}

/**
 * The text criterion. `bytes`: `find` (global) and `test` find the query in a latin1 string
 * of UTF-8 bytes; a match counts when it lies inside one region (key, value, one header's
 * `name=value`); no match is shorter than `minBytes`. `decoded`: `test` takes the decoded
 * text of one region. `escapes`: the query names hidden characters by escapes (`\u202E`),
 * each found as typed or as the character, so a longer query is no narrower search.
 */
export type TextCriterion =
  | { kind: 'bytes'; find: RegExp; test: RegExp; query: string; caseSensitive: boolean; minBytes: number; escapes: boolean }
  | { kind: 'decoded'; test: (regionText: string) => boolean; query: string; caseSensitive: boolean; regex: boolean; escapes: boolean };

export interface CompiledFilter {
  fields: FieldCriteria | undefined;
  text: TextCriterion | undefined;
}

/** True when the filter lets every record through. */
export function isEmptyFilter(filter: RecordFilter | undefined): boolean {
  if (!filter) return true;
  return (
    (filter.text ?? '') === '' &&
    (filter.partitions ?? []).length === 0 &&
    (filter.fromOffset ?? '').trim() === '' &&
    (filter.toOffset ?? '').trim() === '' &&
    filter.fromTime === undefined &&
    filter.toTime === undefined
  );
}

function parseOffset(text: string | undefined, which: string): bigint | undefined {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') return undefined;
  if (!/^\d+$/.test(trimmed)) throw new WorkbenchError(`The ${which} offset "${text ?? ''}" is not a whole number. Give an offset such as 0 or 1500.`);
  return BigInt(trimmed);
}

function bytesText(bytes: Uint8Array | null): string {
  if (bytes === null || bytes.length === 0) return '';
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

function latin1(bytes: Uint8Array | null): string {
  if (bytes === null || bytes.length === 0) return '';
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** The text a search looks at: key, value and `name=value` of each header, one per line. */
export function searchableText(record: KafkaRecord): string {
  let text = `${bytesText(record.key)}\n${bytesText(record.value)}`;
  for (const h of record.headers) text += `\n${h.key}=${bytesText(h.value)}`;
  return text;
}

/** Compiles a regular expression typed by a user, with an error that says how to fix it. */
export function compileSearchPattern(pattern: string, caseSensitive = false): RegExp {
  try {
    return new RegExp(pattern, caseSensitive ? 'u' : 'iu');
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : String(error);
    throw new WorkbenchError(`The search pattern /${pattern}/ is not a valid regular expression (${reason}). Fix it, or turn off regular expressions to search for the text as it is.`);
  }
}

function isAsciiLetter(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

/**
 * The source of a pattern that finds the UTF-8 bytes of `query` in a latin1 string, and its
 * flags; undefined when case must be ignored and the query has non-ASCII letters with case
 * (those need Unicode lower-casing of the decoded text).
 */
export function byteSearchSource(query: string, caseSensitive: boolean): { source: string; flags: string } | undefined {
  const bytes = Buffer.from(query, 'utf8');
  const ascii = bytes.every((b) => b < 0x80);
  if (!caseSensitive && !ascii) {
    for (const ch of query) {
      if ((ch.codePointAt(0) ?? 0) >= 0x80 && (ch.toLowerCase() !== ch || ch.toUpperCase() !== ch)) return undefined;
    }
  }
  let source = '';
  for (const b of bytes) {
    // ASCII queries ignore case with the `i` flag (which never folds a byte >= 0x80 into
    // ASCII); others spell out each ASCII letter's two cases so UTF-8 bytes are not folded.
    if (!caseSensitive && !ascii && isAsciiLetter(b)) source += `[${String.fromCharCode(b | 0x20)}${String.fromCharCode(b & ~0x20)}]`;
    else source += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return { source, flags: !caseSensitive && ascii ? 'i' : '' };
}

/** `\u202E` or `\u{E0041}` in a query: an escape as the inspector shows a hidden character. */
const TYPED_ESCAPE = /\\u(?:\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{4}))/g;

/** The query cut into text and the hidden characters it names by escape; undefined when it names none. */
function typedEscapes(query: string): (string | { typed: string; char: string })[] | undefined {
  const parts: (string | { typed: string; char: string })[] = [];
  let from = 0;
  for (const match of query.matchAll(TYPED_ESCAPE)) {
    const codePoint = parseInt(match[1] ?? match[2] ?? '', 16);
    if (!isShownAsEscape(codePoint)) continue;
    if (match.index > from) parts.push(query.slice(from, match.index));
    parts.push({ typed: match[0], char: String.fromCodePoint(codePoint) });
    from = match.index + match[0].length;
  }
  if (parts.length === 0) return undefined;
  if (from < query.length) parts.push(query.slice(from));
  return parts;
}

/** A byte pattern for text in a latin1 string of UTF-8 bytes, ASCII letters in both cases unless case matters; undefined when a non-ASCII letter has case. */
function literalBytesSource(text: string, caseSensitive: boolean): string | undefined {
  if (!caseSensitive && byteSearchSource(text, false) === undefined) return undefined;
  let source = '';
  for (const b of Buffer.from(text, 'utf8')) {
    source += !caseSensitive && isAsciiLetter(b) ? `[${String.fromCharCode(b | 0x20)}${String.fromCharCode(b & ~0x20)}]` : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return source;
}

/** A query that names hidden characters by escape: each escape matches as typed or as the character. */
function compileWithEscapes(query: string, parts: (string | { typed: string; char: string })[], caseSensitive: boolean): TextCriterion {
  let source = '';
  let minBytes = 0;
  for (const part of parts) {
    const text = typeof part === 'string' ? part : part.typed;
    const literal = literalBytesSource(text, caseSensitive);
    if (literal === undefined) {
      source = '';
      break;
    }
    if (typeof part === 'string') {
      source += literal;
      minBytes += Buffer.byteLength(part, 'utf8');
    } else {
      source += `(?:${literal}|${literalBytesSource(part.char, true) ?? ''})`;
      minBytes += Buffer.byteLength(part.char, 'utf8');
    }
  }
  if (source !== '') return { kind: 'bytes', find: new RegExp(source, 'g'), test: new RegExp(source), query, caseSensitive, minBytes, escapes: true };
  // A non-ASCII letter with case, searched without case: on the decoded text, with Unicode case folding.
  const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(parts.map((part) => (typeof part === 'string'
    ? escapeRegex(part)
    : `(?:${escapeRegex(part.typed)}|${escapeRegex(part.char)})`)).join(''), caseSensitive ? 'u' : 'iu');
  return { kind: 'decoded', test: (text) => pattern.test(text), query, caseSensitive, regex: false, escapes: true };
}

function compileText(filter: RecordFilter): TextCriterion | undefined {
  const query = filter.text ?? '';
  if (query === '') return undefined;
  const caseSensitive = filter.caseSensitive === true;
  if (filter.regex) {
    const pattern = compileSearchPattern(query, caseSensitive);
    return { kind: 'decoded', test: (text) => pattern.test(text), query, caseSensitive, regex: true, escapes: false };
  }
  const escapes = typedEscapes(query);
  if (escapes) return compileWithEscapes(query, escapes, caseSensitive);
  const bytes = byteSearchSource(query, caseSensitive);
  if (bytes) {
    return { kind: 'bytes', find: new RegExp(bytes.source, `g${bytes.flags}`), test: new RegExp(bytes.source, bytes.flags), query, caseSensitive, minBytes: Buffer.byteLength(query, 'utf8'), escapes: false };
  }
  const needle = query.toLowerCase();
  return { kind: 'decoded', test: (text) => text.toLowerCase().includes(needle), query, caseSensitive, regex: false, escapes: false };
}

function compileFields(filter: RecordFilter): FieldCriteria | undefined {
  const partitions = filter.partitions ?? [];
  const fromOffset = parseOffset(filter.fromOffset, 'first');
  const toOffset = parseOffset(filter.toOffset, 'last');
  if (fromOffset !== undefined && toOffset !== undefined && fromOffset > toOffset) {
    throw new WorkbenchError(`The offset range ${fromOffset}–${toOffset} is empty: the first offset must not be after the last.`);
  }
  const { fromTime, toTime } = filter;
  if (fromTime !== undefined && !Number.isFinite(fromTime)) throw new WorkbenchError('The start time of the filter is not a valid date and time.');
  if (toTime !== undefined && !Number.isFinite(toTime)) throw new WorkbenchError('The end time of the filter is not a valid date and time.');
  if (fromTime !== undefined && toTime !== undefined && fromTime > toTime) {
    throw new WorkbenchError('The time range is empty: the start is after the end.');
  }
  if (partitions.length === 0 && fromOffset === undefined && toOffset === undefined && fromTime === undefined && toTime === undefined) return undefined;
  return {
    partitions: partitions.length > 0 ? new Set(partitions) : undefined,
    fromOffset,
    toOffset,
    fromTime,
    toTime,
    usesOffset: fromOffset !== undefined || toOffset !== undefined,
  };
}

/** Whether a record's partition, offset and timestamp pass the criteria (`offset` is read only when `usesOffset`). */
export function fieldsPass(criteria: FieldCriteria, partition: number, offset: bigint | undefined, timestamp: number): boolean {
  if (criteria.partitions && !criteria.partitions.has(partition)) return false;
  if (criteria.usesOffset && offset !== undefined) {
    if (criteria.fromOffset !== undefined && offset < criteria.fromOffset) return false;
    if (criteria.toOffset !== undefined && offset > criteria.toOffset) return false;
  }
  if (criteria.fromTime !== undefined && timestamp < criteria.fromTime) return false;
  if (criteria.toTime !== undefined && timestamp > criteria.toTime) return false;
  return true;
}

/** Compiles a filter into its field and text parts; throws a WorkbenchError for a bad pattern, offset or range. */
export function compileFilterParts(filter: RecordFilter | undefined): CompiledFilter {
  if (!filter || isEmptyFilter(filter)) return { fields: undefined, text: undefined };
  return { fields: compileFields(filter), text: compileText(filter) };
}

/** Whether a record's key, value or one header's `name=value` holds the text. */
export function recordHasText(record: KafkaRecord, text: TextCriterion): boolean {
  if (text.kind === 'bytes') {
    const test = (region: string): boolean => region.length > 0 && text.test.test(region);
    return test(latin1(record.key)) || test(latin1(record.value))
      || record.headers.some((h) => test(`${Buffer.from(h.key, 'utf8').toString('latin1')}=${latin1(h.value)}`));
  }
  if (text.regex) return text.test(searchableText(record));
  return text.test(bytesText(record.key)) || text.test(bytesText(record.value)) || record.headers.some((h) => text.test(`${h.key}=${bytesText(h.value)}`));
}

/** Compiles a filter into a predicate; throws a WorkbenchError for a bad pattern, offset or range. */
export function compileFilter(filter: RecordFilter | undefined): RecordPredicate {
  const { fields, text } = compileFilterParts(filter);
  if (!fields && !text) return () => true;
  return (r) => (!fields || fieldsPass(fields, r.partition, fields.usesOffset ? BigInt(r.offset) : undefined, r.timestamp)) && (!text || recordHasText(r, text));
}
