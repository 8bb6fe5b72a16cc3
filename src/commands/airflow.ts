/**
 * The Airflow commands of the DAGs and Datasets views, the status bar and the palette:
 * trigger a DAG (with an optional conf typed as a JSON object in a quick input), pause and
 * unpause, open a DAG or run in the Airflow UI, clear a task, filter the DAGs, open a task
 * log or an import error, retry a failed load, re-enter a connection's password, show the
 * server's status, and fire a dataset event. Every command runs through registerCommand;
 * refused credentials turn into an error that offers "Re-enter Password" for that connection.
 */
import * as vscode from 'vscode';
import { AirflowAuthError, DagNotFoundError } from '../airflow/errors';
import type { AirflowConnections } from '../config/airflowConnections';
import type { Secrets } from '../config/secrets';
import { airflowTarget } from '../shared/credentials';
import type { DatasetEventPanelDeps } from '../panels/datasetEventPanel';
import { datasetEventPanel } from '../panels/lazy';
import { CancelledError, userMessage, WorkbenchError } from '../shared/errors';
import { parseJsonObject } from '../shared/jsonObject';
import { taggedLogger } from '../shared/logger';
import type { DagNode, DagsNode, DagsTreeProvider, RunNode, TaskNode } from '../views/airflow/dagsTree';
import type { DatasetsNode, DatasetsTreeProvider } from '../views/airflow/datasetsTree';
import { healthLines, PROBLEM_WORDS, serverDescription, statusProblem } from '../airflow/presentation';
import { TaskLogDocuments } from '../views/airflow/taskLogDocuments';
import type { XComDocuments } from '../views/airflow/xcomDocuments';
import type { AirflowStatusBar } from '../views/airflowStatusBar';
import { registerCommand } from './index';
import { CommandId } from '../shared/commandIds';
import { nameList, rowsToActOn } from '../shared/selection';
import { ContextKey } from '../shared/contextKeys';
import { markDone } from '../views/contextKeys';

export interface AirflowCommandDeps {
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  secrets: Secrets;
  connections: AirflowConnections;
  dagsTree: DagsTreeProvider;
  datasetsTree: DatasetsTreeProvider;
  /** Remembers the last conf per DAG, so a second trigger starts from it. */
  state: vscode.Memento;
  /** XComs as read-only JSON documents (the DAG graph and the DAGs view open them). */
  xcoms: XComDocuments;
}

const LAST_CONF_KEY = 'kafkaAirflow.lastTriggerConf';

function isNodeOf<K extends string>(value: unknown, kind: K): value is { kind: K } {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === kind;
}

/** Runs an Airflow action; refused credentials get an action for this very connection, a vanished DAG reloads the tree. */
async function onServer<T>(deps: AirflowCommandDeps, connection: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof AirflowAuthError) {
      const title = error.actions.find((a): a is { title: string; command: string } => typeof a === 'object')?.title ?? 'Re-enter Password';
      throw new WorkbenchError(userMessage(error), {
        cause: error,
        actions: [{ title, command: CommandId.reenterAirflowPassword, args: [connection] }, 'showLog'],
      });
    }
    if (error instanceof DagNotFoundError) {
      const node = deps.dagsTree.connectionNode(connection);
      if (node) deps.dagsTree.refreshNode(node);
    }
    throw error;
  }
}

// ---------------------------------------------------------------- DAGs

/**
 * The DAG a command acts on: the row it was run on, or, when VS Code hands over no row (the
 * view was reloading at the moment of the click), the DAG the user picks.
 */
export async function resolveDag(deps: AirflowCommandDeps, arg: unknown, action: string): Promise<DagNode> {
  if (isNodeOf(arg, 'dag')) return arg as DagNode;
  const connection = await pickConnection(deps, vscode.l10n.t('{0}: which Airflow connection?', action));
  const client = await deps.connections.client(connection);
  const dags = await onServer(deps, connection, () => client.listAllDags({ latestRunState: false }));
  const picked = await vscode.window.showQuickPick(
    dags.map((dag) => ({ label: dag.dagId, description: [dag.isPaused ? 'paused' : '', dag.tags.join(', ')].filter((t) => t !== '').join(' · '), dag })),
    { title: vscode.l10n.t('{0}: which DAG?', action), matchOnDescription: true, ignoreFocusOut: true },
  );
  if (!picked) throw new CancelledError();
  const node = deps.dagsTree.dagNodeFor(connection, picked.dag);
  if (!node) throw new WorkbenchError(vscode.l10n.t('The Airflow connection "{0}" is no longer in the settings.', connection), { actions: ['openSettings'] });
  return node;
}

