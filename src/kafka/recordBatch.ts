/**
 * Encodes Kafka record batches (message format v2, the only one Kafka 4 accepts) into one
 * buffer each, sized exactly in advance: the fast path of KafkaService.produce; and walks
 * fetched batches in place, record by record without an object per record: the fast path of
 * the inspector's reads (see "decoding fetched batches" below). Pure: no network, no kafkajs.
 * The layout follows the Kafka protocol guide ("RecordBatch"):
 *
 *   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 = 2 |
 *   crc uint32 (CRC-32C of everything after it) | attributes int16 | lastOffsetDelta int32 |
 *   baseTimestamp int64 | maxTimestamp int64 | producerId int64 | producerEpoch int16 |
 *   baseSequence int32 | recordCount int32 | records (compressed as one block when the
 *   attributes name a codec)
 *
 *   producerId, producerEpoch and baseSequence are -1 unless the producer is idempotent
 *   (ProducerStamp); attributes never mark a batch transactional.
 *
 *   record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
 *   key varint-length bytes | value varint-length bytes | headerCount varint |
 *   (headerKey varint-length utf8 | headerValue varint-length bytes)*
 */
import { buf as crc32c } from 'crc-32/crc32c';

/**
 * The idempotent producer's mark on a batch (KIP-98): the producer id and epoch the broker
 * handed out (InitProducerId) and the sequence number of the batch's first record in its
 * partition. The broker de-duplicates a resent batch by these three.
 */
export interface ProducerStamp {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
}

/** The mark of a producer that is not idempotent: no id, no epoch, no sequence. */
export const NO_PRODUCER: ProducerStamp = { producerId: -1n, producerEpoch: -1, baseSequence: -1 };

/** Sequence numbers are int32 and wrap to 0 after 2^31 - 1, as Kafka's DefaultRecordBatch.incrementSequence does. */
export function incrementSequence(sequence: number, increment: number): number {
  return (sequence + increment) % 2 ** 31;
}

/** A message ready for encoding: text is written as UTF-8, Buffers as they are, null as null. */
export interface BatchRecord {
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers: [string, string | Buffer][];
  timestamp: number;
}

/** Bytes of the batch header before the first record (61). */
export const RECORD_BATCH_OVERHEAD = 61;
const CRC_OFFSET = 17;
const ATTRIBUTES_OFFSET = 21;
const PRODUCER_ID_OFFSET = 43;
const PRODUCER_EPOCH_OFFSET = 51;
const BASE_SEQUENCE_OFFSET = 53;

/** Compression codec ids as the batch attributes carry them. */
export const CODEC_ATTRIBUTE = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

