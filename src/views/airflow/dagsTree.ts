/**
 * The DAGs view: Airflow connection (version and health) → import errors and DAGs (latest
 * run state as a theme-colored icon, paused marker, tags) → recent runs → task instances,
 * whose click opens the task log. A filter keeps the DAGs whose id, tag or owner matches.
 * While runs are active the affected rows refresh on their own; a failed load becomes a row
 * with the cause and Retry; a DAG that disappeared makes its connection reload.
 */
import * as vscode from 'vscode';
import { ContextKey } from '../../shared/contextKeys';
import { DagNotFoundError } from '../../airflow/errors';
import type { Dag, DagRun, ImportError, TaskInstance, XComEntry } from '../../airflow/types';
import { backfillProgress, backfillState, progressText, rangeText, type Backfill } from '../../airflow/backfill';
import type { AirflowApi, AirflowConnections } from '../../config/airflowConnections';
import type { AirflowConnection } from '../../shared/connections';
import { describeError, userMessage } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { visibleLabel } from '../../shared/visibleText';
import { settingsProblemItem } from '../settingsProblemItem';
import { AirflowTreeProvider } from './airflowTreeProvider';
import {
  connectionStatusText,
  dagDescription,
  dagMatchesFilter,
  dagTooltip,
  formatTime,
  inRunOrder,
  isActiveRunState,
  newestFirst,
  isActiveTaskState,
  runDescription,
  runTooltip,
  serverDescription,
  stateIcon,
  taskDescription,
  taskLabel,
  taskTooltip,
} from '../../airflow/presentation';
import { failureItem, type KeyedNode } from './treeSupport';
import { CommandId } from '../../shared/commandIds';
import { failedRunsBadge } from '../../airflow/badge';

/** How many recent runs a DAG lists. */
export const RECENT_RUNS = 15;
/** How many backfills a DAG lists (newest first; active ones always). */
export const RECENT_BACKFILLS = 3;

interface Base extends KeyedNode {
  readonly parent: DagsNode | undefined;
}
/** `row` lets the shared Remove Connection command (src/commands/connections.ts) act on this row. */
export interface ConnectionNode extends Base {
  kind: 'connection';
  connection: AirflowConnection;
  row: { kind: 'airflow'; name: string };
  /** The status words the row shows now; a status change that keeps them does not reload the DAGs. */
  shownStatus?: string;
}
export interface SettingsProblemNode extends Base { kind: 'settingsProblem'; text: string }
export interface ImportErrorNode extends Base { kind: 'importError'; connectionName: string; importError: ImportError }
export interface DagNode extends Base { kind: 'dag'; connectionName: string; dag: Dag; latestState: string | null | undefined }
export interface RunNode extends Base { kind: 'run'; connectionName: string; run: DagRun }
export interface TaskNode extends Base { kind: 'task'; connectionName: string; task: TaskInstance }
/** A backfill of the DAG (Airflow 3); `summary` is its runs' progress while it is active. */
export interface BackfillNode extends Base { kind: 'backfill'; connectionName: string; dag: Dag; backfill: Backfill; summary: string | undefined }
/** One XCom of a task instance (its value is read only when opened). */
export interface XComNode extends Base { kind: 'xcom'; connectionName: string; task: TaskInstance; entry: XComEntry }
export interface FailureNode extends Base { kind: 'failure'; message: string; retryTarget: DagsNode }
export interface InfoNode extends Base { kind: 'info'; text: string; icon: string }

export type DagsNode =
  | ConnectionNode | SettingsProblemNode | ImportErrorNode | DagNode | RunNode | TaskNode | BackfillNode | XComNode | FailureNode | InfoNode;

const FILTER_CONTEXT_KEY = ContextKey.dagsFiltered;

export function connectionKey(name: string): string {
  return `airflow/${name}`;
}
function dagKey(connection: string, dagId: string): string {
  return `${connectionKey(connection)}/dag/${dagId}`;
}
function runKey(connection: string, dagId: string, runId: string): string {
  return `${dagKey(connection, dagId)}/run/${runId}`;
}

export class DagsTreeProvider extends AirflowTreeProvider<DagsNode> {
  private filterText = '';

  constructor(connections: AirflowConnections, log: Logger) {
    super(connections, log, { logTag: 'dags view', viewName: 'DAGs view', connectionKey });
    // A row that goes away (connection removed, DAG deleted) takes its count with it.
    this._register(this.onDidChangeTreeData(() => { setTimeout(() => { this.updateBadge(); }, 0); }));
  }

