/**
 * The Pipelines view's figures and the trace through Spark, against the real streaming pipeline
 * of the native stack: source API (127.0.0.1:8090) → product_recalls_ingest → Kafka topic
 * product_recalls → product_recalls_spark (Spark Structured Streaming, availableNow) →
 * PostgreSQL table product_recalls (database workbench), checkpoint in
 * $KAW_STATE/spark/checkpoints/product_recalls.
 *
 * It runs the ingestion DAG, checks the figures a user reads in the view against what Kafka,
 * PostgreSQL and the checkpoint say directly; produces one copy of an already loaded record
 * (what a retried ingestion run does), runs the Spark DAG, and checks: the Spark stage's lag is
 * 0 on every partition, its last micro-batch is the newest spark_batches row, the trace of a
 * loaded message reaches its row and the run that submitted the batch, and the trace of the copy
 * says it was de-duplicated and names the row that won (its partition and offset). Re-runnable
 * on a used stack: it only adds to the pipeline what the pipeline itself would.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { AirflowClient } from '../../src/airflow/airflowClient';
import type { DagRun } from '../../src/airflow/types';
import { KafkaService } from '../../src/kafka/kafkaService';
import { PipelineReader, type PipelineReading } from '../../src/pipelines/pipelineReader';
import { RECALLS_INGEST_DAG, RECALLS_QUERY_NAME, RECALLS_SPARK_DAG, RECALLS_TOPIC, STREAMING_PIPELINE } from '../../src/pipelines/pipelineModel';
import { PipelineStore } from '../../src/pipelines/pipelineStore';
import { defaultSparkCheckpointDir, readCheckpoint } from '../../src/pipelines/sparkCheckpoint';
import { SparkTraceReader } from '../../src/pipelines/sparkTrace';
import { silentLogger } from '../../src/shared/logger';
import { localStack } from '../../src/stack/localStack';
import { BatchConsumerService } from '../../src/trace/batchConsumerService';
import type { MessageTrace } from '../../src/trace/traceModel';
import { TraceService } from '../../src/trace/traceService';
import { TraceHistoryStore } from '../../src/trace/traceHistoryStore';
import { homedir } from 'node:os';

const SOURCE_API = process.env.KAW_SOURCE_API_URL ?? 'http://127.0.0.1:8090';
const CHECKPOINT_DIR = defaultSparkCheckpointDir(process.env, homedir());
const historyConfig = { ...localStack.history, password: localStack.historyPassword, requestTimeoutMs: 15_000 };
const kafka = new KafkaService({ ...localStack.kafka, clientId: 'workbench-pipelines-it', requestTimeoutMs: 15_000 }, silentLogger);
const airflow = new AirflowClient({ ...localStack.airflow, password: localStack.airflowPassword, requestTimeoutMs: 30_000 }, silentLogger);
const store = new PipelineStore(historyConfig, silentLogger);
const history = new TraceHistoryStore(historyConfig, silentLogger);
const db = new pg.Pool({ ...localStack.history, password: localStack.historyPassword, max: 1 });
const reader = new PipelineReader({
  kafka: () => Promise.resolve(kafka), airflow: () => Promise.resolve(airflow), store: () => Promise.resolve(store),
  sourceApiUrl: SOURCE_API, sparkCheckpointDir: CHECKPOINT_DIR, requestTimeoutMs: 15_000, logger: silentLogger,
});
const sparkTrace = new SparkTraceReader({ kafka: () => Promise.resolve(kafka), store: () => Promise.resolve(store), readCheckpoint: () => readCheckpoint(CHECKPOINT_DIR), logger: silentLogger });
const trace = new TraceService(airflow, history, history, silentLogger, sparkTrace);

async function runDag(dagId: string): Promise<DagRun> {
  const dag = await airflow.getDag(dagId).catch((error: unknown) => {
    throw new Error(`Airflow 3 at ${localStack.airflow.url} has no DAG ${dagId} (${String(error)}): start the stack from a checkout with the streaming pipeline (bash stack/native/stack.sh up).`);
  });
  if (dag.isPaused) await airflow.setPaused(dagId, false);
  const follower = new BatchConsumerService(airflow, trace, history, silentLogger, dagId);
  const run = await airflow.trigger(dagId, {});
  const { run: final, tasks } = await follower.follow(run.runId, { timeoutMs: 10 * 60_000, intervalMs: 1_000, maxIntervalMs: 3_000 });
  if (final.state !== 'success') {
    const failed = await follower.failedTaskLog(run.runId, tasks);
    assert.fail(`${dagId} run ${run.runId} ${final.state}${failed ? ` in ${failed.taskId}:\n${failed.log.slice(-3000)}` : ''}`);
  }
  return final;
}

function stage(reading: PipelineReading, kind: string): PipelineReading['stages'][number] {
  const found = reading.stages.find((s) => s.stage.kind === kind);
  assert.ok(found, `the reading has a ${kind} stage`);
  return found;
}

let ingestRun: DagRun;
let sparkRun: DagRun;
let afterIngest: PipelineReading;
let kafkaEndsAfterIngest: string[];
let afterSpark: PipelineReading;
let copy: { partition: number; offset: string; key: string };
let original: { partition: number; offset: string };

describe('Pipelines view figures and the trace through Spark, on the real streaming pipeline', { timeout: 20 * 60_000 }, () => {
  before(async () => {
    ingestRun = await runDag(RECALLS_INGEST_DAG);
    afterIngest = await reader.read(STREAMING_PIPELINE);
    kafkaEndsAfterIngest = (await kafka.describeTopic(RECALLS_TOPIC)).partitionInfo.map((p) => p.high).sort();

    // A copy of a record already in the table, as a retried ingestion run produces it again.
    const { rows } = await db.query<{ reference_fiche: string; kafka_partition: number; kafka_offset: string }>(
      'SELECT reference_fiche, kafka_partition, kafka_offset::text FROM product_recalls WHERE kafka_topic = $1 ORDER BY loaded_at, kafka_offset LIMIT 1', [RECALLS_TOPIC]);
    let key: string;
    if (rows[0]) {
      key = rows[0].reference_fiche;
      original = { partition: rows[0].kafka_partition, offset: rows[0].kafka_offset };
    } else {
      // The table is still empty: the first message of partition 0 will be loaded by this Spark run.
      const first = await readOne(0, '0');
      key = first.key;
      original = { partition: 0, offset: '0' };
    }
    const value = await readOne(original.partition, original.offset);
    const produced = await kafka.produce([{ key, value: value.value, partition: original.partition }], { topic: RECALLS_TOPIC });
    assert.equal(produced.sent, 1, 'the copy was produced');
    const sent = produced.records[0];
    copy = { partition: original.partition, offset: sent?.offset ?? '', key };

    sparkRun = await runDag(RECALLS_SPARK_DAG);
    afterSpark = await reader.read(STREAMING_PIPELINE);
  });

  after(async () => {
    await Promise.all([kafka.dispose(), store.dispose(), history.dispose(), db.end()]);
  });

  it('after the ingestion run: the source API has nothing (or only records published since) left to ingest, the topic figures are Kafka\'s', () => {
    const api = stage(afterIngest, 'sourceApi');
    assert.ok(api.facts.apiPending?.ok, `the source API answered: ${JSON.stringify(api.facts.apiPending)}`);
    assert.ok(api.facts.apiPending.value <= 2, `at most the records published during the test are left, got ${api.facts.apiPending.value}`);
    assert.ok(api.facts.ingestCheckpoint?.ok && api.facts.ingestCheckpoint.value.publishedSince !== null, 'the checkpoint moved');
    assert.equal(api.facts.ingestCheckpoint.value.runId, ingestRun.runId, 'the checkpoint names the ingestion run');
    const topic = stage(afterIngest, 'topic');
    assert.ok(topic.facts.topicEnds?.ok);
    assert.deepEqual(topic.facts.topicEnds.value.map((p) => p.high).sort(), kafkaEndsAfterIngest);
  });

  it('after the Spark run: lag 0 on every partition, the checkpoint\'s last committed batch is the newest spark_batches row, the table count is PostgreSQL\'s', async () => {
    const spark = stage(afterSpark, 'sparkJob');
    assert.ok(spark.facts.checkpoint?.ok, `the checkpoint was read: ${JSON.stringify(spark.facts.checkpoint)}`);
    const ends = (await kafka.describeTopic(RECALLS_TOPIC)).partitionInfo;
    const committed = spark.facts.checkpoint.value.lastCommitted;
    assert.ok(committed, 'a batch is committed');
    for (const p of ends) assert.equal(committed.endOffsets[RECALLS_TOPIC]?.[String(p.partition)], p.high, `partition ${p.partition} committed up to its end`);
    assert.match(spark.figures.summary, /^lag 0 · last batch #\d+: \d+ in, \d+ written/);
    const { rows } = await db.query<{ batch_id: string; airflow_run_id: string; rows_in: string }>('SELECT batch_id::text, airflow_run_id, rows_in::text FROM spark_batches WHERE query_name = $1 ORDER BY spark_batches.batch_id DESC LIMIT 1', [RECALLS_QUERY_NAME]);
    assert.ok(spark.facts.lastBatch?.ok && spark.facts.lastBatch.value);
    assert.equal(String(spark.facts.lastBatch.value.batchId), rows[0]?.batch_id);
    assert.equal(String(committed.batchId), rows[0]?.batch_id, 'the checkpoint and spark_batches agree on the last batch');
    assert.equal(spark.facts.lastBatch.value.airflowRunId, sparkRun.runId, 'the last batch was submitted by our Spark run');
    const count = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM product_recalls');
    const table = stage(afterSpark, 'table');
    assert.equal(table.figures.summary, `${count.rows[0]?.n} row(s)`);
  });

  it('the trace of a loaded message reaches the Spark batch that read it, its row, and the run that submitted it (as the row records it)', async () => {
    // A row this Spark run loaded when the ingestion brought new records, else the copy's original.
    const { rows } = await db.query<{ reference_fiche: string; kafka_partition: number; kafka_offset: string; airflow_dag_id: string | null; airflow_run_id: string | null }>(
      `SELECT reference_fiche, kafka_partition, kafka_offset::text, airflow_dag_id, airflow_run_id FROM product_recalls
        WHERE kafka_topic = $1 AND (airflow_run_id = $2 OR (kafka_partition = $3 AND kafka_offset = $4::bigint))
        ORDER BY (airflow_run_id = $2) DESC LIMIT 1`, [RECALLS_TOPIC, sparkRun.runId, original.partition, original.offset]);
    const row = rows[0];
    assert.ok(row, 'a loaded row to trace');
    const result = await trace.traceMessage({ topic: RECALLS_TOPIC, partition: row.kafka_partition, offset: row.kafka_offset });
    assertSteps(result, ['produced', 'sparkBatch', 'tableRow', 'submittedBy']);
    const [, batchStep, rowStep, runStep] = result.steps;
    assert.equal(batchStep?.status, 'done', batchStep?.detail);
    assert.match(batchStep.detail, /checkpoint agrees|no longer in the checkpoint/);
    assert.equal(rowStep?.title, 'Row in product_recalls');
    assert.match(rowStep.detail, new RegExp(`^row ${row.reference_fiche} loaded by batch \\d+`));
    assert.equal(runStep?.title, `Submitted by ${row.airflow_dag_id ?? ''}`);
    assert.ok(runStep.detail.startsWith(`run ${row.airflow_run_id ?? ''}`), runStep.detail);
    if (row.airflow_run_id === sparkRun.runId) assert.ok(runStep.detail.startsWith(`run ${sparkRun.runId}: success, task spark_submit (success`), runStep.detail);
  });

  it('the trace of the copy says it was de-duplicated and names the row that won, with its partition and offset', async () => {
    const result = await trace.traceMessage({ topic: RECALLS_TOPIC, partition: copy.partition, offset: copy.offset });
    assertSteps(result, ['produced', 'sparkBatch', 'tableRow', 'submittedBy']);
    const [, batchStep, rowStep, runStep] = result.steps;
    assert.equal(batchStep?.status, 'done', batchStep?.detail);
    assert.match(batchStep.detail, /checkpoint agrees \(offsets\/\d+ .*commits\/\d+ present\)/);
    assert.equal(rowStep?.title, `De-duplicated: row ${copy.key} won`);
    assert.match(rowStep.detail, new RegExp(`loaded from product_recalls \\[${original.partition}\\] @ ${original.offset}`));
    assert.match(runStep?.detail ?? '', new RegExp(`^run ${sparkRun.runId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: success`));
  });
});

function assertSteps(result: MessageTrace, kinds: string[]): void {
  assert.deepEqual(result.steps.map((s) => s.kind), kinds, result.steps.map((s) => `${s.kind} ${s.status}: ${s.detail}`).join('\n'));
}

async function readOne(partition: number, offset: string): Promise<{ key: string; value: Buffer }> {
  let found: { key: string; value: Buffer } | undefined;
  await kafka.browse({
    topic: RECALLS_TOPIC, partitions: [partition], start: { kind: 'offset', offset }, maxMessages: 1, follow: false, signal: new AbortController().signal,
    onRecords: (records) => { const r = records[0]; if (r?.key && r.value) found = { key: r.key.toString('utf8'), value: r.value }; },
  });
  assert.ok(found, `${RECALLS_TOPIC} [${partition}] @ ${offset} was read`);
  return found;
}
