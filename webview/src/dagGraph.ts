/**
 * The DAG Graph panel in its webview: the task graph of one DAG (laid out by dagre, see
 * lib/dagLayout.ts; expanded task groups are boxes, collapsed ones a node) coloured by each
 * task's state in the selected run, and under it the grid of the last runs × tasks as in
 * Airflow's grid (groups as rows that open). A click on a node or a cell selects that task
 * instance: the bar between them shows it with Log, XComs and Clear. Everything is reachable
 * by keyboard: the graph and the grid are one Tab stop each, the arrow keys move inside them,
 * Enter or Space selects (or opens and closes a group), and every node and cell has an aria
 * label. Colours are the theme's (the DAGs view's state colours). Text goes in through
 * textContent and createElementNS only. The host (src/panels/dagGraphPanel.ts) posts the
 * structure once and the runs on every poll; a poll only recolours what is drawn, and the
 * layout runs again only when a group opens or closes (each layout is kept for reuse).
 */
import {
  buildGraphModel, gridRows, nearestInDirection, shortLabel, summaryState, visibleGraph,
  type Direction, type GraphModel, type GridRow, type VisibleGraph, type VisibleNode,
} from '../../src/airflow/dagGraph';
import type { DagStructure } from '../../src/airflow/types';
import type {
  DagGraphMethods, DagGraphNotifications, DagGraphRunsView, DagGraphStructureView, DagGraphTaskDetail, DagGraphTaskRef,
} from '../../src/shared/protocol';
import { visibleLabel } from '../../src/shared/visibleText';
import { edgePath, layoutGraph, type GraphLayout } from './lib/dagLayout';
import { adoptStyles, el, replaceChildren } from './lib/dom';
import { HostConnection } from './lib/host';

const SVG = 'http://www.w3.org/2000/svg';
const NODE_HEIGHT = 38;
const NODE_MIN_WIDTH = 96;
const NODE_MAX_WIDTH = 280;
/** DAGs with at most this many tasks open with every group expanded; bigger ones with groups closed. */
const EXPAND_ALL_UP_TO = 40;

const STYLES = `
[hidden] { display: none !important; }
html, body { height: 100%; }
body { margin: 0; padding: 0; color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); overflow: hidden; }
#root { height: 100%; }
main { display: flex; flex-direction: column; height: 100%; box-sizing: border-box; padding: 8px 12px 6px; gap: 6px; }
header h1 { font-size: 1.3em; font-weight: 600; margin: 0; overflow-wrap: anywhere; }
header .sub { color: var(--vscode-descriptionForeground); margin: 2px 0 0; }
header .note { color: var(--vscode-editorInfo-foreground, var(--vscode-descriptionForeground)); font-size: 0.92em; margin: 2px 0 0; }
.toolbar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.toolbar label { color: var(--vscode-descriptionForeground); }
.toolbar .status { color: var(--vscode-descriptionForeground); margin-left: 6px; }
.toolbar .status.watching::before { content: '● '; color: var(--vscode-charts-blue); }
button { font: inherit; color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground);
  border: 1px solid var(--vscode-button-border, transparent); border-radius: 2px; padding: 2px 10px; cursor: pointer; }
button:hover { background: var(--vscode-button-secondaryHoverBackground); }
button.primary { color: var(--vscode-button-foreground); background: var(--vscode-button-background); }
button.primary:hover { background: var(--vscode-button-hoverBackground); }
button:disabled { opacity: 0.5; cursor: default; }
button:focus-visible, select:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 1px; }
select { font: inherit; color: var(--vscode-dropdown-foreground); background: var(--vscode-dropdown-background);
  border: 1px solid var(--vscode-dropdown-border, transparent); padding: 1px 4px; max-width: 46ch; }
.alert { padding: 6px 10px; border: 1px solid var(--vscode-inputValidation-errorBorder); background: var(--vscode-inputValidation-errorBackground); white-space: pre-wrap; }
.panes { display: flex; flex-direction: column; gap: 6px; flex: 1; min-height: 0; }
.graph-pane { flex: 3 1 0; min-height: 120px; overflow: auto; border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); }
.graph-pane:focus-within { border-color: var(--vscode-focusBorder); }
.grid-pane { flex: 2 1 0; min-height: 100px; overflow: auto; border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); }
.grid-pane:focus-within { border-color: var(--vscode-focusBorder); }
svg.graph { display: block; }
svg.graph text { fill: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: 12px; dominant-baseline: middle; }
svg.graph .sub { fill: var(--vscode-descriptionForeground); font-size: 11px; }
.node { cursor: pointer; outline: none; }
.node .box { fill: var(--vscode-editor-background); stroke: var(--state, var(--vscode-widget-border, var(--vscode-descriptionForeground))); stroke-width: 1.5; }
.node.group .box { fill: var(--vscode-sideBar-background, var(--vscode-editor-background)); stroke-dasharray: 4 2; }
.node .bar { fill: var(--state, transparent); }
.node.selected .box { stroke-width: 3; }
.node:focus-visible .box, .node:focus .box { stroke: var(--vscode-focusBorder); stroke-width: 3; }
.cluster .frame { fill: var(--vscode-editorWidget-background, transparent); fill-opacity: 0.35; stroke: var(--vscode-widget-border, var(--vscode-descriptionForeground)); stroke-dasharray: 5 3; }
.cluster .title { cursor: pointer; outline: none; }
.cluster .title text { font-weight: 600; }
.cluster .title:focus text, .cluster .title:focus-visible text { text-decoration: underline; fill: var(--vscode-focusBorder); }
.edge { fill: none; stroke: var(--vscode-descriptionForeground); stroke-opacity: 0.7; stroke-width: 1.2; }
.arrowhead { fill: var(--vscode-descriptionForeground); }
.detail { display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: center; min-height: 26px; }
.detail .what { overflow-wrap: anywhere; }
.detail .what .dot { margin-right: 2px; }
.detail .meta { color: var(--vscode-descriptionForeground); }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; background: var(--state, var(--vscode-descriptionForeground)); }
table.grid { border-collapse: separate; border-spacing: 2px; font-size: 12px; }
table.grid th, table.grid td { padding: 0; }
table.grid th.task-head { text-align: left; font-weight: 600; padding: 0 8px 2px 4px; position: sticky; left: 0; background: var(--vscode-editor-background); z-index: 1; }
table.grid th.run-head { width: 16px; height: 40px; vertical-align: bottom; cursor: pointer; }
table.grid th.run-head span { display: block; width: 12px; margin: 0 auto; height: 100%; border-radius: 2px; background: var(--state, var(--vscode-descriptionForeground)); opacity: 0.8; }
table.grid th.run-head.graph-run span { opacity: 1; outline: 2px solid var(--vscode-focusBorder); }
table.grid th.name { text-align: left; font-weight: normal; white-space: nowrap; padding: 0 10px 0 4px; position: sticky; left: 0; background: var(--vscode-editor-background); z-index: 1; outline: none; cursor: default; }
table.grid th.name.group { font-weight: 600; cursor: pointer; }
table.grid th.name .twisty { display: inline-block; width: 14px; color: var(--vscode-descriptionForeground); }
table.grid td.cell { width: 16px; height: 18px; cursor: pointer; outline: none; }
table.grid td.cell span { display: block; width: 14px; height: 14px; margin: 2px auto; border-radius: 2px; background: var(--state, transparent);
  border: 1px solid var(--vscode-widget-border, transparent); box-sizing: border-box; }
table.grid td.cell.empty span { background: transparent; }
table.grid td.cell.graph-run span { border-color: var(--vscode-foreground); }
table.grid td.cell.selected span { outline: 2px solid var(--vscode-foreground); outline-offset: 1px; }
table.grid td.cell:focus span, table.grid th.name:focus { outline: 2px solid var(--vscode-focusBorder); outline-offset: 1px; }
.empty-note { color: var(--vscode-descriptionForeground); padding: 8px; }
`;

