/**
 * What the Message Inspector's status line says when a read ends, against the native broker
 * on 127.0.0.1:9092 with a small memory bound (1 MB) over a topic of 3,000 messages of 1 KB in
 * three partitions: the end of the topic reached (also when Max messages equals the topic's
 * size), Max messages reached with how many are left, the bound reached keeping the newest
 * messages (the default) or stopping at the first ones, and both at once; which rows stay in
 * each case; and that a read_committed read shows no aborted or control records and skips
 * the records of a compressed batch before the start offset.
 *
 *   node --import tsx --test --test-concurrency=1 test/integration/kafkaInspectorBounds.test.ts
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaInspectorSource } from '../../src/panels/kafkaInspectorSource';
import { InspectorSources, NATIVE_BROKER, nativeKafkaService, readTopic } from '../support/inspector';
import { removeTestTopics } from '../support/testTopics';

const MESSAGES = 3000;
const BOUND = 1024 * 1024;
const suffix = randomUUID().slice(0, 8);
const topic = `wb-inspector-bounds-${suffix}`;
const txnTopic = `wb-inspector-txn-${suffix}`;
const service = nativeKafkaService({ requestTimeoutMs: 15_000 });
const sources = new InspectorSources(service);
/** Reads of 3,000 messages of 1 KB: a minute before giving up. */
const SLOW_READ = { ms: 60_000 };

function source(name = topic, maxBytes = BOUND): KafkaInspectorSource {
  return sources.open(name, { maxBytes });
}

/** Each partition's held offsets, in order. */
function offsetsByPartition(s: KafkaInspectorSource): Map<number, number[]> {
  const byPartition = new Map<number, number[]>();
  for (const record of s.records('filtered')) {
    const list = byPartition.get(record.partition) ?? [];
    list.push(Number(record.offset));
    byPartition.set(record.partition, list);
  }
  return byPartition;
}

function contiguous(offsets: number[]): boolean {
  return offsets.every((o, i) => i === 0 || o === (offsets[i - 1] as number) + 1);
}

/** A count as the status line writes it. */
const n = (count: number): string => count.toLocaleString('en-US');