async function triggerDag(deps: AirflowCommandDeps, node: DagNode): Promise<void> {
  const { dagId } = node.dag;
  const remembered = deps.state.get<Record<string, string>>(LAST_CONF_KEY, {});
  const key = `${node.connectionName}\u0000${dagId}`;
  const confText = await vscode.window.showInputBox({
    title: vscode.l10n.t('Trigger {0}', dagId),
    prompt: vscode.l10n.t('conf for the run, as a JSON object (leave {} for none). Enter triggers the DAG.'),
    value: remembered[key] ?? '{}',
    ignoreFocusOut: true,
    validateInput: (text) => {
      const parsed = parseJsonObject(text, 'conf');
      return parsed.ok ? undefined : parsed.message;
    },
  });
  if (confText === undefined) throw new CancelledError();
  const conf = parseJsonObject(confText, 'conf');
  if (!conf.ok) throw new WorkbenchError(conf.message);
  await deps.state.update(LAST_CONF_KEY, { ...remembered, [key]: confText });
  const client = await deps.connections.client(node.connectionName);
  const run = await onServer(deps, node.connectionName, () => client.trigger(dagId, { conf: conf.value, logicalDate: null }));
  deps.log.info(`Triggered ${dagId} on "${node.connectionName}": run ${run.runId} (${run.state})`);
  vscode.window.setStatusBarMessage(`$(play) ${vscode.l10n.t('Triggered {0}: {1}', dagId, run.runId)}`, 5000);
  if (node.dag.isPaused) {
    const unpause = vscode.l10n.t('Unpause');
    void vscode.window.showWarningMessage(vscode.l10n.t('{0} is paused: its run {1} stays queued until you unpause the DAG.', dagId, run.runId), unpause).then(async (picked) => {
      if (picked === unpause) await vscode.commands.executeCommand(CommandId.unpauseDag, node);
    });
  }
  deps.dagsTree.dagChanged(node);
  await deps.dagsTree.revealRun(node.connectionName, dagId, run.runId);
}

async function setPaused(deps: AirflowCommandDeps, node: DagNode, paused: boolean): Promise<void> {
  const client = await deps.connections.client(node.connectionName);
  const dag = await onServer(deps, node.connectionName, () => client.setPaused(node.dag.dagId, paused));
  deps.log.info(`${paused ? 'Paused' : 'Unpaused'} ${node.dag.dagId} on "${node.connectionName}"`);
  deps.dagsTree.dagChanged(node, dag);
}

const isDagNode = (value: unknown): value is DagNode => isNodeOf(value, 'dag');

/**
 * Pauses or unpauses the DAG of the row, or every selected DAG when the row is part of a
 * selection: one question naming how many and which, then one call per DAG not already so.
 */
async function setPausedOfSelection(deps: AirflowCommandDeps, arg: unknown, selected: unknown, paused: boolean): Promise<void> {
  const action = paused ? 'Pause DAG' : 'Unpause DAG';
  if (!isDagNode(arg)) {
    await setPaused(deps, await resolveDag(deps, arg, action), paused);
    return;
  }
  const rows = rowsToActOn(arg, selected, isDagNode).filter((row) => row.dag.isPaused !== paused);
  if (rows.length <= 1) {
    await setPaused(deps, rows[0] ?? arg, paused);
    return;
  }
  const button = paused ? vscode.l10n.t('Pause {0} DAGs', rows.length) : vscode.l10n.t('Unpause {0} DAGs', rows.length);
  const answer = await vscode.window.showWarningMessage(
    paused ? vscode.l10n.t('Pause {0} DAGs?', rows.length) : vscode.l10n.t('Unpause {0} DAGs?', rows.length),
    {
      modal: true,
      detail: `${nameList(rows.map((r) => r.dag.dagId), 20)}\n\n${paused ? vscode.l10n.t('Airflow starts no new runs of them until they are unpaused; runs under way go on.') : vscode.l10n.t('Airflow schedules them again from now on.')}`,
    },
    button,
  );
  if (answer !== button) throw new CancelledError();
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: paused ? vscode.l10n.t('Pausing {0} DAGs', rows.length) : vscode.l10n.t('Unpausing {0} DAGs', rows.length), cancellable: true },
    async (progress, token) => {
      for (const row of rows) {
        if (token.isCancellationRequested) throw new CancelledError();
        progress.report({ message: row.dag.dagId, increment: 100 / rows.length });
        await setPaused(deps, row, paused);
      }
    },
  );
}

