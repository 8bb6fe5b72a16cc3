/**
 * The Message Inspector's host side with 100,000 messages of about 1 KB, driven as its panel
 * drives it: KafkaInspectorSource.start (KafkaService.browse into the bounded MessageBuffer),
 * the first page of rows the webview asks for (rows(0, 100), decoded previews), all rows
 * loaded, a page in the middle, a text filter over the whole buffer, and the host's memory
 * with the buffer full. Beside it, `kcat -C` reads the same topic from the beginning to the
 * end in the same run, and the ratio of the two rates is printed. Targets (issue 3): first
 * rows < 300 ms, all loaded < 5 s, host memory < 300 MB.
 *
 *   node --expose-gc --import tsx bench/inspector.ts [--messages=100000] [--runs=3] [--partitions=3]
 *
 * The topic is made once (bench-inspector-<N>-1k, kept for later runs) with values of
 * generated test data padded to 1,000 bytes of JSON. "First rows" is from start() to the
 * moment rows(0, 100) returns a full page, as the webview's first request would. Memory is the
 * process's RSS and its JS heap + external memory (Buffers), after a GC, with the buffer full, and
 * their growth over the same figures taken just before reading (what the buffer costs; the
 * rest is Node, kafkajs and faker, which the editor's extension host has loaded anyway).
 */
import { generateTestData } from '../src/kafka/testData';
import type { ProduceMessage } from '../src/kafka/types';
import { KafkaInspectorSource } from '../src/panels/kafkaInspectorSource';
import type { InspectorStatus } from '../src/shared/protocol';
import { silentLogger } from '../src/shared/logger';
import { BROKER, flag, fmt, localService, median, mib, timed } from './lib/kafkaBench';

const MESSAGES = flag('messages', 100_000);
const RUNS = flag('runs', 3);
const PARTITIONS = flag('partitions', 3);
const SIZE = 1000;
const FIRST_PAGE = 100;

const service = localService();
const topic = `bench-inspector-${MESSAGES}-1k`;

function valuesOf1k(count: number): ProduceMessage[] {
  const generated = generateTestData('order', 500, { seed: 7 });
  return Array.from({ length: count }, (_, i) => {
    const source: Record<string, unknown> = generated[i % generated.length]?.value ?? {};
    const fields = { data_type: source['data_type'], id: source['id'], seq: i, customer: source['customer'], status: source['status'] };
    const bare = JSON.stringify({ ...fields, pad: '' }).length;
    return { key: `order-${i}`, value: JSON.stringify({ ...fields, pad: 'x'.repeat(Math.max(0, SIZE - bare)) }) };
  });
}

