/**
 * KafkaService against a private, throw-away Kafka broker that this test starts itself
 * (same Kafka 4.1 jars as the native stack, its own ports and temp dir), for the faults the
 * shared broker must not be made to show: a SASL_PLAINTEXT listener with PLAIN, SCRAM-SHA-256
 * and SCRAM-SHA-512 users (right and wrong passwords), and a broker that stops in the middle
 * of a produce run. The broker is killed by its own process id at the end.
 *
 *   bash stack/native/stack.sh up kafka     # only to have the Kafka jars and java
 *   node --import tsx --test test/integration/kafkaPrivateBroker.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KafkaService } from '../../src/kafka/kafkaService';
import type { KafkaConnectionConfig, KafkaRecord } from '../../src/kafka/types';
import type { SaslMechanism } from '../../src/shared/connections';
import { WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';
import { freePorts } from './kafkaTools';
import { ThrowawayBroker } from './throwawayBroker';

const USER = 'etl';
const PASSWORD = 'etl-secret';
const dir = mkdtempSync(path.join(tmpdir(), 'wb-kafka-private-'));
let port = 0;

const broker = new ThrowawayBroker(dir, 'private broker');

function config(mechanism: SaslMechanism, password = PASSWORD, requestTimeoutMs = 8000): KafkaConnectionConfig {
  return { name: 'private', brokers: [`127.0.0.1:${port}`], ssl: false, saslMechanism: mechanism, saslUsername: USER, password, requestTimeoutMs };
}

before(async () => {
  const [listenerPort, controllerPort] = await freePorts(2) as [number, number];
  port = listenerPort;
  const jaas = (module: string, extra = '') => `org.apache.kafka.common.security.${module} required${extra};`;
  broker.configure({
    controllerPort,
    listeners: `SASL_PLAINTEXT://127.0.0.1:${port}`,
    interBrokerListener: 'SASL_PLAINTEXT',
    protocolMap: 'SASL_PLAINTEXT:SASL_PLAINTEXT',
    extra: [
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol=PLAIN',
      `listener.name.sasl_plaintext.plain.sasl.jaas.config=${jaas('plain.PlainLoginModule', ` username="admin" password="admin-secret" user_admin="admin-secret" user_${USER}="${PASSWORD}"`)}`,
      `listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
      `listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
    ],
    formatArgs: ['--add-scram', `SCRAM-SHA-256=[name=${USER},password=${PASSWORD}]`, '--add-scram', `SCRAM-SHA-512=[name=${USER},password=${PASSWORD}]`],
  });
  await broker.start([port]);
});

after(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('KafkaService with SASL on a private broker', { concurrency: false }, () => {
  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    it(`logs in with SASL ${mechanism} and says when the password is wrong`, async () => {
      const good = new KafkaService(config(mechanism), silentLogger);
      try {
        const cluster = await good.describeCluster();
        assert.equal(cluster.brokers[0]?.port, port);
      } finally {
        await good.dispose();
      }
      const bad = new KafkaService(config(mechanism, 'wrong-password'), silentLogger);
      const started = Date.now();
      try {
        await assert.rejects(bad.listTopics(), (e: unknown) => e instanceof WorkbenchError && e.message === `Kafka at 127.0.0.1:${port} refused the SASL credentials for user ${USER}: re-enter the password.`);
        await assert.rejects(bad.describeCluster(), /refused the SASL credentials for user etl: re-enter the password/);
      } finally {
        await bad.dispose();
      }
      assert.ok(Date.now() - started < 16_000, `gave up in ${Date.now() - started} ms`);
    });
  }
});

describe('a broker that stops during a produce run', { concurrency: false }, () => {
  it('reports what was acknowledged and what was not, without hanging, and the acknowledged messages are in the log', async () => {
    const service = new KafkaService(config('plain', PASSWORD, 5000), silentLogger);
    const topic = 'stops-midway';
    try {
      await service.createTopic({ name: topic, partitions: 2, replicationFactor: 1 });
      const total = 20_000;
      const messages = Array.from({ length: total }, (_, i) => ({ key: `k${i}`, value: `message ${i}` }));
      let killed = false;
      const started = Date.now();
      const result = await service.produce(messages, {
        topic,
        ratePerSecond: 4000,
        onProgress: (p) => {
          if (!killed && p.sent >= 2000) {
            killed = true;
            void broker.stop();
          }
        },
      });
      const took = Date.now() - started;
      assert.ok(killed, 'the broker was stopped during the run');
      assert.ok(took < 20_000, `produce returned ${took} ms after the start`);
      assert.ok(result.sent >= 2000 && result.sent < total, `sent ${result.sent}`);
      assert.equal(result.sent + result.failed, total, 'every message is accounted for');
      const indices = new Set([...result.records.map((r) => r.index), ...result.errors.map((e) => e.index)]);
      assert.equal(indices.size, total, 'each message is either acknowledged or reported, never both');
      assert.ok(result.errors.every((e) => /^(not acknowledged, it may or may not have been written|not sent): .*127\.0\.0\.1:\d+/.test(e.message)), result.errors[0]?.message);

      // The broker comes back with its log: every acknowledged message is at its reported offset.
      await broker.start([port]);
      const reader = new KafkaService(config('plain', PASSWORD, 15_000), silentLogger);
      try {
        const read: KafkaRecord[] = [];
        await reader.browse({ topic, start: { kind: 'beginning' }, maxMessages: total, follow: false, signal: new AbortController().signal, onRecords: (batch) => read.push(...batch) });
        const byPlace = new Map(read.map((r) => [`${r.partition}:${r.offset}`, r.value?.toString()]));
        for (const record of result.records) {
          assert.equal(byPlace.get(`${record.partition}:${record.offset}`), `message ${record.index}`);
        }
        assert.ok(read.length >= result.sent);
      } finally {
        await reader.dispose();
      }
    } finally {
      await service.dispose();
    }
  });
});
