// The mapping from what kafkajs throws to the sentence a user sees. Real kafkajs error classes
// are used; the SASL rejection is built by hand (fakeSaslRejection) because the native stack's
// broker has no SASL listener to refuse a password.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSSASLAuthenticationError, logLevel } from 'kafkajs';
import { checkBrokers, kafkajsConfig, kafkajsLogCreator } from '../../src/kafka/clientConfig';
import { partitionProblem, toKafkaError, topicNameProblem } from '../../src/kafka/kafkaErrors';
import type { KafkaConnectionConfig } from '../../src/kafka/types';
import { WorkbenchError } from '../../src/shared/errors';
import type { Logger } from '../../src/shared/logger';

const require = createRequire(import.meta.url);
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode: (code: number) => Error };

const config: KafkaConnectionConfig = { name: 'prod', brokers: ['kafka-1:9092', 'kafka-2:9092'], ssl: false, saslMechanism: 'scram-sha-512', saslUsername: 'etl', password: 'x' };

function fakeSaslRejection(): Error {
  // kafkajs's typings declare no constructor arguments; the class takes the message like every KafkaJSError.
  const SaslError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
  return new SaslError('SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512');
}

describe('Kafka error sentences', () => {
  it('tells the user to re-enter the password when SASL credentials are refused', () => {
    const e = toKafkaError(new KafkaJSNumberOfRetriesExceeded(fakeSaslRejection(), { retryCount: 0, retryTime: 0 }), config, { action: 'listing topics' });
    assert.equal(e.message, 'Kafka at kafka-1:9092, kafka-2:9092 refused the SASL credentials for user etl: re-enter the password.');
    assert.ok(e.actions.includes('openSettings'));
  });

  it('names the address and the cause for a refused connection, through kafkajs retries', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9', { broker: '127.0.0.1:9', code: 'ECONNREFUSED' });
    const e = toKafkaError(new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 2, retryTime: 300 }), config, { action: 'listing topics' });
    assert.match(e.message, /^Kafka at kafka-1:9092, kafka-2:9092 refused the connection\. Is it running\?/);
    assert.ok(e.actions.includes('retry'));
  });

  it('explains protocol errors by their type', () => {
    const cases: [number, RegExp][] = [
      [3, /^Topic "orders" does not exist on kafka-1:9092/],
      [10, /larger than topic "orders" accepts \(max\.message\.bytes\)/],
      [36, /^Topic "orders" exists already/],
      [38, /replication factor must not exceed the number of brokers/],
      [17, /Topic name "orders" |rejected the topic name/],
      [29, /may not access topic "orders"/],
    ];
    for (const [code, expected] of cases) {
      const error = new KafkaJSProtocolError(createErrorFromCode(code));
      assert.match(toKafkaError(error, config, { action: 'producing', topic: 'orders' }).message, expected, `error code ${code}`);
    }
  });

  it('passes a WorkbenchError through unchanged', () => {
    const original = new WorkbenchError('already clear');
    assert.equal(toKafkaError(original, config, { action: 'x' }), original);
  });

  it('says which character makes a topic name invalid', () => {
    assert.equal(topicNameProblem('orders.v1_x-y'), undefined);
    assert.match(topicNameProblem('orders v1') ?? '', /contains " ": Kafka topic names may use only letters, digits/);
    assert.match(topicNameProblem('a'.repeat(250)) ?? '', /at most 249/);
    assert.match(topicNameProblem('..') ?? '', /not a valid topic name/);
    assert.equal(topicNameProblem(''), 'Give a topic name.');
  });

  it('says which partitions exist', () => {
    assert.equal(partitionProblem('orders', 3, 5), 'Topic "orders" has partitions 0–2; partition 5 does not exist.');
    assert.equal(partitionProblem('orders', 1, 1), 'Topic "orders" has only partition 0; partition 1 does not exist.');
  });
});

describe('kafkajs client options', () => {
  it('refuses a malformed broker address before connecting', () => {
    assert.throws(() => { checkBrokers({ ...config, brokers: ['localhost'] }); }, /"localhost" is not a broker address\. Write host:port/);
    assert.throws(() => { checkBrokers({ ...config, brokers: ['127.0.0.1:99999'] }); }, /port 99999/);
    assert.throws(() => { checkBrokers({ ...config, brokers: [] }); }, /has no brokers/);
  });

  it('bounds retries and timeouts by the request timeout', () => {
    const options = kafkajsConfig({ ...config, requestTimeoutMs: 4000 }, silent());
    assert.equal(options.requestTimeout, 4000);
    assert.ok((options.connectionTimeout ?? 0) <= 4000);
    assert.ok((options.retry?.retries ?? 99) <= 3);
    assert.ok((options.retry?.maxRetryTime ?? 99_999) <= 4000);
    assert.deepEqual(options.sasl, { mechanism: 'scram-sha-512', username: 'etl', password: 'x' });
  });

  it('passes the custom CA for TLS', () => {
    const options = kafkajsConfig({ ...config, saslMechanism: 'none', ssl: true, ca: '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----' }, silent());
    assert.deepEqual(options.ssl, { ca: ['-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----'] });
    assert.equal(options.sasl, undefined);
  });

  it('asks for the SASL password when it is missing', () => {
    const { password: _password, ...noPassword } = config;
    assert.throws(() => kafkajsConfig(noPassword, silent()), /needs the SASL password for user etl/);
  });

  it('routes kafkajs log entries at warn and above to our logger', () => {
    const lines: string[] = [];
    const logger: Logger = { ...silent(), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${String(m)}`) };
    const log = kafkajsLogCreator(logger)(logLevel.WARN);
    log({ namespace: 'Connection', level: logLevel.ERROR, label: 'ERROR', log: { timestamp: 't', message: 'Connection error', broker: 'b:1' } });
    log({ namespace: 'Cluster', level: logLevel.WARN, label: 'WARN', log: { timestamp: 't', message: 'Stale metadata' } });
    assert.deepEqual(lines, ['error [kafkajs Connection] Connection error {"broker":"b:1"}', 'warn [kafkajs Cluster] Stale metadata']);
  });
});

function silent(): Logger {
  return { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
}
