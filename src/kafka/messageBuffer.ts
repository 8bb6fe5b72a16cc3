/**
 * The inspector's host-side store of records: bounded by count and by bytes (the oldest rows
 * are evicted first, and counted), indexed (every row has a sequence number that stays the
 * same while it is held, and a position in the current view), and filtered incrementally:
 * the matching rows are kept as an ascending list of sequence numbers that grows as rows
 * arrive, is recomputed when the filter changes, and, when a search only grows longer (a
 * query being typed), is narrowed instead of recomputed. The webview asks for rows
 * [from, to) of the filtered view and never holds more than it shows. Pure.
 *
 * Compact, so 100,000 records of about 1 KB cost little more than their bytes: a record is
 * not kept as an object. Its key, value and headers are copied, back to back, into a slab
 * (1 MiB of bytes, sealed into a latin1 string once full, one character a byte), and its
 * fields into typed arrays of 4,096 rows (partition, offset, timestamp, size, where its bytes
 * are). Records are made again, with fresh Buffers, only for the rows asked for. A text search
 * runs a byte pattern (recordFilter.ts) over whole slabs, without decoding any message.
 */
import { compileFilterParts, fieldsPass, isEmptyFilter, recordHasText, type CompiledFilter, type RecordFilter, type TextCriterion } from './recordFilter';
import type { KafkaRecord } from './types';

export interface BufferLimits {
  /** Most rows held. */
  maxRecords: number;
  /** Most bytes (record sizes plus a per-row estimate) held. */
  maxBytes: number;
}

export const DEFAULT_BUFFER_LIMITS: BufferLimits = { maxRecords: 100_000, maxBytes: 256 * 1024 * 1024 };

