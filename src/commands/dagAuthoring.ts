/**
 * The commands of writing DAGs in the editor: Trigger and Test from a DAG's CodeLens, Open
 * Source from a DAG or import-error row of the DAGs view (the workspace file at the DAG's or
 * the error's line when it is there, else the server's copy read-only), and Check DAG File
 * (the local check of the active editor now). Trigger, Test and the check refuse in
 * Restricted Mode with a way to trust the folder. Test streams `airflow dags test` into the
 * "Airflow DAG Test" output and ends with a notification of the result.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { outlineDagFile } from '../airflow/dagSource';
import { DagNotFoundError } from '../airflow/errors';
import { linkedWorkspaceFile, matchByRelativePath, parseTraceback } from '../airflow/importErrors';
import type { Dag, ImportError } from '../airflow/types';
import type { AirflowConnections } from '../config/airflowConnections';
import { runDagTest, type DagTestResult } from '../stack/dagTest';
import { CancelledError, WorkbenchError } from '../shared/errors';
import type { DagCheckOnSave } from '../views/airflow/dagCheckOnSave';
import type { DagDiagnostics } from '../views/airflow/dagDiagnostics';
import type { DagServerState } from '../views/airflow/dagServerState';
import type { DagSourceDocuments } from '../views/airflow/dagSourceDocuments';
import type { DagsTreeProvider } from '../views/airflow/dagsTree';
import { formatDuration } from '../shared/durations';
import type { WorkspaceDagFolders } from '../views/airflow/workspaceDagFolders';
import { registerCommand } from './index';
import { CommandId } from './ids';

export interface DagAuthoringDeps {
  log: vscode.LogOutputChannel;
  connections: AirflowConnections;
  dagsTree: DagsTreeProvider;
  folders: WorkspaceDagFolders;
  state: DagServerState;
  diagnostics: DagDiagnostics;
  checkOnSave: DagCheckOnSave;
  sources: DagSourceDocuments;
}

const TRUST_ACTION = { title: 'Manage Workspace Trust', command: 'workbench.trust.manage' } as const;

function requireTrust(what: string): void {
  if (!vscode.workspace.isTrusted) {
    throw new WorkbenchError(`Restricted Mode: the workbench does not ${what} the workspace's DAGs. Trust the folder to enable it.`, { actions: [TRUST_ACTION] });
  }
}

function activeConnection(deps: DagAuthoringDeps): string {
  const connection = deps.connections.active();
  if (!connection) {
    throw new WorkbenchError('No Airflow connection is configured. Connect to the local stack or add a connection first.', {
      actions: [{ title: 'Connect to Local Stack', command: CommandId.connectLocalStack }, { title: 'Add Airflow Connection', command: CommandId.addAirflowConnection }],
    });
  }
  return connection.name;
}

async function triggerFromCode(deps: DagAuthoringDeps, dagId: unknown): Promise<void> {
  requireTrust('run');
  if (typeof dagId !== 'string') return;
  const connection = activeConnection(deps);
  const client = await deps.connections.client(connection);
  let dag: Dag;
  try {
    dag = await client.getDag(dagId);
  } catch (error) {
    if (!(error instanceof DagNotFoundError)) throw error;
    throw new WorkbenchError(`Airflow "${connection}" has no DAG ${dagId} yet. It appears once Airflow parses its file without errors: keep the file in a folder of kafkaAirflow.stack.dagFolders (for the local stack), save it and wait a few seconds.`, {
      cause: error, actions: ['openSettings', 'showLog'],
    });
  }
  const node = deps.dagsTree.dagNodeFor(connection, dag);
  if (!node) throw new WorkbenchError(`The Airflow connection "${connection}" is no longer in the settings.`, { actions: ['openSettings'] });
  await vscode.commands.executeCommand(CommandId.triggerDag, node);
  deps.state.hurry();
}

let testOutput: vscode.OutputChannel | undefined;
const testsRunning = new Set<string>();

async function testDag(deps: DagAuthoringDeps, uriArg: unknown, dagIdArg: unknown): Promise<DagTestResult | undefined> {
  requireTrust('test');
  const editor = vscode.window.activeTextEditor;
  const uri = uriArg instanceof vscode.Uri ? uriArg : editor?.document.uri;
  if (!uri || uri.scheme !== 'file') throw new WorkbenchError('Test runs a DAG of a saved Python file: open the DAG file first.', { actions: [] });
  const file = uri.fsPath;
  let dagId = typeof dagIdArg === 'string' ? dagIdArg : undefined;
  const document = await vscode.workspace.openTextDocument(uri);
  if (dagId === undefined) {
    const ids = outlineDagFile(document.getText()).dags.flatMap((d) => (d.dagId ? [d.dagId] : []));
    dagId = ids.length === 1 ? ids[0] : await vscode.window.showQuickPick(ids, { title: 'Test which DAG?' });
    if (dagId === undefined) throw new CancelledError();
  }
  const stackFile = deps.folders.stackFile(file);
  if (!stackFile) {
    throw new WorkbenchError(`Test runs a DAG from the local stack's DAG folders, and ${vscode.workspace.asRelativePath(file)} is not in one. Add its folder to kafkaAirflow.stack.dagFolders.`, { actions: ['openSettings'] });
  }
  const paths = deps.folders.stackPaths;
  if (!paths || !existsSync(join(paths.airflow3Venv, 'bin', 'airflow'))) {
    throw new WorkbenchError(`Test runs in the stack's Airflow 3 venv, which is not installed yet${paths ? ` (${paths.airflow3Venv})` : ''}. Launch the stack once to install it.`, {
      actions: [{ title: 'Launch Stack', command: CommandId.launchStack }, 'showLog'],
    });
  }
  if (document.isDirty) await document.save();
  if (testsRunning.has(dagId)) throw new WorkbenchError(`A test of ${dagId} is already running: see the "Airflow DAG Test" output.`, { actions: [] });
  testsRunning.add(dagId);
  testOutput ??= vscode.window.createOutputChannel('Airflow DAG Test');
  const output = testOutput;
  output.clear();
  output.show(true);
  const testedDag = dagId;
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Testing ${testedDag}`, cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => { abort.abort(); });
      output.appendLine(`$ stack.sh exec airflow3 airflow dags test ${testedDag} --bundle-name ${stackFile.linked.bundleName} --dagfile-path ${stackFile.serverPath}`);
      return runDagTest({
        stackScript: paths.stackScript,
        dagId: testedDag,
        bundleName: stackFile.linked.bundleName,
        dagFilePath: stackFile.serverPath,
        signal: abort.signal,
        onLine: (line) => {
          output.appendLine(line);
          const started = /\[DAG TEST\] starting task_id=(\S+)/.exec(line);
          if (started?.[1]) progress.report({ message: `task ${started[1]}` });
        },
      });
    });
    output.appendLine('');
    output.appendLine(`== ${testedDag}: ${result.outcome} in ${formatDuration(result.durationMs / 1000)} (exit ${String(result.exitCode)}); tasks: ${result.tasks.map((t) => `${t.taskId} ${t.state}`).join(', ') || 'none'}`);
    deps.log.info(`Test of ${testedDag}: ${result.outcome} in ${result.durationMs} ms (${result.tasks.length} tasks, exit ${String(result.exitCode)})`);
    deps.state.hurry();
    // Tasks Airflow marks done without running them (EmptyOperator) print nothing: count from the run on the server.
    const connection = deps.connections.active();
    if (result.runId && connection) {
      try {
        const client = await deps.connections.client(connection.name);
        const instances = await client.listTaskInstances(testedDag, result.runId);
        if (instances.length > 0) result.tasks = instances.map((ti) => ({ taskId: ti.taskId, state: ti.state ?? 'none' }));
      } catch (error) {
        deps.log.debug(`Task states of the test run ${result.runId} were read from its output only: ${String(error)}`);
      }
    }
    const seconds = formatDuration(result.durationMs / 1000);
    const show = (picked: string | undefined): void => { if (picked === 'Show Output') output.show(); };
    if (result.outcome === 'success') {
      const succeeded = result.tasks.filter((t) => t.state === 'success').length;
      void vscode.window.showInformationMessage(`Test of ${testedDag} succeeded in ${seconds}: ${succeeded} task${succeeded === 1 ? '' : 's'} succeeded.`, 'Show Output').then(show);
    } else if (result.outcome === 'failed') {
      void vscode.window.showErrorMessage(`Test of ${testedDag} failed in ${seconds}${result.error ? `: ${result.error}` : ''}.`, 'Show Output').then(show);
    } else {
      void vscode.window.showWarningMessage(`Test of ${testedDag} ${result.outcome === 'timeout' ? 'took longer than 10 minutes and was stopped' : 'was cancelled'} after ${seconds}.`, 'Show Output').then(show);
    }
    return result;
  } finally {
    testsRunning.delete(testedDag);
  }
}

/** A DAG's file in the workspace, from the server's bundle and relative path or its absolute path. */
async function workspaceFileOfDag(deps: DagAuthoringDeps, dag: Dag): Promise<string | undefined> {
  const links = deps.folders.links();
  const byBundle = dag.relativeFileLoc && dag.bundleName ? linkedWorkspaceFile({ path: dag.relativeFileLoc, bundleName: dag.bundleName }, links) : undefined;
  if (byBundle && existsSync(byBundle)) return byBundle;
  if (!dag.fileLoc) return undefined;
  const linked = linkedWorkspaceFile({ path: dag.fileLoc }, links);
  if (linked && existsSync(linked)) return linked;
  const files = (await vscode.workspace.findFiles(`**/${basename(dag.fileLoc)}`, '**/{node_modules,.git,.venv,venv}/**', 200)).map((u) => u.fsPath);
  return matchByRelativePath(dag.relativeFileLoc ?? dag.fileLoc, files);
}

