/**
 * Producer throughput: 100,000 generated messages of 512 bytes through KafkaService.produce
 * (acks=-1, no compression, as fast as possible) beside Kafka's own
 * org.apache.kafka.tools.ProducerPerformance (--record-size 512, --throughput -1, acks=all)
 * against the same broker and a topic of the same shape, runs interleaved so both see the
 * same machine load. Prints each run, the medians in messages/s and the ratio. Target:
 * KafkaService >= 100,000 messages/s.
 *
 *   node --import tsx bench/kafka-produce.ts [--messages=100000] [--runs=5] [--partitions=3] [--compression=none]
 *
 * --compression=gzip|snappy|lz4|zstd compresses on both sides (compression.type for the Java
 * producer); zstd on Node 20 measures the WebAssembly build KafkaService falls back to.
 *
 * Fairness notes: the message values are generated test data (sensor readings) padded to exactly
 * 512 bytes and made before timing, as ProducerPerformance makes its payload before timing;
 * both send without keys. ProducerPerformance's own records/sec figure is used (it excludes
 * JVM start); KafkaService's figure covers the whole produce() call, connecting included.
 * The Java producer is idempotent by default with acks=all; KafkaService is not idempotent.
 */
import { generateTestData } from '../src/kafka/testData';
import type { Compression, ProduceMessage } from '../src/kafka/types';
import { BROKER, flag, fmt, kafkaToolsClassPath, loadNote, localService, median, timed, uniqueTopic } from './lib/kafkaBench';
import { removeTestTopics } from '../test/support/testTopics';

const MESSAGES = flag('messages', 100_000);
const RUNS = flag('runs', 5);
const PARTITIONS = flag('partitions', 3);
const SIZE = 512;
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

async function main(): Promise<void> {
  const service = localService();
  const classPath = kafkaToolsClassPath();
  const ours = uniqueTopic('bench-produce-workbench');
  const theirs = uniqueTopic('bench-produce-java');
  await service.createTopic({ name: ours, partitions: PARTITIONS, replicationFactor: 1 });
  await service.createTopic({ name: theirs, partitions: PARTITIONS, replicationFactor: 1 });
  const messages = messagesOf512Bytes(MESSAGES);
  const sizes = new Set(messages.map((m) => (m.value as Buffer).length));
  console.log(`Producing ${fmt(MESSAGES)} messages of ${[...sizes].join('/')} bytes to ${BROKER}, ${PARTITIONS} partitions, acks=all, compression ${COMPRESSION}, ${RUNS} runs each (interleaved); ${loadNote()}`);

  const oursRates: number[] = [];
  const javaRates: number[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      const started = performance.now();
      const result = await service.produce(messages, { topic: ours, acks: -1, compression: COMPRESSION });
      const ms = performance.now() - started;
      if (result.sent !== MESSAGES) throw new Error(`KafkaService wrote ${result.sent} of ${MESSAGES}: ${result.errors[0]?.message ?? ''}`);
      oursRates.push((MESSAGES / ms) * 1000);

      const java = await timed('java', [
        '-cp', classPath, 'org.apache.kafka.tools.ProducerPerformance',
        '--topic', theirs, '--num-records', String(MESSAGES), '--record-size', String(SIZE), '--throughput', '-1',
        '--producer-props', `bootstrap.servers=${BROKER}`, 'acks=all', `compression.type=${COMPRESSION}`,
      ]);
      const line = java.stdout.split('\n').find((l) => l.includes(`${MESSAGES} records sent`));
      const rate = line ? Number(/([\d.]+) records\/sec/.exec(line)?.[1]) : Number.NaN;
      if (java.code !== 0 || !Number.isFinite(rate)) throw new Error(`ProducerPerformance failed (${java.code ?? 'killed'}): ${java.stderr.slice(-500)}`);
      javaRates.push(rate);
      console.log(`run ${run}: KafkaService ${fmt(oursRates.at(-1) ?? 0)} msg/s (${fmt(ms)} ms)   ProducerPerformance ${fmt(rate)} msg/s (JVM run ${fmt(java.ms)} ms)`);
    }
  } finally {
    await removeTestTopics(service, [ours, theirs]);
    await service.dispose();
  }
  const oursMedian = median(oursRates);
  const javaMedian = median(javaRates);
  console.log('');
  console.log(`median KafkaService.produce:   ${fmt(oursMedian)} msg/s  (${fmt((oursMedian * SIZE) / 1024 / 1024, 1)} MiB/s)  target >= 100,000: ${oursMedian >= 100_000 ? 'met' : 'NOT met'}`);
  console.log(`median ProducerPerformance:    ${fmt(javaMedian)} msg/s  (${fmt((javaMedian * SIZE) / 1024 / 1024, 1)} MiB/s)`);
  console.log(`ratio KafkaService / ProducerPerformance: ${fmt(oursMedian / javaMedian, 2)}   (${loadNote()} at the end)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
