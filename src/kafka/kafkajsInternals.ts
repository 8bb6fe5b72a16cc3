/**
 * The one module that reaches below kafkajs's public API, typed, so nothing else does.
 *
 * Why it exists:
 * - Browsing must read by ASSIGNING partitions and never join a consumer group or commit:
 *   kafkajs's public consumer always joins a group (it has no `assign()`), so the inspector
 *   uses kafkajs's own Cluster (metadata, leaders, broker connections, SASL/TLS) and sends
 *   Fetch requests built by kafkajs on the broker's connection. The answer is decoded here
 *   only down to each partition's record set (fetchRecordSets); the records are walked in
 *   place by src/kafka/recordBatch.ts. kafkajs's own decoder made four objects, a Long and
 *   two Buffer views per record and was most of a large read's time and garbage. Messages
 *   of the pre-0.11 format (magic 0 and 1) still go through kafkajs's message-set decoder.
 *   The Fetch connection's answers are received into reused buffers (AnswerReceiver), and
 *   plain TCP sockets read into one reused buffer each (readingSocketFactory): reading
 *   1,000,000 messages of 1 KB otherwise left about 2 GB of buffers to the garbage collector.
 * - Producing: kafkajs's producer encodes every record through several small intermediate
 *   buffers and tops out near 75,000 messages/s of 512 bytes on the reference machine. We
 *   encode whole record batches ourselves (src/kafka/recordBatch.ts) and send them as a
 *   Produce request (v3, or v7 for zstd batches: brokers refuse zstd below v7, KIP-110)
 *   through the broker connection's own request queue, its bytes written straight to the
 *   socket, reusing kafkajs's response decoders.
 * - Idempotent producing: the producer id and epoch come from the broker's InitProducerId
 *   (API key 22, v0/v1) sent the same way, its error code read here rather than logged by
 *   kafkajs (a fresh broker answers COORDINATOR_LOAD_IN_PROGRESS once, which is no error);
 *   the batches carry them (src/kafka/producer.ts keeps the sequence numbers).
 *
 * Everything here is pinned to kafkajs 2.2.x (package.json: ^2.2.4); the unit tests
 * test/unit/kafkaInternals.test.ts and kafkaFetchDecode.test.ts and the integration test
 * test/integration/kafkajsInternals.test.ts fail when a shape used here changes.
 */
import * as net from 'node:net';
import type { KafkaConfig, ISocketFactory, logCreator } from 'kafkajs';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs internals have no ESM entry or types; see above. */
const ClusterClass = require('kafkajs/src/cluster') as new (options: Record<string, unknown>) => WireCluster;
const loggers = require('kafkajs/src/loggers') as {
  createLogger: (options: { level: number; logCreator: logCreator }) => unknown;
  LEVELS: { NOTHING: number; ERROR: number; WARN: number; INFO: number; DEBUG: number };
};
const defaultSocketFactory = require('kafkajs/src/network/socketFactory') as () => ISocketFactory;
const produceV3Response = require('kafkajs/src/protocol/requests/produce/v3/response') as {
  decode: (raw: Buffer) => Promise<ProduceResponseV3>;
};
const produceV7Response = require('kafkajs/src/protocol/requests/produce/v7/response') as {
  decode: (raw: Buffer) => Promise<ProduceResponseV3>;
};
const metadataRequests = require('kafkajs/src/protocol/requests/metadata') as unknown;
const fetchRequests = require('kafkajs/src/protocol/requests/fetch') as unknown;
const KafkajsDecoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const messageSetDecoder = require('kafkajs/src/protocol/messageSet/decoder') as (decoder: unknown, size: number) => Promise<LegacyMessage[]>;
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

/** Bytes one socket read may bring (the reused read buffer of a plain TCP connection). */
const SOCKET_READ_BYTES = 256 * 1024;
/** Marks a socket whose reads the AnswerReceiver copies at once, so it may see the reused read buffer itself. */
const READS_COPIED = Symbol('workbench.readsCopied');

