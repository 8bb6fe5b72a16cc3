/**
 * The trace of a Kafka message (or of a whole batch-consumer run) through the pipeline, as
 * plain data: which steps were reached, when, how long they took, and which one was the
 * slowest. Pure functions over what TraceService (traceService.ts) fetched from Kafka,
 * Airflow and the message history, so the step rules are unit-tested without servers.
 */
import type { DagRun, DatasetEvent, RunState, TaskInstance } from '../airflow/types';
import type { HistoryRow } from '../history/types';
import { formatDurationMs } from '../shared/durations';

/** The consumer DAG of the bundled pipeline and its loading task. */
export const BATCH_CONSUMER_DAG_ID = 'kafka_batch_consumer';
export const CONSUME_TASK_ID = 'consume_and_load';

/** The batch pipeline's steps, then the streaming pipeline's (src/pipelines/sparkTrace.ts). */
export type TraceStepKind = 'produced' | 'consumed' | 'loaded' | 'event' | 'downstream' | 'sparkBatch' | 'tableRow' | 'submittedBy';

/** done: reached and finished; active: under way; waiting: not reached yet; failed: stopped there. */
export type TraceStepStatus = 'done' | 'active' | 'waiting' | 'failed';

/** What a step's action opens. */
export type TraceLink =
  | { kind: 'run'; dagId: string; runId: string }
  | { kind: 'taskLog'; dagId: string; runId: string; taskId: string; tryNumber: number }
  | { kind: 'historyRow'; rowId: string }
  /** The Spark checkpoint's offsets/<batchId> and commits/<batchId>, as a read-only document. */
  | { kind: 'sparkCheckpoint'; batchId: number }
  /** A row of a pipeline table, by its key, as a read-only document. */
  | { kind: 'tableRow'; table: string; key: string }
  /** Another message (the copy that won a de-duplication): its trace. */
  | { kind: 'message'; topic: string; partition: number; offset: string };

export interface TraceStep {
  kind: TraceStepKind;
  status: TraceStepStatus;
  title: string;
  /** One line of facts (or what is awaited). */
  detail: string;
  /** When the step happened (ms since the epoch), when known. */
  at: number | null;
  /** How long the step took, when known. */
  durationMs: number | null;
  links: TraceLink[];
}

export interface MessageCoordinates {
  topic: string;
  partition: number;
  offset: string;
}

/** Everything known about one message; absent parts are not reached yet. */
export interface MessageTraceInput {
  coordinates: MessageCoordinates;
  /** The Kafka timestamp when known from Kafka or from the history row. */
  producedAt: number | null;
  row: HistoryRow | undefined;
  consumerRun: DagRun | undefined;
  consumeTask: TaskInstance | undefined;
  /** The dataset events the consumer run emitted on the row's dataset. */
  events: DatasetEvent[];
  /** The runs those events created, with their current state. */
  downstreamRuns: DagRun[];
  /** The clock (ms) for the grace period of events without a run; Date.now() when absent. */
  now?: number;
}

export interface MessageTrace {
  coordinates: MessageCoordinates;
  steps: TraceStep[];
  /** True while something may still change (a run not final, a step not reached). */
  active: boolean;
  /** The route the steps follow, when not the batch consumer's (the Spark pipeline names its own). */
  route?: string;
}

const FINAL_RUN_STATES: ReadonlySet<string> = new Set(['success', 'failed']);
const FAILED_TASK_STATES: ReadonlySet<string> = new Set(['failed', 'upstream_failed']);

export function isFinalRunState(state: RunState | null | undefined): boolean {
  return state !== null && state !== undefined && FINAL_RUN_STATES.has(state);
}

