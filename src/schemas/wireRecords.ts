/**
 * Schema'd records on their way into the inspector's buffer. A RecordSink in front of the
 * buffer's own: a record whose key or value is in the Confluent wire format is decoded with
 * its schema (SchemaCache: one lookup per schema id) and goes into the buffer as the JSON text
 * of its decoded form, so the table, the search and the export all see the decoded JSON; the
 * original bytes, where each part of the wire format lies, the schema id, subject and version
 * are kept beside it (WireBook) for the schema columns and the byte view. A record that cannot
 * be decoded goes in as it came, with the reason kept: unknown id, registry down, truncated,
 * bytes that only look like the wire format.
 *
 * Lookups are asynchronous and a sink is not: while a schema id is being looked up, records
 * wait in order in a queue (copies of their bytes) and are added once it is known; records
 * that are not schema'd pass straight through when nothing waits. drained() resolves when the
 * queue is empty, so a read ends only once all its records are in. No vscode import.
 */
import type { HeaderCursor, RecordCursor, RecordSink } from '../kafka/recordBatch';
import { mayBeWireFormat, parseMessageIndexes, parseWireHeader, protobufRanges, describeLookAlike, WIRE_HEADER_BYTES, type WireParse, type WireRange } from './wire';
import { subjectFor, type ResolvedSchema, type SchemaCache } from './serdes';
import type { SchemaType } from './types';

/** What is known about a key or a value in the wire format. */
export interface WirePart {
  schemaId: number;
  schemaType?: SchemaType;
  subject?: string;
  version?: number;
  indexes?: number[];
  /** Where the magic byte, the id, the indexes and the payload lie in `raw`. */
  ranges: WireRange[];
  /** The bytes as they were read. */
  raw: Buffer;
  /** Set when the bytes could not be decoded: why. The buffer then holds the raw bytes. */
  reason?: string;
}

export interface WireRow {
  key?: WirePart;
  value?: WirePart;
}

/** One partition's rows: offsets from `base` on in a dense array (a read brings them in order), others in a map. */
interface PartitionRows {
  base: number;
  dense: (WireRow | undefined)[];
  sparse: Map<number | string, WireRow>;
}

/**
 * The wire-format facts of the rows read, by partition and offset. A read brings each
 * partition's offsets in order, so they are kept in an array from the first one (no key
 * string or hash per row); offsets out of that run, and offsets beyond 2^53, in a map.
 */
export class WireBook {
  private readonly partitions = new Map<number, PartitionRows>();
  private count = 0;
  /** Rows decoded and rows that could not be. */
  decoded = 0;
  failed = 0;

  private static keyOf(offset: string): number | string {
    const n = Number(offset);
    return Number.isSafeInteger(n) ? n : offset;
  }

  get(partition: number, offset: string): WireRow | undefined {
    const rows = this.partitions.get(partition);
    if (!rows) return undefined;
    const key = WireBook.keyOf(offset);
    if (typeof key === 'number') {
      const at = key - rows.base;
      if (at >= 0 && at < rows.dense.length) return rows.dense[at];
    }
    return rows.sparse.get(key);
  }

  set(partition: number, offset: string, row: WireRow): void {
    this.setAt(partition, WireBook.keyOf(offset), row);
  }

  /** set() with the offset as a safe integer (or its text beyond 2^53). */
  setAt(partition: number, key: number | string, row: WireRow): void {
    let rows = this.partitions.get(partition);
    if (!rows) {
      rows = { base: typeof key === 'number' ? key : 0, dense: [], sparse: new Map() };
      this.partitions.set(partition, rows);
    }
    if (typeof key === 'number') {
      const at = key - rows.base;
      if (at === rows.dense.length && !rows.sparse.has(key)) {
        rows.dense.push(row);
        this.count++;
        return;
      }
      if (at >= 0 && at < rows.dense.length) {
        if (rows.dense[at] === undefined) this.count++;
        rows.dense[at] = row;
        return;
      }
    }
    const before = rows.sparse.size;
    rows.sparse.set(key, row);
    this.count += rows.sparse.size - before;
  }

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.partitions.clear();
    this.count = 0;
    this.decoded = 0;
    this.failed = 0;
  }
}

/** The fields of a RecordCursor a buffer reads, over bytes of its own. */
interface RecordCopy {
  data: Buffer;
  baseHigh: number;
  baseLow: number;
  offsetDelta: number;
  timestamp: number;
  keyStart: number;
  keyLength: number;
  valueStart: number;
  valueLength: number;
  headersStart: number;
  headersEnd: number;
  headerCount: number;
}