function zigzag(value: number): number {
  // Arithmetic rather than bit operations: timestamp deltas can exceed 32 bits.
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** Bytes a zigzag varint of `value` takes. */
export function varintSize(value: number): number {
  let v = zigzag(value);
  let size = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

function writeVarint(buffer: Buffer, offset: number, value: number): number {
  let v = zigzag(value);
  while (v >= 128) {
    buffer[offset++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buffer[offset++] = v;
  return offset;
}

function byteLength(data: string | Buffer): number {
  return typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
}

function writeBytes(buffer: Buffer, offset: number, data: string | Buffer, length: number): number {
  if (typeof data === 'string') buffer.write(data, offset, length, 'utf8');
  else data.copy(buffer, offset);
  return offset + length;
}

/** Sizes of the parts of one record, computed once and reused when writing. */
interface RecordLayout {
  keyLength: number;
  valueLength: number;
  headerLengths: number[];
  bodyLength: number;
}

function layoutRecord(record: BatchRecord, offsetDelta: number, timestampDelta: number): RecordLayout {
  const keyLength = record.key === null ? -1 : byteLength(record.key);
  const valueLength = record.value === null ? -1 : byteLength(record.value);
  let bodyLength =
    1 +
    varintSize(timestampDelta) +
    varintSize(offsetDelta) +
    varintSize(keyLength) +
    Math.max(keyLength, 0) +
    varintSize(valueLength) +
    Math.max(valueLength, 0) +
    varintSize(record.headers.length);
  const headerLengths: number[] = [];
  for (const [name, value] of record.headers) {
    const nameLength = Buffer.byteLength(name, 'utf8');
    const headerValueLength = byteLength(value);
    headerLengths.push(nameLength, headerValueLength);
    bodyLength += varintSize(nameLength) + nameLength + varintSize(headerValueLength) + headerValueLength;
  }
  return { keyLength, valueLength, headerLengths, bodyLength };
}

/** Bytes one record takes inside a batch (length prefix included); timestamps relative to `baseTimestamp`. */
export function recordSize(record: BatchRecord, offsetDelta: number, baseTimestamp: number): number {
  const { bodyLength } = layoutRecord(record, offsetDelta, record.timestamp - baseTimestamp);
  return varintSize(bodyLength) + bodyLength;
}

/** The sizes of a batch's records, worked out once and reused when writing: typed arrays, no object per record. */
interface BatchLayout {
  keyLengths: Int32Array;
  valueLengths: Int32Array;
  bodyLengths: Int32Array;
  /** Name and value length of every header of every record, in order. */
  headerLengths: number[];
  total: number;
}

/** Lays out every record once. */
function planRecords(records: readonly BatchRecord[], baseTimestamp: number): BatchLayout {
  const count = records.length;
  const keyLengths = new Int32Array(count);
  const valueLengths = new Int32Array(count);
  const bodyLengths = new Int32Array(count);
  const headerLengths: number[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const record = records[i] as BatchRecord;
    const keyLength = record.key === null ? -1 : byteLength(record.key);
    const valueLength = record.value === null ? -1 : byteLength(record.value);
    let bodyLength =
      1 +
      varintSize(record.timestamp - baseTimestamp) +
      varintSize(i) +
      varintSize(keyLength) +
      Math.max(keyLength, 0) +
      varintSize(valueLength) +
      Math.max(valueLength, 0) +
      varintSize(record.headers.length);
    for (const [name, value] of record.headers) {
      const nameLength = Buffer.byteLength(name, 'utf8');
      const headerValueLength = byteLength(value);
      headerLengths.push(nameLength, headerValueLength);
      bodyLength += varintSize(nameLength) + nameLength + varintSize(headerValueLength) + headerValueLength;
    }
    keyLengths[i] = keyLength;
    valueLengths[i] = valueLength;
    bodyLengths[i] = bodyLength;
    total += varintSize(bodyLength) + bodyLength;
  }
  return { keyLengths, valueLengths, bodyLengths, headerLengths, total };
}

/** Writes the records section (no batch header) at `offset`. */
function writeRecords(buffer: Buffer, offset: number, records: readonly BatchRecord[], layout: BatchLayout, baseTimestamp: number): void {
  let h = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as BatchRecord;
    const keyLength = layout.keyLengths[i] as number;
    const valueLength = layout.valueLengths[i] as number;
    offset = writeVarint(buffer, offset, layout.bodyLengths[i] as number);
    buffer[offset++] = 0;
    offset = writeVarint(buffer, offset, record.timestamp - baseTimestamp);
    offset = writeVarint(buffer, offset, i);
    offset = writeVarint(buffer, offset, keyLength);
    if (record.key !== null) offset = writeBytes(buffer, offset, record.key, keyLength);
    offset = writeVarint(buffer, offset, valueLength);
    if (record.value !== null) offset = writeBytes(buffer, offset, record.value, valueLength);
    offset = writeVarint(buffer, offset, record.headers.length);
    for (const [name, value] of record.headers) {
      const nameLength = layout.headerLengths[h++] as number;
      const headerValueLength = layout.headerLengths[h++] as number;
      offset = writeVarint(buffer, offset, nameLength);
      offset = writeBytes(buffer, offset, name, nameLength);
      offset = writeVarint(buffer, offset, headerValueLength);
      offset = writeBytes(buffer, offset, value, headerValueLength);
    }
  }
}

function timestampRange(records: readonly BatchRecord[]): [number, number] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    if (r.timestamp < min) min = r.timestamp;
    if (r.timestamp > max) max = r.timestamp;
  }
  return [min, max];
}

function writeHeader(buffer: Buffer, count: number, codec: number, baseTimestamp: number, maxTimestamp: number, producer: ProducerStamp): void {
  buffer.writeBigInt64BE(0n, 0); // baseOffset: the broker assigns offsets
  buffer.writeInt32BE(buffer.length - 12, 8); // batchLength: bytes after this field
  buffer.writeInt32BE(-1, 12); // partitionLeaderEpoch
  buffer.writeInt8(2, 16); // magic
  buffer.writeInt16BE(codec, ATTRIBUTES_OFFSET); // attributes: codec, create time, not transactional
  buffer.writeInt32BE(count - 1, 23); // lastOffsetDelta
  buffer.writeBigInt64BE(BigInt(baseTimestamp), 27);
  buffer.writeBigInt64BE(BigInt(maxTimestamp), 35);
  buffer.writeInt32BE(count, 57); // record count
  stampRecordBatch(buffer, producer);
}

/**
 * Writes producer id, epoch and base sequence into an encoded batch and renews its CRC
 * (which covers them). The producer restamps a batch it must resend under a new epoch or
 * with a new sequence; it never changes anything else.
 */
export function stampRecordBatch(batch: Buffer, producer: ProducerStamp): void {
  batch.writeBigInt64BE(producer.producerId, PRODUCER_ID_OFFSET);
  batch.writeInt16BE(producer.producerEpoch, PRODUCER_EPOCH_OFFSET);
  batch.writeInt32BE(producer.baseSequence, BASE_SEQUENCE_OFFSET);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET)) >>> 0, CRC_OFFSET);
}

