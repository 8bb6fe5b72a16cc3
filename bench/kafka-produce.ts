/**
 * Producer throughput: N generated messages of 512 bytes (100,000 by default; run it with
 * --messages=1000000 too) through KafkaService.produce (acks=-1, no compression, as fast as
 * possible), idempotent (the default) and with idempotence off, beside `kcat -P`
 * (librdkafka, acks=all, run with enable.idempotence=true and =false) and Kafka's own
 * org.apache.kafka.tools.ProducerPerformance (--record-size 512, --throughput -1, acks=all,
 * idempotent by default; --no-java leaves it out), each on its own topic of the same shape
 * on the same broker, runs interleaved so all see the same machine load. Prints each run
 * with the CPU time each producer used (ours from process.cpuUsage, kcat's from
 * /usr/bin/time), the medians in messages/s, the throughput cost of idempotence for
 * KafkaService and for kcat, and the ratios. Goals: KafkaService >= 100,000 messages/s, and
 * idempotent KafkaService >= 1.0x idempotent kcat -P (issue 18).
 *
 *   node --import tsx bench/kafka-produce.ts [--messages=100000] [--runs=5] [--partitions=3] [--compression=none] [--no-java]
 *
 * --compression=gzip|snappy|lz4|zstd compresses on all sides (compression.type for the Java
 * producer, -z for kcat); zstd on Node 20 measures the WebAssembly build KafkaService falls back to.
 *
 * Fairness notes: the message values are generated test data (sensor readings) padded to exactly
 * 512 bytes and made before timing, as ProducerPerformance makes its payload before timing;
 * all send without keys. ProducerPerformance's own records/sec figure is used (it excludes
 * JVM start); KafkaService's figure covers the whole produce() call, connecting and
 * InitProducerId included; kcat's covers its process from start to exit, reading the
 * messages from a pipe (newline-delimited) included.
 */
import { spawn } from 'node:child_process';
import { generateTestData } from '../src/kafka/testData';
import type { Compression, ProduceMessage } from '../src/kafka/types';
import { BROKER, flag, fmt, kafkaToolsClassPath, loadNote, localService, median, timed, uniqueTopic } from './lib/kafkaBench';
import { removeTestTopics } from '../test/support/testTopics';

const MESSAGES = flag('messages', 100_000);
const RUNS = flag('runs', 5);
const PARTITIONS = flag('partitions', 3);
const SIZE = 512;
const JAVA = !process.argv.includes('--no-java');
const CODECS: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const COMPRESSION = ((): Compression => {
  const value = process.argv.find((a) => a.startsWith('--compression='))?.split('=')[1] ?? 'none';
  const codec = CODECS.find((c) => c === value);
  if (!codec) throw new Error(`--compression must be one of ${CODECS.join(', ')}`);
  return codec;
})();

/** Generated sensor readings, each padded with a "pad" field to exactly SIZE bytes of JSON. */
function messagesOf512Bytes(count: number): ProduceMessage[] {
  const generated = generateTestData('sensor_reading', Math.min(count, 1000), { seed: 1 });
  return Array.from({ length: count }, (_, i) => {
    const source: Record<string, unknown> = generated[i % generated.length]?.value ?? {};
    let fields: Record<string, unknown> = { ...source, seq: i };
    if (JSON.stringify({ ...fields, pad: '' }).length > SIZE) fields = { data_type: source['data_type'], id: source['id'], seq: i };
    const bare = JSON.stringify({ ...fields, pad: '' }).length;
    return { value: Buffer.from(JSON.stringify({ ...fields, pad: 'x'.repeat(SIZE - bare) })) };
  });
}

/** Pipes `input` into `kcat -P` (under /usr/bin/time for its CPU time) and times the process from spawn to exit. */
function kcatProduce(args: string[], input: Buffer): Promise<{ ms: number; cpuMs: number; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'cpu %U %S', 'kcat', ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
      resolve({ ms: performance.now() - started, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : Number.NaN, code, stderr });
    });
    child.stdin.end(input);
  });
}

/** A line with the median of `rates` in messages/s and MiB/s. */
function medianLine(label: string, rates: readonly number[]): string {
  const m = median(rates);
  return `median ${label.padEnd(40)} ${fmt(m).padStart(9)} msg/s  (${fmt((m * SIZE) / 1024 / 1024, 1)} MiB/s)`;
}

/** How much slower `on` is than `off`, in percent of `off` (negative: faster). */
function costPercent(on: number, off: number): string {
  return `${fmt(((off - on) / off) * 100, 1)} %`;
}

