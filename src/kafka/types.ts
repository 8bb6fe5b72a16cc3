/**
 * The vocabulary of the Kafka layer: what KafkaService (src/kafka/kafkaService.ts) takes and
 * returns. Plain data only, so the views, the panels (through src/shared/protocol.ts), the
 * tests and the benchmarks all speak it. Offsets are decimal strings (Kafka offsets are
 * 64-bit); timestamps are milliseconds since the epoch as numbers.
 */
import type { KafkaConnection } from '../shared/connections';
import type { RecordSink } from './recordBatch';

/** A connection from the settings plus its secret, as the vscode layer hands it over. */
export interface KafkaConnectionConfig extends KafkaConnection {
  /** SASL password from SecretStorage; required when saslMechanism is not 'none'. */
  password?: string;
  /** PEM text of the CA file (read by the caller), used when ssl is true. */
  ca?: string;
  /** PEM text of the client certificate (clientCertFile, read by the caller) for mutual TLS; needs ssl and clientKey. */
  clientCert?: string;
  /** PEM text of the client's private key (clientKeyFile), as in the file; needs ssl and clientCert. */
  clientKey?: string;
  /** Passphrase of an encrypted clientKey, from SecretStorage. */
  clientKeyPassphrase?: string;
  /**
   * Returns the current OAuth bearer token; required when saslMechanism is 'oauthbearer'.
   * Called for every broker connection, so it should reuse a token until it nearly expires
   * (tokenFromCommand in src/kafka/oauthToken.ts does).
   */
  oauthBearerToken?: () => Promise<string>;
  /** How long to wait for a broker before failing, in ms. */
  requestTimeoutMs?: number;
}

export interface TopicSummary {
  name: string;
  partitions: number;
  replicationFactor: number;
  internal: boolean;
}

export interface PartitionInfo {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  /** Earliest offset still in the log. */
  low: string;
  /** Next offset to be written (log end offset). */
  high: string;
  /** high - low: an estimate (compaction and transactions make it an upper bound). */
  messages: string;
}

export interface TopicConfigEntry {
  name: string;
  value: string | null;
  isDefault: boolean;
  isSensitive: boolean;
}

export interface TopicDetails extends TopicSummary {
  partitionInfo: PartitionInfo[];
  /** Sum of the partitions' estimates. */
  messageEstimate: string;
  configs: TopicConfigEntry[];
}

export interface CreateTopicOptions {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** retention.ms; undefined keeps the broker default. */
  retentionMs?: number;
  /** Further topic configs, e.g. { "max.message.bytes": "1000" }. */
  configs?: Record<string, string>;
  /**
   * Stops waiting for the partitions' leaders (a topic of many partitions takes a while); the
   * topic stays created. createTopic then rejects with CancelledError.
   */
  signal?: AbortSignal;
  /** Called while waiting: how many partitions have a leader so far. */
  onLeaders?: (led: number, partitions: number) => void;
}

export interface GroupSummary {
  groupId: string;
  state: string;
  protocolType: string;
  members: number;
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  host: string;
  assignments: { topic: string; partitions: number[] }[];
}

export interface GroupPartitionLag {
  topic: string;
  partition: number;
  /** Committed offset, or null when the group has none for this partition. */
  committed: string | null;
  high: string;
  /** high - committed (high - low when nothing is committed). */
  lag: string;
}

export interface GroupDetails {
  groupId: string;
  state: string;
  protocolType: string;
  members: GroupMember[];
  partitions: GroupPartitionLag[];
  totalLag: string;
}

export type OffsetResetTarget =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'timestamp'; timestamp: number };

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ProduceMessage {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
  /** A fixed partition; otherwise the default partitioner (by key) decides. */
  partition?: number;
  /** Message timestamp in ms; otherwise the producer's clock. */
  timestamp?: number;
}

export interface ProduceProgress {
  /** Messages in the input; for an AsyncIterable input, the messages read so far. */
  total: number;
  sent: number;
  failed: number;
  /** Messages acknowledged per second since the start. */
  ratePerSecond: number;
  elapsedMs: number;
}

export interface ProduceOptions {
  topic: string;
  compression?: Compression;
  /** -1 (all in-sync replicas, the default), 1 or 0. */
  acks?: -1 | 0 | 1;
  /**
   * Idempotent producing (KIP-98): the broker gets a producer id and a sequence number with
   * every batch, so a batch resent after a leader change, a dropped connection or a timeout
   * is written once and in order. Undefined: on with acks=-1 and off with acks 0 or 1 (as
   * the Java client does when enable.idempotence is not set); true with acks 0 or 1 is
   * refused; false sends as before (no producer id, no resends).
   */
  idempotent?: boolean;
  /**
   * Idempotent mode: how long a batch may go unacknowledged, resends included, before the
   * run gives up on it and stops (the Java client's delivery.timeout.ms). Default 120,000.
   */
  deliveryTimeoutMs?: number;
  /** Messages per second; 0 or undefined for as fast as possible. */
  ratePerSecond?: number;
  /** Cancels the run; what was acknowledged so far is reported. */
  signal?: AbortSignal;
  onProgress?: (progress: ProduceProgress) => void;
}

