/**
 * Benchmark of the whole loop on the native stack: produce 1,000 messages (two data types) to a
 * fresh topic with KafkaService → kafka_batch_consumer loads them into the message history →
 * dataset events → downstream runs succeeded. Five rounds; prints the median of each phase and
 * its share of the end-to-end time, and, as a reference, kcat producing the same 1,000 values
 * to another fresh topic in the same round (ratio KafkaService / kcat).
 * Run: node --import tsx bench/trace-pipeline.ts [rounds] [messages]
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { AirflowClient } from '../src/airflow/airflowClient';
import { KafkaService } from '../src/kafka/kafkaService';
import { testDataMessages } from '../src/kafka/testData';
import { silentLogger } from '../src/shared/logger';
import { localStack } from '../src/stack/localStack';
import { BatchConsumerService } from '../src/trace/batchConsumerService';
import { TraceHistoryStore } from '../src/trace/traceHistoryStore';
import { CONSUME_TASK_ID, timeOf } from '../src/trace/traceModel';
import { TraceService } from '../src/trace/traceService';
import { removeTestTopics } from '../test/support/testTopics';

const ROUNDS = Number(process.argv[2] ?? 5);
const MESSAGES = Number(process.argv[3] ?? 1000);
const TAG = Date.now().toString(36);

const kafka = new KafkaService({ ...localStack.kafka, clientId: 'workbench-bench-trace', requestTimeoutMs: 15_000 }, silentLogger);
const airflow = new AirflowClient({ ...localStack.airflow, password: localStack.airflowPassword, requestTimeoutMs: 30_000 }, silentLogger);
const store = new TraceHistoryStore({ ...localStack.history, password: localStack.historyPassword, requestTimeoutMs: 15_000 }, silentLogger);
const trace = new TraceService(airflow, store, store, silentLogger);
const consumer = new BatchConsumerService(airflow, trace, store, silentLogger);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Produces `lines` (one message each) with kcat; resolves with the elapsed ms. */
function kcatProduce(topic: string, lines: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('kcat', ['-P', '-b', '127.0.0.1:9092', '-t', topic, '-X', 'acks=all'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`kcat exited with ${code}: ${stderr}`));
    });
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

interface Round {
  total: number;
  produce: number;
  kcat: number;
  /** Trigger → the consumer run's first task (ensure_history_schema) starts: run queued, task queued, worker process up. */
  consumerQueue: number;
  /** First task start → consume_and_load starts: the schema task, then the second task's scheduling and start. */
  consumerPrep: number;
  consumerTask: number;
  scheduling: number;
  downstream: number;
}

