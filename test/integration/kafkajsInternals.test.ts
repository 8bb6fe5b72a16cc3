/**
 * Fails loudly when a kafkajs update changes one of the internals the workbench reaches into
 * (src/kafka/kafkajsInternals.ts), against the native stack's real broker 127.0.0.1:9092:
 * every `require('kafkajs/src/...')` in that file must have a check here (a test reads the file
 * and says which is missing), and each check uses the internal as the workbench does and
 * asserts what the workbench relies on: Cluster and its private broker pool, Broker's request
 * lookup, listOffsets, describeConfigs, connection pool and fetch, the Produce v3/v7 and
 * Metadata and Fetch request definitions, the decoders, Batch's filtering of an aborted
 * transaction, the logger and the socket factory, and protocol errors by code. kafkajs has had
 * no release since 2.2.4 (2023); the README's "Kafka client" section says why it stays.
 *
 *   bash stack/native/stack.sh up kafka
 *   node --import tsx --test --test-concurrency=1 test/integration/kafkajsInternals.test.ts
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import {
  configsFromConnectedBroker, createWireCluster, initProducerId, metadataWithOfflinePartitions, offsetsFromConnectedBroker,
  protocolError, sendProduceRequest, supportsProduceVersion, PRODUCE_VERSION_ZSTD, type WireBroker, type WireCluster,
} from '../../src/kafka/kafkajsInternals';
import { KafkaService } from '../../src/kafka/kafkaService';
import { encodeRecordBatch } from '../../src/kafka/recordBatch';
import { silentLogger } from '../../src/shared/logger';
import { probeTcp } from '../../src/stack/health';
import { removeTestTopics } from '../support/testTopics';

const require = createRequire(import.meta.url);
const BROKER = '127.0.0.1:9092';
const RUN = `wb-kjs-internals-${Date.now().toString(36)}`;
const TOPIC = `${RUN}-data`;
const TXN_TOPIC = `${RUN}-txn`;
const PARTITIONS = 3;
const PER_PARTITION = 4;
const INTERNALS_SOURCE = path.resolve(__dirname, '..', '..', 'src', 'kafka', 'kafkajsInternals.ts');

const service = new KafkaService({ name: 'internals', brokers: [BROKER], ssl: false, saslMechanism: 'none', clientId: 'workbench-internals-it', requestTimeoutMs: 15_000 }, silentLogger);
const kafka = new Kafka({ brokers: [BROKER], clientId: 'workbench-internals-it', logLevel: logLevel.NOTHING });
let wire: WireCluster | undefined;
/** The Cluster made in before(). */
function clusterOf(): WireCluster {
  if (!wire) throw new Error('the kafkajs Cluster was not created: see the error of before()');
  return wire;
}

/** The private parts of kafkajs's Cluster and Broker that kafkajsInternals.ts uses besides WireCluster and WireBroker. */
interface PooledBroker extends WireBroker {
  lookupRequest(apiKey: number, definitions: unknown): (args: Record<string, unknown>) => { request: { apiKey: number; apiVersion: number; encode: () => Promise<{ buffer: Buffer }> }; response: { decode: (raw: Buffer) => Promise<unknown>; parse: (data: unknown) => Promise<unknown> } };
  listOffsets: unknown;
  describeConfigs: unknown;
}
const pooled = (c: WireCluster): { findConnectedBroker(): Promise<PooledBroker> } => (c as unknown as { brokerPool: { findConnectedBroker(): Promise<PooledBroker> } }).brokerPool;

