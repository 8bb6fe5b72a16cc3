/**
 * The Datasets view (assets in Airflow 3): connection → dataset URI → "Produced by" (tasks),
 * "Consumed by" (DAGs) and "Recent events" (time, source DAG/run, a summary of `extra`) →
 * the runs each event created, with their state. Producers, consumers and runs reveal the
 * DAG or run in the DAGs view. Event rows refresh on their own while a created run is active.
 */
import * as vscode from 'vscode';
import type { Dataset, DatasetEvent } from '../../airflow/types';
import type { AirflowConnections } from '../../config/airflowConnections';
import type { AirflowConnection } from '../../shared/connections';
import type { Logger } from '../../shared/logger';
import { visibleLabel, visibleTooltip } from '../../shared/visibleText';
import { AirflowTreeProvider } from './airflowTreeProvider';
import { connectionStatusText, datasetTooltip, eventSource, eventTooltip, formatTime, isActiveRunState, newestEventsFirst, stateIcon, summarizeExtra } from '../../airflow/presentation';
import { failureItem, type KeyedNode } from './treeSupport';
import { CommandId } from '../../shared/commandIds';

/** How many recent events a dataset lists. */
export const RECENT_EVENTS = 10;

interface Base extends KeyedNode {
  readonly parent: DatasetsNode | undefined;
}
/** `row` lets the shared Remove Connection command (src/commands/connections.ts) act on this row. */
export interface DsConnectionNode extends Base {
  kind: 'connection';
  connection: AirflowConnection;
  row: { kind: 'airflow'; name: string };
  /** The status words the row shows now; a status change that keeps them does not reload the datasets. */
  shownStatus?: string;
}
export interface DatasetNode extends Base { kind: 'dataset'; connectionName: string; dataset: Dataset }
export interface GroupNode extends Base { kind: 'group'; group: 'producers' | 'consumers' | 'events'; connectionName: string; dataset: Dataset }
export interface ProducerNode extends Base { kind: 'producer'; connectionName: string; dagId: string; taskId: string }
export interface ConsumerNode extends Base { kind: 'consumer'; connectionName: string; dagId: string }
export interface EventNode extends Base { kind: 'event'; connectionName: string; event: DatasetEvent }
export interface CreatedRunNode extends Base { kind: 'createdRun'; connectionName: string; dagId: string; runId: string; state: string | null }
/** The run whose task produced the event (none for an event fired by hand or through the API). */
export interface SourceRunNode extends Base { kind: 'sourceRun'; connectionName: string; dagId: string; runId: string; taskId: string | null }
export interface DsFailureNode extends Base { kind: 'failure'; message: string; retryTarget: DatasetsNode }
export interface DsInfoNode extends Base { kind: 'info'; text: string }

export type DatasetsNode =
  | DsConnectionNode | DatasetNode | GroupNode | ProducerNode | ConsumerNode | EventNode | CreatedRunNode | SourceRunNode | DsFailureNode | DsInfoNode;

export class DatasetsTreeProvider extends AirflowTreeProvider<DatasetsNode> {
  constructor(connections: AirflowConnections, log: Logger) {
    super(connections, log, { logTag: 'datasets view', viewName: 'Datasets view', connectionKey: (name) => `datasets/${name}` });
  }

  protected failureNode(key: string, parent: DatasetsNode, message: string): DsFailureNode {
    return { kind: 'failure', key, parent, message, retryTarget: parent };
  }

  /** After an event was fired on `uri`: reload the events of that dataset if it is shown. */
  eventFired(connectionName: string, uri: string): void {
    const key = `datasets/${connectionName}/${uri}/events`;
    const group = this.store.get(key);
    if (group) {
      this.autoRefresh.markActive(group);
      this.refreshNode(group);
    }
  }

  protected async loadChildren(element?: DatasetsNode): Promise<DatasetsNode[]> {
    if (!element) return this.rootChildren();
    switch (element.kind) {
      case 'connection': return this.guard(element, element.connection.name, () => this.datasets(element));
      case 'dataset': return this.groups(element);
      case 'group': return this.guard(element, element.connectionName, () => this.groupChildren(element));
      case 'event': return this.createdRuns(element);
      default: return [];
    }
  }

  private rootChildren(): DatasetsNode[] {
    // Settings problems are shown once, in the DAGs view; here only the usable connections.
    const nodes = this.connections.list().value.map((connection) => {
      const key = `datasets/${connection.name}`;
      return this.store.obtain(key, (): DsConnectionNode => ({ kind: 'connection', key, parent: undefined, connection, row: { kind: 'airflow', name: connection.name } }), (n) => { n.connection = connection; });
    });
    return this.store.setChildren(undefined, nodes);
  }

  private info(parent: DatasetsNode, text: string): DsInfoNode {
    const key = `${parent.key}/info`;
    return this.store.obtain(key, (): DsInfoNode => ({ kind: 'info', key, parent, text }), (n) => { n.text = text; });
  }