// ---------------------------------------------------------------- state

interface SavedState {
  dagId: string;
  expanded: string[];
  /** null: the graph follows the newest run. */
  graphRun: string | null;
}

const host = new HostConnection<DagGraphMethods, DagGraphNotifications>();
let structureView: DagGraphStructureView | undefined;
let model: GraphModel | undefined;
let runsView: DagGraphRunsView | undefined;
let expanded = new Set<string>();
let graphRunId: string | null = null;
let selection: DagGraphTaskRef | undefined;
let detailRequest = 0;
/** The state the selected instance had when its detail was read. */
let detailState: string | undefined;

/** Layouts by the set of expanded groups, so opening and closing a group again costs nothing. */
const layouts = new Map<string, { visible: VisibleGraph; layout: GraphLayout }>();
let current: { visible: VisibleGraph; layout: GraphLayout } | undefined;
let zoom = 1;

/** What is drawn, to recolour it without drawing again. */
const nodeElements = new Map<string, SVGGElement>();
const clusterTitles = new Map<string, SVGGElement>();
let rows: GridRow[] = [];
/** [row][run] cells of the grid, and the header of each run. */
let cellElements: HTMLTableCellElement[][] = [];
let rowHeaders: HTMLTableCellElement[] = [];
let runHeaders: HTMLTableCellElement[] = [];
let gridRunIds: string[] = [];

// ---------------------------------------------------------------- state colours

const stateSheet = new CSSStyleSheet();
const stateClasses = new Map<string, string>();

/** A class that sets --state to the theme colour of `state` (created the first time a state shows). */
function stateClass(state: string): string {
  const known = stateClasses.get(state);
  if (known) return known;
  const name = `st-${stateClasses.size}`;
  const color = structureView?.stateStyles[state]?.color ?? null;
  // Theme colour ids are ours (src/airflow/presentation.ts); anything else gets no colour.
  const value = color !== null && /^[A-Za-z0-9.]+$/.test(color) ? `var(--vscode-${color.replace(/\./g, '-')})` : 'var(--vscode-descriptionForeground)';
  stateSheet.insertRule(`.${name} { --state: ${value}; }`, stateSheet.cssRules.length);
  stateClasses.set(state, name);
  return name;
}

