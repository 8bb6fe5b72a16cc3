/**
 * Open DAG Graph: the graph and grid of a DAG's last runs (src/panels/dagGraphPanel.ts), from a
 * DAG's row or a run's row in the DAGs view. What the panel offers on a task instance is done by
 * the commands the DAGs view already has, so it behaves the same: Open Task Log (the followed
 * log document), Clear Task (with its confirmation) and Trigger DAG (with its conf input); the
 * XComs open as a read-only JSON document.
 */
import * as vscode from 'vscode';
import type { TaskInstance } from '../airflow/types';
import type { DagGraphPanelDeps } from '../panels/dagGraphPanel';
import { dagGraphPanel } from '../panels/lazy';
import { CancelledError, WorkbenchError } from '../shared/errors';
import { taggedLogger } from '../shared/logger';
import type { DagNode, RunNode, TaskNode } from '../views/airflow/dagsTree';
import { resolveDag, type AirflowCommandDeps } from './airflow';
import { registerCommand, showActionableError } from './index';
import { CommandId } from '../shared/commandIds';

function isNodeOf<K extends string>(value: unknown, kind: K): value is { kind: K } {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === kind;
}

/** A task row as the DAGs view's commands take it, for an instance the graph shows. */
function taskRow(connection: string, task: TaskInstance): TaskNode {
  return { kind: 'task', key: `dagGraph/${connection}/${task.dagId}/${task.runId}/${task.taskId}/${task.mapIndex}`, parent: undefined, connectionName: connection, task };
}

/** The instance whose log opens: the one there is, or the map index the user picks. */
async function pickInstance(instances: readonly TaskInstance[]): Promise<TaskInstance> {
  const only = instances.length === 1 ? instances[0] : undefined;
  if (only) return only;
  const picked = await vscode.window.showQuickPick(
    instances.map((ti) => ({ label: `[${ti.mapIndex}]`, description: vscode.l10n.t('{0} · try {1}', ti.state ?? vscode.l10n.t('no state yet'), ti.tryNumber), ti })),
    { title: vscode.l10n.t('{0}: the log of which map index?', instances[0]?.taskId ?? vscode.l10n.t('Task')), ignoreFocusOut: true },
  );
  if (!picked) throw new CancelledError();
  return picked.ti;
}

/** The same dependencies as the other Airflow commands (src/commands/airflow.ts). */
export function registerDagGraphCommands(deps: AirflowCommandDeps): { dispose(): unknown }[] {
  const { log, connections, dagsTree } = deps;
  const { xcoms } = deps;
  const panelDeps: DagGraphPanelDeps = {
    log: taggedLogger(log, 'airflow'),
    extensionUri: deps.extensionUri,
    client: (connection) => connections.client(connection),
    openTaskLog: async (connection, instances) => {
      await vscode.commands.executeCommand(CommandId.openTaskLog, taskRow(connection, await pickInstance(instances)));
    },
    openXComs: (connection, ti) => xcoms.open({ connection, dagId: ti.dagId, runId: ti.runId, taskId: ti.taskId, mapIndex: ti.mapIndex }),
    clearTask: async (connection, ti) => {
      await vscode.commands.executeCommand(CommandId.clearTask, taskRow(connection, ti));
    },
    trigger: async (connection, dagId) => {
      const client = await connections.client(connection);
      const node = dagsTree.dagNodeFor(connection, await client.getDag(dagId));
      if (!node) throw new WorkbenchError(vscode.l10n.t('The Airflow connection "{0}" is no longer in the settings.', connection), { actions: ['openSettings'] });
      await vscode.commands.executeCommand(CommandId.triggerDag, node);
    },
    showError: (error) => { showActionableError(log, error); },
  };

  return [
    registerCommand(log, CommandId.openDagGraph, async (node) => {
      if (isNodeOf(node, 'run')) {
        const { connectionName, run } = node as RunNode;
        dagGraphPanel().show(panelDeps, { connection: connectionName, dagId: run.dagId, runId: run.runId });
        return;
      }
      const dag: DagNode = isNodeOf(node, 'dag') ? (node as DagNode) : await resolveDag(deps, node, 'Open DAG Graph');
      dagGraphPanel().show(panelDeps, { connection: dag.connectionName, dagId: dag.dag.dagId });
    }),
  ];
}
