/**
 * The host side of the DAG Graph panel (webview/src/dagGraph.ts): one panel per DAG and
 * connection, showing the task graph (laid out in the webview) and the grid of its last runs ×
 * tasks. It reads the DAG's structure once (again on Refresh, or when a run has a task it does
 * not know), then polls the last runs while the panel is visible: every POLL_ACTIVE_MS (backing
 * off to POLL_ACTIVE_MAX_MS) while a run is active, every POLL_IDLE_MS otherwise, and not at all
 * while hidden (the page reloads and polls again when shown). Only runs that are new, active or
 * changed have their task instances read again. What the webview asks for (a task's log, XComs,
 * Clear) is checked against the runs and tasks it was sent, then done by the commands.
 */
import type * as vscode from 'vscode';
import { buildGraphModel, runsToReload, type GraphModel } from '../airflow/dagGraph';
import type { DagRun, DagStructure, ServerInfo, TaskInstance } from '../airflow/types';
import type { AirflowApi } from '../config/airflowConnections';
import { describeError, userMessage, WorkbenchError } from '../shared/errors';
import { taggedLogger, type Logger } from '../shared/logger';
import type { DagGraphMethods, DagGraphNotifications, DagGraphRunsView, DagGraphStructureView, DagGraphTaskRef } from '../shared/protocol';
import { visibleLabel } from '../shared/visibleText';
import { isActiveRunState, isActiveTaskState, newestFirst } from '../airflow/presentation';
import { parseDagGraphMessage, runsView, structureView, taskDetail } from './dagGraphView';
import { PanelHost } from './panelHost';

/** Runs the grid shows (Airflow's grid shows 25 by default too). */
export const GRID_RUNS = 25;
const POLL_ACTIVE_MS = 2_000;
const POLL_ACTIVE_MAX_MS = 10_000;
const POLL_IDLE_MS = 30_000;

export type DagGraphApi = Pick<AirflowApi, 'serverInfo' | 'getDagStructure' | 'listRuns' | 'listTaskInstancesOfRuns' | 'listXComs'>;

export interface DagGraphTarget {
  connection: string;
  dagId: string;
  /** Show this run first (opened from a run's row). */
  runId?: string;
}

export interface DagGraphPanelDeps {
  log: Logger;
  extensionUri: vscode.Uri;
  client: (connection: string) => Promise<DagGraphApi>;
  /** Opens the log of one of these instances of a task (the user picks the map index of a mapped task). */
  openTaskLog: (connection: string, instances: readonly TaskInstance[]) => Promise<void>;
  openXComs: (connection: string, instance: TaskInstance) => Promise<void>;
  /** Clears the task (asks first, as Clear Task does). */
  clearTask: (connection: string, instance: TaskInstance) => Promise<void>;
  /** Runs Trigger DAG for the DAG (its conf input and all). */
  trigger: (connection: string, dagId: string) => Promise<void>;
  /** Reports a failed action the way commands do (notification with next steps). */
  showError: (error: unknown) => void;
}

function keyOf(target: DagGraphTarget): string {
  return `${target.connection}\u0000${target.dagId}`;
}

export class DagGraphPanel implements vscode.Disposable {
  private static readonly open = new Map<string, DagGraphPanel>();

  private readonly host: PanelHost<DagGraphMethods, DagGraphNotifications>;
  private readonly log: Logger;
  private disposed = false;
  private info: ServerInfo | undefined;
  private structure: DagStructure | undefined;
  private model: GraphModel | undefined;
  private structureViewPosted: DagGraphStructureView | undefined;
  private structureStale = true;
  private runs: DagRun[] = [];
  private readonly instances = new Map<string, TaskInstance[]>();
  private readonly runMeta = new Map<string, Pick<DagRun, 'state' | 'startDate' | 'endDate'>>();
  private view: DagGraphRunsView | undefined;
  private pendingRun: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private interval = POLL_ACTIVE_MS;
  private loading: Promise<void> | undefined;
  private readAgain = false;

