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
import { mayBeWireFormat, parseMessageIndexes, parseWireHeader, protobufRanges, describeLookAlike, type WireRange } from './wire';
import { subjectFor, type SchemaCache } from './serdes';
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

/** The wire-format facts of the rows read, by partition and offset. */
export class WireBook {
  private readonly rows = new Map<string, WireRow>();
  /** Rows decoded and rows that could not be. */
  decoded = 0;
  failed = 0;

  static keyOf(partition: number, offset: string): string {
    return `${partition}:${offset}`;
  }

  get(partition: number, offset: string): WireRow | undefined {
    return this.rows.get(WireBook.keyOf(partition, offset));
  }

  set(partition: number, offset: string, row: WireRow): void {
    this.rows.set(WireBook.keyOf(partition, offset), row);
  }

  get size(): number {
    return this.rows.size;
  }

  clear(): void {
    this.rows.clear();
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

/** A record (key, value, headers) copied into one Buffer, with `key` and/or `value` replaced when given. */
function copyRecord(record: RecordCopy, key?: Buffer, value?: Buffer): RecordCopy {
  const keyBytes = key ?? (record.keyLength >= 0 ? record.data.subarray(record.keyStart, record.keyStart + record.keyLength) : undefined);
  const valueBytes = value ?? (record.valueLength >= 0 ? record.data.subarray(record.valueStart, record.valueStart + record.valueLength) : undefined);
  const headers = record.data.subarray(record.headersStart, record.headersEnd);
  const keyLength = keyBytes ? keyBytes.length : -1;
  const valueLength = valueBytes ? valueBytes.length : -1;
  const data = Buffer.allocUnsafe(Math.max(keyLength, 0) + Math.max(valueLength, 0) + headers.length);
  if (keyBytes) keyBytes.copy(data, 0);
  if (valueBytes) valueBytes.copy(data, Math.max(keyLength, 0));
  const headersStart = Math.max(keyLength, 0) + Math.max(valueLength, 0);
  headers.copy(data, headersStart);
  return {
    data,
    baseHigh: record.baseHigh,
    baseLow: record.baseLow,
    offsetDelta: record.offsetDelta,
    timestamp: record.timestamp,
    keyStart: 0,
    keyLength,
    valueStart: Math.max(keyLength, 0),
    valueLength,
    headersStart,
    headersEnd: headersStart + headers.length,
    headerCount: record.headerCount,
  };
}

const TWO_32 = 2 ** 32;

/** The record's offset as a decimal string (as MessageBuffer makes it). */
function offsetOf(record: RecordCopy): string {
  const low = record.baseLow + record.offsetDelta;
  const high = record.baseHigh + Math.floor(low / TWO_32);
  const lowPart = low % TWO_32;
  return high === 0 ? String(lowPart) : (BigInt(high) * BigInt(TWO_32) + BigInt(lowPart)).toString();
}

function schemaIdOf(bytes: Buffer): number {
  return bytes.readUInt32BE(1);
}

/** Decodes one key or value in the wire format with a settled lookup: the JSON bytes to store, or undefined (raw kept) with the reason in the part. */
export function decodeWirePart(cache: SchemaCache, raw: Buffer, where?: { topic: string; part: 'key' | 'value' }): { part: WirePart; json?: Buffer } {
  const header = parseWireHeader(raw);
  if (!header.ok) return { part: { schemaId: -1, ranges: [], raw, reason: header.reason } };
  const lookup = cache.peek(header.schemaId);
  const base: WirePart = { schemaId: header.schemaId, ranges: header.ranges, raw };
  if (!lookup) return { part: { ...base, reason: `Schema id ${header.schemaId} was not looked up.` } };
  if (!lookup.ok) return { part: { ...base, reason: describeLookAlike(header.schemaId, `cannot be decoded: ${lookup.reason}`) } };
  const { schema } = lookup;
  const named = schema.registeredAs && schema.registeredAs.length > 0 ? subjectFor(schema.registeredAs, where?.topic, where?.part ?? 'value') : schema.subject !== undefined ? { subject: schema.subject, version: schema.version } : undefined;
  const known: WirePart = { ...base, schemaType: schema.schemaType, ...(named ? { subject: named.subject, version: named.version } : {}) };
  let payloadStart = header.payloadStart;
  if (schema.schemaType === 'PROTOBUF') {
    const indexes = parseMessageIndexes(raw, header.payloadStart);
    if (!indexes.ok) return { part: { ...known, reason: indexes.reason } };
    known.indexes = indexes.indexes;
    known.ranges = protobufRanges(header, indexes, raw.length);
    payloadStart = indexes.payloadStart;
  }
  try {
    const value = schema.serde.decode(raw.subarray(payloadStart), known.indexes);
    return { part: known, json: Buffer.from(JSON.stringify(value), 'utf8') };
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
    const copy = copyRecord(record);
    if (this.queue.length === 0 && this.settledFor(copy)) return this.addDecoded(partition, copy, headers);
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
    let key: Buffer | undefined;
    let value: Buffer | undefined;
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
    const stored = key || value ? copyRecord(record, key, value) : record;
    if (!this.inner.add(partition, stored as unknown as RecordCursor, headers)) return false;
    this.book.set(partition, offsetOf(record), row);
    if ((row.key?.reason ?? row.value?.reason) !== undefined) this.book.failed++;
    else this.book.decoded++;
    return true;
  }
}

/** For rows read another way (history, tests): the id of bytes in the wire format, or undefined. */
export function wireSchemaId(bytes: Uint8Array | null | undefined): number | undefined {
  return mayBeWireFormat(bytes) ? schemaIdOf(Buffer.from((bytes as Uint8Array).buffer, (bytes as Uint8Array).byteOffset, (bytes as Uint8Array).byteLength)) : undefined;
}