function setStateClass(element: Element, state: string | undefined): void {
  for (const cls of [...element.classList]) if (cls.startsWith('st-')) element.classList.remove(cls);
  if (state !== undefined) element.classList.add(stateClass(state));
}

// ---------------------------------------------------------------- page

const root = document.getElementById('root') ?? document.body;
const titleEl = el('h1', {}, 'DAG graph');
const subtitleEl = el('p', { class: 'sub' });
const noteEl = el('p', { class: 'note', role: 'note', hidden: true });
const runSelect = el('select', { id: 'graph-run', 'aria-label': 'Run shown in the graph' });
const triggerButton = el('button', { class: 'primary', title: 'Trigger this DAG (asks for its conf)' }, 'Trigger');
const refreshButton = el('button', { title: 'Read the DAG and its runs again' }, 'Refresh');
const expandAllButton = el('button', { title: 'Open every task group' }, 'Expand Groups');
const collapseAllButton = el('button', { title: 'Close every task group' }, 'Collapse Groups');
const zoomOutButton = el('button', { title: 'Zoom out', 'aria-label': 'Zoom out' }, '−');
const zoomInButton = el('button', { title: 'Zoom in', 'aria-label': 'Zoom in' }, '+');
const fitButton = el('button', { title: 'Fit the graph into the pane' }, 'Fit');
const statusEl = el('span', { class: 'status', role: 'status' });
const problemEl = el('div', { class: 'alert', role: 'alert', hidden: true });
const graphPane = el('section', { class: 'graph-pane', 'aria-label': 'Task graph' });
const detailEl = el('section', { class: 'detail', 'aria-live': 'polite', 'aria-label': 'Selected task instance' });
const gridPane = el('section', { class: 'grid-pane', 'aria-label': 'Grid of runs and tasks' });

function showProblem(error: unknown): void {
  problemEl.textContent = error instanceof Error ? error.message : String(error);
  problemEl.hidden = false;
}

function request<K extends keyof DagGraphMethods>(method: K, params: DagGraphMethods[K][0]): Promise<DagGraphMethods[K][1] | undefined> {
  return host.request(method, params).catch((error: unknown) => {
    showProblem(error);
    return undefined;
  });
}

function saveState(): void {
  if (!structureView) return;
  const state: SavedState = { dagId: structureView.dagId, expanded: [...expanded], graphRun: graphRunId };
  host.state = state;
}

function savedState(dagId: string): SavedState | undefined {
  const state = host.state as Partial<SavedState> | undefined;
  if (!state || state.dagId !== dagId || !Array.isArray(state.expanded)) return undefined;
  return { dagId, expanded: state.expanded.filter((id): id is string => typeof id === 'string'), graphRun: typeof state.graphRun === 'string' ? state.graphRun : null };
}

// ---------------------------------------------------------------- states of runs

/** The run the graph colours by: the chosen one while it is listed, else the newest. */
function graphRunIndex(): number {
  if (!runsView || runsView.runs.length === 0) return -1;
  if (graphRunId !== null) {
    const index = runsView.runs.findIndex((run) => run.runId === graphRunId);
    if (index >= 0) return index;
  }
  return runsView.runs.length - 1;
}

function taskState(runIndex: number, taskId: string): string | undefined {
  if (!runsView || !structureView || runIndex < 0) return undefined;
  const taskIndex = taskIndexes.get(taskId);
  if (taskIndex === undefined) return undefined;
  const cell = runsView.cells[runIndex]?.[taskIndex] ?? -1;
  return cell < 0 ? undefined : runsView.states[cell];
}

/** A group's (or a collapsed node's) state: the most telling of its tasks'. */
function statesOf(runIndex: number, taskIds: readonly string[]): string | undefined {
  if (taskIds.length === 1) return taskState(runIndex, taskIds[0] as string);
  const state = summaryState(taskIds.map((id) => taskState(runIndex, id)));
  return state === undefined ? undefined : state ?? 'none';
}

let taskIndexes = new Map<string, number>();

function stateWords(state: string | undefined): string {
  if (state === undefined) return 'not in this run';
  return state === 'none' ? 'no state yet' : state.replace(/_/g, ' ');
}

// ---------------------------------------------------------------- the graph

function textWidth(text: string, font: string): number {
  const context = measureCanvas.getContext('2d');
  if (!context) return text.length * 7;
  context.font = font;
  return context.measureText(text).width;
}
const measureCanvas = document.createElement('canvas');

function nodeLabel(node: VisibleNode): string {
  if (!model) return node.id;
  if (node.kind === 'group') return `${model.groups.get(node.id)?.label ?? node.id} ▸`;
  const task = model.taskById.get(node.id);
  const own = shortLabel(model, node.id);
  return visibleLabel(task && task.displayName !== task.taskId ? task.displayName : own);
}

function nodeSubLine(node: VisibleNode): string {
  if (node.kind === 'group') return `${node.taskIds.length} task${node.taskIds.length === 1 ? '' : 's'}`;
  const task = model?.taskById.get(node.id);
  return `${task?.operator ?? 'task'}${task?.isMapped ? ' [ ]' : ''}`;
}

