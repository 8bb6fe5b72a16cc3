/**
 * Schema'd messages at volume, on the native stack (Kafka 127.0.0.1:9092, the schema registry
 * at KAW_SCHEMA_REGISTRY_URL, default 127.0.0.1:8085), with a 10-field Avro record (uuid,
 * strings, decimal, int, enum, timestamp-millis, a nullable string, boolean, double):
 *
 * - Generate + produce: N messages generated from the subject (src/schemas/generate.ts),
 *   encoded in the wire format and written by KafkaService.produce, as the producer form's
 *   "Generate test data from the schema subject" does. Goal >= 100,000 msg/s.
 * - Inspector: KafkaInspectorSource reads the topic from the beginning with the registry,
 *   every row decoded into the buffer (checked: decoded = N, none failed), as its panel does;
 *   first rows = the time until rows(0, 100) returns 100 decoded rows; registry requests
 *   counted at the registry client. Beside it, `kcat -C` reads the same topic raw in the same
 *   run. Goals: read >= 0.5x kcat's rate, first rows within 100 ms, schema lookups = distinct
 *   schema ids (1 here).
 *
 *   node --import tsx bench/schema-inspector.ts [--messages=100000] [--runs=3]
 *
 * Runs are interleaved (inspector, kcat, produce) and the medians printed; the topics and
 * the subject are removed at the end, also when a run fails.
 */
import { spawn } from 'node:child_process';
import { KafkaInspectorSource } from '../src/panels/kafkaInspectorSource';
import { SchemaRegistryClient } from '../src/schemas/registryClient';
import { SchemaCache } from '../src/schemas/serdes';
import { generatingEncoder } from '../src/schemas/schemaProduce';
import type { SchemaSource } from '../src/schemas/types';
import { silentLogger } from '../src/shared/logger';
import type { ProduceMessage } from '../src/kafka/types';
import { removeTestTopics } from '../test/support/testTopics';
import { BROKER, flag, fmt, loadNote, localService, median } from './lib/kafkaBench';

const MESSAGES = flag('messages', 100_000);
const RUNS = flag('runs', 3);
const REGISTRY = process.env['KAW_SCHEMA_REGISTRY_URL'] || 'http://127.0.0.1:8085';

const SCHEMA = JSON.stringify({
  type: 'record', name: 'BenchOrder', namespace: 'bench',
  fields: [
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'customer', type: 'string' },
    { name: 'email', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'quantity', type: 'int' },
    { name: 'status', type: { type: 'enum', name: 'BenchStatus', symbols: ['NEW', 'PAID', 'SHIPPED', 'CANCELLED'] } },
    { name: 'created_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'paid', type: 'boolean' },
    { name: 'score', type: 'double' },
  ],
});

/** The registry client, counting the requests the inspector makes. */
class CountingSource implements SchemaSource {
  requests = 0;
  constructor(private readonly inner: SchemaRegistryClient) {}
  getSchemaById(id: number): ReturnType<SchemaSource['getSchemaById']> { this.requests++; return this.inner.getSchemaById(id); }
  getSubjectVersion(subject: string, version: number | 'latest'): ReturnType<SchemaSource['getSubjectVersion']> { this.requests++; return this.inner.getSubjectVersion(subject, version); }
  getSchemaVersions(id: number): Promise<{ subject: string; version: number }[]> { this.requests++; return this.inner.getSchemaVersions(id); }
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

function kcatMs(topic: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('kcat', ['-b', BROKER, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`kcat failed (${String(code)}): ${stderr}`));
    });
  });
}

async function inspectorRun(kafka: ReturnType<typeof localService>, topic: string, registry: SchemaRegistryClient): Promise<{ ms: number; firstRowsMs: number; requests: number; lookups: number; decoded: number; failed: number }> {
  const counting = new CountingSource(registry);
  const source = new KafkaInspectorSource({ service: () => Promise.resolve(kafka), connection: 'bench', topic, log: silentLogger, schemas: () => counting });
  await source.describe();
  const started = performance.now();
  let firstRowsMs = -1;
  const done = new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (firstRowsMs < 0) {
        const { rows } = source.rows(0, 100);
        if (rows.length === Math.min(100, MESSAGES) && rows.every((r) => r.valueSchema !== undefined && r.valueKind === 'json')) firstRowsMs = performance.now() - started;
      }
      const status = source.status();
      if (status.state === 'done') resolve();
      if (status.state === 'error') reject(new Error(status.message));
    };
    source.onDidChange(check);
  });
  source.start({ start: 'beginning', startValue: '', partitions: [], maxMessages: MESSAGES, follow: false });
  await done;
  const ms = performance.now() - started;
  const { decoded, failed } = source.schemaCounts();
  const result = { ms, firstRowsMs, requests: counting.requests, lookups: source.schemaLookups, decoded, failed };
  source.dispose();
  return result;
}

