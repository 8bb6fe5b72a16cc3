/**
 * The Message Inspector on N Avro messages of a 10-field record (100,000 by default), on the
 * native stack (Kafka 127.0.0.1:9092, the schema registry at KAW_SCHEMA_REGISTRY_URL, default
 * 127.0.0.1:8085). The topic (one partition) is filled once, untimed, by the producer form's
 * path for values generated from a subject (bench/lib/schemaBench.ts), so every value is in
 * the Confluent wire format under one schema id.
 *
 * Each run drives KafkaInspectorSource as its panel does, with the registry (a fresh source,
 * so a fresh schema cache: the window just opened): a read from the beginning to the end,
 * every row decoded into the buffer (checked: decoded = N, none failed). Measured:
 * - the read with every row decoded, beside `kcat -C` reading the same topic raw in the same
 *   run (to /dev/null): goal >= 0.5x kcat's rate;
 * - first rows: from start() until rows(0, 100) returns 100 decoded rows: goal <= 100 ms. The
 *   first run also loads the serdes (avsc, protobufjs, ajv), as the first schema'd message of a
 *   session does; its figure is printed on its own beside the median;
 * - registry requests: schema lookups (the schema cache's counter) and the HTTP requests
 *   behind them (counted at the registry client): goal lookups = distinct schema ids (1).
 *
 *   node --import tsx bench/schema-inspector.ts [--messages=100000] [--runs=3]
 *
 * Runs are interleaved (inspector, kcat) and the medians printed; the topic and the subject
 * are removed at the end, also when a run fails.
 */
import { spawn } from 'node:child_process';
import { KafkaInspectorSource } from '../src/panels/kafkaInspectorSource';
import type { SchemaRegistryClient } from '../src/schemas/registryClient';
import { SchemaCache } from '../src/schemas/serdes';
import type { SchemaSource } from '../src/schemas/types';
import { silentLogger } from '../src/shared/logger';
import { removeTestTopics } from '../test/support/testTopics';
import { BROKER, flag, fmt, loadNote, localService, median } from './lib/kafkaBench';
import { generateAndProduce, registerBenchSubject, registryClient, removeSubject, REGISTRY } from './lib/schemaBench';

const MESSAGES = flag('messages', 100_000);
const RUNS = flag('runs', 3);
/** The first page the panel asks for. */
const FIRST_PAGE = 100;
/** A run that has not ended by then has hung: the benchmark says so instead of waiting. */
const RUN_TIMEOUT_MS = 10 * 60_000;

/** The registry client, counting the HTTP requests the inspector's lookups make. */
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

interface ReadRun {
  ms: number;
  firstRowsMs: number;
  requests: number;
  lookups: number;
  decoded: number;
  failed: number;
}

async function inspectorRun(kafka: ReturnType<typeof localService>, topic: string, registry: SchemaRegistryClient): Promise<ReadRun> {
  const counting = new CountingSource(registry);
  const source = new KafkaInspectorSource({ service: () => Promise.resolve(kafka), connection: 'bench', topic, log: silentLogger, schemas: () => counting });
  try {
    await source.describe();
    const started = performance.now();
    let firstRowsMs = -1;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`The inspector's read did not end in ${RUN_TIMEOUT_MS / 1000} s; last status: ${source.status().message}`)); }, RUN_TIMEOUT_MS);
      const check = (): void => {
        if (firstRowsMs < 0) {
          const { rows } = source.rows(0, FIRST_PAGE);
          if (rows.length === Math.min(FIRST_PAGE, MESSAGES) && rows.every((r) => r.valueSchema !== undefined && r.valueKind === 'json')) firstRowsMs = performance.now() - started;
        }
        const status = source.status();
        if (status.state === 'done') { clearTimeout(timer); resolve(); }
        if (status.state === 'error') { clearTimeout(timer); reject(new Error(status.message)); }
      };
      source.onDidChange(check);
    });
    source.start({ start: 'beginning', startValue: '', partitions: [], maxMessages: MESSAGES, follow: false });
    await done;
    const ms = performance.now() - started;
    const { decoded, failed } = source.schemaCounts();
    return { ms, firstRowsMs, requests: counting.requests, lookups: source.schemaLookups, decoded, failed };
  } finally {
    source.dispose();
  }
}

