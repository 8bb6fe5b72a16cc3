/**
 * The inspector's host-side store of records: bounded by count and by bytes, indexed (every
 * row has a sequence number that stays the same while it is held, and a position in the
 * current view), and filtered incrementally: the matching rows are kept as an ascending list
 * of sequence numbers that grows as rows arrive, is recomputed when the filter changes, and,
 * when a search only grows longer (a query being typed), is narrowed instead of recomputed.
 * The webview asks for rows [from, to) of the filtered view and never holds more than it
 * shows. When a row would pass a limit the buffer either drops its oldest rows (`whenFull:
 * 'keepNewest'`, the default) or refuses the row (`'stop'`: the read stops, the first rows
 * stay). Pure.
 *
 * Compact, so a million records of about 1 KB pass through in bounded memory: a record is not
 * kept as an object. Its key, value and headers are copied, back to back, into a slab (up to
 * 1 MiB of bytes), and its fields into typed arrays of 4,096 rows (partition, offset,
 * timestamp, size, where its bytes are). Records arrive either as KafkaRecords (append) or
 * straight from fetched record batches (add, a RecordSink: no object per record). A slab is
 * sealed into a latin1 string (one character a byte), which the search's regular expressions
 * run over without decoding any message; sealing waits while the read says that many more
 * bytes are coming (expect()), since those slabs would be dropped unread, and their bytes go
 * back to a small pool for the next slabs. Records are made again, with fresh Buffers, only
 * for the rows asked for.
 */
import { compileFilterParts, fieldsPass, isEmptyFilter, recordHasText, type CompiledFilter, type RecordFilter, type TextCriterion } from './recordFilter';
import type { HeaderCursor, RecordCursor, RecordSink } from './recordBatch';
import type { KafkaRecord } from './types';

/** What a full buffer does with one more row: drop its oldest rows (keep the newest), or refuse the row (keep the first ones). */
export type WhenFull = 'keepNewest' | 'stop';

export interface BufferLimits {
  /** Most rows held. */
  maxRecords: number;
  /** Most bytes (record sizes plus a per-row estimate) held. */
  maxBytes: number;
  /** Default 'keepNewest'. */
  whenFull?: WhenFull;
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
  /** Rows refused because the buffer was full ('stop'); the rows after the first refused one are not added either. */
  refused: number;
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
const TWO_32 = 4294967296;
/** Segments kept for reuse. */
const POOLED_SEGMENTS = 4;
/** Slab Buffers kept for reuse. */
const POOLED_SLABS = 2;
/** A slab is left unsealed while the bytes still expected would push it out of a buffer this much fuller than the bound. */
const SEAL_MARGIN = 0.9;
/** The first slab's size; each next one doubles, up to SLAB_MAX_BYTES (a bigger record gets a slab of its own size). */
const SLAB_FIRST_BYTES = 64 * 1024;
const SLAB_MAX_BYTES = 4 * 1024 * 1024;
/** A read's end drops the bytes of evicted rows at the front of the oldest slab when there are more than this. */
const COMPACT_BYTES = 1024 * 1024;
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
  /** The offset's high and low 32 bits: no BigInt per row. */
  readonly offsetHigh = new Uint32Array(SEGMENT_ROWS);
  readonly offsetLow = new Uint32Array(SEGMENT_ROWS);
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
 * Bytes of rows, back to back: the first `used` bytes of a Buffer while it fills and until it
 * is sealed; then a latin1 string (one character a byte) that regular expressions search as
 * it is, and the Buffer goes back to the pool.
 */
interface Slab {
  bytes: Buffer | undefined;
  text: string | undefined;
  used: number;
  /** Sequence number after the slab's last row, once a newer slab was opened. */
  endSeq: number;
  /** Bytes appended to the buffer before this slab was opened, to tell how far back it lies. */
  startTotal: number;
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
  /** Buffers of SLAB_MAX_BYTES from sealed or dropped slabs, for the next slabs. */
  private readonly pool: Buffer[] = [];
  /** Segments of dropped rows, for the next rows: a read that keeps the newest makes no new ones. */
  private readonly freeSegments: Segment[] = [];
  /** Bytes of rows ever added (row sizes plus overhead), and of the rows a read still expects. */
  private addedBytes = 0;
  private expectedRows = 0;
  /** The first row not yet run through the filter and the limits (see settle()). */
  private unsettled = 0;
  /** Rows dropped while adding, reported by the next settle(). */
  private pendingEvicted = 0;
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