describe('the Message Inspector says how a bounded read ended', () => {
  const ends = new Map<number, number>();

  before(async () => {
    await service.createTopic({ name: topic, partitions: 3, replicationFactor: 1 });
    const messages = Array.from({ length: MESSAGES }, (_, i) => ({ key: `k-${i}`, value: JSON.stringify({ i, pad: 'p'.repeat(1000) }).slice(0, 1000) }));
    const result = await service.produce(messages, { topic });
    assert.equal(result.sent, MESSAGES);
    for (const p of (await service.describeTopic(topic)).partitionInfo) ends.set(p.partition, Number(p.high));
  });

  after(async () => {
    sources.dispose();
    await removeTestTopics(service, [topic, txnTopic]);
    await service.dispose();
  });

  it('reads to the end of the topic and says so, also when Max messages is exactly the topic\'s size', async () => {
    const s = source(topic, 64 * 1024 * 1024);
    const status = await readTopic(s, { maxMessages: MESSAGES }, SLOW_READ);
    assert.equal(status.loaded, MESSAGES);
    assert.match(status.message, new RegExp(`^Read all ${n(MESSAGES)} messages to the end of the topic in \\d+\\.\\d\\d s\\.$`));
    assert.equal(status.boundBytes, 64 * 1024 * 1024);
    assert.ok(status.heldBytes > MESSAGES * 1000 && status.heldBytes < 64 * 1024 * 1024, `held ${status.heldBytes} bytes`);
  });

  it('stops at Max messages and says how many are left before the end', async () => {
    const s = source();
    const status = await readTopic(s, { maxMessages: 100 }, SLOW_READ);
    assert.equal(status.loaded, 100);
    assert.match(status.message, new RegExp(`^Stopped at the maximum of 100 messages \\(\\d+\\.\\d\\d s\\), about ${n(MESSAGES - 100)} before the end of the topic\\. Raise "Max messages" to read more\\.$`));
  });

  it('keeps the newest messages that fit the memory bound, and says how many it read and kept', async () => {
    const s = source();
    const status = await readTopic(s, {}, SLOW_READ);
    const kept = Number(/kept the newest ([\d,]+) /.exec(status.message)?.[1]?.replace(/,/g, ''));
    assert.match(status.message, new RegExp(`^Read ${n(MESSAGES)} messages to the end of the topic in \\d+\\.\\d\\d s; kept the newest ${n(kept)} \\(1\\.0 MB memory bound; raise kafkaAirflow\\.kafka\\.inspectorMemoryMB to keep more\\)\\.$`));
    assert.equal(status.loaded, kept);
    assert.ok(kept > 800 && kept < 1000, `${kept} rows of ~1 KB in 1 MB`);
    assert.ok(status.heldBytes <= BOUND);
    for (const [partition, offsets] of offsetsByPartition(s)) {
      assert.ok(contiguous(offsets), `partition ${partition} holds a run of offsets`);
      assert.equal(offsets.at(-1), (ends.get(partition) ?? 0) - 1, `partition ${partition} holds its newest message`);
    }
  });

  it('stops at the memory bound when asked to, keeping the first messages, and says how many are left', async () => {
    const s = source();
    const status = await readTopic(s, { whenFull: 'stop' }, SLOW_READ);
    const match = /^Stopped at the 1\.0 MB memory bound after the first ([\d,]+) messages \(\d+\.\d\d s\), about ([\d,]+) before the end of the topic\. Raise kafkaAirflow\.kafka\.inspectorMemoryMB to keep more, choose "Keep the newest" to read on, or start at a later offset\.$/.exec(status.message);
    assert.ok(match, status.message);
    const [kept, left] = [Number(match[1]?.replace(/,/g, '')), Number(match[2]?.replace(/,/g, ''))];
    assert.equal(status.loaded, kept);
    assert.equal(kept + left, MESSAGES);
    for (const [partition, offsets] of offsetsByPartition(s)) {
      assert.ok(contiguous(offsets) && offsets[0] === 0, `partition ${partition} holds its first messages`);
    }
  });

  it('says both when Max messages is reached after the bound dropped rows', async () => {
    const s = source();
    const status = await readTopic(s, { maxMessages: 2000 }, SLOW_READ);
    assert.match(status.message, new RegExp(`^Stopped at the maximum of ${n(2000)} messages \\(\\d+\\.\\d\\d s\\), about ${n(MESSAGES - 2000)} before the end of the topic; kept the newest ${n(status.loaded)} \\(1\\.0 MB memory bound; raise kafkaAirflow\\.kafka\\.inspectorMemoryMB to keep more\\)\\.$`));
  });

  it('names the partition it read to the end of', async () => {
    const s = source(topic, 64 * 1024 * 1024);
    const status = await readTopic(s, { partitions: [1] }, SLOW_READ);
    assert.equal(status.loaded, ends.get(1));
    assert.match(status.message, new RegExp(`^Read all ${n(ends.get(1) ?? 0)} messages to the end of partition 1 in `));
  });

  it('while following, says which messages it keeps', async () => {
    const s = source();
    const status = await readTopic(s, { follow: true }, { ...SLOW_READ, done: (st) => st.state === 'following' && st.loaded > 0 && /Kept the newest/.test(st.message) });
    assert.match(status.message, /^Following: [\d,]+ messages; new ones appear as they are written\. Kept the newest [\d,]+; the oldest [\d,]+ were dropped to stay within the 1\.0 MB memory bound \(raise kafkaAirflow\.kafka\.inspectorMemoryMB to keep more\)\.$/);
    s.stop();
  });

  it('shows no record of an aborted transaction and no transaction marker', async () => {
    await service.createTopic({ name: txnTopic, partitions: 1, replicationFactor: 1 });
    const kafka = new Kafka({ brokers: [NATIVE_BROKER], clientId: 'wb-it-txn', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ transactionalId: `wb-it-${suffix}`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (const [values, commit] of [[['kept-1'], true], [['aborted-1', 'aborted-2'], false], [['kept-2'], true]] as const) {
        const transaction = await producer.transaction();
        await transaction.send({ topic: txnTopic, messages: values.map((value) => ({ value })) });
        if (commit) await transaction.commit();
        else await transaction.abort();
      }
    } finally {
      await producer.disconnect();
    }
    const s = source(txnTopic);
    const status = await readTopic(s, {}, SLOW_READ);
    assert.deepEqual([...s.records('filtered')].map((r) => r.value?.toString()), ['kept-1', 'kept-2']);
    assert.match(status.message, /^Read all 2 messages to the end of the topic in /);
  });

  it('starts inside a compressed batch at the offset asked for', async () => {
    const compressed = `${topic}-gzip`;
    await service.createTopic({ name: compressed, partitions: 1, replicationFactor: 1 });
    try {
      const sent = await service.produce(Array.from({ length: 10 }, (_, i) => ({ value: `gz-${i}` })), { topic: compressed, compression: 'gzip' });
      assert.equal(sent.sent, 10);
      const s = source(compressed);
      const status = await readTopic(s, { start: 'offset', startValue: '5' }, SLOW_READ);
      assert.deepEqual([...s.records('filtered')].map((r) => [r.offset, r.value?.toString()]), [['5', 'gz-5'], ['6', 'gz-6'], ['7', 'gz-7'], ['8', 'gz-8'], ['9', 'gz-9']]);
      assert.match(status.message, /^Read all 5 messages to the end of the topic in /);
    } finally {
      await removeTestTopics(service, [compressed]);
    }
  });
});
