/**
 * What the DAG Graph panel (src/panels/dagGraphPanel.ts) posts to its webview, built from what
 * the Airflow client read: the DAG's structure with the look of every state (the DAGs view's
 * colors), the grid of the last runs × tasks as indices into a table of states, one task
 * instance's detail; and the check of what the webview sends. Pure (no vscode), so unit tests
 * pin it down and the benchmark measures it.
 */
import { summaryState } from '../airflow/dagGraph';
import type { DagRun, DagStructure, ServerInfo, TaskInstance } from '../airflow/types';
import type {
  DagGraphMethods, DagGraphRunsView, DagGraphStateStyle, DagGraphStructureView, DagGraphTaskDetail, DagGraphTaskRef, RequestOf,
} from '../shared/protocol';
import { isRecord } from '../shared/guards';
import { elapsedSeconds, formatTime, newestFirst, runDescription, runTooltip, stateIcon } from '../airflow/presentation';
import { formatDuration } from '../shared/durations';

/** The states the look table always carries; others are added as runs bring them. */
const KNOWN_STATES = [
  'none', 'success', 'failed', 'upstream_failed', 'running', 'queued', 'scheduled', 'up_for_retry', 'up_for_reschedule',
  'restarting', 'deferred', 'skipped', 'removed',
];

/** A state's look for the webview: the DAGs view's theme color and codicon (without its `~spin`). */
export function stateStyle(state: string): DagGraphStateStyle {
  const { icon, color } = stateIcon(state === 'none' ? null : state);
  return { color: color ?? null, icon: icon.replace(/~.*$/, '') };
}

export function structureView(structure: DagStructure, connection: string, info: ServerInfo | undefined): DagGraphStructureView {
  const stateStyles: Record<string, DagGraphStateStyle> = {};
  for (const state of KNOWN_STATES) stateStyles[state] = stateStyle(state);
  const server = info ? `Airflow ${info.version}` : 'Airflow';
  const grouped = Object.keys(structure.groupOfTask).length > 0;
  return {
    dagId: structure.dagId,
    title: structure.dagId,
    subtitle: `${connection} · ${server} · ${structure.tasks.length} task${structure.tasks.length === 1 ? '' : 's'}${structure.groups.length > 0 ? ` in ${structure.groups.length} group${structure.groups.length === 1 ? '' : 's'}` : ''}`,
    tasks: structure.tasks.map((task) => ({
      id: task.taskId,
      label: task.displayName,
      operator: task.operator,
      isMapped: task.isMapped,
      downstream: task.downstreamTaskIds,
    })),
    groups: structure.groups.map((group) => ({ id: group.groupId, label: group.label, parentId: group.parentId })),
    groupOfTask: structure.groupOfTask,
    note: structure.groupsFrom === 'taskIds' && grouped
      ? 'Task groups are read from the task ids (group.task): this server\'s API does not describe them.'
      : null,
    stateStyles,
  };
}

/**
 * The grid: the runs oldest first (newest on the right, as in Airflow's grid) and, per run and
 * task, the index of its state; a mapped task shows the most telling state of its instances.
 */
export function runsView(
  taskIds: readonly string[],
  runs: readonly DagRun[],
  instancesOfRun: ReadonlyMap<string, readonly TaskInstance[]>,
  status: { watching: boolean; error: string | null; now?: number },
): DagGraphRunsView {
  const now = status.now ?? Date.now();
  const ordered = newestFirst(runs).reverse();
  const taskIndex = new Map(taskIds.map((id, i) => [id, i]));
  const states: string[] = [];
  const stateIndex = new Map<string, number>();
  const indexOf = (state: string): number => {
    let index = stateIndex.get(state);
    if (index === undefined) {
      index = states.length;
      states.push(state);
      stateIndex.set(state, index);
    }
    return index;
  };
  const mapped: [number, number, number][] = [];
  const cells = ordered.map((run, runIndex) => {
    const row = new Array<number>(taskIds.length).fill(-1);
    const byTask = new Map<number, (string | null)[]>();
    for (const ti of instancesOfRun.get(run.runId) ?? []) {
      const at = taskIndex.get(ti.taskId);
      if (at === undefined) continue;
      const list = byTask.get(at);
      if (list) list.push(ti.state);
      else byTask.set(at, [ti.state]);
    }
    for (const [at, list] of byTask) {
      row[at] = indexOf(summaryState(list) ?? 'none');
      if (list.length > 1) mapped.push([runIndex, at, list.length]);
    }
    return row;
  });
  return {
    runs: ordered.map((run) => ({
      runId: run.runId,
      state: run.state,
      label: `${run.runId} · ${run.state} · ${runDescription(run, now)}`,
      tooltip: runTooltip(run, now),
    })),
    states,
    cells,
    mapped,
    watching: status.watching,
    updatedAt: new Date(now).toISOString(),
    error: status.error,
  };
}

/** The detail bar of one task in one run: its instance (the most telling one of a mapped task). */
export function taskDetail(ref: DagGraphTaskRef, instances: readonly TaskInstance[], operator: string | null, xcoms: { count: number | null; error: string | null }, now = Date.now()): DagGraphTaskDetail {
  const state = summaryState(instances.map((ti) => ti.state));
  const shown = instances.find((ti) => ti.state === state) ?? instances[0];
  return {
    runId: ref.runId,
    taskId: ref.taskId,
    state: state ?? null,
    tryNumber: shown?.tryNumber ?? 0,
    mapCount: instances.length > 1 ? instances.length : 0,
    operator: shown?.operator ?? operator,
    started: shown ? formatTime(shown.startDate) : '—',
    ended: shown ? formatTime(shown.endDate) : '—',
    duration: shown ? formatDuration(shown.durationSeconds ?? elapsedSeconds(shown.startDate, shown.endDate, now)) : '—',
    xcoms: xcoms.count,
    xcomError: xcoms.error,
  };
}

type DagGraphRequest = RequestOf<DagGraphMethods>;

function taskRef(params: unknown): DagGraphTaskRef | undefined {
  if (!isRecord(params)) return undefined;
  const { runId, taskId } = params;
  if (typeof runId !== 'string' || typeof taskId !== 'string' || runId === '' || taskId === '') return undefined;
  return { runId, taskId };
}

/** `ready`, or a request of the DAG Graph panel with well-formed params; anything else is dropped. */
export function parseDagGraphMessage(raw: unknown): { kind: 'ready' } | DagGraphRequest | undefined {
  if (!isRecord(raw)) return undefined;
  if (raw['kind'] === 'ready') return { kind: 'ready' };
  if (raw['kind'] !== 'request' || typeof raw['id'] !== 'number') return undefined;
  const { id, method, params } = raw;
  if (method === 'refresh' || method === 'trigger') return { kind: 'request', id, method, params: {} };
  if (method === 'detail' || method === 'openLog' || method === 'openXComs' || method === 'clearTask') {
    const ref = taskRef(params);
    return ref ? { kind: 'request', id, method, params: ref } : undefined;
  }
  return undefined;
}