  private get whenFull(): WhenFull {
    return this.limits.whenFull ?? 'keepNewest';
  }

  /** Whether one more row of `rowBytes` must be refused ('stop' and a limit would be passed). */
  private refuses(rowBytes: number): boolean {
    return this.whenFull === 'stop' && this.size > 0 && (this.size >= this.limits.maxRecords || this.heldBytes + rowBytes + ROW_OVERHEAD_BYTES > this.limits.maxBytes);
  }

  /** Adds rows at the end, evicting the oldest when a limit is passed (or, with 'stop', refusing the rows that do not fit). */
  append(records: readonly KafkaRecord[]): AppendResult {
    let added = 0;
    for (const record of records) {
      if (this.refuses(record.size)) break;
      this.store(record);
      added++;
    }
    return { ...this.settle(), added, refused: records.length - added };
  }

  /**
   * Takes one record straight from a fetched batch (a RecordSink's add); false, taking
   * nothing, when 'stop' says it does not fit. Call settle() after a run of adds.
   */
  add(topic: string, partition: number, record: RecordCursor, headers: HeaderCursor): boolean {
    const { data } = record;
    const keyLength = record.keyLength;
    const valueLength = record.valueLength;
    let headersLength = 0;
    let headerBytes = 0;
    if (record.headerCount > 0) {
      headers.reset(record);
      while (headers.next()) {
        headersLength += HEADER_FRAME_BYTES + headers.nameLength + 1 + Math.max(headers.valueLength, 0);
        headerBytes += headers.nameLength + Math.max(headers.valueLength, 0);
      }
    }
    const size = Math.max(keyLength, 0) + Math.max(valueLength, 0) + headerBytes;
    if (this.refuses(size)) return false;
    const slabId = this.slabWithRoom(Math.max(keyLength, 0) + Math.max(valueLength, 0) + headersLength);
    const slab = this.slabs[slabId - this.firstSlab] as Slab;
    const bytes = slab.bytes as Buffer;
    const start = slab.used;
    let at = start;
    if (keyLength > 0) at += data.copy(bytes, at, record.keyStart, record.keyStart + keyLength);
    if (valueLength > 0) at += data.copy(bytes, at, record.valueStart, record.valueStart + valueLength);
    if (headersLength > 0) {
      headers.reset(record);
      while (headers.next()) {
        bytes.writeInt32LE(headers.nameLength, at);
        bytes.writeInt32LE(headers.valueLength, at + 4);
        at += HEADER_FRAME_BYTES;
        at += data.copy(bytes, at, headers.nameStart, headers.nameStart + headers.nameLength);
        bytes[at++] = EQUALS;
        if (headers.valueLength > 0) at += data.copy(bytes, at, headers.valueStart, headers.valueStart + headers.valueLength);
      }
    }
    slab.used = at;
    const low = record.baseLow + record.offsetDelta;
    this.index(topic, partition, record.baseHigh + Math.floor(low / TWO_32), low % TWO_32, record.timestamp, size, slabId, start, keyLength, valueLength, headersLength);
    return true;
  }

  /** A RecordSink for a read of `topic` into this buffer; `settled` runs after each fetch answer's rows were settled. */
  sink(topic: string, settled: (result: AppendResult) => void): RecordSink {
    let added = 0;
    return {
      add: (partition, record, headers) => {
        if (!this.add(topic, partition, record, headers)) return false;
        added++;
        return true;
      },
      flush: () => {
        const result = { ...this.settle(), added, refused: 0 };
        added = 0;
        settled(result);
      },
      expect: (records) => { this.expect(records); },
    };
  }