  /** The view's badge: how many of the DAGs loaded so far have a failed latest run. */
  private updateBadge(): void {
    if (!this.view) return;
    const failed = [...this.store.values()].filter((n): n is DagNode => n.kind === 'dag' && n.latestState === 'failed');
    const badge = failedRunsBadge(failed.map((n) => n.dag.dagId));
    if (badge?.value !== this.view.badge?.value || badge?.tooltip !== this.view.badge?.tooltip) this.view.badge = badge;
  }

  protected failureNode(key: string, parent: DagsNode, message: string): FailureNode {
    return { kind: 'failure', key, parent, message, retryTarget: parent };
  }

  get filter(): string {
    return this.filterText;
  }

  setFilter(text: string): void {
    this.filterText = text.trim();
    if (this.view) this.view.description = this.filterText ? `filter: ${this.filterText}` : undefined;
    void vscode.commands.executeCommand('setContext', FILTER_CONTEXT_KEY, this.filterText !== '');
    this.refresh();
  }

  // ---------------------------------------------------------------- children

  protected async loadChildren(element?: DagsNode): Promise<DagsNode[]> {
    if (!element) return this.rootChildren();
    switch (element.kind) {
      case 'connection': return this.guard(element, element.connection.name, () => this.connectionChildren(element));
      case 'dag': return this.guard(element, element.connectionName, () => this.dagChildren(element));
      case 'run': return this.guard(element, element.connectionName, () => this.runChildren(element));
      case 'task': return this.guard(element, element.connectionName, () => this.taskChildren(element));
      default: return [];
    }
  }

  private rootChildren(): DagsNode[] {
    const { value, problems } = this.connections.list();
    const nodes: DagsNode[] = problems.map((text, index) =>
      this.store.obtain(`problem/${index}`, (): SettingsProblemNode => ({ kind: 'settingsProblem', key: `problem/${index}`, parent: undefined, text }), (n) => { n.text = text; }),
    );
    for (const connection of value) {
      const key = connectionKey(connection.name);
      nodes.push(this.store.obtain(key, (): ConnectionNode => ({ kind: 'connection', key, parent: undefined, connection, row: { kind: 'airflow', name: connection.name } }), (n) => { n.connection = connection; }));
      if (this.connections.status(connection.name).kind === 'unknown') void this.connections.checkStatus(connection.name);
    }
    return this.store.setChildren(undefined, nodes);
  }

  /** Runs a load; a failure becomes a row with the cause and Retry (and never rejects). */
  /** A DAG deleted on the server: no failure row, its connection's list reloads without it. */
  protected override loadFailed(parent: DagsNode, connectionName: string, error: unknown): DagsNode[] | undefined {
    if (!(error instanceof DagNotFoundError) || !parent.parent) return undefined;
    this.log.info(`${error.message} Reloading the DAGs of "${connectionName}".`);
    const connection = this.store.get(connectionKey(connectionName));
    if (connection) setTimeout(() => { this.changed.fire(connection); }, 0);
    return this.store.setChildren(parent.key, []);
  }

  private info(parent: DagsNode, suffix: string, text: string, icon: string): InfoNode {
    const key = `${parent.key}/info/${suffix}`;
    return this.store.obtain(key, (): InfoNode => ({ kind: 'info', key, parent, text, icon }), (n) => { n.text = text; n.icon = icon; });
  }