async function openAt(file: string, line: number): Promise<void> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const position = new vscode.Position(Math.max(0, line - 1), 0);
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position) });
}

async function openDagSource(deps: DagAuthoringDeps, node: unknown): Promise<void> {
  if (typeof node !== 'object' || node === null) return;
  const row = node as { kind?: unknown; connectionName?: unknown; dag?: Dag; importError?: ImportError };
  if (typeof row.connectionName !== 'string') return;
  const connection = row.connectionName;
  const client = await deps.connections.client(connection);
  if (row.kind === 'dag' && row.dag) {
    const dag = row.dag;
    const file = await workspaceFileOfDag(deps, dag);
    if (file) {
      const text = (await vscode.workspace.openTextDocument(vscode.Uri.file(file))).getText();
      await openAt(file, outlineDagFile(text).dags.find((d) => d.dagId === dag.dagId)?.line ?? 1);
      return;
    }
    const source = await client.getDagSource(dag.dagId);
    const line = outlineDagFile(source).dags.find((d) => d.dagId === dag.dagId)?.line ?? 1;
    await deps.sources.open(connection, dag.fileLoc ?? `${dag.dagId}.py`, source, line);
    return;
  }
  if (row.kind === 'importError' && row.importError) {
    const error = row.importError;
    const located = await deps.diagnostics.locate(error);
    if (located) {
      await openAt(located.file, located.line);
      return;
    }
    // Not in the workspace: the server's copy of the file, from a DAG it parsed from it before.
    const dags = await client.listAllDags({ latestRunState: false, onlyActive: false });
    const fromFile = dags.find((dag) => (error.bundleName ? dag.bundleName === error.bundleName && dag.relativeFileLoc === error.filename : dag.fileLoc === error.filename));
    if (!fromFile) {
      void vscode.window.showInformationMessage(`Airflow "${connection}" has no copy of ${error.filename}: it never parsed a DAG from that file. Its stack trace opens instead.`);
      await vscode.commands.executeCommand(CommandId.showImportError, node);
      return;
    }
    const source = await client.getDagSource(fromFile.dagId);
    const parsed = parseTraceback(error.stackTrace);
    const serverPaths = [error.filename, fromFile.fileLoc ?? ''];
    const inFile = (path: string): boolean => serverPaths.some((p) => p !== '' && (path === p || path.endsWith(`/${p}`)));
    const line = parsed.syntaxLocation && inFile(parsed.syntaxLocation.file)
      ? parsed.syntaxLocation.line
      : [...parsed.frames].reverse().find((frame) => inFile(frame.file))?.line ?? 1;
    await deps.sources.open(connection, fromFile.fileLoc ?? error.filename, source, line,
      `${parsed.message} (the server's copy is from its last good parse and may differ from the file that failed)`);
  }
}

