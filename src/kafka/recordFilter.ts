/**
 * The inspector's filters over KafkaRecords: text search (case-insensitive substring over
 * key, value and headers, or a regular expression), partitions, an offset range and a time
 * range. A filter is compiled once into a predicate; a bad regular expression is a
 * WorkbenchError that says what is wrong. Pure.
 */
import { WorkbenchError } from '../shared/errors';
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

/** Compiles a filter into a predicate; throws a WorkbenchError for a bad pattern, offset or range. */
export function compileFilter(filter: RecordFilter | undefined): RecordPredicate {
  if (!filter || isEmptyFilter(filter)) return () => true;
  const checks: RecordPredicate[] = [];

  const partitions = filter.partitions ?? [];
  if (partitions.length > 0) {
    const set = new Set(partitions);
    checks.push((r) => set.has(r.partition));
  }

  const from = parseOffset(filter.fromOffset, 'first');
  const to = parseOffset(filter.toOffset, 'last');
  if (from !== undefined && to !== undefined && from > to) {
    throw new WorkbenchError(`The offset range ${from}–${to} is empty: the first offset must not be after the last.`);
  }
  if (from !== undefined || to !== undefined) {
    checks.push((r) => {
      const offset = BigInt(r.offset);
      return (from === undefined || offset >= from) && (to === undefined || offset <= to);
    });
  }

  const { fromTime, toTime } = filter;
  if (fromTime !== undefined && !Number.isFinite(fromTime)) throw new WorkbenchError('The start time of the filter is not a valid date and time.');
  if (toTime !== undefined && !Number.isFinite(toTime)) throw new WorkbenchError('The end time of the filter is not a valid date and time.');
  if (fromTime !== undefined && toTime !== undefined && fromTime > toTime) {
    throw new WorkbenchError('The time range is empty: the start is after the end.');
  }
  if (fromTime !== undefined || toTime !== undefined) {
    checks.push((r) => (fromTime === undefined || r.timestamp >= fromTime) && (toTime === undefined || r.timestamp <= toTime));
  }

  const text = filter.text ?? '';
  if (text !== '') {
    if (filter.regex) {
      const pattern = compileSearchPattern(text, filter.caseSensitive);
      checks.push((r) => pattern.test(searchableText(r)));
    } else if (filter.caseSensitive) {
      const needle = Buffer.from(text, 'utf8');
      // Exact bytes: search the buffers themselves, no decoding.
      checks.push((r) => (r.value?.includes(needle) ?? false) || (r.key?.includes(needle) ?? false) || r.headers.some((h) => h.key.includes(text) || (h.value?.includes(needle) ?? false)));
    } else {
      const needle = text.toLowerCase();
      checks.push((r) => searchableText(r).toLowerCase().includes(needle));
    }
  }

  if (checks.length === 1) return checks[0] as RecordPredicate;
  return (r) => checks.every((check) => check(r));
}
