/**
 * The idempotent producer against the native stack's real broker (Kafka 4.1, 127.0.0.1:9092):
 * 100,000 keyed messages are accepted and kcat reads each back exactly once, in per-key
 * order; Kafka's own DumpLogSegments shows every batch carrying the run's producer id,
 * epoch 0 and sequence numbers that continue without a gap per partition, compressed
 * batches included; with idempotence off the batches carry no producer id; idempotent with
 * acks=1 is refused before anything is sent. Leader failover is in clusterProduce.test.ts.
 * Topics are unique to the run and deleted at the end.
 *
 *   bash stack/native/stack.sh up kafka
 *   node --import tsx --test test/integration/kafkaIdempotence.test.ts
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KafkaService } from '../../src/kafka/kafkaService';
import type { Compression, KafkaConnectionConfig, ProduceMessage } from '../../src/kafka/types';
import { WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';
import { probeTcp } from '../../src/stack/health';
import { kafkaClassPath, kafkaToolsLogging, kcatReadRaw, nativeKafkaDataDir } from './kafkaTools';
import { removeTestTopics } from '../support/testTopics';

const BROKER = '127.0.0.1:9092';
const RUN = `wb-idem-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
const config: KafkaConnectionConfig = { name: 'Local stack', brokers: [BROKER], ssl: false, saslMechanism: 'none', clientId: 'workbench-idempotence-it', requestTimeoutMs: 15_000 };
const service = new KafkaService(config, silentLogger);
const created: string[] = [];

async function newTopic(suffix: string, partitions: number): Promise<string> {
  const name = `${RUN}-${suffix}`;
  await service.createTopic({ name, partitions, replicationFactor: 1 });
  created.push(name);
  return name;
}

/** One batch as Kafka's DumpLogSegments prints it. */
interface DumpedBatch {
  baseOffset: number;
  count: number;
  baseSequence: number;
  lastSequence: number;
  producerId: string;
  producerEpoch: number;
  codec: string;
}

/** Every batch of every segment of one partition, by Kafka's own DumpLogSegments. */
function dumpPartition(topic: string, partition: number): DumpedBatch[] {
  const dir = path.join(nativeKafkaDataDir(), `${topic}-${partition}`);
  if (!existsSync(dir)) assert.fail(`no log folder at ${dir}: is the native stack's KAW_STATE different?`);
  const segments = readdirSync(dir).filter((f) => f.endsWith('.log')).sort().map((f) => path.join(dir, f));
  const run = spawnSync('java', ['-Xmx256m', kafkaToolsLogging(), '-cp', kafkaClassPath(), 'kafka.tools.DumpLogSegments', '--files', segments.join(',')], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.status, 0, run.stderr);
  const batches: DumpedBatch[] = [];
  for (const line of run.stdout.split('\n')) {
    const field = (name: string): string | undefined => new RegExp(`\\b${name}: (\\S+)`).exec(line)?.[1];
    const baseOffset = field('baseOffset');
    if (baseOffset === undefined) continue;
    batches.push({
      baseOffset: Number(baseOffset),
      count: Number(field('count')),
      baseSequence: Number(field('baseSequence')),
      lastSequence: Number(field('lastSequence')),
      producerId: field('producerId') ?? '',
      producerEpoch: Number(field('producerEpoch')),
      codec: field('compresscodec') ?? '',
    });
  }
  return batches;
}

/** Keyed messages whose values carry a per-key sequence: "key-7" → "key-7#0", "key-7#1", … */
function keyedMessages(count: number, keys: number): ProduceMessage[] {
  const next = new Array<number>(keys).fill(0);
  return Array.from({ length: count }, (_, i) => {
    const k = i % keys;
    const seq = next[k] ?? 0;
    next[k] = seq + 1;
    return { key: `key-${k}`, value: `key-${k}#${seq}|${'p'.repeat(100)}` };
  });
}

/** Reads the topic with kcat and checks: each message once, per key in sequence order; returns the number read. */
async function assertReadOnceInKeyOrder(topic: string, messages: ProduceMessage[]): Promise<number> {
  const read = await kcatReadRaw(['-b', BROKER], topic);
  const expected = new Map<string, number>();
  for (const m of messages) expected.set(String(m.key), (expected.get(String(m.key)) ?? 0) + 1);
  const nextSeq = new Map<string, number>();
  const partitionOf = new Map<string, number>();
  for (const r of read) {
    const key = r.key?.toString() ?? '';
    const [tag] = (r.value?.toString() ?? '').split('|');
    const [valueKey, seq] = (tag ?? '').split('#');
    assert.equal(valueKey, key, `value and key agree at ${r.partition}:${r.offset}`);
    assert.equal(Number(seq), nextSeq.get(key) ?? 0, `${key}: sequence ${seq} at ${r.partition}:${r.offset} (a gap, a duplicate or out of order)`);
    nextSeq.set(key, Number(seq) + 1);
    assert.equal(partitionOf.get(key) ?? r.partition, r.partition, `${key} stays in one partition`);
    partitionOf.set(key, r.partition);
  }
  for (const [key, count] of expected) assert.equal(nextSeq.get(key), count, `${key}: all ${count} read`);
  assert.equal(read.length, messages.length);
  return read.length;
}

