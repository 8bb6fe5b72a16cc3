/**
 * The example pipelines the workbench knows, as stages (where the data is at each point and
 * what moves it on), and the pure rules that turn what was read from each stage into the
 * figures the Pipelines view shows: records the source API holds that were not ingested yet,
 * the topic's end offsets, the Spark job's committed offsets and its lag per partition, the
 * last micro-batch, rows in the target table. pipelineReader.ts reads the facts; this module
 * only words them, so the rules are unit-tested on real-shaped data. No vscode.
 */
import type { DagRun } from '../airflow/types';
import { formatDurationMs } from '../shared/durations';
import type { CheckpointState, KafkaSourceOffsets } from './sparkCheckpoint';

export type StageKind = 'sourceApi' | 'topic' | 'sparkJob' | 'consumerDag' | 'table';

export interface StageDefinition {
  id: string;
  kind: StageKind;
  label: string;
  /** The topic(s) of a topic stage; the topic a Spark or consumer stage reads. */
  topics?: string[];
  /** The DAG that moves data out of this stage (ingestion for the API, the Spark DAG, the consumer). */
  dagId?: string;
  /** The table of a table stage. */
  table?: string;
}

export interface PipelineDefinition {
  id: string;
  label: string;
  description: string;
  /** The DAGs Start Pipeline runs, one after the other. */
  dags: string[];
  stages: StageDefinition[];
}

export const RECALLS_TOPIC = 'product_recalls';
export const RECALLS_INGEST_DAG = 'product_recalls_ingest';
export const RECALLS_SPARK_DAG = 'product_recalls_spark';
export const RECALLS_TABLE = 'product_recalls';
export const RECALLS_QUERY_NAME = 'product_recalls_to_postgres';
/** The ingestion checkpoint row in pipeline_checkpoints. */
export const RECALLS_CHECKPOINT_PIPELINE = 'product_recalls_ingest';

export const STREAMING_PIPELINE: PipelineDefinition = {
  id: 'product_recalls',
  label: 'Product recalls (streaming)',
  description: 'source API → Kafka → Spark Structured Streaming → PostgreSQL',
  dags: [RECALLS_INGEST_DAG, RECALLS_SPARK_DAG],
  stages: [
    { id: 'api', kind: 'sourceApi', label: 'Source API /recalls', dagId: RECALLS_INGEST_DAG },
    { id: 'topic', kind: 'topic', label: `Topic ${RECALLS_TOPIC}`, topics: [RECALLS_TOPIC] },
    { id: 'spark', kind: 'sparkJob', label: `Spark job ${RECALLS_QUERY_NAME}`, topics: [RECALLS_TOPIC], dagId: RECALLS_SPARK_DAG },
    { id: 'table', kind: 'table', label: `Table ${RECALLS_TABLE}`, table: RECALLS_TABLE },
  ],
};

export const BATCH_TOPIC = 'workbench.events';
export const BATCH_PIPELINE: PipelineDefinition = {
  id: 'message_history',
  label: 'Message history (batch)',
  description: 'Kafka topics → kafka_batch_consumer → message_history',
  dags: ['kafka_batch_consumer'],
  stages: [
    { id: 'topic', kind: 'topic', label: `Topic ${BATCH_TOPIC}`, topics: [BATCH_TOPIC] },
    { id: 'consumer', kind: 'consumerDag', label: 'DAG kafka_batch_consumer', dagId: 'kafka_batch_consumer', topics: [BATCH_TOPIC] },
    { id: 'table', kind: 'table', label: 'Table message_history', table: 'message_history' },
  ],
};

export const PIPELINES: readonly PipelineDefinition[] = [STREAMING_PIPELINE, BATCH_PIPELINE];

/** The pipeline a topic feeds through Spark, when it is one (the trace follows it through Spark). */
export function sparkPipelineOfTopic(topic: string): PipelineDefinition | undefined {
  return PIPELINES.find((p) => p.stages.some((s) => s.kind === 'sparkJob' && s.topics?.includes(topic)));
}

// ---------------------------------------------------------------------------------------
// Facts read from the stages

/** A read that failed says why, in a sentence; the other stages still show. */
export type Fact<T> = { ok: true; value: T } | { ok: false; error: string };