  /** Opens the graph of a DAG, or brings its panel to the front (showing `runId` when given). */
  static show(deps: DagGraphPanelDeps, target: DagGraphTarget): DagGraphPanel {
    const existing = DagGraphPanel.open.get(keyOf(target));
    if (existing) {
      existing.host.reveal();
      if (target.runId !== undefined) existing.selectRun(target.runId);
      existing.restartWatch();
      return existing;
    }
    const panel = new DagGraphPanel(deps, target);
    DagGraphPanel.open.set(keyOf(target), panel);
    return panel;
  }

  private constructor(private readonly deps: DagGraphPanelDeps, private readonly target: DagGraphTarget) {
    this.log = taggedLogger(deps.log, 'dag graph');
    this.pendingRun = target.runId;
    this.host = new PanelHost<DagGraphMethods, DagGraphNotifications>({
      viewType: 'kafkaAirflow.dagGraph',
      title: `Graph ${visibleLabel(target.dagId)}`,
      entry: 'dagGraph',
      extensionUri: deps.extensionUri,
      // Hidden panels lose their page and stop polling; shown again, the page says `ready` and all is posted again.
      retainContextWhenHidden: false,
      log: this.log,
      name: 'the DAG graph',
      parse: parseDagGraphMessage,
      handlers: {
        refresh: async () => {
          this.structureStale = true;
          this.interval = POLL_ACTIVE_MS;
          await this.refresh();
          return null;
        },
        trigger: async () => {
          await this.deps.trigger(this.target.connection, this.target.dagId);
          this.restartWatch();
          return null;
        },
        detail: async (ref) => {
          const found = this.lookUp(ref);
          let count: number | null = null;
          let error: string | null = null;
          const first = found.instances[0];
          if (first && first.tryNumber > 0) {
            try {
              const client = await this.deps.client(this.target.connection);
              count = (await client.listXComs(this.target.dagId, ref.runId, ref.taskId, { mapIndex: first.mapIndex, values: false })).length;
            } catch (failure) {
              this.log.warn(`XComs of ${ref.taskId} in ${ref.runId} could not be read: ${describeError(failure)}`);
              error = userMessage(failure);
            }
          } else {
            count = 0;
          }
          return taskDetail(ref, found.instances, found.operator, { count, error });
        },
        openLog: async (ref) => {
          const { instances } = this.lookUp(ref);
          const ran = instances.filter((ti) => ti.tryNumber > 0);
          if (ran.length === 0) throw new WorkbenchError(`Task ${ref.taskId} has not run in ${ref.runId} yet, so it has no log.`, { actions: [] });
          await this.deps.openTaskLog(this.target.connection, ran);
          return null;
        },
        openXComs: async (ref) => {
          const instance = this.lookUp(ref).instances[0];
          if (!instance) throw new WorkbenchError(`Task ${ref.taskId} has no instance in ${ref.runId} yet, so it has no XComs.`, { actions: [] });
          await this.deps.openXComs(this.target.connection, instance);
          return null;
        },
        clearTask: async (ref) => {
          const instance = this.lookUp(ref).instances[0];
          if (!instance) throw new WorkbenchError(`Task ${ref.taskId} has no instance in ${ref.runId} yet: there is nothing to clear.`, { actions: [] });
          await this.deps.clearTask(this.target.connection, instance);
          this.restartWatch();
          return null;
        },
      },
      onReady: () => {
        if (this.structureViewPosted) this.host.notify('structure', this.structureViewPosted);
        if (this.view) this.host.notify('runs', this.view);
        if (this.pendingRun !== undefined) this.host.notify('selectRun', { runId: this.pendingRun });
        this.restartWatch();
      },
      // An action the user started from the panel failed: tell them the way commands do.
      onFailure: (error) => { this.deps.showError(error); },
      onDispose: () => {
        this.disposed = true;
        this.stopTimer();
        DagGraphPanel.open.delete(keyOf(this.target));
      },
    });
    this.host.register(this.host.panel.onDidChangeViewState(() => {
      if (!this.host.panel.visible) this.stopTimer();
    }));
  }

  private selectRun(runId: string): void {
    this.pendingRun = runId;
    this.host.notify('selectRun', { runId });
  }

