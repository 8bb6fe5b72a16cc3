/**
 * How Airflow things look in the editor, as plain data: which codicon and theme color a run
 * or task state gets, how durations, times, tags and health read, which DAGs a filter keeps,
 * and how a task log reads as text ("time LEVEL text"). Tooltips show invisible and
 * bidirectional characters of DAG ids, run ids and dataset URIs as `\u202E` escapes with a
 * note (src/shared/visibleText.ts). Pure (no vscode), so the trees, the status bar and the
 * log documents share one vocabulary and unit tests pin it down.
 */
import type { Dag, DagRun, Dataset, DatasetEvent, HealthStatus, LogLine, ServerHealth, ServerInfo, TaskInstance } from './types';
import { systemErrorCode, userMessage, WorkbenchError } from '../shared/errors';
import { visibleTooltip } from '../shared/visibleText';
import { formatDuration } from '../shared/durations';
import { CommandId } from '../shared/commandIds';

/** A codicon id (may carry a modifier such as `~spin`) and an optional theme color id. */
export interface StateIcon {
  icon: string;
  color?: string;
}

const STATE_ICONS: Record<string, StateIcon> = {
  success: { icon: 'pass-filled', color: 'testing.iconPassed' },
  failed: { icon: 'error', color: 'testing.iconFailed' },
  upstream_failed: { icon: 'error', color: 'testing.iconErrored' },
  running: { icon: 'sync~spin', color: 'charts.blue' },
  queued: { icon: 'history', color: 'testing.iconQueued' },
  scheduled: { icon: 'clock', color: 'testing.iconQueued' },
  up_for_retry: { icon: 'debug-restart', color: 'charts.yellow' },
  up_for_reschedule: { icon: 'watch', color: 'charts.blue' },
  restarting: { icon: 'debug-restart', color: 'charts.purple' },
  deferred: { icon: 'clock', color: 'charts.purple' },
  skipped: { icon: 'debug-step-over', color: 'testing.iconSkipped' },
  removed: { icon: 'circle-slash', color: 'disabledForeground' },
};

/** The icon of a run or task state; no state yet (null) is an empty circle. */
export function stateIcon(state: string | null | undefined): StateIcon {
  if (state === null || state === undefined || state === '' || state === 'none') {
    return { icon: 'circle-large-outline', color: 'testing.iconUnset' };
  }
  return STATE_ICONS[state] ?? { icon: 'question' };
}

const ACTIVE_RUN_STATES = new Set(['queued', 'running']);
const ACTIVE_TASK_STATES = new Set([
  'queued', 'running', 'scheduled', 'up_for_retry', 'up_for_reschedule', 'deferred', 'restarting',
]);

/** A run that is still going: the views refresh on their own while one is shown. */
export function isActiveRunState(state: string | null | undefined): boolean {
  return state !== null && state !== undefined && ACTIVE_RUN_STATES.has(state);
}

/** A task that will still change state on its own. */
export function isActiveTaskState(state: string | null | undefined): boolean {
  return state !== null && state !== undefined && ACTIVE_TASK_STATES.has(state);
}