async function openInAirflowUi(deps: AirflowCommandDeps, node: DagNode | RunNode | TaskNode): Promise<void> {
  const client = await deps.connections.client(node.connectionName);
  const url = await onServer(deps, node.connectionName, () => node.kind === 'dag'
    ? client.uiUrlForDag(node.dag.dagId)
    : node.kind === 'run'
      ? client.uiUrlForRun(node.run.dagId, node.run.runId)
      : client.uiUrlForRun(node.task.dagId, node.task.runId));
  const opened = await vscode.env.openExternal(vscode.Uri.parse(url));
  if (!opened) throw new WorkbenchError(vscode.l10n.t('The editor could not open {0}. Copy it into a browser.', url));
}

async function clearTask(deps: AirflowCommandDeps, node: TaskNode): Promise<void> {
  const { task } = node;
  const clear = vscode.l10n.t('Clear');
  const answer = await vscode.window.showWarningMessage(
    vscode.l10n.t('Clear task {0} of run {1}?', task.taskId, task.runId),
    { modal: true, detail: vscode.l10n.t('Airflow runs it again, and the tasks downstream of it, as the Clear button of the Airflow UI does.') },
    clear,
  );
  if (answer !== clear) throw new CancelledError();
  const client = await deps.connections.client(node.connectionName);
  const cleared = await onServer(deps, node.connectionName, () => client.clearTask(task.dagId, task.runId, task.taskId, { downstream: true }));
  deps.log.info(`Cleared ${task.dagId}/${task.runId}/${task.taskId}: ${cleared.length} task instance(s)`);
  vscode.window.setStatusBarMessage(`$(debug-restart) ${vscode.l10n.t('Cleared {0} task instance(s) of {1}', cleared.length, task.runId)}`, 5000);
  const dagNode = node.parent?.parent;
  if (dagNode?.kind === 'dag') deps.dagsTree.dagChanged(dagNode);
}

async function filterDags(deps: AirflowCommandDeps): Promise<void> {
  const text = await vscode.window.showInputBox({
    title: vscode.l10n.t('Filter DAGs'),
    prompt: vscode.l10n.t('Words that the DAG id, a tag or an owner contains (all must match); tag:x or owner:x look only there. Empty shows all.'),
    value: deps.dagsTree.filter,
    ignoreFocusOut: true,
  });
  if (text === undefined) throw new CancelledError();
  deps.dagsTree.setFilter(text);
}

async function openTaskLog(deps: AirflowCommandDeps, logs: TaskLogDocuments, node: TaskNode): Promise<void> {
  const { task } = node;
  if (task.tryNumber < 1) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Task {0} has not run yet (state: {1}), so it has no log.', task.taskId, task.state ?? 'none'));
    return;
  }
  await logs.open({
    kind: 'taskLog', connection: node.connectionName, dagId: task.dagId, runId: task.runId, taskId: task.taskId,
    tryNumber: task.tryNumber, mapIndex: task.mapIndex,
  });
}

// ---------------------------------------------------------------- connections and status

async function pickConnection(deps: AirflowCommandDeps, title: string): Promise<string> {
  const connections = deps.connections.list().value;
  if (connections.length === 0) {
    throw new WorkbenchError(vscode.l10n.t('No Airflow connection is configured. Add one first.'), {
      actions: [{ title: vscode.l10n.t('Add Airflow Connection'), command: CommandId.addAirflowConnection }],
    });
  }
  if (connections.length === 1 && connections[0]) return connections[0].name;
  const picked = await vscode.window.showQuickPick(
    connections.map((c) => ({ label: c.name, description: c.url })),
    { title, ignoreFocusOut: true },
  );
  if (!picked) throw new CancelledError();
  return picked.label;
}

