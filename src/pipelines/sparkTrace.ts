/**
 * The trace of one message of a topic that a Spark job moves into a table (the streaming
 * pipeline): which micro-batch read it (spark_batches' offset ranges, checked against the
 * Spark checkpoint's offsets/<n> and commits/<n>), which row of the table holds it — or, when
 * the job dropped it as a duplicate of a record already loaded, which row won and from which
 * partition and offset — and the Airflow run that submitted that Spark run. The rules are pure
 * (deriveSparkMessageTrace); SparkTraceReader fetches the facts. No vscode.
 */
import type { AirflowClient } from '../airflow/airflowClient';
import type { DagRun, TaskInstance } from '../airflow/types';
import type { KafkaService } from '../kafka/kafkaService';
import { WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { formatDurationMs } from '../shared/durations';
import { isFinalRunState, spanMs, timeOf, type MessageCoordinates, type MessageTrace, type TraceLink, type TraceStep, type TraceStepKind } from '../trace/traceModel';
import { RECALLS_QUERY_NAME, RECALLS_TABLE, type PipelineDefinition, type SparkBatchRow } from './pipelineModel';
import type { PipelineStore, RecallRow } from './pipelineStore';
import { type CheckpointState } from './sparkCheckpoint';

export interface SparkTraceInput {
  coordinates: MessageCoordinates;
  /** The message's key as text (the record id), or null when it has none or was not read. */
  key: string | null;
  producedAt: number | null;
  /** The spark_batches rows whose range of the message's partition holds its offset. */
  batches: SparkBatchRow[];
  /** The checkpoint as read now (undefined when it could not be read: `checkpointError` says why). */
  checkpoint: CheckpointState | undefined;
  checkpointError?: string;
  /** The row loaded from this very message (same topic, partition, offset). */
  rowFromMessage: RecallRow | null;
  /** The row with the message's key (the one that won when this copy was dropped). */
  rowWithKey: RecallRow | null;
  /** The Airflow run that submitted the Spark run of the batch, and its tasks. */
  run: DagRun | undefined;
  tasks: TaskInstance[];
  /** Names of the table and query for the sentences. */
  table?: string;
  queryName?: string;
}

export interface CheckpointCheck {
  status: 'agrees' | 'differs' | 'notKept' | 'uncommitted' | 'unknown';
  text: string;
}

function rangeText(batch: SparkBatchRow, partition: string): string {
  return `${batch.startOffsets[partition] ?? '0'}–${batch.endOffsets[partition] ?? '?'} (end exclusive)`;
}

/** Checks one spark_batches row against the checkpoint's offsets/<n> and commits/<n>. */
export function checkAgainstCheckpoint(batch: SparkBatchRow, topic: string, partition: number, checkpoint: CheckpointState | undefined, error?: string): CheckpointCheck {
  if (!checkpoint) return { status: 'unknown', text: `the checkpoint could not be read${error ? `: ${error}` : ''}` };
  const entry = checkpoint.batches.find((b) => b.batchId === batch.batchId);
  if (!entry) {
    const oldest = checkpoint.batches[0]?.batchId;
    return { status: 'notKept', text: `batch ${batch.batchId} is no longer in the checkpoint${oldest !== undefined ? ` (it keeps batches ${oldest}–${checkpoint.batches.at(-1)?.batchId ?? oldest})` : ' (it holds no batch)'}` };
  }
  const p = String(partition);
  const end = entry.endOffsets[topic]?.[p];
  const start = entry.startOffsets?.[topic]?.[p];
  const wantEnd = batch.endOffsets[p];
  const wantStart = batch.startOffsets[p];
  const endOk = end !== undefined && wantEnd !== undefined && BigInt(end) === BigInt(wantEnd);
  const startOk = entry.startOffsets === null || wantStart === undefined || BigInt(start ?? '0') === BigInt(wantStart);
  if (!endOk || !startOk) {
    return { status: 'differs', text: `the checkpoint's offsets/${batch.batchId} says partition ${p} ${start ?? '?'}–${end ?? '?'}, spark_batches says ${wantStart ?? '?'}–${wantEnd ?? '?'}` };
  }
  if (!entry.committed) return { status: 'uncommitted', text: `offsets/${batch.batchId} agrees, but commits/${batch.batchId} is missing: the batch will be run again` };
  return { status: 'agrees', text: `checkpoint agrees (offsets/${batch.batchId} ${start ?? 'from the start'}–${end}, commits/${batch.batchId} present)` };
}

function waiting(kind: TraceStepKind, title: string, detail: string): TraceStep {
  return { kind, status: 'waiting', title, detail, at: null, durationMs: null, links: [] };
}

/** The committed Spark offset of the message's partition, when the checkpoint knows it. */
function committedOffset(checkpoint: CheckpointState | undefined, topic: string, partition: number): string | undefined {
  return checkpoint?.lastCommitted?.endOffsets[topic]?.[String(partition)];
}

/** The steps: produced → Spark micro-batch → table row (or de-duplicated) → Airflow run that submitted it. */
export function deriveSparkMessageTrace(input: SparkTraceInput): MessageTrace {
  const { coordinates, key, checkpoint } = input;
  const table = input.table ?? RECALLS_TABLE;
  const queryName = input.queryName ?? RECALLS_QUERY_NAME;
  const where = `${coordinates.topic} [${coordinates.partition}] @ ${coordinates.offset}`;
  const steps: TraceStep[] = [{
    kind: 'produced', status: 'done', title: 'Produced', at: input.producedAt, durationMs: null, links: [],
    detail: `${where}${key !== null ? `, key ${key}` : ', no key'}${input.producedAt !== null ? ` at ${new Date(input.producedAt).toISOString()}` : ''}`,
  }];
  const route = `Kafka → Spark ${queryName} → ${table} → Airflow run`;

  const batch = input.batches[0];
  if (!batch) {
    const committed = committedOffset(checkpoint, coordinates.topic, coordinates.partition);
    const readPast = committed !== undefined && BigInt(committed) > BigInt(coordinates.offset);
    steps.push(readPast
      ? { ...waiting('sparkBatch', 'Spark micro-batch', `the checkpoint has read partition ${coordinates.partition} up to ${committed}, past this offset, but spark_batches has no batch whose range holds it: the job did not record that batch (was it run by another version of the job?)`), status: 'failed' }
      : waiting('sparkBatch', 'Spark micro-batch', `waiting: not read by Spark yet (${committed === undefined ? 'no batch committed for this partition' : `committed offset of partition ${coordinates.partition} is ${committed}`}); run product_recalls_spark to move it`));
    steps.push(waiting('tableRow', 'Table row', `waiting: no row before Spark reads the message`));
    steps.push(waiting('submittedBy', 'Airflow run', 'waiting: no Spark run has read it yet'));
    return { coordinates, steps, active: true, route };
  }

  const check = checkAgainstCheckpoint(batch, coordinates.topic, coordinates.partition, checkpoint, input.checkpointError);
  const p = String(coordinates.partition);
  const others = input.batches.length > 1 ? `; also in batch(es) ${input.batches.slice(1).map((b) => b.batchId).join(', ')} (re-read after a failure)` : '';
  steps.push({
    kind: 'sparkBatch',
    status: check.status === 'differs' ? 'failed' : 'done',
    title: `Spark micro-batch #${batch.batchId}`,
    detail: `read by ${queryName} batch ${batch.batchId}: partition ${p} offsets ${rangeText(batch, p)}, ${batch.rowsIn ?? '?'} row(s) in, ${batch.rowsWritten ?? '?'} written, took ${formatDurationMs(batch.durationMs)}; ${check.text}${others}`,
    at: batch.startedAt,
    durationMs: batch.durationMs ?? spanMs(batch.startedAt, batch.finishedAt),
    links: [{ kind: 'sparkCheckpoint', batchId: batch.batchId }],
  });

  const own = input.rowFromMessage;
  const winner = input.rowWithKey;
  if (own) {
    steps.push({
      kind: 'tableRow', status: 'done', title: `Row in ${table}`,
      detail: `row ${own.referenceFiche} loaded by batch ${own.sparkBatchId ?? '?'}${own.loadedAt !== null ? ` at ${new Date(own.loadedAt).toISOString()}` : ''}`,
      at: own.loadedAt, durationMs: spanMs(input.producedAt, own.loadedAt),
      links: [{ kind: 'tableRow', table, key: own.referenceFiche }],
    });
  } else if (winner) {
    const from = winner.kafkaPartition !== null && winner.kafkaOffset !== null ? `${winner.kafkaTopic ?? coordinates.topic} [${winner.kafkaPartition}] @ ${winner.kafkaOffset}` : 'an unrecorded message';
    steps.push({
      kind: 'tableRow', status: 'done', title: `De-duplicated: row ${winner.referenceFiche} won`,
      detail: `this copy was dropped as a duplicate of ${key ?? winner.referenceFiche}; the row in ${table} was loaded from ${from}${winner.sparkBatchId !== null ? ` by batch ${winner.sparkBatchId}` : ''}${winner.loadedAt !== null ? ` at ${new Date(winner.loadedAt).toISOString()}` : ''}`,
      at: winner.loadedAt, durationMs: null,
      links: [
        { kind: 'tableRow', table, key: winner.referenceFiche },
        ...(winner.kafkaPartition !== null && winner.kafkaOffset !== null
          ? [{ kind: 'message' as const, topic: winner.kafkaTopic ?? coordinates.topic, partition: winner.kafkaPartition, offset: winner.kafkaOffset }]
          : []),
      ],
    });
  } else if (check.status === 'uncommitted' || (input.run && !isFinalRunState(input.run.state))) {
    steps.push(waiting('tableRow', 'Table row', `waiting: batch ${batch.batchId} is not committed yet`));
  } else {
    steps.push({
      ...waiting('tableRow', 'Table row', key === null
        ? `batch ${batch.batchId} read it, but the message has no key, so no row can hold it (the job drops records without reference_fiche)`
        : `batch ${batch.batchId} read it, but ${table} has no row ${key}: the job dropped it (unparsable value?) or the row was deleted`),
      status: 'failed',
    });
  }

  const dagId = own?.airflowDagId ?? batch.airflowDagId;
  const runId = own?.airflowRunId ?? batch.airflowRunId;
  if (dagId === null || runId === null) {
    steps.push({ ...waiting('submittedBy', 'Airflow run', `batch ${batch.batchId} does not name the Airflow run that submitted it (the job ran outside Airflow?)`), status: 'done' });
    return { coordinates, steps, active: false, route };
  }
  const run = input.run;
  const submit = input.tasks.find((t) => /spark|submit/i.test(t.taskId)) ?? input.tasks[0];
  // Only a run the active Airflow connection knows gets its actions (a job run by hand names no DAG run).
  const links: TraceLink[] = run ? [{ kind: 'run', dagId, runId }] : [];
  if (run && submit) links.push({ kind: 'taskLog', dagId, runId, taskId: submit.taskId, tryNumber: submit.tryNumber });
  const start = timeOf(run?.startDate);
  steps.push({
    kind: 'submittedBy',
    status: run ? (run.state === 'failed' ? 'failed' : isFinalRunState(run.state) ? 'done' : 'active') : 'done',
    title: `Submitted by ${dagId}`,
    detail: `run ${runId}${run ? `: ${run.state}` : ' (not found on the active Airflow connection)'}${submit ? `, task ${submit.taskId} (${submit.state ?? 'no state'}, try ${submit.tryNumber})` : ''}${run?.startDate ? `, ran ${formatDurationMs(spanMs(start, timeOf(run.endDate) ?? Date.now()))}` : ''}`,
    at: start, durationMs: spanMs(start, timeOf(run?.endDate)), links,
  });
  return { coordinates, steps, active: run !== undefined && !isFinalRunState(run.state), route };
}

// ---------------------------------------------------------------------------------------

export type SparkTraceKafkaApi = Pick<KafkaService, 'browse'>;
export type SparkTraceAirflowApi = Pick<AirflowClient, 'getRun' | 'listTaskInstances'>;
export type SparkTraceStoreApi = Pick<PipelineStore, 'sparkBatchesHolding' | 'recallByCoordinates' | 'recallByKey'>;

export interface SparkTraceDeps {
  kafka: () => Promise<SparkTraceKafkaApi>;
  store: () => Promise<SparkTraceStoreApi>;
  readCheckpoint: () => Promise<CheckpointState>;
  logger: Logger;
}

/** The key (as UTF-8 text) and timestamp of one message, read from Kafka. */
export async function readMessageKey(kafka: SparkTraceKafkaApi, c: MessageCoordinates): Promise<{ key: string | null; timestamp: number } | undefined> {
  let found: { key: string | null; timestamp: number } | undefined;
  const abort = new AbortController();
  await kafka.browse({
    topic: c.topic, partitions: [c.partition], start: { kind: 'offset', offset: c.offset }, maxMessages: 1, follow: false, signal: abort.signal,
    onRecords: (records) => {
      const record = records.find((r) => r.offset === c.offset);
      if (record) found = { key: record.key === null ? null : record.key.toString('utf8'), timestamp: record.timestamp };
    },
  });
  return found;
}

export class SparkTraceReader {
  constructor(private readonly deps: SparkTraceDeps) {}

  async traceMessage(pipeline: PipelineDefinition, airflow: SparkTraceAirflowApi, coordinates: MessageCoordinates, producedAt: number | null): Promise<MessageTrace> {
    const table = pipeline.stages.find((s) => s.kind === 'table')?.table ?? RECALLS_TABLE;
    const [store, kafka] = await Promise.all([this.deps.store(), this.deps.kafka()]);
    const [message, batches, rowFromMessage, checkpointRead] = await Promise.all([
      readMessageKey(kafka, coordinates),
      store.sparkBatchesHolding(RECALLS_QUERY_NAME, coordinates.partition, coordinates.offset),
      store.recallByCoordinates(coordinates.topic, coordinates.partition, coordinates.offset),
      this.deps.readCheckpoint().then((value) => ({ value, error: undefined }), (error: unknown) => ({ value: undefined, error: error instanceof Error ? error.message : String(error) })),
    ]);
    if (!message) {
      throw new WorkbenchError(`${coordinates.topic} [${coordinates.partition}] has no message at offset ${coordinates.offset} (past its end, or deleted by retention). Trace a message the topic still holds.`, { actions: [] });
    }
    const key = message.key;
    const rowWithKey = rowFromMessage ?? (key !== null ? await store.recallByKey(key) : null);
    const batch = batches[0];
    const dagId = rowFromMessage?.airflowDagId ?? batch?.airflowDagId ?? null;
    const runId = rowFromMessage?.airflowRunId ?? batch?.airflowRunId ?? null;
    let run: DagRun | undefined;
    let tasks: TaskInstance[] = [];
    if (dagId !== null && runId !== null) {
      try {
        [run, tasks] = await Promise.all([airflow.getRun(dagId, runId), airflow.listTaskInstances(dagId, runId)]);
      } catch (error) {
        // The run may be on another Airflow than the active connection: the trace says so instead of failing.
        this.deps.logger.warn(`trace: run ${dagId} / ${runId} not read: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.deps.logger.debug(`spark trace ${coordinates.topic}[${coordinates.partition}]@${coordinates.offset}: key ${key ?? '(none)'}, ${batches.length} batch(es), row ${rowFromMessage ? 'own' : rowWithKey ? 'winner' : 'none'}`);
    return deriveSparkMessageTrace({
      coordinates, key, producedAt: producedAt ?? message.timestamp, batches, checkpoint: checkpointRead.value,
      ...(checkpointRead.error !== undefined ? { checkpointError: checkpointRead.error } : {}),
      rowFromMessage, rowWithKey: rowFromMessage ? null : rowWithKey, run, tasks, table,
    });
  }
}