/** A record (key, value, headers) copied into one Buffer of its own (a record that waits in the queue). */
function copyRecord(record: RecordCopy): RecordCopy {
  const keyLength = record.keyLength;
  const valueLength = record.valueLength;
  const data = Buffer.allocUnsafe(Math.max(keyLength, 0) + Math.max(valueLength, 0) + (record.headersEnd - record.headersStart));
  if (keyLength > 0) record.data.copy(data, 0, record.keyStart, record.keyStart + keyLength);
  const valueStart = Math.max(keyLength, 0);
  if (valueLength > 0) record.data.copy(data, valueStart, record.valueStart, record.valueStart + valueLength);
  const headersStart = valueStart + Math.max(valueLength, 0);
  record.data.copy(data, headersStart, record.headersStart, record.headersEnd);
  return {
    data,
    baseHigh: record.baseHigh,
    baseLow: record.baseLow,
    offsetDelta: record.offsetDelta,
    timestamp: record.timestamp,
    keyStart: 0,
    keyLength,
    valueStart,
    valueLength,
    headersStart,
    headersEnd: headersStart + (record.headersEnd - record.headersStart),
    headerCount: record.headerCount,
  };
}

/**
 * The record with `key` and/or `value` replaced (decoded JSON text), written into `scratch`
 * (grown when needed) and described by `into`: both are reused for every record, since the
 * sink behind copies what it keeps (as it must for the reader's cursor).
 */
function replacedInto(scratch: { bytes: Buffer }, into: RecordCopy, record: RecordCopy, key: string | undefined, value: string | undefined): RecordCopy {
  const keyLength = key !== undefined ? Buffer.byteLength(key, 'utf8') : record.keyLength;
  const valueLength = value !== undefined ? Buffer.byteLength(value, 'utf8') : record.valueLength;
  const headersLength = record.headersEnd - record.headersStart;
  const size = Math.max(keyLength, 0) + Math.max(valueLength, 0) + headersLength;
  if (scratch.bytes.length < size) scratch.bytes = Buffer.allocUnsafe(Math.max(size, scratch.bytes.length * 2, 64 * 1024));
  const data = scratch.bytes;
  if (key !== undefined) data.write(key, 0, 'utf8');
  else if (keyLength > 0) record.data.copy(data, 0, record.keyStart, record.keyStart + keyLength);
  const valueStart = Math.max(keyLength, 0);
  if (value !== undefined) data.write(value, valueStart, 'utf8');
  else if (valueLength > 0) record.data.copy(data, valueStart, record.valueStart, record.valueStart + valueLength);
  const headersStart = valueStart + Math.max(valueLength, 0);
  if (headersLength > 0) record.data.copy(data, headersStart, record.headersStart, record.headersEnd);
  into.data = data;
  into.baseHigh = record.baseHigh;
  into.baseLow = record.baseLow;
  into.offsetDelta = record.offsetDelta;
  into.timestamp = record.timestamp;
  into.keyStart = 0;
  into.keyLength = keyLength;
  into.valueStart = valueStart;
  into.valueLength = valueLength;
  into.headersStart = headersStart;
  into.headersEnd = headersStart + headersLength;
  into.headerCount = record.headerCount;
  return into;
}

const TWO_32 = 2 ** 32;

/** The record's offset as a number when it is below 2^53, else as its decimal text (WireBook's key). */
function offsetKeyOf(record: RecordCopy): number | string {
  const low = record.baseLow + record.offsetDelta;
  const high = record.baseHigh + Math.floor(low / TWO_32);
  const lowPart = low % TWO_32;
  if (high < 2 ** 21) return high * TWO_32 + lowPart;
  return (BigInt(high) * BigInt(TWO_32) + BigInt(lowPart)).toString();
}

function schemaIdOf(bytes: Buffer): number {
  return bytes.readUInt32BE(1);
}

/** The subject and version to name for a schema read from a topic's key or value (see subjectFor), worked out once per schema, topic and part. */
const namedFor = new WeakMap<ResolvedSchema, Map<string, { subject: string; version: number | undefined } | undefined>>();

function subjectNamed(schema: ResolvedSchema, where?: { topic: string; part: 'key' | 'value' }): { subject: string; version: number | undefined } | undefined {
  let byPlace = namedFor.get(schema);
  if (!byPlace) {
    byPlace = new Map();
    namedFor.set(schema, byPlace);
  }
  const place = where ? `${where.part}\u0000${where.topic}` : '';
  if (byPlace.has(place)) return byPlace.get(place);
  const named = schema.registeredAs && schema.registeredAs.length > 0 ? subjectFor(schema.registeredAs, where?.topic, where?.part ?? 'value') : schema.subject !== undefined ? { subject: schema.subject, version: schema.version } : undefined;
  const result = named ? { subject: named.subject, version: named.version } : undefined;
  byPlace.set(place, result);
  return result;
}

