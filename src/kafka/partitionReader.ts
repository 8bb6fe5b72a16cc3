/**
 * Reads a topic by ASSIGNING partitions: resolves a start offset per partition, then sends
 * Fetch requests straight to each partition's leader (through kafkajsInternals.ts) until the
 * end offsets seen at the start, maxMessages, or cancellation; in follow mode it keeps long-
 * polling for new records. It never joins a consumer group and never commits an offset, so
 * browsing leaves no trace on the cluster (the integration test checks that no group appears).
 * When a partition's leader moves or dies, only that leader's partitions wait (up to
 * `leaderWaitMs`) for Kafka to elect another and go on from their own offsets on it, each
 * change reported through `onNotice`; test/integration/cluster.test.ts kills a leader mid-read.
 */
import type { Logger } from '../shared/logger';
import { CancelledError, WorkbenchError } from '../shared/errors';
import { partitionProblem } from './kafkaErrors';
import { visibleRecords, type FetchPartitionResponse, type WireCluster, type WireRecord, ISOLATION_READ_COMMITTED } from './kafkajsInternals';
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

interface PartitionCursor {
  partition: number;
  next: bigint;
  /** Stop before this offset unless following. */
  end: bigint;
  done: boolean;
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

/** Converts kafkajs's decoded record into the plain KafkaRecord the views use. */
export function toKafkaRecord(topic: string, partition: number, record: WireRecord): KafkaRecord {
  const headers: KafkaRecord['headers'] = [];
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const [key, raw] of Object.entries(record.headers)) {
    const values = Array.isArray(raw) ? raw : [raw];
    for (const value of values) {
      const buffer = value ?? null;
      headers.push({ key, value: buffer });
      size += Buffer.byteLength(key) + (buffer?.length ?? 0);
    }
  }
  return {
    topic,
    partition,
    offset: record.offset,
    timestamp: Number(record.timestamp),
    key: record.key ?? null,
    value: record.value ?? null,
    headers,
    size,
  };
}

/**
 * The offset after the last record kafkajs decoded: the end of its record batch, so a batch
 * that ends in compacted-away records or a control batch is stepped over. Records come in
 * offset order, so the last one decides.
 */
function offsetAfter(messages: readonly WireRecord[]): bigint | undefined {
  const last = messages[messages.length - 1];
  if (!last) return undefined;
  const batchEnd = BigInt(last.batchContext.firstOffset) + BigInt(last.batchContext.lastOffsetDelta) + 1n;
  const own = BigInt(last.offset) + 1n;
  return batchEnd > own ? batchEnd : own;
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
    return { partition, next, end: hi, done: false };
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

  const cursors = await resolveCursors(cluster, topic, chosen, options.start);
  for (const c of cursors) if (!options.follow && c.next >= c.end) c.done = true;
  logger.debug(`browse ${topic}: ${cursors.map((c) => `p${c.partition} ${c.next}..${c.end}`).join(', ')}`);

  // One object, so TypeScript does not narrow fields that the fetch loops change.
  const run: { delivered: number; stopped: BrowseSummary['stoppedBecause'] | undefined } = { delivered: 0, stopped: undefined };
  const stoppedReason = (): BrowseSummary['stoppedBecause'] | undefined => run.stopped;
  const isCancelled = (): boolean => signal.aborted;
  const cancelled = abortPromise(signal);
  cancelled.catch(() => undefined);

  const deliver = (partition: number, records: WireRecord[]): void => {
    if (run.stopped !== undefined || records.length === 0) return;
    const room = options.maxMessages - run.delivered;
    const slice = records.length > room ? records.slice(0, room) : records;
    const batch = slice.map((r) => toKafkaRecord(topic, partition, r));
    run.delivered += batch.length;
    options.onRecords(batch);
    if (run.delivered >= options.maxMessages) run.stopped = 'maxMessages';
  };

  /**
   * `answered.at` is when this leader last answered a fetch (a wait for a new leader starts
   * over after progress); `answered.first` runs once, at the next answer.
   */
  const fetchLoop = async (nodeId: string, own: PartitionCursor[], answered: { at: number; first: (() => void) | undefined }): Promise<void> => {
    const broker = await cluster.findBroker({ nodeId });
    let first = true;
    const request = () => {
      const active = own.filter((c) => !c.done);
      const totalBytes = first ? tuning.firstFetchBytes : tuning.fetchBytes;
      const partitionBytes = first ? tuning.firstFetchBytes : tuning.partitionFetchBytes;
      first = false;
      const pending = broker.fetch({
        replicaId: -1,
        isolationLevel: ISOLATION_READ_COMMITTED,
        maxWaitTime: tuning.maxWaitMs,
        minBytes: 1,
        maxBytes: totalBytes,
        topics: [{ topic, partitions: active.map((c) => ({ partition: c.partition, fetchOffset: c.next.toString(), maxBytes: partitionBytes })) }],
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
      const first = answered.first;
      answered.first = undefined;
      first?.();
      const deliveries: [number, WireRecord[]][] = [];
      for (const topicResponse of response.responses) {
        for (const part of topicResponse.partitions) {
          const cursor = own.find((c) => c.partition === part.partition);
          if (!cursor) continue;
          deliveries.push([cursor.partition, advance(cursor, part)]);
        }
      }
      // Ask for the next records before handing these over: the broker works while we convert.
      inFlight = stoppedReason() === undefined && !isCancelled() && own.some((c) => !c.done) ? request() : undefined;
      for (const [partition, records] of deliveries) deliver(partition, records);
    }
  };

  const advance = (cursor: PartitionCursor, part: FetchPartitionResponse): WireRecord[] => {
    const fetchedFrom = cursor.next;
    let records = visibleRecords(topic, fetchedFrom.toString(), part);
    const after = offsetAfter(part.messages);
    if (after !== undefined && after > cursor.next) cursor.next = after;
    if (!options.follow) {
      if (records.length > 0 && BigInt((records[records.length - 1] as WireRecord).offset) >= cursor.end) {
        records = records.filter((r) => BigInt(r.offset) < cursor.end);
      }
      if (cursor.next >= cursor.end) cursor.done = true;
      else if (part.messages.length === 0 && BigInt(part.highWatermark) <= cursor.next) cursor.done = true;
    }
    return records;
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
  if (active.length === 0) return { delivered: run.delivered, stoppedBecause: run.stopped ?? 'endOfPartitions' };
  const byLeader = cluster.findLeaderForPartitions(topic, active.map((c) => c.partition));
  await Promise.all(
    Object.entries(byLeader).map(([nodeId, partitions]) => readFromLeader(Number(nodeId), active.filter((c) => partitions.includes(c.partition)))),
  );
  const reason = stoppedReason();
  if (reason !== undefined) return { delivered: run.delivered, stoppedBecause: reason };
  if (isCancelled()) return { delivered: run.delivered, stoppedBecause: 'cancelled' };
  return { delivered: run.delivered, stoppedBecause: 'endOfPartitions' };
}
