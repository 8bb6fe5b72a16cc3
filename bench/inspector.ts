/**
 * The Message Inspector's host side on a topic of N messages of about 1 KB (100,000 by
 * default; run it with --messages=1000000 too), driven as its panel drives it:
 * KafkaInspectorSource.start from the beginning (Max messages N, "Keep the newest" when the
 * memory bound is reached), the first page of rows the webview asks for (rows(0, 100),
 * decoded previews), the read to the end of the topic, pages anywhere in the buffer, text
 * searches over the whole buffer (fresh ones, and a query typed letter by letter, which
 * refines the previous matches), a partition filter, and the host process's memory: its RSS
 * sampled every 50 ms from /proc while it reads (and the kernel's high-water mark), and after
 * the read once the garbage is collected. Searches and pages run three times each and count
 * by their median, beside their CPU time, since on a busy machine one try may wait for a
 * core. Beside it, `kcat -C` reads the same topic from the beginning to the end in the same
 * run (its RSS sampled the same way), and the ratio of the two rates is printed. A second
 * read with "Stop reading" shows what a bounded read of the first messages costs.
 *
 *   node --expose-gc --import tsx bench/inspector.ts [--messages=100000] [--runs=3] [--partitions=3] [--memory-mb=256] [--topic=NAME]
 *
 * Goals (issue 18), each printed as met or NOT met: the read at >= 0.5x kcat's rate, first
 * rows within 100 ms, peak RSS while reading <= the memory bound + 200 MB, RSS after the
 * read <= the bound + 100 MB, a search over the full buffer < 100 ms, a page anywhere < 5 ms.
 *
 * The topic (bench-inspector-<N>-<time>) is made and filled once per invocation, read by
 * every run, and removed at the end, also when a run fails; --topic=NAME reads an existing
 * topic instead and leaves it. Each inspector read is a fresh child process, so one run's
 * garbage is not the next run's memory; the child always closes its connections and exits,
 * and the parent kills a child that takes longer than 10 minutes, so the benchmark ends with
 * its figures or an error that says what went wrong.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { DEFAULT_BUFFER_LIMITS } from '../src/kafka/messageBuffer';
import type { ProduceMessage } from '../src/kafka/types';
import type { InspectorWhenFull } from '../src/shared/protocol';
import { removeTestTopics } from '../test/support/testTopics';
import { CHILD_TIMEOUT_MS, FIRST_PAGE, procMemory, SEARCHES, TYPED, type InspectorRun } from './lib/inspectorChild';
import { BROKER, flag, fmt, loadNote, localService, median, mib } from './lib/kafkaBench';

const MESSAGES = flag('messages', 100_000);
const RUNS = flag('runs', 3);
const PARTITIONS = flag('partitions', 3);
const MEMORY_MB = flag('memory-mb', DEFAULT_BUFFER_LIMITS.maxBytes / 1024 / 1024);
const BOUND = MEMORY_MB * 1024 * 1024;
const SIZE = 1000;
const SAMPLE_MS = 50;
const GIVEN_TOPIC = process.argv.find((a) => a.startsWith('--topic='))?.split('=')[1];

/** Generated orders padded to SIZE bytes of JSON (faker is loaded here only, not in the measured child). */
async function valuesOf1k(from: number, count: number): Promise<ProduceMessage[]> {
  const { generateTestData } = await import('../src/kafka/testData');
  const generated = generateTestData('order', 500, { seed: 7 });
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const source: Record<string, unknown> = generated[i % generated.length]?.value ?? {};
    const fields = { data_type: source['data_type'], id: source['id'], seq: i, customer: source['customer'], status: source['status'] };
    const bare = JSON.stringify({ ...fields, pad: '' }).length;
    return { key: `order-${i}`, value: JSON.stringify({ ...fields, pad: 'x'.repeat(Math.max(0, SIZE - bare)) }) };
  });
}

/** Makes and fills the topic, 100,000 messages a time (so the parent does not hold a gigabyte of values). */
async function makeTopic(service: ReturnType<typeof localService>, topic: string): Promise<number> {
  await service.createTopic({ name: topic, partitions: PARTITIONS, replicationFactor: 1 });
  const started = performance.now();
  const chunk = 100_000;
  for (let from = 0; from < MESSAGES; from += chunk) {
    const count = Math.min(chunk, MESSAGES - from);
    const result = await service.produce(await valuesOf1k(from, count), { topic });
    if (result.sent !== count) throw new Error(`wrote ${result.sent} of ${count} messages: ${result.errors[0]?.message ?? ''}`);
  }
  return performance.now() - started;
}

/**
 * Runs `command`, samples its RSS every 50 ms from /proc, and gives the largest sample taken
 * between the lines `read-start` and `read-end` on its stdout (or over its whole life when it
 * prints neither). Kills it after CHILD_TIMEOUT_MS.
 */
