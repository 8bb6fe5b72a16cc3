/**
 * Backfills (Airflow 3, REST API v2 `/api/v2/backfills`): what a backfill is, the request the
 * editor sends, the checks it makes before asking the server (so bad input gets a sentence that
 * says what to do, not a 422), the mapping of the server's refusals to such sentences, and the
 * progress of a backfill counted from its runs. Pure: unit-tested without a server.
 */
import * as z from 'zod/mini';
import { WorkbenchError } from '../shared/errors';
import type { BackfillForm, BackfillStatus } from '../shared/protocol';
import type { DagRun } from './types';

/** Which runs that already exist in the range run again: none (only missing ones), failed ones, or all completed ones. */
export type ReprocessBehavior = 'none' | 'failed' | 'completed';
export const REPROCESS_BEHAVIORS: readonly ReprocessBehavior[] = ['none', 'failed', 'completed'];

export interface BackfillRequest {
  dagId: string;
  /** ISO date-time (or YYYY-MM-DD, read as midnight UTC) of the first logical date. */
  fromDate: string;
  /** ISO date-time (or YYYY-MM-DD, read as midnight UTC) of the last logical date, inclusive. */
  toDate: string;
  reprocessBehavior?: ReprocessBehavior;
  /** Runs of the backfill at the same time (server default 10). */
  maxActiveRuns?: number;
  runBackwards?: boolean;
  conf?: Record<string, unknown>;
}

export interface Backfill {
  id: number;
  dagId: string;
  fromDate: string;
  toDate: string;
  isPaused: boolean;
  reprocessBehavior: ReprocessBehavior;
  maxActiveRuns: number;
  createdAt: string;
  /** Set when every run finished or the backfill was cancelled. */
  completedAt: string | null;
  updatedAt: string | null;
}

/** The state a backfill is in, as the tree and the progress view say it. */
export type BackfillState = 'running' | 'paused' | 'completed';

export function backfillState(backfill: Pick<Backfill, 'completedAt' | 'isPaused'>): BackfillState {
  if (backfill.completedAt) return 'completed';
  return backfill.isPaused ? 'paused' : 'running';
}

export interface BackfillProgress {
  total: number;
  succeeded: number;
  failed: number;
  running: number;
  queued: number;
  /** Every run ended (success or failed). */
  finished: boolean;
}

/** Counts the runs of a backfill by state. `expected` (from the dry run) is the total when more than the runs seen so far. */
export function backfillProgress(runs: readonly Pick<DagRun, 'state'>[], expected = 0): BackfillProgress {
  let succeeded = 0;
  let failed = 0;
  let running = 0;
  let queued = 0;
  for (const run of runs) {
    if (run.state === 'success') succeeded++;
    else if (run.state === 'failed') failed++;
    else if (run.state === 'running') running++;
    else queued++;
  }
  const total = Math.max(expected, runs.length);
  return { total, succeeded, failed, running, queued, finished: total > 0 && succeeded + failed === total };
}

/** "2 of 3 done · 1 running · 0 failed" */
export function progressText(progress: BackfillProgress): string {
  const parts = [`${progress.succeeded + progress.failed} of ${progress.total} done`];
  if (progress.running > 0) parts.push(`${progress.running} running`);
  if (progress.queued > 0) parts.push(`${progress.queued} queued`);
  parts.push(`${progress.failed} failed`);
  return parts.join(' · ');
}

/** "2024-01-01 → 2024-01-03" (dates only when the times are midnight UTC). */
export function rangeText(backfill: Pick<Backfill, 'fromDate' | 'toDate'>): string {
  const short = (iso: string): string => iso.replace(/T00:00:00(\.0+)?(Z|\+00:00)$/, '').replace(/(\.\d+)?(Z|\+00:00)$/, 'Z');
  return `${short(backfill.fromDate)} → ${short(backfill.toDate)}`;
}

/** A YYYY-MM-DD day or an ISO date-time → ISO date-time in UTC; undefined when it is neither. */
export function parseBackfillDate(text: string): string | undefined {
  const trimmed = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) {
    const date = new Date(`${trimmed}T00:00:00Z`);
    return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== trimmed ? undefined : date.toISOString();
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(trimmed)) return undefined;
  const millis = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(trimmed) ? trimmed : `${trimmed}Z`);
  return Number.isNaN(millis) ? undefined : new Date(millis).toISOString();
}