async function main(): Promise<void> {
  const kafka = localService();
  const registry = registryClient();
  const stamp = Date.now().toString(36);
  const subject = `bench-schema-inspector-${stamp}-value`;
  const topic = `bench-schema-inspector-${stamp}`;
  const topics: string[] = [];
  try {
    await registerBenchSubject(registry, subject);
    topics.push(topic);
    await kafka.createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
    // Filled untimed, in another schema cache than the inspector's: the inspector looks the id up itself.
    const fill = await generateAndProduce(kafka, new SchemaCache(registry), subject, topic, MESSAGES);
    const distinctIds = new Set(fill.messages.map((m) => (m.value as Buffer).readUInt32BE(1))).size;
    const bytes = fill.messages.reduce((sum, m) => sum + (m.value as Buffer).length, 0);
    console.log(`Inspector on schema'd messages: ${fmt(MESSAGES)} Avro messages (10-field record, ${fmt(bytes / MESSAGES, 1)} bytes each on average, ${distinctIds} schema id) in 1 partition on ${BROKER}, registry ${REGISTRY}, ${RUNS} runs each (interleaved); ${loadNote()}`);
    const reads: ReadRun[] = [];
    const kcat: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const r = await inspectorRun(kafka, topic, registry);
      reads.push(r);
      const k = await kcatMs(topic);
      kcat.push(k);
      console.log(`run ${run}: inspector ${fmt(r.ms)} ms (${fmt((MESSAGES / r.ms) * 1000)} msg/s, first rows ${fmt(r.firstRowsMs, 1)} ms${run === 1 ? ', serdes loaded in this run' : ''}, decoded ${fmt(r.decoded)}, failed ${r.failed}, lookups ${r.lookups}, registry requests ${r.requests}); `
        + `kcat -C ${fmt(k)} ms (${fmt((MESSAGES / k) * 1000)} msg/s)`);
    }
    const inspectorRate = (MESSAGES / median(reads.map((r) => r.ms))) * 1000;
    const kcatRate = (MESSAGES / median(kcat)) * 1000;
    const firstRows = median(reads.map((r) => r.firstRowsMs));
    const coldFirstRows = reads[0]?.firstRowsMs ?? -1;
    const allDecoded = reads.every((r) => r.decoded === MESSAGES && r.failed === 0);
    const lookups = Math.max(...reads.map((r) => r.lookups));
    const requests = Math.max(...reads.map((r) => r.requests));
    console.log(`median read rate, all rows decoded: inspector ${fmt(inspectorRate)} msg/s, kcat -C (raw) ${fmt(kcatRate)} msg/s: ratio ${fmt(inspectorRate / kcatRate, 2)}   (goal >= 0.5: ${verdict(inspectorRate / kcatRate >= 0.5 && allDecoded)}; every row decoded in every run: ${allDecoded ? 'yes' : 'NO'})`);
    console.log(`median first rows (${FIRST_PAGE} decoded rows): ${fmt(firstRows, 1)} ms; first run, serdes loaded: ${fmt(coldFirstRows, 1)} ms   (goal <= 100 ms: ${verdict(firstRows >= 0 && firstRows <= 100)} for the median, ${verdict(coldFirstRows >= 0 && coldFirstRows <= 100)} for the first run)`);
    console.log(`schema lookups per read: ${lookups} for ${distinctIds} distinct schema id${distinctIds === 1 ? '' : 's'} in ${fmt(MESSAGES)} rows (${requests} HTTP requests: the schema by id and the subject-versions it is registered under)   (goal lookups = distinct ids: ${verdict(lookups === distinctIds)})   (${loadNote()} at the end)`);
  } finally {
    await removeTestTopics(kafka, topics);
    await removeSubject(registry, subject);
    await kafka.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