function nodeSize(node: VisibleNode): { width: number; height: number } {
  const font = getComputedStyle(document.body).fontFamily;
  const label = textWidth(nodeLabel(node), `600 12px ${font}`);
  const sub = textWidth(`${nodeSubLine(node)} · up for reschedule`, `11px ${font}`);
  return { width: Math.round(Math.min(NODE_MAX_WIDTH, Math.max(NODE_MIN_WIDTH, Math.max(label, sub) + 26))), height: NODE_HEIGHT };
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

function svgText(x: number, y: number, text: string, cls?: string): SVGTextElement {
  const element = svg('text', { x, y, ...(cls ? { class: cls } : {}) });
  element.textContent = text;
  return element;
}

/** Lays out (or takes the kept layout of) the graph with the current groups open, and draws it. */
function drawGraph(): void {
  if (!model) return;
  const key = [...expanded].filter((id) => model?.groups.has(id)).sort().join('\u0000');
  let entry = layouts.get(key);
  if (!entry) {
    const visible = visibleGraph(model, expanded);
    entry = { visible, layout: layoutGraph(visible, nodeSize) };
    layouts.set(key, entry);
    if (layouts.size > 12) layouts.delete(layouts.keys().next().value as string);
  }
  current = entry;
  const { visible, layout } = entry;
  nodeElements.clear();
  clusterTitles.clear();
  const root = svg('svg', { class: 'graph', role: 'group', 'aria-label': `Task graph of ${structureView?.dagId ?? 'the DAG'}: arrow keys move between tasks, Enter selects a task or opens a group` });
  root.setAttribute('viewBox', `0 0 ${Math.max(1, layout.width)} ${Math.max(1, layout.height)}`);
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }));
  defs.append(marker);
  root.append(defs);

  const clusterLayer = svg('g', { class: 'clusters' });
  // Outer boxes first, so inner ones draw over them.
  const depthOf = (id: string): number => {
    let depth = 0;
    for (let parent = model?.groups.get(id)?.parentId ?? null; parent !== null && depth < 100; parent = model?.groups.get(parent)?.parentId ?? null) depth++;
    return depth;
  };
  for (const cluster of [...visible.clusters].sort((a, b) => depthOf(a.id) - depthOf(b.id))) {
    const box = layout.clusters.get(cluster.id);
    if (!box) continue;
    const group = svg('g', { class: 'cluster', 'data-id': cluster.id });
    group.append(svg('rect', { class: 'frame', x: box.x, y: box.y, width: box.width, height: box.height, rx: 4 }));
    const label = model.groups.get(cluster.id)?.label ?? cluster.id;
    const title = svg('g', { class: 'title', tabindex: -1, role: 'button', 'aria-expanded': 'true', 'data-id': cluster.id, 'aria-label': `Task group ${label}, open: Enter closes it` });
    title.append(svgText(box.x + 8, box.y + 11, `▾ ${visibleLabel(label)}`));
    title.addEventListener('click', () => { toggleGroup(cluster.id); });
    group.append(title);
    clusterTitles.set(cluster.id, title);
    clusterLayer.append(group);
  }
  root.append(clusterLayer);

  const edgeLayer = svg('g', { class: 'edges', 'aria-hidden': 'true' });
  for (const edge of layout.edges) edgeLayer.append(svg('path', { class: 'edge', d: edgePath(edge.points), 'marker-end': 'url(#arrow)' }));
  root.append(edgeLayer);

  const nodeLayer = svg('g', { class: 'nodes' });
  for (const node of visible.nodes) {
    const box = layout.nodes.get(node.id);
    if (!box) continue;
    const g = svg('g', { class: `node ${node.kind}`, transform: `translate(${box.x},${box.y})`, tabindex: -1, role: 'button', 'data-id': node.id, 'data-kind': node.kind });
    g.append(svg('rect', { class: 'box', width: box.width, height: box.height, rx: 4 }));
    g.append(svg('rect', { class: 'bar', x: 0, y: 0, width: 5, height: box.height, rx: 2 }));
    g.append(svgText(12, 13, nodeLabel(node), 'label'));
    g.append(svgText(12, 28, nodeSubLine(node), 'sub'));
    const title = svg('title');
    title.textContent = node.kind === 'group' ? `Task group ${node.id}: ${node.taskIds.length} tasks. Click to open it.` : node.id;
    g.append(title);
    g.addEventListener('click', () => { activateNode(node); });
    g.addEventListener('dblclick', () => { if (node.kind === 'task') void openLogOf(node.id); });
    nodeElements.set(node.id, g);
    nodeLayer.append(g);
  }
  root.append(nodeLayer);
  root.addEventListener('keydown', onGraphKey);
  replaceChildren(graphPane, root);
  applyZoom();
  colourGraph();
  // One Tab stop: the selected node, else the first.
  const first = (selection && nodeElements.get(current.visible.nodeOfTask.get(selection.taskId) ?? '')) ?? nodeElements.values().next().value;
  first?.setAttribute('tabindex', '0');
}