/** Parsed headers of well-formed parts by schema id and length: rows alike share one (frozen) set of ranges. */
const headers = new Map<number, WireParse>();
const HEADERS_KEPT = 4096;

/** parseWireHeader, shared between parts of the same schema id and length (the byte view only reads the ranges). */
function headerOf(raw: Buffer): WireParse {
  if (raw.length < WIRE_HEADER_BYTES || raw[0] !== 0 || raw.length >= 65_536) return parseWireHeader(raw);
  const key = raw.readUInt32BE(1) * 65_536 + raw.length;
  let header = headers.get(key);
  if (!header) {
    header = parseWireHeader(raw);
    if (header.ok) {
      for (const range of header.ranges) Object.freeze(range);
      Object.freeze(header.ranges);
    }
    if (headers.size >= HEADERS_KEPT) headers.clear();
    headers.set(key, header);
  }
  return header;
}

/** Decodes one key or value in the wire format with a settled lookup: the JSON text to store, or undefined (raw kept) with the reason in the part. */
export function decodeWirePart(cache: SchemaCache, raw: Buffer, where?: { topic: string; part: 'key' | 'value' }): { part: WirePart; json?: string } {
  const header = headerOf(raw);
  if (!header.ok) return { part: { schemaId: -1, ranges: [], raw, reason: header.reason } };
  const lookup = cache.peek(header.schemaId);
  const base: WirePart = { schemaId: header.schemaId, ranges: header.ranges, raw };
  if (!lookup) return { part: { ...base, reason: `Schema id ${header.schemaId} was not looked up.` } };
  if (!lookup.ok) return { part: { ...base, reason: describeLookAlike(header.schemaId, `cannot be decoded: ${lookup.reason}`) } };
  const { schema } = lookup;
  const named = subjectNamed(schema, where);
  // One shape for every decoded part (no spreads): rows by the hundred thousand.
  const known: WirePart = named
    ? { schemaId: header.schemaId, ranges: header.ranges, raw, schemaType: schema.schemaType, subject: named.subject, version: named.version }
    : { schemaId: header.schemaId, ranges: header.ranges, raw, schemaType: schema.schemaType };
  let payloadStart = header.payloadStart;
  if (schema.schemaType === 'PROTOBUF') {
    const indexes = parseMessageIndexes(raw, header.payloadStart);
    if (!indexes.ok) return { part: { ...known, reason: indexes.reason } };
    known.indexes = indexes.indexes;
    known.ranges = protobufRanges(header, indexes, raw.length);
    payloadStart = indexes.payloadStart;
  }
  try {
    return { part: known, json: schema.serde.decodeText(raw.subarray(payloadStart), known.indexes) };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { part: { ...known, reason: describeLookAlike(header.schemaId, `do not decode with its ${schema.schemaType} schema${named ? ` (${named.subject} v${named.version ?? '?'})` : ''}: ${why}`) } };
  }
}

/**
 * A RecordSink that decodes schema'd records into `inner` (the buffer's sink) and notes their
 * wire-format facts in `book`. `onChange` runs when queued records were added after a lookup.
 */
export class SchemaDecodingSink implements RecordSink {
  private readonly queue: RecordCopy[] = [];
  private partitionQueue: number[] = [];
  private waiting: Promise<void> | undefined;
  private flushWanted = false;
  private stopped = false;
  private readonly idle: (() => void)[] = [];
  /** Where a decoded record is written for the sink behind (reused: it copies what it keeps). */
  private readonly scratch = { bytes: Buffer.allocUnsafe(0) };
  private readonly stored: RecordCopy = { data: Buffer.allocUnsafe(0), baseHigh: 0, baseLow: 0, offsetDelta: 0, timestamp: 0, keyStart: 0, keyLength: -1, valueStart: 0, valueLength: -1, headersStart: 0, headersEnd: 0, headerCount: 0 };

  constructor(
    private readonly inner: RecordSink,
    private readonly cache: SchemaCache,
    private readonly book: WireBook,
    private readonly onChange: () => void,
    /** The topic read, to name the subject a schema id was written under (see subjectFor). */
    private readonly topic?: string,
  ) {}