export interface BackfillInputProblem {
  field: 'fromDate' | 'toDate' | 'maxActiveRuns' | 'dag' | 'reprocessBehavior';
  message: string;
}

/**
 * The checks made before asking the server: dates that parse, end not before start, nothing in
 * the future (a day that has not ended has no data yet: the server refuses a range wholly in the
 * future, we also refuse one that ends there), a sensible max active runs, a DAG with a schedule.
 * Returns every problem found (empty when the request may be sent).
 */
export function checkBackfillRequest(
  request: BackfillRequest,
  context: { now: Date; schedule?: string | null },
): BackfillInputProblem[] {
  const problems: BackfillInputProblem[] = [];
  if (context.schedule === null) {
    problems.push({ field: 'dag', message: `${request.dagId} has no schedule (schedule=None), so it has no logical dates to fill: give it a schedule such as "@daily", or trigger single runs instead.` });
  }
  const from = parseBackfillDate(request.fromDate);
  const to = parseBackfillDate(request.toDate);
  if (from === undefined) problems.push({ field: 'fromDate', message: `The start date "${request.fromDate}" is not a date: write it as YYYY-MM-DD, for example 2024-01-01.` });
  if (to === undefined) problems.push({ field: 'toDate', message: `The end date "${request.toDate}" is not a date: write it as YYYY-MM-DD, for example 2024-01-03.` });
  const now = context.now.getTime();
  if (from !== undefined && to !== undefined && Date.parse(to) < Date.parse(from)) {
    problems.push({ field: 'toDate', message: `The end date ${to.slice(0, 10)} is before the start date ${from.slice(0, 10)}: swap them, or tick "Run backwards" to run the newest day first.` });
  }
  if (from !== undefined && Date.parse(from) > now) {
    problems.push({ field: 'fromDate', message: `The range starts in the future (${from.slice(0, 10)}): a backfill only runs days that have passed. Pick dates up to today.` });
  } else if (to !== undefined && Date.parse(to) > now) {
    problems.push({ field: 'toDate', message: `The range ends in the future (${to.slice(0, 10)}): a backfill only runs days that have passed. End it today (${context.now.toISOString().slice(0, 10)}) or earlier.` });
  }
  const max = request.maxActiveRuns;
  if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 1000)) {
    problems.push({ field: 'maxActiveRuns', message: `Max active runs must be a whole number from 1 to 1000 (got ${String(max)}).` });
  }
  if (request.reprocessBehavior !== undefined && !REPROCESS_BEHAVIORS.includes(request.reprocessBehavior)) {
    problems.push({ field: 'reprocessBehavior', message: `Reprocess must be one of ${REPROCESS_BEHAVIORS.join(', ')}.` });
  }
  return problems;
}

/** The JSON body of POST /api/v2/backfills and /backfills/dry_run. */
export function backfillBody(request: BackfillRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    dag_id: request.dagId,
    from_date: parseBackfillDate(request.fromDate) ?? request.fromDate,
    to_date: parseBackfillDate(request.toDate) ?? request.toDate,
    run_backwards: request.runBackwards ?? false,
    reprocess_behavior: request.reprocessBehavior ?? 'none',
  };
  if (request.maxActiveRuns !== undefined) body['max_active_runs'] = request.maxActiveRuns;
  if (request.conf !== undefined) body['dag_run_conf'] = request.conf;
  return body;
}

/** A backfill request the editor refused, or the server refused for a reason the user can fix. */
export class BackfillRejectedError extends WorkbenchError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, actions: [] });
    this.name = 'BackfillRejectedError';
  }
}

/**
 * The server's refusal of a backfill (status and its `detail`) → a sentence that says what to
 * do; undefined when it is none of the known refusals (the caller keeps the server's words).
 */