function applyZoom(): void {
  const graph = graphPane.querySelector('svg');
  if (!graph || !current) return;
  const height = Math.max(1, Math.round(current.layout.height * zoom));
  graph.setAttribute('width', String(Math.max(1, Math.round(current.layout.width * zoom))));
  graph.setAttribute('height', String(height));
  // A small graph leaves its pane no taller than itself, so the grid gets the room (CSSOM: the CSP refuses style attributes).
  graphPane.style.maxHeight = `${height + 24}px`;
}

function fit(): void {
  if (!current) return;
  graphPane.style.maxHeight = '';
  const width = graphPane.clientWidth - 4;
  const height = graphPane.clientHeight - 4;
  zoom = Math.max(0.2, Math.min(1.25, width / Math.max(1, current.layout.width), height / Math.max(1, current.layout.height)));
  applyZoom();
}

/** Colours every node by its state in the graph's run; the words and aria labels follow. */
function colourGraph(): void {
  if (!current) return;
  const runIndex = graphRunIndex();
  const runId = runsView?.runs[runIndex]?.runId;
  for (const node of current.visible.nodes) {
    const g = nodeElements.get(node.id);
    if (!g) continue;
    const state = statesOf(runIndex, node.taskIds);
    setStateClass(g, state);
    g.setAttribute('data-state', state ?? '');
    const sub = g.querySelector('text.sub');
    if (sub) sub.textContent = `${nodeSubLine(node)}${runId === undefined ? '' : ` · ${stateWords(state)}`}`;
    const what = node.kind === 'group' ? `Task group ${node.id}, ${node.taskIds.length} tasks, closed` : `Task ${node.id}`;
    g.setAttribute('aria-label', `${what}: ${runId === undefined ? 'no runs yet' : `${stateWords(state)} in run ${runId}`}`);
    g.classList.toggle('selected', node.kind === 'task' && selection?.taskId === node.id && selection.runId === runId);
  }
}

function activateNode(node: VisibleNode): void {
  if (node.kind === 'group') {
    toggleGroup(node.id);
    return;
  }
  const runId = runsView?.runs[graphRunIndex()]?.runId;
  if (runId === undefined) {
    showDetailMessage(`Task ${node.id}: no runs yet. Trigger the DAG to run it.`);
    return;
  }
  select({ runId, taskId: node.id });
}

function toggleGroup(groupId: string): void {
  if (expanded.has(groupId)) {
    expanded.delete(groupId);
    // Closing a group closes the groups inside it too.
    for (const id of [...expanded]) if (model?.groups.get(id) && isInside(id, groupId)) expanded.delete(id);
  } else {
    expanded.add(groupId);
  }
  saveState();
  drawGraph();
  drawGrid();
  focusGraphItem(groupId);
}

function isInside(groupId: string, outer: string): boolean {
  for (let id = model?.groups.get(groupId)?.parentId ?? null, guard = 0; id !== null && guard < 100; id = model?.groups.get(id)?.parentId ?? null, guard++) {
    if (id === outer) return true;
  }
  return false;
}

/** Moves keyboard focus to a node or a group's title (after a redraw, to what stands for it). */
function focusGraphItem(id: string): void {
  const target = nodeElements.get(id) ?? clusterTitles.get(id) ?? (current ? nodeElements.get(current.visible.nodeOfTask.get(id) ?? '') : undefined);
  if (!target) return;
  for (const element of [...nodeElements.values(), ...clusterTitles.values()]) element.setAttribute('tabindex', '-1');
  target.setAttribute('tabindex', '0');
  target.focus();
}

function graphPoints(): { id: string; x: number; y: number }[] {
  if (!current) return [];
  const points: { id: string; x: number; y: number }[] = [];
  for (const [id, box] of current.layout.nodes) points.push({ id, x: box.x + box.width / 2, y: box.y + box.height / 2 });
  for (const [id, box] of current.layout.clusters) points.push({ id, x: box.x + 40, y: box.y + 10 });
  return points;
}

const KEY_DIRECTIONS: Record<string, Direction> = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right' };

function onGraphKey(event: KeyboardEvent): void {
  const target = event.target as Element | null;
  const id = target?.getAttribute('data-id');
  if (!id || !current) return;
  const direction = KEY_DIRECTIONS[event.key];
  if (direction) {
    const next = nearestInDirection(graphPoints(), id, direction);
    if (next !== undefined) focusGraphItem(next);
    event.preventDefault();
    return;
  }
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    if (clusterTitles.has(id) && !nodeElements.has(id)) {
      toggleGroup(id);
      return;
    }
    const node = current.visible.nodes.find((candidate) => candidate.id === id);
    if (node) activateNode(node);
  }
}

// ---------------------------------------------------------------- the grid

