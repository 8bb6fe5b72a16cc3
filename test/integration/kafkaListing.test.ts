/**
 * What the Kafka view lists, against the native stack's real broker (Kafka 4.1): many topics
 * described in one call (KafkaService.describeTopics) exactly as one at a time, and consumer
 * groups listed and described with their lag through the batched requests (FindCoordinator
 * v4, OffsetFetch v8) and through one request per group (what brokers before Kafka 3.0 get),
 * both checked against kcat and against Kafka's own kafka-consumer-groups.sh. The groups are
 * made by kcat consumers; topics and groups are unique to the run and deleted at the end. The
 * service keeps its read connections: a private broker killed and started again between two
 * reads gives a clear error while it is down, and the same service reads again once it is back.
 *
 *   bash stack/native/stack.sh up kafka
 *   node --import tsx --test --test-concurrency=1 test/integration/kafkaListing.test.ts
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaService } from '../../src/kafka/kafkaService';
import type { GroupDetails, TopicDetails } from '../../src/kafka/types';
import { WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';
import { probeTcp } from '../../src/stack/health';
import { removeTestTopics } from '../support/testTopics';
import { freePorts, kafkaClassPath, kafkaToolsLogging, runKcat } from './kafkaTools';
import { ThrowawayBroker } from './throwawayBroker';

const BROKER = '127.0.0.1:9092';
const RUN = `wb-list-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
const service = new KafkaService({ name: 'Local stack', brokers: [BROKER], ssl: false, saslMechanism: 'none', clientId: 'workbench-it', requestTimeoutMs: 15_000 }, silentLogger);
const topics = { three: `${RUN}-three`, one: `${RUN}-one` };
const groups = { partway: `${RUN}-partway`, done: `${RUN}-done`, running: `${RUN}-running`, never: `${RUN}-never-existed` };
const children = new Set<ChildProcess>();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function kcat(args: string[], input?: string): Promise<string> {
  const run = await runKcat(['-b', BROKER, ...args], input, 60_000);
  assert.equal(run.code, 0, `kcat ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.toString('utf8');
}

/** Each group's total lag as kafka-consumer-groups.sh --describe prints it (the sum of its LAG column). */
function lagsByKafkaTool(groupIds: readonly string[]): Map<string, bigint> {
  const run = spawnSync('java', ['-Xmx256m', kafkaToolsLogging(), '-cp', kafkaClassPath(), 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', '--bootstrap-server', BROKER, '--describe', ...groupIds.flatMap((g) => ['--group', g])], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  const lags = new Map<string, bigint>();
  for (const line of run.stdout.split('\n')) {
    const [group, , partition, , , lag] = line.trim().split(/\s+/);
    if (group === undefined || !groupIds.includes(group) || !/^\d+$/.test(partition ?? '')) continue;
    lags.set(group, (lags.get(group) ?? 0n) + (/^-?\d+$/.test(lag ?? '') ? BigInt(lag ?? '0') : 0n));
  }
  return lags;
}

before(async () => {
  const probe = await probeTcp('127.0.0.1', 9092, 3000);
  if (!probe.reachable) throw new Error(`Kafka is not running on ${BROKER} (${probe.error ?? ''}). Start it: bash stack/native/stack.sh up kafka`);
  await service.createTopic({ name: topics.three, partitions: 3, replicationFactor: 1, retentionMs: 3_600_000 });
  await service.createTopic({ name: topics.one, partitions: 1, replicationFactor: 1 });
  await kcat(['-P', '-t', topics.three, '-p', '0'], 'a\nb\nc\nd\ne\n');
  await kcat(['-P', '-t', topics.three, '-p', '1'], 'f\ng\n');
  await kcat(['-P', '-t', topics.one], Array.from({ length: 10 }, (_, i) => `v${i}`).join('\n') + '\n');
});

/** Resolves once the child has exited (at once if it has). */
function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => { child.once('exit', () => { resolve(); }); });
}