async function reenterPassword(deps: AirflowCommandDeps, nameArg: unknown): Promise<void> {
  const name = typeof nameArg === 'string' ? nameArg : await pickConnection(deps, vscode.l10n.t('Re-enter the password of which Airflow connection?'));
  const connection = deps.connections.find(name);
  if (!connection) throw new WorkbenchError(vscode.l10n.t('There is no Airflow connection named "{0}" in the settings.', name), { actions: ['openSettings'] });
  const isToken = connection.auth === 'token';
  const secret = await vscode.window.showInputBox({
    title: isToken ? vscode.l10n.t('Token for Airflow "{0}"', name) : vscode.l10n.t('Password of {0} on Airflow "{1}"', connection.username ?? vscode.l10n.t('the user'), name),
    prompt: vscode.l10n.t("Kept in the editor's secret storage, never in the settings."),
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v === '' ? (isToken ? vscode.l10n.t('Enter the token.') : vscode.l10n.t('Enter the password.')) : undefined),
  });
  if (secret === undefined) throw new CancelledError();
  await deps.secrets.store(airflowTarget(connection), secret);
  deps.log.info(`Stored a new ${isToken ? 'token' : 'password'} for Airflow "${name}"`);
  void deps.connections.checkStatus(name);
}

async function showStatus(deps: AirflowCommandDeps, statusBar: AirflowStatusBar): Promise<void> {
  const connections = deps.connections.list().value;
  if (connections.length === 0) await pickConnection(deps, '');
  const active = deps.connections.active()?.name;
  type Item = vscode.QuickPickItem & { run: () => Promise<unknown> };
  const items: Item[] = connections.map((c) => {
    const status = deps.connections.status(c.name);
    const shown = status.kind === 'checking' ? status.previous ?? status : status;
    const description = shown.kind === 'ok' ? serverDescription(shown.info, shown.health) : shown.kind === 'error' ? PROBLEM_WORDS[statusProblem(shown.error)] : 'not checked yet';
    const detail = shown.kind === 'ok'
      ? `${c.url} · REST API ${shown.info.apiVersion}${shown.health ? ` · ${healthLines(shown.health).join(', ')}` : ''}`
      : shown.kind === 'error' ? `${c.url} · ${userMessage(shown.error)}` : c.url;
    return {
      label: `${c.name === active ? '$(check)' : '$(blank)'} ${c.name}`,
      description,
      detail,
      run: async () => {
        await deps.connections.setActive(c.name);
        await deps.connections.checkStatus(c.name);
      },
    };
  });
  items.push(
    { label: '', kind: vscode.QuickPickItemKind.Separator, run: () => Promise.resolve() },
    { label: `$(refresh) ${vscode.l10n.t('Check Again')}`, description: vscode.l10n.t('ask the server for its version and health now'), run: () => { statusBar.checkActive(); return Promise.resolve(); } },
  );
  if (active) {
    items.push({
      label: `$(link-external) ${vscode.l10n.t('Open Airflow UI')}`,
      description: deps.connections.find(active)?.url ?? '',
      run: async () => {
        const client = await deps.connections.client(active);
        const info = await onServer(deps, active, () => client.serverInfo());
        await vscode.env.openExternal(vscode.Uri.parse(info.uiUrl));
      },
    });
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Airflow Servers: pick the one the status bar shows'),
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (picked) await picked.run();
}

// ---------------------------------------------------------------- registration

/** The status bar item is made (and disposed) in src/extension.ts; its click runs Airflow Server Status. */
export function registerAirflowCommands(deps: AirflowCommandDeps, statusBar: AirflowStatusBar): { dispose(): unknown }[] {
  const { log, dagsTree, datasetsTree } = deps;
  const logs = new TaskLogDocuments(deps.connections, log);
  const panelDeps: DatasetEventPanelDeps = {
    log: taggedLogger(log, 'airflow'),
    extensionUri: deps.extensionUri,
    connections: deps.connections,
    revealRun: (connection, dagId, runId) => onServer(deps, connection, () => dagsTree.revealRun(connection, dagId, runId)),
    eventFired: (connection, uri) => {
      datasetsTree.eventFired(connection, uri);
      markDone(ContextKey.datasetEventFired);
    },
  };
  const fireDatasetEvent = (node: unknown): void => {
    if (isNodeOf(node, 'dataset')) {
      const { connectionName, dataset } = node as DatasetsNode & { kind: 'dataset' };
      datasetEventPanel().show(panelDeps, { connection: connectionName, uri: dataset.uri });
    } else {
      datasetEventPanel().show(panelDeps);
    }
  };

  return [
    logs,
    registerCommand(log, CommandId.triggerDag, async (node) => { await triggerDag(deps, await resolveDag(deps, node, 'Trigger DAG')); }),
    registerCommand(log, CommandId.pauseDag, (node, selected) => setPausedOfSelection(deps, node, selected, true)),
    registerCommand(log, CommandId.unpauseDag, (node, selected) => setPausedOfSelection(deps, node, selected, false)),
    registerCommand(log, CommandId.openDagInAirflowUi, (node) => {
      if (isNodeOf(node, 'dag') || isNodeOf(node, 'run') || isNodeOf(node, 'task')) return openInAirflowUi(deps, node as DagNode | RunNode | TaskNode);
      return undefined;
    }),
    registerCommand(log, CommandId.clearTask, (node) => (isNodeOf(node, 'task') ? clearTask(deps, node as TaskNode) : undefined)),
    registerCommand(log, CommandId.filterDags, () => filterDags(deps)),
    registerCommand(log, CommandId.clearDagFilter, () => { dagsTree.setFilter(''); }),
    registerCommand(log, CommandId.openTaskLog, (node) => (isNodeOf(node, 'task') ? openTaskLog(deps, logs, node as TaskNode) : undefined)),
    registerCommand(log, CommandId.showImportError, async (node) => {
      if (!isNodeOf(node, 'importError')) return;
      const { connectionName, importError } = node as DagsNode & { kind: 'importError' };
      await logs.open({ kind: 'importError', connection: connectionName, filename: importError.filename, stackTrace: importError.stackTrace });
    }),
    registerCommand(log, CommandId.retryAirflowLoad, (node) => {
      if (dagsTree.owns(node)) dagsTree.refreshNode(node);
      else if (datasetsTree.owns(node)) datasetsTree.refreshNode(node);
      else {
        dagsTree.refresh();
        datasetsTree.refresh();
      }
    }),
    registerCommand(log, CommandId.reenterAirflowPassword, (name) => reenterPassword(deps, name)),
    registerCommand(log, CommandId.showAirflowStatus, () => showStatus(deps, statusBar)),
    registerCommand(log, CommandId.fireDatasetEvent, fireDatasetEvent),
    registerCommand(log, CommandId.fireDatasetEventOnDataset, fireDatasetEvent),
    registerCommand(log, CommandId.revealInDagsTree, async (first, second, third) => {
      // From a row's click: (connection, dagId, runId?); from its context menu: the row itself;
      // from the Message Inspector's Pipeline section: (undefined, dagId, runId) for the active connection.
      const row = typeof first === 'object' && first !== null ? (first as Partial<{ connectionName: string; dagId: string; runId: string }>) : undefined;
      const connection = row ? row.connectionName : first ?? deps.connections.active()?.name;
      const dagId = row ? row.dagId : second;
      const runId = row ? row.runId : third;
      if (typeof dagId !== 'string') return;
      if (typeof connection !== 'string') {
        throw new WorkbenchError(vscode.l10n.t('No Airflow connection is active, so the DAGs view cannot show {0}. Connect to Airflow first.', typeof runId === 'string' ? `${dagId} / ${runId}` : dagId), {
          actions: [{ title: vscode.l10n.t('Add Airflow Connection'), command: CommandId.addAirflowConnection }, { title: vscode.l10n.t('Connect to Local Stack'), command: CommandId.connectLocalStack }],
        });
      }
      await onServer(deps, connection, () =>
        typeof runId === 'string' ? dagsTree.revealRun(connection, dagId, runId) : dagsTree.revealDag(connection, dagId));
    }),
  ];
}