export interface ProducedRecord {
  /** Index of the message in the input. */
  index: number;
  partition: number;
  /**
   * The offset the broker gave it; '-1' when the broker did not say: with acks=0, and for a
   * resent batch an older broker recognised as written before without remembering where
   * (DUPLICATE_SEQUENCE_NUMBER; Kafka 4 answers with the original offset instead).
   */
  offset: string;
}

/** How idempotence went in one produce run. */
export interface IdempotenceReport {
  /** The producer id InitProducerId gave the run (a decimal string: it is 64-bit). */
  producerId: string;
  producerEpoch: number;
  /** Batches sent more than once (after a leader change, dropped connection, timeout, ...). */
  resentBatches: number;
  /** Acknowledged messages whose offset is unknown ('-1'): see ProducedRecord.offset. */
  offsetsUnknown: number;
  /** Partitions that started a new epoch because the broker had lost this producer's sequence state. */
  epochBumps: number;
}

export interface ProduceResult {
  topic: string;
  sent: number;
  failed: number;
  cancelled: boolean;
  elapsedMs: number;
  /** One per acknowledged message, in input order. */
  records: ProducedRecord[];
  /**
   * The messages that were not acknowledged, with the reason: "failed: …" (refused, not
   * written), "not sent: …" and "not acknowledged, it may or may not have been written: …".
   */
  errors: { index: number; message: string }[];
  /** Present when the run was idempotent. */
  idempotence?: IdempotenceReport;
}

export type StartPosition =
  | { kind: 'beginning' }
  /** Only messages written after the start; use with follow. */
  | { kind: 'end' }
  /** The last `count` messages of each partition. */
  | { kind: 'latest'; count: number }
  | { kind: 'offset'; offset: string }
  | { kind: 'timestamp'; timestamp: number };

export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
  /** Bytes of key + value + headers. */
  size: number;
}

export interface BrowseOptions {
  topic: string;
  /** Partitions to read; all when undefined or empty. */
  partitions?: number[];
  start: StartPosition;
  /** Stop after this many messages in total. */
  maxMessages: number;
  /** Keep reading new messages after reaching the end, until cancelled or maxMessages. */
  follow: boolean;
  signal: AbortSignal;
  /**
   * Called with each batch of records as they arrive, in partition-offset order within a
   * partition. Give this or `sink`.
   */
  onRecords?: (records: KafkaRecord[]) => void;
  /**
   * Takes each record as it is decoded, without a KafkaRecord made for it (the inspector's
   * MessageBuffer); when it refuses one for want of room the read stops ('full').
   */
  sink?: RecordSink;
  /** Called when the read carries on past something the user should know: a partition's leader moved or does not answer. */
  onNotice?: (notice: BrowseNotice) => void;
}

/** What a read reports while it keeps reading (not an error). Broker ids; -1 = no leader. */
export type BrowseNotice =
  /** The partition is read from its new leader, from where the old one stopped. */
  | { kind: 'leaderMoved'; partition: number; from: number; to: number }
  /** The leader that did not answer answers again (it restarted, or the network came back); reading goes on. */
  | { kind: 'leaderBack'; partition: number; leader: number }
  /** The partition's leader does not answer (or it has none); the read waits for Kafka to elect one. */
  | { kind: 'leaderUnavailable'; partition: number; leader: number };

export interface BrowseSummary {
  delivered: number;
  /** endOfPartitions: every partition was read to its end offset at the start (or, following, until cancelled); full: the sink had no more room. */
  stoppedBecause: 'maxMessages' | 'endOfPartitions' | 'full' | 'cancelled';
  /**
   * Messages left between where each partition's read stopped and its end offset at the
   * start (an upper bound: compaction and transaction markers take offsets too); 0 when the
   * end was reached, undefined when following.
   */
  remaining?: number;
}

/** A broker of the cluster as the metadata names it. */
export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** What KafkaService.describeCluster returns. */
export interface ClusterDescription {
  clusterId: string;
  /** Node id of the active controller, or null when the cluster does not say. */
  controller: number | null;
  brokers: BrokerInfo[];
}

/** One partition's new committed offset, as KafkaService.resetGroupOffsets returns it. */
export interface PartitionOffset {
  partition: number;
  offset: string;
}