async function checkActiveFile(deps: DagAuthoringDeps): Promise<void> {
  const document = vscode.window.activeTextEditor?.document;
  if (!document || document.languageId !== 'python' || document.uri.scheme !== 'file') {
    throw new WorkbenchError('Check DAG File parses the Python file in the active editor: open a DAG file first.', { actions: [] });
  }
  requireTrust('parse');
  if (document.isDirty) await document.save();
  const result = await deps.checkOnSave.check(document, true);
  if (!result) return;
  const ids = result.dags.map((d) => d.dagId);
  const message = result.errors.length > 0
    ? `${basename(document.uri.fsPath)}: ${result.errors.length} import error${result.errors.length === 1 ? '' : 's'} (see Problems); checked in ${result.elapsedMs} ms.`
    : `${basename(document.uri.fsPath)} parses: ${ids.length > 0 ? `DAG${ids.length === 1 ? '' : 's'} ${ids.join(', ')}` : 'no DAG'}; checked in ${result.elapsedMs} ms.`;
  void vscode.window.showInformationMessage(message);
}

export function registerDagAuthoringCommands(deps: DagAuthoringDeps): { dispose(): unknown }[] {
  const { log } = deps;
  return [
    { dispose: () => { testOutput?.dispose(); testOutput = undefined; } },
    registerCommand(log, CommandId.triggerDagFromCode, (dagId) => triggerFromCode(deps, dagId)),
    registerCommand(log, CommandId.testDag, (uri, dagId) => testDag(deps, uri, dagId)),
    registerCommand(log, CommandId.openDagSource, (node) => openDagSource(deps, node)),
    registerCommand(log, CommandId.checkDagFile, () => checkActiveFile(deps)),
  ];
}
