/**
 * Shared pieces of the cluster-scale benchmarks (bench/kafka-tree.ts, bench/kafka-groups.ts):
 * interleaved timing of named variants, Kafka's own Java tools run as their shell scripts run
 * them, the shared broker's memory and open files, and batched topic creation and deletion
 * that waits until the broker's metadata agrees.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { BROKER, fmt, kafkaToolsClassPath, median, timed } from './kafkaBench';

/** What one variant measured: a name, its work, its times, and the reference it is compared with. */
export interface Variant {
  what: string;
  work: () => Promise<unknown>;
  times: number[];
  /** Run only this many times (slow references such as a JVM tool); default every round. */
  rounds?: number;
  /** When set, `work` returns the milliseconds to record (it times only its own part, not its preparation). */
  timesItself?: boolean;
}

export function variant(what: string, work: () => Promise<unknown>, rounds?: number): Variant {
  return { what, work, times: [], ...(rounds === undefined ? {} : { rounds }) };
}

/**
 * Times every variant round by round after one warm-up round, each round in a new random
 * order, so a busy moment on the shared machine hits all variants alike rather than one of
 * them, and no variant always runs right after the same other one.
 */
export async function timeInterleaved(variants: Variant[], runs: number, onRound?: (round: number) => void): Promise<void> {
  for (const v of variants) await v.work();
  for (let round = 0; round < runs; round++) {
    const order = [...variants];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [order[i], order[j]] = [order[j] as Variant, order[i] as Variant];
    }
    for (const v of order) {
      if (v.rounds !== undefined && round >= v.rounds) continue;
      const started = performance.now();
      const result = await v.work();
      v.times.push(v.timesItself === true ? (result as number) : performance.now() - started);
    }
    onRound?.(round + 1);
  }
}

/** "412 ms (380–450)": the median and the range of a variant's times. */
export function figure(v: Variant): string {
  return `${fmt(median(v.times)).padStart(6)} ms (${fmt(Math.min(...v.times))}–${fmt(Math.max(...v.times))})`;
}

/** The speed of ours against a reference, as reference time / our time: ≥ 1.0 means ours is as fast or faster. */
export function speedRatio(ours: Variant, reference: Variant): string {
  return `${fmt(median(reference.times) / median(ours.times), 2)}×`;
}

const LOG4J = path.resolve(__dirname, '..', '..', 'stack', 'native', 'kafka', 'tools-log4j2.properties');

/**
 * Runs one of Kafka's Java tools the way bin/kafka-run-class.sh does (256 MB heap, G1, the
 * same JVM flags; logging quiet), so the time includes the JVM start-up a user of the shell
 * script waits for too. Rejects with the tool's stderr when it fails.
 */
export async function kafkaTool(mainClass: string, args: string[]): Promise<string> {
  const run = await timed('java', [
    '-Xmx256M', '-server', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent', '-XX:MaxInlineLevel=15', '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${LOG4J}`, '-cp', kafkaToolsClassPath(), mainClass, ...args,
  ]);
  if (run.code !== 0) throw new Error(`${mainClass} ${args.join(' ')} failed (exit ${run.code ?? 'killed'}): ${run.stderr.slice(-800)}`);
  return run.stdout;
}

export const TOPIC_COMMAND = 'org.apache.kafka.tools.TopicCommand';
export const CONSUMER_GROUP_COMMAND = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand';

/** kcat with the stack's broker; rejects on failure; returns stdout. */
export async function kcat(args: string[]): Promise<string> {
  const run = await timed('kcat', ['-b', BROKER, ...args]);
  if (run.code !== 0) throw new Error(`kcat ${args.join(' ')} failed: ${run.stderr.slice(-500)}`);
  return run.stdout;
}

/** The native stack's broker process: its resident memory and open files, from /proc. */
export function brokerProcess(): { rssMiB: number; openFiles: number } | undefined {
  try {
    const pidFile = path.join(homedir(), '.cache', 'kafka-airflow-workbench', 'state', 'pids', 'kafka.pid');
    const pid = readFileSync(pidFile, 'utf8').trim().split(/\s+/)[0] ?? '';
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return { rssMiB: rssKb / 1024, openFiles: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

export function brokerNote(): string {
  const broker = brokerProcess();
  return broker ? `broker RSS ${fmt(broker.rssMiB)} MiB, ${fmt(broker.openFiles)} open files` : 'broker process not found (is it the native stack?)';
}

export async function benchAdmin(): Promise<{ admin: Admin; close: () => Promise<void> }> {
  const admin = new Kafka({ brokers: [BROKER], clientId: 'workbench-scale-bench', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  return { admin, close: () => admin.disconnect() };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Names of the topics the broker lists that start with `prefix`. */
export async function topicsWithPrefix(admin: Admin, prefix: string): Promise<string[]> {
  return (await admin.listTopics()).filter((t) => t.startsWith(prefix));
}

/**
 * Creates `names` (1 partition each unless given) with CreateTopics of `batch` topics at a
 * time, then waits until the broker's metadata lists them all (a broker applies new topics a
 * few hundred a second, after the controller has accepted them). Returns both times.
 */
export async function createTopicsInBatches(admin: Admin, names: readonly string[], options: { partitions?: number; batch?: number; onProgress?: (text: string) => void } = {}): Promise<{ acceptedMs: number; listedMs: number }> {
  const started = performance.now();
  const batch = options.batch ?? 1000;
  for (let i = 0; i < names.length; i += batch) {
    await admin.createTopics({ waitForLeaders: false, timeout: 120_000, topics: names.slice(i, i + batch).map((topic) => ({ topic, numPartitions: options.partitions ?? 1, replicationFactor: 1 })) });
  }
  const acceptedMs = performance.now() - started;
  const wanted = new Set(names);
  for (;;) {
    const listed = (await admin.listTopics()).filter((t) => wanted.has(t)).length;
    options.onProgress?.(`${fmt(listed)}/${fmt(names.length)} listed`);
    if (listed === names.length) break;
    if (performance.now() - started > 15 * 60_000) throw new Error(`Only ${listed} of ${names.length} topics are listed after 15 minutes`);
    await sleep(2000);
  }
  return { acceptedMs, listedMs: performance.now() - started };
}

/** Deletes `names` with DeleteTopics of `batch` topics at a time and waits until the metadata no longer lists them. */
export async function deleteTopicsInBatches(admin: Admin, names: readonly string[], options: { batch?: number; onProgress?: (text: string) => void } = {}): Promise<{ acceptedMs: number; goneMs: number }> {
  const started = performance.now();
  const batch = options.batch ?? 1000;
  for (let i = 0; i < names.length; i += batch) await admin.deleteTopics({ topics: names.slice(i, i + batch), timeout: 120_000 });
  const acceptedMs = performance.now() - started;
  const doomed = new Set(names);
  for (;;) {
    const left = (await admin.listTopics()).filter((t) => doomed.has(t)).length;
    options.onProgress?.(`${fmt(left)} left`);
    if (left === 0) break;
    if (performance.now() - started > 15 * 60_000) throw new Error(`${left} of ${names.length} topics are still listed 15 minutes after their deletion`);
    await sleep(2000);
  }
  return { acceptedMs, goneMs: performance.now() - started };
}

export { median };
