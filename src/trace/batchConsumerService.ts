/**
 * Starts the bundled pipeline's `kafka_batch_consumer` DAG with a conf (topics, batch size,
 * max messages, group id), follows the run's task instances with backoff until it is final
 * (cancellable, bounded), and sums it up: messages loaded, dataset events emitted, downstream
 * runs and their states, and on failure the failing task's log. No vscode.
 */
import type { AirflowClient } from '../airflow/airflowClient';
import type { DagRun, TaskInstance } from '../airflow/types';
import { CancelledError, WorkbenchError } from '../shared/errors';
import { sleep } from '../shared/guards';
import type { Logger } from '../shared/logger';
import type { RunHistoryApi, TraceService } from './traceService';
import { BATCH_CONSUMER_DAG_ID, isFinalRunState } from './traceModel';

export type BatchAirflowApi = Pick<AirflowClient, 'trigger' | 'getRun' | 'listTaskInstances' | 'getTaskLog' | 'getDag'>;

export interface BatchConsumerConf {
  topics: string[];
  batchSize?: number;
  maxMessages?: number;
  groupId?: string;
}

export interface FollowOptions {
  signal?: AbortSignal;
  /** Gives up after this long (default 15 minutes). */
  timeoutMs?: number;
  /** First poll interval; it grows by half each poll up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
  onProgress?: (run: DagRun, tasks: TaskInstance[]) => void;
}

export interface FollowResult {
  run: DagRun;
  tasks: TaskInstance[];
}

export interface BatchSummary {
  run: DagRun;
  loadedRows: number;
  events: { id: number; uri: string; count: number | null }[];
  downstreamRuns: DagRun[];
  /** The first failed task and its log text, when the run failed. */
  failure?: { taskId: string; log: string };
}

/** Rejects a conf the DAG's params would refuse, with a sentence that says what to fix. */
export function checkConf(conf: BatchConsumerConf): Record<string, unknown> {
  const topics = conf.topics.map((t) => t.trim()).filter((t) => t !== '');
  if (topics.length === 0) throw new WorkbenchError('Pick at least one topic for the batch consumer to read.', { actions: [] });
  const out: Record<string, unknown> = { topics };
  const positive = (name: string, value: number | undefined, upper: number): void => {
    if (value === undefined) return;
    if (!Number.isInteger(value) || value < 1 || value > upper) {
      throw new WorkbenchError(`The ${name} must be a whole number from 1 to ${upper}; got ${value}.`, { actions: [] });
    }
    out[name] = value;
  };
  positive('batch_size', conf.batchSize, 100_000);
  positive('max_messages', conf.maxMessages, 10_000_000);
  if (conf.groupId !== undefined && conf.groupId.trim() !== '') out.group_id = conf.groupId.trim();
  return out;
}

export class BatchConsumerService {
  constructor(
    private readonly airflow: BatchAirflowApi,
    private readonly trace: TraceService,
    private readonly runHistory: RunHistoryApi,
    private readonly logger: Logger,
    readonly dagId: string = BATCH_CONSUMER_DAG_ID,
  ) {}

  /** Triggers the consumer DAG; refuses a paused DAG, whose run would wait forever. */
  async start(conf: BatchConsumerConf): Promise<DagRun> {
    const checked = checkConf(conf);
    const dag = await this.airflow.getDag(this.dagId);
    if (dag.isPaused) {
      throw new WorkbenchError(`The DAG ${this.dagId} is paused, so a run would never start. Unpause it in the DAGs view, then start the batch consumer again.`, { actions: ['retry'] });
    }
    const run = await this.airflow.trigger(this.dagId, { conf: checked });
    this.logger.info(`Started ${this.dagId} run ${run.runId} with conf ${JSON.stringify(checked)}`);
    return run;
  }

