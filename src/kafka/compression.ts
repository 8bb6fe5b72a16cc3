/**
 * The compression codecs Kafka batches use, for both directions: compressing what
 * KafkaService.produce sends, and registering kafkajs codecs so browsing can read topics
 * written by other producers with snappy, lz4 or zstd (kafkajs ships only gzip).
 *
 * gzip comes from node:zlib; snappy from kafkajs-snappy (snappyjs, reads the xerial framing
 * the Java client writes); lz4 frames from lz4js's block compressor (framed here with
 * independent blocks). zstd compresses with node:zlib where the runtime has it (Node 22.15+)
 * and otherwise with @hpcc-js/wasm-zstd (the zstd C library as WebAssembly, inlined in its
 * JavaScript, loaded on the first zstd batch), so it works in VS Code's Node 20 extension
 * host; zstd decompresses with node:zlib or fzstd (plain JavaScript).
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { decompress as zstdDecompressJs } from 'fzstd';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { describeError, WorkbenchError } from '../shared/errors';
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

/** Compressions this runtime can write: all of Kafka's codecs. */
export function availableCompressions(): Compression[] {
  return ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
}

/** Kafka's own default zstd level (compression.zstd.level), as the Java producer writes. */
const ZSTD_LEVEL = 3;
/** The first four bytes of every zstd frame (0xFD2FB528, little endian). */
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

interface ZstdWasm {
  compress(data: Uint8Array, compressionLevel?: number): Uint8Array;
}
let zstdWasm: Promise<ZstdWasm> | undefined;
let zstdWasmFastCopy = false;

/** The private helper of @hpcc-js/wasm-zstd 1.x that copies results out of the WebAssembly memory. */
interface ZstdWasmInternals {
  _mainModule?: { heapView?: unknown; heapToUint8Array?: unknown };
}

/**
 * @hpcc-js/wasm-zstd copies each compressed frame out of the WebAssembly memory with
 * `new Uint8Array([...view])`, which costs more than the compression itself (about 4× the
 * time for Kafka batches of JSON). Where its helper has the expected shape, the copy is
 * replaced by `view.slice()`, the same bytes; otherwise the library is used as it is.
 * zstdWasmCopiesFast() tells which, so a unit test notices a library update that changes it.
 */
function useSliceCopy(zstd: ZstdWasm): boolean {
  const main = (zstd as unknown as ZstdWasmInternals)._mainModule;
  if (!main || typeof main.heapView !== 'function' || typeof main.heapToUint8Array !== 'function') return false;
  const heapView = main.heapView as (block: unknown) => Uint8Array;
  main.heapToUint8Array = (block: unknown): Uint8Array => heapView.call(main, block).slice();
  return true;
}

/** True once the WebAssembly zstd is loaded with the fast result copy (see useSliceCopy). */
export function zstdWasmCopiesFast(): boolean {
  return zstdWasmFastCopy;
}

/** The WebAssembly zstd, compiled once on first use; a failed load is not kept, so the next batch tries again. */
function loadZstdWasm(): Promise<ZstdWasm> {
  if (!zstdWasm) {
    const loading = import('@hpcc-js/wasm-zstd').then(async (m) => {
      const zstd = await m.Zstd.load();
      zstdWasmFastCopy = useSliceCopy(zstd);
      return zstd;
    });
    zstdWasm = loading;
    loading.catch(() => {
      if (zstdWasm === loading) zstdWasm = undefined;
    });
  }
  return zstdWasm;
}

/**
 * One zstd frame of `data`: node:zlib's zstd where the runtime has it, else the WebAssembly
 * build. `useNative: false` forces the WebAssembly build (tests compare the two).
 */
export async function zstdCompress(data: Buffer, useNative = true): Promise<Buffer> {
  if (useNative && zstdCompressNative) return zstdCompressNative(data);
  let wasm: ZstdWasm;
  try {
    wasm = await loadZstdWasm();
  } catch (error) {
    throw new WorkbenchError(`zstd compression could not start (${describeError(error)}). Choose gzip, snappy or lz4, and report this.`, { cause: error });
  }
  const frame = toBuffer(wasm.compress(data, ZSTD_LEVEL));
  // The library logs and returns a wrong size instead of throwing when zstd fails (out of memory).
  if (frame.length < ZSTD_MAGIC.length || !frame.subarray(0, ZSTD_MAGIC.length).equals(ZSTD_MAGIC)) {
    throw new WorkbenchError(`zstd could not compress a batch of ${data.length} bytes. Send fewer or smaller messages per batch, or choose gzip.`);
  }
  return frame;
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
    case 'zstd':
      return { codec: CODEC_ATTRIBUTE.zstd, compress: (data) => zstdCompress(data) };
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
    compress: (encoder) => zstdCompress(encoder.buffer),
    decompress: (buffer) => (zstdDecompressNative ? zstdDecompressNative(buffer) : Promise.resolve(toBuffer(zstdDecompressJs(buffer)))),
  };
  const codecs = CompressionCodecs as Record<number, () => KafkajsCodec>;
  codecs[CompressionTypes.Snappy] = () => snappyCodec;
  codecs[CompressionTypes.LZ4] = () => lz4Codec;
  codecs[CompressionTypes.ZSTD] = () => zstdCodec;
}
