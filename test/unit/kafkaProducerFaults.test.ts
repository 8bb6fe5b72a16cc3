// The idempotent producer's resends against FakeBrokerWithScriptedFaults: a stand-in broker,
// used only for the faults a real broker cannot be made to show on cue: an answer lost
// AFTER the batch was written, DUPLICATE_SEQUENCE_NUMBER (only brokers before Kafka 2.x
// send it), and a broker that forgot this producer's sequence numbers. It checks sequences
// the way Kafka's ProducerAppendInfo does and keeps the last five batches per partition for
// de-duplication. The real broker and a real leader kill are in test/integration/
// kafkaIdempotence.test.ts and clusterProduce.test.ts.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type { WireBroker, WireCluster } from '../../src/kafka/kafkajsInternals';
import { produceMessages, type ProducerTuning } from '../../src/kafka/producer';
import { incrementSequence, readBatchProducer } from '../../src/kafka/recordBatch';
import type { ProduceMessage, ProduceResult } from '../../src/kafka/types';
import { silentLogger } from '../../src/shared/logger';

const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{ records: { value: Buffer | null }[] }>;

type Fault = 'loseAnswerAfterWrite' | 'notLeader' | 'forgetProducer' | 'refuseConnection';

interface ProducerState {
  producerId: bigint;
  epoch: number;
  lastSequence: number;
  recent: { first: number; last: number; baseOffset: number }[];
}

interface WrittenBatch {
  baseOffset: number;
  batch: Buffer;
  producerId: bigint;
  epoch: number;
  baseSequence: number;
}

/** A stand-in broker (node 1, leader of every partition) that validates sequences like Kafka and fails on cue. */
class FakeBrokerWithScriptedFaults {
  readonly written = new Map<number, WrittenBatch[]>();
  private readonly ends = new Map<number, number>();
  private readonly states = new Map<number, ProducerState>();
  private readonly outstanding = new Map<number, number>();
  maxOutstandingPerPartition = 0;
  requests = 0;
  refreshes = 0;

  /**
   * @param faults request number (0-based, over all Produce requests) → fault
   * @param answerDuplicatesWithError answer a recognised resend with DUPLICATE_SEQUENCE_NUMBER, as brokers before Kafka 2.x did
   * @param refuseFrom refuse every request from this number on (a broker that never comes back)
   */
  constructor(
    private readonly partitions: number,
    private readonly faults: ReadonlyMap<number, Fault> = new Map(),
    private readonly answerDuplicatesWithError = false,
    private readonly refuseFrom = Number.POSITIVE_INFINITY,
    private readonly answerDelayMs = 1,
  ) {}