function drawGrid(): void {
  if (!model || !structureView) return;
  rows = gridRows(model, expanded);
  const runs = runsView?.runs ?? [];
  gridRunIds = runs.map((run) => run.runId);
  const table = el('table', { class: 'grid', role: 'grid', 'aria-label': `Last ${runs.length} runs × tasks: arrow keys move, Enter selects a task instance or opens a group`, 'aria-rowcount': rows.length + 1, 'aria-colcount': runs.length + 1 });
  const head = el('tr', { role: 'row' }, el('th', { class: 'task-head', role: 'columnheader' }, runs.length === 0 ? 'Task (no runs yet)' : 'Task'));
  runHeaders = runs.map((run, runIndex) => {
    const th = el('th', { class: 'run-head', role: 'columnheader', title: run.tooltip, 'aria-label': `Run ${run.runId}: ${run.state}`, 'data-run': run.runId }, el('span'));
    setStateClass(th, run.state);
    th.addEventListener('click', () => { setGraphRun(runIndex === runs.length - 1 ? null : run.runId); });
    head.append(th);
    return th;
  });
  const body = el('tbody');
  rowHeaders = [];
  cellElements = rows.map((row, rowIndex) => {
    const name = el('th', {
      class: `name ${row.kind}`, role: 'rowheader', tabindex: -1, 'data-row': rowIndex, 'data-id': row.id,
      title: row.id,
      ...(row.kind === 'group' ? { 'aria-expanded': row.expanded ? 'true' : 'false' } : {}),
    }, el('span', { class: 'twisty', 'aria-hidden': 'true' }, row.kind === 'group' ? (row.expanded ? '▾' : '▸') : ''), visibleLabel(row.label));
    // Through the CSSOM: the panel's Content Security Policy refuses style attributes.
    name.style.paddingLeft = `${4 + row.depth * 14}px`;
    if (row.kind === 'group') name.addEventListener('click', () => { toggleGroup(row.id); focusGridRowHeader(row.id); });
    rowHeaders.push(name);
    const tr = el('tr', { role: 'row', 'data-id': row.id }, name);
    const cells = runs.map((run, runIndex) => {
      const td = el('td', { class: 'cell', role: 'gridcell', tabindex: -1, 'data-row': rowIndex, 'data-col': runIndex, 'data-run': run.runId, 'data-id': row.id }, el('span'));
      td.addEventListener('click', () => { activateCell(rowIndex, runIndex); });
      td.addEventListener('dblclick', () => { if (row.kind === 'task') void openLogOf(row.id, run.runId); });
      tr.append(td);
      return td;
    });
    body.append(tr);
    return cells;
  });
  table.append(el('thead', {}, head), body);
  table.addEventListener('keydown', onGridKey);
  replaceChildren(gridPane, table);
  // A short grid leaves its pane no taller than itself (CSSOM: the CSP refuses style attributes).
  gridPane.style.maxHeight = `${table.offsetHeight + 24}px`;
  colourGrid();
  const start = selectedCell() ?? cellElements[0]?.[runs.length - 1] ?? rowHeaders[0];
  start?.setAttribute('tabindex', '0');
}

function selectedCell(): HTMLTableCellElement | undefined {
  if (!selection) return undefined;
  const rowIndex = rows.findIndex((row) => row.id === selection?.taskId);
  const runIndex = gridRunIds.indexOf(selection.runId);
  return rowIndex >= 0 && runIndex >= 0 ? cellElements[rowIndex]?.[runIndex] : undefined;
}

function rowTaskIds(row: GridRow): string[] {
  return row.kind === 'task' ? [row.id] : model?.tasksOfGroup.get(row.id) ?? [];
}

function colourGrid(): void {
  if (!runsView) return;
  const graphIndex = graphRunIndex();
  rows.forEach((row, rowIndex) => {
    const ids = rowTaskIds(row);
    cellElements[rowIndex]?.forEach((td, runIndex) => {
      const state = statesOf(runIndex, ids);
      setStateClass(td, state);
      td.classList.toggle('empty', state === undefined);
      td.classList.toggle('graph-run', runIndex === graphIndex);
      td.classList.toggle('selected', row.kind === 'task' && selection?.taskId === row.id && selection.runId === gridRunIds[runIndex]);
      td.setAttribute('data-state', state ?? '');
      td.setAttribute('aria-label', `${row.kind === 'group' ? 'Group ' : ''}${row.id} in run ${gridRunIds[runIndex] ?? ''}: ${stateWords(state)}`);
    });
  });
  runHeaders.forEach((th, runIndex) => {
    const run = runsView?.runs[runIndex];
    if (run) setStateClass(th, run.state);
    th.classList.toggle('graph-run', runIndex === graphIndex);
  });
}

function focusGridRowHeader(id: string): void {
  const index = rows.findIndex((row) => row.id === id);
  const target = rowHeaders[index];
  if (target) moveGridFocus(target);
}

function moveGridFocus(target: HTMLTableCellElement): void {
  gridPane.querySelectorAll('[tabindex="0"]').forEach((element) => { element.setAttribute('tabindex', '-1'); });
  target.setAttribute('tabindex', '0');
  target.focus();
}

function activateCell(rowIndex: number, runIndex: number): void {
  const row = rows[rowIndex];
  const runId = gridRunIds[runIndex];
  if (!row || runId === undefined) return;
  const td = cellElements[rowIndex]?.[runIndex];
  if (td) moveGridFocus(td);
  setGraphRun(runIndex === gridRunIds.length - 1 ? null : runId);
  if (row.kind === 'group') {
    showDetailMessage(`Task group ${row.id} in run ${runId}: ${stateWords(statesOf(runIndex, rowTaskIds(row)))}. Open the group to see its tasks.`);
    return;
  }
  select({ runId, taskId: row.id });
}