/**
 * kafkajs's socket factory, except that a plain TCP socket reads into one buffer of its own,
 * reused for every read (net.Socket's `onread`), instead of a fresh buffer per read: a read of
 * 1 GB otherwise leaves 16,000 buffers of 64 KB to the garbage collector, and it ran a full
 * collection every ~100 ms through the read. The data goes to kafkajs as a 'data' event: the
 * view of the reused buffer on a connection whose AnswerReceiver copies it at once, a copy
 * on any other. TLS sockets are kafkajs's own.
 */
function readingSocketFactory(): ISocketFactory {
  const kafkajsFactory = defaultSocketFactory();
  return (options) => {
    // kafkajs passes no ssl options (despite its types) for a plain connection.
    if (options.ssl as unknown) return kafkajsFactory(options);
    const readBuffer = Buffer.allocUnsafeSlow(SOCKET_READ_BYTES);
    const socket: net.Socket & { [READS_COPIED]?: boolean } = net.connect({
      host: options.host,
      port: options.port,
      onread: {
        buffer: readBuffer,
        callback: (bytes: number, buffer: Uint8Array) => {
          const view = Buffer.from(buffer.buffer, buffer.byteOffset, bytes);
          socket.emit('data', socket[READS_COPIED] === true ? view : Buffer.from(view));
          return true;
        },
      },
    }, options.onConnect);
    socket.setKeepAlive(true, 60_000);
    return socket;
  };
}

