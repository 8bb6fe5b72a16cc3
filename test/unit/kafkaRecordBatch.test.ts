// The record-batch encoder checked against kafkajs's own decoder and CRC implementation,
// an independent reading of the Kafka protocol.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { compressorFor, registerKafkajsCodecs } from '../../src/kafka/compression';
import { encodeCompressedRecordBatch, encodeRecordBatch, RECORD_BATCH_OVERHEAD, recordSize, varintSize, type BatchRecord } from '../../src/kafka/recordBatch';

const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{
  firstOffset: string;
  lastOffsetDelta: number;
  firstTimestamp: string;
  maxTimestamp: string;
  records: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | Buffer[]> }[];
}>;
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;

const records: BatchRecord[] = [
  { key: 'order:1', value: '{"id":1}', headers: [['source', 'workbench'], ['bin', Buffer.from([0, 255])]], timestamp: 1_700_000_000_000 },
  { key: null, value: Buffer.from([0xff, 0xfe, 0x00]), headers: [], timestamp: 1_700_000_000_250 },
  { key: 'ключ', value: null, headers: [['data_type', 'order']], timestamp: 1_699_999_999_000 },
  { key: 'big', value: 'x'.repeat(70_000), headers: [], timestamp: 1_700_000_100_000 },
];

async function roundTrip(batch: Buffer) {
  return decodeBatch(new Decoder(batch));
}

describe('record batch encoding', () => {
  it('writes a batch that kafkajs decodes back to the same records', async () => {
    const batch = encodeRecordBatch(records);
    const decoded = await roundTrip(batch);
    assert.equal(decoded.lastOffsetDelta, 3);
    assert.equal(decoded.firstTimestamp, '1699999999000');
    assert.equal(decoded.maxTimestamp, '1700000100000');
    assert.equal(decoded.records.length, 4);
    const [a, b, c, d] = decoded.records;
    assert.ok(a && b && c && d);
    assert.equal(a.offset, '0');
    assert.equal(a.timestamp, '1700000000000');
    assert.equal(a.key?.toString(), 'order:1');
    assert.equal(a.value?.toString(), '{"id":1}');
    assert.equal((a.headers['source'] as Buffer).toString(), 'workbench');
    assert.deepEqual([...(a.headers['bin'] as Buffer)], [0, 255]);
    assert.equal(b.key, null);
    assert.deepEqual([...(b.value ?? [])], [0xff, 0xfe, 0x00]);
    assert.equal(b.timestamp, '1700000000250');
    assert.equal(c.key?.toString(), 'ключ');
    assert.equal(c.value, null);
    assert.equal(d.offset, '3');
    assert.equal(d.value?.length, 70_000);
  });

  it('writes the CRC-32C that Kafka checks, over everything after the CRC field', () => {
    const batch = encodeRecordBatch(records);
    assert.equal(batch.readUInt32BE(17), kafkajsCrc32c(batch.subarray(21)));
    assert.equal(batch.readInt32BE(8), batch.length - 12);
    assert.equal(batch.readInt8(16), 2);
  });

  it('sizes records exactly', () => {
    const one = records[0] as BatchRecord;
    assert.equal(encodeRecordBatch([one]).length, RECORD_BATCH_OVERHEAD + recordSize(one, 0, one.timestamp));
    assert.equal(varintSize(0), 1);
    assert.equal(varintSize(63), 1);
    assert.equal(varintSize(64), 2);
    assert.equal(varintSize(-1), 1);
    assert.equal(varintSize(2 ** 40), 6);
  });

  for (const compression of ['gzip', 'snappy', 'lz4'] as const) {
    it(`writes ${compression} batches that kafkajs decompresses`, async () => {
      registerKafkajsCodecs();
      const { codec, compress } = compressorFor(compression);
      const batch = await encodeCompressedRecordBatch(records, codec, compress);
      assert.ok(batch.length < encodeRecordBatch(records).length, 'the compressed batch is smaller');
      assert.equal(batch.readInt16BE(21) & 0x7, codec);
      const decoded = await roundTrip(batch);
      assert.deepEqual(
        decoded.records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.length ?? null]),
        [['0', 'order:1', 8], ['1', null, 3], ['2', 'ключ', null], ['3', 'big', 70_000]],
      );
    });
  }

  it('refuses an empty batch', () => {
    assert.throws(() => encodeRecordBatch([]), /at least one record/);
  });
});