async function produceRun(kafka: ReturnType<typeof localService>, topic: string, cache: SchemaCache, subject: string): Promise<number> {
  await kafka.createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
  const started = performance.now();
  const schema = await cache.bySubject(subject, 'latest');
  const encode = generatingEncoder(schema);
  const messages: ProduceMessage[] = new Array<ProduceMessage>(MESSAGES);
  for (let i = 0; i < MESSAGES; i++) messages[i] = encode({ key: `order-${i}`, value: null });
  const result = await kafka.produce(messages, { topic });
  const ms = performance.now() - started;
  if (result.sent !== MESSAGES) throw new Error(`wrote ${result.sent} of ${MESSAGES}: ${result.errors[0]?.message ?? ''}`);
  return ms;
}

async function main(): Promise<void> {
  const kafka = localService();
  const registry = new SchemaRegistryClient({ baseUrl: REGISTRY });
  const stamp = Date.now();
  const subject = `bench-schemas-${stamp}-value`;
  const topics: string[] = [];
  try {
    await registry.register(subject, { schema: SCHEMA, schemaType: 'AVRO' });
    const cache = new SchemaCache(registry);
    console.log(`Schema'd messages: ${fmt(MESSAGES)} Avro messages (10-field record) on ${BROKER}, registry ${REGISTRY}, ${RUNS} runs each (interleaved); ${loadNote()}`);
    const readTopic = `bench-schemas-${stamp}-read`;
    topics.push(readTopic);
    await produceRun(kafka, readTopic, cache, subject);
    const reads: Awaited<ReturnType<typeof inspectorRun>>[] = [];
    const kcat: number[] = [];
    const produce: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const r = await inspectorRun(kafka, readTopic, registry);
      reads.push(r);
      const k = await kcatMs(readTopic);
      kcat.push(k);
      const topic = `bench-schemas-${stamp}-produce-${run}`;
      topics.push(topic);
      const p = await produceRun(kafka, topic, cache, subject);
      produce.push(p);
      console.log(`run ${run}: inspector ${fmt(r.ms)} ms (${fmt((MESSAGES / r.ms) * 1000)} msg/s, first rows ${fmt(r.firstRowsMs, 1)} ms, decoded ${fmt(r.decoded)}, failed ${r.failed}, registry requests ${r.requests}, lookups ${r.lookups}); `
        + `kcat -C ${fmt(k)} ms (${fmt((MESSAGES / k) * 1000)} msg/s); generate + produce ${fmt(p)} ms (${fmt((MESSAGES / p) * 1000)} msg/s)`);
    }
    const inspectorRate = (MESSAGES / median(reads.map((r) => r.ms))) * 1000;
    const kcatRate = (MESSAGES / median(kcat)) * 1000;
    const produceRate = (MESSAGES / median(produce)) * 1000;
    const firstRows = median(reads.map((r) => r.firstRowsMs));
    const allDecoded = reads.every((r) => r.decoded === MESSAGES && r.failed === 0);
    const lookups = Math.max(...reads.map((r) => r.lookups));
    const requests = Math.max(...reads.map((r) => r.requests));
    console.log(`median read rate, all rows decoded: inspector ${fmt(inspectorRate)} msg/s, kcat -C (raw) ${fmt(kcatRate)} msg/s: ratio ${fmt(inspectorRate / kcatRate, 2)}   (goal >= 0.5: ${verdict(inspectorRate / kcatRate >= 0.5 && allDecoded)}; every row decoded: ${allDecoded ? 'yes' : 'NO'})`);
    console.log(`median first rows (100 decoded rows): ${fmt(firstRows, 1)} ms   (goal <= 100 ms: ${verdict(firstRows >= 0 && firstRows <= 100)})`);
    console.log(`schema lookups per read: ${lookups} for 1 distinct schema id (${requests} HTTP requests: the schema and its subject-version)   (goal lookups = distinct ids: ${verdict(lookups === 1)})`);
    console.log(`median generate + produce: ${fmt(produceRate)} msg/s   (goal >= 100,000 msg/s: ${verdict(produceRate >= 100_000)})`);
  } finally {
    await removeTestTopics(kafka, topics);
    try {
      await registry.deleteSubject(subject);
      await registry.deleteSubject(subject, { permanent: true });
    } catch (error) {
      console.warn(`left subject ${subject}: ${error instanceof Error ? error.message : String(error)}`);
    }
    await kafka.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