/** Creates a kafkajs Cluster with the same options a `new Kafka(config)` client would use. */
export function createWireCluster(config: KafkaConfig, isolationLevel = ISOLATION_READ_COMMITTED): WireCluster {
  const logger = loggers.createLogger({ level: config.logLevel ?? loggers.LEVELS.WARN, logCreator: config.logCreator ?? (() => () => undefined) });
  return new ClusterClass({
    logger,
    socketFactory: config.socketFactory ?? readingSocketFactory(),
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

const FETCH_API_KEY = 1;

/** One partition of a Fetch answer, its records left as the bytes the broker sent. */
export interface FetchedPartition {
  partition: number;
  errorCode: number;
  highWatermark: bigint;
  /** Transactions aborted within the fetched range (read_committed, Fetch v4+), by first offset. */
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[];
  /** The record set: whole batches, perhaps a cut-off one at the end. A view into the answer. */
  records: Buffer;
}

export interface FetchedTopic {
  topicName: string;
  partitions: FetchedPartition[];
}

/** A message of the pre-0.11 format, as kafkajs's message-set decoder returns it. */
export interface LegacyMessage {
  offset: string;
  timestamp?: string;
  key: Buffer | null;
  value: Buffer | null;
}

/** Reads the fields of a Fetch answer in order. */
class AnswerReader {
  at = 0;
  constructor(private readonly data: Buffer) {}
  int16(): number { const v = this.data.readInt16BE(this.at); this.at += 2; return v; }
  int32(): number { const v = this.data.readInt32BE(this.at); this.at += 4; return v; }
  int64(): bigint { const v = this.data.readBigInt64BE(this.at); this.at += 8; return v; }
  string(): string {
    const length = this.int16();
    if (length < 0) return '';
    const v = this.data.toString('utf8', this.at, this.at + length);
    this.at += length;
    return v;
  }
  bytes(): Buffer {
    const length = this.int32();
    if (length <= 0) return this.data.subarray(this.at, this.at);
    if (this.at + length > this.data.length) throw new RangeError(`A Fetch answer of ${this.data.length} bytes ends inside a record set of ${length} bytes.`);
    const v = this.data.subarray(this.at, this.at + length);
    this.at += length;
    return v;
  }
}

/**
 * Decodes a Fetch answer of `version` (0 to 11, the versions kafkajs sends) down to each
 * partition's record set. Exported for the unit test.
 */
export function decodeFetchAnswer(raw: Buffer, version: number): { throttleTime: number; clientSideThrottleTime?: number; errorCode: number; responses: FetchedTopic[] } {
  const r = new AnswerReader(raw);
  const throttle = version >= 1 ? r.int32() : 0;
  const errorCode = version >= 7 ? r.int16() : 0;
  if (version >= 7) r.int32(); // session id
  const topics: FetchedTopic[] = [];
  for (let t = r.int32(); t > 0; t--) {
    const topicName = r.string();
    const partitions: FetchedPartition[] = [];
    for (let p = r.int32(); p > 0; p--) {
      const partition = r.int32();
      const partitionError = r.int16();
      const highWatermark = r.int64();
      const abortedTransactions: FetchedPartition['abortedTransactions'] = [];
      if (version >= 4) {
        r.int64(); // last stable offset
        if (version >= 5) r.int64(); // log start offset
        for (let a = r.int32(); a > 0; a--) abortedTransactions.push({ producerId: r.int64(), firstOffset: r.int64() });
        abortedTransactions.sort((x, y) => (x.firstOffset < y.firstOffset ? -1 : x.firstOffset > y.firstOffset ? 1 : 0));
      }
      if (version >= 11) r.int32(); // preferred read replica
      partitions.push({ partition, errorCode: partitionError, highWatermark, abortedTransactions, records: r.bytes() });
    }
    topics.push({ topicName, partitions });
  }
  // kafkajs throttles on its own when the broker asks the client to (KIP-219, v8+).
  return version >= 8 ? { throttleTime: 0, clientSideThrottleTime: throttle, errorCode, responses: topics } : { throttleTime: throttle, errorCode, responses: topics };
}

/** What kafkajs's Connection keeps while it receives answers (network/connection.js processData). */
export interface ReceivingConnection {
  socket: unknown;
  authHandlers: unknown;
  chunks: Buffer[];
  bytesBuffered: number;
  bytesNeeded: number;
  requestQueue: { fulfillRequest(response: { size: number; correlationId: number; payload: Buffer }): void };
  processData(data: Buffer): void;
}

/** Answers smaller than this are received as kafkajs does; larger ones into reused buffers. */
const RECEIVE_REUSE_BYTES = 64 * 1024;
/** Receive buffers kept per connection for reuse: one being walked, one being filled. */
const RECEIVE_POOL = 2;

/**
 * Receives a Fetch connection's answers into reused buffers. kafkajs collects an answer's
 * socket chunks and concatenates them into a fresh buffer of the answer's size; for a read of
 * 1 GB that is 1 GB of fresh memory touched and left to the garbage collector, which lets it
 * pile up (the process's RSS reached 1.8 GB reading 1,000,000 messages of 1 KB into a 256 MB
 * buffer). Here each answer is copied, chunk by chunk, into a buffer from a small pool, and
 * the reader hands it back (release) once it has copied the records out. Exported for the
 * unit test.
 */
export class AnswerReceiver {
  private readonly sizeBytes = Buffer.alloc(4);
  private sizeFilled = 0;
  private current: Buffer | undefined;
  private filled = 0;
  private size = 0;
  private socket: unknown;
  private readonly free: Buffer[] = [];
  /** Pooled buffers lent out with an answer, by their memory. */
  private readonly lent = new Map<ArrayBufferLike, Buffer>();

  constructor(private readonly connection: ReceivingConnection, private readonly kafkajsProcessData: (data: Buffer) => void) {}

  receive(data: Buffer): void {
    const c = this.connection;
    // Authentication answers and leftovers of kafkajs's own receiving go the kafkajs way
    // (as a copy: kafkajs keeps the chunks, and `data` may be the socket's reused buffer).
    if (c.authHandlers || c.bytesBuffered > 0) {
      this.kafkajsProcessData(Buffer.from(data));
      return;
    }
    if (this.socket !== c.socket) {
      // A new socket (reconnected): nothing of an answer cut off on the old one counts.
      this.socket = c.socket;
      this.sizeFilled = 0;
      this.current = undefined;
    }
    let at = 0;
    while (at < data.length) {
      if (this.current === undefined) {
        while (this.sizeFilled < 4 && at < data.length) this.sizeBytes[this.sizeFilled++] = data[at++] as number;
        if (this.sizeFilled < 4) return;
        this.size = this.sizeBytes.readInt32BE(0);
        this.sizeFilled = 0;
        this.filled = 0;
        this.current = this.size >= RECEIVE_REUSE_BYTES ? this.take(this.size) : Buffer.allocUnsafe(this.size);
      }
      const n = Math.min(this.size - this.filled, data.length - at);
      data.copy(this.current, this.filled, at, at + n);
      this.filled += n;
      at += n;
      if (this.filled === this.size) {
        const answer = this.current.subarray(0, this.size);
        this.current = undefined;
        c.requestQueue.fulfillRequest({ size: this.size, correlationId: answer.readInt32BE(0), payload: answer.subarray(4) });
      }
    }
  }

  private take(size: number): Buffer {
    const index = this.free.findIndex((b) => b.length >= size);
    const buffer = index >= 0 ? (this.free.splice(index, 1)[0] as Buffer) : Buffer.allocUnsafeSlow(Math.ceil(size / RECEIVE_REUSE_BYTES) * RECEIVE_REUSE_BYTES);
    this.lent.set(buffer.buffer, buffer);
    return buffer;
  }

  /** Takes back the buffer of an answer whose bytes are no longer looked at. */
  release(answer: Buffer): void {
    const buffer = this.lent.get(answer.buffer);
    if (!buffer) return;
    this.lent.delete(answer.buffer);
    if (this.free.length < RECEIVE_POOL) this.free.push(buffer);
    else if (buffer.length > (this.free[0] as Buffer).length) this.free[0] = buffer;
  }
}

const RECEIVER = Symbol('workbench.answerReceiver');

/** The receiver of the broker's Fetch connection (kafkajs sends Fetch on pool[1]), installed on first use. */
function fetchReceiver(broker: WireBroker): AnswerReceiver | undefined {
  const pool = (broker.connectionPool as unknown as { pool?: (ReceivingConnection & { [RECEIVER]?: AnswerReceiver })[] }).pool;
  const connection = pool?.[1];
  if (!connection || typeof connection.processData !== 'function' || !Array.isArray(connection.chunks)) return undefined;
  // This connection's reads may come as views of the socket's reused buffer: the receiver copies them at once.
  const socket = connection.socket as { [READS_COPIED]?: boolean } | null | undefined;
  if (socket && typeof socket === 'object') socket[READS_COPIED] = true;
  let receiver = connection[RECEIVER];
  if (!receiver) {
    const installed = new AnswerReceiver(connection, connection.processData.bind(connection));
    connection.processData = (data: Buffer) => { installed.receive(data); };
    connection[RECEIVER] = installed;
    receiver = installed;
  }
  return receiver;
}

/** A Fetch answer's record sets, views into a buffer that `release` hands back for reuse (call it once the bytes are copied out). */
export interface FetchedAnswer {
  topics: FetchedTopic[];
  release(): void;
}

/**
 * Sends one Fetch request (built by kafkajs in the newest version both sides speak) and
 * returns each partition's record set as bytes, undecoded. A partition's error throws as
 * kafkajs's broker.fetch throws it (OFFSET_OUT_OF_RANGE, NOT_LEADER_OR_FOLLOWER, ...).
 */
export async function fetchRecordSets(broker: WireBroker, request: FetchRequest): Promise<FetchedAnswer> {
  const built = (broker as PooledBroker).lookupRequest(FETCH_API_KEY, fetchRequests)({ ...request, rackId: '' });
  const version = built.request.apiVersion;
  const receiver = fetchReceiver(broker);
  let raw: Buffer | undefined;
  try {
    const answer = (await broker.connectionPool.send({
      request: built.request,
      response: {
        decode: (payload) => {
          raw = payload;
          return Promise.resolve(decodeFetchAnswer(payload, version));
        },
        parse: async (data) => {
          const decoded = await built.response.parse(data) as ReturnType<typeof decodeFetchAnswer>;
          if (decoded.errorCode !== 0) throw protocolError(decoded.errorCode);
          return decoded;
        },
      },
      ...(built.requestTimeout !== undefined ? { requestTimeout: built.requestTimeout } : {}),
    })) as ReturnType<typeof decodeFetchAnswer>;
    const bytes = raw;
    return { topics: answer.responses, release: () => { if (bytes) receiver?.release(bytes); } };
  } catch (error) {
    if (raw) receiver?.release(raw);
    // As kafkajs's Broker does: a closed connection is dropped, so the next use reconnects.
    if (error instanceof Error && error.name === 'KafkaJSConnectionClosedError') await (broker as PooledBroker).disconnect().catch(() => undefined);
    throw error;
  }
}

/** The messages of a record set in the pre-0.11 format (magic 0 or 1), decompressed, through kafkajs's decoder. */
export function legacyMessages(records: Buffer): Promise<LegacyMessage[]> {
  return messageSetDecoder(new KafkajsDecoder(records), records.length);
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

/** What the direct Produce path uses of kafkajs's Connection (network/connection.js `send`). */
interface SendingConnection {
  sasl: unknown;
  clientId: string | null;
  socket: { cork(): void; uncork(): void; write(data: Buffer): boolean } | null;
  isConnected(): boolean;
  isAuthenticated(): boolean;
  nextCorrelationId(): number;
  requestQueue: {
    push(request: { entry: QueueEntry; expectResponse: boolean; requestTimeout: number; sendRequest: () => void }): void;
    maybeThrottle?(clientSideThrottleTime: number | undefined): void;
  };
}

/** An entry of kafkajs's request queue: resolved with the answer's payload (null when none is expected). */
interface QueueEntry {
  apiKey: number;
  apiName: string;
  apiVersion: number;
  correlationId: number;
  resolve(answer: { payload: Buffer | null }): void;
  reject(error: unknown): void;
}

/**
 * The connection a Produce request goes on, when the direct path may use it: connected, and
 * authenticated if it uses SASL (kafkajs's own path connects and authenticates first, so the
 * first request of a SASL connection goes that way). Undefined when a shape differs.
 */
async function directConnection(broker: WireBroker): Promise<SendingConnection | undefined> {
  const pool = broker.connectionPool as unknown as { getConnectionByRequest?: (request: { request: { apiKey: number } }) => Promise<SendingConnection> };
  if (typeof pool.getConnectionByRequest !== 'function') return undefined;
  const connection = await pool.getConnectionByRequest({ request: { apiKey: PRODUCE_API_KEY } });
  if (typeof connection.nextCorrelationId !== 'function' || typeof connection.requestQueue.push !== 'function') return undefined;
  if (!connection.socket || typeof connection.socket.cork !== 'function' || !connection.isConnected()) return undefined;
  if (connection.sasl && !connection.isAuthenticated()) return undefined;
  return connection;
}

/**
 * Sends one Produce v3 request with ready-encoded record batches (one per partition) to
 * the partitions' leader. Resolves with each partition's error code and base offset, or
 * with an empty list for acks=0 (the broker does not answer). A broker processes the
 * requests of one connection one at a time, in order: what keeps an idempotent producer's
 * pipelined batches in sequence.
 *
 * The request goes through kafkajs's request queue (correlation ids, timeouts, answers), but
 * its bytes are written by us: a small header, then each batch Buffer as it is, in one
 * corked write. kafkajs's own path copies a request twice into zero-filled buffers of the
 * next power of two (2 MB of memory set and copied for a 512 KB batch); producing 1,000,000
 * messages of 512 bytes that was most of the garbage and a fifth of the time.
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
     * Called when the request is handed to the connection's send queue (just before it is
     * written); requests handed to one connection in this order reach the broker in this order.
     */
    onQueued?: () => void;
  },
): Promise<ProducePartitionResult[]> {
  // v3 to v7 share the request layout; v7 only tells the broker the client understands zstd.
  const apiVersion = request.zstd === true ? PRODUCE_VERSION_ZSTD : PRODUCE_VERSION;
  const responseDecoder = apiVersion === PRODUCE_VERSION ? produceV3Response : produceV7Response;
  const expectResponse = request.acks !== 0;
  const connection = await directConnection(broker);
  if (!connection) return sendProduceRequestByKafkajs(broker, request, apiVersion, responseDecoder);
  const clientId = connection.clientId === null ? undefined : Buffer.from(connection.clientId, 'utf8');
  const topic = Buffer.from(request.topic, 'utf8');
  // size | api key | api version | correlation id | client id | transactional id (null) | acks | timeout | 1 topic | topic | batch count
  const head = Buffer.allocUnsafe(4 + 2 + 2 + 4 + 2 + (clientId?.length ?? 0) + 2 + 2 + 4 + 4 + 2 + topic.length + 4);
  let size = head.length - 4;
  for (const { recordBatch } of request.batches) size += 8 + recordBatch.length;
  let at = head.writeInt32BE(size, 0);
  at = head.writeInt16BE(PRODUCE_API_KEY, at);
  at = head.writeInt16BE(apiVersion, at);
  const correlationAt = at;
  at += 4;
  at = head.writeInt16BE(clientId?.length ?? -1, at);
  if (clientId) at += clientId.copy(head, at);
  at = head.writeInt16BE(-1, at);
  at = head.writeInt16BE(request.acks, at);
  at = head.writeInt32BE(request.timeoutMs, at);
  at = head.writeInt32BE(1, at);
  at = head.writeInt16BE(topic.length, at);
  at += topic.copy(head, at);
  head.writeInt32BE(request.batches.length, at);
  const prefixes = request.batches.map(({ partition, recordBatch }) => {
    const prefix = Buffer.allocUnsafe(8);
    prefix.writeInt32BE(partition, 0);
    prefix.writeInt32BE(recordBatch.length, 4);
    return prefix;
  });
  const answer = await new Promise<{ payload: Buffer | null }>((resolve, reject) => {
    const correlationId = connection.nextCorrelationId();
    head.writeInt32BE(correlationId, correlationAt);
    request.onQueued?.();
    connection.requestQueue.push({
      entry: { apiKey: PRODUCE_API_KEY, apiName: 'Produce', apiVersion, correlationId, resolve, reject },
      expectResponse,
      requestTimeout: request.timeoutMs + 1000,
      sendRequest: () => {
        const socket = connection.socket;
        if (!socket) throw new Error('The connection to the broker closed before the request was written.');
        socket.cork();
        socket.write(head);
        request.batches.forEach(({ recordBatch }, i) => {
          socket.write(prefixes[i] as Buffer);
          socket.write(recordBatch);
        });
        socket.uncork();
      },
    });
  });
  if (!expectResponse || answer.payload === null) return [];
  const decoded = await responseDecoder.decode(answer.payload);
  connection.requestQueue.maybeThrottle?.((decoded as { clientSideThrottleTime?: number }).clientSideThrottleTime);
  return decoded.topics.flatMap((t) => t.partitions);
}

/** The same request through kafkajs's Connection.send (which copies it): the first request of a SASL connection, or an unexpected kafkajs. */
async function sendProduceRequestByKafkajs(
  broker: WireBroker,
  request: Parameters<typeof sendProduceRequest>[1],
  apiVersion: number,
  responseDecoder: { decode: (raw: Buffer) => Promise<ProduceResponseV3> },
): Promise<ProducePartitionResult[]> {
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
  disconnect(): Promise<void>;
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