  private async datasets(parent: DsConnectionNode): Promise<DatasetsNode[]> {
    const name = parent.connection.name;
    const client = await this.connections.client(name);
    const datasets = [...(await client.listDatasets())].sort((a, b) => a.uri.localeCompare(b.uri));
    const nodes: DatasetsNode[] = datasets.map((dataset) => {
      const key = `datasets/${name}/${dataset.uri}`;
      return this.store.obtain(key, (): DatasetNode => ({ kind: 'dataset', key, parent, connectionName: name, dataset }), (n) => { n.dataset = dataset; });
    });
    if (nodes.length === 0) nodes.push(this.info(parent, vscode.l10n.t('No datasets yet: a dataset appears once a DAG that produces or consumes it is parsed.')));
    return this.store.setChildren(parent.key, nodes);
  }

  private groups(parent: DatasetNode): DatasetsNode[] {
    const nodes = (['producers', 'consumers', 'events'] as const).map((group) => {
      const key = `${parent.key}/${group}`;
      return this.store.obtain(
        key,
        (): GroupNode => ({ kind: 'group', key, parent, group, connectionName: parent.connectionName, dataset: parent.dataset }),
        (n) => { n.dataset = parent.dataset; },
      );
    });
    return this.store.setChildren(parent.key, nodes);
  }

  private async groupChildren(parent: GroupNode): Promise<DatasetsNode[]> {
    const { dataset, connectionName } = parent;
    if (parent.group === 'producers') {
      const nodes: DatasetsNode[] = dataset.producingTasks.map(({ dagId, taskId }) => {
        const key = `${parent.key}/${dagId}/${taskId}`;
        return this.store.obtain(key, (): ProducerNode => ({ kind: 'producer', key, parent, connectionName, dagId, taskId }));
      });
      if (nodes.length === 0) nodes.push(this.info(parent, vscode.l10n.t('No task declares it as an outlet.')));
      return this.store.setChildren(parent.key, nodes);
    }
    if (parent.group === 'consumers') {
      const nodes: DatasetsNode[] = dataset.consumingDags.map((dagId) => {
        const key = `${parent.key}/${dagId}`;
        return this.store.obtain(key, (): ConsumerNode => ({ kind: 'consumer', key, parent, connectionName, dagId }));
      });
      if (nodes.length === 0) nodes.push(this.info(parent, vscode.l10n.t('No DAG is scheduled on it, so its events start no run.')));
      return this.store.setChildren(parent.key, nodes);
    }
    const client = await this.connections.client(connectionName);
    const page = await client.listDatasetEvents({ datasetId: dataset.id, limit: RECENT_EVENTS, offset: 0 });
    const events = newestEventsFirst(page.items).slice(0, RECENT_EVENTS);
    const nodes: DatasetsNode[] = events.map((event) => {
      const key = `${parent.key}/${event.id}`;
      return this.store.obtain(key, (): EventNode => ({ kind: 'event', key, parent, connectionName, event }), (n) => { n.event = event; });
    });
    if (events.some((event) => event.createdRuns.some((run) => isActiveRunState(run.state)))) this.autoRefresh.markActive(parent);
    if (nodes.length === 0) nodes.push(this.info(parent, vscode.l10n.t('No events yet. Right-click the dataset and choose Fire Dataset Event.')));
    return this.store.setChildren(parent.key, nodes);
  }

  /** The run that produced the event (first), then the runs the event triggered. */
  private createdRuns(parent: EventNode): DatasetsNode[] {
    const { sourceDagId, sourceRunId, sourceTaskId } = parent.event;
    const source: DatasetsNode[] = [];
    if (sourceDagId && sourceRunId) {
      const key = `${parent.key}/source`;
      source.push(this.store.obtain(key, (): SourceRunNode => ({
        kind: 'sourceRun', key, parent, connectionName: parent.connectionName, dagId: sourceDagId, runId: sourceRunId, taskId: sourceTaskId,
      })));
    }
    const nodes: DatasetsNode[] = [...source, ...parent.event.createdRuns.map(({ dagId, runId, state }) => {
      const key = `${parent.key}/${dagId}/${runId}`;
      return this.store.obtain(
        key,
        (): CreatedRunNode => ({ kind: 'createdRun', key, parent, connectionName: parent.connectionName, dagId, runId, state }),
        (n) => { n.state = state; },
      );
    })];
    return this.store.setChildren(parent.key, nodes);
  }

  getTreeItem(node: DatasetsNode): vscode.TreeItem {
    const item = this.makeItem(node);
    item.id = node.key;
    return item;
  }

