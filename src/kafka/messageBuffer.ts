/**
 * The inspector's host-side store of records: bounded by count and by bytes (the oldest rows
 * are evicted first, and counted), indexed (every row has a sequence number that stays the
 * same while it is held, and a position in the current view), and filtered incrementally:
 * the matching rows are kept as an ascending list of sequence numbers that grows as rows
 * arrive and is recomputed only when the filter changes. The webview asks for rows
 * [from, to) of the filtered view and never holds more than it shows. Pure.
 *
 * Sized for 100,000 records of about 1 KB in well under 300 MB: a row is the KafkaRecord as
 * the reader made it (buffers are not copied) plus one number in the index.
 */
import { compileFilter, isEmptyFilter, type RecordFilter, type RecordPredicate } from './recordFilter';
import type { KafkaRecord } from './types';

export interface BufferLimits {
  /** Most rows held. */
  maxRecords: number;
  /** Most bytes (record sizes plus a per-row estimate) held. */
  maxBytes: number;
}

export const DEFAULT_BUFFER_LIMITS: BufferLimits = { maxRecords: 100_000, maxBytes: 256 * 1024 * 1024 };

/** Estimated bytes of a row beyond its key, value and headers (objects, strings, index). */
export const ROW_OVERHEAD_BYTES = 240;

export interface BufferRow {
  /** Stable number of the row since the buffer was created or cleared (0-based). */
  seq: number;
  record: KafkaRecord;
}

export interface AppendResult {
  added: number;
  evicted: number;
  /** Of the added rows, how many pass the filter. */
  matched: number;
}

/** A growable list of numbers with a cheap drop-from-front, for the filter index. */
class NumberQueue {
  private items: number[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(value: number): void {
    this.items.push(value);
  }

  at(index: number): number | undefined {
    return this.items[this.head + index];
  }

  /** Drops leading values below `min`. */
  dropBelow(min: number): void {
    while (this.head < this.items.length && (this.items[this.head] as number) < min) this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  /** First position whose value is >= `value` (values are ascending). */
  lowerBound(value: number): number {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.items[mid] as number) < value) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.head;
  }
}

export class MessageBuffer {
  private rows: (KafkaRecord | undefined)[] = [];
  private head = 0;
  /** Sequence number of rows[head]. */
  private firstSeq = 0;
  private heldBytes = 0;
  private evictedCount = 0;
  private filter: RecordFilter | undefined;
  private predicate: RecordPredicate | undefined;
  private readonly matches = new NumberQueue();

  constructor(private limits: BufferLimits = DEFAULT_BUFFER_LIMITS) {
    if (limits.maxRecords < 1 || limits.maxBytes < 1) throw new RangeError('A message buffer needs room for at least one row.');
  }

