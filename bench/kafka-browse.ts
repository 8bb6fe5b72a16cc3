/**
 * Inspector read speed and memory: fills a topic with 100,000 messages of about 1 KB, then
 * times KafkaService.browse (from the beginning, maxMessages 100,000, partitions assigned,
 * no group) into a MessageBuffer, each record written into it as it is decoded (the buffer
 * is the read's sink, as in the inspector): time to the first batch, time to all, and the process's
 * RSS and heap afterwards, beside `kcat -C -o beginning -e -q -c 100000 > /dev/null` reading
 * the same topic in the same run (interleaved). Prints each run, medians and the ratio.
 * Targets: first rows < 300 ms, all < 5 s, memory < 300 MB. The topic is filled by one child
 * process and each read runs in a fresh child process, so a read's memory figures are its
 * own: the RSS after the read, and its growth over the RSS before it (what the inspector
 * adds to an extension host, whose own baseline is not ours to count).
 *
 *   node --import tsx bench/kafka-browse.ts [--messages=100000] [--runs=5] [--partitions=3]
 */
import { spawnSync } from 'node:child_process';
import { MessageBuffer } from '../src/kafka/messageBuffer';
import { generateTestData } from '../src/kafka/testData';
import type { ProduceMessage } from '../src/kafka/types';
import { BROKER, flag, fmt, loadNote, localService, median, mib, timed, uniqueTopic } from './lib/kafkaBench';
import { removeTestTopics } from '../test/support/testTopics';

const MESSAGES = flag('messages', 100_000);
const RUNS = flag('runs', 5);
const PARTITIONS = flag('partitions', 3);
const VALUE_BYTES = 1024;

const gc = (globalThis as { gc?: () => void }).gc;

function kilobyteMessages(count: number): ProduceMessage[] {
  const generated = generateTestData('order', Math.min(count, 1000), { seed: 2 });
  return Array.from({ length: count }, (_, i) => {
    const g = generated[i % generated.length];
    const fields: Record<string, unknown> = { ...(g?.value ?? {}), seq: i };
    const bare = JSON.stringify({ ...fields, pad: '' }).length;
    return { key: g?.key ?? null, value: JSON.stringify({ ...fields, pad: 'x'.repeat(Math.max(0, VALUE_BYTES - bare)) }) };
  });
}

const FILL_TOPIC = process.argv.find((a) => a.startsWith('--fill-topic='))?.split('=')[1];
const BROWSE_TOPIC = process.argv.find((a) => a.startsWith('--browse-topic='))?.split('=')[1];

interface ReadFigures {
  firstMs: number;
  allMs: number;
  rssBefore: number;
  rssAfter: number;
  heapAfter: number;
  bufferBytes: number;
}

/** Child-process mode: one timed read into a MessageBuffer; prints its figures as JSON. */
async function browseOnce(topic: string): Promise<void> {
  const service = localService();
  try {
    await service.describeCluster(); // connect first: a warm admin connection, as in the editor
    gc?.();
    const rssBefore = process.memoryUsage().rss;
    const buffer = new MessageBuffer({ maxRecords: MESSAGES, maxBytes: 300 * 1024 * 1024 });
    const started = performance.now();
    let firstMs = 0;
    const summary = await service.browse({
      topic,
      start: { kind: 'beginning' },
      maxMessages: MESSAGES,
      follow: false,
      signal: new AbortController().signal,
      sink: buffer.sink(topic, () => {
        if (firstMs === 0) firstMs = performance.now() - started;
      }),
    });
    const allMs = performance.now() - started;
    if (summary.delivered !== MESSAGES || buffer.size !== MESSAGES) throw new Error(`Read ${summary.delivered}, buffer holds ${buffer.size}`);
    const memory = process.memoryUsage();
    const figures: ReadFigures = { firstMs, allMs, rssBefore, rssAfter: memory.rss, heapAfter: memory.heapUsed + memory.external, bufferBytes: buffer.bytes };
    console.log(JSON.stringify(figures));
  } finally {
    await service.dispose();
  }
}