export interface SparkBatchRow {
  queryName: string;
  batchId: number;
  airflowDagId: string | null;
  airflowRunId: string | null;
  /** partition → offset (exclusive end), as the table holds them. */
  startOffsets: Record<string, string>;
  endOffsets: Record<string, string>;
  rowsIn: number | null;
  rowsWritten: number | null;
  durationMs: number | null;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface PartitionEnd {
  partition: number;
  low: string;
  high: string;
}

export interface StageFacts {
  /** Source API: the ingestion checkpoint and what the API holds since it. */
  ingestCheckpoint?: Fact<{ publishedSince: string | null; updatedAt: number | null; runId: string | null }>;
  apiPending?: Fact<number>;
  /** Topic stage (and what a Spark/consumer stage reads): partitions with their bounds. */
  topicEnds?: Fact<PartitionEnd[]>;
  checkpoint?: Fact<CheckpointState & { exists: boolean }>;
  lastBatch?: Fact<SparkBatchRow | null>;
  tableRows?: Fact<number>;
  /** The newest run of the stage's DAG. */
  lastRun?: Fact<DagRun | null>;
}

export type StageHealth = 'ok' | 'behind' | 'waiting' | 'error';

export interface FigureLine {
  label: string;
  value: string;
}

/** What the view shows for one stage. */
export interface StageFigures {
  /** One line beside the stage's name. */
  summary: string;
  health: StageHealth;
  /** The figures under the stage, one per row. */
  lines: FigureLine[];
}

export interface PartitionLag {
  partition: number;
  committed: string | null;
  end: string;
  lag: string;
}

/**
 * Lag per partition: the topic's end offset minus the offset the Spark job committed (its
 * last committed batch's end); a partition the job has not committed is behind by all of it
 * (end minus the earliest offset still in the log).
 */
export function lagPerPartition(ends: readonly PartitionEnd[], committed: KafkaSourceOffsets | null, topic: string): PartitionLag[] {
  return [...ends].sort((a, b) => a.partition - b.partition).map((p) => {
    const done = committed?.[topic]?.[String(p.partition)];
    const from = done === undefined || BigInt(done) < 0n ? BigInt(p.low) : BigInt(done);
    const lag = BigInt(p.high) - from;
    return { partition: p.partition, committed: done ?? null, end: p.high, lag: String(lag < 0n ? 0n : lag) };
  });
}

const sum = (values: readonly string[]): bigint => values.reduce((a, v) => a + BigInt(v), 0n);

function runText(run: DagRun | null): string {
  if (!run) return 'never run';
  const when = run.endDate ?? run.startDate ?? run.logicalDate;
  return `${run.state}${when ? ` at ${when.replace('T', ' ').replace(/\.\d+/, '').replace(/\+00:00$|Z$/, ' UTC')}` : ''} (${run.runId})`;
}

function errorFigures(label: string, error: string): StageFigures {
  return { summary: `${label}: cannot read`, health: 'error', lines: [{ label: 'error', value: error }] };
}

/** Figures of one stage from the facts read for it. */
export function stageFigures(stage: StageDefinition, facts: StageFacts): StageFigures {
  switch (stage.kind) {
    case 'sourceApi': return sourceApiFigures(facts);
    case 'topic': return topicFigures(facts);
    case 'sparkJob': return sparkFigures(stage, facts);
    case 'consumerDag': return consumerFigures(facts);
    case 'table': return tableFigures(facts);
  }
}

function lastRunLine(facts: StageFacts, dagLabel: string): FigureLine[] {
  if (!facts.lastRun) return [];
  return [{ label: `last ${dagLabel} run`, value: facts.lastRun.ok ? runText(facts.lastRun.value) : `cannot read: ${facts.lastRun.error}` }];
}

function sourceApiFigures(facts: StageFacts): StageFigures {
  const lines: FigureLine[] = [];
  const checkpoint = facts.ingestCheckpoint;
  if (checkpoint?.ok) {
    lines.push({ label: 'ingested up to', value: checkpoint.value.publishedSince ?? 'nothing yet (no checkpoint)' });
  } else if (checkpoint) {
    lines.push({ label: 'checkpoint', value: `cannot read: ${checkpoint.error}` });
  }
  lines.push(...lastRunLine(facts, 'ingestion'));
  const pending = facts.apiPending;
  if (!pending) return { summary: 'not read', health: 'waiting', lines };
  if (!pending.ok) return { summary: 'cannot read the API', health: 'error', lines: [{ label: 'error', value: pending.error }, ...lines] };
  lines.unshift({ label: 'not ingested yet', value: `${pending.value} record(s)` });
  return { summary: `${pending.value} record(s) not ingested yet`, health: pending.value > 0 ? 'behind' : 'ok', lines };
}

function topicFigures(facts: StageFacts): StageFigures {
  const ends = facts.topicEnds;
  if (!ends) return { summary: 'not read', health: 'waiting', lines: [] };
  if (!ends.ok) return errorFigures('topic', ends.error);
  const total = sum(ends.value.map((p) => p.high));
  const held = ends.value.reduce((a, p) => a + BigInt(p.high) - BigInt(p.low), 0n);
  return {
    summary: `end offsets ${total} in ${ends.value.length} partition(s)`,
    health: 'ok',
    lines: [
      ...[...ends.value].sort((a, b) => a.partition - b.partition).map((p) => ({ label: `partition ${p.partition}`, value: `end offset ${p.high} (from ${p.low})` })),
      { label: 'messages held', value: String(held) },
    ],
  };
}

function sparkFigures(stage: StageDefinition, facts: StageFacts): StageFigures {
  const topic = stage.topics?.[0] ?? '';
  const lines: FigureLine[] = [];
  let health: StageHealth = 'ok';
  let summary = '';
  const checkpoint = facts.checkpoint;
  if (checkpoint && !checkpoint.ok) return { ...errorFigures('checkpoint', checkpoint.error), lines: [{ label: 'checkpoint', value: checkpoint.error }, ...lastRunLine(facts, 'Spark')] };
  const state = checkpoint?.ok ? checkpoint.value : undefined;
  const committed = state?.lastCommitted?.endOffsets ?? null;
  if (state && !state.exists) lines.push({ label: 'checkpoint', value: `${state.dir} does not exist yet: the Spark job has not run` });
  else if (state) lines.push({ label: 'checkpoint', value: state.lastCommitted ? `batch ${state.lastCommitted.batchId} committed${state.pending ? `; batch ${state.pending.batchId} planned, not committed (read again next run)` : ''}` : 'no batch committed yet' });
  if (facts.topicEnds?.ok) {
    const lags = lagPerPartition(facts.topicEnds.value, committed, topic);
    const total = sum(lags.map((l) => l.lag));
    for (const l of lags) lines.push({ label: `partition ${l.partition}`, value: `committed ${l.committed ?? '—'} / end ${l.end}, lag ${l.lag}` });
    summary = `lag ${total}`;
    if (total > 0n) health = 'behind';
  } else if (facts.topicEnds) {
    lines.push({ label: 'lag', value: `cannot read the topic: ${facts.topicEnds.error}` });
    summary = 'lag unknown';
    health = 'error';
  }
  const batch = facts.lastBatch;
  if (batch?.ok && batch.value) {
    const b = batch.value;
    const text = `#${b.batchId}: ${b.rowsIn ?? '?'} in, ${b.rowsWritten ?? '?'} written, ${formatDurationMs(b.durationMs)}`;
    lines.push({ label: 'last micro-batch', value: `${text}${b.airflowRunId ? ` (run ${b.airflowRunId})` : ''}` });
    summary = summary ? `${summary} · last batch ${text}` : `last batch ${text}`;
  } else if (batch?.ok) {
    lines.push({ label: 'last micro-batch', value: 'none yet' });
  } else if (batch) {
    lines.push({ label: 'last micro-batch', value: `cannot read: ${batch.error}` });
    health = 'error';
  }
  lines.push(...lastRunLine(facts, 'Spark'));
  return { summary: summary || 'not read', health, lines };
}

function consumerFigures(facts: StageFacts): StageFigures {
  const lines = lastRunLine(facts, 'consumer');
  const run = facts.lastRun;
  if (run && !run.ok) return { summary: 'cannot read the runs', health: 'error', lines };
  const last = run?.ok ? run.value : null;
  return { summary: last ? `last run ${last.state}` : 'never run', health: last?.state === 'failed' ? 'error' : 'ok', lines };
}

function tableFigures(facts: StageFacts): StageFigures {
  const rows = facts.tableRows;
  if (!rows) return { summary: 'not read', health: 'waiting', lines: [] };
  if (!rows.ok) return errorFigures('table', rows.error);
  return { summary: `${rows.value} row(s)`, health: 'ok', lines: [{ label: 'rows', value: String(rows.value) }] };
}