before(async () => {
  const probe = await probeTcp('127.0.0.1', 9092, 3000);
  if (!probe.reachable) throw new Error(`Kafka is not running on ${BROKER} (${probe.error ?? ''}). Start it: bash stack/native/stack.sh up kafka`);
  await service.createTopic({ name: TOPIC, partitions: PARTITIONS, replicationFactor: 1 });
  await service.createTopic({ name: TXN_TOPIC, partitions: 1, replicationFactor: 1 });
  // PER_PARTITION records in each partition, through the workbench's own producer.
  const messages = Array.from({ length: PARTITIONS * PER_PARTITION }, (_, i) => ({ partition: i % PARTITIONS, key: `k${i}`, value: `v${i}` }));
  const produced = await service.produce(messages, { topic: TOPIC });
  assert.equal(produced.sent, messages.length, `set-up: ${produced.errors[0]?.message ?? ''}`);
  wire = createWireCluster({ brokers: [BROKER], clientId: 'workbench-internals-it', requestTimeout: 15_000 });
  await wire.connect();
  await wire.addTargetTopic(TOPIC);
});

after(async () => {
  await wire?.disconnect();
  await removeTestTopics(service, [TOPIC, TXN_TOPIC]);
  await service.dispose();
});

/** A broker of the cluster that leads partition 0 of TOPIC. */
async function leaderOfPartition0(): Promise<WireBroker> {
  const cluster = clusterOf();
  const [nodeId] = Object.keys(cluster.findLeaderForPartitions(TOPIC, [0]));
  assert.ok(nodeId !== undefined, 'findLeaderForPartitions names a leader of partition 0');
  return cluster.findBroker({ nodeId });
}

