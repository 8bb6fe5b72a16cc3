/**
 * One read of bench/inspector.ts, in a process of its own: KafkaInspectorSource reads the
 * topic from the beginning as the panel has it read, then pages and searches are timed. The
 * parent bundles this file with esbuild and runs the bundle with plain node, as the editor's
 * extension host runs the extension's bundle (under tsx the process would carry tsx's loader
 * thread and compiled sources, ~55 MB that no user pays). It prints `read-start` and
 * `read-end` when the read starts and ends (the parent samples its RSS in between), then
 * its figures as JSON on the last line, and always closes its connections and exits.
 *
 *   node --expose-gc <bundle> --topic=NAME --messages=N --memory-mb=256 --when-full=keepNewest|stop
 */
import { readFileSync } from 'node:fs';
import { KafkaInspectorSource } from '../../src/panels/kafkaInspectorSource';
import type { InspectorStatus, InspectorWhenFull } from '../../src/shared/protocol';
import { silentLogger } from '../../src/shared/logger';
import { flag, localService, median } from './kafkaBench';

const MESSAGES = flag('messages', 100_000);
const MEMORY_MB = flag('memory-mb', 256);
const WHEN_FULL: InspectorWhenFull = process.argv.includes('--when-full=stop') ? 'stop' : 'keepNewest';
const TOPIC = process.argv.find((a) => a.startsWith('--topic='))?.split('=')[1];
export const FIRST_PAGE = 100;
export const CHILD_TIMEOUT_MS = 10 * 60_000;
/** Fresh searches: a key (few rows), a value field (a fifth of the rows), text in no row, upper case. */
export const SEARCHES = ['order-4242', '"status":"paid"', 'no-such-text-anywhere', 'ORDER-99999'];
/** A query typed letter by letter: each keystroke is one setFilter, as the webview sends them. */
export const TYPED = 'order-4242';
/** Where in the buffer pages are asked for (share of the rows held). */
const PAGE_AT = [0, 0.25, 0.5, 0.75, 1];

/** RSS and its high-water mark of a process, from /proc (bytes); undefined once it is gone. */
export function procMemory(pid: number | 'self'): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

function gcTwice(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('Run with node --expose-gc: the memory after the read is taken after a forced GC.');
  collect();
  collect();
}

export interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

