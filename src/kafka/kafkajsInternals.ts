/**
 * The one module that reaches below kafkajs's public API, typed, so nothing else does.
 *
 * Why it exists:
 * - Browsing must read by ASSIGNING partitions and never join a consumer group or commit:
 *   kafkajs's public consumer always joins a group (it has no `assign()`), so the inspector
 *   uses kafkajs's own Cluster (metadata, leaders, broker connections, SASL/TLS) and
 *   Broker.fetch, and kafkajs's Batch class to drop aborted-transaction and control records.
 * - Producing: kafkajs's producer encodes every record through several small intermediate
 *   buffers and tops out near 75,000 messages/s of 512 bytes on the reference machine. We
 *   encode whole record batches ourselves (src/kafka/recordBatch.ts) and send them as a
 *   Produce request (v3, or v7 for zstd batches: brokers refuse zstd below v7, KIP-110) on
 *   the broker's own connection, reusing kafkajs's response decoders.
 * - Idempotent producing: the producer id and epoch come from the broker's InitProducerId
 *   (API key 22, v0/v1) sent the same way, its error code read here rather than logged by
 *   kafkajs (a fresh broker answers COORDINATOR_LOAD_IN_PROGRESS once, which is no error);
 *   the batches carry them (src/kafka/producer.ts keeps the sequence numbers).
 *
 * Everything here is pinned to kafkajs 2.2.x (package.json: ^2.2.4); the unit test
 * test/unit/kafkaInternals.test.ts fails when a shape used here changes.
 */
import type { KafkaConfig, logCreator } from 'kafkajs';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs internals have no ESM entry or types; see above. */
const ClusterClass = require('kafkajs/src/cluster') as new (options: Record<string, unknown>) => WireCluster;
const loggers = require('kafkajs/src/loggers') as {
  createLogger: (options: { level: number; logCreator: logCreator }) => unknown;
  LEVELS: { NOTHING: number; ERROR: number; WARN: number; INFO: number; DEBUG: number };
};
const defaultSocketFactory = require('kafkajs/src/network/socketFactory') as () => unknown;
const BatchClass = require('kafkajs/src/consumer/batch') as new (
  topic: string,
  fetchedOffset: string,
  partitionData: FetchPartitionResponse,
) => { messages: WireRecord[] };
const produceV3Response = require('kafkajs/src/protocol/requests/produce/v3/response') as {
  decode: (raw: Buffer) => Promise<ProduceResponseV3>;
};
const produceV7Response = require('kafkajs/src/protocol/requests/produce/v7/response') as {
  decode: (raw: Buffer) => Promise<ProduceResponseV3>;
};
const metadataRequests = require('kafkajs/src/protocol/requests/metadata') as unknown;
const protocolErrors = require('kafkajs/src/protocol/error') as {
  createErrorFromCode: (code: number) => Error & { type?: string; retriable?: boolean };
};
/* eslint-enable @typescript-eslint/no-require-imports */

export const ISOLATION_READ_COMMITTED = 1;

export interface WirePartitionMetadata {
  partitionErrorCode: number;
  partitionId: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offlineReplicas?: number[];
}

export interface WireTopicMetadata {
  topicErrorCode: number;
  topic: string;
  isInternal?: boolean;
  partitionMetadata: WirePartitionMetadata[];
}

export interface WireMetadata {
  brokers: { nodeId: number; host: string; port: number; rack?: string | null }[];
  topicMetadata: WireTopicMetadata[];
  clusterId?: string;
  controllerId?: number;
}

/** One decoded record as kafkajs's record-batch decoder returns it. */
export interface WireRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Repeated header keys become arrays. */
  headers: Record<string, Buffer | null | (Buffer | null)[] | undefined>;
  isControlRecord: boolean;
  batchContext: { firstOffset: string; lastOffsetDelta: number };
}

export interface FetchPartitionResponse {
  partition: number;
  errorCode: number;
  highWatermark: string;
  lastStableOffset?: string;
  abortedTransactions?: { producerId: string; firstOffset: string }[];
  messages: WireRecord[];
}

export interface FetchResponse {
  responses: { topicName: string; partitions: FetchPartitionResponse[] }[];
}

export interface FetchRequest {
  replicaId?: number;
  isolationLevel: number;
  maxWaitTime: number;
  minBytes: number;
  maxBytes: number;
  topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
}