  private makeItem(node: DatasetsNode): vscode.TreeItem {
    const { Collapsed, None } = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case 'connection': {
        const item = new vscode.TreeItem(node.connection.name, this.connections.list().value.length > 1 ? Collapsed : vscode.TreeItemCollapsibleState.Expanded);
        node.shownStatus = connectionStatusText(this.connections.status(node.connection.name));
        item.description = node.shownStatus;
        item.tooltip = node.connection.url;
        item.iconPath = new vscode.ThemeIcon('cloud');
        item.contextValue = 'connection.airflow';
        return item;
      }
      case 'dataset': {
        const { dataset } = node;
        const item = new vscode.TreeItem(visibleLabel(dataset.uri), Collapsed);
        const parts: string[] = [];
        if (dataset.name && dataset.name !== dataset.uri) parts.push(dataset.name);
        parts.push(`${dataset.consumingDags.length} consumer${dataset.consumingDags.length === 1 ? '' : 's'}`);
        item.description = visibleLabel(parts.join(' · '));
        item.tooltip = datasetTooltip(dataset);
        item.iconPath = new vscode.ThemeIcon('database');
        item.contextValue = 'airflowDataset';
        return item;
      }
      case 'group': {
        const labels = { producers: vscode.l10n.t('Produced by'), consumers: vscode.l10n.t('Consumed by'), events: vscode.l10n.t('Recent events') };
        const item = new vscode.TreeItem(labels[node.group], Collapsed);
        if (node.group === 'producers') item.description = String(node.dataset.producingTasks.length);
        if (node.group === 'consumers') item.description = String(node.dataset.consumingDags.length);
        item.iconPath = new vscode.ThemeIcon(node.group === 'producers' ? 'arrow-right' : node.group === 'consumers' ? 'arrow-left' : 'history');
        item.contextValue = `airflowDatasetGroup.${node.group}`;
        return item;
      }
      case 'producer': {
        const item = new vscode.TreeItem(visibleLabel(`${node.dagId}.${node.taskId}`), None);
        item.iconPath = new vscode.ThemeIcon('symbol-event');
        item.tooltip = visibleTooltip(`Task ${node.taskId} of DAG ${node.dagId} updates this dataset. Click to show the DAG.`);
        item.command = { title: vscode.l10n.t('Show DAG'), command: CommandId.revealInDagsTree, arguments: [node.connectionName, node.dagId] };
        item.contextValue = 'airflowDatasetProducer';
        return item;
      }
      case 'consumer': {
        const item = new vscode.TreeItem(visibleLabel(node.dagId), None);
        item.iconPath = new vscode.ThemeIcon('type-hierarchy-sub');
        item.tooltip = visibleTooltip(`DAG ${node.dagId} is scheduled on this dataset. Click to show it.`);
        item.command = { title: vscode.l10n.t('Show DAG'), command: CommandId.revealInDagsTree, arguments: [node.connectionName, node.dagId] };
        item.contextValue = 'airflowDatasetConsumer';
        return item;
      }
      case 'event': {
        const { event } = node;
        const hasChildren = event.createdRuns.length > 0 || (event.sourceDagId !== null && event.sourceRunId !== null);
        const item = new vscode.TreeItem(formatTime(event.timestamp), hasChildren ? Collapsed : None);
        item.description = visibleLabel(`${eventSource(event)} · ${summarizeExtra(event.extra)}`);
        item.tooltip = eventTooltip(event);
        const anyActive = event.createdRuns.some((run) => isActiveRunState(run.state));
        item.iconPath = new vscode.ThemeIcon(anyActive ? 'sync~spin' : 'zap');
        item.contextValue = 'airflowDatasetEvent';
        return item;
      }
      case 'createdRun': {
        const item = new vscode.TreeItem(visibleLabel(node.runId), None);
        item.description = visibleLabel(`${node.dagId} · ${node.state ?? 'no state yet'}`);
        const { icon, color } = stateIcon(node.state);
        item.iconPath = color ? new vscode.ThemeIcon(icon, new vscode.ThemeColor(color)) : new vscode.ThemeIcon(icon);
        item.tooltip = visibleTooltip(`Run ${node.runId} of ${node.dagId}, created by this event.\nState: ${node.state ?? '—'}\nClick to show it in the DAGs view.`);
        item.command = { title: vscode.l10n.t('Show Run'), command: CommandId.revealInDagsTree, arguments: [node.connectionName, node.dagId, node.runId] };
        item.contextValue = 'airflowCreatedRun';
        return item;
      }
      case 'sourceRun': {
        const item = new vscode.TreeItem(visibleLabel(node.runId), None);
        item.description = visibleLabel(vscode.l10n.t('produced by {0}', node.taskId ? `${node.dagId}.${node.taskId}` : node.dagId));
        item.iconPath = new vscode.ThemeIcon('arrow-right');
        item.tooltip = visibleTooltip(`Run ${node.runId} of ${node.dagId}${node.taskId ? `, task ${node.taskId},` : ''} produced this event.\nClick to show it in the DAGs view.`);
        item.command = { title: vscode.l10n.t('Show Run'), command: CommandId.revealInDagsTree, arguments: [node.connectionName, node.dagId, node.runId] };
        item.contextValue = 'airflowSourceRun';
        return item;
      }
      case 'failure': return failureItem(node.message, node.retryTarget, node.key);
      case 'info': {
        const item = new vscode.TreeItem(node.text, None);
        item.iconPath = new vscode.ThemeIcon('info');
        item.contextValue = 'airflowInfo';
        return item;
      }
    }
  }
}