/** Estimated bytes of a row beyond its key, value and headers (its typed-array fields, slab framing, index). */
export const ROW_OVERHEAD_BYTES = 64;

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

  /** The values, oldest first (a copy). */
  toArray(): number[] {
    return this.items.slice(this.head);
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

/** Rows per block of typed arrays. */
const SEGMENT_ROWS = 4096;
/** The first slab's size; each next one doubles, up to SLAB_MAX_BYTES (a bigger record gets a slab of its own size). */
const SLAB_FIRST_BYTES = 64 * 1024;
const SLAB_MAX_BYTES = 1024 * 1024;
/** A search of a row range shorter than this takes a substring of a sealed slab rather than scanning on in it. */
const SUBSTRING_SCAN_BYTES = 64 * 1024;
/** When a refined search has fewer candidates than this share of the rows, it tests them one by one. */
const REFINE_SHARE = 1 / 8;
/** A header in a slab: name length (int32), value length (int32, -1 for null), the name, `=`, the value. */
const HEADER_FRAME_BYTES = 8;
const EQUALS = 0x3d;

/** The fields of SEGMENT_ROWS rows. A row's bytes are key, value, then the framed headers. */
class Segment {
  readonly partition = new Int32Array(SEGMENT_ROWS);
  readonly topic = new Int32Array(SEGMENT_ROWS);
  readonly offset = new BigInt64Array(SEGMENT_ROWS);
  readonly timestamp = new Float64Array(SEGMENT_ROWS);
  readonly size = new Int32Array(SEGMENT_ROWS);
  readonly slab = new Int32Array(SEGMENT_ROWS);
  readonly start = new Int32Array(SEGMENT_ROWS);
  /** -1 for a null key or value. */
  readonly keyLength = new Int32Array(SEGMENT_ROWS);
  readonly valueLength = new Int32Array(SEGMENT_ROWS);
  /** Bytes of the framed headers; 0 when there are none. */
  readonly headersLength = new Int32Array(SEGMENT_ROWS);
}

/**
 * Bytes of rows, back to back: while it fills, the first `used` bytes of the buffer's staging
 * Buffer (reused from slab to slab, so filling allocates nothing); once full, a latin1 string
 * (one character a byte) that regular expressions search as it is.
 */
interface Slab {
  bytes: Buffer | undefined;
  text: string | undefined;
  used: number;
  /** Sequence number after the slab's last row, once sealed. */
  endSeq: number;
}

/** The compiled filter with what refining it needs. */
interface ActiveFilter {
  filter: RecordFilter;
  parts: CompiledFilter;
}

function headersBytes(headers: KafkaRecord['headers']): number {
  let total = 0;
  for (const h of headers) total += HEADER_FRAME_BYTES + Buffer.byteLength(h.key, 'utf8') + 1 + (h.value?.length ?? 0);
  return total;
}

function sameFields(a: RecordFilter, b: RecordFilter): boolean {
  const fields = (f: RecordFilter): string => JSON.stringify([[...(f.partitions ?? [])].sort((x, y) => x - y), (f.fromOffset ?? '').trim(), (f.toOffset ?? '').trim(), f.fromTime ?? null, f.toTime ?? null]);
  return fields(a) === fields(b);
}

/** True when every row that matches `next` matches `previous` too, so `next` only needs to look at previous matches. */
function refines(previous: ActiveFilter | undefined, next: ActiveFilter): boolean {
  if (!previous || !sameFields(previous.filter, next.filter)) return false;
  const before = previous.parts.text;
  const after = next.parts.text;
  if (!before) return true;
  if (!after || (before.kind === 'decoded' && before.regex) || (after.kind === 'decoded' && after.regex)) return false;
  if (before.caseSensitive !== after.caseSensitive) return false;
  // A typed escape (\u202E) also finds the character, so a longer query may find more.
  if (before.escapes || after.escapes) return false;
  return before.caseSensitive ? after.query.includes(before.query) : after.query.toLowerCase().includes(before.query.toLowerCase());
}

export class MessageBuffer {
  private segments: Segment[] = [];
  /** Index (seq / SEGMENT_ROWS) of segments[0]. */
  private firstSegment = 0;
  private slabs: Slab[] = [];
  /** Id of slabs[0]. */
  private firstSlab = 0;
  private nextSlabBytes = SLAB_FIRST_BYTES;
  /** The open slab's bytes. */
  private staging: Buffer | undefined;
  private readonly topics: string[] = [];
  private readonly topicIds = new Map<string, number>();
  /** Sequence number of the oldest row held; the newest is total - 1. */
  private firstSeq = 0;
  private nextSeq = 0;
  private heldBytes = 0;
  private evictedCount = 0;
  private active: ActiveFilter | undefined;
  private readonly matches = new NumberQueue();

  constructor(private limits: BufferLimits = DEFAULT_BUFFER_LIMITS) {
    if (limits.maxRecords < 1 || limits.maxBytes < 1) throw new RangeError('A message buffer needs room for at least one row.');
  }

  /** Rows held. */
  get size(): number {
    return this.nextSeq - this.firstSeq;
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
    return this.nextSeq;
  }

  /** Rows in the current view (all rows when there is no filter). */
  get viewSize(): number {
    return this.active ? this.matches.length : this.size;
  }

  get currentFilter(): RecordFilter | undefined {
    return this.active?.filter;
  }

  /** Adds rows at the end, evicting the oldest when a limit is passed. */
  append(records: readonly KafkaRecord[]): AppendResult {
    const firstNew = this.nextSeq;
    const text = this.active?.parts.text;
    let matched = 0;
    for (const record of records) {
      const seq = this.store(record);
      // A search the byte pattern cannot run is tested on the record as it came.
      if (this.active && text?.kind === 'decoded' && this.passesFields(seq) && recordHasText(record, text)) {
        this.matches.push(seq);
        matched++;
      }
    }
    if (!this.active) matched = records.length;
    else if (text?.kind !== 'decoded') {
      const before = this.matches.length;
      this.scanInto(firstNew, this.nextSeq, this.active.parts, (seq) => { this.matches.push(seq); });
      matched = this.matches.length - before;
    }
    const evicted = this.evictToLimits();
    return { added: records.length, evicted, matched };
  }

  /** Copies one record into the slabs and the typed arrays; returns its sequence number. */
  private store(record: KafkaRecord): number {
    const keyLength = record.key?.length ?? -1;
    const valueLength = record.value?.length ?? -1;
    const headersLength = record.headers.length > 0 ? headersBytes(record.headers) : 0;
    const rowBytes = Math.max(keyLength, 0) + Math.max(valueLength, 0) + headersLength;
    const slabId = this.slabWithRoom(rowBytes);
    const slab = this.slabs[slabId - this.firstSlab] as Slab;
    const bytes = slab.bytes as Buffer;
    const start = slab.used;
    let at = start;
    if (record.key) {
      bytes.set(record.key, at);
      at += record.key.length;
    }
    if (record.value) {
      bytes.set(record.value, at);
      at += record.value.length;
    }
    for (const h of record.headers) {
      const nameLength = bytes.write(h.key, at + HEADER_FRAME_BYTES, 'utf8');
      bytes.writeInt32LE(nameLength, at);
      bytes.writeInt32LE(h.value?.length ?? -1, at + 4);
      at += HEADER_FRAME_BYTES + nameLength;
      bytes[at++] = EQUALS;
      if (h.value) {
        bytes.set(h.value, at);
        at += h.value.length;
      }
    }
    slab.used = at;

    const seq = this.nextSeq++;
    const segmentIndex = Math.floor(seq / SEGMENT_ROWS);
    while (this.firstSegment + this.segments.length <= segmentIndex) this.segments.push(new Segment());
    const segment = this.segments[segmentIndex - this.firstSegment] as Segment;
    const i = seq % SEGMENT_ROWS;
    segment.partition[i] = record.partition;
    segment.topic[i] = this.topicId(record.topic);
    segment.offset[i] = BigInt(record.offset);
    segment.timestamp[i] = record.timestamp;
    segment.size[i] = record.size;
    segment.slab[i] = slabId;
    segment.start[i] = start;
    segment.keyLength[i] = keyLength;
    segment.valueLength[i] = valueLength;
    segment.headersLength[i] = headersLength;
    this.heldBytes += record.size + ROW_OVERHEAD_BYTES;
    return seq;
  }

  private topicId(topic: string): number {
    let id = this.topicIds.get(topic);
    if (id === undefined) {
      id = this.topics.length;
      this.topics.push(topic);
      this.topicIds.set(topic, id);
    }
    return id;
  }

  /** The id of the open slab, sealing it and opening another when `rowBytes` do not fit. */
  private slabWithRoom(rowBytes: number): number {
    const last = this.slabs[this.slabs.length - 1];
    if (last?.bytes && last.used + rowBytes <= last.bytes.length) return this.firstSlab + this.slabs.length - 1;
    if (last?.bytes) this.seal(last);
    const capacity = Math.max(this.nextSlabBytes, rowBytes);
    this.nextSlabBytes = Math.min(this.nextSlabBytes * 2, SLAB_MAX_BYTES);
    if (!this.staging || this.staging.length < capacity || this.staging.length > Math.max(capacity, SLAB_MAX_BYTES)) {
      this.staging = Buffer.allocUnsafeSlow(capacity);
    }
    this.slabs.push({ bytes: this.staging.subarray(0, capacity), text: undefined, used: 0, endSeq: Number.MAX_SAFE_INTEGER });
    return this.firstSlab + this.slabs.length - 1;
  }

  private seal(slab: Slab): void {
    slab.text = (slab.bytes as Buffer).toString('latin1', 0, slab.used);
    slab.bytes = undefined;
    slab.endSeq = this.nextSeq;
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
      this.heldBytes -= (this.segmentOf(this.firstSeq).size[this.firstSeq % SEGMENT_ROWS] as number) + ROW_OVERHEAD_BYTES;
      this.firstSeq++;
      evicted++;
    }
    if (evicted > 0) {
      this.evictedCount += evicted;
      this.matches.dropBelow(this.firstSeq);
      const firstSegment = Math.floor(this.firstSeq / SEGMENT_ROWS);
      if (firstSegment > this.firstSegment) {
        this.segments.splice(0, firstSegment - this.firstSegment);
        this.firstSegment = firstSegment;
      }
      let dropSlabs = 0;
      while (dropSlabs < this.slabs.length && (this.slabs[dropSlabs] as Slab).endSeq <= this.firstSeq) dropSlabs++;
      if (this.size === 0) dropSlabs = this.slabs.length;
      if (dropSlabs > 0) {
        this.slabs.splice(0, dropSlabs);
        this.firstSlab += dropSlabs;
      }
    }
    return evicted;
  }

  /** The segment of a held row (its index there is seq % SEGMENT_ROWS). */
  private segmentOf(seq: number): Segment {
    return this.segments[Math.floor(seq / SEGMENT_ROWS) - this.firstSegment] as Segment;
  }

  private rowEnd(segment: Segment, i: number): number {
    return (segment.start[i] as number) + Math.max(segment.keyLength[i] as number, 0) + Math.max(segment.valueLength[i] as number, 0) + (segment.headersLength[i] as number);
  }

  private passesFields(seq: number): boolean {
    const fields = this.active?.parts.fields;
    if (!fields) return true;
    const segment = this.segmentOf(seq);
    const i = seq % SEGMENT_ROWS;
    return fieldsPass(fields, segment.partition[i] as number, fields.usesOffset ? segment.offset[i] : undefined, segment.timestamp[i] as number);
  }

  /**
   * Sets the filter (undefined or an empty filter shows everything) and recomputes the view.
   * Throws a WorkbenchError for a bad pattern; the previous filter then stays.
   */
  setFilter(filter: RecordFilter | undefined): number {
    if (isEmptyFilter(filter)) {
      this.active = undefined;
      this.matches.clear();
      return this.viewSize;
    }
    const next: ActiveFilter = { filter: filter as RecordFilter, parts: compileFilterParts(filter) };
    const candidates = refines(this.active, next) && this.matches.length < this.size * REFINE_SHARE ? this.matches.toArray() : undefined;
    this.active = next;
    this.matches.clear();
    const keep = (seq: number): void => { this.matches.push(seq); };
    if (candidates) {
      for (const seq of candidates) this.scanInto(seq, seq + 1, next.parts, keep);
    } else {
      this.scanInto(this.firstSeq, this.nextSeq, next.parts, keep);
    }
    return this.viewSize;
  }

  /** Calls `keep` with each row of [from, to) that passes the filter `parts`, in order. */
  private scanInto(from: number, to: number, parts: CompiledFilter, keep: (seq: number) => void): void {
    const { fields, text } = parts;
    if (!text) {
      for (let seq = from; seq < to; seq++) if (this.passesFields(seq)) keep(seq);
      return;
    }
    if (text.kind === 'decoded') {
      for (let seq = from; seq < to; seq++) {
        if (this.passesFields(seq) && recordHasText(this.recordAt(seq), text)) keep(seq);
      }
      return;
    }
    let seq = from;
    while (seq < to) {
      const slab = this.slabs[(this.segmentOf(seq).slab[seq % SEGMENT_ROWS] as number) - this.firstSlab] as Slab;
      const end = Math.min(to, slab.endSeq, this.nextSeq);
      this.scanSlab(slab, seq, end, text, fields !== undefined, keep);
      seq = end;
    }
  }

  /** Runs the byte pattern over rows [from, to), all in `slab`. */
  private scanSlab(slab: Slab, from: number, to: number, text: Extract<TextCriterion, { kind: 'bytes' }>, checkFields: boolean, keep: (seq: number) => void): void {
    const startByte = this.segmentOf(from).start[from % SEGMENT_ROWS] as number;
    const endByte = this.rowEnd(this.segmentOf(to - 1), (to - 1) % SEGMENT_ROWS);
    if (endByte - startByte < text.minBytes) return;
    let haystack: string;
    let base: number;
    if (slab.text === undefined) {
      haystack = (slab.bytes as Buffer).toString('latin1', startByte, endByte);
      base = startByte;
    } else if (endByte - startByte < SUBSTRING_SCAN_BYTES) {
      haystack = slab.text.substring(startByte, endByte);
      base = startByte;
    } else {
      haystack = slab.text;
      base = 0;
    }
    const pattern = text.find;
    pattern.lastIndex = startByte - base;
    let seq = from;
    for (;;) {
      const match = pattern.exec(haystack);
      if (!match) return;
      const hit = match.index + base;
      if (hit >= endByte) return;
      let segment = this.segmentOf(seq);
      let i = seq % SEGMENT_ROWS;
      while (this.rowEnd(segment, i) <= hit) {
        seq++;
        i = seq % SEGMENT_ROWS;
        if (i === 0) segment = this.segmentOf(seq);
      }
      if (checkFields && !this.passesFields(seq)) {
        pattern.lastIndex = this.rowEnd(segment, i) - base;
        seq++;
      } else if (this.hitInRegion(slab, segment, i, hit, match[0].length)) {
        keep(seq);
        pattern.lastIndex = this.rowEnd(segment, i) - base;
        seq++;
      } else {
        pattern.lastIndex = match.index + 1;
      }
      if (seq >= to) return;
    }
  }

  /** Whether bytes [hit, hit + length) lie inside the row's key, its value or one header's `name=value`. */
  private hitInRegion(slab: Slab, segment: Segment, i: number, hit: number, length: number): boolean {
    const end = hit + length;
    let at = segment.start[i] as number;
    const keyLength = Math.max(segment.keyLength[i] as number, 0);
    if (hit >= at && end <= at + keyLength) return true;
    at += keyLength;
    const valueLength = Math.max(segment.valueLength[i] as number, 0);
    if (hit >= at && end <= at + valueLength) return true;
    at += valueLength;
    const headersEnd = at + (segment.headersLength[i] as number);
    while (at < headersEnd) {
      const nameLength = readInt32(slab, at);
      const regionStart = at + HEADER_FRAME_BYTES;
      const regionEnd = regionStart + nameLength + 1 + Math.max(readInt32(slab, at + 4), 0);
      if (hit >= regionStart && end <= regionEnd) return true;
      at = regionEnd;
    }
    return false;
  }

  /** Bytes [from, to) of a slab, as a fresh Buffer. */
  private slabBytes(slab: Slab, from: number, to: number): Buffer {
    if (slab.bytes) return Buffer.from(slab.bytes.subarray(from, to));
    return Buffer.from((slab.text as string).substring(from, to), 'latin1');
  }

  /** The held row `seq` as a KafkaRecord with fresh Buffers. */
  private recordAt(seq: number): KafkaRecord {
    const segment = this.segmentOf(seq);
    const i = seq % SEGMENT_ROWS;
    const slab = this.slabs[(segment.slab[i] as number) - this.firstSlab] as Slab;
    let at = segment.start[i] as number;
    const keyLength = segment.keyLength[i] as number;
    const key = keyLength < 0 ? null : this.slabBytes(slab, at, at + keyLength);
    at += Math.max(keyLength, 0);
    const valueLength = segment.valueLength[i] as number;
    const value = valueLength < 0 ? null : this.slabBytes(slab, at, at + valueLength);
    at += Math.max(valueLength, 0);
    const headersEnd = at + (segment.headersLength[i] as number);
    const headers: KafkaRecord['headers'] = [];
    while (at < headersEnd) {
      const nameLength = readInt32(slab, at);
      const headerValueLength = readInt32(slab, at + 4);
      const nameStart = at + HEADER_FRAME_BYTES;
      const valueStart = nameStart + nameLength + 1;
      headers.push({
        key: this.slabBytes(slab, nameStart, nameStart + nameLength).toString('utf8'),
        value: headerValueLength < 0 ? null : this.slabBytes(slab, valueStart, valueStart + headerValueLength),
      });
      at = valueStart + Math.max(headerValueLength, 0);
    }
    return {
      topic: this.topics[segment.topic[i] as number] as string,
      partition: segment.partition[i] as number,
      offset: (segment.offset[i] as bigint).toString(),
      timestamp: segment.timestamp[i] as number,
      key,
      value,
      headers,
      size: segment.size[i] as number,
    };
  }

  /** The row with sequence number `seq`, if still held. */
  bySeq(seq: number): BufferRow | undefined {
    if (!Number.isInteger(seq) || seq < this.firstSeq || seq >= this.nextSeq) return undefined;
    return { seq, record: this.recordAt(seq) };
  }

  /** The sequence number of view position `index`. */
  seqAt(index: number): number | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.viewSize) return undefined;
    return this.active ? this.matches.at(index) : this.firstSeq + index;
  }

  /** View position of the row `seq` (or of the next row in the view after it), for keeping a selection in sight. */
  indexOfSeq(seq: number): number {
    if (!this.active) return Math.min(Math.max(seq - this.firstSeq, 0), this.size);
    return this.matches.lowerBound(seq);
  }

  /** Rows [from, to) of the current view, clamped to it. */
  view(from: number, to: number): BufferRow[] {
    const start = Math.max(0, Math.floor(from));
    const end = Math.min(this.viewSize, Math.floor(to));
    const out: BufferRow[] = [];
    for (let i = start; i < end; i++) {
      const seq = this.seqAt(i) as number;
      out.push({ seq, record: this.recordAt(seq) });
    }
    return out;
  }

  /** Every row of the current view, oldest first (for export). */
  *viewRecords(): IterableIterator<KafkaRecord> {
    for (let i = 0; i < this.viewSize; i++) {
      const seq = this.seqAt(i);
      if (seq === undefined) return;
      yield this.recordAt(seq);
    }
  }

  /** The partitions seen among the held rows, ascending (for the partition filter). */
  partitions(): number[] {
    const seen = new Set<number>();
    for (let seq = this.firstSeq; seq < this.nextSeq; seq++) seen.add(this.segmentOf(seq).partition[seq % SEGMENT_ROWS] as number);
    return [...seen].sort((a, b) => a - b);
  }

  /** Drops every row and restarts the sequence numbers; keeps the filter. */
  clear(): void {
    this.segments = [];
    this.firstSegment = 0;
    this.slabs = [];
    this.firstSlab = 0;
    this.nextSlabBytes = SLAB_FIRST_BYTES;
    this.firstSeq = 0;
    this.nextSeq = 0;
    this.heldBytes = 0;
    this.evictedCount = 0;
    this.matches.clear();
  }
}

/** A little-endian int32 of a slab's header frame. */
function readInt32(slab: Slab, at: number): number {
  if (slab.bytes) return slab.bytes.readInt32LE(at);
  const text = slab.text as string;
  return (text.charCodeAt(at) | (text.charCodeAt(at + 1) << 8) | (text.charCodeAt(at + 2) << 16) | (text.charCodeAt(at + 3) << 24));
}