  /** Polls the run and its tasks with backoff until the run is final. */
  async follow(runId: string, options: FollowOptions = {}): Promise<FollowResult> {
    const deadline = Date.now() + (options.timeoutMs ?? 15 * 60_000);
    let interval = options.intervalMs ?? 1_000;
    const maxInterval = options.maxIntervalMs ?? 5_000;
    for (;;) {
      if (options.signal?.aborted) throw new CancelledError();
      const [run, tasks] = await Promise.all([this.airflow.getRun(this.dagId, runId), this.airflow.listTaskInstances(this.dagId, runId)]);
      options.onProgress?.(run, tasks);
      if (isFinalRunState(run.state)) return { run, tasks };
      if (Date.now() + interval > deadline) {
        throw new WorkbenchError(`Run ${runId} of ${this.dagId} is still ${run.state} after ${Math.round((options.timeoutMs ?? 900_000) / 1000)} s; is the Airflow scheduler running? Follow it in the DAGs view.`, { actions: ['showLog'] });
      }
      await sleep(interval, options.signal);
      if (options.signal?.aborted) throw new CancelledError();
      interval = Math.min(maxInterval, Math.round(interval * 1.5));
    }
  }

  /** The log of the first failed task of the run, as text. */
  async failedTaskLog(runId: string, tasks: readonly TaskInstance[]): Promise<{ taskId: string; log: string } | undefined> {
    const failed = tasks.find((t) => t.state === 'failed') ?? tasks.find((t) => t.state === 'upstream_failed');
    if (!failed) return undefined;
    const log = await this.airflow.getTaskLog(this.dagId, runId, failed.taskId, failed.tryNumber, { mapIndex: failed.mapIndex });
    return { taskId: failed.taskId, log: log.lines.map((l) => [l.time, l.level, l.text].filter((p) => p !== null && p !== '').join(' ')).join('\n') };
  }

  /**
   * Sums up a final run. Downstream runs appear once the scheduler has seen the events, so it
   * waits for them up to `waitForDownstreamMs` (default 30 s; 0 to take what is there).
   */
  async summarize(result: FollowResult, options: { waitForDownstreamMs?: number; signal?: AbortSignal } = {}): Promise<BatchSummary> {
    const { run, tasks } = result;
    const loadedRows = (await this.runHistory.statsOfRun(run.runId)).loadedRows;
    if (run.state !== 'success') {
      return { run, loadedRows, events: [], downstreamRuns: [], failure: await this.failedTaskLog(run.runId, tasks) };
    }
    const deadline = Date.now() + (options.waitForDownstreamMs ?? 30_000);
    let interval = 1_000;
    for (;;) {
      const events = await this.trace.eventsOfRun(this.dagId, run.runId);
      const allCreated = events.every((e) => e.createdRuns.length > 0);
      if (allCreated || Date.now() + interval > deadline) {
        const downstreamRuns = await this.trace.runsCreatedBy(events);
        return {
          run, loadedRows, downstreamRuns,
          events: events.map((e) => ({ id: e.id, uri: e.uri, count: typeof e.extra.count === 'number' ? e.extra.count : null })),
        };
      }
      await sleep(interval, options.signal);
      if (options.signal?.aborted) throw new CancelledError();
      interval = Math.min(5_000, Math.round(interval * 1.5));
    }
  }
}

/** One paragraph for the log and the notification. */
export function describeSummary(summary: BatchSummary): string {
  const { run } = summary;
  if (run.state !== 'success') {
    return `Batch consumer run ${run.runId} ${run.state}${summary.failure ? ` in task ${summary.failure.taskId}` : ''}; ${summary.loadedRows} message(s) were loaded before it stopped.`;
  }
  const byState: Record<string, number> = {};
  for (const r of summary.downstreamRuns) byState[r.state] = (byState[r.state] ?? 0) + 1;
  const states = Object.entries(byState).map(([s, n]) => `${n} ${s}`).join(', ');
  return `Batch consumer run ${run.runId} succeeded: ${summary.loadedRows} message(s) loaded, ${summary.events.length} dataset event(s) emitted, `
    + `${summary.downstreamRuns.length} downstream run(s)${states ? ` (${states})` : ''}.`;
}
