/**
 * Reads a Spark Structured Streaming checkpoint the way Spark writes it: `offsets/<batchId>`
 * (a version line such as `v1`, the batch's metadata as JSON, then one line per source with
 * that source's end offsets as JSON, or `-` when the source had none) and `commits/<batchId>`
 * (a version line, then `{"nextBatchWatermarkMs":…}`). Batch n reads from the offsets of batch
 * n-1 (exclusive start) up to its own (exclusive end); it is done when its commit file exists.
 * The parsers are pure; readCheckpoint lists the two folders. No vscode.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkbenchError } from '../shared/errors';

/** Offsets of a Kafka source: topic → partition → offset (decimal text, exact). */
export type KafkaSourceOffsets = Record<string, Record<string, string>>;

export interface OffsetLogEntry {
  batchId: number;
  /** The log format version (Spark 3.x and 4.x write 1). */
  version: number;
  /** When the batch was planned (ms since the epoch), from the metadata line. */
  batchTimestampMs: number | null;
  batchWatermarkMs: number | null;
  /** The Spark settings the query keeps across restarts (metadata `conf`). */
  conf: Record<string, string>;
  /** One entry per source in the query's order; null for a source without offsets (`-`). */
  sources: (KafkaSourceOffsets | null)[];
}

export interface CommitLogEntry {
  batchId: number;
  version: number;
  nextBatchWatermarkMs: number | null;
}

/** The highest log version this reader knows; a newer one is refused with a clear sentence. */
export const MAX_LOG_VERSION = 2;

function checkpointError(message: string): WorkbenchError {
  return new WorkbenchError(message, { actions: [] });
}

function versionOf(line: string | undefined, what: string): number {
  const match = /^v(\d+)$/.exec((line ?? '').trim());
  if (!match) throw checkpointError(`${what} does not start with a version line such as "v1" (found "${(line ?? '').slice(0, 40)}"): is this a Spark checkpoint?`);
  const version = Number(match[1]);
  if (version < 1 || version > MAX_LOG_VERSION) {
    throw checkpointError(`${what} is written in log version v${version}; the workbench reads v1 to v${MAX_LOG_VERSION}. The Spark version that wrote it is newer than this reader.`);
  }
  return version;
}

function jsonLine(line: string, what: string): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    throw checkpointError(`${what} holds a line that is not JSON (${(error as Error).message}): "${line.slice(0, 80)}".`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Offsets keep their exact digits: numbers above 2^53 are read from the text, not from JSON.parse. */
function exactOffsets(line: string, parsed: unknown, what: string): KafkaSourceOffsets {
  if (!isObject(parsed)) throw checkpointError(`${what}: a source line is not a JSON object of topic → partition → offset.`);
  const out: KafkaSourceOffsets = {};
  for (const [topic, partitions] of Object.entries(parsed)) {
    if (!isObject(partitions)) throw checkpointError(`${what}: the offsets of topic "${topic}" are not an object of partition → offset.`);
    out[topic] = {};
    for (const [partition, offset] of Object.entries(partitions)) {
      if (!/^\d+$/.test(partition) || typeof offset !== 'number' || !Number.isInteger(offset)) {
        throw checkpointError(`${what}: partition "${partition}" of topic "${topic}" has offset ${JSON.stringify(offset)}, not a whole number.`);
      }
      // Negative offsets are Spark's "earliest" (-2) and "latest" (-1) markers of startingOffsets.
      out[topic][partition] = Number.isSafeInteger(offset) ? String(offset) : exactDigits(line, topic, partition) ?? String(offset);
    }
  }
  return out;
}

function exactDigits(line: string, topic: string, partition: string): string | undefined {
  const topicAt = line.indexOf(JSON.stringify(topic));
  if (topicAt < 0) return undefined;
  const match = new RegExp(`"${partition}"\\s*:\\s*(-?\\d+)`).exec(line.slice(topicAt));
  return match?.[1];
}

/** Parses the text of `offsets/<batchId>`. */
export function parseOffsetLog(text: string, batchId: number): OffsetLogEntry {
  const what = `offsets/${batchId}`;
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l, i, all) => !(l === '' && i === all.length - 1));
  const version = versionOf(lines[0], what);
  if (lines.length < 2) throw checkpointError(`${what} has no metadata line: the file was cut short (Spark writes it whole, so it was not written by Spark or was damaged).`);
  const metadata = jsonLine(lines[1] ?? '', what);
  if (!isObject(metadata)) throw checkpointError(`${what}: the metadata line is not a JSON object.`);
  const number = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const conf: Record<string, string> = {};
  if (isObject(metadata.conf)) for (const [k, v] of Object.entries(metadata.conf)) conf[k] = String(v);
  const sources = lines.slice(2).map((line) => {
    if (line.trim() === '-') return null;
    return exactOffsets(line, jsonLine(line, what), what);
  });
  return { batchId, version, batchTimestampMs: number(metadata.batchTimestampMs), batchWatermarkMs: number(metadata.batchWatermarkMs), conf, sources };
}