async function round(index: number): Promise<Round> {
  const topic = `wb-bench-trace-${TAG}-${index}`;
  const reference = `${topic}-kcat`;
  await kafka.createTopic({ name: topic, partitions: 3, replicationFactor: 1 });
  await kafka.createTopic({ name: reference, partitions: 3, replicationFactor: 1 });
  const half = Math.floor(MESSAGES / 2);
  const messages = [...testDataMessages('order', half), ...testDataMessages('user', MESSAGES - half)];

  const started = performance.now();
  const produced = await kafka.produce(messages, { topic });
  const produceMs = performance.now() - started;
  if (produced.sent !== MESSAGES) throw new Error(`only ${produced.sent} of ${MESSAGES} messages were produced`);

  const triggeredAt = Date.now();
  const run = await consumer.start({ topics: [topic], groupId: `wb-bench-trace-${TAG}-${index}-${randomUUID().slice(0, 6)}`, batchSize: 1000, maxMessages: 100_000 });
  const final = await consumer.follow(run.runId, { intervalMs: 500, maxIntervalMs: 1_000, timeoutMs: 10 * 60_000 });
  if (final.run.state !== 'success') throw new Error(`consumer run ${run.runId} ${final.run.state}`);
  const deadline = Date.now() + 10 * 60_000;
  let batch = await trace.traceBatch(run.runId);
  while (batch.active) {
    if (Date.now() > deadline) throw new Error(`downstream runs of ${run.runId} did not finish in 10 minutes`);
    await sleep(500);
    batch = await trace.traceBatch(run.runId);
  }
  const total = performance.now() - started;
  if (batch.counts.loadedRows !== MESSAGES || batch.counts.downstreamByState.success !== 2) {
    throw new Error(`round ${index}: loaded ${batch.counts.loadedRows}, downstream ${JSON.stringify(batch.counts.downstreamByState)}`);
  }
  const consume = final.tasks.find((t) => t.taskId === CONSUME_TASK_ID);
  const consumeStart = timeOf(consume?.startDate) ?? triggeredAt;
  const taskStarts = final.tasks.map((t) => timeOf(t.startDate)).filter((t): t is number => t !== null);
  const firstTaskStart = taskStarts.length > 0 ? Math.min(...taskStarts) : consumeStart;
  const consumeEnd = timeOf(consume?.endDate) ?? consumeStart;
  const phase = (name: string): number => batch.phases.find((p) => p.phase === name)?.durationMs ?? 0;

  const kcat = await kcatProduce(reference, messages.map((m) => String(m.value)));
  await removeTestTopics(kafka, [topic, reference], { historyRows: true });
  return {
    total, produce: produceMs, kcat,
    consumerQueue: Math.max(0, firstTaskStart - triggeredAt),
    consumerPrep: Math.max(0, consumeStart - firstTaskStart),
    consumerTask: Math.max(0, consumeEnd - consumeStart),
    scheduling: phase('scheduling'),
    downstream: phase('downstream'),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] ?? 0 : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function main(): Promise<void> {
  process.stdout.write(`trace-pipeline: ${MESSAGES} messages (order + user) per round, ${ROUNDS} rounds, native stack\n`);
  const rounds: Round[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    const r = await round(i);
    rounds.push(r);
    process.stdout.write(`round ${i}: end to end ${(r.total / 1000).toFixed(1)} s (produce ${Math.round(r.produce)} ms, kcat ${Math.round(r.kcat)} ms, consumer queue ${(r.consumerQueue / 1000).toFixed(1)} s, schema task + start ${(r.consumerPrep / 1000).toFixed(1)} s, consumer task ${(r.consumerTask / 1000).toFixed(1)} s, scheduling ${(r.scheduling / 1000).toFixed(1)} s, downstream ${(r.downstream / 1000).toFixed(1)} s)\n`);
  }
  const total = median(rounds.map((r) => r.total));
  const rows: [string, number][] = [
    ['Kafka produce (KafkaService)', median(rounds.map((r) => r.produce))],
    ['consumer run queue (trigger → first task start)', median(rounds.map((r) => r.consumerQueue))],
    ['schema task + consume_and_load start', median(rounds.map((r) => r.consumerPrep))],
    ['consumer task (consume + load into PostgreSQL)', median(rounds.map((r) => r.consumerTask))],
    ['scheduling of downstream runs (event → last run start)', median(rounds.map((r) => r.scheduling))],
    ['downstream run duration (longest)', median(rounds.map((r) => r.downstream))],
  ];
  process.stdout.write(`\nmedian end to end (produce → downstream runs succeeded): ${(total / 1000).toFixed(2)} s\n`);
  for (const [label, ms] of rows) process.stdout.write(`  ${label.padEnd(58)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${((100 * ms) / total).toFixed(1).padStart(5)} %\n`);
  // Per round, then the median: medians of different phases come from different rounds.
  const rest = median(rounds.map((r) => r.total - r.produce - r.consumerQueue - r.consumerPrep - r.consumerTask - r.scheduling - r.downstream));
  process.stdout.write(`  ${'other (gaps, polling; negative when phases overlap)'.padEnd(58)} ${(rest / 1000).toFixed(2).padStart(7)} s  ${((100 * rest) / total).toFixed(1).padStart(5)} %\n`);
  const kcat = median(rounds.map((r) => r.kcat));
  process.stdout.write(`\nreference: kcat producing the same ${MESSAGES} values: median ${Math.round(kcat)} ms; KafkaService / kcat = ${(median(rounds.map((r) => r.produce)) / kcat).toFixed(2)}\n`);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`trace-pipeline failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    void Promise.all([kafka.dispose(), store.dispose()]);
  });
