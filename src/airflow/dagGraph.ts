/**
 * The DAG graph and grid as plain data, shared by the panel's host (src/panels/dagGraphPanel.ts),
 * its webview (webview/src/dagGraph.ts), the tests and the benchmark: task groups from the API's
 * structure or from task ids, the graph that shows with some groups collapsed (a collapsed group
 * is one node, edges into it are merged), a group's state in a run (the most telling state of
 * its tasks, in the order Airflow's grid uses), the grid's rows (groups and tasks in dependency
 * order), which runs need their task instances read again, and moving between nodes with the
 * arrow keys. Pure: no DOM, no vscode, no network.
 */
import type { TaskGroupTree } from './adapter';
import type { DagRun, DagStructure, DagTask, DagTaskGroup } from './types';

// ------------------------------------------------------------------ structure

/**
 * Groups read from task ids: `extract.orders` sits in group `extract`, `transform.enrich.join`
 * in `transform.enrich` inside `transform` (Airflow's default `prefix_group_id`). A prefix that
 * is itself a task id is not a group (Airflow forbids a group and a task of the same id).
 */
export function groupsFromTaskIds(tasks: readonly DagTask[]): TaskGroupTree {
  const taskIds = new Set(tasks.map((task) => task.taskId));
  const groups = new Map<string, DagTaskGroup>();
  const groupOfTask: Record<string, string> = {};
  for (const task of tasks) {
    const parts = task.taskId.split('.');
    let parentId: string | null = null;
    for (let depth = 1; depth < parts.length; depth++) {
      const groupId = parts.slice(0, depth).join('.');
      if (taskIds.has(groupId) || parts[depth - 1] === '') continue;
      if (!groups.has(groupId)) groups.set(groupId, { groupId, label: parts[depth - 1] ?? groupId, parentId });
      parentId = groupId;
    }
    if (parentId !== null) groupOfTask[task.taskId] = parentId;
  }
  return { groups: [...groups.values()], groupOfTask };
}

/**
 * A DAG's structure from its tasks and, when the server has it, the UI's group tree. Groups
 * that hold none of the tasks are left out; a group whose parent is unknown moves to the top.
 */
export function structureOf(dagId: string, tasks: readonly DagTask[], tree: TaskGroupTree | undefined): DagStructure {
  const source = tree ?? groupsFromTaskIds(tasks);
  const taskIds = new Set(tasks.map((task) => task.taskId));
  const byId = new Map(source.groups.map((group) => [group.groupId, group]));
  const groupOfTask: Record<string, string> = {};
  const used = new Set<string>();
  for (const [taskId, groupId] of Object.entries(source.groupOfTask)) {
    if (!taskIds.has(taskId) || !byId.has(groupId)) continue;
    groupOfTask[taskId] = groupId;
    for (let id: string | null = groupId, guard = 0; id !== null && guard < 100; guard++) {
      if (used.has(id) || !byId.has(id)) break;
      used.add(id);
      id = byId.get(id)?.parentId ?? null;
    }
  }
  const groups = source.groups
    .filter((group) => used.has(group.groupId))
    .map((group) => ({ ...group, parentId: group.parentId !== null && used.has(group.parentId) ? group.parentId : null }));
  return { dagId, tasks: [...tasks], groups, groupOfTask, groupsFrom: tree ? 'structure' : 'taskIds' };
}

// ------------------------------------------------------------------ model

export interface GraphModel {
  /** Tasks in dependency order (upstream first; ties keep the API's order). */
  tasks: DagTask[];
  taskById: Map<string, DagTask>;
  /** Position of each task in `tasks`. */
  order: Map<string, number>;
  groups: Map<string, DagTaskGroup>;
  /** The innermost group of a task (absent: at the top). */
  groupOfTask: Map<string, string>;
  /** Groups from the outermost to the innermost, per task. */
  ancestorsOfTask: Map<string, string[]>;
  /** Every task in a group, nested groups included, in dependency order. */
  tasksOfGroup: Map<string, string[]>;
  /** Task → task dependencies, [upstream, downstream]. */
  edges: [string, string][];
}

/** Kahn's algorithm; a cycle (which Airflow refuses to load) leaves its tasks at the end in the API's order. */
function dependencyOrder(tasks: readonly DagTask[]): DagTask[] {
  const index = new Map(tasks.map((task, i) => [task.taskId, i]));
  const indegree = new Array<number>(tasks.length).fill(0);
  for (const task of tasks) {
    for (const downstream of task.downstreamTaskIds) {
      const at = index.get(downstream);
      if (at !== undefined) indegree[at] = (indegree[at] ?? 0) + 1;
    }
  }
  // A sorted queue of ready indices keeps the API's order among tasks that are ready together.
  const ready: number[] = [];
  indegree.forEach((count, i) => { if (count === 0) ready.push(i); });
  const out: DagTask[] = [];
  const placed = new Array<boolean>(tasks.length).fill(false);
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift() as number;
    const task = tasks[i] as DagTask;
    placed[i] = true;
    out.push(task);
    for (const downstream of task.downstreamTaskIds) {
      const at = index.get(downstream);
      if (at === undefined) continue;
      indegree[at] = (indegree[at] ?? 0) - 1;
      if (indegree[at] === 0) ready.push(at);
    }
  }
  tasks.forEach((task, i) => { if (!placed[i]) out.push(task); });
  return out;
}