function onGridKey(event: KeyboardEvent): void {
  const target = event.target as HTMLElement | null;
  const rowIndex = Number(target?.getAttribute('data-row'));
  if (!target || !Number.isInteger(rowIndex)) return;
  const col = target.hasAttribute('data-col') ? Number(target.getAttribute('data-col')) : -1;
  const lastCol = gridRunIds.length - 1;
  const go = (r: number, c: number): void => {
    const row = Math.max(0, Math.min(rows.length - 1, r));
    const next = c < 0 ? rowHeaders[row] : cellElements[row]?.[Math.min(lastCol, c)];
    if (next) moveGridFocus(next);
  };
  switch (event.key) {
    case 'ArrowUp': go(rowIndex - 1, col); break;
    case 'ArrowDown': go(rowIndex + 1, col); break;
    case 'ArrowLeft': go(rowIndex, col - 1); break;
    case 'ArrowRight': go(rowIndex, col + 1); break;
    case 'Home': go(rowIndex, event.ctrlKey ? -1 : 0); break;
    case 'End': go(rowIndex, lastCol); break;
    case 'Enter':
    case ' ': {
      const row = rows[rowIndex];
      if (col < 0 && row?.kind === 'group') {
        toggleGroup(row.id);
        focusGridRowHeader(row.id);
      } else if (col >= 0) {
        activateCell(rowIndex, col);
      }
      break;
    }
    default: return;
  }
  event.preventDefault();
}

// ---------------------------------------------------------------- selection and its actions

function setGraphRun(runId: string | null): void {
  graphRunId = runId;
  runSelect.value = runId ?? '';
  saveState();
  colourGraph();
  colourGrid();
}

function showDetailMessage(text: string): void {
  selection = undefined;
  replaceChildren(detailEl, el('span', { class: 'meta' }, text));
}

function detailButton(label: string, title: string, action: () => Promise<unknown>, disabled = false): HTMLButtonElement {
  const button = el('button', { title, disabled });
  button.textContent = label;
  button.addEventListener('click', () => { void action(); });
  return button;
}

function openLogOf(taskId: string, runId?: string): Promise<unknown> {
  const run = runId ?? runsView?.runs[graphRunIndex()]?.runId;
  if (run === undefined) return Promise.resolve();
  return request('openLog', { runId: run, taskId });
}

/** Selects a task instance: it is marked in the graph and the grid, and the bar shows it with its actions. */
function select(ref: DagGraphTaskRef): void {
  selection = ref;
  colourGraph();
  colourGrid();
  renderDetail(ref, undefined);
  detailState = taskState(gridRunIds.indexOf(ref.runId), ref.taskId);
  const ticket = ++detailRequest;
  void request('detail', ref).then((detail) => {
    if (detail && ticket === detailRequest) renderDetail(ref, detail);
  });
}

function renderDetail(ref: DagGraphTaskRef, detail: DagGraphTaskDetail | undefined): void {
  const runIndex = gridRunIds.indexOf(ref.runId);
  const state = detail ? (detail.state ?? 'none') : taskState(runIndex, ref.taskId);
  const dot = el('span', { class: 'dot', 'aria-hidden': 'true' });
  setStateClass(dot, state);
  const meta = detail
    ? [stateWords(state), detail.tryNumber > 0 ? `try ${detail.tryNumber}` : null, detail.duration !== '—' ? detail.duration : null,
      detail.mapCount > 0 ? `${detail.mapCount} mapped instances` : null, detail.operator].filter(Boolean).join(' · ')
    : `${stateWords(state)} · reading…`;
  const xcomLabel = detail === undefined ? 'XComs' : detail.xcoms === null ? 'XComs (?)' : `XComs (${detail.xcoms})`;
  const xcomTitle = detail?.xcomError ?? (detail?.xcoms === 0 ? 'This task instance has no XComs' : 'Open the XComs as JSON');
  replaceChildren(detailEl,
    el('span', { class: 'what', title: detail ? `Started ${detail.started}\nEnded ${detail.ended}` : '' }, dot, ' ', el('strong', {}, visibleLabel(ref.taskId)), el('span', { class: 'meta' }, ' in '), visibleLabel(ref.runId), el('span', { class: 'meta' }, ` · ${meta}`)),
    detailButton('Log', 'Open the task log', () => request('openLog', ref), detail !== undefined && detail.tryNumber < 1),
    detailButton(xcomLabel, xcomTitle, () => request('openXComs', ref), detail?.xcoms === 0),
    detailButton('Clear…', 'Clear this task and the tasks downstream of it, so they run again (asks first)', () => request('clearTask', ref), detail !== undefined && detail.state === null && detail.tryNumber < 1),
  );
}

// ---------------------------------------------------------------- host messages

