/**
 * Reads a topic by ASSIGNING partitions: resolves a start offset per partition, then sends
 * Fetch requests straight to each partition's leader (through kafkajsInternals.ts) until the
 * end offsets seen at the start, maxMessages, a full sink, or cancellation; in follow mode it
 * keeps long-polling for new records. It never joins a consumer group and never commits an
 * offset, so browsing leaves no trace on the cluster (the integration test checks that no
 * group appears). When a partition's leader moves or dies, only that leader's partitions wait
 * (up to `leaderWaitMs`) for Kafka to elect another and go on from their own offsets on it,
 * each change reported through `onNotice`; test/integration/cluster.test.ts kills a leader
 * mid-read.
 *
 * Records are walked in the fetched bytes (recordBatch.ts RecordCursor) and handed to a
 * RecordSink one by one, so a read of a million records makes no object per record; the
 * plain `onRecords` API gets KafkaRecords made by a sink here. As a read_committed consumer
 * it skips control batches and the batches of aborted transactions (the Java consumer's
 * rule: a transactional batch of a producer whose aborted transaction began at or before the
 * batch's last offset, until that producer's abort marker).
 */
import { CompressionCodecs } from 'kafkajs';
import type { Logger } from '../shared/logger';
import { CancelledError, WorkbenchError } from '../shared/errors';
import { partitionProblem } from './kafkaErrors';
import { fetchRecordSets, legacyMessages, ISOLATION_READ_COMMITTED, type FetchedPartition, type WireCluster } from './kafkajsInternals';
import {
  batchCodec, batchNextOffset, HeaderCursor, isAbortMarker, isControlBatch, isTransactionalBatch, readFetchedBatch, RecordCursor,
  type FetchedBatch, type RecordSink,
} from './recordBatch';
import type { BrowseNotice, BrowseOptions, BrowseSummary, KafkaRecord, StartPosition } from './types';

/** Tuning of the fetch loop; the defaults suit an editor reading up to ~100 MB. */
export interface ReaderTuning {
  /** Bytes asked for in the first fetch, small so the first rows show at once. */
  firstFetchBytes: number;
  /** Bytes per fetch afterwards, and per partition. */
  fetchBytes: number;
  partitionFetchBytes: number;
  /** How long the broker may hold a fetch open waiting for new records. */
  maxWaitMs: number;
  /**
   * How long a partition may be without a leader that answers before the read fails. Kafka
   * fences a dead broker after broker.session.timeout.ms (9 s by default), then elects.
   */
  leaderWaitMs: number;
}

export const DEFAULT_TUNING: ReaderTuning = {
  firstFetchBytes: 256 * 1024,
  fetchBytes: 16 * 1024 * 1024,
  partitionFetchBytes: 4 * 1024 * 1024,
  maxWaitMs: 500,
  leaderWaitMs: 60_000,
};

/** The most bytes one partition is asked for when a single batch is bigger than partitionFetchBytes. */
const MAX_PARTITION_FETCH_BYTES = 256 * 1024 * 1024;

interface PartitionCursor {
  partition: number;
  next: bigint;
  /** Stop before this offset unless following. */
  end: bigint;
  done: boolean;
  /** Bytes to ask for; grows when one batch is bigger. */
  maxBytes: number;
}

/** The records of one partition in one fetch answer, located but not yet walked. */
interface PartitionChunk {
  partition: number;
  /** Records below this offset are skipped (a compressed batch starts before the fetch offset). */
  from: bigint;
  data: Buffer;
  batches: FetchedBatch[];
  abortedTransactions: FetchedPartition['abortedTransactions'];
  /** Messages of the pre-0.11 format, decoded by kafkajs (their batches list is then empty). */
  legacy: { offset: bigint; timestamp: number; key: Buffer | null; value: Buffer | null }[] | undefined;
}

