/**
 * Generate + produce N Avro messages from a subject (100,000 by default), on the native stack
 * (Kafka 127.0.0.1:9092, the schema registry at KAW_SCHEMA_REGISTRY_URL, default
 * 127.0.0.1:8085), as the producer panel's Send does with "Generate test data from the schema
 * subject" (bench/lib/schemaBench.ts generateAndProduce): the subject's latest version looked
 * up (a fresh schema cache each run, as on a form's first send), the default form's keys
 * (order-{{seq}}) and header rendered, every value generated from the 10-field record
 * (src/schemas/generate.ts) and framed in the Confluent wire format, then KafkaService.produce
 * (idempotent, acks=all, uncompressed, as fast as possible), every message acknowledged.
 * Goal: >= 100,000 messages/s, timed from the lookup to the last acknowledgement.
 *
 * Reference in the same run: `kcat -P` (librdkafka, idempotent, acks=all) producing the very
 * bytes our run made (keys, the header and the framed values, read from a pipe with a
 * delimiter that occurs nowhere in them): the cost of writing them, without generating. The
 * ratio ours / kcat says what generating and framing add; the split of our time into
 * generate + frame and produce says where it goes.
 *
 *   node --import tsx bench/schema-produce.ts [--messages=100000] [--runs=3]
 *
 * Runs are interleaved (ours, kcat), each on a fresh topic of one partition; the medians are
 * printed. The topics and the subject are removed at the end, also when a run fails.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { SchemaCache } from '../src/schemas/serdes';
import type { ProduceMessage } from '../src/kafka/types';
import { removeTestTopics } from '../test/support/testTopics';
import { BROKER, flag, fmt, loadNote, localService, median } from './lib/kafkaBench';
import { generateAndProduce, registerBenchSubject, registryClient, removeSubject, REGISTRY } from './lib/schemaBench';

const MESSAGES = flag('messages', 100_000);
const RUNS = flag('runs', 3);
const HEADER = 'source=kafka-airflow-workbench';

function bytesOf(value: ProduceMessage['key']): Buffer {
  if (value === null || value === undefined) return Buffer.alloc(0);
  return typeof value === 'string' ? Buffer.from(value) : value;
}

/**
 * kcat -P's input for `messages`: key, key delimiter, value, message delimiter, each. The
 * delimiters are random bytes, checked to be found exactly where they were put (never inside
 * a key or a value, nor across a border), so kcat splits out exactly these messages.
 */
function kcatInput(messages: readonly ProduceMessage[]): { input: Buffer; keyDelimiter: Buffer; delimiter: Buffer } {
  for (let attempt = 0; attempt < 10; attempt++) {
    // Bytes 0x80-0xff: kcat reads -D and -K as C strings, so a 0x00 would cut the delimiter short.
    const keyDelimiter = Buffer.from(randomBytes(8).map((b) => b | 0x80));
    const delimiter = Buffer.from(randomBytes(8).map((b) => b | 0x80));
    const parts: Buffer[] = [];
    for (const m of messages) parts.push(bytesOf(m.key), keyDelimiter, bytesOf(m.value), delimiter);
    const input = Buffer.concat(parts);
    let at = 0;
    let clean = true;
    for (const m of messages) {
      const keyEnd = at + bytesOf(m.key).length;
      const valueEnd = keyEnd + keyDelimiter.length + bytesOf(m.value).length;
      if (input.indexOf(keyDelimiter, at) !== keyEnd || input.indexOf(delimiter, keyEnd + keyDelimiter.length) !== valueEnd) {
        clean = false;
        break;
      }
      at = valueEnd + delimiter.length;
    }
    if (clean) return { input, keyDelimiter, delimiter };
  }
  throw new Error('Found no delimiter that occurs nowhere in the messages (10 tries of 8 random bytes).');
}

/** `\xNN...`, the form kcat's -D and -K read. */
function escaped(bytes: Buffer): string {
  return [...bytes].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
}

function kcatProduce(topic: string, input: ReturnType<typeof kcatInput>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('kcat', [
      '-b', BROKER, '-P', '-t', topic, '-K', escaped(input.keyDelimiter), '-D', escaped(input.delimiter), '-H', HEADER,
      '-X', 'acks=all', '-X', 'enable.idempotence=true',
    ], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`kcat -P failed (${String(code)}): ${stderr.slice(-500)}`));
    });
    child.stdin.end(input.input);
  });
}

async function main(): Promise<void> {
  const kafka = localService();
  const registry = registryClient();
  const stamp = Date.now().toString(36);
  const subject = `bench-schema-produce-${stamp}-value`;
  const topics: string[] = [];
  const topic = async (name: string): Promise<string> => {
    const full = `bench-schema-produce-${stamp}-${name}`;
    topics.push(full);
    await kafka.createTopic({ name: full, partitions: 1, replicationFactor: 1 });
    return full;
  };
  try {
    await registerBenchSubject(registry, subject);
    console.log(`Generate + produce from a subject: ${fmt(MESSAGES)} Avro messages (10-field record) to ${BROKER}, registry ${REGISTRY}, idempotent, acks=all, ${RUNS} runs each (interleaved); ${loadNote()}`);
    const ours: { total: number; generate: number; produce: number }[] = [];
    const kcat: number[] = [];
    let bytes = 0;
    for (let run = 1; run <= RUNS; run++) {
      const r = await generateAndProduce(kafka, new SchemaCache(registry), subject, await topic(`workbench-${run}`), MESSAGES);
      const total = r.generateMs + r.produceMs;
      ours.push({ total, generate: r.generateMs, produce: r.produceMs });
      bytes = r.messages.reduce((sum, m) => sum + bytesOf(m.value).length, 0);
      const input = kcatInput(r.messages);
      const kcatTopic = await topic(`kcat-${run}`);
      const k = await kcatProduce(kcatTopic, input);
      const written = Number((await kafka.describeTopic(kcatTopic)).messageEstimate);
      if (written !== MESSAGES) throw new Error(`kcat -P wrote ${written} messages, not ${MESSAGES}: the delimiters did not split the input as meant.`);
      kcat.push(k);
      console.log(`run ${run}: generate + produce ${fmt(total)} ms (${fmt((MESSAGES / total) * 1000)} msg/s; generate + frame ${fmt(r.generateMs)} ms, produce ${fmt(r.produceMs)} ms); `
        + `kcat -P of the same bytes ${fmt(k)} ms (${fmt((MESSAGES / k) * 1000)} msg/s)`);
    }
    const rate = (MESSAGES / median(ours.map((o) => o.total))) * 1000;
    const kcatRate = (MESSAGES / median(kcat)) * 1000;
    console.log(`values: ${fmt(bytes / MESSAGES, 1)} bytes each on average, wire prefix included`);
    console.log(`median generate + frame: ${fmt(median(ours.map((o) => o.generate)))} ms (${fmt((MESSAGES / median(ours.map((o) => o.generate))) * 1000)} msg/s); median produce: ${fmt(median(ours.map((o) => o.produce)))} ms (${fmt((MESSAGES / median(ours.map((o) => o.produce))) * 1000)} msg/s)`);
    console.log(`median generate + produce: ${fmt(rate)} msg/s   (goal >= 100,000 msg/s: ${rate >= 100_000 ? 'met' : 'NOT met'})`);
    console.log(`median kcat -P of the same bytes: ${fmt(kcatRate)} msg/s; ratio generate + produce / kcat -P: ${fmt(rate / kcatRate, 2)}   (${loadNote()} at the end)`);
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