  private async connectionChildren(parent: ConnectionNode): Promise<DagsNode[]> {
    const name = parent.connection.name;
    const client = await this.connections.client(name);
    const [dags, importErrors] = await Promise.all([
      client.listAllDags(),
      client.listImportErrors().catch((error: unknown) => error instanceof Error ? error : new Error(String(error))),
    ]);
    const nodes: DagsNode[] = [];
    if (importErrors instanceof Error) {
      this.log.warn(`Import errors of "${name}" could not be read: ${describeError(importErrors)}`);
      nodes.push(this.info(parent, 'importErrorsFailed', `Import errors could not be read: ${userMessage(importErrors)}`, 'warning'));
    } else {
      for (const importError of importErrors) {
        const key = `${parent.key}/importError/${importError.id}`;
        nodes.push(this.store.obtain(key, (): ImportErrorNode => ({ kind: 'importError', key, parent, connectionName: name, importError }), (n) => { n.importError = importError; }));
      }
    }
    const shown = this.filterText ? dags.filter((dag) => dagMatchesFilter(dag, this.filterText)) : dags;
    for (const dag of [...shown].sort((a, b) => a.dagId.localeCompare(b.dagId))) {
      const key = dagKey(name, dag.dagId);
      const node = this.store.obtain(
        key,
        (): DagNode => ({ kind: 'dag', key, parent, connectionName: name, dag, latestState: dag.latestRunState }),
        (n) => {
          n.dag = dag;
          if (dag.latestRunState !== undefined) n.latestState = dag.latestRunState;
        },
      );
      if (isActiveRunState(node.latestState)) this.autoRefresh.markActive(parent);
      nodes.push(node);
    }
    if (dags.length === 0) nodes.push(this.info(parent, 'empty', vscode.l10n.t('No DAGs on this server yet: put a DAG file in its DAGs folder.'), 'info'));
    else if (shown.length === 0) nodes.push(this.info(parent, 'filtered', vscode.l10n.t('No DAG matches "{0}" (of {1}). Clear the filter to see all.', this.filterText, dags.length), 'filter'));
    const children = this.store.setChildren(parent.key, nodes);
    this.updateBadge();
    return children;
  }

  /**
   * The DAG's recent backfills (Airflow 3 only; none on Airflow 2, which has no backfill API),
   * the active ones with their runs' progress. A failure here only logs: the runs still show.
   */
  private async backfillNodes(parent: DagNode): Promise<DagsNode[]> {
    const client = await this.connections.client(parent.connectionName);
    if ((await client.serverInfo()).apiVersion !== 'v2') return [];
    let backfills: Backfill[];
    try {
      backfills = await client.listBackfills(parent.dag.dagId, { limit: 10 });
    } catch (error) {
      this.log.warn(`Backfills of ${parent.dag.dagId} could not be read: ${describeError(error)}`);
      return [];
    }
    const shown = backfills.filter((b, index) => b.completedAt === null || index < RECENT_BACKFILLS);
    return Promise.all(shown.map(async (backfill) => {
      let summary: string | undefined;
      if (backfill.completedAt === null) {
        this.autoRefresh.markActive(parent);
        try {
          summary = progressText(backfillProgress(await client.listBackfillRuns(backfill)));
        } catch (error) {
          // The backfill is still listed, without its figures; the next refresh asks again.
          this.log.warn(`Runs of backfill ${backfill.id} of ${parent.dag.dagId} could not be read: ${describeError(error)}`);
        }
      }
      const key = `${parent.key}/backfill/${backfill.id}`;
      return this.store.obtain(
        key,
        (): BackfillNode => ({ kind: 'backfill', key, parent, connectionName: parent.connectionName, dag: parent.dag, backfill, summary }),
        (n) => { n.backfill = backfill; n.summary = summary; n.dag = parent.dag; },
      );
    }));
  }

  private async dagChildren(parent: DagNode): Promise<DagsNode[]> {
    const client = await this.connections.client(parent.connectionName);
    const [page, backfills] = await Promise.all([
      client.listRuns(parent.dag.dagId, { limit: RECENT_RUNS, offset: 0 }),
      this.backfillNodes(parent),
    ]);
    const runs = newestFirst(page.items).slice(0, RECENT_RUNS);
    const nodes: DagsNode[] = [...backfills];
    nodes.push(...runs.map((run) => {
      const key = runKey(parent.connectionName, run.dagId, run.runId);
      return this.store.obtain(key, (): RunNode => ({ kind: 'run', key, parent, connectionName: parent.connectionName, run }), (n) => { n.run = run; });
    }));
    const latest = runs[0]?.state ?? null;
    if (latest !== parent.latestState && (runs.length > 0 || parent.latestState === undefined)) {
      parent.latestState = latest;
      // The DAG row shows the latest state as its icon: redraw it (its children are read again
      // before VS Code is told, so its runs stay expandable meanwhile).
      setTimeout(() => { void this.reloadRows([parent]); }, 0);
      this.updateBadge();
    }
    if (runs.some((run) => isActiveRunState(run.state))) this.autoRefresh.markActive(parent);
    if (runs.length === 0) nodes.push(this.info(parent, 'empty', vscode.l10n.t('No runs yet: trigger it with the ▷ button.'), 'info'));
    else if (page.totalEntries > runs.length) {
      nodes.push(this.info(parent, 'more', vscode.l10n.t('{0} older runs: open the DAG in the Airflow UI to see them', page.totalEntries - runs.length), 'ellipsis'));
    }
    return this.store.setChildren(parent.key, nodes);
  }