export function buildGraphModel(structure: Pick<DagStructure, 'tasks' | 'groups' | 'groupOfTask'>): GraphModel {
  const tasks = dependencyOrder(structure.tasks);
  const taskById = new Map(tasks.map((task) => [task.taskId, task]));
  const order = new Map(tasks.map((task, i) => [task.taskId, i]));
  const groups = new Map(structure.groups.map((group) => [group.groupId, group]));
  const groupOfTask = new Map<string, string>();
  const ancestorsOfTask = new Map<string, string[]>();
  const tasksOfGroup = new Map<string, string[]>([...groups.keys()].map((id) => [id, []]));
  for (const task of tasks) {
    const groupId = structure.groupOfTask[task.taskId];
    const chain: string[] = [];
    if (groupId !== undefined && groups.has(groupId)) {
      groupOfTask.set(task.taskId, groupId);
      for (let id: string | null = groupId, guard = 0; id !== null && guard < 100; guard++) {
        chain.unshift(id);
        id = groups.get(id)?.parentId ?? null;
      }
    }
    ancestorsOfTask.set(task.taskId, chain);
    for (const id of chain) tasksOfGroup.get(id)?.push(task.taskId);
  }
  const edges: [string, string][] = [];
  for (const task of tasks) {
    for (const downstream of task.downstreamTaskIds) if (taskById.has(downstream)) edges.push([task.taskId, downstream]);
  }
  return { tasks, taskById, order, groups, groupOfTask, ancestorsOfTask, tasksOfGroup, edges };
}

/** Groups from the outermost to `groupId` itself. */
export function groupChain(model: GraphModel, groupId: string): string[] {
  const chain: string[] = [];
  for (let id: string | null = groupId, guard = 0; id !== null && guard < 100; guard++) {
    chain.unshift(id);
    id = model.groups.get(id)?.parentId ?? null;
  }
  return chain;
}

// ------------------------------------------------------------------ the graph that shows

export interface VisibleNode {
  /** A task id, or a group id for a collapsed group. */
  id: string;
  kind: 'task' | 'group';
  /** The expanded group it is drawn in (null: at the top). */
  parentId: string | null;
  /** Tasks it stands for: the task itself, or every task of the collapsed group. */
  taskIds: string[];
}

export interface VisibleCluster {
  /** An expanded group, drawn as a box around what it holds. */
  id: string;
  parentId: string | null;
}

export interface VisibleGraph {
  nodes: VisibleNode[];
  clusters: VisibleCluster[];
  /** Between visible nodes, each pair once, [from, to]. */
  edges: [string, string][];
  /** Task id → the visible node that stands for it. */
  nodeOfTask: Map<string, string>;
}

/**
 * What the graph shows when the groups in `expanded` are open: a task whose groups are all open
 * is its own node; otherwise its outermost closed group stands for it. Edges between tasks
 * become edges between the nodes that stand for them; edges inside one node disappear.
 */
export function visibleGraph(model: GraphModel, expanded: ReadonlySet<string>): VisibleGraph {
  const nodes = new Map<string, VisibleNode>();
  const clusters = new Map<string, VisibleCluster>();
  const nodeOfTask = new Map<string, string>();
  for (const task of model.tasks) {
    const chain = model.ancestorsOfTask.get(task.taskId) ?? [];
    let parentId: string | null = null;
    let standIn: string | undefined;
    for (const groupId of chain) {
      if (!expanded.has(groupId)) {
        standIn = groupId;
        break;
      }
      if (!clusters.has(groupId)) clusters.set(groupId, { id: groupId, parentId });
      parentId = groupId;
    }
    const id = standIn ?? task.taskId;
    nodeOfTask.set(task.taskId, id);
    const node = nodes.get(id);
    if (node) node.taskIds.push(task.taskId);
    else nodes.set(id, { id, kind: standIn ? 'group' : 'task', parentId, taskIds: [task.taskId] });
  }
  const seen = new Set<string>();
  const edges: [string, string][] = [];
  for (const [from, to] of model.edges) {
    const a = nodeOfTask.get(from);
    const b = nodeOfTask.get(to);
    if (a === undefined || b === undefined || a === b) continue;
    const key = `${a}\u0000${b}`;
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push([a, b]);
  }
  return { nodes: [...nodes.values()], clusters: [...clusters.values()], edges, nodeOfTask };
}

// ------------------------------------------------------------------ states

/**
 * The order in which a group shows its tasks' states, most telling first (Airflow's grid:
 * a failure anywhere makes the group failed; it is success only when every task is).
 */