  /** Rows held. */
  get size(): number {
    return this.rows.length - this.head;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Rows evicted (to stay within the limits) since the buffer was created or cleared. */
  get evicted(): number {
    return this.evictedCount;
  }

  /** Rows ever appended since the buffer was created or cleared. */
  get total(): number {
    return this.firstSeq + this.size;
  }

  /** Rows in the current view (all rows when there is no filter). */
  get viewSize(): number {
    return this.predicate ? this.matches.length : this.size;
  }

  get currentFilter(): RecordFilter | undefined {
    return this.filter;
  }

  /** Adds rows at the end, evicting the oldest when a limit is passed. */
  append(records: readonly KafkaRecord[]): AppendResult {
    let matched = 0;
    for (const record of records) {
      const seq = this.firstSeq + this.size;
      this.rows.push(record);
      this.heldBytes += record.size + ROW_OVERHEAD_BYTES;
      if (this.predicate) {
        if (this.predicate(record)) {
          this.matches.push(seq);
          matched++;
        }
      } else {
        matched++;
      }
    }
    const evicted = this.evictToLimits();
    return { added: records.length, evicted, matched };
  }

  /** Changes the limits; evicts at once when they shrink. Returns the number evicted. */
  setLimits(limits: BufferLimits): number {
    if (limits.maxRecords < 1 || limits.maxBytes < 1) throw new RangeError('A message buffer needs room for at least one row.');
    this.limits = limits;
    return this.evictToLimits();
  }

  private evictToLimits(): number {
    let evicted = 0;
    while (this.size > 0 && (this.size > this.limits.maxRecords || this.heldBytes > this.limits.maxBytes)) {
      const record = this.rows[this.head] as KafkaRecord;
      this.rows[this.head] = undefined;
      this.head++;
      this.firstSeq++;
      this.heldBytes -= record.size + ROW_OVERHEAD_BYTES;
      evicted++;
    }
    if (evicted > 0) {
      this.evictedCount += evicted;
      this.matches.dropBelow(this.firstSeq);
      if (this.head > 4096 && this.head * 2 > this.rows.length) {
        this.rows = this.rows.slice(this.head);
        this.head = 0;
      }
    }
    return evicted;
  }

  /**
   * Sets the filter (undefined or an empty filter shows everything) and recomputes the view.
   * Throws a WorkbenchError for a bad pattern; the previous filter then stays.
   */
  setFilter(filter: RecordFilter | undefined): number {
    const predicate = isEmptyFilter(filter) ? undefined : compileFilter(filter);
    this.filter = predicate ? filter : undefined;
    this.predicate = predicate;
    this.matches.clear();
    if (predicate) {
      for (let i = this.head; i < this.rows.length; i++) {
        if (predicate(this.rows[i] as KafkaRecord)) this.matches.push(this.firstSeq + (i - this.head));
      }
    }
    return this.viewSize;
  }

  /** The row with sequence number `seq`, if still held. */
  bySeq(seq: number): BufferRow | undefined {
    if (!Number.isInteger(seq) || seq < this.firstSeq || seq >= this.total) return undefined;
    return { seq, record: this.rows[this.head + (seq - this.firstSeq)] as KafkaRecord };
  }

  /** The sequence number of view position `index`. */
  seqAt(index: number): number | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.viewSize) return undefined;
    return this.predicate ? this.matches.at(index) : this.firstSeq + index;
  }

  /** View position of the row `seq` (or of the next row in the view after it), for keeping a selection in sight. */
  indexOfSeq(seq: number): number {
    if (!this.predicate) return Math.min(Math.max(seq - this.firstSeq, 0), this.size);
    return this.matches.lowerBound(seq);
  }

  /** Rows [from, to) of the current view, clamped to it. */
  view(from: number, to: number): BufferRow[] {
    const start = Math.max(0, Math.floor(from));
    const end = Math.min(this.viewSize, Math.floor(to));
    const out: BufferRow[] = [];
    for (let i = start; i < end; i++) {
      const seq = this.seqAt(i) as number;
      out.push({ seq, record: this.rows[this.head + (seq - this.firstSeq)] as KafkaRecord });
    }
    return out;
  }

  /** Every row of the current view, oldest first (for export). */
  *viewRecords(): IterableIterator<KafkaRecord> {
    for (let i = 0; i < this.viewSize; i++) {
      const seq = this.seqAt(i) as number;
      yield this.rows[this.head + (seq - this.firstSeq)] as KafkaRecord;
    }
  }

  /** The partitions seen among the held rows, ascending (for the partition filter). */
  partitions(): number[] {
    const seen = new Set<number>();
    for (let i = this.head; i < this.rows.length; i++) seen.add((this.rows[i] as KafkaRecord).partition);
    return [...seen].sort((a, b) => a - b);
  }

  /** Drops every row and restarts the sequence numbers; keeps the filter. */
  clear(): void {
    this.rows = [];
    this.head = 0;
    this.firstSeq = 0;
    this.heldBytes = 0;
    this.evictedCount = 0;
    this.matches.clear();
  }
}