function sampled(command: string, args: string[], keepStdout: boolean): Promise<{ ms: number; code: number | null; stdout: string; stderr: string; peak: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let phase: 'before' | 'reading' | 'after' = 'before';
    const marks = keepStdout;
    let peak = 0;
    const sample = (): void => {
      const m = child.pid === undefined ? undefined : procMemory(child.pid);
      if (m && (!marks || phase === 'reading')) peak = Math.max(peak, m.rss);
    };
    const timer = setInterval(sample, SAMPLE_MS);
    const killer = setTimeout(() => { child.kill('SIGKILL'); }, CHILD_TIMEOUT_MS + 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (!keepStdout) return;
      stdout += chunk.toString();
      if (phase === 'before' && stdout.includes('read-start\n')) {
        phase = 'reading';
        sample();
      }
      if (phase === 'reading' && stdout.includes('read-end\n')) {
        sample();
        phase = 'after';
      }
    });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', (error) => {
      clearInterval(timer);
      clearTimeout(killer);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      clearTimeout(killer);
      resolve({ ms: performance.now() - started, code, stdout, stderr, peak });
    });
  });
}

/** Bundles bench/lib/inspectorChild.ts as the extension is bundled (esbuild, CommonJS, Node 20); returns the file and its folder. */
async function bundleChild(): Promise<{ file: string; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kaw-bench-inspector-'));
  const file = path.join(dir, 'inspectorChild.js');
  await build({ entryPoints: [path.join(__dirname, 'lib', 'inspectorChild.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: file, logLevel: 'warning' });
  return { file, dir };
}

async function childRun(bundle: string, topic: string, whenFull: InspectorWhenFull): Promise<InspectorRun> {
  const args = ['--expose-gc', bundle, '--child', `--topic=${topic}`, `--messages=${MESSAGES}`, `--memory-mb=${MEMORY_MB}`, `--when-full=${whenFull}`];
  const run = await sampled(process.execPath, args, true);
  if (run.code !== 0) throw new Error(`the inspector run failed (exit ${run.code ?? 'killed'}): ${run.stderr.slice(-800)}`);
  const figures = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as InspectorRun;
  figures.sampledPeak = run.peak;
  return figures;
}

async function kcatRun(topic: string): Promise<{ ms: number; peak: number }> {
  const run = await sampled('kcat', ['-b', BROKER, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n'], false);
  if (run.code !== 0) throw new Error(`kcat failed: ${run.stderr}`);
  return { ms: run.ms, peak: run.peak };
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

async function main(): Promise<void> {
  const service = localService();
  const topic = GIVEN_TOPIC ?? `bench-inspector-${MESSAGES}-${Date.now().toString(36)}`;
  const bundle = await bundleChild();
  try {
    if (GIVEN_TOPIC === undefined) {
      const fillMs = await makeTopic(service, topic);
      console.log(`made ${topic}: ${fmt(MESSAGES)} messages in ${fmt(fillMs / 1000, 1)} s`);
    }
    const details = await service.describeTopic(topic);
    if (details.messageEstimate !== String(MESSAGES)) throw new Error(`${topic} holds ${details.messageEstimate} messages, not ${MESSAGES}`);
    console.log(`Message Inspector (host side) vs kcat -C: ${fmt(MESSAGES)} messages of ~${SIZE} bytes on ${BROKER}, ${details.partitions} partitions, memory bound ${MEMORY_MB} MB, ${RUNS} runs each (interleaved, each inspector run in a fresh process; RSS sampled every ${SAMPLE_MS} ms); ${loadNote()}`);
    const runs: InspectorRun[] = [];
    const kcat: { ms: number; peak: number }[] = [];
    for (let i = 1; i <= RUNS; i++) {
      const r = await childRun(bundle.file, topic, 'keepNewest');
      runs.push(r);
      const k = await kcatRun(topic);
      kcat.push(k);
      console.log(`run ${i}: first ${FIRST_PAGE} rows ${fmt(r.firstRowsMs)} ms, all ${fmt(r.allMs)} ms (${fmt((MESSAGES / r.allMs) * 1000)} msg/s; CPU ${fmt(r.allCpuMs)} ms), held ${fmt(r.held)} rows (${mib(r.heldBytes)}), `
        + `page max ${fmt(r.pageMaxMs, 2)} ms (CPU ${fmt(r.pageCpuMaxMs, 2)}), search median ${fmt(r.searchMs, 1)} max ${fmt(r.searchMaxMs, 1)} ms (CPU ${fmt(r.searchCpuMaxMs, 1)}) (matches ${r.searchMatches.join('/')}), typed "${TYPED}" median ${fmt(r.typedMedianMs, 1)} max ${fmt(r.typedMaxMs, 1)} ms (${r.typedMatched} match), partition ${fmt(r.partitionMs, 1)} ms | `
        + `RSS before ${mib(r.before.rss)}, peak while reading ${mib(r.sampledPeak)} sampled / ${mib(r.hwm)} high-water, at the end ${mib(r.atEnd.rss)}, after GC ${mib(r.after.rss)} (heap ${mib(r.after.heapUsed)}, external ${mib(r.after.external)}) | `
        + `kcat ${fmt(k.ms)} ms (${fmt((MESSAGES / k.ms) * 1000)} msg/s, RSS peak ${mib(k.peak)})`);
      if (i === 1) console.log(`  status: ${r.status}`);
    }
    const stop = await childRun(bundle.file, topic, 'stop');
    console.log(`"Stop reading": ${fmt(stop.allMs)} ms to hold ${fmt(stop.held)} rows (${mib(stop.heldBytes)}), peak RSS ${mib(Math.max(stop.sampledPeak, stop.hwm))}; status: ${stop.status}`);

    const m = (pick: (r: InspectorRun) => number): number => median(runs.map(pick));
    const inspectorRate = (MESSAGES / m((r) => r.allMs)) * 1000;
    const kcatRate = (MESSAGES / median(kcat.map((k) => k.ms))) * 1000;
    const peak = Math.max(...runs.map((r) => Math.max(r.sampledPeak, r.hwm)));
    const after = Math.max(...runs.map((r) => r.after.rss));
    // Median over the runs of each run's slowest query (and page), the worst run beside it.
    const search = m((r) => r.searchMaxMs);
    const page = m((r) => r.pageMaxMs);
    const mb = (bytes: number): string => `${fmt(bytes / 1024 / 1024)} MB`;
    console.log('');
    console.log(`median read rate: inspector ${fmt(inspectorRate)} msg/s, kcat -C ${fmt(kcatRate)} msg/s: ratio ${fmt(inspectorRate / kcatRate, 2)}   (goal >= 0.5: ${verdict(inspectorRate / kcatRate >= 0.5)})`);
    console.log(`median first ${FIRST_PAGE} rows:        ${fmt(m((r) => r.firstRowsMs))} ms   (goal < 100 ms: ${verdict(m((r) => r.firstRowsMs) < 100)})`);
    console.log(`median all ${fmt(MESSAGES)} read:       ${fmt(m((r) => r.allMs))} ms (CPU ${fmt(m((r) => r.allCpuMs))} ms); rows held ${fmt(m((r) => r.held))} (${mib(m((r) => r.heldBytes))} of the ${MEMORY_MB} MB bound)`);
    console.log(`highest RSS while reading:  ${mb(peak)} (sampled and high-water mark; Node and modules before reading: ${mb(m((r) => r.before.rss))}; kcat ${mb(Math.max(...kcat.map((k) => k.peak)))})   (goal <= bound + 200 MB = ${mb(BOUND + 200 * 1024 * 1024)}: ${verdict(peak <= BOUND + 200 * 1024 * 1024)})`);
    console.log(`highest RSS after the read: ${mb(after)} after GC (at the read's end before GC: median ${mb(m((r) => r.atEnd.rss))})   (goal <= bound + 100 MB = ${mb(BOUND + 100 * 1024 * 1024)}: ${verdict(after <= BOUND + 100 * 1024 * 1024)})`);
    console.log(`slowest fresh search over ${fmt(m((r) => r.held))} rows: ${fmt(search, 1)} ms (the slowest query's median of 3, median over the runs; worst run ${fmt(Math.max(...runs.map((r) => r.searchMaxMs)), 1)} ms; CPU time at most ${fmt(Math.max(...runs.map((r) => r.searchCpuMaxMs)), 1)} ms; ${SEARCHES.map((s) => `"${s}"`).join(', ')})   (goal < 100 ms: ${verdict(search < 100)})`);
    console.log(`typing "${TYPED}" (one search a key): median ${fmt(m((r) => r.typedMedianMs), 1)} ms, slowest key ${fmt(Math.max(...runs.map((r) => r.typedMaxMs)), 1)} ms; partition filter ${fmt(m((r) => r.partitionMs), 1)} ms`);
    console.log(`slowest page of ${FIRST_PAGE} rows (at 0, 25, 50, 75, 100 % of the buffer, median of 3 each, median over the runs): ${fmt(page, 2)} ms (worst run ${fmt(Math.max(...runs.map((r) => r.pageMaxMs)), 2)} ms; CPU at most ${fmt(Math.max(...runs.map((r) => r.pageCpuMaxMs)), 2)} ms)   (goal < 5 ms: ${verdict(page < 5)})   (${loadNote()} at the end)`);
  } finally {
    rmSync(bundle.dir, { recursive: true, force: true });
    if (GIVEN_TOPIC === undefined) await removeTestTopics(service, [topic]).catch((error: unknown) => { console.error(`removing ${topic}: ${String(error)}`); });
    await service.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
