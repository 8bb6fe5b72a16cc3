/**
 * The produce pipeline behind KafkaService.produce: assigns partitions (kafkajs's Java-
 * compatible partitioner for keys, sticky partitions for keyless messages), groups messages
 * into one record batch per partition, keeps several Produce requests in flight, paces to a
 * rate when asked, and accounts for every input message: acknowledged (partition + offset),
 * rejected by the broker, not acknowledged because no answer came, or not sent because the
 * run stopped or was cancelled.
 *
 * Idempotent by default (acks=-1), as the Java client is: the run gets a producer id from
 * InitProducerId, each partition's batches carry consecutive sequence numbers
 * (src/kafka/idempotence.ts) with at most five in flight, and a batch that gets a retriable
 * error or no answer (leader change, dropped connection, timeout, too few in-sync replicas)
 * is resent with the same sequence, in order, to the partition's leader after a metadata
 * refresh, so the broker writes it once. Resending stops after the delivery timeout, or
 * when no broker of the cluster answers for a request timeout. With idempotence off a
 * failed batch is reported, not resent.
 */
import { Partitioners } from 'kafkajs';
import { WorkbenchError } from '../shared/errors';
import { sleep } from '../shared/guards';
import type { Logger } from '../shared/logger';
import { compressorFor } from './compression';
import { MAX_IN_FLIGHT_PER_PARTITION, PartitionSequences, produceVerdict, retryBackoffMs, type ProduceVerdict, type SequencedBatch } from './idempotence';
import { kafkaErrorType, partitionProblem } from './kafkaErrors';
import {
  initProducerId,
  PRODUCE_VERSION_ZSTD,
  protocolError,
  sendProduceRequest,
  supportsProduceV3,
  supportsProduceVersion,
  type ProducePartitionResult,
  type ProducerIdentity,
  type WireBroker,
  type WireCluster,
} from './kafkajsInternals';
import {
  CODEC_ATTRIBUTE,
  encodeCompressedRecordBatch,
  encodeRecordBatch,
  NO_PRODUCER,
  readBatchProducer,
  RECORD_BATCH_OVERHEAD,
  recordSize,
  stampRecordBatch,
  type BatchRecord,
  type ProducerStamp,
} from './recordBatch';
import type { IdempotenceReport, ProduceMessage, ProduceOptions, ProduceProgress, ProduceResult, ProducedRecord } from './types';

/**
 * Batching and pipelining; the defaults reach >100,000 messages/s of 512 bytes on 2 cores.
 * Batches of up to 1,000,000 bytes, librdkafka's batch.size: a broker serves one connection's
 * requests one at a time, so fewer, larger requests keep it busier (1,000,000 messages of 512
 * bytes: median 231,700 msg/s against 161,000 with 512 KB batches, interleaved runs).
 */
export interface ProducerTuning {
  /** Upper bound of one record batch before compression. */
  batchBytes: number;
  /** Upper bound of records in one batch. */
  batchRecords: number;
  /** Produce requests awaiting their acknowledgement at once. */
  maxInFlight: number;
  /** Minimum time between progress callbacks. */
  progressIntervalMs: number;
}

export const DEFAULT_PRODUCER_TUNING: ProducerTuning = {
  batchBytes: 1_000_000,
  batchRecords: 16_384,
  maxInFlight: 8,
  progressIntervalMs: 100,
};

export interface ProduceSetup {
  cluster: WireCluster;
  /** The topic's max.message.bytes (the broker's limit for one batch). */
  maxMessageBytes: number;
  requestTimeoutMs: number;
  logger: Logger;
  /** Turns a connection failure into the sentence for the report. */
  explain: (error: unknown) => string;
  tuning?: ProducerTuning;
}

interface PendingBatch {
  partition: number;
  indices: number[];
  records: BatchRecord[];
  bytes: number;
}

/** The headers of a message without any: one array shared by all of them (encoding only reads it). */
const NO_HEADERS: [string, string | Buffer][] = [];

function toBatchRecord(message: ProduceMessage, now: number): BatchRecord {
  const headers: [string, string | Buffer][] = message.headers ? Object.entries(message.headers) : NO_HEADERS;
  return { key: message.key ?? null, value: message.value, headers, timestamp: message.timestamp ?? now };
}

function byteLength(data: string | Buffer | null): number {
  if (data === null) return 0;
  return typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
}