  cluster(): WireCluster {
    const broker: WireBroker = {
      nodeId: 1,
      versions: null,
      connect: () => Promise.resolve(),
      isConnected: () => true,
      fetch: () => Promise.reject(new Error('not used')),
      connectionPool: { send: (request) => this.send(request) },
    };
    const notUsed = (): Promise<never> => Promise.reject(new Error('not used'));
    return {
      connect: () => Promise.resolve(),
      disconnect: () => Promise.resolve(),
      isConnected: () => true,
      addTargetTopic: () => Promise.resolve(),
      refreshMetadata: () => { this.refreshes++; return Promise.resolve(); },
      metadata: notUsed,
      findTopicPartitionMetadata: () => Array.from({ length: this.partitions }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 1, replicas: [1], isr: [1] })),
      findLeaderForPartitions: (_topic, partitions) => ({ '1': partitions }),
      findBroker: () => Promise.resolve(broker),
      fetchTopicsOffset: notUsed,
    };
  }

  /** The values written to `partition`, in offset order. */
  async values(partition: number): Promise<string[]> {
    const values: string[] = [];
    for (const { batch } of this.written.get(partition) ?? []) {
      const decoded = await decodeBatch(new Decoder(batch));
      values.push(...decoded.records.map((r) => r.value?.toString() ?? ''));
    }
    return values;
  }

  private async send(request: Parameters<WireBroker['connectionPool']['send']>[0]): Promise<unknown> {
    const { buf } = await request.request.encode();
    if (request.request.apiKey === 22) {
      // InitProducerId: throttle time, no error, producer id 1000, epoch 0.
      const answer = Buffer.alloc(16);
      answer.writeBigInt64BE(1000n, 6);
      return request.response.decode(answer);
    }
    const number = this.requests++;
    // Produce v3: transactional id, acks, timeout, one topic, its partitions.
    let at = 2 + 2 + 4 + 4;
    const topicLength = buf.readInt16BE(at);
    const topicName = buf.toString('utf8', at + 2, at + 2 + topicLength);
    at += 2 + topicLength;
    const count = buf.readInt32BE(at);
    at += 4;
    const partitions: { partition: number; errorCode: number; baseOffset: string }[] = [];
    let fault = this.faults.get(number);
    if (number >= this.refuseFrom) fault = 'refuseConnection';
    if (fault === 'refuseConnection') throw Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1'), { name: 'KafkaJSConnectionError' });
    for (let i = 0; i < count; i++) {
      const partition = buf.readInt32BE(at);
      const size = buf.readInt32BE(at + 4);
      const batch = Buffer.from(buf.subarray(at + 8, at + 8 + size));
      at += 8 + size;
      this.outstanding.set(partition, (this.outstanding.get(partition) ?? 0) + 1);
      this.maxOutstandingPerPartition = Math.max(this.maxOutstandingPerPartition, this.outstanding.get(partition) ?? 0);
      if (fault === 'forgetProducer') this.states.delete(partition);
      partitions.push(fault === 'notLeader' ? { partition, errorCode: 6, baseOffset: '-1' } : { partition, ...this.append(partition, batch) });
    }
    await new Promise((resolve) => setTimeout(resolve, this.answerDelayMs));
    for (const { partition } of partitions) this.outstanding.set(partition, (this.outstanding.get(partition) ?? 1) - 1);
    if (fault === 'loseAnswerAfterWrite') throw Object.assign(new Error('Closed connection'), { name: 'KafkaJSConnectionClosedError' });
    return { topics: [{ topicName, partitions }], throttleTime: 0 };
  }

  /** Kafka's checks for an idempotent batch (ProducerAppendInfo), then the append. */
  private append(partition: number, batch: Buffer): { errorCode: number; baseOffset: string } {
    const { producerId, producerEpoch: epoch, baseSequence } = readBatchProducer(batch);
    const records = batch.readInt32BE(57);
    const last = incrementSequence(baseSequence, records - 1);
    const state = this.states.get(partition);
    if (state && state.producerId === producerId && state.epoch === epoch) {
      const duplicate = state.recent.find((r) => r.first === baseSequence && r.last === last);
      if (duplicate) return this.answerDuplicatesWithError ? { errorCode: 46, baseOffset: '-1' } : { errorCode: 0, baseOffset: String(duplicate.baseOffset) };
    }
    if (!state || state.producerId !== producerId || epoch > state.epoch) {
      if (baseSequence !== 0) return { errorCode: 45, baseOffset: '-1' };
    } else if (epoch < state.epoch) {
      return { errorCode: 47, baseOffset: '-1' };
    } else if (baseSequence !== incrementSequence(state.lastSequence, 1)) {
      return { errorCode: 45, baseOffset: '-1' };
    }
    const baseOffset = this.ends.get(partition) ?? 0;
    this.ends.set(partition, baseOffset + records);
    const list = this.written.get(partition) ?? [];
    list.push({ baseOffset, batch, producerId, epoch, baseSequence });
    this.written.set(partition, list);
    const sameEpoch = state && state.producerId === producerId && state.epoch === epoch ? state.recent : [];
    this.states.set(partition, { producerId, epoch, lastSequence: last, recent: [...sameEpoch, { first: baseSequence, last, baseOffset }].slice(-5) });
    return { errorCode: 0, baseOffset: String(baseOffset) };
  }
}

const TUNING: ProducerTuning = { batchBytes: 512 * 1024, batchRecords: 50, maxInFlight: 8, progressIntervalMs: 100 };

function keyed(count: number): ProduceMessage[] {
  return Array.from({ length: count }, (_, i) => ({ key: `k${i % 7}`, value: `m${i}` }));
}

async function produce(broker: FakeBrokerWithScriptedFaults, messages: ProduceMessage[], deliveryTimeoutMs = 10_000): Promise<ProduceResult> {
  return produceMessages(messages, { topic: 't', deliveryTimeoutMs }, {
    cluster: broker.cluster(),
    maxMessageBytes: 1_048_588,
    requestTimeoutMs: 1000,
    logger: silentLogger,
    explain: (error) => (error instanceof Error ? error.message : String(error)),
    tuning: TUNING,
  });
}

/** Every acknowledged message is in the log exactly once, at its reported offset, and each partition holds the input order. */
async function assertWrittenOnceInOrder(broker: FakeBrokerWithScriptedFaults, messages: ProduceMessage[], result: ProduceResult, partitions: number): Promise<void> {
  const seen = new Map<string, number>();
  for (let p = 0; p < partitions; p++) {
    const values = await broker.values(p);
    for (const value of values) seen.set(value, (seen.get(value) ?? 0) + 1);
    const indices = values.map((v) => Number(v.slice(1)));
    assert.deepEqual(indices, [...indices].sort((a, b) => a - b), `partition ${p} holds the input order`);
    for (const record of result.records.filter((r) => r.partition === p && r.offset !== '-1')) {
      assert.equal(values[Number(record.offset)], messages[record.index]?.value, `partition ${p} offset ${record.offset}`);
    }
  }
  const duplicated = [...seen.values()].filter((n) => n > 1).length;
  assert.equal(duplicated, 0, 'no message written twice');
  for (const record of result.records) assert.equal(seen.get(String(messages[record.index]?.value)), 1, `message ${record.index} is in the log`);
}