/** The producer fields of an encoded batch, as the broker reads them. */
export function readBatchProducer(batch: Buffer): ProducerStamp {
  return {
    producerId: batch.readBigInt64BE(PRODUCER_ID_OFFSET),
    producerEpoch: batch.readInt16BE(PRODUCER_EPOCH_OFFSET),
    baseSequence: batch.readInt32BE(BASE_SEQUENCE_OFFSET),
  };
}

/** Encodes an uncompressed batch in one allocation. `records` must not be empty. */
export function encodeRecordBatch(records: readonly BatchRecord[], producer: ProducerStamp = NO_PRODUCER): Buffer {
  if (records.length === 0) throw new RangeError('A record batch needs at least one record.');
  const [baseTimestamp, maxTimestamp] = timestampRange(records);
  const layout = planRecords(records, baseTimestamp);
  const buffer = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + layout.total);
  writeRecords(buffer, RECORD_BATCH_OVERHEAD, records, layout, baseTimestamp);
  writeHeader(buffer, records.length, CODEC_ATTRIBUTE.none, baseTimestamp, maxTimestamp, producer);
  return buffer;
}

/**
 * Encodes a compressed batch: the records section is compressed as one block by `compress`
 * (gzip, snappy, lz4 frame or zstd, matching `codec`).
 */
export async function encodeCompressedRecordBatch(
  records: readonly BatchRecord[],
  codec: number,
  compress: (data: Buffer) => Promise<Buffer>,
  producer: ProducerStamp = NO_PRODUCER,
): Promise<Buffer> {
  if (records.length === 0) throw new RangeError('A record batch needs at least one record.');
  const [baseTimestamp, maxTimestamp] = timestampRange(records);
  const layout = planRecords(records, baseTimestamp);
  const plain = Buffer.allocUnsafe(layout.total);
  writeRecords(plain, 0, records, layout, baseTimestamp);
  const compressed = await compress(plain);
  const buffer = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + compressed.length);
  compressed.copy(buffer, RECORD_BATCH_OVERHEAD);
  writeHeader(buffer, records.length, codec, baseTimestamp, maxTimestamp, producer);
  return buffer;
}

// ---------------------------------------------------------------- decoding fetched batches
//
// The read side, used by the partition reader: it walks the record batches of a fetched
// record set in place, without an object per record. A batch's header is read into a plain
// object (one per batch); its records are visited by one RecordCursor whose fields say where
// the current record's key, value and headers lie in the bytes, so a reader copies them
// straight to where they go (the inspector's MessageBuffer slabs).

/** Batch attribute bits (message format v2). */
export const BATCH_COMPRESSION_MASK = 0x07;
const BATCH_LOG_APPEND_TIME = 0x08;
const BATCH_TRANSACTIONAL = 0x10;
const BATCH_CONTROL = 0x20;
/** offset int64 | length int32: the framing of a v2 batch and of a v0/v1 message alike. */
const LOG_ENTRY_OVERHEAD = 12;
const MAGIC_OFFSET = 16;

/** The header of one complete batch in fetched bytes. */
export interface FetchedBatch {
  /** Where the batch starts in the data, and where the next one starts. */
  start: number;
  end: number;
  /** 2 for a record batch; 0 or 1 for a message of the old format (the other fields are then unset). */
  magic: number;
  baseOffset: bigint;
  lastOffsetDelta: number;
  attributes: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  recordCount: number;
  /** Where the records (compressed or not) lie in the data. */
  recordsStart: number;
}

/** Codec id of a batch (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
export function batchCodec(batch: FetchedBatch): number {
  return batch.attributes & BATCH_COMPRESSION_MASK;
}

export function isTransactionalBatch(batch: FetchedBatch): boolean {
  return (batch.attributes & BATCH_TRANSACTIONAL) !== 0;
}

export function isControlBatch(batch: FetchedBatch): boolean {
  return (batch.attributes & BATCH_CONTROL) !== 0;
}

/** The offset after the batch's last record (records compacted away included). */
export function batchNextOffset(batch: FetchedBatch): bigint {
  return batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n;
}