/** One check per kafkajs internal module: what the workbench relies on, on the real broker. */
const checks: Record<string, () => Promise<void>> = {
  'kafkajs/src/cluster': async () => {
    const cluster = clusterOf();
    assert.equal(cluster.isConnected(), true, 'Cluster.connect() connects');
    const metadata = await cluster.metadata({ topics: [TOPIC] });
    const topic = metadata.topicMetadata.find((t) => t.topic === TOPIC);
    assert.ok(topic, 'Cluster.metadata() lists the topic');
    assert.equal(topic.partitionMetadata.length, PARTITIONS);
    assert.ok(metadata.brokers.every((b) => Number.isInteger(b.nodeId) && typeof b.host === 'string' && Number.isInteger(b.port)), 'brokers have nodeId, host, port');
    await cluster.refreshMetadata();
    const partitions = cluster.findTopicPartitionMetadata(TOPIC);
    assert.deepEqual(partitions.map((p) => p.partitionId).sort(), [0, 1, 2]);
    for (const p of partitions) assert.ok(Number.isInteger(p.leader) && Array.isArray(p.replicas) && Array.isArray(p.isr), 'partition metadata has leader, replicas, isr');
    const byLeader = cluster.findLeaderForPartitions(TOPIC, [0, 1, 2]);
    assert.deepEqual(Object.values(byLeader).flat().sort(), [0, 1, 2], 'findLeaderForPartitions maps node ids to partitions');
    const broker = await leaderOfPartition0();
    for (const apiKey of [0 /* Produce */, 1 /* Fetch */, 2 /* ListOffsets */, 3 /* Metadata */, 22 /* InitProducerId */, 32 /* DescribeConfigs */]) {
      assert.ok(broker.versions?.[apiKey], `Broker.versions has API key ${apiKey} after connect`);
    }
    assert.equal(broker.isConnected(), true);
    const offsets = await cluster.fetchTopicsOffset([{ topic: TOPIC, partitions: [{ partition: 0 }, { partition: 1 }, { partition: 2 }] }]);
    assert.deepEqual(offsets[0]?.partitions.map((p) => p.offset), Array<string>(PARTITIONS).fill(String(PER_PARTITION)), 'fetchTopicsOffset gives each partition\'s end offset as a string');
    // The private broker pool and the broker calls the workbench's wrappers make.
    const connected = await pooled(cluster).findConnectedBroker();
    for (const method of ['lookupRequest', 'listOffsets', 'describeConfigs'] as const) assert.equal(typeof connected[method], 'function', `Broker.${method}`);
    assert.equal(typeof connected.connectionPool.send, 'function', 'Broker.connectionPool.send');
    const raw = await metadataWithOfflinePartitions(cluster, [TOPIC]);
    assert.deepEqual(raw.topicMetadata.find((t) => t.topic === TOPIC)?.partitionMetadata.map((p) => p.partitionErrorCode), [0, 0, 0]);
    const bounds = await offsetsFromConnectedBroker(cluster, TOPIC, [0, 1, 2]);
    assert.deepEqual([...bounds.values()], Array(PARTITIONS).fill({ low: '0', high: String(PER_PARTITION) }));
    const configs = await configsFromConnectedBroker(cluster, TOPIC);
    assert.ok(configs.some((c) => c.configName === 'max.message.bytes' && /^\d+$/.test(c.configValue)), 'describeConfigs gives max.message.bytes');
    const identity = await initProducerId(broker, 60_000, 15_000);
    assert.ok(identity.producerId >= 0n && identity.producerEpoch >= 0, 'InitProducerId on the broker\'s connection pool');
  },

  'kafkajs/src/loggers': () => {
    const loggers = require('kafkajs/src/loggers') as { createLogger: (o: { level: number; logCreator: unknown }) => { namespace: (n: string) => { warn: (m: string) => void; info: (m: string) => void } }; LEVELS: { NOTHING: number; ERROR: number; WARN: number; INFO: number; DEBUG: number } };
    assert.deepEqual(loggers.LEVELS, { NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 });
    const seen: { namespace: string; label: string; message: string }[] = [];
    const logger = loggers.createLogger({ level: loggers.LEVELS.WARN, logCreator: () => (entry: { namespace: string; label: string; log: { message: string } }) => { seen.push({ namespace: entry.namespace, label: entry.label, message: entry.log.message }); } });
    logger.namespace('Test').info('below the level');
    logger.namespace('Test').warn('reaches the log creator');
    assert.deepEqual(seen, [{ namespace: 'Test', label: 'WARN', message: 'reaches the log creator' }]);
    return Promise.resolve();
  },

  'kafkajs/src/network/socketFactory': async () => {
    const factory = (require('kafkajs/src/network/socketFactory') as () => (o: { host: string; port: number; ssl: unknown; onConnect: () => void }) => Socket)();
    await new Promise<void>((resolve, reject) => {
      const socket = factory({ host: '127.0.0.1', port: 9092, ssl: null, onConnect: () => { socket.end(); resolve(); } });
      socket.once('error', reject);
    });
  },

  'kafkajs/src/consumer/batch': async () => {
    // An aborted transaction between committed records: read_committed must hide it and the markers.
    const producer = kafka.producer({ transactionalId: `${RUN}-txn`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const committed = await producer.transaction();
      await committed.send({ topic: TXN_TOPIC, messages: [{ value: 'kept-1' }] });
      await committed.commit();
      const aborted = await producer.transaction();
      await aborted.send({ topic: TXN_TOPIC, messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
      await aborted.abort();
      const last = await producer.transaction();
      await last.send({ topic: TXN_TOPIC, messages: [{ value: 'kept-2' }] });
      await last.commit();
    } finally {
      await producer.disconnect();
    }
    const cluster = clusterOf();
    await cluster.addTargetTopic(TXN_TOPIC);
    const [nodeId] = Object.keys(cluster.findLeaderForPartitions(TXN_TOPIC, [0]));
    const broker = await cluster.findBroker({ nodeId: nodeId ?? '' });
    const answer = await broker.fetch({ isolationLevel: 1, maxWaitTime: 100, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: TXN_TOPIC, partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 1 << 20 }] }] });
    const partition = answer.responses[0]?.partitions[0];
    assert.ok(partition, 'Broker.fetch answers for the partition');
    assert.equal(partition.abortedTransactions?.length, 1, 'the answer names the aborted transaction');
    const Batch = require('kafkajs/src/consumer/batch') as new (topic: string, fetchedOffset: string, data: unknown) => { messages: { value: Buffer | null }[] };
    assert.deepEqual(new Batch(TXN_TOPIC, '0', partition).messages.map((m) => m.value?.toString()), ['kept-1', 'kept-2']);
    assert.deepEqual(new Batch(TXN_TOPIC, '1', partition).messages.map((m) => m.value?.toString()), ['kept-2'], 'records below the fetch offset are dropped');
  },

  'kafkajs/src/protocol/requests/produce/v3/response': async () => {
    const broker = await leaderOfPartition0();
    const results = await sendProduceRequest(broker, { topic: TOPIC, acks: -1, timeoutMs: 15_000, batches: [{ partition: 0, recordBatch: encodeRecordBatch([{ key: Buffer.from('v3'), value: Buffer.from('produce v3'), headers: [], timestamp: Date.now() }]) }] });
    assert.deepEqual(results.map((r) => [r.partition, r.errorCode]), [[0, 0]]);
    assert.match(results[0]?.baseOffset ?? '', /^\d+$/, 'the v3 decoder gives the base offset');
    // The broker's error for a partition that does not exist comes back through the same decoder.
    const refused = await sendProduceRequest(broker, { topic: TOPIC, acks: -1, timeoutMs: 15_000, batches: [{ partition: 7, recordBatch: encodeRecordBatch([{ key: null, value: Buffer.from('x'), headers: [], timestamp: Date.now() }]) }] });
    assert.equal(protocolError(refused[0]?.errorCode ?? 0).type, 'UNKNOWN_TOPIC_OR_PARTITION');
  },

  'kafkajs/src/protocol/requests/produce/v7/response': async () => {
    const broker = await leaderOfPartition0();
    assert.ok(supportsProduceVersion(broker, PRODUCE_VERSION_ZSTD), 'Kafka 4 takes Produce v7');
    const results = await sendProduceRequest(broker, { topic: TOPIC, acks: -1, timeoutMs: 15_000, zstd: true, batches: [{ partition: 0, recordBatch: encodeRecordBatch([{ key: null, value: Buffer.from('produce v7'), headers: [], timestamp: Date.now() }]) }] });
    assert.deepEqual(results.map((r) => [r.partition, r.errorCode]), [[0, 0]]);
    assert.match(results[0]?.baseOffset ?? '', /^\d+$/, 'the v7 decoder gives the base offset');
  },

  'kafkajs/src/protocol/requests/metadata': async () => {
    const definitions = require('kafkajs/src/protocol/requests/metadata') as { versions: string[] };
    assert.ok(definitions.versions.includes('4'), 'Metadata v4+ (allowAutoTopicCreation) is defined');
    const broker = await pooled(clusterOf()).findConnectedBroker();
    const { request } = broker.lookupRequest(3, definitions)({ topics: [TOPIC], allowAutoTopicCreation: false });
    assert.equal(request.apiKey, 3);
  },

  'kafkajs/src/protocol/requests/fetch': async () => {
    const definitions = require('kafkajs/src/protocol/requests/fetch') as { versions: string[] };
    assert.ok(definitions.versions.includes('4') && definitions.versions.includes('11'), 'Fetch v4 to v11 are defined');
    const broker = (await leaderOfPartition0()) as PooledBroker;
    const { request, response } = broker.lookupRequest(1, definitions)({
      replicaId: -1, isolationLevel: 1, maxWaitTime: 100, minBytes: 1, maxBytes: 1 << 20, rackId: '',
      topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 1 << 20 }] }],
    });
    assert.equal(request.apiKey, 1);
    assert.ok(request.apiVersion >= 4 && request.apiVersion <= 11, `Fetch v${request.apiVersion} is what kafkajs sends`);
    const answer = (await broker.connectionPool.send({ request: { ...request, apiName: 'Fetch', expectResponse: () => true, encode: async () => { const e = await request.encode(); return { buf: e.buffer, buffer: e.buffer }; } }, response })) as { responses: { partitions: { errorCode: number; messages: unknown[] }[] }[] };
    const partition = answer.responses[0]?.partitions[0];
    assert.ok(partition, 'the Fetch answer has the partition');
    assert.equal(partition.errorCode, 0);
    assert.ok(partition.messages.length >= PER_PARTITION, 'the fetched partition holds its records');
  },

  'kafkajs/src/protocol/decoder': () => {
    const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => { readInt32(): number; readInt16(): number; readBytes(): Buffer };
    const bytes = Buffer.from([0, 0, 1, 2, 0, 7, 0, 0, 0, 2, 0xca, 0xfe]);
    const d = new Decoder(bytes);
    assert.equal(d.readInt32(), 258);
    assert.equal(d.readInt16(), 7);
    assert.deepEqual(d.readBytes(), Buffer.from([0xca, 0xfe]));
    return Promise.resolve();
  },

  'kafkajs/src/protocol/messageSet/decoder': async () => {
    // Messages of the pre-0.11 format (magic 1), encoded by kafkajs's own message-set encoder.
    const encode = require('kafkajs/src/protocol/messageSet') as (o: { messageVersion: number; compression: number; entries: unknown[] }) => { buffer: Buffer };
    const set = encode({ messageVersion: 1, compression: 0, entries: [{ key: Buffer.from('a'), value: Buffer.from('legacy-1'), timestamp: 1_700_000_000_000 }, { key: null, value: Buffer.from('legacy-2'), timestamp: 1_700_000_000_001 }] }).buffer;
    const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
    const decode = require('kafkajs/src/protocol/messageSet/decoder') as (decoder: unknown, size: number) => Promise<{ offset: string; key: Buffer | null; value: Buffer | null }[]>;
    const messages = await decode(new Decoder(set), set.length);
    assert.deepEqual(messages.map((m) => [m.key?.toString() ?? null, m.value?.toString()]), [['a', 'legacy-1'], [null, 'legacy-2']]);
  },

  'kafkajs/src/protocol/error': () => {
    const errors = require('kafkajs/src/protocol/error') as { createErrorFromCode: (code: number) => Error & { type?: string; retriable?: boolean } };
    assert.equal(errors.createErrorFromCode(10).type, 'MESSAGE_TOO_LARGE');
    assert.equal(errors.createErrorFromCode(51).type, 'CONCURRENT_TRANSACTIONS');
    assert.equal(errors.createErrorFromCode(14).retriable, true, 'COORDINATOR_LOAD_IN_PROGRESS is retriable');
    assert.equal(protocolError(3).type, 'UNKNOWN_TOPIC_OR_PARTITION');
    return Promise.resolve();
  },
};

/** The kafkajs internal modules src/kafka/kafkajsInternals.ts requires. */
function requiredInternals(): string[] {
  const source = readFileSync(INTERNALS_SOURCE, 'utf8');
  return [...source.matchAll(/require\('(kafkajs\/src\/[^']+)'\)/g)].map((m) => m[1] ?? '').sort();
}

describe('kafkajs internals the workbench uses, on the real broker', { concurrency: false }, () => {
  it('is kafkajs 2.2.x, the version these internals were written against', () => {
    const { version } = require('kafkajs/package.json') as { version: string };
    assert.match(version, /^2\.2\.\d+$/, `kafkajs ${version}: check every internal in src/kafka/kafkajsInternals.ts against it before widening this`);
  });

  it('has a check here for every kafkajs/src module kafkajsInternals.ts requires', () => {
    const used = requiredInternals();
    assert.ok(used.length >= 5, `found only ${used.length} kafkajs/src requires in ${INTERNALS_SOURCE}`);
    assert.deepEqual(used.filter((m) => !(m in checks)), [], 'write a check in this file for each of these');
  });

  for (const module of requiredInternals()) {
    const check = checks[module];
    if (check) it(module, { timeout: 120_000 }, check);
  }
});