/** Parses the text of `commits/<batchId>`. */
export function parseCommitLog(text: string, batchId: number): CommitLogEntry {
  const what = `commits/${batchId}`;
  const lines = text.split('\n');
  const version = versionOf(lines[0], what);
  const body = (lines[1] ?? '').trim();
  const parsed = body === '' ? {} : jsonLine(body, what);
  const watermark = isObject(parsed) && typeof parsed.nextBatchWatermarkMs === 'number' ? parsed.nextBatchWatermarkMs : null;
  return { batchId, version, nextBatchWatermarkMs: watermark };
}

/** One micro-batch as the checkpoint knows it. */
export interface CheckpointBatch {
  batchId: number;
  /** The Kafka offsets the batch started from (the previous batch's end); null for the oldest batch kept. */
  startOffsets: KafkaSourceOffsets | null;
  /** The offsets it read up to (exclusive). */
  endOffsets: KafkaSourceOffsets;
  plannedAt: number | null;
  /** True when commits/<batchId> exists: the batch's output was written. */
  committed: boolean;
}

export interface CheckpointState {
  dir: string;
  /** Batches kept in the checkpoint, oldest first (Spark keeps the last 100 by default). */
  batches: CheckpointBatch[];
  /** The newest committed batch, or null when none has committed yet. */
  lastCommitted: CheckpointBatch | null;
  /** A batch planned but not committed (a run stopped in the middle): it is read again next run. */
  pending: CheckpointBatch | null;
}

/** Merges the Kafka sources of a query (normally one) into one topic → partition → offset map. */
export function kafkaOffsetsOf(entry: OffsetLogEntry): KafkaSourceOffsets {
  const merged: KafkaSourceOffsets = {};
  for (const source of entry.sources) {
    if (!source) continue;
    for (const [topic, partitions] of Object.entries(source)) merged[topic] = { ...(merged[topic] ?? {}), ...partitions };
  }
  return merged;
}

/** The checkpoint's batches from parsed log entries (pure; readCheckpoint feeds it the files). */
export function checkpointFromLogs(dir: string, offsets: readonly OffsetLogEntry[], commits: readonly CommitLogEntry[]): CheckpointState {
  const committedIds = new Set(commits.map((c) => c.batchId));
  const sorted = [...offsets].sort((a, b) => a.batchId - b.batchId);
  const batches: CheckpointBatch[] = sorted.map((entry, index) => {
    const previous = index > 0 ? sorted[index - 1] : undefined;
    return {
      batchId: entry.batchId,
      startOffsets: previous && previous.batchId === entry.batchId - 1 ? kafkaOffsetsOf(previous) : null,
      endOffsets: kafkaOffsetsOf(entry),
      plannedAt: entry.batchTimestampMs,
      committed: committedIds.has(entry.batchId),
    };
  });
  const committed = batches.filter((b) => b.committed);
  const lastCommitted = committed.at(-1) ?? null;
  const newest = batches.at(-1);
  return { dir, batches, lastCommitted, pending: newest && !newest.committed ? newest : null };
}

/** Batch ids of a log folder: file names that are whole numbers (Spark's temp and .crc files are skipped). */
async function batchIds(folder: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw checkpointError(`The Spark checkpoint folder ${folder} cannot be read: ${(error as Error).message}.`);
  }
  return names.filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
}

/**
 * Reads the checkpoint folder. A folder that does not exist yet is an empty checkpoint (the
 * job has not run); `keep` bounds how many of the newest batches are parsed.
 */
export async function readCheckpoint(dir: string, keep = 200): Promise<CheckpointState & { exists: boolean }> {
  let exists = true;
  try {
    await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw checkpointError(`The Spark checkpoint folder ${dir} cannot be read: ${(error as Error).message}.`);
    exists = false;
  }
  const [offsetIds, commitIds] = await Promise.all([batchIds(join(dir, 'offsets')), batchIds(join(dir, 'commits'))]);
  const wanted = offsetIds.slice(-keep);
  const offsets = await Promise.all(wanted.map(async (id) => parseOffsetLog(await readFile(join(dir, 'offsets', String(id)), 'utf8'), id)));
  const wantedCommits = commitIds.filter((id) => id >= (wanted[0] ?? 0));
  const commits = await Promise.all(wantedCommits.map(async (id) => parseCommitLog(await readFile(join(dir, 'commits', String(id)), 'utf8'), id)));
  return { ...checkpointFromLogs(dir, offsets, commits), exists };
}

/** The batch of the checkpoint whose offset range holds (topic, partition, offset), if one is kept. */
export function batchHolding(state: Pick<CheckpointState, 'batches'>, topic: string, partition: number, offset: string): CheckpointBatch | undefined {
  const at = BigInt(offset);
  const p = String(partition);
  return state.batches.find((b) => {
    const end = b.endOffsets[topic]?.[p];
    if (end === undefined || BigInt(end) <= at) return false;
    const start = b.startOffsets?.[topic]?.[p];
    // A partition new in this batch (absent before) starts at 0.
    return b.startOffsets === null ? false : BigInt(start ?? '0') <= at;
  });
}

export { defaultSparkCheckpointDir } from './checkpointDir';
