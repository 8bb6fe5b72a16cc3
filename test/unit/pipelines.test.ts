/**
 * The pure parts of the Pipelines view and of the trace through Spark: Spark checkpoint files
 * (offsets/<n>, commits/<n>) as Spark 4 writes them, the checkpoint's batches and their ranges,
 * lag per partition, the figures of each stage, and the steps of a product_recalls message
 * (read by a batch, loaded into a row, de-duplicated with the winning row named, not read yet).
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { DagRun, TaskInstance } from '../../src/airflow/types';
import { lagPerPartition, stageFigures, STREAMING_PIPELINE, BATCH_PIPELINE, sparkPipelineOfTopic, type SparkBatchRow, type StageDefinition } from '../../src/pipelines/pipelineModel';
import { offsetsOf, recallRowOf, type RecallRow } from '../../src/pipelines/pipelineStore';
import { batchHolding, checkpointFromLogs, parseCommitLog, parseOffsetLog, readCheckpoint } from '../../src/pipelines/sparkCheckpoint';
import { checkAgainstCheckpoint, deriveSparkMessageTrace } from '../../src/pipelines/sparkTrace';
import { WorkbenchError } from '../../src/shared/errors';

/** offsets/<n> as Spark 4.x writes it for a Kafka source (conf trimmed to a few keys). */
function offsetsFile(timestamp: number, offsets: Record<string, number>): string {
  return `v1\n{"batchWatermarkMs":0,"batchTimestampMs":${timestamp},"conf":{"spark.sql.streaming.stateStore.providerClass":"org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider","spark.sql.streaming.multipleWatermarkPolicy":"min","spark.sql.shuffle.partitions":"4"}}\n${JSON.stringify({ product_recalls: offsets })}`;
}
const COMMIT = 'v1\n{"nextBatchWatermarkMs":0}';

function stage(kind: StageDefinition['kind']): StageDefinition {
  const found = STREAMING_PIPELINE.stages.find((s) => s.kind === kind);
  assert.ok(found);
  return found;
}