const LEADERSHIP_ERRORS = new Set(['NOT_LEADER_OR_FOLLOWER', 'LEADER_NOT_AVAILABLE', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH', 'REPLICA_NOT_AVAILABLE']);
/** kafkajs's errors for a broker that went away (killed, restarting, unreachable) or a leader it cannot look up. */
const BROKER_GONE_ERRORS = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError', 'KafkaJSBrokerNotFound', 'KafkaJSMetadataNotLoaded']);

function errorType(error: unknown): string | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : undefined;
}

/** Whether `error` (or its cause) says the partition's leader moved, is being elected, or its broker is gone. */
function isLeaderProblem(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const type = errorType(e);
    if ((type !== undefined && LEADERSHIP_ERRORS.has(type)) || BROKER_GONE_ERRORS.has(e.name)) return true;
  }
  return false;
}

function describeProblem(error: unknown): string {
  return error instanceof Error ? errorType(error) ?? error.message : String(error);
}

/** A sink that makes a KafkaRecord of each record (with copies of its bytes) and hands them to `onRecords` per fetch answer. */
class RecordListSink implements RecordSink {
  private pending: KafkaRecord[] = [];

  constructor(private readonly topic: string, private readonly onRecords: (records: KafkaRecord[]) => void) {}

  add(partition: number, record: RecordCursor, headers: HeaderCursor): boolean {
    const { data } = record;
    // Copies: the fetched bytes are reused for a later answer.
    const key = record.keyLength < 0 ? null : Buffer.from(data.subarray(record.keyStart, record.keyStart + record.keyLength));
    const value = record.valueLength < 0 ? null : Buffer.from(data.subarray(record.valueStart, record.valueStart + record.valueLength));
    let size = (key?.length ?? 0) + (value?.length ?? 0);
    const list: KafkaRecord['headers'] = [];
    headers.reset(record);
    while (headers.next()) {
      const name = data.toString('utf8', headers.nameStart, headers.nameStart + headers.nameLength);
      const headerValue = headers.valueLength < 0 ? null : Buffer.from(data.subarray(headers.valueStart, headers.valueStart + headers.valueLength));
      list.push({ key: name, value: headerValue });
      size += headers.nameLength + (headerValue?.length ?? 0);
    }
    this.pending.push({ topic: this.topic, partition, offset: record.offset().toString(), timestamp: record.timestamp, key, value, headers: list, size });
    return true;
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    this.onRecords(records);
  }
}

/** Decompresses a batch's records with the codecs kafkajs knows (gzip; snappy, lz4 and zstd as compression.ts registers them). */
async function decompressRecords(batch: FetchedBatch, data: Buffer): Promise<Buffer> {
  const codec = batchCodec(batch);
  const factory = (CompressionCodecs as Record<number, (() => { decompress(buffer: Buffer): Promise<Buffer> }) | undefined>)[codec];
  if (!factory) throw new WorkbenchError(`A record batch at offset ${batch.baseOffset} is compressed with codec ${codec}, which the workbench cannot read.`);
  return factory().decompress(data.subarray(batch.recordsStart, batch.end));
}

function abortPromise(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    if (signal.aborted) reject(new CancelledError());
    else signal.addEventListener('abort', () => { reject(new CancelledError()); }, { once: true });
  });
}

/** Resolves each partition's first offset to read and the end offset at the start. */
async function resolveCursors(cluster: WireCluster, topic: string, partitions: number[], start: StartPosition): Promise<PartitionCursor[]> {
  const spec = partitions.map((partition) => ({ partition }));
  const [lowRes, highRes] = await Promise.all([
    cluster.fetchTopicsOffset([{ topic, partitions: spec, fromBeginning: true }]),
    cluster.fetchTopicsOffset([{ topic, partitions: spec, fromBeginning: false }]),
  ]);
  const byPartition = (res: typeof lowRes): Map<number, bigint> =>
    new Map(res.flatMap((t) => t.partitions).map((p) => [p.partition, BigInt(p.offset)]));
  const low = byPartition(lowRes);
  const high = byPartition(highRes);
  let atTime: Map<number, bigint> | undefined;
  if (start.kind === 'timestamp') {
    atTime = byPartition(await cluster.fetchTopicsOffset([{ topic, partitions: spec, fromTimestamp: start.timestamp }]));
  }
  let fixedOffset: bigint | undefined;
  if (start.kind === 'offset') {
    if (!/^\d+$/.test(start.offset.trim())) {
      throw new WorkbenchError(`"${start.offset}" is not an offset: give a whole number of 0 or more.`);
    }
    fixedOffset = BigInt(start.offset.trim());
  }
  return partitions.map((partition) => {
    const lo = low.get(partition) ?? 0n;
    const hi = high.get(partition) ?? lo;
    let next: bigint;
    switch (start.kind) {
      case 'beginning':
        next = lo;
        break;
      case 'end':
        next = hi;
        break;
      case 'latest': {
        const count = BigInt(Math.max(0, Math.floor(start.count)));
        next = hi - count > lo ? hi - count : lo;
        break;
      }
      case 'offset': {
        const wanted = fixedOffset ?? lo;
        next = wanted < lo ? lo : wanted > hi ? hi : wanted;
        break;
      }
      case 'timestamp': {
        const found = atTime?.get(partition) ?? -1n;
        next = found < 0n ? hi : found < lo ? lo : found;
        break;
      }
    }
    return { partition, next, end: hi, done: false, maxBytes: 0 };
  });
}

