/**
 * Drives the Message Inspector's host source as the panel does, for the integration tests that
 * read topics of the native broker (127.0.0.1:9092): a KafkaService for that broker, sources
 * opened on its topics and disposed together, a wait for a status the source reaches, and a
 * read of a whole topic from the beginning.
 */
import type { KafkaConnectionConfig } from '../../src/kafka/types';
import { KafkaService } from '../../src/kafka/kafkaService';
import { KafkaInspectorSource, type KafkaInspectorSourceDeps } from '../../src/panels/kafkaInspectorSource';
import { silentLogger } from '../../src/shared/logger';
import type { InspectorOptions, InspectorStatus } from '../../src/shared/protocol';

export const NATIVE_BROKER = '127.0.0.1:9092';

/** A KafkaService for the native stack's broker, without TLS or SASL, logging nothing. */
export function nativeKafkaService(options: Partial<KafkaConnectionConfig> = {}): KafkaService {
  return new KafkaService({ name: 'it', brokers: [NATIVE_BROKER], ssl: false, saslMechanism: 'none', requestTimeoutMs: 10_000, ...options }, silentLogger);
}

/** The inspector's form read from the beginning of every partition to the end, at most 10,000 messages, not following. */
export const READ_ALL: InspectorOptions = { start: 'beginning', startValue: '', partitions: [], maxMessages: 10_000, follow: false };

/** What a test may set on a source besides the service, connection and topic. */
export type SourceExtras = Partial<Omit<KafkaInspectorSourceDeps, 'service' | 'connection' | 'topic'>>;

/**
 * Inspector sources on topics of one KafkaService, as the panel opens them; `dispose()` closes
 * them all (call it in `after`). The service may be given as a function when a `before` hook makes it.
 */
export class InspectorSources {
  private readonly opened: KafkaInspectorSource[] = [];

  constructor(private readonly service: KafkaService | (() => KafkaService), private readonly connection = 'it') {}

  open(topic: string, extras: SourceExtras = {}): KafkaInspectorSource {
    const service = typeof this.service === 'function' ? this.service() : this.service;
    const source = new KafkaInspectorSource({ service: () => Promise.resolve(service), connection: this.connection, topic, log: silentLogger, ...extras });
    this.opened.push(source);
    return source;
  }

  dispose(): void {
    for (const source of this.opened.splice(0)) source.dispose();
  }
}

export interface UntilOptions {
  /** How long to wait before failing with the last status; 30 s unless set. */
  ms?: number;
  /** What is awaited, for the failure message ("the end of the topic"). */
  what?: string;
}

export interface ReadOptions extends UntilOptions {
  /** When the read has gone far enough; by default when it is done (the state `done`). */
  done?: (status: InspectorStatus) => boolean;
}

/**
 * Resolves with the source's status once `done` holds for it (checked at once and on every
 * change). Fails with the source's message when it reaches the error state first (unless `done`
 * accepts that state), and with the last status after `ms`.
 */
export function untilStatus(source: KafkaInspectorSource, done: (status: InspectorStatus) => boolean, options: UntilOptions = {}): Promise<InspectorStatus> {
  const ms = options.ms ?? 30_000;
  const what = options.what ?? 'the status awaited';
  return new Promise((resolve, reject) => {
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      stop();
      settle();
    };
    const timer = setTimeout(() => { finish(() => { reject(new Error(`waited ${ms / 1000} s for ${what}; last status: ${JSON.stringify(source.status())}`)); }); }, ms);
    const check = (): void => {
      const status = source.status();
      if (done(status)) finish(() => { resolve(status); });
      else if (status.state === 'error') finish(() => { reject(new Error(`the inspector failed while waiting for ${what}: ${status.message}`)); });
    };
    const stop = source.onDidChange(check);
    check();
  });
}

/**
 * Describes the topic, starts a read with READ_ALL changed by `options`, as the panel's form
 * does, and resolves with the status once the read is done (or `read.done` holds).
 */
export async function readTopic(source: KafkaInspectorSource, options: Partial<InspectorOptions> = {}, read: ReadOptions = {}): Promise<InspectorStatus> {
  const { done = (status: InspectorStatus) => status.state === 'done', ...until } = read;
  await source.describe();
  source.start({ ...READ_ALL, ...options });
  return untilStatus(source, done, { what: read.done ? 'the read to reach the awaited status' : 'the end of the read', ...until });
}