describe('Spark checkpoint files', () => {
  it('reads offsets/<n>: version, planning time, conf and the Kafka offsets per partition', () => {
    const entry = parseOffsetLog(offsetsFile(1_733_360_000_000, { 0: 1200, 1: 1187, 2: 0 }), 7);
    assert.equal(entry.batchId, 7);
    assert.equal(entry.version, 1);
    assert.equal(entry.batchTimestampMs, 1_733_360_000_000);
    assert.equal(entry.conf['spark.sql.shuffle.partitions'], '4');
    assert.deepEqual(entry.sources, [{ product_recalls: { 0: '1200', 1: '1187', 2: '0' } }]);
  });

  it('keeps offsets above 2^53 exact and a source without offsets as null', () => {
    const text = 'v1\n{"batchWatermarkMs":0,"batchTimestampMs":1}\n-\n{"t":{"0":9007199254740993}}\n';
    const entry = parseOffsetLog(text, 0);
    assert.deepEqual(entry.sources, [null, { t: { 0: '9007199254740993' } }]);
  });

  it('reads commits/<n>', () => {
    assert.deepEqual(parseCommitLog(COMMIT, 3), { batchId: 3, version: 1, nextBatchWatermarkMs: 0 });
  });

  it('refuses what Spark does not write, saying what is wrong', () => {
    assert.throws(() => parseOffsetLog('{"batchWatermarkMs":0}\n{}', 1), (e: unknown) => e instanceof WorkbenchError && /version line such as "v1"/.test(e.message));
    assert.throws(() => parseOffsetLog('v9\n{}', 1), /v9; the workbench reads v1 to v2/);
    assert.throws(() => parseOffsetLog('v1\n{"batchWatermarkMs":0}\n{"t":{"0":"x"}}', 1), /partition "0" of topic "t" has offset "x"/);
    assert.throws(() => parseOffsetLog('v1\n{"batchWatermarkMs":0}\n{not json', 1), /offsets\/1 holds a line that is not JSON/);
    assert.throws(() => parseOffsetLog('v1', 4), /offsets\/4 has no metadata line/);
  });

  it('builds batches: start = the previous batch\'s end, committed when commits/<n> exists, the last one pending', () => {
    const offsets = [
      parseOffsetLog(offsetsFile(1, { 0: 10, 1: 12 }), 0),
      parseOffsetLog(offsetsFile(2, { 0: 30, 1: 12 }), 1),
      parseOffsetLog(offsetsFile(3, { 0: 35, 1: 20 }), 2),
    ];
    const state = checkpointFromLogs('/ckpt', offsets, [parseCommitLog(COMMIT, 0), parseCommitLog(COMMIT, 1)]);
    assert.equal(state.batches.length, 3);
    assert.equal(state.batches[0]?.startOffsets, null);
    assert.deepEqual(state.batches[1]?.startOffsets, { product_recalls: { 0: '10', 1: '12' } });
    assert.equal(state.lastCommitted?.batchId, 1);
    assert.equal(state.pending?.batchId, 2);
    // Offset 10 of partition 0 is in batch 1 (10–30), offset 29 too, 30 is in batch 2; offset 5 is in batch 0, whose start is not kept.
    assert.equal(batchHolding(state, 'product_recalls', 0, '10')?.batchId, 1);
    assert.equal(batchHolding(state, 'product_recalls', 0, '29')?.batchId, 1);
    assert.equal(batchHolding(state, 'product_recalls', 0, '30')?.batchId, 2);
    assert.equal(batchHolding(state, 'product_recalls', 0, '5'), undefined);
    assert.equal(batchHolding(state, 'product_recalls', 0, '35'), undefined);
  });

  it('reads a checkpoint folder, skipping Spark\'s .crc and temporary files; a missing folder is an empty checkpoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kaw-ckpt-'));
    try {
      await mkdir(join(dir, 'offsets'));
      await mkdir(join(dir, 'commits'));
      await writeFile(join(dir, 'metadata'), '{"id":"5f3c"}');
      await writeFile(join(dir, 'offsets', '0'), offsetsFile(1, { 0: 4 }));
      await writeFile(join(dir, 'offsets', '.0.crc'), 'x');
      await writeFile(join(dir, 'offsets', '1'), offsetsFile(2, { 0: 9 }));
      await writeFile(join(dir, 'offsets', '.1.7c1e.tmp'), 'v1\n');
      await writeFile(join(dir, 'commits', '0'), COMMIT);
      const state = await readCheckpoint(dir);
      assert.equal(state.exists, true);
      assert.deepEqual(state.batches.map((b) => [b.batchId, b.committed]), [[0, true], [1, false]]);
      assert.equal(state.lastCommitted?.endOffsets.product_recalls?.['0'], '4');
      const missing = await readCheckpoint(join(dir, 'nothing'));
      assert.equal(missing.exists, false);
      assert.equal(missing.batches.length, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('stage figures', () => {
  const ends = [{ partition: 1, low: '0', high: '120' }, { partition: 0, low: '0', high: '130' }];

  it('lag per partition is the end offset minus the committed one; an uncommitted partition lags by all it holds', () => {
    assert.deepEqual(lagPerPartition(ends, { product_recalls: { 0: '100' } }, 'product_recalls'), [
      { partition: 0, committed: '100', end: '130', lag: '30' },
      { partition: 1, committed: null, end: '120', lag: '120' },
    ]);
    assert.deepEqual(lagPerPartition([{ partition: 0, low: '50', high: '60' }], null, 'product_recalls')[0]?.lag, '10');
  });

  it('the Spark stage: committed batch, lag per partition, the last micro-batch and run', () => {
    const state = checkpointFromLogs('/ckpt', [parseOffsetLog(offsetsFile(1, { 0: 130, 1: 100 }), 4)], [parseCommitLog(COMMIT, 4)]);
    const run: DagRun = { dagId: 'product_recalls_spark', runId: 'manual__2026-12-05T00:10:00+00:00', state: 'success', runType: 'manual', logicalDate: null, startDate: '2026-12-05T00:10:01+00:00', endDate: '2026-12-05T00:10:40+00:00', durationSeconds: 39, conf: {} };
    const figures = stageFigures(stage('sparkJob'), {
      topicEnds: { ok: true, value: ends },
      checkpoint: { ok: true, value: { ...state, exists: true } },
      lastBatch: { ok: true, value: { queryName: 'product_recalls_to_postgres', batchId: 4, airflowDagId: 'product_recalls_spark', airflowRunId: run.runId, startOffsets: {}, endOffsets: {}, rowsIn: 250, rowsWritten: 240, durationMs: 3200, startedAt: null, finishedAt: null } },
      lastRun: { ok: true, value: run },
    });
    assert.equal(figures.health, 'behind');
    assert.equal(figures.summary, 'lag 20 · last batch #4: 250 in, 240 written, 3.2 s');
    assert.deepEqual(figures.lines.map((l) => `${l.label}: ${l.value}`), [
      'checkpoint: batch 4 committed',
      'partition 0: committed 130 / end 130, lag 0',
      'partition 1: committed 100 / end 120, lag 20',
      `last micro-batch: #4: 250 in, 240 written, 3.2 s (run ${run.runId})`,
      `last Spark run: success at 2026-12-05 00:10:40 UTC (${run.runId})`,
    ]);
  });

  it('the Spark stage before any run: the checkpoint does not exist yet, everything in the topic is lag', () => {
    const figures = stageFigures(stage('sparkJob'), {
      topicEnds: { ok: true, value: ends },
      checkpoint: { ok: true, value: { dir: '/x/product_recalls', batches: [], lastCommitted: null, pending: null, exists: false } },
      lastBatch: { ok: true, value: null },
    });
    assert.equal(figures.summary, 'lag 250');
    assert.match(figures.lines[0]?.value ?? '', /\/x\/product_recalls does not exist yet: the Spark job has not run/);
    assert.ok(figures.lines.some((l) => l.label === 'last micro-batch' && l.value === 'none yet'));
  });

  it('the source API: records not ingested since the checkpoint; an API that does not answer says so', () => {
    const ok = stageFigures(stage('sourceApi'), { apiPending: { ok: true, value: 42 }, ingestCheckpoint: { ok: true, value: { publishedSince: '2026-12-05T00:00:00+00:00', updatedAt: null, runId: null } } });
    assert.equal(ok.summary, '42 record(s) not ingested yet');
    assert.equal(ok.health, 'behind');
    assert.deepEqual(ok.lines[1], { label: 'ingested up to', value: '2026-12-05T00:00:00+00:00' });
    const down = stageFigures(stage('sourceApi'), { apiPending: { ok: false, error: 'The source API at http://127.0.0.1:8090 does not answer (ECONNREFUSED).' } });
    assert.equal(down.health, 'error');
    assert.match(down.lines[0]?.value ?? '', /ECONNREFUSED/);
  });

  it('the topic and the table', () => {
    const topic = stageFigures(stage('topic'), { topicEnds: { ok: true, value: ends } });
    assert.equal(topic.summary, 'end offsets 250 in 2 partition(s)');
    assert.equal(topic.lines[0]?.value, 'end offset 130 (from 0)');
    const table = stageFigures(stage('table'), { tableRows: { ok: true, value: 9876 } });
    assert.equal(table.summary, '9876 row(s)');
    const missing = stageFigures(stage('table'), { tableRows: { ok: false, error: 'Database workbench has no product_recalls table' } });
    assert.equal(missing.health, 'error');
  });

  it('the pipelines: the streaming one reads product_recalls through Spark, the batch one does not', () => {
    assert.equal(sparkPipelineOfTopic('product_recalls'), STREAMING_PIPELINE);
    assert.equal(sparkPipelineOfTopic('workbench.events'), undefined);
    assert.deepEqual(STREAMING_PIPELINE.stages.map((s) => s.kind), ['sourceApi', 'topic', 'sparkJob', 'table']);
    assert.deepEqual(BATCH_PIPELINE.dags, ['kafka_batch_consumer']);
  });
});

describe('trace through Spark', () => {
  const coordinates = { topic: 'product_recalls', partition: 1, offset: '57' };
  const runId = 'manual__2026-12-05T00:10:00+00:00';
  const batch: SparkBatchRow = {
    queryName: 'product_recalls_to_postgres', batchId: 3, airflowDagId: 'product_recalls_spark', airflowRunId: runId,
    startOffsets: offsetsOf({ 0: 40, 1: 50 }), endOffsets: offsetsOf('{"0": 80, "1": 90}'), rowsIn: 80, rowsWritten: 77, durationMs: 2100,
    startedAt: Date.parse('2026-12-05T00:10:20Z'), finishedAt: Date.parse('2026-12-05T00:10:22Z'),
  };
  const checkpoint = checkpointFromLogs('/ckpt', [parseOffsetLog(offsetsFile(1, { 0: 40, 1: 50 }), 2), parseOffsetLog(offsetsFile(2, { 0: 80, 1: 90 }), 3)], [parseCommitLog(COMMIT, 2), parseCommitLog(COMMIT, 3)]);
  const row = (partition: number, offset: string): RecallRow => recallRowOf({
    reference_fiche: '2026-12-0042', kafka_topic: 'product_recalls', kafka_partition: partition, kafka_offset: offset, spark_batch_id: 3,
    airflow_dag_id: 'product_recalls_spark', airflow_run_id: runId, loaded_at: new Date('2026-12-05T00:10:22Z'), nom_de_la_marque_du_produit: 'Acme',
  });
  const run: DagRun = { dagId: 'product_recalls_spark', runId, state: 'success', runType: 'manual', logicalDate: null, startDate: '2026-12-05T00:10:01+00:00', endDate: '2026-12-05T00:10:40+00:00', durationSeconds: 39, conf: {} };
  const task: TaskInstance = { dagId: 'product_recalls_spark', runId, taskId: 'spark_submit', mapIndex: -1, state: 'success', tryNumber: 1, startDate: null, endDate: null, durationSeconds: null, operator: 'SparkSubmitOperator', hostname: null } as unknown as TaskInstance;

  it('a message loaded into its own row: batch (checked against the checkpoint), row, the Airflow run that submitted it', () => {
    const trace = deriveSparkMessageTrace({ coordinates, key: '2026-12-0042', producedAt: Date.parse('2026-12-05T00:05:00Z'), batches: [batch], checkpoint, rowFromMessage: row(1, '57'), rowWithKey: null, run, tasks: [task] });
    assert.deepEqual(trace.steps.map((s) => [s.kind, s.status]), [['produced', 'done'], ['sparkBatch', 'done'], ['tableRow', 'done'], ['submittedBy', 'done']]);
    assert.equal(trace.steps[1]?.title, 'Spark micro-batch #3');
    assert.match(trace.steps[1].detail, /partition 1 offsets 50–90 \(end exclusive\), 80 row\(s\) in, 77 written/);
    assert.match(trace.steps[1].detail, /checkpoint agrees \(offsets\/3 50–90, commits\/3 present\)/);
    assert.equal(trace.steps[2]?.title, 'Row in product_recalls');
    assert.deepEqual(trace.steps[2].links, [{ kind: 'tableRow', table: 'product_recalls', key: '2026-12-0042' }]);
    assert.equal(trace.steps[3]?.title, 'Submitted by product_recalls_spark');
    assert.deepEqual(trace.steps[3].links, [{ kind: 'run', dagId: 'product_recalls_spark', runId }, { kind: 'taskLog', dagId: 'product_recalls_spark', runId, taskId: 'spark_submit', tryNumber: 1 }]);
    assert.equal(trace.active, false);
    assert.match(trace.route ?? '', /Spark product_recalls_to_postgres/);
  });

  it('a de-duplicated message says so and names the row that won, with its partition and offset', () => {
    const trace = deriveSparkMessageTrace({ coordinates, key: '2026-12-0042', producedAt: null, batches: [batch], checkpoint, rowFromMessage: null, rowWithKey: row(0, '12'), run, tasks: [task] });
    const step = trace.steps[2];
    assert.equal(step?.title, 'De-duplicated: row 2026-12-0042 won');
    assert.match(step.detail, /dropped as a duplicate of 2026-12-0042; the row in product_recalls was loaded from product_recalls \[0\] @ 12 by batch 3/);
    assert.deepEqual(step.links[1], { kind: 'message', topic: 'product_recalls', partition: 0, offset: '12' });
  });

  it('a message Spark has not read yet waits, and says how far the job has committed', () => {
    const trace = deriveSparkMessageTrace({ coordinates: { ...coordinates, offset: '95' }, key: 'k', producedAt: null, batches: [], checkpoint, rowFromMessage: null, rowWithKey: null, run: undefined, tasks: [] });
    assert.deepEqual(trace.steps.map((s) => s.status), ['done', 'waiting', 'waiting', 'waiting']);
    assert.match(trace.steps[1]?.detail ?? '', /committed offset of partition 1 is 90/);
    assert.equal(trace.active, true);
  });

  it('the checkpoint disagreeing with spark_batches, or no longer keeping the batch, is said', () => {
    const other = { ...batch, endOffsets: { 0: '80', 1: '91' } };
    assert.equal(checkAgainstCheckpoint(other, 'product_recalls', 1, checkpoint).status, 'differs');
    assert.equal(checkAgainstCheckpoint({ ...batch, batchId: 1 }, 'product_recalls', 1, checkpoint).status, 'notKept');
    const uncommitted = checkpointFromLogs('/ckpt', checkpoint.batches.length ? [parseOffsetLog(offsetsFile(1, { 0: 40, 1: 50 }), 2), parseOffsetLog(offsetsFile(2, { 0: 80, 1: 90 }), 3)] : [], [parseCommitLog(COMMIT, 2)]);
    assert.equal(checkAgainstCheckpoint(batch, 'product_recalls', 1, uncommitted).status, 'uncommitted');
    const trace = deriveSparkMessageTrace({ coordinates, key: 'k', producedAt: null, batches: [other], checkpoint, rowFromMessage: null, rowWithKey: null, run, tasks: [] });
    assert.equal(trace.steps[1]?.status, 'failed');
    assert.match(trace.steps[1].detail, /offsets\/3 says partition 1 50–90, spark_batches says 50–91/);
  });

  it('read by a batch but in no row of the table: failed, with the reason', () => {
    const trace = deriveSparkMessageTrace({ coordinates, key: 'gone', producedAt: null, batches: [batch], checkpoint, rowFromMessage: null, rowWithKey: null, run, tasks: [] });
    assert.equal(trace.steps[2]?.status, 'failed');
    assert.match(trace.steps[2].detail, /product_recalls has no row gone/);
  });
});

describe('the checkpoint folder of the stack', () => {
  it('is the query\'s folder under $KAW_SPARK_CHECKPOINT_DIR, else under $KAW_STATE or the cache\'s state folder', async () => {
    const { defaultSparkCheckpointDir } = await import('../../src/pipelines/sparkCheckpoint');
    assert.equal(defaultSparkCheckpointDir({ KAW_SPARK_CHECKPOINT_DIR: '/s/ckpt' }, '/home/u'), '/s/ckpt/product_recalls_to_postgres');
    assert.equal(defaultSparkCheckpointDir({ KAW_STATE: '/state' }, '/home/u'), '/state/spark/checkpoints/product_recalls_to_postgres');
    assert.equal(defaultSparkCheckpointDir({}, '/home/u'), '/home/u/.cache/kafka-airflow-workbench/state/spark/checkpoints/product_recalls_to_postgres');
  });
});

describe('the summary of Start Pipeline', () => {
  it('names the runs and what moved between the figures before and after', async () => {
    const { describePipelineRun } = await import('../../src/pipelines/pipelineRun');
    const run = (dagId: string, state: DagRun['state']): DagRun => ({ dagId, runId: `manual__${dagId}`, state, runType: 'manual', logicalDate: null, startDate: null, endDate: null, durationSeconds: null, conf: {} });
    const reading = (ends: string[], batchId: number | null, rows: number, committed: string[]): Parameters<typeof describePipelineRun>[2] => {
      const facts = {
        topicEnds: { ok: true as const, value: ends.map((high, partition) => ({ partition, low: '0', high })) },
        lastBatch: { ok: true as const, value: batchId === null ? null : { queryName: 'q', batchId, airflowDagId: null, airflowRunId: null, startOffsets: {}, endOffsets: {}, rowsIn: 12, rowsWritten: 11, durationMs: 900, startedAt: null, finishedAt: null } },
        tableRows: { ok: true as const, value: rows },
        checkpoint: { ok: true as const, value: { ...checkpointFromLogs('/c', [parseOffsetLog(offsetsFile(1, Object.fromEntries(committed.map((c, i) => [i, Number(c)]))), 0)], [parseCommitLog(COMMIT, 0)]), exists: true } },
      };
      return { pipeline: STREAMING_PIPELINE, readAt: 0, elapsedMs: 1, stages: STREAMING_PIPELINE.stages.map((s) => ({ stage: s, facts, figures: stageFigures(s, facts) })) };
    };
    const before = reading(['10', '10'], 2, 19, ['10', '9']);
    const after = reading(['16', '16'], 3, 30, ['16', '16']);
    const ok = describePipelineRun('Product recalls (streaming)', [run('product_recalls_ingest', 'success'), run('product_recalls_spark', 'success')], before, after, 2);
    assert.equal(ok.succeeded, true);
    assert.equal(ok.text, 'Pipeline Product recalls (streaming) ran: product_recalls_ingest run manual__product_recalls_ingest succeeded, product_recalls_spark run manual__product_recalls_spark succeeded; '
      + '12 message(s) added to the topic (end offsets 20 → 32), 1 Spark micro-batch(es), last micro-batch #3: 12 in, 11 written, the table has 30 row(s) (+11), Spark lag 0.');
    const failed = describePipelineRun('Product recalls (streaming)', [run('product_recalls_ingest', 'failed')], before, before, 2);
    assert.equal(failed.succeeded, false);
    assert.match(failed.text, /^Pipeline Product recalls \(streaming\) stopped: product_recalls_ingest run manual__product_recalls_ingest failed \(1 DAG\(s\) not started\); 0 message\(s\) added/);
  });
});