/** A 64-bit big-endian integer as a Number (exact below 2^53: timestamps). */
function readInt64Number(data: Buffer, at: number): number {
  return data.readInt32BE(at) * 4294967296 + data.readUInt32BE(at + 4);
}

/**
 * The batch that starts at `at`, or undefined when the data ends inside it: a fetch answer
 * may end with part of a batch (the broker cuts at the byte limit). Throws for a length that
 * cannot be a batch.
 */
export function readFetchedBatch(data: Buffer, at: number, end = data.length): FetchedBatch | undefined {
  if (end - at < LOG_ENTRY_OVERHEAD) return undefined;
  const length = data.readInt32BE(at + 8);
  if (length < 0) throw new RangeError(`A record batch at byte ${at} has the length ${length}.`);
  const batchEnd = at + LOG_ENTRY_OVERHEAD + length;
  if (batchEnd > end || end - at <= MAGIC_OFFSET) return undefined;
  const magic = data.readInt8(at + MAGIC_OFFSET);
  const baseOffset = data.readBigInt64BE(at);
  if (magic < 2) {
    return { start: at, end: batchEnd, magic, baseOffset, lastOffsetDelta: 0, attributes: 0, baseTimestamp: 0, maxTimestamp: 0, producerId: -1n, recordCount: 0, recordsStart: at + LOG_ENTRY_OVERHEAD };
  }
  if (length < RECORD_BATCH_OVERHEAD - LOG_ENTRY_OVERHEAD) throw new RangeError(`A record batch at byte ${at} is ${length} bytes long, shorter than its header.`);
  return {
    start: at,
    end: batchEnd,
    magic,
    baseOffset,
    lastOffsetDelta: data.readInt32BE(at + 23),
    attributes: data.readInt16BE(at + ATTRIBUTES_OFFSET),
    baseTimestamp: readInt64Number(data, at + 27),
    maxTimestamp: readInt64Number(data, at + 35),
    producerId: data.readBigInt64BE(at + PRODUCER_ID_OFFSET),
    recordCount: data.readInt32BE(at + 57),
    recordsStart: at + RECORD_BATCH_OVERHEAD,
  };
}

/** Whether a control batch's record marks the end of an aborted transaction (its key: version int16, type int16 = 0). */
export function isAbortMarker(cursor: RecordCursor): boolean {
  return cursor.keyLength >= 4 && cursor.data.readInt16BE(cursor.keyStart + 2) === 0;
}

/**
 * Walks the records of one batch. After next() returns true its fields describe the record:
 * offset and timestamp (from the batch's base and the record's deltas) and where its key,
 * value and headers lie in `data` (-1 lengths for a null key or value). One cursor serves
 * every batch of a read, so walking allocates nothing.
 */
export class RecordCursor {
  data: Buffer = Buffer.alloc(0);
  /** The batch's base offset as two unsigned 32-bit halves; the record's offset is base + offsetDelta (see offset()). */
  baseHigh = 0;
  baseLow = 0;
  offsetDelta = 0;
  timestamp = 0;
  keyStart = 0;
  keyLength = -1;
  valueStart = 0;
  valueLength = -1;
  headersStart = 0;
  headersEnd = 0;
  headerCount = 0;
  private at = 0;
  private end = 0;
  private left = 0;
  private baseTimestamp = 0;
  private fixedTimestamp: number | undefined;

  /** Starts on the records of `batch`, which lie in `data` from `start` to `end` (the decompressed bytes for a compressed batch). */
  reset(batch: FetchedBatch, data: Buffer, start: number, end: number): void {
    this.data = data;
    this.at = start;
    this.end = end;
    this.left = batch.recordCount;
    this.baseHigh = Number(BigInt.asUintN(64, batch.baseOffset) >> 32n);
    this.baseLow = Number(BigInt.asUintN(32, batch.baseOffset));
    this.baseTimestamp = batch.baseTimestamp;
    this.fixedTimestamp = (batch.attributes & BATCH_LOG_APPEND_TIME) !== 0 ? batch.maxTimestamp : undefined;
  }