/** Makes the topic with exactly MESSAGES messages, unless it is there already. */
async function ensureTopic(): Promise<void> {
  const existing = (await service.listTopics()).find((t) => t.name === topic);
  if (existing) {
    const details = await service.describeTopic(topic);
    if (details.messageEstimate === String(MESSAGES)) return;
    await service.deleteTopic(topic);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  await service.createTopic({ name: topic, partitions: PARTITIONS, replicationFactor: 1 });
  const result = await service.produce(valuesOf1k(MESSAGES), { topic });
  if (result.sent !== MESSAGES) throw new Error(`wrote ${result.sent} of ${MESSAGES}: ${result.errors[0]?.message ?? ''}`);
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

interface InspectorRun {
  firstRowsMs: number;
  allMs: number;
  pageMs: number;
  filterMs: number;
  matched: number;
  rssBytes: number;
  heapBytes: number;
  /** Growth over the same figures just before reading. */
  rssGrowth: number;
  heapGrowth: number;
}

async function inspectorRun(): Promise<InspectorRun> {
  gc();
  const source = new KafkaInspectorSource({ service: () => Promise.resolve(service), connection: 'bench', topic, log: silentLogger });
  await source.describe();
  gc();
  const before = process.memoryUsage();
  const started = performance.now();
  let firstRowsMs = 0;
  const done = new Promise<InspectorStatus>((resolve, reject) => {
    source.onDidChange(() => {
      const status = source.status();
      if (firstRowsMs === 0 && status.matched >= FIRST_PAGE && source.rows(0, FIRST_PAGE).rows.length === FIRST_PAGE) {
        firstRowsMs = performance.now() - started;
      }
      if (status.state === 'done') resolve(status);
      if (status.state === 'error') reject(new Error(status.message));
    });
  });
  source.start({ start: 'beginning', startValue: '', partitions: [], maxMessages: MESSAGES, follow: false });
  const status = await done;
  const allMs = performance.now() - started;
  if (status.loaded !== MESSAGES) throw new Error(`the inspector loaded ${status.loaded} of ${MESSAGES}`);

  const pageStarted = performance.now();
  const middle = Math.floor(MESSAGES / 2);
  const page = source.rows(middle, middle + FIRST_PAGE);
  const pageMs = performance.now() - pageStarted;
  if (page.rows.length !== FIRST_PAGE) throw new Error('a page in the middle came back short');

  const filterStarted = performance.now();
  const { matched } = source.setFilter({ text: 'order-4242', partitions: [] });
  const filterMs = performance.now() - filterStarted;
  source.setFilter({ text: '', partitions: [] });

  gc();
  const memory = process.memoryUsage();
  // `external` includes `arrayBuffers` (the Buffers of keys and values).
  const heapOf = (m: NodeJS.MemoryUsage): number => m.heapUsed + m.external;
  const result = {
    firstRowsMs, allMs, pageMs, filterMs, matched,
    rssBytes: memory.rss, heapBytes: heapOf(memory), rssGrowth: memory.rss - before.rss, heapGrowth: heapOf(memory) - heapOf(before),
  };
  source.dispose();
  return result;
}

async function kcatRun(): Promise<number> {
  const run = await timed('kcat', ['-b', BROKER, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n'], true);
  if (run.code !== 0) throw new Error(`kcat failed: ${run.stderr}`);
  return run.ms;
}

async function main(): Promise<void> {
  await ensureTopic();
  console.log(`Message Inspector (host side) vs kcat -C: ${fmt(MESSAGES)} messages of ~${SIZE} bytes on ${BROKER}, ${PARTITIONS} partitions, ${RUNS} runs each (interleaved)`);
  const runs: InspectorRun[] = [];
  const kcatMs: number[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const r = await inspectorRun();
    runs.push(r);
    const k = await kcatRun();
    kcatMs.push(k);
    console.log(`run ${i}: inspector first ${FIRST_PAGE} rows ${fmt(r.firstRowsMs)} ms, all ${fmt(r.allMs)} ms (${fmt((MESSAGES / r.allMs) * 1000)} msgs/s), page ${fmt(r.pageMs, 2)} ms, filter ${fmt(r.filterMs)} ms (${r.matched} match), RSS ${mib(r.rssBytes)} (+${mib(r.rssGrowth)}), heap+external ${mib(r.heapBytes)} (+${mib(r.heapGrowth)}) | kcat ${fmt(k)} ms (${fmt((MESSAGES / k) * 1000)} msgs/s)`);
  }
  const m = (pick: (r: InspectorRun) => number): number => median(runs.map(pick));
  const inspectorRate = (MESSAGES / m((r) => r.allMs)) * 1000;
  const kcatRate = (MESSAGES / median(kcatMs)) * 1000;
  console.log('');
  console.log(`median first rows visible (rows 0-${FIRST_PAGE} ready): ${fmt(m((r) => r.firstRowsMs))} ms   (target < 300 ms)`);
  console.log(`median all ${fmt(MESSAGES)} loaded:                 ${fmt(m((r) => r.allMs))} ms   (target < 5,000 ms)`);
  console.log(`median page of ${FIRST_PAGE} rows in the middle:       ${fmt(m((r) => r.pageMs), 2)} ms`);
  console.log(`median text filter over the buffer:        ${fmt(m((r) => r.filterMs))} ms`);
  console.log(`median host memory with the buffer full:   RSS ${mib(m((r) => r.rssBytes))}, heap+external ${mib(m((r) => r.heapBytes))}   (target < 300 MB)`);
  console.log(`median growth while reading (the buffer):   RSS +${mib(m((r) => r.rssGrowth))}, heap+external +${mib(m((r) => r.heapGrowth))}`);
  console.log(`median read rate: inspector ${fmt(inspectorRate)} msgs/s, kcat -C ${fmt(kcatRate)} msgs/s, ratio inspector/kcat ${fmt(inspectorRate / kcatRate, 2)}`);
}

main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  .finally(() => { void service.dispose(); });
