/**
 * KafkaService against the native stack's real broker (Kafka 4.1, 127.0.0.1:9092), checked
 * the way a user would check it: with kcat on the other side. Produce through the service
 * and read back with kcat, and the reverse; headers, binary keys and values, timestamps and
 * compression; browse from an offset, a timestamp, the latest N and in follow mode, without
 * any consumer group appearing; group lag after a kcat consumer commits, and resets of a
 * stopped group; topic create/describe/delete; and the faults a real broker can produce.
 * Every topic is unique to the run and deleted at the end.
 *
 *   bash stack/native/stack.sh up kafka
 *   node --import tsx --test test/integration/kafka.test.ts
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { KafkaService } from '../../src/kafka/kafkaService';
import type { KafkaConnectionConfig, KafkaRecord, StartPosition } from '../../src/kafka/types';
import { CancelledError, describeError, WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';
import { probeTcp } from '../../src/stack/health';
import { freePort } from './kafkaTools';
import { removeTestTopics } from '../support/testTopics';

const BROKER = '127.0.0.1:9092';
const RUN = `wb-it-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
// Message timestamps a day back, on a whole minute: inside the broker's 7-day retention, so its
// periodic retention check never deletes them in the middle of a test (it did with 2025 dates).
const DAY_AGO = Math.floor((Date.now() - 86_400_000) / 60_000) * 60_000;
const config: KafkaConnectionConfig = { name: 'Local stack', brokers: [BROKER], ssl: false, saslMechanism: 'none', clientId: 'workbench-it', requestTimeoutMs: 10_000 };

const service = new KafkaService(config, silentLogger);
const created: string[] = [];
const children = new Set<ChildProcess>();

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs kcat with `args`, feeding `input`; kills it after `timeoutMs`. */
function kcat(args: string[], input?: Buffer | string, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-b', BROKER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    const out: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** kcat output of `-f '%p|%o|%T|%k|%h|%s\n'` as rows. */
async function kcatRead(topic: string, extra: string[] = []): Promise<{ partition: number; offset: number; timestamp: number; key: string; headers: string; value: string }[]> {
  const run = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p|%o|%T|%k|%h|%s\n', ...extra]);
  assert.equal(run.code, 0, run.stderr);
  return run.stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [p, o, t, k, h, ...v] = line.split('|');
      return { partition: Number(p), offset: Number(o), timestamp: Number(t), key: k ?? '', headers: h ?? '', value: v.join('|') };
    })
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

async function newTopic(suffix: string, partitions = 1, configs?: Record<string, string>): Promise<string> {
  const name = `${RUN}-${suffix}`;
  await service.createTopic({ name, partitions, replicationFactor: 1, ...(configs ? { configs } : {}) });
  created.push(name);
  return name;
}

async function browseAll(topic: string, start: StartPosition, extra: { partitions?: number[]; maxMessages?: number } = {}): Promise<KafkaRecord[]> {
  const records: KafkaRecord[] = [];
  const summary = await service.browse({ topic, start, maxMessages: extra.maxMessages ?? 10_000, follow: false, signal: new AbortController().signal, onRecords: (batch) => records.push(...batch), ...(extra.partitions ? { partitions: extra.partitions } : {}) });
  assert.equal(summary.delivered, records.length);
  return records;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  const probe = await probeTcp('127.0.0.1', 9092, 3000);
  if (!probe.reachable) throw new Error(`Kafka is not running on ${BROKER} (${probe.error ?? ''}). Start it: bash stack/native/stack.sh up kafka`);
});

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await removeTestTopics(service, created);
  await service.dispose();
});

