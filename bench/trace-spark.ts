/**
 * Benchmark of Trace Message through the streaming pipeline on the native stack: the time from
 * asking to the answer (message key from Kafka, the spark_batches row whose range holds the
 * offset, the Spark checkpoint read and checked, the product_recalls row or the winning row,
 * the Airflow run and its tasks) for messages of product_recalls already loaded by the
 * pipeline. Reference, in the same rounds: the same facts gathered by hand with kcat (the
 * message) and psql (spark_batches and product_recalls), each a fresh process as a person runs
 * them. Prints the medians, the 90th percentile and the ratio TraceService / kcat+psql.
 * Needs the pipeline to have run once (Start Pipeline, or both DAGs).
 * Run: node --import tsx bench/trace-spark.ts [rounds]
 */
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { AirflowClient } from '../src/airflow/airflowClient';
import { KafkaService } from '../src/kafka/kafkaService';
import { RECALLS_QUERY_NAME, RECALLS_TOPIC } from '../src/pipelines/pipelineModel';
import { PipelineStore } from '../src/pipelines/pipelineStore';
import { defaultSparkCheckpointDir, readCheckpoint } from '../src/pipelines/sparkCheckpoint';
import { SparkTraceReader } from '../src/pipelines/sparkTrace';
import { silentLogger } from '../src/shared/logger';
import { localStack } from '../src/stack/localStack';
import { TraceHistoryStore } from '../src/trace/traceHistoryStore';
import { TraceService } from '../src/trace/traceService';

const ROUNDS = Number(process.argv[2] ?? 15);
const CHECKPOINT_DIR = defaultSparkCheckpointDir(process.env, homedir());
const historyConfig = { ...localStack.history, password: localStack.historyPassword, requestTimeoutMs: 15_000 };
const kafka = new KafkaService({ ...localStack.kafka, clientId: 'workbench-bench-trace-spark', requestTimeoutMs: 15_000 }, silentLogger);
const airflow = new AirflowClient({ ...localStack.airflow, password: localStack.airflowPassword, requestTimeoutMs: 30_000 }, silentLogger);
const store = new PipelineStore(historyConfig, silentLogger);
const history = new TraceHistoryStore(historyConfig, silentLogger);
const spark = new SparkTraceReader({ kafka: () => Promise.resolve(kafka), store: () => Promise.resolve(store), readCheckpoint: () => readCheckpoint(CHECKPOINT_DIR), logger: silentLogger });
const trace = new TraceService(airflow, history, history, silentLogger, spark);

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => { if (code === 0) resolve(out); else reject(new Error(`${command} exited with ${code}: ${err}`)); });
  });
}

/** The same facts by hand: the message's key (kcat), the batch whose range holds it and the row (psql). */
async function byHand(partition: number, offset: string): Promise<void> {
  const key = (await run('kcat', ['-C', '-b', localStack.kafka.brokers[0] ?? '127.0.0.1:9092', '-t', RECALLS_TOPIC, '-p', String(partition), '-o', offset, '-c', '1', '-e', '-f', '%k'])).trim();
  const env = { ...process.env, PGPASSWORD: localStack.historyPassword };
  const conn = ['-h', localStack.history.host, '-p', String(localStack.history.port), '-U', localStack.history.user, '-d', localStack.history.database, '-At', '-v', 'ON_ERROR_STOP=1'];
  await run('psql', [...conn, '-c', `SELECT batch_id, airflow_run_id FROM spark_batches WHERE query_name = '${RECALLS_QUERY_NAME}' AND (end_offsets->>'${partition}')::bigint > ${offset} AND COALESCE((start_offsets->>'${partition}')::bigint, 0) <= ${offset}`], env);
  await run('psql', [...conn, '-c', `SELECT reference_fiche, kafka_partition, kafka_offset, spark_batch_id, airflow_run_id FROM product_recalls WHERE reference_fiche = '${key.replace(/'/g, "''")}'`], env);
}

const median = (values: number[]): number => { const s = [...values].sort((a, b) => a - b); const m = Math.floor(s.length / 2); return s.length % 2 ? s[m]! : ((s[m - 1]! + s[m]!) / 2); };
const p90 = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.9))]!;

async function main(): Promise<void> {
  const { rows } = await (async () => {
    const pg = (await import('pg')).default;
    const pool = new pg.Pool({ ...localStack.history, password: localStack.historyPassword, max: 1 });
    try {
      return await pool.query<{ kafka_partition: number; kafka_offset: string }>('SELECT kafka_partition, kafka_offset::text FROM product_recalls WHERE kafka_topic = $1 ORDER BY random() LIMIT $2', [RECALLS_TOPIC, ROUNDS]);
    } finally {
      await pool.end();
    }
  })();
  if (rows.length === 0) throw new Error('product_recalls has no rows: run the pipeline once (Start Pipeline in the Pipelines view, or both DAGs).');
  const checkpoint = await readCheckpoint(CHECKPOINT_DIR);
  process.stdout.write(`trace through Spark: ${rows.length} message(s) of ${RECALLS_TOPIC}, checkpoint ${CHECKPOINT_DIR} with ${checkpoint.batches.length} batch(es)\n`);
  // One warm-up of each (connections, first Airflow token).
  await trace.traceMessage({ topic: RECALLS_TOPIC, partition: rows[0]!.kafka_partition, offset: rows[0]!.kafka_offset });
  await byHand(rows[0]!.kafka_partition, rows[0]!.kafka_offset);
  const ours: number[] = [];
  const reference: number[] = [];
  for (const row of rows) {
    let started = performance.now();
    const result = await trace.traceMessage({ topic: RECALLS_TOPIC, partition: row.kafka_partition, offset: row.kafka_offset });
    ours.push(performance.now() - started);
    if (result.steps.length !== 4 || result.steps[2]?.status !== 'done') throw new Error(`the trace of [${row.kafka_partition}] @ ${row.kafka_offset} did not reach its row: ${JSON.stringify(result.steps)}`);
    started = performance.now();
    await byHand(row.kafka_partition, row.kafka_offset);
    reference.push(performance.now() - started);
  }
  const ms = (v: number): string => `${v.toFixed(1)} ms`;
  process.stdout.write(`\n| what | median | p90 |\n| --- | --- | --- |\n`);
  process.stdout.write(`| Trace Message through Spark (TraceService, all four steps) | ${ms(median(ours))} | ${ms(p90(ours))} |\n`);
  process.stdout.write(`| by hand: kcat (key) + psql (spark_batches) + psql (product_recalls) | ${ms(median(reference))} | ${ms(p90(reference))} |\n`);
  process.stdout.write(`\nratio TraceService / kcat+psql (medians): ${(median(ours) / median(reference)).toFixed(2)}\n`);
}

main()
  .catch((error: unknown) => { process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`); process.exitCode = 1; })
  .finally(async () => { await Promise.all([kafka.dispose(), store.dispose(), history.dispose()]); });