function memory(): Memory {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

export interface InspectorRun {
  firstRowsMs: number;
  allMs: number;
  /** CPU time of the read (user and system). */
  allCpuMs: number;
  read: number;
  held: number;
  heldBytes: number;
  status: string;
  /** Slowest and median page of 100 rows at PAGE_AT (each position's median of three tries). */
  pageMaxMs: number;
  pageMedianMs: number;
  /** CPU time of the slowest page and search (the process's own work, whatever else the machine runs). */
  pageCpuMaxMs: number;
  searchCpuMaxMs: number;
  /** Median of all fresh searches (each from no filter), and the slowest query's median of its three runs. */
  searchMs: number;
  searchMaxMs: number;
  searchMatches: number[];
  typedMedianMs: number;
  typedMaxMs: number;
  typedMatched: number;
  partitionMs: number;
  before: Memory;
  /** Right at the end of the read, before any forced GC. */
  atEnd: Memory;
  /** After the read, its garbage collected. */
  after: Memory;
  /** The kernel's high-water mark of the child's RSS when the read ended. */
  hwm: number;
  /** Filled in by the parent: the largest RSS it sampled between the child's read-start and read-end lines. */
  sampledPeak: number;
}

/** This process's CPU time in ms (user and system): beside the wall time, what the work itself took on a busy machine. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function timeFilter(source: KafkaInspectorSource, text: string, partitions: number[] = []): { ms: number; cpu: number; matched: number } {
  const cpu = cpuMs();
  const started = performance.now();
  const { matched } = source.setFilter({ text, partitions });
  return { ms: performance.now() - started, cpu: cpuMs() - cpu, matched };
}

/** Child-process mode: one inspector read; prints read-start and read-end as they happen, then its figures as JSON. */
async function inspectorRun(topic: string): Promise<void> {
  const service = localService();
  const source = new KafkaInspectorSource({ service: () => Promise.resolve(service), connection: 'bench', topic, log: silentLogger, maxBytes: MEMORY_MB * 1024 * 1024 });
  const guard = setTimeout(() => {
    console.error(`the read did not end within ${CHILD_TIMEOUT_MS / 1000} s; last status: ${source.status().message}`);
    process.exit(3);
  }, CHILD_TIMEOUT_MS);
  try {
    await source.describe();
    gcTwice();
    const before = memory();
    console.log('read-start');
    const started = performance.now();
    const readCpu = cpuMs();
    let firstRowsMs = 0;
    const done = new Promise<InspectorStatus>((resolve, reject) => {
      source.onDidChange(() => {
        const status = source.status();
        if (firstRowsMs === 0 && status.matched >= FIRST_PAGE && source.rows(0, FIRST_PAGE).rows.length === FIRST_PAGE) {
          firstRowsMs = performance.now() - started;
        }
        if (status.state === 'done' || status.state === 'stopped') resolve(status);
        if (status.state === 'error') reject(new Error(status.message));
      });
    });
    source.start({ start: 'beginning', startValue: '', partitions: [], maxMessages: MESSAGES, follow: false, whenFull: WHEN_FULL });
    const status = await done;
    const allMs = performance.now() - started;
    const allCpuMs = cpuMs() - readCpu;
    const atEnd = memory();
    const hwm = procMemory('self')?.hwm ?? 0;
    console.log('read-end');
    const read = Number(/^(?:Read(?: all)?|Stopped at the .* after the first) ([\d,]+) message/.exec(status.message)?.[1]?.replace(/,/g, '') ?? Number.NaN);
    if (WHEN_FULL === 'keepNewest' && read !== MESSAGES) throw new Error(`the inspector did not read all ${MESSAGES} messages: "${status.message}"`);
    gcTwice();
    await new Promise((resolve) => setTimeout(resolve, 200));
    gcTwice();
    const after = memory();

    // Each page three times; a position's figure is its median (one slow try on a busy machine is the scheduler's, not the page's).
    const pageTimes: number[] = [];
    const pageCpu: number[] = [];
    for (const share of PAGE_AT) {
      const from = Math.max(0, Math.min(status.loaded - FIRST_PAGE, Math.floor(status.loaded * share)));
      const tries: number[] = [];
      const triesCpu: number[] = [];
      for (let repeat = 0; repeat < 3; repeat++) {
        const cpu = cpuMs();
        const pageStarted = performance.now();
        const page = source.rows(from + repeat, from + repeat + FIRST_PAGE);
        tries.push(performance.now() - pageStarted);
        triesCpu.push(cpuMs() - cpu);
        if (page.rows.length !== Math.min(FIRST_PAGE, status.loaded - from - repeat)) throw new Error(`the page at row ${from + repeat} came back with ${page.rows.length} rows`);
      }
      pageTimes.push(median(tries));
      pageCpu.push(median(triesCpu));
    }

    // Each search three times from no filter; a query's figure is its median.
    const searchTimes: number[] = [];
    const searchCpu: number[] = [];
    const searchMatches: number[] = [];
    const perQuery = SEARCHES.map(() => ({ ms: [] as number[], cpu: [] as number[] }));
    for (let repeat = 0; repeat < 3; repeat++) {
      SEARCHES.forEach((text, q) => {
        source.setFilter({ text: '', partitions: [] });
        const { ms, cpu, matched } = timeFilter(source, text);
        searchTimes.push(ms);
        perQuery[q]?.ms.push(ms);
        perQuery[q]?.cpu.push(cpu);
        if (repeat === 0) searchMatches.push(matched);
      });
    }
    for (const q of perQuery) searchCpu.push(median(q.cpu));
    const slowestQuery = Math.max(...perQuery.map((q) => median(q.ms)));
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
    const run: InspectorRun = {
      firstRowsMs, allMs, allCpuMs, read, held: status.loaded, heldBytes: status.heldBytes, status: status.message,
      pageMaxMs: Math.max(...pageTimes), pageMedianMs: median(pageTimes), pageCpuMaxMs: Math.max(...pageCpu),
      searchMs: median(searchTimes), searchMaxMs: slowestQuery, searchCpuMaxMs: Math.max(...searchCpu), searchMatches,
      typedMedianMs: median(typedTimes), typedMaxMs: Math.max(...typedTimes), typedMatched,
      partitionMs, before, atEnd, after, hwm, sampledPeak: 0,
    };
    console.log(JSON.stringify(run));
  } finally {
    clearTimeout(guard);
    source.dispose();
    await service.dispose();
  }
}


// Run only as the bundle's entry (the parent imports this file for its types and constants).
if (process.argv.includes('--child')) {
  if (TOPIC === undefined) throw new Error('--child needs --topic=NAME');
  inspectorRun(TOPIC).catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
}