describe('KafkaService against the native broker', { concurrency: false }, () => {
  it('describes the cluster', async () => {
    const cluster = await service.describeCluster();
    assert.ok(cluster.clusterId.length > 0);
    assert.equal(cluster.brokers.length, 1);
    assert.equal(`${cluster.brokers[0]?.host ?? ''}:${cluster.brokers[0]?.port ?? 0}`, BROKER);
    assert.equal(cluster.controller === null || typeof cluster.controller === 'number', true);
  });

  it('creates, lists, describes and deletes a topic', async () => {
    const topic = await newTopic('lifecycle', 3, { 'retention.ms': '3600000' });
    const listed = await service.listTopics();
    assert.deepEqual(listed.find((t) => t.name === topic), { name: topic, partitions: 3, replicationFactor: 1, internal: false });
    assert.equal(listed.find((t) => t.name === '__consumer_offsets')?.internal, true);
    await kcat(['-P', '-t', topic, '-p', '1'], 'a\nb\n');
    const details = await service.describeTopic(topic);
    assert.equal(details.partitions, 3);
    assert.deepEqual(details.partitionInfo.map((p) => [p.partition, p.leader, p.replicas, p.isr, p.low, p.high, p.messages]), [
      [0, 1, [1], [1], '0', '0', '0'],
      [1, 1, [1], [1], '0', '2', '2'],
      [2, 1, [1], [1], '0', '0', '0'],
    ]);
    assert.equal(details.messageEstimate, '2');
    const retention = details.configs.find((c) => c.name === 'retention.ms');
    assert.deepEqual(retention, { name: 'retention.ms', value: '3600000', isDefault: false, isSensitive: false });
    assert.equal(details.configs.find((c) => c.name === 'cleanup.policy')?.isDefault, true);
    await assert.rejects(service.createTopic({ name: topic, partitions: 1, replicationFactor: 1 }), /exists already/);
    await service.deleteTopic(topic);
    created.splice(created.indexOf(topic), 1);
    await assert.rejects(service.describeTopic(topic), (e: unknown) => e instanceof WorkbenchError && /does not exist/.test(e.message));
  });

  it('stops waiting for the leaders of a many-partition topic on Cancel, leaving the topic created', async () => {
    const topic = `${RUN}-many`;
    created.push(topic);
    const abort = new AbortController();
    const counts: number[] = [];
    // Cancel as soon as the first answer on the leaders comes, as a user pressing Cancel would.
    const creating = service.createTopic({
      name: topic, partitions: 120, replicationFactor: 1, signal: abort.signal,
      onLeaders: (led, total) => { counts.push(led); assert.equal(total, 120); abort.abort(); },
    });
    const outcome = await creating.then(() => 'waited to the end', (error: unknown) => (error instanceof CancelledError ? 'cancelled' : describeError(error)));
    // On an idle broker every leader may be there at the first answer: then there was nothing to cancel.
    if (outcome === 'waited to the end') assert.deepEqual(counts, [], 'finished although Cancel came while leaders were missing');
    else assert.equal(outcome, 'cancelled');
    const listed = await service.listTopics();
    assert.equal(listed.find((t) => t.name === topic)?.partitions, 120, 'the topic is created either way');
    await service.deleteTopic(topic);
    created.splice(created.indexOf(topic), 1);
  });

  it('produces messages with keys, headers, timestamps and partitions that kcat reads back as reported', async () => {
    const topic = await newTopic('produce', 3);
    const base = DAY_AGO;
    const messages = Array.from({ length: 30 }, (_, i) => ({
      key: `order:${i % 7}`,
      value: JSON.stringify({ n: i, text: '<b>bold</b> & "quoted"' }),
      headers: { source: 'workbench', seq: String(i) },
      timestamp: base + i * 1000,
      ...(i === 29 ? { partition: 2 } : {}),
    }));
    const progress: number[] = [];
    const result = await service.produce(messages, { topic, onProgress: (p) => progress.push(p.sent) });
    assert.equal(result.sent, 30);
    assert.equal(result.failed, 0);
    assert.deepEqual(result.errors, []);
    assert.equal(result.records.length, 30);
    assert.equal(result.records[29]?.partition, 2);
    assert.equal(progress.at(-1), 30);
    // Same key, same partition (Kafka's default partitioner).
    for (const r of result.records.slice(0, 29)) {
      assert.equal(r.partition, result.records[r.index % 7]?.partition, `key order:${r.index % 7}`);
    }
    const read = await kcatRead(topic);
    assert.equal(read.length, 30);
    for (const record of result.records) {
      const row = read.find((x) => x.partition === record.partition && String(x.offset) === record.offset);
      assert.ok(row, `kcat finds partition ${record.partition} offset ${record.offset}`);
      const sent = messages[record.index];
      assert.equal(row.key, sent?.key);
      assert.equal(row.value, sent?.value);
      assert.equal(row.timestamp, sent?.timestamp);
      assert.equal(row.headers, `source=workbench,seq=${record.index}`);
    }
  });

  it('produces binary keys, values and headers byte for byte', async () => {
    const topic = await newTopic('binary');
    const value = Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x7c, 0x80, 0xc3, 0x28]);
    const key = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
    const result = await service.produce([{ key, value, headers: { bin: Buffer.from([0x01, 0x02]) } }, { key: null, value: null }], { topic });
    assert.equal(result.sent, 2);
    // '%K|%k' is the key length in digits and the raw key; '%R%s' a big-endian 32-bit length and the raw value.
    const run = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%K|%k%R%s']);
    assert.equal(run.code, 0, run.stderr);
    const out = run.stdout;
    assert.equal(out.subarray(0, 2).toString(), '4|');
    assert.deepEqual(out.subarray(2, 6), key);
    const valueLength = out.readInt32BE(6);
    assert.equal(valueLength, value.length);
    assert.deepEqual(out.subarray(10, 10 + valueLength), value);
    const tombstone = out.subarray(10 + valueLength);
    assert.equal(tombstone.subarray(0, 3).toString(), '-1|', 'null key');
    assert.equal(tombstone.readInt32BE(3), -1, 'null value');
    const [first, second] = await browseAll(topic, { kind: 'beginning' });
    assert.deepEqual(first?.value, value);
    assert.deepEqual(first.key, key);
    assert.deepEqual(first.headers, [{ key: 'bin', value: Buffer.from([0x01, 0x02]) }]);
    assert.equal(second?.key, null);
    assert.equal(second.value, null);
  });

  for (const compression of ['gzip', 'snappy', 'lz4'] as const) {
    it(`produces ${compression}-compressed batches that kcat decompresses`, async () => {
      const topic = await newTopic(`z-${compression}`);
      const messages = Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: `value ${i} ${'abc'.repeat(50)}` }));
      const result = await service.produce(messages, { topic, compression });
      assert.equal(result.sent, 200, JSON.stringify(result.errors.slice(0, 2)));
      const read = await kcatRead(topic);
      assert.deepEqual(read.map((r) => r.value), messages.map((m) => m.value));
    });
  }

  it('reads what kcat produced, with keys, headers and compression, by assigning partitions', async () => {
    const topic = await newTopic('reverse', 2);
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
      const lines = Array.from({ length: 5 }, (_, i) => `${codec}-k${i}\t{"codec":"${codec}","i":${i}}`).join('\n');
      const run = await kcat(['-P', '-t', topic, '-p', '0', '-K', '\t', '-H', `codec=${codec}`, '-H', 'empty=', '-z', codec === 'none' ? 'none' : codec], `${lines}\n`);
      assert.equal(run.code, 0, run.stderr);
    }
    const binary = await kcat(['-P', '-t', topic, '-p', '1', '-D', '~~END~~'], Buffer.concat([Buffer.from([0xff, 0x00, 0x0a, 0x41]), Buffer.from('~~END~~')]));
    assert.equal(binary.code, 0, binary.stderr);
    const records = await browseAll(topic, { kind: 'beginning' });
    assert.equal(records.length, 26);
    const zero = records.filter((r) => r.partition === 0);
    assert.deepEqual(zero.map((r) => r.offset), Array.from({ length: 25 }, (_, i) => String(i)));
    assert.equal(zero[22]?.key?.toString(), 'zstd-k2');
    assert.deepEqual(JSON.parse(zero[22].value?.toString() ?? ''), { codec: 'zstd', i: 2 });
    assert.deepEqual(zero[7]?.headers.map((h) => [h.key, h.value?.toString() ?? null]), [['codec', 'gzip'], ['empty', '']]);
    const one = records.find((r) => r.partition === 1);
    assert.deepEqual(one?.value, Buffer.from([0xff, 0x00, 0x0a, 0x41]));
    assert.ok(Math.abs((zero[0]?.timestamp ?? 0) - Date.now()) < 120_000, 'timestamps are the producer clock');
    assert.equal(zero[0]?.size, (zero[0]?.key?.length ?? 0) + (zero[0]?.value?.length ?? 0) + 'codec'.length + 4 + 'empty'.length);
  });

  it('browses from an offset, from a timestamp, the latest N and chosen partitions', async () => {
    const topic = await newTopic('positions', 2);
    const base = DAY_AGO;
    const messages = Array.from({ length: 20 }, (_, i) => ({ value: `m${i}`, partition: i % 2, timestamp: base + i * 60_000 }));
    await service.produce(messages, { topic });
    const fromOffset = await browseAll(topic, { kind: 'offset', offset: '7' });
    assert.deepEqual(fromOffset.filter((r) => r.partition === 0).map((r) => r.value?.toString()), ['m14', 'm16', 'm18']);
    assert.equal(fromOffset.length, 6);
    const fromTime = await browseAll(topic, { kind: 'timestamp', timestamp: base + 15 * 60_000 });
    assert.deepEqual(fromTime.map((r) => r.value?.toString()).sort(), ['m15', 'm16', 'm17', 'm18', 'm19']);
    assert.ok(fromTime.every((r) => r.timestamp >= base + 15 * 60_000));
    const latest = await browseAll(topic, { kind: 'latest', count: 2 });
    assert.deepEqual(latest.map((r) => r.value?.toString()).sort(), ['m16', 'm17', 'm18', 'm19']);
    const chosen = await browseAll(topic, { kind: 'beginning' }, { partitions: [1] });
    assert.equal(chosen.length, 10);
    assert.ok(chosen.every((r) => r.partition === 1));
    const capped = await browseAll(topic, { kind: 'beginning' }, { maxMessages: 3 });
    assert.equal(capped.length, 3);
    const end = await browseAll(topic, { kind: 'end' });
    assert.equal(end.length, 0);
  });

  it('follows new messages after the start and stops on cancel, without joining a group', async () => {
    const topic = await newTopic('follow');
    await service.produce([{ value: 'before' }], { topic });
    const controller = new AbortController();
    const seen: string[] = [];
    let resolveSeen: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => { resolveSeen = resolve; });
    const browsing = service.browse({
      topic,
      start: { kind: 'end' },
      maxMessages: 100,
      follow: true,
      signal: controller.signal,
      onRecords: (batch) => {
        seen.push(...batch.map((r) => r.value?.toString() ?? ''));
        if (seen.includes('after')) resolveSeen();
      },
    });
    await sleep(1500);
    const groupsDuring = await service.listGroups();
    const produced = await kcat(['-P', '-t', topic], 'after\n');
    assert.equal(produced.code, 0, produced.stderr);
    await Promise.race([arrived, sleep(15_000).then(() => { throw new Error('the followed message did not arrive in 15 s'); })]);
    const stoppedAt = Date.now();
    controller.abort();
    const summary = await browsing;
    assert.ok(Date.now() - stoppedAt < 2000, 'cancel stops the read at once');
    assert.deepEqual(summary, { delivered: 1, stoppedBecause: 'cancelled' });
    assert.deepEqual(seen, ['after']);
    // No consumer group reads or has committed offsets for this topic.
    for (const group of groupsDuring) {
      // A group that is gone by now (describe fails) has no offsets and no members either.
      const details = await service.describeGroup(group.groupId).catch(() => undefined);
      assert.ok(!details?.partitions.some((p) => p.topic === topic), `group ${group.groupId} has no offsets for ${topic}`);
      assert.ok(!details?.members.some((m) => m.assignments.some((a) => a.topic === topic)), `group ${group.groupId} is not assigned ${topic}`);
    }
    const listed = await kcat(['-L', '-t', topic]);
    assert.match(listed.stdout.toString(), new RegExp(`topic "${topic}" with 1 partitions`));
  });

  it('shows a group committed offsets and lag after a kcat consumer, and resets it once stopped', async () => {
    const topic = await newTopic('lag');
    const group = `${RUN}-group`;
    await service.produce(Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, timestamp: DAY_AGO + i * 60_000 })), { topic });
    const consumed = await kcat(['-G', group, '-X', 'auto.offset.reset=earliest', '-X', 'enable.auto.commit=true', '-c', '4', '-q', '-f', '%s\n', topic]);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.equal(consumed.stdout.toString(), 'v0\nv1\nv2\nv3\n');
    const details = await service.describeGroup(group);
    assert.equal(details.state, 'Empty');
    assert.deepEqual(details.partitions, [{ topic, partition: 0, committed: '4', high: '10', lag: '6' }]);
    assert.equal(details.totalLag, '6');
    const listed = (await service.listGroups()).find((g) => g.groupId === group);
    assert.deepEqual(listed, { groupId: group, state: 'Empty', protocolType: 'consumer', members: 0 });

    assert.deepEqual(await service.resetGroupOffsets(group, topic, { kind: 'earliest' }), [{ partition: 0, offset: '0' }]);
    assert.equal((await service.describeGroup(group)).totalLag, '10');
    assert.deepEqual(await service.resetGroupOffsets(group, topic, { kind: 'latest' }), [{ partition: 0, offset: '10' }]);
    assert.equal((await service.describeGroup(group)).totalLag, '0');
    assert.deepEqual(await service.resetGroupOffsets(group, topic, { kind: 'timestamp', timestamp: DAY_AGO + 7 * 60_000 }), [{ partition: 0, offset: '7' }]);
    const again = await kcat(['-G', group, '-e', '-q', '-f', '%s\n', topic]);
    assert.equal(again.stdout.toString(), 'v7\nv8\nv9\n', 'kcat resumes from the reset offset');
  });

  it('refuses to reset the offsets of a group whose consumer is running', async () => {
    const topic = await newTopic('running');
    const group = `${RUN}-running`;
    const child = spawn('kcat', ['-b', BROKER, '-G', group, '-q', topic], { stdio: 'ignore' });
    children.add(child);
    try {
      let state = '';
      for (let i = 0; i < 30 && state !== 'Stable'; i++) {
        await sleep(500);
        state = (await service.describeGroup(group)).state;
      }
      assert.equal(state, 'Stable');
      const details = await service.describeGroup(group);
      assert.equal(details.members.length, 1);
      assert.deepEqual(details.members[0]?.assignments, [{ topic, partitions: [0] }]);
      await assert.rejects(
        service.resetGroupOffsets(group, topic, { kind: 'earliest' }),
        (e: unknown) => e instanceof WorkbenchError && e.message === `Consumer group "${group}" is Stable with 1 member: stop its consumers first, then reset its offsets.`,
      );
    } finally {
      child.kill('SIGTERM');
      children.delete(child);
    }
  });
});