  private async runChildren(parent: RunNode): Promise<DagsNode[]> {
    const client = await this.connections.client(parent.connectionName);
    const tasks = inRunOrder(await client.listTaskInstances(parent.run.dagId, parent.run.runId));
    const nodes: DagsNode[] = tasks.map((task) => {
      const key = `${parent.key}/task/${task.taskId}/${task.mapIndex}`;
      return this.store.obtain(key, (): TaskNode => ({ kind: 'task', key, parent, connectionName: parent.connectionName, task }), (n) => { n.task = task; });
    });
    if (isActiveRunState(parent.run.state) || tasks.some((t) => isActiveTaskState(t.state))) {
      // The run row itself (state, duration) lives in the DAG's children: refresh from there.
      this.autoRefresh.markActive(parent.parent ?? parent);
    }
    if (tasks.length === 0) nodes.push(this.info(parent, 'empty', vscode.l10n.t('No task instances yet: the scheduler has not created them.'), 'info'));
    return this.store.setChildren(parent.key, nodes);
  }

  /** The task instance's XCom keys; their values are read only when one is opened. */
  private async taskChildren(parent: TaskNode): Promise<DagsNode[]> {
    const client = await this.connections.client(parent.connectionName);
    const { task } = parent;
    const entries = await client.listXComs(task.dagId, task.runId, task.taskId, { mapIndex: task.mapIndex, values: false });
    const nodes: DagsNode[] = entries.map((entry) => {
      const key = `${parent.key}/xcom/${entry.key}/${entry.mapIndex}`;
      return this.store.obtain(key, (): XComNode => ({ kind: 'xcom', key, parent, connectionName: parent.connectionName, task, entry }), (n) => { n.entry = entry; n.task = task; });
    });
    if (entries.length === 0) {
      nodes.push(this.info(parent, 'empty', isActiveTaskState(task.state) ? vscode.l10n.t('No XComs yet: the task is still running.') : vscode.l10n.t('No XComs: this task pushed none.'), 'info'));
    }
    return this.store.setChildren(parent.key, nodes);
  }

  // ---------------------------------------------------------------- items