async function main(): Promise<void> {
  const service = localService();
  const classPath = kafkaToolsClassPath();
  const topics = {
    idempotent: uniqueTopic('bench-produce-workbench-idem'),
    plain: uniqueTopic('bench-produce-workbench-plain'),
    java: uniqueTopic('bench-produce-java'),
    kcatIdempotent: uniqueTopic('bench-produce-kcat-idem'),
    kcatPlain: uniqueTopic('bench-produce-kcat-plain'),
  };
  for (const name of Object.values(topics)) await service.createTopic({ name, partitions: PARTITIONS, replicationFactor: 1 });
  const messages = messagesOf512Bytes(MESSAGES);
  const sizes = new Set(messages.map((m) => (m.value as Buffer).length));
  const kcatInput = Buffer.concat(messages.flatMap((m) => [m.value as Buffer, Buffer.from('\n')]));
  console.log(`Producing ${fmt(MESSAGES)} messages of ${[...sizes].join('/')} bytes to ${BROKER}, ${PARTITIONS} partitions, acks=all, compression ${COMPRESSION}, ${RUNS} runs each (interleaved); ${loadNote()}`);

  const rates = { idempotent: [] as number[], plain: [] as number[], java: [] as number[], kcatIdempotent: [] as number[], kcatPlain: [] as number[] };
  const cpu = { idempotent: [] as number[], kcatIdempotent: [] as number[] };
  let resent = 0;
  const ours = async (idempotent: boolean): Promise<number> => {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = await service.produce(messages, { topic: idempotent ? topics.idempotent : topics.plain, acks: -1, compression: COMPRESSION, idempotent });
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpuBefore);
    if (idempotent) cpu.idempotent.push((used.user + used.system) / 1000);
    if (result.sent !== MESSAGES) throw new Error(`KafkaService (idempotent ${String(idempotent)}) wrote ${result.sent} of ${MESSAGES}: ${result.errors[0]?.message ?? ''}`);
    if (idempotent !== (result.idempotence !== undefined)) throw new Error(`KafkaService ran with idempotence ${result.idempotence ? 'on' : 'off'}, asked ${String(idempotent)}`);
    resent += result.idempotence?.resentBatches ?? 0;
    return (MESSAGES / ms) * 1000;
  };
  const kcat = async (idempotent: boolean): Promise<number> => {
    const run = await kcatProduce(['-b', BROKER, '-P', '-t', idempotent ? topics.kcatIdempotent : topics.kcatPlain, '-z', COMPRESSION, '-X', 'acks=all', '-X', `enable.idempotence=${String(idempotent)}`], kcatInput);
    if (run.code !== 0) throw new Error(`kcat -P failed (${run.code ?? 'killed'}): ${run.stderr.slice(-500)}`);
    if (idempotent) cpu.kcatIdempotent.push(run.cpuMs);
    return (MESSAGES / run.ms) * 1000;
  };
  try {
    for (let run = 1; run <= RUNS; run++) {
      // Alternate which of our two modes goes first, so neither always meets a warmer broker.
      const order = run % 2 === 1 ? [true, false] : [false, true];
      for (const idempotent of order) (idempotent ? rates.idempotent : rates.plain).push(await ours(idempotent));

      const java = !JAVA ? undefined : await timed('java', [
        '-cp', classPath, 'org.apache.kafka.tools.ProducerPerformance',
        '--topic', topics.java, '--num-records', String(MESSAGES), '--record-size', String(SIZE), '--throughput', '-1',
        '--producer-props', `bootstrap.servers=${BROKER}`, 'acks=all', `compression.type=${COMPRESSION}`,
      ]);
      const line = java?.stdout.split('\n').find((l) => l.includes(`${MESSAGES} records sent`));
      const javaRate = line ? Number(/([\d.]+) records\/sec/.exec(line)?.[1]) : Number.NaN;
      if (java && (java.code !== 0 || !Number.isFinite(javaRate))) throw new Error(`ProducerPerformance failed (${java.code ?? 'killed'}): ${java.stderr.slice(-500)}`);
      if (java) rates.java.push(javaRate);

      for (const idempotent of order) (idempotent ? rates.kcatIdempotent : rates.kcatPlain).push(await kcat(idempotent));
      console.log(
        `run ${run}: KafkaService idempotent ${fmt(rates.idempotent.at(-1) ?? 0)} (CPU ${fmt(cpu.idempotent.at(-1) ?? 0)} ms)  not idempotent ${fmt(rates.plain.at(-1) ?? 0)}   ${java ? `ProducerPerformance ${fmt(javaRate)} (JVM run ${fmt(java.ms)} ms)   ` : ''}kcat idempotent ${fmt(rates.kcatIdempotent.at(-1) ?? 0)} (CPU ${fmt(cpu.kcatIdempotent.at(-1) ?? 0)} ms)  not idempotent ${fmt(rates.kcatPlain.at(-1) ?? 0)}  msg/s`,
      );
    }
  } finally {
    await removeTestTopics(service, Object.values(topics));
    await service.dispose();
  }
  const idem = median(rates.idempotent);
  const plain = median(rates.plain);
  const java = rates.java.length > 0 ? median(rates.java) : Number.NaN;
  const kcatIdem = median(rates.kcatIdempotent);
  const kcatPlain = median(rates.kcatPlain);
  console.log('');
  console.log(`${medianLine('KafkaService.produce, idempotent:', rates.idempotent)}  target >= 100,000: ${idem >= 100_000 ? 'met' : 'NOT met'}`);
  console.log(medianLine('KafkaService.produce, not idempotent:', rates.plain));
  if (rates.java.length > 0) console.log(medianLine('ProducerPerformance (idempotent):', rates.java));
  console.log(medianLine('kcat -P, idempotent:', rates.kcatIdempotent));
  console.log(medianLine('kcat -P, not idempotent:', rates.kcatPlain));
  console.log(`cost of idempotence: KafkaService ${costPercent(idem, plain)}   kcat ${costPercent(kcatIdem, kcatPlain)}   (of the not-idempotent median; batches resent in all idempotent runs: ${resent})`);
  console.log(`CPU time per run (median): KafkaService idempotent ${fmt(median(cpu.idempotent))} ms, kcat -P idempotent ${fmt(median(cpu.kcatIdempotent))} ms`);
  console.log(`ratio KafkaService (idempotent) / kcat -P (idempotent): ${fmt(idem / kcatIdem, 2)}   (goal >= 1.0: ${idem / kcatIdem >= 1 ? 'met' : 'NOT met'})${Number.isFinite(java) ? `   / ProducerPerformance: ${fmt(idem / java, 2)}` : ''}   (${loadNote()} at the end)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
