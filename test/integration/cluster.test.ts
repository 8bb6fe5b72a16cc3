/**
 * The editor's Kafka features on a three-broker cluster (stack.sh up cluster, replication
 * factor 3, min.insync.replicas 2) while brokers die and come back, checked as a user would:
 * - the Kafka view's marks (the pure layer under src/views/kafka/kafkaTree.ts, fed by
 *   KafkaService.describeTopic): under-replicated partitions and the broker out of sync while
 *   a broker is down, offline when it held a partition's only replica, cleared when it returns;
 * - the Message Inspector in follow mode (KafkaInspectorSource, as the panel drives it) keeps
 *   reading when a partition's leader is SIGKILLed, shows each message once and says the
 *   leader moved, as a notice and not an error.
 * The cluster is started here (reused when up) and stopped at the end, also on failure.
 *
 *   node --import tsx --test --test-concurrency=1 test/integration/cluster.test.ts
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { KafkaService } from '../../src/kafka/kafkaService';
import type { TopicDetails } from '../../src/kafka/types';
import { silentLogger } from '../../src/shared/logger';
import { partitionReplicaHealth, topicReplicaHealth } from '../../src/kafka/presentation';
import { TestCluster } from './cluster';
import { InspectorSources, readTopic, untilStatus } from '../support/inspector';

const RUN = `wb-cluster-${Date.now().toString(36)}-${randomUUID().slice(0, 4)}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let cluster: TestCluster;
let service: KafkaService;
const sources = new InspectorSources(() => service, 'cluster');

before(async () => {
  cluster = await TestCluster.start();
  service = new KafkaService({ name: 'cluster', brokers: cluster.bootstrap, ssl: false, saslMechanism: 'none', clientId: 'workbench-cluster-it', requestTimeoutMs: 10_000 }, silentLogger);
});

afterEach(async () => {
  // A failed test must not leave a broker down for the next one.
  await cluster.restoreAll();
});

after(async () => {
  sources.dispose();
  await service.dispose();
  await cluster.close();
});

/** Asks the service until `done` holds for the topic's details (its metadata follows the controller's by a moment). */
async function describeUntil(topic: string, done: (details: TopicDetails) => boolean, what: string, timeoutMs = 30_000): Promise<TopicDetails> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const details = await service.describeTopic(topic);
      last = details.partitionInfo;
      if (done(details)) return details;
    } catch (error) {
      last = error instanceof Error ? error.message : error;
    }
    if (Date.now() > deadline) throw new Error(`KafkaService.describeTopic(${topic}) did not show ${what} within ${timeoutMs / 1000} s; last: ${JSON.stringify(last)}`);
    await sleep(500);
  }
}

/** Writes `lines` ("key\tvalue") to `partition` with kcat (librdkafka waits out a leader election; acks from all in-sync replicas). */
function kcatProduce(topic: string, partition: number, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', ['-b', cluster.bootstrap.join(','), '-P', '-t', topic, '-p', String(partition), '-K', '\t', '-X', 'acks=all', '-X', 'message.timeout.ms=120000'], { timeout: 150_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`kcat -P to ${topic}/${partition} failed: ${error.message} ${stderr}`));
      else resolve();
    });
    child.stdin?.end(`${lines.join('\n')}\n`);
  });
}