describe('idempotent resends against FakeBrokerWithScriptedFaults', () => {
  it('resends a batch whose answer was lost after it was written, and the broker writes it once', async () => {
    const broker = new FakeBrokerWithScriptedFaults(3, new Map([[3, 'loseAnswerAfterWrite'], [11, 'loseAnswerAfterWrite'], [12, 'loseAnswerAfterWrite']]));
    const messages = keyed(2000);
    const result = await produce(broker, messages);
    assert.equal(result.sent, 2000, result.errors[0]?.message);
    assert.equal(result.failed, 0);
    await assertWrittenOnceInOrder(broker, messages, result, 3);
    const idempotence = result.idempotence;
    assert.ok(idempotence);
    assert.ok(idempotence.resentBatches >= 3, `resent ${idempotence.resentBatches}`);
    assert.equal(idempotence.offsetsUnknown, 0, 'Kafka 2+ answers a resend with the original offset');
    assert.equal(idempotence.producerId, '1000');
    assert.ok(broker.refreshes >= 1, 'metadata was refreshed before resending');
  });

  it('resends after NOT_LEADER_OR_FOLLOWER in order, behind the batches that were already in flight', async () => {
    const broker = new FakeBrokerWithScriptedFaults(1, new Map([[2, 'notLeader'], [9, 'notLeader']]));
    const messages = keyed(1500);
    const result = await produce(broker, messages);
    assert.equal(result.sent, 1500, result.errors[0]?.message);
    await assertWrittenOnceInOrder(broker, messages, result, 1);
    assert.deepEqual((await broker.values(0)).length, 1500);
  });

  it('keeps at most five batches of a partition in flight', async () => {
    const broker = new FakeBrokerWithScriptedFaults(1, new Map(), false, Number.POSITIVE_INFINITY, 5);
    const result = await produce(broker, keyed(3000));
    assert.equal(result.sent, 3000);
    assert.equal(broker.maxOutstandingPerPartition, 5);
  });

  it('counts DUPLICATE_SEQUENCE_NUMBER as written and reports the offset as unknown (-1)', async () => {
    const broker = new FakeBrokerWithScriptedFaults(1, new Map([[1, 'loseAnswerAfterWrite']]), true);
    const messages = keyed(400);
    const result = await produce(broker, messages);
    assert.equal(result.sent, 400);
    const unknown = result.records.filter((r) => r.offset === '-1');
    assert.equal(unknown.length, 50, 'one batch of 50');
    assert.equal(result.idempotence?.offsetsUnknown, 50);
    await assertWrittenOnceInOrder(broker, messages, result, 1);
  });

  it('starts a new epoch from sequence 0 when the broker forgot the producer, and loses nothing', async () => {
    const broker = new FakeBrokerWithScriptedFaults(1, new Map([[4, 'forgetProducer']]));
    const messages = keyed(1000);
    const result = await produce(broker, messages);
    assert.equal(result.sent, 1000, result.errors[0]?.message);
    assert.equal(result.idempotence?.epochBumps, 1);
    await assertWrittenOnceInOrder(broker, messages, result, 1);
    const written = broker.written.get(0) ?? [];
    const firstOfNewEpoch = written.find((w) => w.epoch === 1);
    assert.equal(firstOfNewEpoch?.baseSequence, 0);
    assert.equal(written.filter((w) => w.epoch === 0).length, 4, 'four batches before the broker forgot');
  });

  it('gives up after the delivery timeout when the leader never answers again, and accounts for every message', async () => {
    const broker = new FakeBrokerWithScriptedFaults(2, new Map(), false, 6);
    const messages = keyed(2000);
    const started = performance.now();
    const result = await produce(broker, messages, 1500);
    const took = performance.now() - started;
    assert.ok(took < 6000, `returned after ${Math.round(took)} ms`);
    assert.ok(result.sent > 0 && result.sent < 2000, `sent ${result.sent}`);
    assert.equal(result.sent + result.failed, 2000);
    const indices = new Set([...result.records.map((r) => r.index), ...result.errors.map((e) => e.index)]);
    assert.equal(indices.size, 2000, 'each message either acknowledged or reported');
    assert.ok(result.errors.some((e) => /^not acknowledged, it may or may not have been written: Connection error: connect ECONNREFUSED/.test(e.message)), result.errors[0]?.message);
    assert.ok(result.errors.some((e) => /delivery timeout of 2 s/.test(e.message)), 'the give-up names the delivery timeout');
    await assertWrittenOnceInOrder(broker, messages, result, 2);
  });
});