function onStructure(view: DagGraphStructureView): void {
  const first = structureView?.dagId !== view.dagId;
  structureView = view;
  stateClasses.clear();
  while (stateSheet.cssRules.length > 0) stateSheet.deleteRule(0);
  const structure: Pick<DagStructure, 'tasks' | 'groups' | 'groupOfTask'> = {
    tasks: view.tasks.map((task) => ({ taskId: task.id, displayName: task.label, operator: task.operator, downstreamTaskIds: task.downstream, isMapped: task.isMapped })),
    groups: view.groups.map((group) => ({ groupId: group.id, label: group.label, parentId: group.parentId })),
    groupOfTask: view.groupOfTask,
  };
  model = buildGraphModel(structure);
  taskIndexes = new Map(view.tasks.map((task, i) => [task.id, i]));
  layouts.clear();
  if (first) {
    const saved = savedState(view.dagId);
    expanded = new Set(saved ? saved.expanded : view.tasks.length <= EXPAND_ALL_UP_TO ? view.groups.map((g) => g.id) : []);
    graphRunId = saved?.graphRun ?? null;
  }
  titleEl.textContent = visibleLabel(view.title);
  subtitleEl.textContent = view.subtitle;
  noteEl.textContent = view.note ?? '';
  noteEl.hidden = view.note === null;
  expandAllButton.disabled = view.groups.length === 0;
  collapseAllButton.disabled = view.groups.length === 0;
  if (view.tasks.length === 0) {
    replaceChildren(graphPane, el('p', { class: 'empty-note' }, 'This DAG has no tasks.'));
  } else {
    drawGraph();
    if (first) fit();
  }
  drawGrid();
}

function onRuns(view: DagGraphRunsView): void {
  const before = gridRunIds.join('\u0000');
  runsView = view;
  problemEl.hidden = view.error === null;
  problemEl.textContent = view.error ?? '';
  statusEl.textContent = view.watching
    ? `Updating while runs are active (${new Date(view.updatedAt).toLocaleTimeString()})`
    : `${view.runs.length === 0 ? 'No runs yet' : `Last ${view.runs.length} run${view.runs.length === 1 ? '' : 's'}`} · updated ${new Date(view.updatedAt).toLocaleTimeString()}`;
  statusEl.classList.toggle('watching', view.watching);
  const options = [el('option', { value: '' }, view.runs.length === 0 ? 'No runs yet' : 'Latest run (follows new runs)')];
  for (const run of [...view.runs].reverse()) options.push(el('option', { value: run.runId }, visibleLabel(run.label)));
  replaceChildren(runSelect, ...options);
  runSelect.value = graphRunId !== null && view.runs.some((run) => run.runId === graphRunId) ? graphRunId : '';
  if (!structureView) return;
  if (view.runs.map((run) => run.runId).join('\u0000') !== before) drawGrid();
  else colourGrid();
  colourGraph();
  // The selected instance changed state (it ran, or was cleared): read its detail again.
  const shownState = selection ? taskState(gridRunIds.indexOf(selection.runId), selection.taskId) : undefined;
  if (selection && gridRunIds.includes(selection.runId) && shownState !== detailState) {
    const ref = selection;
    detailState = shownState;
    const ticket = ++detailRequest;
    void host.request('detail', ref).then((detail) => { if (ticket === detailRequest && selection === ref) renderDetail(ref, detail); }, () => undefined);
  }
}

host.on('structure', onStructure);
host.on('runs', onRuns);
host.on('selectRun', (params) => { setGraphRun(params.runId); });

runSelect.addEventListener('change', () => { setGraphRun(runSelect.value === '' ? null : runSelect.value); });
triggerButton.addEventListener('click', () => { void request('trigger', {}); });
refreshButton.addEventListener('click', () => { void request('refresh', {}); });
expandAllButton.addEventListener('click', () => {
  expanded = new Set(structureView?.groups.map((g) => g.id) ?? []);
  saveState();
  drawGraph();
  drawGrid();
});
collapseAllButton.addEventListener('click', () => {
  expanded = new Set();
  saveState();
  drawGraph();
  drawGrid();
});
zoomInButton.addEventListener('click', () => { zoom = Math.min(3, zoom * 1.25); applyZoom(); });
zoomOutButton.addEventListener('click', () => { zoom = Math.max(0.2, zoom / 1.25); applyZoom(); });
fitButton.addEventListener('click', fit);
graphPane.addEventListener('wheel', (event) => {
  if (!event.ctrlKey) return;
  event.preventDefault();
  zoom = Math.max(0.2, Math.min(3, zoom * (event.deltaY < 0 ? 1.1 : 1 / 1.1)));
  applyZoom();
}, { passive: false });

adoptStyles(STYLES);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, stateSheet];
replaceChildren(root, el('main', {},
  el('header', {}, titleEl, subtitleEl, noteEl),
  el('div', { class: 'toolbar' },
    el('label', { for: 'graph-run' }, 'Graph shows'), runSelect, triggerButton, refreshButton, expandAllButton, collapseAllButton,
    zoomOutButton, zoomInButton, fitButton, statusEl),
  problemEl,
  el('div', { class: 'panes' }, graphPane, detailEl, gridPane),
));
replaceChildren(graphPane, el('p', { class: 'empty-note' }, 'Reading the DAG…'));
showDetailMessage('Click a task in the graph or a cell in the grid to see its log, XComs and Clear.');
host.ready();
