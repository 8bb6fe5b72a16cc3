/**
 * Writes an export to a file chunk by chunk (src/kafka/export.ts makes the chunks), waiting for
 * each write before making the next, so a million records go to disk in the memory of one chunk
 * instead of the whole file's text. Reports progress per chunk and stops when the signal aborts
 * (the partial file is removed). No vscode: the inspector panel and the benchmark both use it.
 */
import { open, rm } from 'node:fs/promises';
import { CancelledError } from '../shared/errors';

export interface ChunkWriteProgress {
  /** Bytes written so far. */
  bytes: number;
}

export interface ChunkWriteOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ChunkWriteProgress) => void;
}

/** Writes `chunks` to `file` (created or truncated) as UTF-8; returns the bytes written. */
export async function writeChunks(file: string, chunks: Iterable<string>, options: ChunkWriteOptions = {}): Promise<number> {
  const handle = await open(file, 'w');
  let bytes = 0;
  let completed = false;
  try {
    for (const chunk of chunks) {
      if (options.signal?.aborted) throw new CancelledError();
      const buffer = Buffer.from(chunk, 'utf8');
      await handle.write(buffer);
      bytes += buffer.length;
      options.onProgress?.({ bytes });
    }
    completed = true;
    return bytes;
  } finally {
    await handle.close();
    if (!completed) await rm(file, { force: true });
  }
}
