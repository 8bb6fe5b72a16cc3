/**
 * zstd against the native stack's real broker (127.0.0.1:9092) on the editor's Node 20,
 * where node:zlib has no zstd and KafkaService compresses with the WebAssembly build:
 * messages produced zstd-compressed are stored as zstd batches (Kafka's own DumpLogSegments
 * says so), and kcat and KafkaService.browse read back the same bytes; messages kcat produced
 * with -z zstd browse back byte for byte. Topics are unique to the run and deleted at the end.
 *
 *   bash stack/native/stack.sh up kafka
 *   node --import tsx --test test/integration/kafkaZstd.test.ts
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { KafkaService } from '../../src/kafka/kafkaService';
import type { KafkaConnectionConfig, KafkaRecord, ProduceMessage } from '../../src/kafka/types';
import { silentLogger } from '../../src/shared/logger';
import { probeTcp } from '../../src/stack/health';
import { kcatReadRaw, nativeKafkaDataDir, runKcat, segmentCodecs } from './kafkaTools';
import { removeTestTopics } from '../support/testTopics';

const BROKER = '127.0.0.1:9092';
const RUN = `wb-zstd-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
const config: KafkaConnectionConfig = { name: 'Local stack', brokers: [BROKER], ssl: false, saslMechanism: 'none', clientId: 'workbench-zstd-it', requestTimeoutMs: 10_000 };
const service = new KafkaService(config, silentLogger);
const created: string[] = [];

async function newTopic(suffix: string, partitions: number): Promise<string> {
  const name = `${RUN}-${suffix}`;
  await service.createTopic({ name, partitions, replicationFactor: 1 });
  created.push(name);
  return name;
}

async function browseAll(topic: string): Promise<KafkaRecord[]> {
  const records: KafkaRecord[] = [];
  await service.browse({ topic, start: { kind: 'beginning' }, maxMessages: 100_000, follow: false, signal: new AbortController().signal, onRecords: (batch) => records.push(...batch) });
  return records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

const asBuffer = (v: string | Buffer | null | undefined): Buffer | null => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));

before(async () => {
  const probe = await probeTcp('127.0.0.1', 9092, 3000);
  if (!probe.reachable) throw new Error(`Kafka is not running on ${BROKER} (${probe.error ?? ''}). Start it: bash stack/native/stack.sh up kafka`);
});

after(async () => {
  await removeTestTopics(service, created);
  await service.dispose();
});

describe('zstd produce and browse against the native broker', { concurrency: false }, () => {
  it('writes zstd batches that kcat and KafkaService.browse read back byte for byte', async () => {
    const topic = await newTopic('produce', 2);
    const messages = Array.from({ length: 600 }, (_, i): ProduceMessage => {
      if (i % 50 === 7) return { key: randomBytes(8), value: Buffer.concat([Buffer.from([0xff, 0x00, 0x28, 0xb5, 0x2f, 0xfd]), randomBytes(300)]), headers: { bin: Buffer.from([0, 1, 2]) } };
      if (i % 50 === 8) return { key: null, value: null };
      return { key: `order-${i}`, value: JSON.stringify({ data_type: 'order', order_id: i, customer: `customer-${i % 13}`, note: 'zstd ✓ ключ'.repeat(i % 5) }), headers: { data_type: 'order' } };
    });
    const started = performance.now();
    const result = await service.produce(messages, { topic, compression: 'zstd' });
    const took = performance.now() - started;
    assert.equal(result.sent, messages.length, JSON.stringify(result.errors.slice(0, 2)));
    assert.equal(result.failed, 0);
    const compressor = 'zstdCompress' in zlib ? 'node:zlib' : 'WebAssembly';
    console.log(`# produced ${result.sent} zstd messages in ${took.toFixed(0)} ms (Node ${process.versions.node}, ${compressor} zstd)`);

    // Kafka itself says the batches are zstd.
    for (const partition of new Set(result.records.map((r) => r.partition))) {
      const segment = path.join(nativeKafkaDataDir(), `${topic}-${partition}`, '00000000000000000000.log');
      if (!existsSync(segment)) assert.fail(`no log segment at ${segment}: is the native stack's KAW_STATE different?`);
      assert.deepEqual([...new Set(segmentCodecs(segment))], ['zstd'], `partition ${partition}`);
    }

    const expected = new Map(result.records.map((r) => [`${r.partition}:${r.offset}`, messages[r.index]]));
    const byKcat = await kcatReadRaw(['-b', BROKER], topic);
    assert.equal(byKcat.length, messages.length);
    for (const r of byKcat) {
      const sent = expected.get(`${r.partition}:${r.offset}`);
      assert.ok(sent, `kcat read ${r.partition}:${r.offset}, which the service did not report`);
      assert.deepEqual(r.key, asBuffer(sent.key), `key at ${r.partition}:${r.offset}`);
      assert.deepEqual(r.value, asBuffer(sent.value), `value at ${r.partition}:${r.offset}`);
    }

    const browsed = await browseAll(topic);
    assert.equal(browsed.length, messages.length);
    for (const r of browsed) {
      const sent = expected.get(`${r.partition}:${r.offset}`);
      assert.ok(sent);
      assert.deepEqual(r.key, asBuffer(sent.key));
      assert.deepEqual(r.value, asBuffer(sent.value));
      assert.deepEqual(r.headers.map((h) => [h.key, h.value]), Object.entries(sent.headers ?? {}).map(([k, v]) => [k, asBuffer(v)]));
    }
  });

  it('browses what kcat produced with -z zstd, byte for byte', async () => {
    const topic = await newTopic('kcat', 1);
    const values = Array.from({ length: 300 }, (_, i) => (i % 30 === 3
      ? Buffer.concat([randomBytes(200), Buffer.from([0x00, 0xff])])
      : Buffer.from(JSON.stringify({ data_type: 'page_view', i, path: `/products/${i % 17}` }))));
    const delimiter = '~~WB-END~~';
    const input = Buffer.concat(values.flatMap((v) => [v, Buffer.from(delimiter)]));
    const run = await runKcat(['-b', BROKER, '-P', '-t', topic, '-p', '0', '-z', 'zstd', '-D', delimiter], input);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual([...new Set(segmentCodecs(path.join(nativeKafkaDataDir(), `${topic}-0`, '00000000000000000000.log')))], ['zstd']);
    const browsed = await browseAll(topic);
    assert.deepEqual(browsed.map((r) => r.offset), values.map((_, i) => String(i)));
    browsed.forEach((r, i) => { assert.deepEqual(r.value, values[i], `offset ${i}`); });
  });
});