after(async () => {
  // kcat leaves its group on SIGTERM; a group with a member cannot be deleted.
  for (const child of children) child.kill('SIGTERM');
  await Promise.all([...children].map(exited));
  const admin = new Kafka({ brokers: [BROKER], clientId: 'workbench-it', logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    for (const groupId of [groups.partway, groups.done, groups.running]) {
      for (let attempt = 1; ; attempt++) {
        try {
          await admin.deleteGroups([groupId]);
          break;
        } catch (error) {
          if (attempt < 30) {
            await sleep(1000);
            continue;
          }
          console.warn(`# left consumer group ${groupId} on the broker: ${error instanceof Error ? error.message : String(error)} (kafka-consumer-groups.sh --delete --group ${groupId})`);
          break;
        }
      }
    }
  } finally {
    await admin.disconnect();
  }
  await removeTestTopics(service, Object.values(topics));
  await service.dispose();
});

describe('Kafka view listings against the native broker', { concurrency: false }, () => {
  it('describes several topics in one call as describeTopic describes each, and names the one that does not exist', async () => {
    const missing = `${RUN}-missing`;
    const described = await service.describeTopics([topics.three, topics.one, missing]);
    const three = described.get(topics.three);
    assert.ok(three && !(three instanceof Error), 'the three-partition topic is described');
    assert.deepEqual(three, await service.describeTopic(topics.three));
    assert.deepEqual(three.partitionInfo.map((p) => [p.partition, p.leader, p.low, p.high, p.messages]), [[0, 1, '0', '5', '5'], [1, 1, '0', '2', '2'], [2, 1, '0', '0', '0']]);
    assert.equal(three.messageEstimate, '7');
    assert.deepEqual(three.configs.find((c) => c.name === 'retention.ms'), { name: 'retention.ms', value: '3600000', isDefault: false, isSensitive: false });
    const one = described.get(topics.one);
    assert.ok(one && !(one instanceof Error));
    assert.equal(one.messageEstimate, '10');
    assert.deepEqual(one, await service.describeTopic(topics.one));
    const gone = described.get(missing);
    assert.ok(gone instanceof WorkbenchError, 'the missing topic gets its own error');
    assert.match(gone.message, new RegExp(`Topic "${missing}" does not exist on ${BROKER}`));
    // kcat agrees on the partitions.
    assert.match(await kcat(['-L', '-t', topics.three]), new RegExp(`topic "${topics.three}" with 3 partitions`));
  });

  it('lists consumer groups with state and members, and their lags as kafka-consumer-groups.sh shows them, batched or one request per group', async () => {
    // partway: read 4 of 10 and stopped; done: read the three-partition topic to its end; running: a live consumer.
    await kcat(['-G', groups.partway, '-X', 'auto.offset.reset=earliest', '-X', 'enable.auto.commit=true', '-c', '4', '-q', '-f', '%s\n', topics.one]);
    await kcat(['-G', groups.done, '-X', 'auto.offset.reset=earliest', '-e', '-q', '-f', '%s\n', topics.three]);
    const child = spawn('kcat', ['-b', BROKER, '-G', groups.running, '-X', 'auto.offset.reset=earliest', '-q', topics.one], { stdio: 'ignore' });
    children.add(child);
    let state = '';
    for (let i = 0; i < 60 && state !== 'Stable'; i++) {
      await sleep(500);
      state = (await service.describeGroup(groups.running)).state;
    }
    assert.equal(state, 'Stable', 'the running consumer joined its group');

    const ours = [groups.partway, groups.done, groups.running];
    const listed = (await service.listGroups()).filter((g) => ours.includes(g.groupId));
    assert.deepEqual(listed, [
      { groupId: groups.done, state: 'Empty', protocolType: 'consumer', members: 0 },
      { groupId: groups.partway, state: 'Empty', protocolType: 'consumer', members: 0 },
      { groupId: groups.running, state: 'Stable', protocolType: 'consumer', members: 1 },
    ]);
    assert.deepEqual((await service.listGroups({ batched: false })).filter((g) => ours.includes(g.groupId)), listed);

    const batched = await service.describeGroups([...ours, groups.never]);
    const perGroup = await service.describeGroups([...ours, groups.never], { batched: false });
    assert.deepEqual(perGroup, batched, 'one request per group reads the same');
    const details = (id: string): GroupDetails => {
      const d = batched.get(id);
      assert.ok(d && !(d instanceof Error), `group ${id} is described`);
      return d;
    };
    assert.deepEqual(details(groups.partway).partitions, [{ topic: topics.one, partition: 0, committed: '4', high: '10', lag: '6' }]);
    assert.equal(details(groups.done).totalLag, '0');
    assert.deepEqual(details(groups.done).partitions.map((p) => [p.partition, p.high, p.lag]), [[0, '5', '0'], [1, '2', '0'], [2, '0', '0']]);
    const running = details(groups.running);
    assert.equal(running.state, 'Stable');
    assert.deepEqual(running.members.map((m) => m.assignments), [[{ topic: topics.one, partitions: [0] }]]);
    assert.deepEqual(details(groups.never), { groupId: groups.never, state: 'Dead', protocolType: '', members: [], partitions: [], totalLag: '0' });
    assert.deepEqual(await service.describeGroup(groups.partway), details(groups.partway));

    const tool = lagsByKafkaTool([groups.partway, groups.done]);
    assert.equal(tool.get(groups.partway), 6n);
    assert.equal(BigInt(details(groups.partway).totalLag), tool.get(groups.partway));
    assert.equal(BigInt(details(groups.done).totalLag), tool.get(groups.done) ?? 0n);
  });
});

describe('Kafka view listings when the broker restarts', { concurrency: false }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wb-kafka-restart-'));
  const broker = new ThrowawayBroker(dir, 'restarted broker');
  let port = 0;
  let restarted: KafkaService | undefined;

  after(async () => {
    await restarted?.dispose();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers with a clear error while the broker is down, and reads again on the same service once it is back', async () => {
    const [clientPort, controllerPort] = await freePorts(2);
    port = clientPort ?? 0;
    broker.configure({ controllerPort: controllerPort ?? 0, listeners: `PLAINTEXT://127.0.0.1:${port}`, interBrokerListener: 'PLAINTEXT', protocolMap: 'PLAINTEXT:PLAINTEXT', extra: [] });
    await broker.start([port]);
    restarted = new KafkaService({ name: 'Restarted', brokers: [`127.0.0.1:${port}`], ssl: false, saslMechanism: 'none', clientId: 'workbench-it', requestTimeoutMs: 5000 }, silentLogger);
    const topic = `${RUN}-restart`;
    await restarted.createTopic({ name: topic, partitions: 2, replicationFactor: 1 });
    const before = (await restarted.describeTopics([topic])).get(topic);
    assert.ok(before && !(before instanceof Error), 'described before the restart');

    await broker.stop();
    const down = Date.now();
    await assert.rejects(restarted.describeTopics([topic]), (error: unknown) => error instanceof WorkbenchError && error.message.includes(`127.0.0.1:${port}`));
    assert.ok(Date.now() - down < 20_000, 'the error comes within the request timeout');

    await broker.start([port]);
    let after: TopicDetails | Error | undefined;
    for (let i = 0; i < 60; i++) {
      after = await restarted.describeTopics([topic]).then((d) => d.get(topic), (error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      if (after !== undefined && !(after instanceof Error)) break;
      await sleep(1000);
    }
    assert.ok(after !== undefined && !(after instanceof Error), `described after the restart; last: ${after instanceof Error ? after.message : 'nothing'}`);
    assert.deepEqual(after.partitionInfo.map((p) => p.partition), [0, 1]);
    assert.deepEqual((await restarted.listGroups()).length, 0);
  });
});