  getTreeItem(node: DagsNode): vscode.TreeItem {
    const now = Date.now();
    switch (node.kind) {
      case 'settingsProblem': return settingsProblemItem(node.text, node.key);
      case 'connection': return this.connectionItem(node);
      case 'importError': {
        const file = node.importError.filename.split(/[/\\]/).pop() ?? node.importError.filename;
        const item = new vscode.TreeItem(file, vscode.TreeItemCollapsibleState.None);
        item.id = node.key;
        item.description = 'import error';
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        const firstLine = node.importError.stackTrace.trim().split('\n').pop() ?? '';
        item.tooltip = `${node.importError.filename}\n${formatTime(node.importError.timestamp)}\n\n${firstLine}\n\nClick to read the whole stack trace.`;
        item.contextValue = 'airflowImportError';
        item.command = { title: vscode.l10n.t('Show Import Error'), command: CommandId.showImportError, arguments: [node] };
        return item;
      }
      case 'dag': {
        const item = new vscode.TreeItem(visibleLabel(node.dag.dagId), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.key;
        item.description = visibleLabel(dagDescription(node.dag));
        item.tooltip = dagTooltip(node.dag, node.latestState);
        item.iconPath = node.dag.isPaused && (node.latestState === null || node.latestState === undefined)
          ? new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('disabledForeground'))
          : themeIcon(node.latestState);
        item.contextValue = node.dag.isPaused ? 'airflowDag.paused' : 'airflowDag.active';
        return item;
      }
      case 'run': {
        const item = new vscode.TreeItem(visibleLabel(node.run.runId), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.key;
        item.description = `${node.run.state} · ${runDescription(node.run, now)}`;
        item.tooltip = runTooltip(node.run, now);
        item.iconPath = themeIcon(node.run.state);
        item.contextValue = `airflowRun.${node.run.state}`;
        return item;
      }
      case 'task': {
        // Collapsed: its XComs are its children, read when it is expanded.
        const item = new vscode.TreeItem(visibleLabel(taskLabel(node.task)), vscode.TreeItemCollapsibleState.Collapsed);
        // No item.id on purpose: a run row reloaded while it is being expanded (trigger → reveal,
        // auto-refresh) makes VS Code register its tasks twice, and with an id that fails for good
        // ("Element with id … is already registered", microsoft/vscode#192055): the run would show
        // no tasks until the view is reloaded. A leaf needs no id to keep its place.
        item.description = taskDescription(node.task, now);
        item.tooltip = taskTooltip(node.task, now);
        item.iconPath = themeIcon(node.task.state);
        item.contextValue = `airflowTask.${node.task.state ?? 'none'}`;
        item.command = { title: vscode.l10n.t('Open Task Log'), command: CommandId.openTaskLog, arguments: [node] };
        return item;
      }
      case 'backfill': {
        const { backfill } = node;
        const state = backfillState(backfill);
        const item = new vscode.TreeItem(vscode.l10n.t('Backfill {0}', rangeText(backfill)), vscode.TreeItemCollapsibleState.None);
        item.id = node.key;
        item.description = node.summary ? `${state} · ${node.summary}` : state === 'completed' && backfill.completedAt ? `${state} ${formatTime(backfill.completedAt)}` : state;
        item.tooltip = `${vscode.l10n.t('Backfill {0} of {1}', backfill.id, backfill.dagId)}\n${rangeText(backfill)}\n${vscode.l10n.t('Reprocess: {0} · max {1} active runs', backfill.reprocessBehavior, backfill.maxActiveRuns)}\n${vscode.l10n.t('Created {0}', formatTime(backfill.createdAt))}${backfill.completedAt ? `\n${vscode.l10n.t('Completed {0}', formatTime(backfill.completedAt))}` : ''}\n\n${vscode.l10n.t('Click to open its progress.')}`;
        item.iconPath = state === 'running' ? new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue'))
          : state === 'paused' ? new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('charts.yellow'))
            : new vscode.ThemeIcon('history');
        item.contextValue = `airflowBackfill.${state}`;
        item.command = { title: vscode.l10n.t('Open Backfill'), command: CommandId.openBackfill, arguments: [node] };
        return item;
      }
      case 'xcom': {
        const label = node.entry.mapIndex >= 0 && node.task.mapIndex < 0 ? `${node.entry.key} [${node.entry.mapIndex}]` : node.entry.key;
        const item = new vscode.TreeItem(visibleLabel(label), vscode.TreeItemCollapsibleState.None);
        item.description = node.entry.timestamp ? formatTime(node.entry.timestamp) : undefined;
        item.tooltip = vscode.l10n.t('XCom {0} of {1} in run {2}. Click to open its value as JSON (read on demand).', node.entry.key, node.task.taskId, node.task.runId);
        item.iconPath = new vscode.ThemeIcon('symbol-variable');
        item.contextValue = 'airflowXCom';
        item.command = { title: vscode.l10n.t('Open XCom'), command: CommandId.openXCom, arguments: [node] };
        return item;
      }
      case 'failure': return failureItem(node.message, node.retryTarget, node.key);
      case 'info': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = node.key;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.tooltip = node.text;
        item.contextValue = 'airflowInfo';
        return item;
      }
    }
  }

  private connectionItem(node: ConnectionNode): vscode.TreeItem {
    const { connection } = node;
    const several = this.connections.list().value.length > 1;
    const item = new vscode.TreeItem(connection.name, several ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
    item.id = node.key;
    item.contextValue = 'connection.airflow';
    const status = this.connections.status(connection.name);
    const shown = status.kind === 'checking' ? status.previous ?? status : status;
    node.shownStatus = connectionStatusText(status);
    const signIn = connection.auth === 'token' ? 'a bearer token' : `user ${connection.username ?? '?'}`;
    if (shown.kind === 'ok') {
      item.description = serverDescription(shown.info, shown.health);
      item.iconPath = new vscode.ThemeIcon('cloud');
      item.tooltip = `${connection.url}\n${vscode.l10n.t('Airflow {0} (REST API {1})', shown.info.version, shown.info.apiVersion)}\n${item.description}\n${vscode.l10n.t('Signs in with {0}', signIn)}`;
    } else if (shown.kind === 'error') {
      item.description = node.shownStatus;
      item.iconPath = new vscode.ThemeIcon('cloud', new vscode.ThemeColor('errorForeground'));
      item.tooltip = `${connection.url}\n${userMessage(shown.error)}`;
    } else {
      item.description = vscode.l10n.t('connecting…');
      item.iconPath = new vscode.ThemeIcon('cloud');
      item.tooltip = `${connection.url}\n${vscode.l10n.t('Signs in with {0}', signIn)}`;
    }
    return item;
  }

  // ---------------------------------------------------------------- reveal and lookups

  /** The connection row, when it is listed. */
  connectionNode(name: string): ConnectionNode | undefined {
    const node = this.store.get(connectionKey(name));
    return node?.kind === 'connection' ? node : undefined;
  }

  /** Shows a run in the tree: expands its DAG and selects it (after the run was triggered or clicked elsewhere). */
  async revealRun(connectionName: string, dagId: string, runId: string): Promise<void> {
    const client = await this.connections.client(connectionName);
    const dagNode = await this.dagNodeToReveal(client, connectionName, dagId);
    if (!dagNode || !this.view) return;
    const run = await client.getRun(dagId, runId);
    const rKey = runKey(connectionName, dagId, runId);
    const runNode = this.store.obtain(rKey, (): RunNode => ({ kind: 'run', key: rKey, parent: dagNode, connectionName, run }), (n) => { n.run = run; });
    if (isActiveRunState(run.state)) this.autoRefresh.markActive(dagNode);
    this.autoRefresh.userAction();
    await this.reloadRows([dagNode]);
    await this.view.reveal(runNode, { select: true, focus: false, expand: true });
  }

  /**
   * The row object of a DAG, made if the tree does not hold it right now (a command that
   * arrived while the view was reloading gets no row from VS Code and asks for the DAG).
   */
  dagNodeFor(connectionName: string, dag: Dag): DagNode | undefined {
    const connection = this.connections.find(connectionName);
    if (!connection) return undefined;
    const cKey = connectionKey(connectionName);
    const connectionNode = this.store.obtain(cKey, (): ConnectionNode => ({ kind: 'connection', key: cKey, parent: undefined, connection, row: { kind: 'airflow', name: connectionName } }));
    const dKey = dagKey(connectionName, dag.dagId);
    return this.store.obtain(dKey, (): DagNode => ({ kind: 'dag', key: dKey, parent: connectionNode, connectionName, dag, latestState: dag.latestRunState }), (n) => { n.dag = dag; });
  }

  /** Shows a DAG in the tree and selects it (from a producer or consumer in the Datasets view). */
  async revealDag(connectionName: string, dagId: string): Promise<void> {
    const client = await this.connections.client(connectionName);
    const dagNode = await this.dagNodeToReveal(client, connectionName, dagId);
    if (!dagNode || !this.view) return;
    await this.view.reveal(dagNode, { select: true, focus: true, expand: false });
  }

  /**
   * The row of a DAG about to be revealed, read afresh from the server; clears a filter that
   * would hide it. Undefined when the connection is gone or the view is not open.
   */
  private async dagNodeToReveal(client: AirflowApi, connectionName: string, dagId: string): Promise<DagNode | undefined> {
    if (!this.connections.find(connectionName) || !this.view) return undefined;
    const dag = await client.getDag(dagId);
    if (this.filterText && !dagMatchesFilter(dag, this.filterText)) this.setFilter('');
    return this.dagNodeFor(connectionName, dag);
  }

  /** A backfill of a DAG started or changed: reload the DAG's rows if it is shown. */
  backfillChanged(connectionName: string, dagId: string): void {
    const node = this.store.get(dagKey(connectionName, dagId));
    if (node?.kind === 'dag') this.dagChanged(node);
  }

  /** A DAG changed on the server because of the user (paused, triggered): reload its row and runs. */
  dagChanged(node: DagNode, dag?: Dag): void {
    if (dag) node.dag = dag;
    this.autoRefresh.markActive(node);
    this.refreshNode(node);
  }
}

function themeIcon(state: string | null | undefined): vscode.ThemeIcon {
  const { icon, color } = stateIcon(state);
  return color ? new vscode.ThemeIcon(icon, new vscode.ThemeColor(color)) : new vscode.ThemeIcon(icon);
}