function parseTime(iso: string | null | undefined): Date | undefined {
  if (iso === null || iso === undefined || iso === '') return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** "2026-11-22 02:10:01 UTC" (Airflow shows UTC by default too); the text as given when it is not a time. */
export function formatTime(iso: string | null | undefined): string {
  const date = parseTime(iso);
  if (!date) return iso ?? '—';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "2026-11-22 02:10:01.123" in UTC, the time column of a log line. */
function formatLogTime(iso: string): string {
  const date = parseTime(iso);
  return date ? date.toISOString().slice(0, 23).replace('T', ' ') : iso;
}

/** Seconds from start to end, or to `now` while running. */
export function elapsedSeconds(startIso: string | null, endIso: string | null, now: number): number | null {
  const start = parseTime(startIso);
  if (!start) return null;
  const end = parseTime(endIso);
  return Math.max(0, ((end ? end.getTime() : now) - start.getTime()) / 1000);
}

// ------------------------------------------------------------------ DAGs

/** The words of a DAG's row after its name: paused marker and tags. */
export function dagDescription(dag: Dag): string {
  const parts: string[] = [];
  if (dag.isPaused) parts.push('paused');
  if (dag.hasImportErrors) parts.push('import error');
  if (dag.tags.length > 0) parts.push(dag.tags.join(', '));
  return parts.join(' · ');
}

/** The tooltip of a DAG: owners, schedule, next run, latest run state, file. */
export function dagTooltip(dag: Dag, latestState: string | null | undefined): string {
  const lines = [
    dag.displayName && dag.displayName !== dag.dagId ? `${dag.displayName} (${dag.dagId})` : dag.dagId,
    `Owners: ${dag.owners.length > 0 ? dag.owners.join(', ') : '—'}`,
    `Schedule: ${dag.schedule ?? 'none (triggered only)'}`,
    `Next run: ${dag.nextRunAt ? formatTime(dag.nextRunAt) : '—'}`,
    `Latest run: ${latestState ?? '—'}`,
    `Paused: ${dag.isPaused ? 'yes' : 'no'}`,
  ];
  if (dag.tags.length > 0) lines.push(`Tags: ${dag.tags.join(', ')}`);
  if (dag.fileLoc) lines.push(`File: ${dag.fileLoc}`);
  if (dag.hasImportErrors) lines.push('The file of this DAG has an import error: see the warning rows above the DAGs.');
  return visibleTooltip(lines.join('\n'));
}

/**
 * Whether a DAG passes the filter typed in the DAGs view. Every word must match (case
 * does not matter) the DAG id, display name, a tag or an owner; `tag:x` and `owner:x`
 * look only at tags or owners.
 */
export function dagMatchesFilter(dag: Dag, filter: string): boolean {
  const terms = filter.toLowerCase().split(/\s+/).filter((t) => t !== '');
  if (terms.length === 0) return true;
  const tags = dag.tags.map((t) => t.toLowerCase());
  const owners = dag.owners.map((o) => o.toLowerCase());
  const names = [dag.dagId.toLowerCase(), dag.displayName.toLowerCase()];
  return terms.every((term) => {
    if (term.startsWith('tag:')) return tags.some((t) => t.includes(term.slice(4)));
    if (term.startsWith('owner:')) return owners.some((o) => o.includes(term.slice(6)));
    return [...names, ...tags, ...owners].some((field) => field.includes(term));
  });
}

// ------------------------------------------------------------------ runs and tasks

/** A run's row: "logical 2026-11-22 02:10:01 UTC · 12 s". */
export function runDescription(run: DagRun, now: number): string {
  const when = run.logicalDate ?? run.startDate;
  const duration = run.durationSeconds ?? elapsedSeconds(run.startDate, run.endDate, now);
  return [formatTime(when), formatDuration(duration)].join(' · ');
}

export function runTooltip(run: DagRun, now: number): string {
  const lines = [
    `Run ${run.runId} of ${run.dagId}`,
    `State: ${run.state}`,
    `Type: ${run.runType}`,
    `Logical date: ${formatTime(run.logicalDate)}`,
    `Started: ${formatTime(run.startDate)}`,
    `Ended: ${formatTime(run.endDate)}`,
    `Duration: ${formatDuration(run.durationSeconds ?? elapsedSeconds(run.startDate, run.endDate, now))}`,
  ];
  if (Object.keys(run.conf).length > 0) lines.push(`Conf: ${truncate(JSON.stringify(run.conf), 300)}`);
  return visibleTooltip(lines.join('\n'));
}

/** A task's label: its id, with the map index for mapped tasks. */
export function taskLabel(task: TaskInstance): string {
  return task.mapIndex >= 0 ? `${task.taskId} [${task.mapIndex}]` : task.taskId;
}

/** A task's row: "success · try 1 · 2.1 s". */
export function taskDescription(task: TaskInstance, now: number): string {
  const duration = task.durationSeconds ?? elapsedSeconds(task.startDate, task.endDate, now);
  return [task.state ?? 'no state yet', `try ${task.tryNumber}`, formatDuration(duration)].join(' · ');
}

export function taskTooltip(task: TaskInstance, now: number): string {
  return visibleTooltip([
    `Task ${taskLabel(task)}${task.operator ? ` (${task.operator})` : ''}`,
    `State: ${task.state ?? 'no state yet'}`,
    `Try: ${task.tryNumber}`,
    `Started: ${formatTime(task.startDate)}`,
    `Ended: ${formatTime(task.endDate)}`,
    `Duration: ${formatDuration(task.durationSeconds ?? elapsedSeconds(task.startDate, task.endDate, now))}`,
    task.tryNumber > 0 ? 'Click to open its log.' : 'It has not run yet, so it has no log.',
  ].join('\n'));
}

/** Newest first; a run that has not started yet (queued) counts as newest. */
export function newestFirst(runs: readonly DagRun[]): DagRun[] {
  const time = (run: DagRun): number => {
    const iso = run.startDate ?? run.logicalDate;
    return iso ? new Date(iso).getTime() : Number.POSITIVE_INFINITY;
  };
  return [...runs].sort((a, b) => time(b) - time(a));
}

/** In the order they ran; tasks that have not started come last, by id. */
export function inRunOrder(tasks: readonly TaskInstance[]): TaskInstance[] {
  const time = (task: TaskInstance): number => (task.startDate ? new Date(task.startDate).getTime() : Number.POSITIVE_INFINITY);
  return [...tasks].sort((a, b) => time(a) - time(b) || a.taskId.localeCompare(b.taskId) || a.mapIndex - b.mapIndex);
}

// ------------------------------------------------------------------ datasets

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** One line for an event's `extra`: `key=value, key=value` or "no extra". */
export function summarizeExtra(extra: Record<string, unknown>, max = 60): string {
  const entries = Object.entries(extra);
  if (entries.length === 0) return 'no extra';
  const text = entries
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
  return truncate(text, max);
}

/** Where an event came from: "kafka_batch_consumer / manual__2026…", or "fired by hand / API". */
export function eventSource(event: DatasetEvent): string {
  if (event.sourceDagId === null) return 'fired through the API';
  return event.sourceRunId ? `${event.sourceDagId} / ${event.sourceRunId}` : event.sourceDagId;
}

/** A dataset's tooltip: URI, name, group, producers, consumers, extra, last update. */
export function datasetTooltip(dataset: Dataset): string {
  return visibleTooltip([
    dataset.uri,
    dataset.name !== dataset.uri ? `Name: ${dataset.name}` : '',
    dataset.group ? `Group: ${dataset.group}` : '',
    `Produced by: ${dataset.producingTasks.map((t) => `${t.dagId}.${t.taskId}`).join(', ') || '—'}`,
    `Consumed by: ${dataset.consumingDags.join(', ') || '—'}`,
    Object.keys(dataset.extra).length > 0 ? `Extra: ${truncate(JSON.stringify(dataset.extra), 300)}` : '',
    `Updated: ${formatTime(dataset.updatedAt)}`,
  ].filter((line) => line !== '').join('\n'));
}

/** A dataset event's tooltip: id and URI, time, source run, extra, how many runs it created. */
export function eventTooltip(event: DatasetEvent): string {
  return visibleTooltip([
    `Event #${event.id} on ${event.uri}`,
    `Time: ${formatTime(event.timestamp)}`,
    `Source: ${eventSource(event)}${event.sourceTaskId ? ` (task ${event.sourceTaskId})` : ''}`,
    `Extra: ${Object.keys(event.extra).length > 0 ? truncate(JSON.stringify(event.extra, null, 1), 600) : '—'}`,
    `Runs created: ${event.createdRuns.length}`,
  ].join('\n'));
}

/** Dataset events, newest first. */
export function newestEventsFirst(events: readonly DatasetEvent[]): DatasetEvent[] {
  return [...events].sort((a, b) => new Date(b.timestamp).getTime() - new Date(a.timestamp).getTime() || b.id - a.id);
}

// ------------------------------------------------------------------ server health

/** The last answer of a server to "who are you and are you well", or why it did not answer. */
export type ServerStatus =
  | { kind: 'unknown' }
  | { kind: 'checking'; previous?: ServerStatus }
  | { kind: 'ok'; info: ServerInfo; health: ServerHealth | undefined; checkedAt: number }
  | { kind: 'error'; error: unknown; checkedAt: number };

export type OverallHealth = 'healthy' | 'unhealthy' | 'unknown';

const COMPONENT_NAMES: Record<keyof ServerHealth, string> = {
  metadatabase: 'metadatabase',
  scheduler: 'scheduler',
  dagProcessor: 'DAG processor',
  triggerer: 'triggerer',
};

/** The components that report unhealthy, by name. */
export function unhealthyComponents(health: ServerHealth): string[] {
  return (Object.keys(COMPONENT_NAMES) as (keyof ServerHealth)[])
    .filter((key) => health[key] === 'unhealthy')
    .map((key) => COMPONENT_NAMES[key]);
}

/** Healthy when no component says unhealthy and the metadatabase and scheduler say healthy. */
export function overallHealth(health: ServerHealth): OverallHealth {
  if (unhealthyComponents(health).length > 0) return 'unhealthy';
  if (health.metadatabase === 'healthy' && health.scheduler === 'healthy') return 'healthy';
  return 'unknown';
}

/** One line per component: "scheduler: healthy". */
export function healthLines(health: ServerHealth): string[] {
  return (Object.keys(COMPONENT_NAMES) as (keyof ServerHealth)[])
    .filter((key) => health[key] !== 'unknown')
    .map((key) => `${COMPONENT_NAMES[key]}: ${health[key] satisfies HealthStatus}`);
}

/** The connection row's description: "Airflow 3.3.2 · healthy". */
export function serverDescription(info: ServerInfo, health: ServerHealth | undefined): string {
  const version = `Airflow ${info.version}`;
  if (!health) return version;
  const unhealthy = unhealthyComponents(health);
  if (unhealthy.length > 0) return `${version} · ${unhealthy.join(', ')} unhealthy`;
  return `${version} · ${overallHealth(health)}`;
}

/**
 * The words after a connection's name in the trees and the server picker: "Airflow 3.3.2 · healthy",
 * "sign-in refused", "unreachable", "error answer", "connecting…".
 */
export function connectionStatusText(status: ServerStatus): string {
  const shown = status.kind === 'checking' ? status.previous ?? status : status;
  if (shown.kind === 'ok') return serverDescription(shown.info, shown.health);
  if (shown.kind === 'error') return PROBLEM_WORDS[statusProblem(shown.error)];
  return 'connecting…';
}

/**
 * Why a status check failed: the server refused the password or token, or none is stored
 * (`credentials`: entering it again helps); the server could not be reached at all or did not
 * answer in time (`unreachable`: start it or fix the address); or it answered with an error
 * (`failed`: its logs say more).
 */
export type StatusProblem = 'credentials' | 'unreachable' | 'failed';

/** A failed check in a few words, for a tree row or a picker entry. */
export const PROBLEM_WORDS: Readonly<Record<StatusProblem, string>> = {
  credentials: 'sign-in refused',
  unreachable: 'unreachable',
  failed: 'error answer',
};

export function statusProblem(error: unknown): StatusProblem {
  if (error instanceof WorkbenchError && error.actions.some((a) => typeof a === 'object' && a.command === CommandId.reenterAirflowPassword)) {
    return 'credentials';
  }
  if (systemErrorCode(error) !== undefined) return 'unreachable';
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth++) {
    if (current.name === 'TimeoutError' || (current.name === 'AbortError' && /timeout/i.test(current.message))) return 'unreachable';
  }
  return 'failed';
}

/** How long the status bar waits before checking a failed server again: 5 s, 10 s, 20 s, 40 s, then every 60 s. */
export function statusRetryDelayMs(consecutiveFailures: number): number {
  return Math.min(60_000, 5000 * 2 ** Math.max(0, consecutiveFailures - 1));
}

/** What a click on the status bar item does: enter the credentials again, or the server status picker. */
export type StatusBarClick = 'reenterCredentials' | 'showStatus';

/**
 * The text, tooltip, background and click of the item for a status in the status bar. A failed
 * check says why (credentials vs unreachable vs an error answer), when it is tried again
 * (`retryInMs`) and what a click does.
 */
export function statusBarLook(
  connectionName: string,
  url: string,
  status: ServerStatus,
  options: { auth?: 'password' | 'token'; retryInMs?: number } = {},
): {
  text: string;
  tooltip: string;
  background: 'warning' | 'error' | undefined;
  click: StatusBarClick;
} {
  const shown = status.kind === 'checking' ? status.previous ?? status : status;
  switch (shown.kind) {
    case 'ok': {
      const health = shown.health ? overallHealth(shown.health) : 'unknown';
      const mark = health === 'healthy' ? ' ✓' : health === 'unhealthy' ? ' ⚠' : '';
      const lines = [`Airflow "${connectionName}" at ${url}`, `Version ${shown.info.version} (REST API ${shown.info.apiVersion})`];
      if (shown.health) {
        const unhealthy = unhealthyComponents(shown.health);
        lines.push(unhealthy.length > 0 ? `Unhealthy: ${unhealthy.join(', ')}` : `Health: ${health}`, ...healthLines(shown.health));
      } else {
        lines.push('Health could not be read.');
      }
      lines.push('', 'Click for details or to pick another connection.');
      return {
        text: `$(pulse) Airflow ${shown.info.version}${mark}`,
        tooltip: lines.join('\n'),
        background: health === 'unhealthy' ? 'warning' : undefined,
        click: 'showStatus',
      };
    }
    case 'error': {
      const problem = statusProblem(shown.error);
      const secret = options.auth === 'token' ? 'token' : 'password';
      const headline = {
        credentials: `Airflow "${connectionName}" at ${url} did not accept the ${secret}, or none is stored:`,
        unreachable: `Airflow "${connectionName}" at ${url} cannot be reached:`,
        failed: `Airflow "${connectionName}" at ${url} answered with an error:`,
      }[problem];
      const next = {
        credentials: `Click to enter the ${secret} again.`,
        unreachable: 'Start it (Kafka Airflow: Launch Stack for the local stack) or check its address. Click to check now or to pick another connection.',
        failed: 'Its logs say more. Click to check now or to pick another connection.',
      }[problem];
      const lines = [headline, userMessage(shown.error), ''];
      if (options.retryInMs !== undefined) lines.push(`Checking again in ${Math.max(1, Math.round(options.retryInMs / 1000))} s.`);
      lines.push(next);
      return {
        text: problem === 'failed' ? '$(pulse) Airflow ✗' : `$(pulse) Airflow ✗ ${problem === 'credentials' ? 'sign-in' : 'unreachable'}`,
        tooltip: lines.join('\n'),
        background: 'error',
        click: problem === 'credentials' ? 'reenterCredentials' : 'showStatus',
      };
    }
    default:
      return {
        text: '$(pulse) Airflow …',
        tooltip: `Airflow "${connectionName}" at ${url}: checking…`,
        background: undefined,
        click: 'showStatus',
      };
  }
}

// ------------------------------------------------------------------ task logs

/**
 * The text of a task log as an editor shows it: one line per entry, "time LEVEL text", the
 * time in UTC with milliseconds and the level upper-case and padded. A line without a time
 * continues the entry above it (a traceback, the extra lines of a message) and is indented
 * under its text; so are the extra lines of a multi-line text.
 */
export function formatLogLines(lines: readonly LogLine[]): string {
  const out: string[] = [];
  let indent = '';
  for (const line of lines) {
    const texts = line.text.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
    let prefix: string;
    if (line.time) {
      prefix = `${formatLogTime(line.time)} ${(line.level ?? '').toUpperCase().padEnd(5)} `;
      indent = ' '.repeat(prefix.length);
    } else if (indent === '' && line.level) {
      prefix = `${line.level.toUpperCase().padEnd(5)} `;
    } else {
      prefix = indent;
    }
    texts.forEach((text, index) => { out.push((index === 0 ? prefix : indent) + text); });
  }
  return out.join('\n');
}
