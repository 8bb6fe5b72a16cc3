/**
 * The idempotent producer through a leader crash, on the native stack's three-broker
 * cluster (test/integration/cluster.ts): 100,000 keyed messages to a topic with
 * replication factor 3, min.insync.replicas 2 and 3 partitions, paced so the run lasts a
 * while, and the leader of partition 0 SIGKILLed in the middle. Every message the producer
 * reported as written must be read back by kcat exactly once, at its reported offset, and
 * the per-key sequences in each partition must come back in order. Prints the figures:
 * written, lost, duplicated, not acknowledged and why.
 *
 *   node --import tsx --test test/integration/clusterProduce.test.ts   # starts the cluster itself
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { KafkaService } from '../../src/kafka/kafkaService';
import type { KafkaConnectionConfig, ProduceMessage } from '../../src/kafka/types';
import { silentLogger } from '../../src/shared/logger';
import { TestCluster } from './cluster';
import { kcatReadRaw } from './kafkaTools';

const TOTAL = 100_000;
const KEYS = 60;
const RATE = 12_000;
const KILL_AFTER = 35_000;

let cluster: TestCluster;
let service: KafkaService;

before(async () => {
  cluster = await TestCluster.start();
  const config: KafkaConnectionConfig = { name: 'test cluster', brokers: cluster.bootstrap, ssl: false, saslMechanism: 'none', clientId: 'workbench-cluster-produce', requestTimeoutMs: 15_000 };
  service = new KafkaService(config, silentLogger);
});

after(async () => {
  await service.dispose();
  await cluster.close();
});

/** 100,000 keyed messages; each value names its key and its place among that key's messages: "key-7#123". */
function keyedMessages(): ProduceMessage[] {
  const next = new Array<number>(KEYS).fill(0);
  return Array.from({ length: TOTAL }, (_, i) => {
    const k = i % KEYS;
    const seq = next[k] ?? 0;
    next[k] = seq + 1;
    return { key: `key-${k}`, value: `key-${k}#${seq}#${i}|${'v'.repeat(80)}` };
  });
}

describe('idempotent producing while a partition leader is killed', { concurrency: false }, () => {
  it('writes every acknowledged message exactly once and in key order, across the leader change', { timeout: 300_000 }, async () => {
    const topic = `wb-cluster-idem-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
    await cluster.createTopic(topic, { partitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
    const victim = await cluster.leaderOf(topic, 0);
    assert.ok(victim > 0, 'partition 0 has a leader');
    const messages = keyedMessages();

    let killing: Promise<void> | undefined;
    let killedAtSent = 0;
    let killedAtMs = 0;
    const started = performance.now();
    const result = await service.produce(messages, {
      topic,
      ratePerSecond: RATE,
      onProgress: (p) => {
        if (killing === undefined && p.sent >= KILL_AFTER) {
          killedAtSent = p.sent;
          killedAtMs = performance.now() - started;
          killing = cluster.kill(victim);
        }
      },
    });
    const tookMs = performance.now() - started;
    assert.ok(killing, `the leader was killed during the run (sent ${result.sent})`);
    await killing;
    const newLeader = await cluster.leaderOf(topic, 0);

    // What kcat reads, with the killed broker still down.
    const read = await kcatReadRaw(['-b', cluster.bootstrap.join(',')], topic);
    const readCount = new Map<number, number>();
    const at = new Map<string, number>();
    for (const r of read) {
      const index = Number((r.value?.toString() ?? '').split('|')[0]?.split('#')[2]);
      readCount.set(index, (readCount.get(index) ?? 0) + 1);
      at.set(`${r.partition}:${r.offset}`, index);
    }
    const acknowledged = result.records;
    const lost = acknowledged.filter((r) => !readCount.has(r.index));
    const duplicated = [...readCount.values()].filter((n) => n > 1).length;
    const misplaced = acknowledged.filter((r) => r.offset !== '-1' && at.get(`${r.partition}:${r.offset}`) !== r.index);
    const readNotAcknowledged = [...readCount.keys()].filter((index) => !acknowledged.some((r) => r.index === index)).length;
    const reasons = new Map<string, number>();
    for (const e of result.errors) reasons.set(e.message, (reasons.get(e.message) ?? 0) + 1);

    console.log(`# ${TOTAL.toLocaleString('en-US')} keyed messages at ${RATE.toLocaleString('en-US')}/s to ${topic} (RF 3, min.insync.replicas 2, 3 partitions); broker ${victim} (leader of partition 0) SIGKILLed at ${Math.round(killedAtMs)} ms after ${killedAtSent.toLocaleString('en-US')} acknowledged; new leader ${newLeader}`);
    console.log(`# written (acknowledged): ${acknowledged.length.toLocaleString('en-US')}   lost: ${lost.length}   duplicated: ${duplicated}   at another offset than reported: ${misplaced.length}   not acknowledged: ${result.errors.length}   read but not acknowledged: ${readNotAcknowledged}`);
    for (const [reason, count] of reasons) console.log(`#   not acknowledged ×${count}: ${reason}`);
    console.log(`# producer id ${result.idempotence?.producerId ?? '-'}, batches resent ${result.idempotence?.resentBatches ?? 0}, offsets unknown ${result.idempotence?.offsetsUnknown ?? 0}, epoch bumps ${result.idempotence?.epochBumps ?? 0}; run took ${Math.round(tookMs)} ms`);

    assert.notEqual(newLeader, victim, 'partition 0 moved to another broker');
    assert.equal(result.sent + result.failed, TOTAL, 'every message is accounted for');
    assert.equal(new Set([...acknowledged.map((r) => r.index), ...result.errors.map((e) => e.index)]).size, TOTAL, 'each message is either acknowledged or reported, never both');
    assert.equal(lost.length, 0, `acknowledged but not in the topic: ${lost.slice(0, 5).map((r) => r.index).join(', ')}`);
    assert.equal(duplicated, 0, 'no message is in the topic twice');
    assert.equal(misplaced.length, 0, `acknowledged at another offset: ${JSON.stringify(misplaced.slice(0, 3))}`);
    assert.ok((result.idempotence?.resentBatches ?? 0) > 0, 'the kill caught batches in flight, which were resent');
    // The failover takes seconds, well inside the delivery timeout: nothing is left unacknowledged.
    assert.equal(result.failed, 0, result.errors[0]?.message);

    // Per key, each partition holds the key's messages in the order they were produced, none missing.
    const lastSeq = new Map<string, number>();
    const partitionOf = new Map<string, number>();
    for (const r of read) {
      const key = r.key?.toString() ?? '';
      const [valueKey, seq] = (r.value?.toString() ?? '').split('|')[0]?.split('#') ?? [];
      assert.equal(valueKey, key);
      assert.equal(partitionOf.get(key) ?? r.partition, r.partition, `${key} stays in one partition`);
      partitionOf.set(key, r.partition);
      assert.equal(Number(seq), (lastSeq.get(key) ?? -1) + 1, `${key}: #${seq} follows #${lastSeq.get(key) ?? -1} at ${r.partition}:${r.offset}`);
      lastSeq.set(key, Number(seq));
    }
    assert.equal(read.length, TOTAL);
  });
});