  /**
   * Tells the buffer how many more rows the read will bring (0 when it ends or follows):
   * full slabs that those rows would push out are not sealed, only recycled.
   */
  expect(records: number): void {
    this.expectedRows = Math.max(0, records);
    this.sealSurvivors();
  }

  /**
   * Runs the filter over the rows added since the last settle, drops the oldest rows past
   * the limits ('keepNewest') and seals the full slabs that will stay.
   */
  settle(): Omit<AppendResult, 'added' | 'refused'> {
    const from = Math.max(this.unsettled, this.firstSeq);
    this.unsettled = this.nextSeq;
    let matched = this.nextSeq - from;
    if (this.active) {
      const before = this.matches.length;
      this.scanInto(from, this.nextSeq, this.active.parts, (seq) => { this.matches.push(seq); });
      matched = this.matches.length - before;
    }
    const evicted = this.evictToLimits() + this.pendingEvicted;
    this.pendingEvicted = 0;
    this.sealSurvivors();
    return { evicted, matched };
  }

  /**
   * A read ended: seals every slab, the open one too (the next row opens another), so
   * searches run over strings at once; drops the bytes of evicted rows at the front of the
   * oldest slab, and the spare slab Buffer. What is left is what the rows take.
   */
  sealAll(): void {
    this.expectedRows = 0;
    this.compactOldest();
    for (const slab of this.slabs) if (slab.bytes) this.seal(slab);
    for (const bytes of this.pool.splice(0)) releaseSlabBytes(bytes);
  }

  /** Drops the bytes before the oldest held row from its slab (its rows' starts move down). */
  private compactOldest(): void {
    const slab = this.slabs[0];
    if (!slab || this.size === 0) return;
    const first = this.segmentOf(this.firstSeq).start[this.firstSeq % SEGMENT_ROWS] as number;
    if (first < COMPACT_BYTES) return;
    if (slab.bytes) {
      slab.text = slab.bytes.toString('latin1', first, slab.used);
      this.recycle(slab.bytes);
      slab.bytes = undefined;
    } else {
      // A copy made through a Buffer: a substring would keep the whole string alive.
      slab.text = Buffer.from((slab.text as string).substring(first), 'latin1').toString('latin1');
    }
    slab.used -= first;
    const end = Math.min(slab.endSeq, this.nextSeq);
    for (let seq = this.firstSeq; seq < end; seq++) {
      const segment = this.segmentOf(seq);
      const i = seq % SEGMENT_ROWS;
      segment.start[i] = (segment.start[i] as number) - first;
    }
  }

  private openSlab(): Slab | undefined {
    return this.slabs[this.slabs.length - 1];
  }

  /** Seals the full slabs that the rows still expected would not push out. */
  private sealSurvivors(): void {
    const open = this.openSlab();
    for (const slab of this.slabs) {
      if (slab === open) break;
      if (slab.bytes && this.willStay(slab)) this.seal(slab);
    }
  }

  /** Whether the rows the read still expects leave this full slab in the buffer. */
  private willStay(slab: Slab): boolean {
    if (this.whenFull !== 'keepNewest') return true;
    const averageRow = this.nextSeq > 0 ? this.addedBytes / this.nextSeq : 0;
    // Bytes that will have arrived after this slab began, once the read ends.
    const after = this.addedBytes - slab.startTotal + this.expectedRows * averageRow;
    return after <= this.limits.maxBytes * SEAL_MARGIN;
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
    const offset = BigInt.asUintN(64, BigInt(record.offset));
    return this.index(record.topic, record.partition, Number(offset >> 32n), Number(offset & 0xffffffffn), record.timestamp, record.size, slabId, start, keyLength, valueLength, headersLength);
  }

