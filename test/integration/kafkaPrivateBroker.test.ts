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
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KafkaService } from '../../src/kafka/kafkaService';
import type { KafkaConnectionConfig, KafkaRecord } from '../../src/kafka/types';
import type { SaslMechanism } from '../../src/shared/connections';
import { WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';
import { probeTcp } from '../../src/stack/health';
import { freePort } from './kafkaTools';

const USER = 'etl';
const PASSWORD = 'etl-secret';
const dir = mkdtempSync(path.join(tmpdir(), 'wb-kafka-private-'));
let port = 0;
let broker: ChildProcess | undefined;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function kafkaLibs(): string {
  const cache = path.join(homedir(), '.cache', 'kafka-airflow-workbench');
  const libs = existsSync(cache)
    ? readdirSync(cache).filter((d) => /^kafka-\d/.test(d)).map((d) => path.join(cache, d, 'libs')).find((d) => existsSync(d) && readdirSync(d).some((f) => f.startsWith('kafka_2')))
    : undefined;
  if (!libs) throw new Error('The Kafka jars are not installed. Run: bash stack/native/stack.sh up kafka');
  return `${libs}/*`;
}

function config(mechanism: SaslMechanism, password = PASSWORD, requestTimeoutMs = 8000): KafkaConnectionConfig {
  return { name: 'private', brokers: [`127.0.0.1:${port}`], ssl: false, saslMechanism: mechanism, saslUsername: USER, password, requestTimeoutMs };
}

/** Starts the broker on the formatted log dir and waits until the SASL port answers. */
async function startBroker(): Promise<void> {
  const log = openSync(path.join(dir, 'broker.log'), 'a');
  broker = spawn('java', ['-Xms128m', '-Xmx384m', '-XX:+UseSerialGC', `-Dlog4j2.configurationFile=${path.resolve('stack/native/kafka/tools-log4j2.properties')}`, '-cp', kafkaLibs(), 'kafka.Kafka', path.join(dir, 'server.properties')], {
    stdio: ['ignore', log, log],
  });
  for (let i = 0; i < 120; i++) {
    if ((await probeTcp('127.0.0.1', port, 500)).reachable) return;
    if (broker.exitCode !== null) throw new Error(`The private broker exited (${broker.exitCode}); see ${dir}/broker.log`);
    await sleep(500);
  }
  throw new Error(`The private broker did not listen on ${port} within 60 s; see ${dir}/broker.log`);
}

function stopBroker(): Promise<void> {
  const child = broker;
  broker = undefined;
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => { resolve(); });
    child.kill('SIGKILL');
  });
}

before(async () => {
  port = await freePort();
  const controllerPort = await freePort();
  const jaas = (module: string, extra = '') => `org.apache.kafka.common.security.${module} required${extra};`;
  writeFileSync(
    path.join(dir, 'server.properties'),
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${port}`,
      'inter.broker.listener.name=SASL_PLAINTEXT',
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol=PLAIN',
      `listener.name.sasl_plaintext.plain.sasl.jaas.config=${jaas('plain.PlainLoginModule', ` username="admin" password="admin-secret" user_admin="admin-secret" user_${USER}="${PASSWORD}"`)}`,
      `listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
      `listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
      `log.dirs=${path.join(dir, 'data')}`,
      'num.partitions=1',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'group.initial.rebalance.delay.ms=0',
      'num.network.threads=1',
      'num.io.threads=2',
      '',
    ].join('\n'),
  );
  const format = spawnSync('java', [
    '-Xmx256m', `-Dlog4j2.configurationFile=${path.resolve('stack/native/kafka/tools-log4j2.properties')}`, '-cp', kafkaLibs(), 'kafka.tools.StorageTool', 'format',
    '-t', randomUUID().replace(/-/g, '').slice(0, 22), '-c', path.join(dir, 'server.properties'),
    '--add-scram', `SCRAM-SHA-256=[name=${USER},password=${PASSWORD}]`, '--add-scram', `SCRAM-SHA-512=[name=${USER},password=${PASSWORD}]`,
  ], { encoding: 'utf8' });
  assert.equal(format.status, 0, format.stderr);
  await startBroker();
});

after(async () => {
  await stopBroker();
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
            void stopBroker();
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
      await startBroker();
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