export function explainBackfillRefusal(dagId: string, status: number, detail: string): string | undefined {
  if (/another backfill is running|only one running backfill|already a running backfill/i.test(detail)) {
    return `A backfill of ${dagId} is already running: Airflow allows one at a time per DAG. Wait for it to finish, or cancel it under the DAG in the DAGs view, then start this one.`;
  }
  if (/non-periodic schedule|does not support backfills/i.test(detail)) {
    return `${dagId} has no periodic schedule (none, @once, continuous or asset-triggered), so it has no logical dates to fill. Give it a time-based schedule such as "@daily", or trigger single runs instead.`;
  }
  if (/future dates/i.test(detail)) return 'The range is in the future: a backfill only runs days that have passed. Pick dates up to today.';
  if (/must not be after to_date|from_date .* after/i.test(detail)) return 'The end date is before the start date: swap them, or tick "Run backwards" to run the newest day first.';
  if (/depends_on_past/i.test(detail)) return `${dagId} has tasks with depends_on_past=True: ${detail.replace(/\.$/, '')}.`;
  if (/No runs to create/i.test(detail)) return `There are no logical dates of ${dagId} in this range (its schedule has none between the two dates). Widen the range.`;
  if (/does not allow backfill runs/i.test(detail)) return `${dagId} does not allow backfill runs (allowed_run_types leaves them out).`;
  if (status === 404 && /dag/i.test(detail)) return `Airflow does not know the DAG ${dagId} (any more): refresh the DAGs view.`;
  return undefined;
}

const isoTime = z.nullish(z.string());

export const backfillSchemas = {
  backfill: z.object({
    id: z.int(),
    dag_id: z.string(),
    from_date: z.string(),
    to_date: z.string(),
    is_paused: z.boolean(),
    reprocess_behavior: z.enum(['none', 'failed', 'completed']),
    max_active_runs: z.int(),
    created_at: z.string(),
    completed_at: isoTime,
    updated_at: isoTime,
  }),
  dryRun: z.object({
    backfills: z.array(z.object({ logical_date: isoTime, partition_key: z.nullish(z.string()) })),
    total_entries: z.int(),
  }),
};

export function toBackfill(raw: z.output<typeof backfillSchemas.backfill>): Backfill {
  return {
    id: raw.id,
    dagId: raw.dag_id,
    fromDate: raw.from_date,
    toDate: raw.to_date,
    isPaused: raw.is_paused,
    reprocessBehavior: raw.reprocess_behavior,
    maxActiveRuns: raw.max_active_runs,
    createdAt: raw.created_at,
    completedAt: raw.completed_at ?? null,
    updatedAt: raw.updated_at ?? null,
  };
}

/** Why Airflow 2 cannot do what only Airflow 3's API offers, in one sentence with what to do instead. */
export function airflow3OnlyMessage(feature: 'backfill' | 'materialize', serverUrl: string, version: string): string {
  if (feature === 'backfill') {
    return `Backfills from the editor need Airflow 3: ${serverUrl} runs Airflow ${version}, whose REST API (v1) has no backfill endpoint — on Airflow 2 a backfill runs only as the \`airflow dags backfill\` command, outside the scheduler. Run that command on the server, or use the Airflow 3 connection.`;
  }
  return `Materialize needs Airflow 3: ${serverUrl} runs Airflow ${version}, which has datasets but no "materialize" (POST /api/v2/assets/{id}/materialize came with Airflow 3). Trigger the DAG that produces the dataset instead.`;
}

/** The form's suggested range: the last `days` whole days before today (UTC), as YYYY-MM-DD. */
export function defaultBackfillRange(now: Date, days = 3): { fromDate: string; toDate: string } {
  const day = (offset: number): string => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - offset)).toISOString().slice(0, 10);
  return { fromDate: day(days), toDate: day(1) };
}

/** The form's text → a request; a max active runs that is not a whole number stays NaN for checkBackfillRequest to report. */
export function backfillRequestFromForm(dagId: string, form: BackfillForm): BackfillRequest {
  const max = form.maxActiveRuns.trim();
  return {
    dagId,
    fromDate: form.fromDate.trim(),
    toDate: form.toDate.trim(),
    reprocessBehavior: form.reprocessBehavior,
    runBackwards: form.runBackwards,
    ...(max === '' ? {} : { maxActiveRuns: /^\d+$/.test(max) ? Number(max) : Number.NaN }),
  };
}

/** A backfill and its runs as the progress view shows them. */
export function backfillStatus(backfill: Backfill, runs: readonly DagRun[], options: { expected?: number; watching: boolean; note: string }): BackfillStatus {
  const progress = backfillProgress(runs, options.expected ?? 0);
  return {
    id: backfill.id,
    dagId: backfill.dagId,
    range: rangeText(backfill),
    state: backfillState(backfill),
    reprocessBehavior: backfill.reprocessBehavior,
    maxActiveRuns: backfill.maxActiveRuns,
    ...progress,
    summary: progressText(progress),
    runs: runs.map((run) => ({ runId: run.runId, logicalDate: run.logicalDate, state: run.state })),
    watching: options.watching,
    note: options.note,
  };
}