  /** The instances of a task in a run the webview named; both must be among what it was sent. */
  private lookUp(ref: DagGraphTaskRef): { instances: TaskInstance[]; operator: string | null } {
    const task = this.model?.taskById.get(ref.taskId);
    if (!task) throw new WorkbenchError(`The DAG ${this.target.dagId} has no task ${ref.taskId} any more. Refresh the graph.`, { actions: [] });
    if (!this.runs.some((run) => run.runId === ref.runId)) {
      throw new WorkbenchError(`Run ${ref.runId} is not among the last ${GRID_RUNS} runs of ${this.target.dagId} any more. Refresh the graph.`, { actions: [] });
    }
    const instances = (this.instances.get(ref.runId) ?? []).filter((ti) => ti.taskId === ref.taskId).sort((a, b) => a.mapIndex - b.mapIndex);
    return { instances, operator: task.operator };
  }

  private restartWatch(): void {
    this.interval = POLL_ACTIVE_MS;
    void this.refresh();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Reads what changed, posts it, and schedules the next poll while the panel is visible. Asked
   * while a read is under way (a trigger or a clear just happened), it reads once more after it.
   */
  private refresh(): Promise<void> {
    if (this.loading) {
      this.readAgain = true;
      return this.loading;
    }
    this.stopTimer();
    this.loading = this.load().finally(() => {
      this.loading = undefined;
      if (this.readAgain && !this.isClosed()) {
        this.readAgain = false;
        void this.refresh();
      }
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    if (this.disposed) return;
    let active = false;
    let error: string | null = null;
    try {
      const client = await this.deps.client(this.target.connection);
      if (this.structureStale || !this.structure) await this.loadStructure(client);
      const page = await client.listRuns(this.target.dagId, { limit: GRID_RUNS, offset: 0 });
      const runs = newestFirst(page.items).slice(0, GRID_RUNS);
      const reload = runsToReload(this.runMeta, runs);
      const read = await client.listTaskInstancesOfRuns(this.target.dagId, reload);
      for (const runId of reload) this.instances.set(runId, []);
      for (const ti of read) this.instances.get(ti.runId)?.push(ti);
      const shown = new Set(runs.map((run) => run.runId));
      for (const runId of [...this.instances.keys()]) if (!shown.has(runId)) this.instances.delete(runId);
      this.runMeta.clear();
      for (const run of runs) this.runMeta.set(run.runId, { state: run.state, startDate: run.startDate, endDate: run.endDate });
      this.runs = runs;
      // A task the structure does not know: the DAG file changed, read the structure on the next poll.
      if (read.some((ti) => !this.model?.taskById.has(ti.taskId))) this.structureStale = true;
      active = runs.some((run) => isActiveRunState(run.state)) || read.some((ti) => isActiveTaskState(ti.state));
    } catch (failure) {
      this.log.warn(`Refreshing the graph of ${this.target.dagId} failed: ${describeError(failure)}`);
      error = `${userMessage(failure)} Use Refresh to try again.`;
    }
    if (this.isClosed()) return;
    const taskIds = this.structure?.tasks.map((task) => task.taskId) ?? [];
    this.view = runsView(taskIds, this.runs, this.instances, { watching: active && this.host.panel.visible, error });
    this.host.notify('runs', this.view);
    if (!this.host.panel.visible) return;
    const wait = active ? this.interval : POLL_IDLE_MS;
    if (active) this.interval = Math.min(POLL_ACTIVE_MAX_MS, Math.round(this.interval * 1.5));
    else this.interval = POLL_ACTIVE_MS;
    this.timer = setTimeout(() => { void this.refresh(); }, wait);
  }

  private async loadStructure(client: DagGraphApi): Promise<void> {
    const [info, structure] = await Promise.all([client.serverInfo(), client.getDagStructure(this.target.dagId)]);
    this.info = info;
    this.structure = structure;
    this.model = buildGraphModel(structure);
    this.structureStale = false;
    this.structureViewPosted = structureView(structure, this.target.connection, this.info);
    this.host.notify('structure', this.structureViewPosted);
  }

  /** A method, not the field, so the check after an await is not narrowed away. */
  private isClosed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    this.host.dispose();
  }
}