  /** Writes a stored row's fields into the typed arrays; returns its sequence number. */
  private index(
    topic: string, partition: number, offsetHigh: number, offsetLow: number, timestamp: number, size: number,
    slabId: number, start: number, keyLength: number, valueLength: number, headersLength: number,
  ): number {
    const seq = this.nextSeq++;
    const segmentIndex = Math.floor(seq / SEGMENT_ROWS);
    while (this.firstSegment + this.segments.length <= segmentIndex) this.segments.push(this.freeSegments.pop() ?? new Segment());
    const segment = this.segments[segmentIndex - this.firstSegment] as Segment;
    const i = seq % SEGMENT_ROWS;
    segment.partition[i] = partition;
    segment.topic[i] = this.topicId(topic);
    segment.offsetHigh[i] = offsetHigh;
    segment.offsetLow[i] = offsetLow;
    segment.timestamp[i] = timestamp;
    segment.size[i] = size;
    segment.slab[i] = slabId;
    segment.start[i] = start;
    segment.keyLength[i] = keyLength;
    segment.valueLength[i] = valueLength;
    segment.headersLength[i] = headersLength;
    this.heldBytes += size + ROW_OVERHEAD_BYTES;
    this.addedBytes += size + ROW_OVERHEAD_BYTES;
    return seq;
  }

  private topicId(topic: string): number {
    if (this.topics[this.topics.length - 1] === topic) return this.topics.length - 1;
    let id = this.topicIds.get(topic);
    if (id === undefined) {
      id = this.topics.length;
      this.topics.push(topic);
      this.topicIds.set(topic, id);
    }
    return id;
  }

  /**
   * The id of the open slab, opening another when `rowBytes` do not fit (the full one waits to
   * be sealed). Keeping the newest, it first drops the oldest rows the new one pushes out, so
   * the slab they free is the one reused.
   */
  private slabWithRoom(rowBytes: number): number {
    const last = this.openSlab();
    if (last?.bytes && last.text === undefined && last.used + rowBytes <= last.bytes.length) return this.firstSlab + this.slabs.length - 1;
    if (last) {
      last.endSeq = this.nextSeq;
      // A full slab that stays is sealed now, so its Buffer takes the next rows (fresh memory costs a page fault a page).
      if (last.bytes && last.text === undefined && this.willStay(last)) this.seal(last);
    }
    if (this.whenFull === 'keepNewest') this.pendingEvicted += this.evictToLimits(rowBytes + ROW_OVERHEAD_BYTES);
    const capacity = Math.max(this.nextSlabBytes, rowBytes);
    this.nextSlabBytes = Math.min(this.nextSlabBytes * 2, SLAB_MAX_BYTES);
    const bytes = (capacity === SLAB_MAX_BYTES ? this.pool.pop() : undefined) ?? allocateSlabBytes(capacity);
    this.slabs.push({ bytes, text: undefined, used: 0, endSeq: Number.MAX_SAFE_INTEGER, startTotal: this.addedBytes });
    return this.firstSlab + this.slabs.length - 1;
  }

  private seal(slab: Slab): void {
    const bytes = slab.bytes as Buffer;
    slab.text = bytes.toString('latin1', 0, slab.used);
    slab.bytes = undefined;
    this.recycle(bytes);
  }

  /** Keeps a slab's Buffer for the next slab, or gives its memory back. */
  private recycle(bytes: Buffer): void {
    if (bytes.length === SLAB_MAX_BYTES && this.pool.length < POOLED_SLABS) this.pool.push(bytes);
    else releaseSlabBytes(bytes);
  }

  /** Changes the limits; evicts at once when they shrink. Returns the number evicted. */
  setLimits(limits: BufferLimits): number {
    if (limits.maxRecords < 1 || limits.maxBytes < 1) throw new RangeError('A message buffer needs room for at least one row.');
    this.limits = limits;
    return this.evictToLimits();
  }

  get currentLimits(): BufferLimits {
    return this.limits;
  }

