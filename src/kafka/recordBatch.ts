/**
 * Encodes Kafka record batches (message format v2, the only one Kafka 4 accepts) into one
 * buffer each, sized exactly in advance: the fast path of KafkaService.produce. Pure: no
 * network, no kafkajs. The layout follows the Kafka protocol guide ("RecordBatch"):
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

/** Lays out every record once: the sizes are reused when writing. */
function planRecords(records: readonly BatchRecord[], baseTimestamp: number): { layouts: RecordLayout[]; total: number } {
  const layouts: RecordLayout[] = new Array<RecordLayout>(records.length);
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as BatchRecord;
    const layout = layoutRecord(record, i, record.timestamp - baseTimestamp);
    layouts[i] = layout;
    total += varintSize(layout.bodyLength) + layout.bodyLength;
  }
  return { layouts, total };
}

/** Writes the records section (no batch header) at `offset`. */
function writeRecords(buffer: Buffer, offset: number, records: readonly BatchRecord[], layouts: readonly RecordLayout[], baseTimestamp: number): void {
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as BatchRecord;
    const layout = layouts[i] as RecordLayout;
    offset = writeVarint(buffer, offset, layout.bodyLength);
    buffer[offset++] = 0;
    offset = writeVarint(buffer, offset, record.timestamp - baseTimestamp);
    offset = writeVarint(buffer, offset, i);
    offset = writeVarint(buffer, offset, layout.keyLength);
    if (record.key !== null) offset = writeBytes(buffer, offset, record.key, layout.keyLength);
    offset = writeVarint(buffer, offset, layout.valueLength);
    if (record.value !== null) offset = writeBytes(buffer, offset, record.value, layout.valueLength);
    offset = writeVarint(buffer, offset, record.headers.length);
    for (let h = 0; h < record.headers.length; h++) {
      const [name, value] = record.headers[h] as [string, string | Buffer];
      const nameLength = layout.headerLengths[2 * h] as number;
      const headerValueLength = layout.headerLengths[2 * h + 1] as number;
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
  const { layouts, total } = planRecords(records, baseTimestamp);
  const buffer = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + total);
  writeRecords(buffer, RECORD_BATCH_OVERHEAD, records, layouts, baseTimestamp);
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
  const { layouts, total } = planRecords(records, baseTimestamp);
  const plain = Buffer.allocUnsafe(total);
  writeRecords(plain, 0, records, layouts, baseTimestamp);
  const compressed = await compress(plain);
  const buffer = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + compressed.length);
  compressed.copy(buffer, RECORD_BATCH_OVERHEAD);
  writeHeader(buffer, records.length, codec, baseTimestamp, maxTimestamp, producer);
  return buffer;
}
