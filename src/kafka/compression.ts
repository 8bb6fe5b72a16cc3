/**
 * The compression codecs Kafka batches use, for both directions: compressing what
 * KafkaService.produce sends, and registering kafkajs codecs so browsing can read topics
 * written by other producers with snappy, lz4 or zstd (kafkajs ships only gzip).
 *
 * gzip and, where the runtime has it (Node 22.15+), zstd come from node:zlib; snappy from
 * kafkajs-snappy (snappyjs, reads the xerial framing the Java client writes); lz4 frames
 * from lz4js's block compressor (framed here with independent blocks); zstd decompression on older runtimes from fzstd. All are plain JavaScript.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { decompress as zstdDecompressJs } from 'fzstd';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { WorkbenchError } from '../shared/errors';
import type { Compression } from './types';
import { CODEC_ATTRIBUTE } from './recordBatch';

/* eslint-disable @typescript-eslint/no-require-imports -- these two packages ship CommonJS without types. */
const snappyCodec = (require('kafkajs-snappy') as () => KafkajsCodec)();
const lz4 = require('lz4js') as {
  compressBound(length: number): number;
  compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  decompress(data: Uint8Array): Uint8Array;
};
const lz4Hash = require('lz4js/xxh32.js') as { hash(seed: number, data: Uint8Array, index: number, length: number): number };
const xxh32 = (seed: number, data: Uint8Array, index: number, length: number): number => lz4Hash.hash(seed, data, index, length);
/* eslint-enable @typescript-eslint/no-require-imports */

interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

type ZstdZlib = typeof zlib & {
  zstdCompress?: (data: Buffer, callback: (error: Error | null, result: Buffer) => void) => void;
  zstdDecompress?: (data: Buffer, callback: (error: Error | null, result: Buffer) => void) => void;
};
const zstdZlib = zlib as ZstdZlib;

const gzip = promisify(zlib.gzip);
const zstdCompressNative = zstdZlib.zstdCompress ? promisify(zstdZlib.zstdCompress) : undefined;
const zstdDecompressNative = zstdZlib.zstdDecompress ? promisify(zstdZlib.zstdDecompress) : undefined;

const LZ4_BLOCK_BYTES = 4 * 1024 * 1024;

/**
 * An LZ4 frame with independent blocks, as Kafka requires ("Dependent block stream is
 * unsupported"): lz4js's own compressFrame does not set the block-independence flag, so the
 * frame is written here around lz4js's block compressor, each block from a fresh hash table.
 */
export function lz4Frame(data: Uint8Array): Buffer {
  // Magic 0x184D2204 (little endian), FLG: version 01 + block independence, BD: 4 MB blocks, HC.
  const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x70, 0x00]);
  header[6] = (xxh32(0, header, 4, 2) >>> 8) & 0xff;
  const parts: Uint8Array[] = [header];
  for (let start = 0; start < data.length; start += LZ4_BLOCK_BYTES) {
    const block = data.subarray(start, Math.min(start + LZ4_BLOCK_BYTES, data.length));
    const out = Buffer.allocUnsafe(lz4.compressBound(block.length));
    const size = lz4.compressBlock(block, out, 0, block.length, new Uint32Array(1 << 16));
    const sizeField = Buffer.allocUnsafe(4);
    if (size === 0 || size >= block.length) {
      sizeField.writeUInt32LE((block.length | 0x80000000) >>> 0, 0);
      parts.push(sizeField, block);
    } else {
      sizeField.writeUInt32LE(size, 0);
      parts.push(sizeField, out.subarray(0, size));
    }
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Compressions this runtime can write; zstd needs Node 22.15 or later (VS Code 1.101+). */
export function availableCompressions(): Compression[] {
  const all: Compression[] = ['none', 'gzip', 'snappy', 'lz4'];
  if (zstdCompressNative) all.push('zstd');
  return all;
}

/** Compresses a batch's records section with `compression`; the attribute goes into the batch header. */
export function compressorFor(compression: Compression): { codec: number; compress: (data: Buffer) => Promise<Buffer> } {
  switch (compression) {
    case 'none':
      return { codec: CODEC_ATTRIBUTE.none, compress: (data) => Promise.resolve(data) };
    case 'gzip':
      return { codec: CODEC_ATTRIBUTE.gzip, compress: (data) => gzip(data) };
    case 'snappy':
      return { codec: CODEC_ATTRIBUTE.snappy, compress: (data) => snappyCodec.compress({ buffer: data }) };
    case 'lz4':
      return { codec: CODEC_ATTRIBUTE.lz4, compress: (data) => Promise.resolve(lz4Frame(data)) };
    case 'zstd': {
      const native = zstdCompressNative;
      if (!native) {
        throw new WorkbenchError(
          `zstd compression needs a newer editor (Node ${process.versions.node} has no zstd). Choose gzip, snappy or lz4.`,
        );
      }
      return { codec: CODEC_ATTRIBUTE.zstd, compress: (data) => native(data) };
    }
  }
}

let registered = false;

/** Lets kafkajs decode snappy, lz4 and zstd batches when browsing. Idempotent. */
export function registerKafkajsCodecs(): void {
  if (registered) return;
  registered = true;
  const lz4Codec: KafkajsCodec = {
    compress: (encoder) => Promise.resolve(lz4Frame(encoder.buffer)),
    decompress: (buffer) => Promise.resolve(toBuffer(lz4.decompress(buffer))),
  };
  const zstdCodec: KafkajsCodec = {
    compress: (encoder) => {
      if (!zstdCompressNative) return Promise.reject(new Error('zstd compression is not available in this runtime'));
      return zstdCompressNative(encoder.buffer);
    },
    decompress: (buffer) => (zstdDecompressNative ? zstdDecompressNative(buffer) : Promise.resolve(toBuffer(zstdDecompressJs(buffer)))),
  };
  const codecs = CompressionCodecs as Record<number, () => KafkajsCodec>;
  codecs[CompressionTypes.Snappy] = () => snappyCodec;
  codecs[CompressionTypes.LZ4] = () => lz4Codec;
  codecs[CompressionTypes.ZSTD] = () => zstdCodec;
}