export const STATE_PRIORITY: readonly (string | null)[] = [
  'failed', 'upstream_failed', 'up_for_retry', 'up_for_reschedule', 'queued', 'scheduled', 'deferred', 'running',
  'restarting', null, 'success', 'skipped', 'removed',
];

/** The state a group (or a mapped task's instances) shows for its tasks' states; undefined when none ran. */
export function summaryState(states: readonly (string | null | undefined)[]): string | null | undefined {
  let best: string | null | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const state of states) {
    if (state === undefined) continue;
    const normalized = state === '' || state === 'none' ? null : state;
    const known = STATE_PRIORITY.indexOf(normalized);
    // A state this list does not know (a newer Airflow's) ranks just before success: worth seeing.
    const rank = known >= 0 ? known : STATE_PRIORITY.indexOf('success') - 0.5;
    if (rank < bestRank) {
      bestRank = rank;
      best = normalized;
    }
  }
  return best;
}

/** Runs whose task instances must be read again: new, still active, or changed since they were read. */
export function runsToReload(
  previous: ReadonlyMap<string, Pick<DagRun, 'state' | 'startDate' | 'endDate'>>,
  current: readonly Pick<DagRun, 'runId' | 'state' | 'startDate' | 'endDate'>[],
): string[] {
  return current
    .filter((run) => {
      const before = previous.get(run.runId);
      if (!before) return true;
      if (run.state === 'queued' || run.state === 'running') return true;
      return before.state !== run.state || before.startDate !== run.startDate || before.endDate !== run.endDate;
    })
    .map((run) => run.runId);
}

// ------------------------------------------------------------------ the grid

export interface GridRow {
  /** A task id or a group id. */
  id: string;
  kind: 'task' | 'group';
  /** Nesting level: 0 at the top. */
  depth: number;
  /** The task's or group's own name (without its groups' prefixes). */
  label: string;
  /** Groups only: whether its rows show below it. */
  expanded: boolean;
}

/** The last part of a task id inside its group ("orders" for "extract.orders"). */
export function shortLabel(model: GraphModel, taskId: string): string {
  const groupId = model.groupOfTask.get(taskId);
  if (groupId !== undefined && taskId.startsWith(`${groupId}.`)) return taskId.slice(groupId.length + 1);
  return taskId;
}

/**
 * The grid's rows: groups and tasks in dependency order (a group where its first task comes),
 * a group's rows right below it when it is expanded.
 */
export function gridRows(model: GraphModel, expanded: ReadonlySet<string>): GridRow[] {
  type Item = { kind: 'task' | 'group'; id: string; rank: number };
  const children = new Map<string | null, Item[]>();
  const add = (parent: string | null, item: Item): void => {
    const list = children.get(parent);
    if (list) list.push(item);
    else children.set(parent, [item]);
  };
  for (const group of model.groups.values()) {
    const first = model.tasksOfGroup.get(group.groupId)?.[0];
    add(group.parentId, { kind: 'group', id: group.groupId, rank: first === undefined ? Number.MAX_SAFE_INTEGER : model.order.get(first) ?? 0 });
  }
  for (const task of model.tasks) add(model.groupOfTask.get(task.taskId) ?? null, { kind: 'task', id: task.taskId, rank: model.order.get(task.taskId) ?? 0 });
  const rows: GridRow[] = [];
  const walk = (parent: string | null, depth: number): void => {
    const items = (children.get(parent) ?? []).sort((a, b) => a.rank - b.rank || (a.kind === b.kind ? 0 : a.kind === 'group' ? -1 : 1));
    for (const item of items) {
      if (item.kind === 'task') {
        rows.push({ id: item.id, kind: 'task', depth, label: shortLabel(model, item.id), expanded: false });
      } else {
        const open = expanded.has(item.id);
        rows.push({ id: item.id, kind: 'group', depth, label: model.groups.get(item.id)?.label ?? item.id, expanded: open });
        if (open && depth < 100) walk(item.id, depth + 1);
      }
    }
  };
  walk(null, 0);
  return rows;
}

// ------------------------------------------------------------------ moving with the keyboard

export type Direction = 'up' | 'down' | 'left' | 'right';

/**
 * The node an arrow key moves to from `fromId`: the nearest one whose centre lies in that
 * direction, where straying sideways counts twice as much as distance ahead. Undefined at an edge.
 */
export function nearestInDirection(points: readonly { id: string; x: number; y: number }[], fromId: string, direction: Direction): string | undefined {
  const from = points.find((point) => point.id === fromId);
  if (!from) return points[0]?.id;
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const point of points) {
    if (point.id === fromId) continue;
    const dx = point.x - from.x;
    const dy = point.y - from.y;
    const ahead = direction === 'left' ? -dx : direction === 'right' ? dx : direction === 'up' ? -dy : dy;
    const aside = direction === 'left' || direction === 'right' ? Math.abs(dy) : Math.abs(dx);
    if (ahead <= 0.5) continue;
    const score = ahead + 2 * aside;
    if (score < bestScore) {
      bestScore = score;
      best = point.id;
    }
  }
  return best;
}