  /** Drops the oldest rows until the limits hold with `comingBytes` more; returns how many. */
  private evictToLimits(comingBytes = 0): number {
    let evicted = 0;
    while (this.size > 0 && (this.size > this.limits.maxRecords || this.heldBytes + comingBytes > this.limits.maxBytes)) {
      this.heldBytes -= (this.segmentOf(this.firstSeq).size[this.firstSeq % SEGMENT_ROWS] as number) + ROW_OVERHEAD_BYTES;
      this.firstSeq++;
      evicted++;
    }
    if (evicted > 0) {
      this.evictedCount += evicted;
      this.matches.dropBelow(this.firstSeq);
      const firstSegment = Math.floor(this.firstSeq / SEGMENT_ROWS);
      if (firstSegment > this.firstSegment) {
        for (const dropped of this.segments.splice(0, firstSegment - this.firstSegment)) {
          if (this.freeSegments.length < POOLED_SEGMENTS) this.freeSegments.push(dropped);
        }
        this.firstSegment = firstSegment;
      }
      let dropSlabs = 0;
      while (dropSlabs < this.slabs.length && (this.slabs[dropSlabs] as Slab).endSeq <= this.firstSeq) dropSlabs++;
      if (this.size === 0) dropSlabs = this.slabs.length;
      if (dropSlabs > 0) {
        for (const dropped of this.slabs.splice(0, dropSlabs)) if (dropped.bytes) this.recycle(dropped.bytes);
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
    return fieldsPass(fields, segment.partition[i] as number, fields.usesOffset ? offsetOf(segment, i) : undefined, segment.timestamp[i] as number);
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
      offset: offsetText(segment, i),
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

  /** Drops every row (their memory given back at once) and restarts the sequence numbers; keeps the filter. */
  clear(): void {
    for (const slab of this.slabs) if (slab.bytes) releaseSlabBytes(slab.bytes);
    for (const bytes of this.pool.splice(0)) releaseSlabBytes(bytes);
    this.segments = [];
    this.firstSegment = 0;
    this.slabs = [];
    this.firstSlab = 0;
    this.nextSlabBytes = SLAB_FIRST_BYTES;
    this.firstSeq = 0;
    this.nextSeq = 0;
    this.heldBytes = 0;
    this.addedBytes = 0;
    this.expectedRows = 0;
    this.unsettled = 0;
    this.pendingEvicted = 0;
    this.evictedCount = 0;
    this.matches.clear();
  }
}

interface ResizableMemory extends ArrayBuffer {
  readonly resizable?: boolean;
  resize?(byteLength: number): void;
}

const ResizableArrayBuffer = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => ResizableMemory;
/** Whether the runtime has resizable ArrayBuffers (Node 20 does). */
const canRelease = typeof (ArrayBuffer.prototype as ResizableMemory).resize === 'function';

/**
 * Memory for a slab that releaseSlabBytes gives back to the system at once, rather than when
 * the garbage collector next runs: a resizable ArrayBuffer, which V8 maps on its own and
 * unmaps as it shrinks. Reading 1,000,000 messages into 256 MB, the slabs a read drops and the
 * Buffers of sealed slabs otherwise waited for the collector (RSS peaked ~100 MB higher) and,
 * from malloc's heap, left holes that stayed in the process after it (~90 MB).
 */
function allocateSlabBytes(capacity: number): Buffer {
  if (!canRelease) return Buffer.allocUnsafeSlow(capacity);
  return Buffer.from(new ResizableArrayBuffer(capacity, { maxByteLength: capacity }), 0, capacity);
}

/** Gives a slab's memory back; the Buffer must not be used after. */
function releaseSlabBytes(bytes: Buffer): void {
  const memory = bytes.buffer as ResizableMemory;
  if (memory.resizable === true) memory.resize?.(0);
}

/** A row's offset. */
function offsetOf(segment: Segment, i: number): bigint {
  return (BigInt(segment.offsetHigh[i] as number) << 32n) | BigInt(segment.offsetLow[i] as number);
}

/** A row's offset as decimal text (through a Number, which is exact below 2^53). */
function offsetText(segment: Segment, i: number): string {
  const high = segment.offsetHigh[i] as number;
  return high < 0x200000 ? String(high * TWO_32 + (segment.offsetLow[i] as number)) : offsetOf(segment, i).toString();
}

/** A little-endian int32 of a slab's header frame. */
function readInt32(slab: Slab, at: number): number {
  if (slab.bytes) return slab.bytes.readInt32LE(at);
  const text = slab.text as string;
  return (text.charCodeAt(at) | (text.charCodeAt(at + 1) << 8) | (text.charCodeAt(at + 2) << 16) | (text.charCodeAt(at + 3) << 24));
}