/** ISO text → ms, or null. */
export function timeOf(iso: string | null | undefined): number | null {
  if (iso === null || iso === undefined) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * How long after a dataset event a trace keeps waiting for the run it should create. Past it,
 * the event most likely has no (unpaused) DAG scheduled on its dataset, and the trace says so.
 */
export const EVENT_GRACE_MS = 120_000;

/** The events that have created no run yet, split into those still in their grace period and those past it. */
export function eventsWithoutRuns(events: readonly DatasetEvent[], now: number): { pending: DatasetEvent[]; overdue: DatasetEvent[] } {
  const without = events.filter((e) => e.createdRuns.length === 0);
  const pending = without.filter((e) => now - (timeOf(e.timestamp) ?? now) < EVENT_GRACE_MS);
  return { pending, overdue: without.filter((e) => !pending.includes(e)) };
}

function overdueText(overdue: readonly DatasetEvent[]): string {
  return overdue.length === 0 ? '' : `; no run started for ${overdue.map((e) => `event #${e.id} on ${e.uri}`).join(', ')} within ${EVENT_GRACE_MS / 1000} s: is a DAG scheduled on that dataset, and unpaused?`;
}

/** b - a when both are known, never negative (clocks of different hosts may disagree slightly). */
export function spanMs(from: number | null, to: number | null): number | null {
  if (from === null || to === null) return null;
  return Math.max(0, to - from);
}

function runStatus(state: RunState | null | undefined): TraceStepStatus {
  if (state === 'success') return 'done';
  if (state === 'failed') return 'failed';
  return 'active';
}

function runDurationMs(run: DagRun): number | null {
  const start = timeOf(run.startDate);
  if (start === null) return null;
  return spanMs(start, timeOf(run.endDate) ?? Date.now());
}

/** The steps of one message's journey, in order; the first not reached says what it waits for. */
export function deriveMessageTrace(input: MessageTraceInput): MessageTrace {
  const { coordinates, row, consumerRun, consumeTask, events, downstreamRuns } = input;
  const where = `${coordinates.topic} [${coordinates.partition}] @ ${coordinates.offset}`;
  const producedAt = input.producedAt ?? row?.messageTimestamp ?? null;
  const steps: TraceStep[] = [{
    kind: 'produced', status: 'done', title: 'Produced', at: producedAt, durationMs: null, links: [],
    detail: producedAt === null ? `${where} (no Kafka timestamp)` : `${where} at ${new Date(producedAt).toISOString()}`,
  }];

  // Consumed: the history row names the consumer run; without a row the message is not consumed yet.
  if (row === undefined) {
    steps.push(waiting('consumed', 'Consumed', 'waiting: not consumed yet (no batch-consumer run has loaded this offset)'));
    steps.push(waiting('loaded', 'History row', 'waiting: not loaded into the message history yet'));
    steps.push(waiting('event', 'Dataset event', 'waiting: no dataset event before the message is loaded'));
    steps.push(waiting('downstream', 'Downstream run', 'waiting: no downstream run before the dataset event'));
    return { coordinates, steps, active: true };
  }
  const consumerDag = row.consumerDagId ?? BATCH_CONSUMER_DAG_ID;
  const consumerRunId = row.consumerRunId;
  const consumeStart = timeOf(consumeTask?.startDate) ?? timeOf(consumerRun?.startDate);
  const consumedLinks: TraceLink[] = [];
  if (consumerRunId !== null) {
    consumedLinks.push({ kind: 'run', dagId: consumerDag, runId: consumerRunId });
    if (consumeTask) consumedLinks.push({ kind: 'taskLog', dagId: consumerDag, runId: consumerRunId, taskId: consumeTask.taskId, tryNumber: consumeTask.tryNumber });
  }
  const taskText = consumeTask ? `task ${consumeTask.taskId} (${consumeTask.state ?? 'no state'})` : `task ${CONSUME_TASK_ID}`;
  steps.push({
    kind: 'consumed',
    status: consumerRun ? (runStatus(consumerRun.state) === 'failed' ? 'failed' : 'done') : 'done',
    title: 'Consumed',
    detail: `by ${consumerDag} run ${consumerRunId ?? '(unknown run)'}, ${taskText}`,
    at: consumeStart,
    durationMs: spanMs(producedAt, consumeStart),
    links: consumedLinks,
  });
  steps.push({
    kind: 'loaded', status: 'done', title: 'History row',
    detail: `row ${row.id}, data type ${row.dataType}${row.datasetUri ? `, dataset ${row.datasetUri}` : ''}`,
    at: row.consumedAt, durationMs: spanMs(consumeStart, row.consumedAt),
    links: [{ kind: 'historyRow', rowId: row.id }],
  });

  const consumerFinal = consumerRun !== undefined && isFinalRunState(consumerRun.state);
  if (events.length === 0) {
    const why = consumerRun?.state === 'failed'
      ? 'not emitted: the consumer run failed before emitting its dataset events'
      : 'waiting: the consumer run emits its dataset events when it has loaded all its messages';
    steps.push({ ...waiting('event', 'Dataset event', why), status: consumerRun?.state === 'failed' ? 'failed' : 'waiting' });
    steps.push(waiting('downstream', 'Downstream run', 'waiting: no downstream run before the dataset event'));
    return { coordinates, steps, active: !consumerFinal || consumerRun.state !== 'failed' };
  }
  const firstEvent = events.reduce((a, b) => (Date.parse(a.timestamp) <= Date.parse(b.timestamp) ? a : b));
  const eventAt = timeOf(firstEvent.timestamp);
  steps.push({
    kind: 'event', status: 'done', title: events.length === 1 ? 'Dataset event' : `Dataset events (${events.length})`,
    detail: events.map((e) => `#${e.id} on ${e.uri}`).join(', '),
    at: eventAt, durationMs: spanMs(row.consumedAt, eventAt), links: [],
  });

  if (downstreamRuns.length === 0) {
    const { pending, overdue } = eventsWithoutRuns(events, input.now ?? Date.now());
    const detail = pending.length > 0
      ? 'waiting: the scheduler has not started a run for this dataset event yet'
      : `not started${overdueText(overdue)}`;
    steps.push(waiting('downstream', 'Downstream run', detail));
    return { coordinates, steps, active: pending.length > 0 };
  }
  for (const run of downstreamRuns) {
    const start = timeOf(run.startDate);
    const processedByThis = row.processedByRunId === run.runId ? ', processed this row' : '';
    steps.push({
      kind: 'downstream', status: runStatus(run.state), title: `Downstream run of ${run.dagId}`,
      detail: `run ${run.runId}: ${run.state}, ${start === null ? 'not started yet' : `waited ${formatDurationMs(spanMs(eventAt, start))} after the event, ran ${formatDurationMs(runDurationMs(run))}`}${processedByThis}`,
      at: start, durationMs: runDurationMs(run), links: [{ kind: 'run', dagId: run.dagId, runId: run.runId }],
    });
  }
  return { coordinates, steps, active: downstreamRuns.some((r) => !isFinalRunState(r.state)) };
}

function waiting(kind: TraceStepKind, title: string, detail: string): TraceStep {
  return { kind, status: 'waiting', title, detail, at: null, durationMs: null, links: [] };
}

// ---------------------------------------------------------------------------------------
// Batch trace

/** What the history store holds for one consumer run (see runHistory.ts). */
export interface RunHistoryStats {
  loadedRows: number;
  processedRows: number;
  firstMessageAt: number | null;
  lastMessageAt: number | null;
  firstConsumedAt: number | null;
  lastConsumedAt: number | null;
  /** Rows per data type. */
  byDataType: Record<string, number>;
  /** Offset ranges of the loaded rows per topic partition. */
  partitions: { topic: string; partition: number; firstOffset: string; lastOffset: string; rows: number }[];
}

export interface BatchTraceInput {
  consumerRun: DagRun;
  tasks: TaskInstance[];
  history: RunHistoryStats;
  events: DatasetEvent[];
  downstreamRuns: DagRun[];
  /** The clock (ms) for the grace period of events without a run; Date.now() when absent. */
  now?: number;
}

export type BatchPhase = 'waitingInKafka' | 'load' | 'scheduling' | 'downstream';

export const PHASE_LABELS: Record<BatchPhase, string> = {
  waitingInKafka: 'produce → consume start',
  load: 'load (consumer task)',
  scheduling: 'dataset event → downstream run start',
  downstream: 'downstream run duration',
};

export interface BatchPhaseDuration {
  phase: BatchPhase;
  label: string;
  durationMs: number | null;
}

export interface BatchTrace {
  consumerRun: { dagId: string; runId: string; state: RunState };
  counts: {
    /** Messages in the offset ranges the run read (last - first + 1 per partition). */
    messagesInRange: number;
    loadedRows: number;
    processedRows: number;
    events: number;
    downstreamRuns: number;
    downstreamByState: Record<string, number>;
  };
  byDataType: Record<string, number>;
  phases: BatchPhaseDuration[];
  /** The phase that took longest, when any duration is known. */
  slowest: BatchPhaseDuration | undefined;
  steps: TraceStep[];
  active: boolean;
}

/** The phase with the longest known duration; undefined when none is known. */
export function slowestPhase(phases: readonly BatchPhaseDuration[]): BatchPhaseDuration | undefined {
  let slowest: BatchPhaseDuration | undefined;
  for (const phase of phases) {
    if (phase.durationMs === null) continue;
    if (!slowest || (slowest.durationMs ?? -1) < phase.durationMs) slowest = phase;
  }
  return slowest;
}

/** The four phases of a batch from its timestamps (latest event and latest downstream run bound them). */
export function batchPhases(input: BatchTraceInput): BatchPhaseDuration[] {
  const consume = input.tasks.find((t) => t.taskId === CONSUME_TASK_ID);
  const consumeStart = timeOf(consume?.startDate);
  const consumeEnd = timeOf(consume?.endDate) ?? input.history.lastConsumedAt;
  const eventTimes = input.events.map((e) => timeOf(e.timestamp)).filter((t): t is number => t !== null);
  const firstEvent = eventTimes.length > 0 ? Math.min(...eventTimes) : null;
  const starts = input.downstreamRuns.map((r) => timeOf(r.startDate)).filter((t): t is number => t !== null);
  const lastStart = starts.length > 0 ? Math.max(...starts) : null;
  const durations = input.downstreamRuns.map(runDurationMs).filter((d): d is number => d !== null);
  const phase = (p: BatchPhase, durationMs: number | null): BatchPhaseDuration => ({ phase: p, label: PHASE_LABELS[p], durationMs });
  return [
    phase('waitingInKafka', spanMs(input.history.lastMessageAt, consumeStart)),
    phase('load', spanMs(consumeStart, consumeEnd)),
    phase('scheduling', spanMs(firstEvent, lastStart)),
    phase('downstream', durations.length > 0 ? Math.max(...durations) : null),
  ];
}

export function deriveBatchTrace(input: BatchTraceInput): BatchTrace {
  const { consumerRun, history, events, downstreamRuns } = input;
  const { pending, overdue } = eventsWithoutRuns(events, input.now ?? Date.now());
  const downstreamByState: Record<string, number> = {};
  for (const run of downstreamRuns) downstreamByState[run.state] = (downstreamByState[run.state] ?? 0) + 1;
  const messagesInRange = history.partitions.reduce((sum, p) => sum + Number(BigInt(p.lastOffset) - BigInt(p.firstOffset) + 1n), 0);
  const phases = batchPhases(input);
  const consume = input.tasks.find((t) => t.taskId === CONSUME_TASK_ID);
  const { dagId, runId } = consumerRun;
  const consumeStart = timeOf(consume?.startDate);
  const ranges = history.partitions.map((p) => `${p.topic}[${p.partition}] ${p.firstOffset}–${p.lastOffset}`).join(', ');
  const steps: TraceStep[] = [
    {
      kind: 'produced', status: history.loadedRows > 0 ? 'done' : 'waiting', title: 'Produced',
      detail: history.loadedRows > 0 ? `${messagesInRange} message(s) in ${ranges}` : 'waiting: the run has not loaded any message yet',
      at: history.firstMessageAt, durationMs: phases[0]?.durationMs ?? null, links: [],
    },
    {
      kind: 'consumed', status: runStatus(consume?.state === 'success' ? 'success' : FAILED_TASK_STATES.has(consume?.state ?? '') ? 'failed' : 'running'),
      title: 'Consumed', detail: `by ${dagId} run ${runId}, task ${CONSUME_TASK_ID} (${consume?.state ?? 'not started'})`,
      at: consumeStart, durationMs: phases[1]?.durationMs ?? null,
      links: [{ kind: 'run', dagId, runId }, ...(consume ? [{ kind: 'taskLog' as const, dagId, runId, taskId: consume.taskId, tryNumber: consume.tryNumber }] : [])],
    },
    {
      kind: 'loaded', status: history.loadedRows > 0 ? 'done' : 'waiting', title: 'History rows',
      detail: `${history.loadedRows} row(s) loaded (${Object.entries(history.byDataType).map(([t, n]) => `${t}: ${n}`).join(', ') || 'none yet'}), ${history.processedRows} processed downstream`,
      at: history.firstConsumedAt, durationMs: spanMs(history.firstConsumedAt, history.lastConsumedAt), links: [],
    },
    {
      kind: 'event', status: events.length > 0 ? 'done' : consumerRun.state === 'failed' ? 'failed' : 'waiting',
      title: `Dataset events (${events.length})`,
      detail: events.length > 0 ? events.map((e) => `#${e.id} ${e.uri} (${typeof e.extra.count === 'number' ? e.extra.count : '?'} messages)`).join(', ') : 'waiting: the run emits one event per data type when it has loaded its messages',
      at: events.length > 0 ? Math.min(...events.map((e) => Date.parse(e.timestamp))) : null, durationMs: null, links: [],
    },
    {
      kind: 'downstream', status: downstreamRuns.length === 0 ? 'waiting' : downstreamRuns.some((r) => r.state === 'failed') ? 'failed' : downstreamRuns.every((r) => r.state === 'success') && pending.length === 0 ? 'done' : 'active',
      title: `Downstream runs (${downstreamRuns.length})`,
      detail: (downstreamRuns.length > 0 ? Object.entries(downstreamByState).map(([s, n]) => `${n} ${s}`).join(', ') : 'waiting: no downstream run started yet')
        + (pending.length > 0 && downstreamRuns.length > 0 ? `; waiting for the run of ${pending.map((e) => `event #${e.id}`).join(', ')}` : '')
        + overdueText(overdue),
      at: (() => { const starts = downstreamRuns.map((r) => timeOf(r.startDate)).filter((t): t is number => t !== null); return starts.length > 0 ? Math.min(...starts) : null; })(), durationMs: phases[3]?.durationMs ?? null,
      links: downstreamRuns.map((r) => ({ kind: 'run' as const, dagId: r.dagId, runId: r.runId })),
    },
  ];
  const eventsExpected = Object.keys(history.byDataType).length;
  const active = !isFinalRunState(consumerRun.state)
    || (consumerRun.state === 'success' && (events.length < eventsExpected || pending.length > 0 || downstreamRuns.some((r) => !isFinalRunState(r.state))));
  return {
    consumerRun: { dagId, runId, state: consumerRun.state },
    counts: { messagesInRange, loadedRows: history.loadedRows, processedRows: history.processedRows, events: events.length, downstreamRuns: downstreamRuns.length, downstreamByState },
    byDataType: history.byDataType,
    phases,
    slowest: slowestPhase(phases),
    steps,
    active,
  };
}
