// zstd compression on every runtime: the WebAssembly build (what VS Code's Node 20 extension
// host uses) writes standard zstd frames that fzstd, node:zlib (where present) and kafkajs's
// batch decoder read back byte for byte; the producer offers zstd beside the other codecs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { decompress as fzstdDecompress } from 'fzstd';
import { availableCompressions, compressorFor, registerKafkajsCodecs, zstdCompress, zstdWasmCopiesFast } from '../../src/kafka/compression';
import { CODEC_ATTRIBUTE, encodeCompressedRecordBatch, encodeRecordBatch, type BatchRecord } from '../../src/kafka/recordBatch';

const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{
  records: { offset: string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | Buffer[]> }[];
}>;

type NativeZstd = { zstdDecompressSync?: (data: Buffer) => Buffer };

/** JSON lines like the test-data generators write: compressible, as real topics are. */
function orderLines(count: number): Buffer {
  return Buffer.from(
    Array.from({ length: count }, (_, i) => JSON.stringify({ data_type: 'order', order_id: i, customer: `customer-${i % 97}`, amount: (i * 7.31) % 500 })).join('\n'),
  );
}

describe('zstd compression', () => {
  it('is offered with the other codecs on this runtime', () => {
    assert.deepEqual(availableCompressions(), ['none', 'gzip', 'snappy', 'lz4', 'zstd']);
    assert.equal(compressorFor('zstd').codec, CODEC_ATTRIBUTE.zstd);
  });

  it('writes standard zstd frames with the WebAssembly build that fzstd and node:zlib read back', async () => {
    for (const data of [orderLines(5000), randomBytes(200_000), Buffer.alloc(0), Buffer.from('x')]) {
      const frame = await zstdCompress(data, false);
      assert.deepEqual([...frame.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], 'zstd magic number');
      assert.ok(Buffer.from(fzstdDecompress(frame)).equals(data), `fzstd reads back ${data.length} bytes`);
      const native = (zlib as NativeZstd).zstdDecompressSync;
      if (native) assert.ok(native(frame).equals(data), 'node:zlib reads back the same bytes');
    }
    const lines = orderLines(5000);
    const frame = await zstdCompress(lines, false);
    assert.ok(frame.length * 5 < lines.length, `JSON lines shrink at least 5×: ${lines.length} → ${frame.length} bytes`);
  });

  it('copies results out of the WebAssembly memory with slice (a library update that changes its helper shows here)', async () => {
    await zstdCompress(Buffer.from('load it'), false);
    assert.equal(zstdWasmCopiesFast(), true);
  });

  it('compresses batches concurrently without mixing them up', async () => {
    const inputs = Array.from({ length: 8 }, (_, i) => Buffer.concat([orderLines(300 + i), randomBytes(i * 1000)]));
    const frames = await Promise.all(inputs.map((data) => zstdCompress(data, false)));
    frames.forEach((frame, i) => {
      assert.ok(Buffer.from(fzstdDecompress(frame)).equals(inputs[i] ?? Buffer.alloc(0)), `batch ${i}`);
    });
  });

  it('writes a zstd record batch that kafkajs decodes to the same records', async () => {
    registerKafkajsCodecs();
    const records: BatchRecord[] = [
      { key: 'order:1', value: orderLines(200).toString(), headers: [['data_type', 'order']], timestamp: 1_700_000_000_000 },
      { key: null, value: Buffer.from([0xff, 0xfe, 0x00, 0x28, 0xb5]), headers: [], timestamp: 1_700_000_000_250 },
      { key: 'ключ', value: null, headers: [], timestamp: 1_700_000_000_500 },
    ];
    const { codec, compress } = compressorFor('zstd');
    const batch = await encodeCompressedRecordBatch(records, codec, compress);
    assert.equal(batch.readInt16BE(21) & 0x7, CODEC_ATTRIBUTE.zstd);
    assert.ok(batch.length < encodeRecordBatch(records).length / 3, 'the zstd batch is much smaller than the plain one');
    const decoded = await decodeBatch(new Decoder(batch));
    assert.deepEqual(
      decoded.records.map((r) => [r.offset, r.key?.toString() ?? null, r.value ?? null]),
      [['0', 'order:1', orderLines(200)], ['1', null, Buffer.from([0xff, 0xfe, 0x00, 0x28, 0xb5])], ['2', 'ключ', null]],
    );
    assert.deepEqual(decoded.records[0]?.headers, { data_type: Buffer.from('order') });
  });
});