  /**
   * Puts the cursor on one message of the pre-0.11 format (kafkajs decoded it): its key and
   * value copied into `data`, no headers. For the rare old topic; the fast path is next().
   */
  setLegacy(offset: bigint, timestamp: number, key: Buffer | null, value: Buffer | null): void {
    this.data = Buffer.concat([key ?? Buffer.alloc(0), value ?? Buffer.alloc(0)]);
    this.baseHigh = Number(BigInt.asUintN(64, offset) >> 32n);
    this.baseLow = Number(BigInt.asUintN(32, offset));
    this.offsetDelta = 0;
    this.timestamp = timestamp;
    this.keyStart = 0;
    this.keyLength = key ? key.length : -1;
    this.valueStart = key ? key.length : 0;
    this.valueLength = value ? value.length : -1;
    this.headersStart = this.data.length;
    this.headersEnd = this.data.length;
    this.headerCount = 0;
    this.left = 0;
  }

  /** The record's offset (a BigInt: for the rows someone looks at, not for every record). */
  offset(): bigint {
    return ((BigInt(this.baseHigh) << 32n) | BigInt(this.baseLow)) + BigInt(this.offsetDelta);
  }

  /** Moves to the next record; false when the batch has no more. Throws for bytes that are not a record. */
  next(): boolean {
    if (this.left <= 0 || this.at >= this.end) return false;
    this.left--;
    const length = this.varint(this.end);
    const recordEnd = this.at + length;
    if (length < 0 || recordEnd > this.end) throw new RangeError(`A record of ${length} bytes runs past the end of its batch.`);
    this.at++; // attributes, unused
    const timestampDelta = this.varint(recordEnd);
    this.timestamp = this.fixedTimestamp ?? this.baseTimestamp + timestampDelta;
    this.offsetDelta = this.varint(recordEnd);
    this.keyLength = this.varint(recordEnd);
    this.keyStart = this.at;
    if (this.keyLength > 0) this.at += this.keyLength;
    this.valueLength = this.varint(recordEnd);
    this.valueStart = this.at;
    if (this.valueLength > 0) this.at += this.valueLength;
    this.headerCount = this.varint(recordEnd);
    this.headersStart = this.at;
    this.headersEnd = recordEnd;
    if (this.at > recordEnd || this.headerCount < 0) throw new RangeError('A record\'s key, value or headers run past the record\'s end.');
    this.at = recordEnd;
    return true;
  }

  /** A zigzag varint or varlong (exact to 2^53). */
  private varint(limit: number): number {
    const data = this.data;
    let at = this.at;
    if (at >= limit) throw new RangeError('A record ends inside a number.');
    let byte = data[at++] as number;
    if (byte < 0x80) {
      this.at = at;
      return (byte >>> 1) ^ -(byte & 1);
    }
    let value = byte & 0x7f;
    let scale = 128;
    do {
      if (at >= limit || scale > 2 ** 63) throw new RangeError('A record ends inside a number.');
      byte = data[at++] as number;
      value += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte >= 0x80);
    this.at = at;
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  }
}

/** Walks the headers of the record a RecordCursor is on: name and value positions in `data`. */
export class HeaderCursor {
  data: Buffer = Buffer.alloc(0);
  nameStart = 0;
  nameLength = 0;
  valueStart = 0;
  /** -1 for a null value. */
  valueLength = -1;
  private at = 0;
  private end = 0;
  private left = 0;

  reset(record: RecordCursor): void {
    this.data = record.data;
    this.at = record.headersStart;
    this.end = record.headersEnd;
    this.left = record.headerCount;
  }

  next(): boolean {
    if (this.left <= 0) return false;
    this.left--;
    this.nameLength = this.varint();
    this.nameStart = this.at;
    this.at += Math.max(this.nameLength, 0);
    this.valueLength = this.varint();
    this.valueStart = this.at;
    this.at += Math.max(this.valueLength, 0);
    if (this.at > this.end || this.nameLength < 0) throw new RangeError('A record header runs past the record\'s end.');
    return true;
  }

  private varint(): number {
    let value = 0;
    let scale = 1;
    let byte: number;
    do {
      if (this.at >= this.end || scale > 2 ** 35) throw new RangeError('A record header ends inside a number.');
      byte = this.data[this.at++] as number;
      value += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte >= 0x80);
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  }
}

/** Where a read puts records as it decodes them, without an object per record. */
export interface RecordSink {
  /**
   * Takes the record `record` is on, of `partition` (its headers through `headers`, which
   * the sink may reset on it). Returns false when it has no room for it: nothing was taken,
   * and the read stops there.
   */
  add(partition: number, record: RecordCursor, headers: HeaderCursor): boolean;
  /** Called after the records of each fetch answer were added. */
  flush(): void;
  /** How many more records the read expects to bring (before its end offsets); not called when following. */
  expect?(records: number): void;
}