describe('Kafka view on a three-broker cluster with a broker down', () => {
  it('marks partitions under-replicated (naming the missing broker) and offline, and clears the marks when the broker is back', async () => {
    const replicated = `${RUN}-rf3`;
    const single = `${RUN}-rf1`;
    await cluster.createTopic(replicated, { partitions: 3 });
    // Partition 0 lives only on broker 3: it goes offline with it. Partition 1 only on broker 1.
    await cluster.createTopic(single, { replicaAssignment: [[3], [1]], configs: { 'min.insync.replicas': '1' } });
    assert.equal(topicReplicaHealth((await service.describeTopic(replicated)).partitionInfo).health, 'ok');
    assert.equal(topicReplicaHealth((await service.describeTopic(single)).partitionInfo).health, 'ok');

    await cluster.kill(3);
    await cluster.waitOutOfIsr(replicated, 3);

    const down = await describeUntil(replicated, (d) => topicReplicaHealth(d.partitionInfo).underReplicated.length === 3, 'three under-replicated partitions');
    const health = topicReplicaHealth(down.partitionInfo);
    assert.equal(health.health, 'underReplicated');
    assert.deepEqual(health.outOfSyncBrokers, [3]);
    assert.equal(health.mark, '3 under-replicated');
    assert.deepEqual(health.lines, ['Under-replicated: partitions 0, 1, 2; not in sync: broker 3.']);
    for (const p of down.partitionInfo) {
      assert.ok(p.leader === 1 || p.leader === 2, `partition ${p.partition} is led by a live broker, not ${p.leader}`);
      assert.equal(partitionReplicaHealth(p).mark, 'under-replicated: broker 3 out of sync');
    }

    // The topic list still loads with a partition offline (kafkajs alone refuses such metadata).
    const listed = (await service.listTopics()).map((t) => t.name);
    assert.ok(listed.includes(replicated) && listed.includes(single), 'both topics are listed');
    const offline = await describeUntil(single, (d) => topicReplicaHealth(d.partitionInfo).offline.length === 1, 'one offline partition');
    const offlineHealth = topicReplicaHealth(offline.partitionInfo);
    assert.equal(offlineHealth.health, 'offline');
    assert.equal(offlineHealth.mark, '1 offline');
    assert.match(offlineHealth.lines[0] ?? '', /^Offline \(no leader\): partition 0; its replica is on broker 3/);
    const [p0, p1] = offline.partitionInfo;
    assert.ok(p0 && p1, 'two partitions');
    assert.equal(p0.leader, -1);
    assert.equal(partitionReplicaHealth(p0).mark, 'offline: no leader');
    assert.equal(p1.leader, 1);
    assert.equal(partitionReplicaHealth(p1).health, 'ok');

    await cluster.startBroker(3);
    await cluster.waitInIsr(replicated, 3);
    await cluster.waitInIsr(single, 3);
    const back = await describeUntil(replicated, (d) => topicReplicaHealth(d.partitionInfo).health === 'ok', 'no mark');
    assert.deepEqual(topicReplicaHealth(back.partitionInfo), { health: 'ok', underReplicated: [], offline: [], outOfSyncBrokers: [], mark: '', lines: [] });
    await describeUntil(single, (d) => topicReplicaHealth(d.partitionInfo).health === 'ok', 'partition 0 back online');
  });
});

describe('Message Inspector following a topic while a leader dies', () => {
  it('reads on from the new leader: every message shows once, and the status says the leader moved without an error', async () => {
    const topic = `${RUN}-follow`;
    await cluster.createTopic(topic, { partitions: 3 });
    const source = sources.open(topic);
    // From the beginning of the empty topic: "end" would race with the first messages (it is
    // resolved once the read has connected, after the state already says following).
    await readTopic(source, { maxMessages: 100_000, follow: true }, { done: (s) => s.state === 'following', what: 'the source to follow', ms: 60_000 });

    const batch = (round: string, partition: number): string[] => Array.from({ length: 200 }, (_, i) => `${round}-p${partition}-${i}\t${JSON.stringify({ round, partition, i })}`);
    await Promise.all([0, 1, 2].map((p) => kcatProduce(topic, p, batch('before', p))));
    await untilStatus(source, (s) => s.loaded === 600, { what: '600 messages before the kill', ms: 60_000 });

    const leader = await cluster.leaderOf(topic, 1);
    await cluster.kill(leader);
    const next = await cluster.waitForLeaderChange(topic, 1, leader);
    await Promise.all([0, 1, 2].map((p) => kcatProduce(topic, p, batch('after', p))));

    const status = await untilStatus(source, (s) => s.loaded >= 1_200 && (s.notice ?? '').includes('moved'), { what: '1,200 messages and a notice', ms: 90_000 });
    await sleep(1_500); // a duplicate would arrive with the next fetches
    const records = [...source.records('filtered')];
    const keys = records.map((r) => r.key?.toString('utf8') ?? '');
    assert.equal(records.length, 1_200, 'each of the 1,200 messages once');
    assert.equal(new Set(keys).size, 1_200, 'no key twice');
    const positions = new Set(records.map((r) => `${r.partition}/${r.offset}`));
    assert.equal(positions.size, 1_200, 'no (partition, offset) twice');
    for (const p of [0, 1, 2]) {
      for (const round of ['before', 'after']) {
        const inOrder = records.filter((r) => r.partition === p && (r.key?.toString('utf8') ?? '').startsWith(`${round}-`)).map((r) => Number(r.key?.toString('utf8').split('-')[2]));
        assert.deepEqual(inOrder, Array.from({ length: 200 }, (_, i) => i), `partition ${p}, ${round}: all 200 in order`);
      }
    }
    const final = source.status();
    assert.equal(final.state, 'following', `still following, not ${final.state}: ${final.message}`);
    assert.doesNotMatch(final.message, /fail|error/i);
    assert.ok(status.notice?.includes(`Partition 1's leader moved from broker ${leader} to ${next}; reading on.`), `notice: ${status.notice ?? '(none)'}`);
    source.stop();
    await untilStatus(source, (s) => s.state === 'stopped', { what: 'the source to stop', ms: 60_000 });
  });
});