/** At least the bytes a record takes in a batch: every varint counted at its widest. */
function recordSizeBound(record: BatchRecord): number {
  let size = 40 + byteLength(record.key) + byteLength(record.value);
  for (const [name, value] of record.headers) size += 10 + byteLength(name) + byteLength(value);
  return size;
}

/** Puts acknowledged records in input order in linear time (each index occurs once): a sort of 1,000,000 took ~0.3 s. */
function inInputOrder(records: ProducedRecord[]): void {
  let max = -1;
  for (const r of records) if (r.index > max) max = r.index;
  const slots = new Array<ProducedRecord | undefined>(max + 1);
  for (const r of records) slots[r.index] = r;
  let at = 0;
  for (const r of slots) if (r !== undefined) records[at++] = r;
  records.length = at;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<ProduceMessage> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** Produces `messages` to `options.topic` and reports what happened to each of them. */
/** Java's delivery.timeout.ms default. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 120_000;

/** A batch of the idempotent pipeline: its sequence bookkeeping plus what sending needs. */
interface SequencedJob extends SequencedBatch {
  batch: PendingBatch;
  /** The encoded batch; its producer fields are restamped when the bookkeeping renumbers it. */
  encoded: Promise<Buffer>;
  /** When it was first handed to a connection; the delivery timeout counts from here. */
  firstSentAt: number | undefined;
  sends: number;
  /** The broker it was last sent to, so a failure forgets that connection. */
  nodeId: string | undefined;
  /** Why its last send failed, for the report if it is never acknowledged. */
  problem: string | undefined;
  settled: boolean;
  settle: () => void;
}

/** One partition's idempotent pipeline: batches wait, are in flight (at most five), or are resent after a failure. */
interface Lane {
  partition: number;
  sequences: PartitionSequences<SequencedJob>;
  /** Not yet sent, or back for a resend: in sequence order. */
  waiting: SequencedJob[];
  /** Handed to `send` and not yet answered. */
  sending: Set<SequencedJob>;
  /** Set after a failure: batches go one at a time (the probe) until one is acknowledged. */
  recovery: { problem: string; attempt: number; probe: SequencedJob | undefined; running: boolean; unreachableSince: number | undefined } | undefined;
  bumpEpoch: boolean;
  /** Sends of this lane, chained so they reach the connection in sequence order. */
  chain: Promise<void>;
}

/** Whether this run is idempotent; refuses idempotent=true with acks other than -1. */
export function idempotenceOf(options: Pick<ProduceOptions, 'acks' | 'idempotent'>): boolean {
  const acks = options.acks ?? -1;
  if (options.idempotent === true && acks !== -1) {
    throw new WorkbenchError(
      `Idempotent producing needs acks=all (-1), not acks=${acks}: the broker can only de-duplicate a resent batch that all in-sync replicas acknowledged. Use acks=-1, or turn idempotent producing off.`,
    );
  }
  return (options.idempotent ?? true) && acks === -1;
}

/** Produces `messages` to `options.topic` and reports what happened to each of them. */
export async function produceMessages(
  messages: ProduceMessage[] | AsyncIterable<ProduceMessage>,
  options: ProduceOptions,
  setup: ProduceSetup,
): Promise<ProduceResult> {
  const tuning = setup.tuning ?? DEFAULT_PRODUCER_TUNING;
  const { cluster, logger } = setup;
  const { topic, signal } = options;
  const acks = options.acks ?? -1;
  const idempotent = idempotenceOf(options);
  const deliveryTimeoutMs = options.deliveryTimeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const rate = options.ratePerSecond && options.ratePerSecond > 0 ? options.ratePerSecond : 0;
  const compressor = compressorFor(options.compression ?? 'none');
  const zstd = compressor.codec === CODEC_ATTRIBUTE.zstd;
  const started = performance.now();

  await cluster.connect();
  await cluster.addTargetTopic(topic);
  const partitionMetadata = cluster.findTopicPartitionMetadata(topic);
  if (partitionMetadata.length === 0) {
    throw Object.assign(new Error(`Topic ${topic} has no partitions in the metadata`), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
  }
  const partitionCount = partitionMetadata.length;
  if (Array.isArray(messages)) {
    const wrong = messages.find((m) => m.partition !== undefined && (!Number.isInteger(m.partition) || m.partition < 0 || m.partition >= partitionCount));
    if (wrong?.partition !== undefined) throw new WorkbenchError(partitionProblem(topic, partitionCount, wrong.partition));
  }
  const partitioner = Partitioners.DefaultPartitioner();
  // Messages without key or partition stick to one partition until its batch is full, then
  // move to the next (Kafka's sticky partitioning, KIP-480): full batches, fewer requests.
  const available = partitionMetadata.filter((p) => p.leader >= 0).map((p) => p.partitionId);
  const stickyChoices = available.length > 0 ? available : partitionMetadata.map((p) => p.partitionId);
  let stickyIndex = Math.floor(Math.random() * stickyChoices.length);
  const batchLimit = Math.max(1024, Math.min(tuning.batchBytes, setup.maxMessageBytes - RECORD_BATCH_OVERHEAD - 64));

  const records: ProducedRecord[] = [];
  const errors: ProduceResult['errors'] = [];
  const pending = new Map<number, PendingBatch>();
  const brokers = new Map<string, Promise<WireBroker>>();
  const inFlight = new Set<Promise<void>>();
  let read = 0;
  let fatal: string | undefined;
  let lastProgress = 0;

  const progress = (force: boolean): void => {
    if (!options.onProgress) return;
    const now = performance.now();
    if (!force && now - lastProgress < tuning.progressIntervalMs) return;
    lastProgress = now;
    const elapsedMs = now - started;
    const report: ProduceProgress = {
      total: Array.isArray(messages) ? messages.length : read,
      sent: records.length,
      failed: errors.length,
      ratePerSecond: elapsedMs > 0 ? Math.round((records.length / elapsedMs) * 1000) : 0,
      elapsedMs: Math.round(elapsedMs),
    };
    try {
      options.onProgress(report);
    } catch (error) {
      logger.warn(`produce ${topic}: the progress callback threw: ${String(error)}`);
    }
  };

  const leaderOf = (partition: number): string | undefined => Object.keys(cluster.findLeaderForPartitions(topic, [partition]))[0];

  const brokerFor = (partition: number): Promise<WireBroker> => {
    const nodeId = leaderOf(partition);
    if (nodeId === undefined) return Promise.reject(Object.assign(new Error(`No leader for partition ${partition}`), { type: 'LEADER_NOT_AVAILABLE' }));
    let broker = brokers.get(nodeId);
    if (!broker) {
      const lookup = cluster.findBroker({ nodeId }).then((b) => {
        if (!supportsProduceV3(b)) throw new WorkbenchError('This Kafka broker does not accept Produce requests of version 3 (Kafka 0.11 or later is needed).');
        if (zstd && !supportsProduceVersion(b, PRODUCE_VERSION_ZSTD)) {
          throw new WorkbenchError('This Kafka broker does not accept zstd-compressed messages (Kafka 2.1 or later is needed). Choose gzip, snappy or lz4.');
        }
        return b;
      });
      // Every caller awaits `lookup` and reports its error; this only keeps a lookup nobody
      // awaits any more (a cancelled run) from becoming an unhandled rejection, and lets the
      // next caller look again (the idempotent producer resends after a failed lookup).
      lookup.catch(() => {
        if (brokers.get(nodeId) === lookup) brokers.delete(nodeId);
      });
      brokers.set(nodeId, lookup);
      broker = lookup;
    }
    return broker;
  };

  const sizeProblem = (index: number, bytes: number): string =>
    `failed: message ${index + 1} is ${bytes.toLocaleString('en-US')} bytes as a record batch; topic "${topic}" accepts at most ${setup.maxMessageBytes.toLocaleString('en-US')} bytes (max.message.bytes). Make it smaller or raise the topic's limit.`;

  const encode = (batch: PendingBatch, producer: ProducerStamp): Promise<Buffer> => {
    try {
      return compressor.codec === 0
        ? Promise.resolve(encodeRecordBatch(batch.records, producer))
        : encodeCompressedRecordBatch(batch.records, compressor.codec, compressor.compress, producer);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };

  const acknowledge = (batch: PendingBatch, baseOffset: string | undefined): void => {
    if (baseOffset === undefined) {
      batch.indices.forEach((index) => records.push({ index, partition: batch.partition, offset: '-1' }));
      return;
    }
    const base = Number(baseOffset);
    const { partition, indices } = batch;
    if (Number.isSafeInteger(base + indices.length)) {
      // A Number is exact here and far cheaper than a BigInt per message.
      for (let i = 0; i < indices.length; i++) records.push({ index: indices[i] as number, partition, offset: String(base + i) });
      return;
    }
    const big = BigInt(baseOffset);
    indices.forEach((index, i) => records.push({ index, partition, offset: (big + BigInt(i)).toString() }));
  };

  /** Reports a batch the broker refused with `errorCode`: not written. */
  const refused = (batch: PendingBatch, errorCode: number): void => {
    const cause = protocolError(errorCode);
    const tooLarge = cause.type === 'MESSAGE_TOO_LARGE' || cause.type === 'RECORD_LIST_TOO_LARGE';
    batch.indices.forEach((index, i) => {
      const message = tooLarge
        ? sizeProblem(index, RECORD_BATCH_OVERHEAD + recordSize(batch.records[i] as BatchRecord, 0, (batch.records[i] as BatchRecord).timestamp))
        : `failed: Kafka rejected it (${cause.type ?? errorCode}): ${cause.message}`;
      errors.push({ index, message });
    });
  };

  const partitionResult = (results: ProducePartitionResult[], partition: number): ProducePartitionResult => {
    const result = results.find((r) => r.partition === partition);
    if (!result) throw new Error(`The broker's answer did not mention partition ${partition}`);
    return result;
  };

  // ---- Without idempotence: one send per batch; a failure is reported, not resent. ----

  const sendOnce = async (batch: PendingBatch): Promise<void> => {
    if (fatal !== undefined) {
      for (const index of batch.indices) errors.push({ index, message: `not sent: ${fatal}` });
      return;
    }
    let recordBatch: Buffer;
    try {
      recordBatch = await encode(batch, NO_PRODUCER);
    } catch (error) {
      for (const index of batch.indices) errors.push({ index, message: `failed: could not encode the message: ${String(error)}` });
      return;
    }
    try {
      const broker = await brokerFor(batch.partition);
      const results = await sendProduceRequest(broker, { topic, acks, timeoutMs: setup.requestTimeoutMs, batches: [{ partition: batch.partition, recordBatch }], zstd });
      if (acks === 0) {
        acknowledge(batch, undefined);
        return;
      }
      const result = partitionResult(results, batch.partition);
      if (result.errorCode !== 0) refused(batch, result.errorCode);
      else acknowledge(batch, result.baseOffset);
    } catch (error) {
      const reason = error instanceof WorkbenchError ? error.message : setup.explain(error);
      fatal ??= reason;
      logger.warn(`produce ${topic}: partition ${batch.partition}: ${reason}`);
      for (const index of batch.indices) errors.push({ index, message: `not acknowledged, it may or may not have been written: ${reason}` });
    } finally {
      progress(false);
    }
  };

  const dispatchOnce = async (batch: PendingBatch): Promise<void> => {
    while (inFlight.size >= tuning.maxInFlight) await Promise.race(inFlight);
    const task = sendOnce(batch).finally(() => inFlight.delete(task));
    inFlight.add(task);
  };

  // ---- Idempotent: sequence numbers per partition, resends in order until acknowledged. ----

  let producer: ProducerIdentity | undefined;
  const lanes = new Map<number, Lane>();
  const tally = { resentBatches: 0, offsetsUnknown: 0, epochBumps: 0 };
  let refreshing: Promise<unknown> | undefined;

  /** One metadata refresh at a time, shared by the partitions that need it; resolves with the error if it failed. */
  const refreshMetadata = (): Promise<unknown> => {
    refreshing ??= cluster.refreshMetadata().then(
      () => undefined,
      (error: unknown) => error,
    ).finally(() => { refreshing = undefined; });
    return refreshing;
  };

  const stampOf = (job: SequencedJob): ProducerStamp => ({
    producerId: (producer as ProducerIdentity).producerId,
    producerEpoch: job.epoch,
    baseSequence: job.baseSequence,
  });

  /** Settles a job for good with one message per record (or none when acknowledged). */
  const settle = (job: SequencedJob, message?: (index: number) => string): void => {
    if (job.settled) return;
    job.settled = true;
    if (message) for (const index of job.batch.indices) errors.push({ index, message: message(index) });
    job.settle();
  };

  /** Reports the jobs that will not be sent again: "not sent" if they never went out, "not acknowledged" if they did. */
  const abandon = (lane: Lane, reason: string): void => {
    for (const job of lane.waiting) {
      if (job.sends === 0) settle(job, () => `not sent: ${reason}`);
      else settle(job, () => `not acknowledged, it may or may not have been written: ${job.problem ?? reason}${job.problem !== undefined && reason !== job.problem ? ` (${reason})` : ''}`);
    }
    lane.waiting = [];
    lane.recovery = undefined;
  };

  const stopReason = (): string | undefined => fatal ?? (signal?.aborted === true ? 'cancelled' : undefined);

  const insertWaiting = (lane: Lane, job: SequencedJob): void => {
    const order = lane.sequences.unresolved;
    const rank = order.indexOf(job);
    const at = lane.waiting.findIndex((other) => order.indexOf(other) > rank);
    if (at < 0) lane.waiting.push(job);
    else lane.waiting.splice(at, 0, job);
  };

  const pump = (lane: Lane): void => {
    if (lane.recovery) {
      if (lane.sending.size === 0 && !lane.recovery.running) {
        recover(lane).catch((error: unknown) => {
          logger.error(`produce ${topic}: partition ${lane.partition}: ${String(error)}`);
          fatal ??= `the producer failed: ${String(error)}`;
          abandon(lane, fatal);
        });
      }
      return;
    }
    while (lane.waiting.length > 0 && lane.sending.size < MAX_IN_FLIGHT_PER_PARTITION) {
      const job = lane.waiting.shift() as SequencedJob;
      lane.sending.add(job);
      chainTransmit(lane, job);
    }
  };

  /** Queues `job` behind the lane's earlier sends; a failure of the machinery itself settles the job instead of stalling the lane. */
  const chainTransmit = (lane: Lane, job: SequencedJob): void => {
    lane.chain = lane.chain.then(() => transmit(lane, job)).catch((error: unknown) => {
      logger.error(`produce ${topic}: partition ${lane.partition}: ${String(error)}`);
      lane.sending.delete(job);
      fatal ??= `the producer failed: ${String(error)}`;
      settle(job, () => `not acknowledged, it may or may not have been written: ${fatal ?? ''}`);
      pump(lane);
    });
  };

  /** What a send's outcome means for the job and its lane. */
  const settleOutcome = (lane: Lane, job: SequencedJob, outcome: { results: ProducePartitionResult[] } | { thrown: unknown }): void => {
    lane.sending.delete(job);
    let verdict: ProduceVerdict;
    let problem: string;
    let errorCode = 0;
    let baseOffset: string | undefined;
    if ('thrown' in outcome) {
      if (outcome.thrown instanceof WorkbenchError) {
        verdict = 'fatal';
        problem = outcome.thrown.message;
      } else {
        // No answer (connection dropped or refused, request timed out, no leader known):
        // the batch may or may not have been written, and resending it is what the
        // sequence number makes safe.
        verdict = 'retry';
        problem = setup.explain(outcome.thrown);
      }
    } else {
      const result = outcome.results.find((r) => r.partition === lane.partition);
      if (!result) {
        verdict = 'retry';
        problem = `the broker's answer did not mention partition ${lane.partition}`;
      } else {
        errorCode = result.errorCode;
        baseOffset = result.baseOffset;
        const cause = errorCode === 0 ? undefined : protocolError(errorCode);
        verdict = produceVerdict(cause, job, lane.sequences);
        problem = cause ? `Kafka answered ${cause.type ?? errorCode}: ${cause.message}` : '';
      }
    }
    switch (verdict) {
      case 'acknowledged':
      case 'duplicate':
        if (verdict === 'duplicate') tally.offsetsUnknown += job.batch.indices.length;
        acknowledge(job.batch, verdict === 'duplicate' ? undefined : baseOffset);
        lane.sequences.acknowledge(job);
        settle(job);
        if (lane.recovery?.probe === job) {
          if (job.sends > 1) logger.info(`produce ${topic}: partition ${lane.partition}: resent batches are acknowledged again (${lane.recovery.attempt + 1} tries)`);
          lane.recovery = undefined;
        }
        break;
      case 'rejected':
        refused(job.batch, errorCode);
        lane.sequences.reject(job);
        settle(job);
        if (lane.recovery?.probe === job) lane.recovery.probe = undefined;
        break;
      case 'retry':
      case 'retryNewEpoch':
        job.problem = problem;
        if (job.nodeId !== undefined) brokers.delete(job.nodeId);
        if (verdict === 'retryNewEpoch') lane.bumpEpoch = true;
        insertWaiting(lane, job);
        if (!lane.recovery) {
          logger.warn(`produce ${topic}: partition ${lane.partition}: ${problem}; resending its unacknowledged batches with the same sequence numbers`);
          lane.recovery = { problem, attempt: 0, probe: undefined, running: false, unreachableSince: undefined };
        } else if (lane.recovery.probe === job) {
          lane.recovery.probe = undefined;
          lane.recovery.attempt += 1;
          lane.recovery.problem = problem;
        }
        break;
      case 'fatal':
        fatal ??= problem;
        logger.warn(`produce ${topic}: partition ${lane.partition}: ${problem}`);
        settle(job, () => (job.sends === 0 ? `not sent: ${problem}` : `failed: ${problem}`));
        lane.sequences.reject(job);
        if (lane.recovery) lane.recovery.probe = undefined;
        break;
    }
    progress(false);
    pump(lane);
  };

  /** Sends one job on its lane's chain: the next job of the lane is handed to the connection only after this one. */
  const transmit = async (lane: Lane, job: SequencedJob): Promise<void> => {
    let recordBatch: Buffer;
    try {
      recordBatch = await job.encoded;
    } catch (error) {
      lane.sending.delete(job);
      lane.sequences.reject(job);
      settle(job, () => `failed: could not encode the message: ${String(error)}`);
      pump(lane);
      return;
    }
    const stop = stopReason();
    if (stop !== undefined || (lane.recovery !== undefined && lane.recovery.probe !== job)) {
      // A failure before this job (or the end of the run) came while it waited its turn.
      lane.sending.delete(job);
      insertWaiting(lane, job);
      if (stop !== undefined && !lane.recovery) abandon(lane, stop);
      else pump(lane);
      return;
    }
    const stamp = stampOf(job);
    const written = readBatchProducer(recordBatch);
    if (written.producerEpoch !== stamp.producerEpoch || written.baseSequence !== stamp.baseSequence) stampRecordBatch(recordBatch, stamp);
    let broker: WireBroker;
    try {
      broker = await brokerFor(lane.partition);
    } catch (error) {
      settleOutcome(lane, job, { thrown: error });
      return;
    }
    job.nodeId = String(broker.nodeId);
    job.firstSentAt ??= performance.now();
    job.sends += 1;
    if (job.sends === 2) tally.resentBatches += 1;
    let queued: () => void = () => undefined;
    const handedOver = new Promise<void>((resolve) => { queued = resolve; });
    const answer = sendProduceRequest(broker, {
      topic,
      acks,
      timeoutMs: setup.requestTimeoutMs,
      batches: [{ partition: lane.partition, recordBatch }],
      zstd,
      onQueued: () => { queued(); },
    });
    const settled = answer.then(
      (results) => { settleOutcome(lane, job, { results }); },
      (error: unknown) => { settleOutcome(lane, job, { thrown: error }); },
    );
    await Promise.race([handedOver, settled]);
  };

  /** After a failure, once nothing of the lane is in flight: wait, refresh metadata, resend the first batch alone. */
  const recover = async (lane: Lane): Promise<void> => {
    const recovery = lane.recovery;
    if (!recovery) return;
    recovery.running = true;
    try {
      for (;;) {
        const head = lane.waiting[0];
        if (!head) {
          lane.recovery = undefined;
          return;
        }
        const stop = stopReason();
        if (stop !== undefined) {
          abandon(lane, stop);
          return;
        }
        const waited = performance.now() - (head.firstSentAt ?? performance.now());
        if (waited >= deliveryTimeoutMs) {
          fatal ??= `no acknowledgement from partition ${lane.partition} within the delivery timeout of ${Math.round(deliveryTimeoutMs / 1000)} s; last problem: ${recovery.problem}`;
          abandon(lane, fatal);
          return;
        }
        if (lane.bumpEpoch) {
          lane.bumpEpoch = false;
          try {
            lane.sequences.bumpEpoch();
          } catch (error) {
            fatal ??= `partition ${lane.partition}: ${String(error)}`;
            abandon(lane, fatal);
            return;
          }
          tally.epochBumps += 1;
          logger.warn(`produce ${topic}: partition ${lane.partition}: the broker lost this producer's sequence numbers (${recovery.problem}); continuing with epoch ${lane.sequences.epoch} from sequence 0`);
        }
        await sleep(retryBackoffMs(recovery.attempt), signal);
        if (stopReason() !== undefined) continue;
        const refreshError = await refreshMetadata();
        if (refreshError !== undefined) {
          // No broker answered: the cluster is down rather than moving a leader. Give up once
          // that has lasted a request timeout, so a stopped broker does not hold the run.
          const now = performance.now();
          recovery.unreachableSince ??= now;
          recovery.problem = setup.explain(refreshError);
          if (now - recovery.unreachableSince >= setup.requestTimeoutMs) {
            fatal ??= recovery.problem;
            abandon(lane, fatal);
            return;
          }
          recovery.attempt += 1;
          continue;
        }
        recovery.unreachableSince = undefined;
        lane.waiting.shift();
        recovery.probe = head;
        lane.sending.add(head);
        chainTransmit(lane, head);
        return;
      }
    } finally {
      recovery.running = false;
    }
  };

  const laneFor = (partition: number): Lane => {
    let lane = lanes.get(partition);
    if (!lane) {
      lane = {
        partition,
        sequences: new PartitionSequences<SequencedJob>((producer as ProducerIdentity).producerEpoch),
        waiting: [],
        sending: new Set(),
        recovery: undefined,
        bumpEpoch: false,
        chain: Promise.resolve(),
      };
      lanes.set(partition, lane);
    }
    return lane;
  };

  const dispatchSequenced = async (batch: PendingBatch): Promise<void> => {
    while (inFlight.size >= tuning.maxInFlight) await Promise.race(inFlight);
    const lane = laneFor(batch.partition);
    let resolve: () => void = () => undefined;
    const done = new Promise<void>((r) => { resolve = r; });
    const job: SequencedJob = {
      batch,
      count: batch.records.length,
      baseSequence: 0,
      epoch: 0,
      resequenced: false,
      encoded: Promise.resolve(Buffer.alloc(0)),
      firstSentAt: undefined,
      sends: 0,
      nodeId: undefined,
      problem: undefined,
      settled: false,
      settle: resolve,
    };
    lane.sequences.assign(job);
    job.encoded = encode(batch, stampOf(job));
    // transmit awaits it and reports an encoding failure; this only keeps a job abandoned
    // before its turn from leaving an unhandled rejection.
    job.encoded.catch(() => undefined);
    const task = done.finally(() => inFlight.delete(task));
    inFlight.add(task);
    lane.waiting.push(job);
    pump(lane);
  };

  /** InitProducerId, asked again while the broker says it is still getting ready (within the request timeout). */
  const obtainProducerId = async (): Promise<ProducerIdentity> => {
    const deadline = performance.now() + setup.requestTimeoutMs;
    const first = partitionMetadata.find((p) => p.leader >= 0) ?? partitionMetadata[0];
    for (let attempt = 0; ; attempt++) {
      try {
        return await initProducerId(await brokerFor(first?.partitionId ?? 0), 60_000, setup.requestTimeoutMs);
      } catch (error) {
        const type = kafkaErrorType(error);
        const retriable = (error as { retriable?: unknown }).retriable === true || type === 'LEADER_NOT_AVAILABLE';
        if (type === undefined || error instanceof WorkbenchError) throw error;
        if (retriable && performance.now() < deadline) {
          // Bounded by the request timeout; a cancel is seen by the run right after.
          await sleep(retryBackoffMs(attempt), undefined);
          if (type === 'LEADER_NOT_AVAILABLE') await refreshMetadata();
          continue;
        }
        if (type === 'CLUSTER_AUTHORIZATION_FAILED' || type === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED') {
          throw new WorkbenchError(
            `Kafka refused a producer id for idempotent producing (${type}): this user needs the IdempotentWrite permission on the cluster (or Write on a topic, Kafka 2.8 and later). Grant it, or turn idempotent producing off (setting kafkaAirflow.kafka.idempotentProducer).`,
            { cause: error },
          );
        }
        throw new WorkbenchError(
          `Kafka gave no producer id for idempotent producing (InitProducerId answered ${type}: ${error instanceof Error ? error.message : String(error)}). Produce again, or turn idempotent producing off (setting kafkaAirflow.kafka.idempotentProducer).`,
          { cause: error },
        );
      }
    }
  };

  if (idempotent) producer = await obtainProducerId();
  const dispatch = idempotent ? dispatchSequenced : dispatchOnce;

  const flushAll = async (): Promise<void> => {
    const batches = [...pending.values()];
    pending.clear();
    for (const batch of batches) await dispatch(batch);
  };

  /** The producer's clock for message timestamps, read every 256 messages and after every wait (a read per message cost more than the rest of enqueue). */
  let clock = Date.now();
  /** Adds one message to its partition's batch; returns a promise only when a full batch must be dispatched first. */
  const enqueue = (message: ProduceMessage, index: number): Promise<void> | undefined => {
    if (message.partition !== undefined && (!Number.isInteger(message.partition) || message.partition < 0 || message.partition >= partitionCount)) {
      errors.push({ index, message: `failed: ${partitionProblem(topic, partitionCount, message.partition)}` });
      return undefined;
    }
    if ((index & 255) === 0) clock = Date.now();
    const record = toBatchRecord(message, clock);
    // An upper bound is enough to fill batches; the exact size is worked out only near the limit.
    const size = recordSizeBound(record);
    if (compressor.codec === 0 && RECORD_BATCH_OVERHEAD + size > setup.maxMessageBytes) {
      const exact = RECORD_BATCH_OVERHEAD + recordSize(record, 0, record.timestamp);
      if (exact > setup.maxMessageBytes) {
        errors.push({ index, message: sizeProblem(index, exact) });
        return undefined;
      }
    }
    const sticky = message.partition === undefined && (message.key === undefined || message.key === null);
    const partition = sticky
      ? (stickyChoices[stickyIndex] as number)
      : partitioner({ topic, partitionMetadata, message: { key: message.key ?? null, value: message.value, partition: message.partition } });
    const add = (batch: PendingBatch): void => {
      batch.indices.push(index);
      batch.records.push(record);
      batch.bytes += size;
    };
    const batch = pending.get(partition);
    if (batch && (batch.bytes + size > batchLimit || batch.records.length >= tuning.batchRecords)) {
      pending.delete(partition);
      if (sticky) stickyIndex = (stickyIndex + 1) % stickyChoices.length;
      const next: PendingBatch = { partition, indices: [], records: [], bytes: 0 };
      add(next);
      return dispatch(batch).then(() => {
        // After the wait: a batch of this partition may have been started meanwhile (a flush).
        clock = Date.now();
        const current = pending.get(partition);
        if (current) {
          current.indices.push(...next.indices);
          current.records.push(...next.records);
          current.bytes += next.bytes;
        } else {
          pending.set(partition, next);
        }
      });
    }
    if (batch) add(batch);
    else {
      const fresh: PendingBatch = { partition, indices: [], records: [], bytes: 0 };
      add(fresh);
      pending.set(partition, fresh);
    }
    return undefined;
  };

  const source: Iterable<ProduceMessage> | AsyncIterable<ProduceMessage> = messages;
  const notSent = (from: number, to: number, reason: string): void => {
    for (let index = from; index < to; index++) errors.push({ index, message: `not sent: ${reason}` });
  };
  try {
    if (isAsyncIterable(source)) {
      for await (const message of source) {
        if (signal?.aborted || fatal !== undefined) break;
        if (rate > 0) await pace(read);
        if (signal?.aborted) break;
        const wait = enqueue(message, read++);
        if (wait) await wait;
      }
    } else {
      for (const message of source) {
        if (signal?.aborted || fatal !== undefined) break;
        if (rate > 0) await pace(read);
        if (signal?.aborted) break;
        const wait = enqueue(message, read++);
        if (wait) await wait;
      }
    }
  } finally {
    if (signal?.aborted === true) {
      for (const batch of pending.values()) for (const index of batch.indices) errors.push({ index, message: 'not sent: cancelled' });
      pending.clear();
    }
    await flushAll();
    while (inFlight.size > 0) await Promise.race(inFlight);
    if (Array.isArray(messages) && read < messages.length) notSent(read, messages.length, signal?.aborted === true ? 'cancelled' : (fatal ?? 'the run stopped'));
    progress(true);
  }

  async function pace(index: number): Promise<void> {
    const due = started + (index * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 2) {
      await flushAll();
      await sleep(wait, signal);
    }
  }

  inInputOrder(records);
  errors.sort((a, b) => a.index - b.index);
  const idempotence: IdempotenceReport | undefined = producer
    ? { producerId: producer.producerId.toString(), producerEpoch: producer.producerEpoch, ...tally }
    : undefined;
  return {
    topic,
    sent: records.length,
    failed: errors.length,
    cancelled: signal?.aborted === true,
    elapsedMs: Math.round(performance.now() - started),
    records,
    errors,
    ...(idempotence ? { idempotence } : {}),
  };
}