describe('KafkaService faults with clear errors', { concurrency: false }, () => {
  it('names a topic that does not exist, for every kind of call', async () => {
    const missing = `${RUN}-missing`;
    const check = (e: unknown) => e instanceof WorkbenchError && e.message.startsWith(`Topic "${missing}" does not exist on ${BROKER}`);
    await assert.rejects(service.describeTopic(missing), check);
    await assert.rejects(service.produce([{ value: 'x' }], { topic: missing }), check);
    await assert.rejects(service.browse({ topic: missing, start: { kind: 'beginning' }, maxMessages: 1, follow: false, signal: new AbortController().signal, onRecords: () => undefined }), check);
    await assert.rejects(service.deleteTopic(missing), check);
    assert.ok(!(await service.listTopics()).some((t) => t.name === missing), 'asking did not create the topic');
  });

  it('says which partitions exist', async () => {
    const topic = await newTopic('partitions', 3);
    const expected = `Topic "${topic}" has partitions 0–2; partition 5 does not exist.`;
    await assert.rejects(service.produce([{ value: 'x', partition: 5 }], { topic }), (e: unknown) => e instanceof WorkbenchError && e.message === expected);
    await assert.rejects(
      service.browse({ topic, partitions: [5], start: { kind: 'beginning' }, maxMessages: 1, follow: false, signal: new AbortController().signal, onRecords: () => undefined }),
      (e: unknown) => e instanceof WorkbenchError && e.message === expected,
    );
  });

  it('refuses an invalid topic name before asking the broker', async () => {
    await assert.rejects(service.createTopic({ name: 'orders v2', partitions: 1, replicationFactor: 1 }), /contains " "/);
    await assert.rejects(service.createTopic({ name: `${RUN}-rf`, partitions: 1, replicationFactor: 3 }), /replication factor must not exceed the number of brokers/);
  });

  it('reports a message over the topic limit with the limit and the size, and writes the others', async () => {
    const topic = await newTopic('limit', 1, { 'max.message.bytes': '1000' });
    const result = await service.produce([{ value: 'small 1' }, { value: 'x'.repeat(5000) }, { value: 'small 2' }], { topic });
    assert.equal(result.sent, 2);
    assert.deepEqual(result.records.map((r) => [r.index, r.offset]), [[0, '0'], [2, '1']]);
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0]?.index, 1);
    assert.match(result.errors[0].message, /message 2 is 5,07\d bytes as a record batch; topic ".*-limit" accepts at most 1,000 bytes \(max\.message\.bytes\)/);
    // Compressed, the size is only known to the broker: its refusal is reported the same way.
    const random = randomBytes(5000);
    const compressed = await service.produce([{ value: random }], { topic, compression: 'gzip' });
    assert.equal(compressed.sent, 0);
    assert.match(compressed.errors[0]?.message ?? '', /accepts at most 1,000 bytes \(max\.message\.bytes\)/);
    assert.deepEqual((await kcatRead(topic)).map((r) => r.value), ['small 1', 'small 2']);
  });

  it('gives up on a closed port within the request timeout and says so', async () => {
    const port = await freePort();
    const closed = new KafkaService({ ...config, brokers: [`127.0.0.1:${port}`], requestTimeoutMs: 3000 }, silentLogger);
    const started = Date.now();
    await assert.rejects(closed.listTopics(), (e: unknown) => e instanceof WorkbenchError && e.message.startsWith(`Kafka at 127.0.0.1:${port} refused the connection.`));
    await assert.rejects(closed.describeCluster(), /refused the connection/);
    await assert.rejects(closed.produce([{ value: 'x' }], { topic: 'anything' }), /refused the connection/);
    assert.ok(Date.now() - started < 3 * 4000, `all three gave up in ${Date.now() - started} ms`);
    await closed.dispose();
  });

  it('refuses a malformed broker address at once', () => {
    assert.throws(() => new KafkaService({ ...config, brokers: ['localhost'] }, silentLogger), (e: unknown) => e instanceof WorkbenchError && /"localhost" is not a broker address/.test(e.message));
    assert.throws(() => new KafkaService({ ...config, brokers: ['127.0.0.1:0'] }, silentLogger), /port 0/);
  });

  it('cancels a paced produce run and reports what was written and what was not', async () => {
    const topic = await newTopic('cancel');
    const controller = new AbortController();
    const messages = Array.from({ length: 100 }, (_, i) => ({ value: `m${i}` }));
    setTimeout(() => { controller.abort(); }, 600);
    const result = await service.produce(messages, { topic, ratePerSecond: 20, signal: controller.signal });
    assert.equal(result.cancelled, true);
    assert.ok(result.sent >= 5 && result.sent <= 20, `about 20/s for 0.6 s: ${result.sent}`);
    assert.equal(result.sent + result.failed, 100);
    assert.ok(result.errors.every((e) => e.message === 'not sent: cancelled'));
    assert.equal((await kcatRead(topic)).length, result.sent);
  });
});
