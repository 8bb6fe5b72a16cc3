/**
 * CodeLens in Python files above each DAG definition (`@dag`, `with DAG(`, `DAG(`): Trigger
 * (asks for a conf), Test (`airflow dags test` in the stack's venv), DAGs View, and the
 * latest run's state on the active Airflow server; above each task (`@task`, an operator
 * with `task_id=`): its state in that run and Logs. The lines come from the file's text
 * (src/airflow/dagSource.ts); the states from DagServerState. In Restricted Mode a DAG gets
 * one lens that says trusting the folder enables checking, testing and running it.
 */
import * as vscode from 'vscode';
import { mayDefineDag, outlineDagFile } from '../../airflow/dagSource';
import type { TaskInstance } from '../../airflow/types';
import { CommandId } from '../../shared/commandIds';
import type { DagServerState, WatchedDag } from './dagServerState';
import { stateIcon } from '../../airflow/presentation';
import { Disposable } from '../../shared/disposable';

/** "just now", "3 min ago", "2 h ago", "5 d ago". */
export function timeAgo(iso: string | null | undefined, now: number): string {
  if (!iso) return '';
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

function lens(line: number, title: string, command: string, args: unknown[] = [], tooltip?: string): vscode.CodeLens {
  const range = new vscode.Range(line - 1, 0, line - 1, 0);
  return new vscode.CodeLens(range, { title, command, arguments: args, ...(tooltip ? { tooltip } : {}) });
}

export class DagCodeLensProvider extends Disposable implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;

  /** `dagIdsOf` gives the DAG ids the local check found in a file, for DAGs whose id the text computes. */
  constructor(private readonly state: DagServerState, private readonly dagIdsOf: (file: string) => readonly string[] | undefined) {
    super();
    this._register(
      state.onDidChange(() => { this.changed.fire(); }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => { this.changed.fire(); }),
    );
  }

  register(): vscode.Disposable {
    return vscode.languages.registerCodeLensProvider({ language: 'python' }, this);
  }

  /** Redraw (after a local check found the DAG ids of a file). */
  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const text = document.getText();
    if (!mayDefineDag(text)) return [];
    const outline = outlineDagFile(text);
    if (outline.dags.length === 0) return [];
    if (!vscode.workspace.isTrusted) {
      return outline.dags.map((dag) => lens(dag.line, '$(shield) Restricted Mode: trust this folder to check, test and run this DAG', 'workbench.trust.manage', [],
        'In Restricted Mode the workbench does not link, parse, test or run the workspace\'s DAGs.'));
    }
    const connection = this.state.connectionName;
    const found = document.uri.scheme === 'file' ? this.dagIdsOf(document.uri.fsPath) : undefined;
    const now = Date.now();
    const lenses: vscode.CodeLens[] = [];
    outline.dags.forEach((definition) => {
      const dagId = definition.dagId ?? (outline.dags.length === 1 && found?.length === 1 ? found[0] : undefined);
      if (dagId === undefined) {
        lenses.push(lens(definition.line, '$(question) DAG id computed when the file runs: save to check it', ''));
        return;
      }
      lenses.push(
        lens(definition.line, '$(play) Trigger', CommandId.triggerDagFromCode, [dagId], `Trigger ${dagId} on ${connection ?? 'the active Airflow connection'} (asks for a conf)`),
        lens(definition.line, '$(beaker) Test', CommandId.testDag, [document.uri, dagId], `airflow dags test ${dagId} in the stack's Airflow 3 venv`),
        lens(definition.line, '$(list-tree) DAGs View', CommandId.revealInDagsTree, [connection, dagId], `Show ${dagId} in the DAGs view`),
      );
      lenses.push(this.stateLens(definition.line, dagId, this.state.watched.get(dagId), now));
    });
    for (const task of outline.tasks) {
      if (task.taskId === undefined || task.dagIndex === undefined) continue;
      const definition = outline.dags[task.dagIndex];
      const dagId = definition?.dagId ?? (outline.dags.length === 1 && found?.length === 1 ? found[0] : undefined);
      if (dagId === undefined) continue;
      const watched = this.state.watched.get(dagId);
      const instance = watched?.tasks.find((ti) => ti.taskId === task.taskId && ti.mapIndex <= 0) ?? watched?.tasks.find((ti) => ti.taskId === task.taskId);
      if (!instance || !connection) continue;
      lenses.push(...this.taskLenses(task.line, connection, instance));
    }
    return lenses;
  }

  private stateLens(line: number, dagId: string, watched: WatchedDag | undefined, now: number): vscode.CodeLens {
    const connection = this.state.connectionName;
    if (!connection) return lens(line, '$(plug) no Airflow connection', CommandId.addAirflowConnection);
    if (this.state.failure !== undefined) return lens(line, `$(warning) ${connection}: ${this.state.failure}`.slice(0, 120), CommandId.showAirflowStatus);
    if (!watched) return lens(line, '$(sync) reading…', '');
    if (!watched.dag) {
      return lens(line, `$(circle-slash) not on ${connection} yet`, '', [],
        `${connection} has no DAG ${dagId}: it appears once Airflow parses the file without errors (the stack reads the folders of kafkaAirflow.stack.dagFolders).`);
    }
    const run = watched.latestRun;
    if (!run) return lens(line, `$(circle-large-outline) no runs yet${watched.dag.isPaused ? ' · paused' : ''}`, CommandId.revealInDagsTree, [connection, dagId]);
    const { icon } = stateIcon(run.state);
    const when = timeAgo(run.startDate ?? run.logicalDate, now);
    return lens(line, `$(${icon}) ${run.state}${when ? ` · ${when}` : ''}${watched.dag.isPaused ? ' · paused' : ''}`, CommandId.revealInDagsTree, [connection, dagId, run.runId],
      `Latest run ${run.runId} of ${dagId} on ${connection}: ${run.state}`);
  }

  private taskLenses(line: number, connection: string, instance: TaskInstance): vscode.CodeLens[] {
    const { icon } = stateIcon(instance.state);
    const state = instance.state ?? 'no state';
    const lenses = [lens(line, `$(${icon}) ${state}`, CommandId.revealInDagsTree, [connection, instance.dagId, instance.runId], `${instance.taskId} in run ${instance.runId}: ${state}`)];
    if (instance.tryNumber >= 1) {
      // The Open Task Log command takes a row of the DAGs tree; this is that row's shape.
      lenses.push(lens(line, '$(output) Logs', CommandId.openTaskLog, [{ kind: 'task', connectionName: connection, task: instance }], `Log of ${instance.taskId}, try ${instance.tryNumber}`));
    }
    return lenses;
  }
}