  add(partition: number, record: RecordCursor, headers: HeaderCursor): boolean {
    if (this.stopped) return false;
    const { data } = record;
    const keyWire = record.keyLength >= 1 && data[record.keyStart] === 0;
    const valueWire = record.valueLength >= 1 && data[record.valueStart] === 0;
    if (!keyWire && !valueWire && this.queue.length === 0) return this.inner.add(partition, record, headers);
    // Schema ids known (the usual case after the first record): decoded from the reader's bytes, no copy first.
    if (this.queue.length === 0 && this.settledFor(record)) return this.addDecoded(partition, record, headers);
    const copy = copyRecord(record);
    this.queue.push(copy);
    this.partitionQueue.push(partition);
    this.startLookups(copy);
    this.drainSoon(headers);
    return true;
  }

  flush(): void {
    if (this.queue.length > 0) this.flushWanted = true;
    else this.inner.flush();
  }

  expect(records: number): void {
    this.inner.expect?.(records);
  }

  /** Resolves when every record taken is in the buffer. */
  drained(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Drops what waits (a read replaced by another). */
  cancel(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.partitionQueue = [];
    for (const resolve of this.idle.splice(0)) resolve();
  }

  /** The schema ids of a record's wire-format parts (at least 5 bytes starting with 0). */
  private idsOf(record: RecordCopy): number[] {
    const ids: number[] = [];
    if (record.keyLength >= 5 && record.data[record.keyStart] === 0) ids.push(record.data.readUInt32BE(record.keyStart + 1));
    if (record.valueLength >= 5 && record.data[record.valueStart] === 0) ids.push(record.data.readUInt32BE(record.valueStart + 1));
    return ids;
  }

  private settledFor(record: RecordCopy): boolean {
    return this.idsOf(record).every((id) => this.cache.peek(id) !== undefined);
  }

  private startLookups(record: RecordCopy): void {
    for (const id of this.idsOf(record)) if (this.cache.peek(id) === undefined) void this.cache.lookup(id);
  }

  private drainSoon(headers: HeaderCursor): void {
    if (this.waiting) return;
    const next = this.queue[0];
    if (!next) return;
    const ids = this.idsOf(next).filter((id) => this.cache.peek(id) === undefined);
    this.waiting = Promise.all(ids.map((id) => this.cache.lookup(id))).then(() => {
      this.waiting = undefined;
      if (this.stopped) return;
      let added = false;
      while (this.queue.length > 0 && this.settledFor(this.queue[0] as RecordCopy)) {
        const record = this.queue.shift() as RecordCopy;
        const partition = this.partitionQueue.shift() as number;
        if (!this.addDecoded(partition, record, headers)) {
          this.stopped = true;
          this.queue.length = 0;
          this.partitionQueue = [];
          break;
        }
        added = true;
      }
      if (this.queue.length > 0) {
        this.drainSoon(headers);
        return;
      }
      if (this.flushWanted || added) {
        this.flushWanted = false;
        this.inner.flush();
      }
      for (const resolve of this.idle.splice(0)) resolve();
      this.onChange();
    });
  }

  /** Adds a record whose schema ids are all settled: decoded where it can be, raw with the reason where not. */
  private addDecoded(partition: number, record: RecordCopy, headers: HeaderCursor): boolean {
    const row: WireRow = {};
    let key: string | undefined;
    let value: string | undefined;
    if (record.keyLength >= 1 && record.data[record.keyStart] === 0) {
      const raw = Buffer.from(record.data.subarray(record.keyStart, record.keyStart + record.keyLength));
      const decoded = decodeWirePart(this.cache, raw, this.topic !== undefined ? { topic: this.topic, part: 'key' } : undefined);
      row.key = decoded.part;
      key = decoded.json;
    }
    if (record.valueLength >= 1 && record.data[record.valueStart] === 0) {
      const raw = Buffer.from(record.data.subarray(record.valueStart, record.valueStart + record.valueLength));
      const decoded = decodeWirePart(this.cache, raw, this.topic !== undefined ? { topic: this.topic, part: 'value' } : undefined);
      row.value = decoded.part;
      value = decoded.json;
    }
    const stored = key !== undefined || value !== undefined ? replacedInto(this.scratch, this.stored, record, key, value) : record;
    if (!this.inner.add(partition, stored as unknown as RecordCursor, headers)) return false;
    this.book.setAt(partition, offsetKeyOf(record), row);
    if ((row.key?.reason ?? row.value?.reason) !== undefined) this.book.failed++;
    else this.book.decoded++;
    return true;
  }
}

/** For rows read another way (history, tests): the id of bytes in the wire format, or undefined. */
export function wireSchemaId(bytes: Uint8Array | null | undefined): number | undefined {
  return mayBeWireFormat(bytes) ? schemaIdOf(Buffer.from((bytes as Uint8Array).buffer, (bytes as Uint8Array).byteOffset, (bytes as Uint8Array).byteLength)) : undefined;
}
