/**
 * The Message Inspector's host side with 100,000 messages of about 1 KB, driven as its panel
 * drives it: KafkaInspectorSource.start (KafkaService.browse into the bounded MessageBuffer),
 * the first page of rows the webview asks for (rows(0, 100), decoded previews), all rows
 * loaded, a page in the middle, text searches over the whole buffer (fresh ones, and a query
 * typed letter by letter, which refines the previous matches), and the host's memory with the
 * buffer full. Beside it, `kcat -C` reads the same topic from the beginning to the end in the
 * same run, and the ratio of the two rates is printed. Targets (issue 3): first rows < 300 ms,
 * all loaded < 5 s, host memory < 300 MB.
 *
 *   node --expose-gc --import tsx bench/inspector.ts [--messages=100000] [--runs=3] [--partitions=3]
 *
 * Each inspector run is a fresh child process (so one run's garbage is not the next run's
 * memory), and so is an "empty" Node process for the baseline. Memory is judged on the whole
 * child process's RSS with all messages loaded, after a forced GC: that is what the extension
 * host pays. Printed beside it: RSS before reading (Node, tsx, kafkajs, faker and our modules
 * loaded, connected), V8 heap used and external memory (Buffers and external strings) before
 * and after, so the buffer's own cost is the growth. The topic is made once
 * (bench-inspector-<N>-1k, kept for later runs) with values of generated test data padded to
 * 1,000 bytes of JSON. "First rows" is from start() to the moment rows(0, 100) returns a full
 * page, as the webview's first request would.
 */
import { spawn } from 'node:child_process';
import { generateTestData } from '../src/kafka/testData';
import type { ProduceMessage } from '../src/kafka/types';
import { KafkaInspectorSource } from '../src/panels/kafkaInspectorSource';
import type { InspectorStatus } from '../src/shared/protocol';
import { silentLogger } from '../src/shared/logger';
import { BROKER, flag, fmt, loadNote, localService, median, mib, timed } from './lib/kafkaBench';

const MESSAGES = flag('messages', 100_000);
const RUNS = flag('runs', 3);
const PARTITIONS = flag('partitions', 3);
const SIZE = 1000;
const FIRST_PAGE = 100;
const CHILD = process.argv.includes('--child');

const topic = `bench-inspector-${MESSAGES}-1k`;

/** Fresh searches: a key (few rows), a value field (a third of the rows), text in no row, upper case. */
const SEARCHES = ['order-4242', '"status":"paid"', 'no-such-text-anywhere', 'ORDER-99999'];
/** A query typed letter by letter: each keystroke is one setFilter, as the webview sends them. */
const TYPED = 'order-4242';

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
async function ensureTopic(service: ReturnType<typeof localService>): Promise<void> {
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
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('Run with node --expose-gc: the memory figures are taken after a forced GC.');
  collect();
  collect();
}

interface Memory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
}

function memory(): Memory {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external };
}

interface InspectorRun {
  firstRowsMs: number;
  allMs: number;
  pageMs: number;
  /** Median of the fresh searches, each from no filter. */
  searchMs: number;
  searchMatches: number[];
  /** Median and slowest keystroke of the typed query. */
  typedMedianMs: number;
  typedMaxMs: number;
  typedMatched: number;
  partitionMs: number;
  before: Memory;
  after: Memory;
}

function timeFilter(source: KafkaInspectorSource, text: string, partitions: number[] = []): { ms: number; matched: number } {
  const started = performance.now();
  const { matched } = source.setFilter({ text, partitions });
  return { ms: performance.now() - started, matched };
}

/** Child-process mode: one inspector run; prints its figures as JSON on the last line. */
async function inspectorRun(): Promise<void> {
  const service = localService();
  const source = new KafkaInspectorSource({ service: () => Promise.resolve(service), connection: 'bench', topic, log: silentLogger });
  await source.describe();
  const before = memory();
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
  const after = memory();

  const pageStarted = performance.now();
  const middle = Math.floor(MESSAGES / 2);
  const page = source.rows(middle, middle + FIRST_PAGE);
  const pageMs = performance.now() - pageStarted;
  if (page.rows.length !== FIRST_PAGE) throw new Error('a page in the middle came back short');

  const searchTimes: number[] = [];
  const searchMatches: number[] = [];
  for (let repeat = 0; repeat < 3; repeat++) {
    for (const text of SEARCHES) {
      source.setFilter({ text: '', partitions: [] });
      const { ms, matched } = timeFilter(source, text);
      searchTimes.push(ms);
      if (repeat === 0) searchMatches.push(matched);
    }
  }
  source.setFilter({ text: '', partitions: [] });
  const typedTimes: number[] = [];
  let typedMatched = 0;
  for (let i = 1; i <= TYPED.length; i++) {
    const { ms, matched } = timeFilter(source, TYPED.slice(0, i));
    typedTimes.push(ms);
    typedMatched = matched;
  }
  source.setFilter({ text: '', partitions: [] });
  const partitionMs = timeFilter(source, '', [1]).ms;
  source.dispose();
  await service.dispose();
  const run: InspectorRun = {
    firstRowsMs, allMs, pageMs,
    searchMs: median(searchTimes), searchMatches,
    typedMedianMs: median(typedTimes), typedMaxMs: Math.max(...typedTimes), typedMatched,
    partitionMs, before, after,
  };
  console.log(JSON.stringify(run));
}

