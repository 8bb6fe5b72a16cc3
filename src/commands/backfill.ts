/**
 * The Airflow 3 commands of the DAGs and Datasets views: Backfill… on a DAG (the Backfill
 * panel), open, pause, resume and cancel a backfill listed under its DAG, open one XCom of a
 * task instance as read-only JSON (read on demand, large values only when the user agrees), and
 * Materialize an asset. On Airflow 2 the backfill and materialize commands say, before anything
 * opens, that they need Airflow 3 and why.
 */
import * as vscode from 'vscode';
import { Airflow3OnlyError } from '../airflow/airflowClient';
import { airflow3OnlyMessage } from '../airflow/backfill';
import type { BackfillPanelDeps } from '../panels/backfillPanel';
import { backfillPanel } from '../panels/lazy';
import { CommandId } from '../shared/commandIds';
import { WorkbenchError } from '../shared/errors';
import { taggedLogger } from '../shared/logger';
import type { BackfillNode, XComNode } from '../views/airflow/dagsTree';
import type { DatasetNode } from '../views/airflow/datasetsTree';
import { registerCommand } from './index';
import { resolveDag, type AirflowCommandDeps } from './airflow';

function isNodeOf<K extends string>(value: unknown, kind: K): value is { kind: K } {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === kind;
}

function backfillNode(arg: unknown): BackfillNode {
  if (!isNodeOf(arg, 'backfill')) throw new WorkbenchError(vscode.l10n.t('Run this on a backfill under its DAG in the DAGs view.'));
  return arg as BackfillNode;
}

export function registerBackfillCommands(deps: AirflowCommandDeps): { dispose(): unknown }[] {
  const { log, connections, dagsTree, datasetsTree, xcoms } = deps;
  const panelDeps: BackfillPanelDeps = {
    log: taggedLogger(log, 'airflow'),
    extensionUri: deps.extensionUri,
    connections,
    revealRun: (connection, dagId, runId) => dagsTree.revealRun(connection, dagId, runId),
    backfillChanged: (connection, dagId) => { dagsTree.backfillChanged(connection, dagId); },
  };

  /** Airflow 2 has no backfill or materialize API: say so before opening anything. */
  const requireAirflow3 = async (connection: string, feature: 'backfill' | 'materialize'): Promise<void> => {
    const client = await connections.client(connection);
    const info = await client.serverInfo();
    if (info.apiVersion !== 'v2') throw new Airflow3OnlyError(airflow3OnlyMessage(feature, connections.find(connection)?.url ?? connection, info.version));
  };

  const changeBackfill = async (arg: unknown, action: 'pause' | 'resume' | 'cancel'): Promise<void> => {
    const node = backfillNode(arg);
    const client = await connections.client(node.connectionName);
    const { id } = node.backfill;
    if (action === 'cancel') {
      const cancel = vscode.l10n.t('Cancel Backfill');
      const picked = await vscode.window.showWarningMessage(
        vscode.l10n.t('Cancel backfill {0} of {1}?', id, node.backfill.dagId),
        { modal: true, detail: vscode.l10n.t('Runs that have not started are not started; running ones finish.') },
        cancel,
      );
      if (picked !== cancel) return;
    }
    const changed = action === 'pause' ? await client.pauseBackfill(id) : action === 'resume' ? await client.resumeBackfill(id) : await client.cancelBackfill(id);
    log.info(`Backfill ${changed.id} of ${changed.dagId} on "${node.connectionName}": ${action}`);
    dagsTree.backfillChanged(node.connectionName, changed.dagId);
  };

  return [
    registerCommand(log, CommandId.backfillDag, async (arg) => {
      const node = await resolveDag(deps, arg, vscode.l10n.t('Backfill'));
      await requireAirflow3(node.connectionName, 'backfill');
      const client = await connections.client(node.connectionName);
      const dag = await client.getDag(node.dag.dagId);
      backfillPanel().show(panelDeps, { connection: node.connectionName, dag });
    }),
    registerCommand(log, CommandId.openBackfill, (arg) => {
      const node = backfillNode(arg);
      backfillPanel().show(panelDeps, { connection: node.connectionName, dag: node.dag, backfillId: node.backfill.id });
    }),
    registerCommand(log, CommandId.pauseBackfill, (arg) => changeBackfill(arg, 'pause')),
    registerCommand(log, CommandId.resumeBackfill, (arg) => changeBackfill(arg, 'resume')),
    registerCommand(log, CommandId.cancelBackfill, (arg) => changeBackfill(arg, 'cancel')),
    registerCommand(log, CommandId.openXCom, async (arg) => {
      if (!isNodeOf(arg, 'xcom')) throw new WorkbenchError(vscode.l10n.t('Run this on an XCom under a task instance in the DAGs view.'));
      const { connectionName, task, entry } = arg as XComNode;
      await xcoms.openOne({ connection: connectionName, dagId: task.dagId, runId: task.runId, taskId: task.taskId, mapIndex: entry.mapIndex, key: entry.key });
    }),
    registerCommand(log, CommandId.materializeAsset, async (arg) => {
      if (!isNodeOf(arg, 'dataset')) throw new WorkbenchError(vscode.l10n.t('Run this on an asset in the Datasets view.'));
      const { connectionName, dataset } = arg as DatasetNode;
      await requireAirflow3(connectionName, 'materialize');
      const client = await connections.client(connectionName);
      const run = await client.materializeAsset(dataset.uri);
      vscode.window.setStatusBarMessage(`$(run) ${vscode.l10n.t('Materializing {0}: run {1} of {2}', dataset.uri, run.runId, run.dagId)}`, 8000);
      datasetsTree.eventFired(connectionName, dataset.uri);
      await dagsTree.revealRun(connectionName, run.dagId, run.runId);
    }),
  ];
}