/**
 * Reads `options.topic` as the options say and calls `options.onRecords` with each batch.
 * The cluster must be created for this read (it is not disconnected here).
 */
export async function readPartitions(cluster: WireCluster, options: BrowseOptions, logger: Logger, tuning: ReaderTuning = DEFAULT_TUNING): Promise<BrowseSummary> {
  const { topic, signal } = options;
  if (signal.aborted) return { delivered: 0, stoppedBecause: 'cancelled' };
  await cluster.connect();
  await cluster.addTargetTopic(topic);
  const metadata = cluster.findTopicPartitionMetadata(topic);
  if (metadata.length === 0) {
    throw Object.assign(new Error(`Topic ${topic} has no partitions in the metadata`), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
  }
  const existing = metadata.map((p) => p.partitionId).sort((a, b) => a - b);
  const chosen = options.partitions && options.partitions.length > 0 ? [...new Set(options.partitions)].sort((a, b) => a - b) : existing;
  for (const p of chosen) {
    if (!existing.includes(p)) throw new WorkbenchError(partitionProblem(topic, existing.length, p));
  }
  if (!Number.isFinite(options.maxMessages) || options.maxMessages < 1) {
    throw new WorkbenchError('Max messages must be 1 or more.');
  }

  if ((options.sink === undefined) === (options.onRecords === undefined)) throw new Error('A read takes either onRecords or a sink.');
  const sink: RecordSink = options.sink ?? new RecordListSink(topic, options.onRecords as (records: KafkaRecord[]) => void);

  const cursors = await resolveCursors(cluster, topic, chosen, options.start);
  for (const c of cursors) if (!options.follow && c.next >= c.end) c.done = true;
  logger.debug(`browse ${topic}: ${cursors.map((c) => `p${c.partition} ${c.next}..${c.end}`).join(', ')}`);

  // One object, so TypeScript does not narrow fields that the fetch loops change.
  const run: { delivered: number; stopped: BrowseSummary['stoppedBecause'] | undefined } = { delivered: 0, stopped: undefined };
  const stoppedReason = (): BrowseSummary['stoppedBecause'] | undefined => run.stopped;
  const isCancelled = (): boolean => signal.aborted;
  const cancelled = abortPromise(signal);
  cancelled.catch(() => undefined);

  /** Records between each partition's cursor and its end offset (an upper bound). */
  const remainingRecords = (): number => cursors.reduce((sum, c) => sum + (c.next < c.end ? Number(c.end - c.next) : 0), 0);
  const record = new RecordCursor();
  const headers = new HeaderCursor();

  /**
   * Finds the complete batches of one partition's answer and moves its cursor past them, so
   * the next request can go out before the records are walked. A partition whose first batch
   * did not fit asks for more bytes next time.
   */
  const locate = async (cursor: PartitionCursor, part: FetchedPartition): Promise<PartitionChunk> => {
    const chunk: PartitionChunk = { partition: cursor.partition, from: cursor.next, data: part.records, batches: [], abortedTransactions: part.abortedTransactions, legacy: undefined };
    const data = part.records;
    let at = 0;
    for (;;) {
      const batch = readFetchedBatch(data, at);
      if (!batch) break;
      if (batch.magic < 2) {
        const messages = await legacyMessages(data.subarray(at));
        chunk.legacy = messages.map((m) => ({ offset: BigInt(m.offset), timestamp: Number(m.timestamp ?? -1), key: m.key, value: m.value }));
        const last = chunk.legacy[chunk.legacy.length - 1];
        if (last && last.offset + 1n > cursor.next) cursor.next = last.offset + 1n;
        break;
      }
      chunk.batches.push(batch);
      const next = batchNextOffset(batch);
      if (next > cursor.next) cursor.next = next;
      at = batch.end;
    }
    if (chunk.batches.length === 0 && chunk.legacy === undefined && data.length >= 12) {
      // One batch is bigger than the bytes asked for: ask for all of it next time.
      const needed = 12 + data.readInt32BE(8);
      cursor.maxBytes = Math.min(Math.max(needed, cursor.maxBytes * 2), MAX_PARTITION_FETCH_BYTES);
    }
    if (!options.follow) {
      if (cursor.next >= cursor.end) cursor.done = true;
      else if (data.length === 0 && part.highWatermark <= cursor.next) cursor.done = true;
    }
    return chunk;
  };

  /** Hands one record to the sink unless the read must stop first; false when it stopped. */
  const take = (partition: number): boolean => {
    if (run.delivered >= options.maxMessages) {
      run.stopped = 'maxMessages';
      return false;
    }
    if (!sink.add(partition, record, headers)) {
      run.stopped = 'full';
      return false;
    }
    run.delivered++;
    return true;
  };

  /**
   * Walks a chunk's records into the sink: those from the fetch offset on and (unless
   * following) before the end offset, without control batches and aborted transactions.
   * When the read stops inside the chunk, the partition's cursor goes back to the first
   * record not taken, so `remaining` counts from there.
   */
  const walk = async (cursor: PartitionCursor, chunk: PartitionChunk): Promise<void> => {
    const { partition } = chunk;
    const stopAt = (offset: bigint): void => {
      cursor.next = offset;
      cursor.done = true;
    };
    if (stoppedReason() !== undefined) {
      stopAt(chunk.from);
      return;
    }
    if (chunk.legacy) {
      for (const m of chunk.legacy) {
        if (m.offset < chunk.from) continue;
        if (!options.follow && m.offset >= cursor.end) break;
        record.setLegacy(m.offset, m.timestamp, m.key, m.value);
        if (!take(partition)) {
          stopAt(m.offset);
          return;
        }
      }
      return;
    }
    const aborted = chunk.abortedTransactions;
    let nextAborted = 0;
    const abortedProducers = new Set<bigint>();
    for (const batch of chunk.batches) {
      if (stoppedReason() !== undefined) {
        stopAt(chunk.from > batch.baseOffset ? chunk.from : batch.baseOffset);
        return;
      }
      const lastOffset = batch.baseOffset + BigInt(batch.lastOffsetDelta);
      if (batch.producerId >= 0n) {
        while (nextAborted < aborted.length && (aborted[nextAborted] as { firstOffset: bigint }).firstOffset <= lastOffset) {
          abortedProducers.add((aborted[nextAborted] as { producerId: bigint }).producerId);
          nextAborted++;
        }
        if (isControlBatch(batch)) {
          record.reset(batch, chunk.data, batch.recordsStart, batch.end);
          if (record.next() && isAbortMarker(record)) abortedProducers.delete(batch.producerId);
          continue;
        }
        if (isTransactionalBatch(batch) && abortedProducers.has(batch.producerId)) continue;
      }
      if (isControlBatch(batch)) continue;
      // Deltas rather than offsets per record: no BigInt per record.
      const firstDelta = chunk.from > batch.baseOffset ? Number(chunk.from - batch.baseOffset) : 0;
      const endDelta = options.follow ? Number.POSITIVE_INFINITY : cursor.end > batch.baseOffset ? Number(cursor.end - batch.baseOffset) : 0;
      if (firstDelta > batch.lastOffsetDelta || endDelta <= 0) continue;
      if (batchCodec(batch) === 0) {
        record.reset(batch, chunk.data, batch.recordsStart, batch.end);
      } else {
        const plain = await decompressRecords(batch, chunk.data);
        record.reset(batch, plain, 0, plain.length);
      }
      while (record.next()) {
        if (record.offsetDelta < firstDelta) continue;
        if (record.offsetDelta >= endDelta) break;
        if (!take(partition)) {
          stopAt(batch.baseOffset + BigInt(record.offsetDelta));
          return;
        }
      }
    }
  };

  /**
   * `answered.at` is when this leader last answered a fetch (a wait for a new leader starts
   * over after progress); `answered.first` runs once, at the next answer.
   */
  const fetchLoop = async (nodeId: string, own: PartitionCursor[], answered: { at: number; first: (() => void) | undefined }): Promise<void> => {
    const broker = await cluster.findBroker({ nodeId });
    let first = true;
    let rotation = 0;
    const request = () => {
      const active = own.filter((c) => !c.done);
      // Each request starts at another partition, so none is always last when the total limit cuts (KIP-74).
      const turn = rotation++ % Math.max(active.length, 1);
      const ordered = [...active.slice(turn), ...active.slice(0, turn)];
      const totalBytes = first ? tuning.firstFetchBytes : tuning.fetchBytes;
      const partitionBytes = first ? tuning.firstFetchBytes : tuning.partitionFetchBytes;
      first = false;
      const pending = fetchRecordSets(broker, {
        replicaId: -1,
        isolationLevel: ISOLATION_READ_COMMITTED,
        maxWaitTime: tuning.maxWaitMs,
        minBytes: 1,
        maxBytes: Math.max(totalBytes, ...ordered.map((c) => c.maxBytes)),
        topics: [{ topic, partitions: ordered.map((c) => ({ partition: c.partition, fetchOffset: c.next.toString(), maxBytes: Math.max(partitionBytes, c.maxBytes) })) }],
      });
      pending.catch(() => undefined); // a fetch abandoned on cancel must not become an unhandled rejection
      return { active, pending };
    };
    let inFlight = own.some((c) => !c.done) ? request() : undefined;
    while (inFlight && stoppedReason() === undefined) {
      let response;
      try {
        response = await Promise.race([inFlight.pending, cancelled]);
      } catch (error) {
        if (error instanceof CancelledError) return;
        const type = errorType(error);
        if (type === 'OFFSET_OUT_OF_RANGE') {
          // Retention removed records under the cursor: continue from the new bounds.
          const reset = await resolveCursors(cluster, topic, inFlight.active.map((c) => c.partition), { kind: 'beginning' });
          for (const r of reset) {
            const cursor = own.find((c) => c.partition === r.partition);
            if (cursor && (cursor.next < r.next || cursor.next > r.end)) cursor.next = cursor.next < r.next ? r.next : r.end;
          }
          inFlight = request();
          continue;
        }
        throw error;
      }
      answered.at = Date.now();
      const firstAnswer = answered.first;
      answered.first = undefined;
      firstAnswer?.();
      try {
        const chunks: [PartitionCursor, PartitionChunk][] = [];
        for (const topicResponse of response.topics) {
          for (const part of topicResponse.partitions) {
            const cursor = own.find((c) => c.partition === part.partition);
            if (!cursor) continue;
            chunks.push([cursor, await locate(cursor, part)]);
          }
        }
        // Ask for the next records before walking these: the broker works while we copy.
        inFlight = stoppedReason() === undefined && !isCancelled() && own.some((c) => !c.done) ? request() : undefined;
        try {
          for (const [cursor, chunk] of chunks) await walk(cursor, chunk);
        } finally {
          if (!options.follow) sink.expect?.(Math.min(remainingRecords(), options.maxMessages - run.delivered));
          sink.flush();
        }
      } finally {
        // The sink copied what it keeps: the answer's buffer receives a later answer.
        response.release();
      }
    }
  };

  const notify = (notice: BrowseNotice): void => {
    try {
      options.onNotice?.(notice);
    } catch (error) {
      logger.warn(`browse ${topic}: a notice listener failed: ${describeProblem(error)}`);
    }
  };
  const pause = (ms: number): Promise<void> => Promise.race([new Promise<void>((resolve) => setTimeout(resolve, ms)), cancelled]);

  /**
   * Reads `own` from `leader` until done; when the leader moves, dies or is being elected,
   * waits for metadata that names a leader that answers and reads each partition on from its
   * cursor there. Only this leader's partitions wait; the others keep reading. `waitingFrom`
   * is the leader they were read from before the wait that brought them here: once `leader`
   * answers, the notice says the leadership moved from it (or that it is back).
   */
  const readFromLeader = async (leader: number, own: PartitionCursor[], waitingFrom?: number): Promise<void> => {
    let origin = waitingFrom;
    const answered: { at: number; first: (() => void) | undefined } = { at: 0, first: undefined };
    const noticeOnAnswer = (): void => {
      answered.first = () => {
        const from = origin ?? leader;
        origin = undefined;
        for (const c of own) {
          if (!c.done) notify(from === leader ? { kind: 'leaderBack', partition: c.partition, leader } : { kind: 'leaderMoved', partition: c.partition, from, to: leader });
        }
      };
    };
    if (origin !== undefined) noticeOnAnswer();
    let waitingSince: number | undefined;
    let delay = 250;
    for (;;) {
      try {
        await fetchLoop(String(leader), own, answered);
        return;
      } catch (error) {
        if (error instanceof CancelledError || isCancelled() || stoppedReason() !== undefined) return;
        if (!isLeaderProblem(error)) throw error;
        const partitions = own.filter((c) => !c.done).map((c) => c.partition);
        if (waitingSince === undefined || answered.at > waitingSince) {
          waitingSince = Date.now();
          delay = 250;
          if (origin === undefined && leader >= 0) origin = leader;
          noticeOnAnswer();
          logger.info(`browse ${topic}: partitions ${partitions.join(', ')} lost their leader (broker ${leader}: ${describeProblem(error)}); waiting for a new one`);
          for (const partition of partitions) notify({ kind: 'leaderUnavailable', partition, leader: origin ?? leader });
        }
        if (Date.now() - waitingSince > tuning.leaderWaitMs) {
          throw new WorkbenchError(
            `${partitions.length === 1 ? 'Partition' : 'Partitions'} ${partitions.join(', ')} of ${topic} had no leader that answers for ${Math.round(tuning.leaderWaitMs / 1000)} s (last leader: broker ${leader}; ${describeProblem(error)}). Check that the brokers run, then read again.`,
            { cause: error, actions: ['retry'] },
          );
        }
      }
      try {
        await pause(delay);
      } catch {
        return; // cancelled
      }
      delay = Math.min(delay * 2, 2_000);
      try {
        await cluster.refreshMetadata();
      } catch (error) {
        // Metadata of a partition without a leader is an error to kafkajs: keep waiting.
        logger.debug(`browse ${topic}: refreshing metadata: ${describeProblem(error)}`);
        continue;
      }
      const active = own.filter((c) => !c.done);
      if (active.length === 0) return;
      let byLeader: Record<string, number[]>;
      try {
        byLeader = cluster.findLeaderForPartitions(topic, active.map((c) => c.partition));
      } catch (error) {
        logger.debug(`browse ${topic}: no leaders yet: ${describeProblem(error)}`);
        continue;
      }
      const groups = Object.entries(byLeader).map(([id, ps]) => [Number(id), active.filter((c) => ps.includes(c.partition))] as const);
      if (groups.length === 1 && groups[0]?.[0] === leader) continue; // still named leader: try it again
      await Promise.all(groups.map(([next, cursors]) => readFromLeader(next, cursors, origin ?? leader)));
      return;
    }
  };

  const active = cursors.filter((c) => !c.done);
  if (active.length === 0) return { delivered: run.delivered, stoppedBecause: 'endOfPartitions', ...(options.follow ? {} : { remaining: 0 }) };
  const byLeader = cluster.findLeaderForPartitions(topic, active.map((c) => c.partition));
  await Promise.all(
    Object.entries(byLeader).map(([nodeId, partitions]) => readFromLeader(Number(nodeId), active.filter((c) => partitions.includes(c.partition)))),
  );
  const reason = stoppedReason() ?? (isCancelled() ? 'cancelled' : 'endOfPartitions');
  if (options.follow) return { delivered: run.delivered, stoppedBecause: reason };
  const remaining = remainingRecords();
  return { delivered: run.delivered, stoppedBecause: reason === 'maxMessages' && remaining === 0 ? 'endOfPartitions' : reason, remaining };
}