before(async () => {
  const probe = await probeTcp('127.0.0.1', 9092, 3000);
  if (!probe.reachable) throw new Error(`Kafka is not running on ${BROKER} (${probe.error ?? ''}). Start it: bash stack/native/stack.sh up kafka`);
});

after(async () => {
  await removeTestTopics(service, created);
  await service.dispose();
});

describe('idempotent producing against the native broker', { concurrency: false }, () => {
  it('writes 100,000 keyed messages that kcat reads back once each, in key order, with producer id and gapless sequences in the log', async () => {
    const topic = await newTopic('keyed', 3);
    const messages = keyedMessages(100_000, 64);
    const started = performance.now();
    const result = await service.produce(messages, { topic });
    const ms = performance.now() - started;
    assert.equal(result.sent, 100_000, result.errors[0]?.message);
    assert.equal(result.failed, 0);
    const idempotence = result.idempotence;
    assert.ok(idempotence, 'the run is idempotent by default');
    assert.match(idempotence.producerId, /^\d+$/);
    assert.equal(idempotence.producerEpoch, 0);
    assert.equal(idempotence.offsetsUnknown, 0);
    assert.ok(result.records.every((r) => r.offset !== '-1'));
    console.log(`# idempotent: ${result.sent} messages in ${Math.round(ms)} ms (${Math.round((result.sent / ms) * 1000)} msg/s), producer id ${idempotence.producerId}, ${idempotence.resentBatches} batches resent`);

    assert.equal(await assertReadOnceInKeyOrder(topic, messages), 100_000);

    for (let partition = 0; partition < 3; partition++) {
      const batches = dumpPartition(topic, partition);
      const reported = result.records.filter((r) => r.partition === partition).length;
      assert.equal(batches.reduce((sum, b) => sum + b.count, 0), reported, `partition ${partition} holds what was reported`);
      let sequence = 0;
      for (const b of batches) {
        assert.equal(b.producerId, idempotence.producerId, `partition ${partition} offset ${b.baseOffset}: producer id`);
        assert.equal(b.producerEpoch, 0);
        assert.equal(b.baseSequence, sequence, `partition ${partition} offset ${b.baseOffset}: sequence continues`);
        assert.equal(b.lastSequence, b.baseSequence + b.count - 1);
        sequence = b.lastSequence + 1;
      }
    }
  });

  for (const compression of ['gzip', 'zstd'] as const satisfies readonly Compression[]) {
    it(`writes ${compression} batches idempotently`, async () => {
      const topic = await newTopic(`z-${compression}`, 2);
      const messages = keyedMessages(5_000, 10);
      const result = await service.produce(messages, { topic, compression });
      assert.equal(result.sent, 5_000, result.errors[0]?.message);
      await assertReadOnceInKeyOrder(topic, messages);
      for (let partition = 0; partition < 2; partition++) {
        const batches = dumpPartition(topic, partition);
        assert.ok(batches.length > 0);
        assert.ok(batches.every((b) => b.codec === compression && b.producerId === result.idempotence?.producerId), JSON.stringify(batches[0]));
        assert.equal(batches[0]?.baseSequence, 0);
      }
    });
  }

  it('sends batches without a producer id when idempotence is off', async () => {
    const topic = await newTopic('off', 1);
    const messages = keyedMessages(2_000, 4);
    const result = await service.produce(messages, { topic, idempotent: false });
    assert.equal(result.sent, 2_000);
    assert.equal(result.idempotence, undefined);
    const batches = dumpPartition(topic, 0);
    assert.ok(batches.length > 0 && batches.every((b) => b.producerId === '-1' && b.baseSequence === -1), JSON.stringify(batches[0]));
    await assertReadOnceInKeyOrder(topic, messages);
  });

  it('gives each run its own producer id', async () => {
    const topic = await newTopic('runs', 1);
    const first = await service.produce([{ key: 'a', value: 'a#0' }], { topic });
    const second = await service.produce([{ key: 'a', value: 'a#1' }], { topic });
    assert.ok(first.idempotence && second.idempotence);
    assert.notEqual(first.idempotence.producerId, second.idempotence.producerId);
    assert.deepEqual(dumpPartition(topic, 0).map((b) => [b.producerId, b.baseSequence]), [[first.idempotence.producerId, 0], [second.idempotence.producerId, 0]]);
  });

  it('refuses idempotent producing with acks=1 before sending anything', async () => {
    const topic = await newTopic('acks1', 1);
    await assert.rejects(
      service.produce([{ value: 'x' }], { topic, acks: 1, idempotent: true }),
      (e: unknown) => e instanceof WorkbenchError && e.message.startsWith('Idempotent producing needs acks=all (-1), not acks=1'),
    );
    const unset = await service.produce([{ value: 'y' }], { topic, acks: 1 });
    assert.equal(unset.sent, 1);
    assert.equal(unset.idempotence, undefined, 'acks=1 without a choice turns idempotence off, as the Java client does');
    assert.deepEqual((await kcatReadRaw(['-b', BROKER], topic)).map((r) => r.value?.toString()), ['y']);
  });
});