/** RSS of a Node process that loaded nothing, after a GC: the floor under every figure. */
async function emptyProcessRss(): Promise<number> {
  const script = 'globalThis.gc(); globalThis.gc(); console.log(process.memoryUsage().rss)';
  const run = await timed(process.execPath, ['--expose-gc', '-e', script]);
  return Number(run.stdout.trim());
}

function childRun(): Promise<InspectorRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', process.argv[1] ?? 'bench/inspector.ts', '--child', `--messages=${MESSAGES}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`the inspector run failed (exit ${code ?? 'killed'}): ${stderr.slice(-500)}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as InspectorRun);
    });
  });
}

async function kcatRun(): Promise<number> {
  const run = await timed('kcat', ['-b', BROKER, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n'], true);
  if (run.code !== 0) throw new Error(`kcat failed: ${run.stderr}`);
  return run.ms;
}

async function main(): Promise<void> {
  const service = localService();
  try {
    await ensureTopic(service);
  } finally {
    await service.dispose();
  }
  const empty = await emptyProcessRss();
  console.log(`Message Inspector (host side) vs kcat -C: ${fmt(MESSAGES)} messages of ~${SIZE} bytes on ${BROKER}, ${PARTITIONS} partitions, ${RUNS} runs each (interleaved, each inspector run in a fresh process); ${loadNote()}`);
  console.log(`empty Node process (nothing loaded, after GC): RSS ${mib(empty)}`);
  const runs: InspectorRun[] = [];
  const kcatMs: number[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const r = await childRun();
    runs.push(r);
    const k = await kcatRun();
    kcatMs.push(k);
    console.log(`run ${i}: first ${FIRST_PAGE} rows ${fmt(r.firstRowsMs)} ms, all ${fmt(r.allMs)} ms (${fmt((MESSAGES / r.allMs) * 1000)} msgs/s), page ${fmt(r.pageMs, 2)} ms, `
      + `search median ${fmt(r.searchMs, 1)} ms (matches ${r.searchMatches.join('/')}), typed "${TYPED}" median ${fmt(r.typedMedianMs, 1)} ms max ${fmt(r.typedMaxMs, 1)} ms (${r.typedMatched} match), partition ${fmt(r.partitionMs, 1)} ms | `
      + `RSS ${mib(r.before.rss)} -> ${mib(r.after.rss)}, heap ${mib(r.before.heapUsed)} -> ${mib(r.after.heapUsed)} (committed ${mib(r.after.heapTotal)}), external ${mib(r.before.external)} -> ${mib(r.after.external)} | kcat ${fmt(k)} ms (${fmt((MESSAGES / k) * 1000)} msgs/s)`);
  }
  const m = (pick: (r: InspectorRun) => number): number => median(runs.map(pick));
  const inspectorRate = (MESSAGES / m((r) => r.allMs)) * 1000;
  const kcatRate = (MESSAGES / median(kcatMs)) * 1000;
  const rss = m((r) => r.after.rss);
  const target = 300 * 1000 * 1000;
  console.log('');
  console.log(`median first rows visible (rows 0-${FIRST_PAGE} ready): ${fmt(m((r) => r.firstRowsMs))} ms   (target < 300 ms)`);
  console.log(`median all ${fmt(MESSAGES)} loaded:                 ${fmt(m((r) => r.allMs))} ms   (target < 5,000 ms)`);
  console.log(`median page of ${FIRST_PAGE} rows in the middle:       ${fmt(m((r) => r.pageMs), 2)} ms`);
  console.log(`median text search over ${fmt(MESSAGES)} (fresh):     ${fmt(m((r) => r.searchMs), 1)} ms   (${SEARCHES.map((s) => `"${s}"`).join(', ')}; 3 times each)`);
  console.log(`typing "${TYPED}" (one search a key):     median ${fmt(m((r) => r.typedMedianMs), 1)} ms, slowest key ${fmt(m((r) => r.typedMaxMs), 1)} ms`);
  console.log(`partition filter:                          ${fmt(m((r) => r.partitionMs), 1)} ms`);
  console.log(`median host process RSS, all loaded:       ${mib(rss)} = ${fmt(rss / 1e6)} MB   (target < 300 MB: ${rss < target ? 'met' : `NOT met, over by ${fmt((rss - target) / 1e6)} MB`})`);
  console.log(`  of which before reading (Node + modules): ${mib(m((r) => r.before.rss))} (empty Node: ${mib(empty)}); growth while reading ${mib(m((r) => r.after.rss - r.before.rss))}`);
  console.log(`  V8 heap used ${mib(m((r) => r.before.heapUsed))} -> ${mib(m((r) => r.after.heapUsed))}, external ${mib(m((r) => r.before.external))} -> ${mib(m((r) => r.after.external))}`);
  console.log(`median read rate: inspector ${fmt(inspectorRate)} msgs/s, kcat -C ${fmt(kcatRate)} msgs/s, ratio inspector/kcat ${fmt(inspectorRate / kcatRate, 2)}`);
}

if (CHILD) {
  inspectorRun().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
} else {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