interface ProtocolRequest {
  request: {
    apiKey: number;
    apiVersion: number;
    apiName: string;
    expectResponse: () => boolean;
    encode: () => Promise<{ buf: Buffer; buffer: Buffer }>;
  };
  response: { decode: (raw: Buffer) => Promise<unknown>; parse: (data: unknown) => Promise<unknown> };
  requestTimeout?: number;
  /** kafkajs logs a response whose decode or parse throws at error level unless this is false. */
  logResponseError?: boolean;
}

export interface WireBroker {
  nodeId: number;
  versions: Record<number, { minVersion: number; maxVersion: number } | undefined> | null;
  /** Connects (under kafkajs's per-broker lock) when not connected; resolves at once otherwise. */
  connect(): Promise<void>;
  isConnected(): boolean;
  fetch(request: FetchRequest): Promise<FetchResponse>;
  connectionPool: { send(request: ProtocolRequest): Promise<unknown> };
}

export interface WireCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  metadata(options?: { topics?: string[] }): Promise<WireMetadata>;
  findTopicPartitionMetadata(topic: string): WirePartitionMetadata[];
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(options: { nodeId: string | number }): Promise<WireBroker>;
  fetchTopicsOffset(
    topics: { topic: string; partitions: { partition: number }[]; fromBeginning?: boolean; fromTimestamp?: number }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

/** Creates a kafkajs Cluster with the same options a `new Kafka(config)` client would use. */
export function createWireCluster(config: KafkaConfig, isolationLevel = ISOLATION_READ_COMMITTED): WireCluster {
  const logger = loggers.createLogger({ level: config.logLevel ?? loggers.LEVELS.WARN, logCreator: config.logCreator ?? (() => () => undefined) });
  return new ClusterClass({
    logger,
    socketFactory: config.socketFactory ?? defaultSocketFactory(),
    brokers: config.brokers,
    ssl: config.ssl,
    sasl: config.sasl,
    clientId: config.clientId,
    connectionTimeout: config.connectionTimeout ?? 1000,
    authenticationTimeout: config.authenticationTimeout,
    requestTimeout: config.requestTimeout,
    enforceRequestTimeout: config.enforceRequestTimeout ?? true,
    retry: config.retry,
    metadataMaxAge: 300000,
    allowAutoTopicCreation: false,
    maxInFlightRequests: null,
    isolationLevel,
    instrumentationEmitter: null,
  });
}

/**
 * The records of one fetched partition a reader should see: kafkajs's Batch drops records
 * below the fetch offset (compressed batches start earlier), aborted transactional records
 * and control records.
 */
export function visibleRecords(topic: string, fetchOffset: string, partition: FetchPartitionResponse): WireRecord[] {
  return new BatchClass(topic, fetchOffset, partition).messages;
}

/** The Kafka protocol error (type, sentence, whether a retry may succeed) for an error code, e.g. 10 → MESSAGE_TOO_LARGE. */
export function protocolError(code: number): Error & { type?: string; retriable?: boolean } {
  return protocolErrors.createErrorFromCode(code);
}

/** What InitProducerId handed out: the id of this producer and its epoch. */
export interface ProducerIdentity {
  producerId: bigint;
  producerEpoch: number;
}

const INIT_PRODUCER_ID_API_KEY = 22;

/** InitProducerId as it comes back (v0 and v1 answer alike). */
export interface InitProducerIdResponse {
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

/**
 * Asks `broker` for a producer id and epoch for an idempotent, non-transactional producer
 * (no transactional id: any broker answers). Throws kafkajs's protocol error for an error
 * code, whose `retriable` says whether asking again may work (COORDINATOR_LOAD_IN_PROGRESS is
 * what a fresh broker answers while it fetches its first block of ids).
 */
export async function initProducerId(broker: WireBroker, transactionTimeoutMs: number, timeoutMs: number): Promise<ProducerIdentity> {
  const range = broker.versions?.[INIT_PRODUCER_ID_API_KEY];
  if (range !== undefined && range.minVersion > 1) {
    throw new Error(`This Kafka broker accepts InitProducerId only from version ${range.minVersion}; the workbench sends versions 0 and 1.`);
  }
  const apiVersion = range === undefined || range.maxVersion >= 1 ? 1 : 0;
  const payload = Buffer.concat([int16(-1) /* null transactional id */, int32(transactionTimeoutMs)]);
  const decode = (raw: Buffer): Promise<InitProducerIdResponse> => {
    // throttle_time_ms int32 | error_code int16 | producer_id int64 | producer_epoch int16
    if (raw.length < 16) throw new Error(`InitProducerId answer of ${raw.length} bytes is too short`);
    return Promise.resolve({ errorCode: raw.readInt16BE(4), producerId: raw.readBigInt64BE(6), producerEpoch: raw.readInt16BE(14) });
  };
  const result = (await broker.connectionPool.send({
    request: {
      apiKey: INIT_PRODUCER_ID_API_KEY,
      apiVersion,
      apiName: 'InitProducerId',
      expectResponse: () => true,
      encode: () => Promise.resolve({ buf: payload, buffer: payload }),
    },
    response: { decode, parse: (data) => Promise.resolve(data) },
    requestTimeout: timeoutMs,
    logResponseError: false,
  })) as InitProducerIdResponse;
  if (result.errorCode !== 0) throw protocolError(result.errorCode);
  return { producerId: result.producerId, producerEpoch: result.producerEpoch };
}

export interface ProducePartitionResult {
  partition: number;
  errorCode: number;
  baseOffset: string;
}

interface ProduceResponseV3 {
  topics: { topicName: string; partitions: ProducePartitionResult[] }[];
  throttleTime: number;
}

const PRODUCE_API_KEY = 0;
const PRODUCE_VERSION = 3;
/** The first Produce version whose batches may be zstd-compressed (Kafka 2.1+). */
export const PRODUCE_VERSION_ZSTD = 7;

/** True when the broker accepts Produce v3 (Kafka 0.11 up to at least 4.x). */
export function supportsProduceV3(broker: WireBroker): boolean {
  return supportsProduceVersion(broker, PRODUCE_VERSION);
}

/** True when the broker accepts Produce requests of `version` (unknown version ranges count as yes). */
export function supportsProduceVersion(broker: WireBroker, version: number): boolean {
  const range = broker.versions?.[PRODUCE_API_KEY];
  return range === undefined || (range.minVersion <= version && range.maxVersion >= version);
}

function int16(value: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeInt16BE(value, 0);
  return b;
}

function int32(value: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(value, 0);
  return b;
}

function kafkaString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([int16(bytes.length), bytes]);
}

/**
 * Sends one Produce v3 request with ready-encoded record batches (one per partition) to
 * the partitions' leader. Resolves with each partition's error code and base offset, or
 * with an empty list for acks=0 (the broker does not answer). A broker processes the
 * requests of one connection one at a time, in order: what keeps an idempotent producer's
 * pipelined batches in sequence.
 */
export async function sendProduceRequest(
  broker: WireBroker,
  request: {
    topic: string;
    acks: -1 | 0 | 1;
    timeoutMs: number;
    batches: { partition: number; recordBatch: Buffer }[];
    zstd?: boolean;
    /**
     * Called when kafkajs takes the request for its send queue (just before it is written);
     * requests handed to one connection in this order reach the broker in this order.
     */
    onQueued?: () => void;
  },
): Promise<ProducePartitionResult[]> {
  // v3 to v7 share the request layout; v7 only tells the broker the client understands zstd.
  const apiVersion = request.zstd === true ? PRODUCE_VERSION_ZSTD : PRODUCE_VERSION;
  const responseDecoder = apiVersion === PRODUCE_VERSION ? produceV3Response : produceV7Response;
  const parts: Buffer[] = [int16(-1) /* null transactional id */, int16(request.acks), int32(request.timeoutMs), int32(1), kafkaString(request.topic), int32(request.batches.length)];
  for (const { partition, recordBatch } of request.batches) {
    parts.push(int32(partition), int32(recordBatch.length), recordBatch);
  }
  const payload = Buffer.concat(parts);
  const result = await broker.connectionPool.send({
    request: {
      apiKey: PRODUCE_API_KEY,
      apiVersion,
      apiName: 'Produce',
      expectResponse: () => request.acks !== 0,
      encode: () => {
        request.onQueued?.();
        return Promise.resolve({ buf: payload, buffer: payload });
      },
    },
    response: { decode: (raw) => responseDecoder.decode(raw), parse: (data) => Promise.resolve(data) },
    requestTimeout: request.timeoutMs + 1000,
  });
  if (request.acks === 0 || result === undefined) return [];
  return (result as ProduceResponseV3).topics.flatMap((t) => t.partitions);
}

const METADATA_API_KEY = 3;

/** What the two functions below use of a kafkajs Cluster and Broker besides WireCluster and WireBroker. */
interface PooledBroker extends WireBroker {
  /** The request builder of `apiKey` in the newest version both sides speak (after connect()). */
  lookupRequest(apiKey: number, definition: unknown): (args: Record<string, unknown>) => ProtocolRequest;
  /** ListOffsets; timestamp -2 = earliest, -1 = latest. */
  listOffsets(request: {
    replicaId: number;
    isolationLevel: number;
    topics: { topic: string; partitions: { partition: number; timestamp: number }[] }[];
  }): Promise<{ responses: { topic: string; partitions: { partition: number; errorCode: number; offset: string }[] }[] }>;
  describeConfigs(request: { resources: { type: number; name: string }[]; includeSynonyms: boolean }): Promise<{ resources: { errorCode: number; configEntries: WireConfigEntry[] }[] }>;
}

/** One config entry as DescribeConfigs returns it. */
export interface WireConfigEntry {
  configName: string;
  configValue: string;
  isDefault: boolean;
  isSensitive: boolean;
  configSource?: number;
}

/** A broker the cluster is connected to (the seed broker while it has no metadata). */
function connectedBroker(cluster: WireCluster): Promise<PooledBroker> {
  return (cluster as unknown as { brokerPool: { findConnectedBroker(): Promise<PooledBroker> } }).brokerPool.findConnectedBroker();
}

/**
 * Metadata as the broker sent it, each partition's error code included (`topics` empty: all
 * topics). kafkajs's own metadata call throws on the first partition that has no leader, so
 * with one offline partition anywhere in the cluster it could not even list the topics, and
 * the tree could not show which partitions are offline.
 */
export async function metadataWithOfflinePartitions(cluster: WireCluster, topics: string[]): Promise<WireMetadata> {
  const broker = await connectedBroker(cluster);
  const { request, response } = broker.lookupRequest(METADATA_API_KEY, metadataRequests)({ topics, allowAutoTopicCreation: false });
  return await broker.connectionPool.send({ request, response: { decode: response.decode, parse: (data) => Promise.resolve(data) } }) as WireMetadata;
}

/**
 * The earliest and latest offsets of `partitions` asked of the broker `cluster` is connected to
 * (make the cluster with that one broker as its bootstrap: it must lead them). For a topic
 * whose metadata kafkajs refuses, so kafkajs cannot look its leaders up.
 */
export async function offsetsFromConnectedBroker(cluster: WireCluster, topic: string, partitions: number[]): Promise<Map<number, { low: string; high: string }>> {
  const broker = await connectedBroker(cluster);
  const ask = async (timestamp: number): Promise<Map<number, string>> => {
    const answer = await broker.listOffsets({ replicaId: -1, isolationLevel: ISOLATION_READ_COMMITTED, topics: [{ topic, partitions: partitions.map((partition) => ({ partition, timestamp })) }] });
    return new Map(answer.responses.flatMap((r) => r.partitions).filter((p) => p.errorCode === 0).map((p) => [p.partition, p.offset]));
  };
  const [low, high] = await Promise.all([ask(-2), ask(-1)]);
  const result = new Map<number, { low: string; high: string }>();
  for (const p of partitions) {
    const l = low.get(p);
    const h = high.get(p);
    if (l !== undefined && h !== undefined) result.set(p, { low: l, high: h });
  }
  return result;
}

const TOPIC_RESOURCE = 2;

/** The configs of `topic` asked of the broker `cluster` is connected to (any broker answers for a topic). */
export async function configsFromConnectedBroker(cluster: WireCluster, topic: string): Promise<WireConfigEntry[]> {
  const broker = await connectedBroker(cluster);
  const answer = await broker.describeConfigs({ resources: [{ type: TOPIC_RESOURCE, name: topic }], includeSynonyms: false });
  const resource = answer.resources[0];
  if (resource && resource.errorCode !== 0) throw protocolError(resource.errorCode);
  return resource?.configEntries ?? [];
}