/** Child-process mode: produce the messages to the topic and exit. */
async function fillTopic(topic: string): Promise<void> {
  const service = localService();
  try {
    const fill = await service.produce(kilobyteMessages(MESSAGES), { topic });
    if (fill.sent !== MESSAGES) throw new Error(`Filled only ${fill.sent} of ${MESSAGES}: ${fill.errors[0]?.message ?? ''}`);
  } finally {
    await service.dispose();
  }
}

async function main(): Promise<void> {
  if (FILL_TOPIC !== undefined) {
    await fillTopic(FILL_TOPIC);
    return;
  }
  if (BROWSE_TOPIC !== undefined) {
    await browseOnce(BROWSE_TOPIC);
    return;
  }
  const service = localService();
  const topic = uniqueTopic('bench-browse');
  await service.createTopic({ name: topic, partitions: PARTITIONS, replicationFactor: 1 });
  try {
    const filled = spawnSync(process.execPath, [...process.execArgv, process.argv[1] ?? 'bench/kafka-browse.ts', `--fill-topic=${topic}`, `--messages=${MESSAGES}`], { stdio: 'inherit' });
    if (filled.status !== 0) throw new Error(`Filling the topic failed (exit ${filled.status ?? 'killed'})`);
    const details = await service.describeTopic(topic);
    console.log(`Topic ${topic}: ${details.messageEstimate} messages of ~${VALUE_BYTES} B in ${PARTITIONS} partitions on ${BROKER}; ${RUNS} runs each (interleaved); ${loadNote()}`);

    const first: number[] = [];
    const all: number[] = [];
    const rss: number[] = [];
    const growth: number[] = [];
    const kcatMs: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const child = await timed(process.execPath, ['--expose-gc', ...process.execArgv.filter((a) => a !== '--expose-gc'), process.argv[1] ?? 'bench/kafka-browse.ts', `--browse-topic=${topic}`, `--messages=${MESSAGES}`]);
      if (child.code !== 0) throw new Error(`The read failed: ${child.stderr.slice(-500)}`);
      const figures = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as ReadFigures;
      first.push(figures.firstMs);
      all.push(figures.allMs);
      rss.push(figures.rssAfter);
      growth.push(figures.rssAfter - figures.rssBefore);

      const k = await timed('kcat', ['-C', '-b', BROKER, '-t', topic, '-o', 'beginning', '-e', '-q', '-c', String(MESSAGES)], true);
      if (k.code !== 0) throw new Error(`kcat failed: ${k.stderr}`);
      kcatMs.push(k.ms);
      console.log(
        `run ${run}: browse first batch ${fmt(figures.firstMs)} ms, all ${fmt(figures.allMs)} ms (${fmt((MESSAGES / figures.allMs) * 1000)} msg/s), buffer ${mib(figures.bufferBytes)}, RSS ${mib(figures.rssBefore)} -> ${mib(figures.rssAfter)} (+${mib(figures.rssAfter - figures.rssBefore)}), heap+external ${mib(figures.heapAfter)}   kcat ${fmt(k.ms)} ms (${fmt((MESSAGES / k.ms) * 1000)} msg/s)`,
      );
    }
    const mAll = median(all);
    const mKcat = median(kcatMs);
    console.log('');
    console.log(`median first batch:   ${fmt(median(first))} ms   target < 300 ms: ${median(first) < 300 ? 'met' : 'NOT met'}`);
    console.log(`median all ${fmt(MESSAGES)}:   ${fmt(mAll)} ms (${fmt((MESSAGES / mAll) * 1000)} msg/s)   target < 5,000 ms: ${mAll < 5000 ? 'met' : 'NOT met'}`);
    console.log(`median RSS growth:    ${mib(median(growth))} during the read (whole process after: ${mib(median(rss))})   target < 300 MB: ${median(growth) < 300 * 1024 * 1024 ? 'met' : 'NOT met'}`);
    console.log(`median kcat -C:       ${fmt(mKcat)} ms (${fmt((MESSAGES / mKcat) * 1000)} msg/s)`);
    console.log(`ratio browse time / kcat time: ${fmt(mAll / mKcat, 2)} (kcat is ${fmt(mAll / mKcat, 2)}x as fast; it writes to /dev/null and keeps nothing)   (${loadNote()} at the end)`);
  } finally {
    await removeTestTopics(service, [topic]);
    await service.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
