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
import type { AirflowApi, AirflowConnections } from '../config/airflowConnections';
import { runDagTest, type DagTestResult } from '../stack/dagTest';
import { isLocalStackAirflow } from '../stack/localStack';
import { CancelledError, describeError, WorkbenchError } from '../shared/errors';
import type { DagCheckOnSave } from '../views/airflow/dagCheckOnSave';
import type { DagDiagnostics } from '../views/airflow/dagDiagnostics';
import type { DagServerState } from '../views/airflow/dagServerState';
import type { DagSourceDocuments } from '../views/airflow/dagSourceDocuments';
import type { DagsTreeProvider } from '../views/airflow/dagsTree';
import { formatDuration } from '../shared/durations';
import type { WorkspaceDagFolders } from '../views/airflow/workspaceDagFolders';
import { registerCommand } from './index';
import { CommandId } from '../shared/commandIds';

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

function requireTrust(what: 'run' | 'test' | 'parse'): void {
  if (!vscode.workspace.isTrusted) {
    const message = {
      run: vscode.l10n.t("Restricted Mode: the workbench does not run the workspace's DAGs. Trust the folder to enable it."),
      test: vscode.l10n.t("Restricted Mode: the workbench does not test the workspace's DAGs. Trust the folder to enable it."),
      parse: vscode.l10n.t("Restricted Mode: the workbench does not parse the workspace's DAGs. Trust the folder to enable it."),
    }[what];
    throw new WorkbenchError(message, { actions: [{ title: vscode.l10n.t('Manage Workspace Trust'), command: 'workbench.trust.manage' }] });
  }
}

function activeConnection(deps: DagAuthoringDeps): string {
  const connection = deps.connections.active();
  if (!connection) {
    throw new WorkbenchError(vscode.l10n.t('No Airflow connection is configured. Connect to the local stack or add a connection first.'), {
      actions: [{ title: vscode.l10n.t('Connect to Local Stack'), command: CommandId.connectLocalStack }, { title: vscode.l10n.t('Add Airflow Connection'), command: CommandId.addAirflowConnection }],
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
    throw new WorkbenchError(vscode.l10n.t('Airflow "{0}" has no DAG {1} yet. It appears once Airflow parses its file without errors: keep the file in a folder of kafkaAirflow.stack.dagFolders (for the local stack), save it and wait a few seconds.', connection, dagId), {
      cause: error, actions: ['openSettings', 'showLog'],
    });
  }
  const node = deps.dagsTree.dagNodeFor(connection, dag);
  if (!node) throw new WorkbenchError(vscode.l10n.t('The Airflow connection "{0}" is no longer in the settings.', connection), { actions: ['openSettings'] });
  await vscode.commands.executeCommand(CommandId.triggerDag, node);
  deps.state.hurry();
}

let testOutput: vscode.OutputChannel | undefined;
const testsRunning = new Set<string>();

/** The client of the stack's Airflow 3 (the server `airflow dags test` writes to), when a connection to it is configured. */
async function stackAirflowClient(deps: DagAuthoringDeps): Promise<AirflowApi | undefined> {
  const connection = deps.connections.list().value.find((c) => isLocalStackAirflow(c.url));
  if (!connection) return undefined;
  try {
    return await deps.connections.client(connection.name);
  } catch (error) {
    deps.log.warn(`Test: the stack's Airflow connection "${connection.name}" is not usable, so the DAG is not paused for its test: ${describeError(error)}`);
    return undefined;
  }
}

async function testDag(deps: DagAuthoringDeps, uriArg: unknown, dagIdArg: unknown): Promise<DagTestResult | undefined> {
  requireTrust('test');
  const editor = vscode.window.activeTextEditor;
  const uri = uriArg instanceof vscode.Uri ? uriArg : editor?.document.uri;
  if (!uri || uri.scheme !== 'file') throw new WorkbenchError(vscode.l10n.t('Test runs a DAG of a saved Python file: open the DAG file first.'), { actions: [] });
  const file = uri.fsPath;
  let dagId = typeof dagIdArg === 'string' ? dagIdArg : undefined;
  const document = await vscode.workspace.openTextDocument(uri);
  if (dagId === undefined) {
    const ids = outlineDagFile(document.getText()).dags.flatMap((d) => (d.dagId ? [d.dagId] : []));
    dagId = ids.length === 1 ? ids[0] : await vscode.window.showQuickPick(ids, { title: vscode.l10n.t('Test which DAG?') });
    if (dagId === undefined) throw new CancelledError();
  }
  const stackFile = deps.folders.stackFile(file);
  if (!stackFile) {
    throw new WorkbenchError(vscode.l10n.t("Test runs a DAG from the local stack's DAG folders, and {0} is not in one. Add its folder to kafkaAirflow.stack.dagFolders.", vscode.workspace.asRelativePath(file)), { actions: ['openSettings'] });
  }
  const paths = deps.folders.stackPaths;
  if (!paths || !existsSync(join(paths.airflow3Venv, 'bin', 'airflow'))) {
    throw new WorkbenchError(paths
      ? vscode.l10n.t("Test runs in the stack's Airflow 3 venv, which is not installed yet ({0}). Launch the stack once to install it.", paths.airflow3Venv)
      : vscode.l10n.t("Test runs in the stack's Airflow 3 venv, which is not installed yet. Launch the stack once to install it."), {
      actions: [{ title: vscode.l10n.t('Launch Stack'), command: CommandId.launchStack }, 'showLog'],
    });
  }
  if (document.isDirty) await document.save();
  if (testsRunning.has(dagId)) throw new WorkbenchError(vscode.l10n.t('A test of {0} is already running: see the "Airflow DAG Test" output.', dagId), { actions: [] });
  testsRunning.add(dagId);
  testOutput ??= vscode.window.createOutputChannel('Airflow DAG Test');
  const output = testOutput;
  output.clear();
  output.show(true);
  const testedDag = dagId;
  try {
    const airflow = await stackAirflowClient(deps);
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Testing {0}', testedDag), cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => { abort.abort(); });
      output.appendLine(`$ stack.sh exec airflow3 airflow dags test ${testedDag} --bundle-name ${stackFile.linked.bundleName} --dagfile-path ${stackFile.serverPath}`);
      return runDagTest({
        stackScript: paths.stackScript,
        dagId: testedDag,
        bundleName: stackFile.linked.bundleName,
        dagFilePath: stackFile.serverPath,
        signal: abort.signal,
        ...(airflow ? { airflow } : {}),
        onLine: (line) => {
          output.appendLine(line);
          const started = /\[DAG TEST\] starting task_id=(\S+)/.exec(line);
          if (started?.[1]) progress.report({ message: vscode.l10n.t('task {0}', started[1]) });
        },
      });
    });
    output.appendLine('');
    output.appendLine(`== ${testedDag}: ${result.outcome} in ${formatDuration(result.durationMs / 1000)} (exit ${String(result.exitCode)}); tasks: ${result.tasks.map((t) => `${t.taskId} ${t.state}`).join(', ') || 'none'}`);
    deps.log.info(`Test of ${testedDag}: ${result.outcome} in ${result.durationMs} ms (${result.tasks.length} tasks, exit ${String(result.exitCode)})`);
    deps.state.hurry();
    if (result.pausedForTest) deps.dagsTree.refresh();
    if (result.unpauseError !== undefined) {
      void vscode.window.showWarningMessage(vscode.l10n.t('{0} stays paused after its test: unpausing it failed ({1}). Unpause it from the DAGs view.', testedDag, result.unpauseError));
    }
    // Tasks Airflow marks done without running them (EmptyOperator) print nothing: count from the run on the
    // server the test wrote it to, the stack's Airflow 3 (not whichever connection the status bar shows).
    if (result.runId && airflow) {
      try {
        const instances = await airflow.listTaskInstances(testedDag, result.runId);
        if (instances.length > 0) result.tasks = instances.map((ti) => ({ taskId: ti.taskId, state: ti.state ?? 'none' }));
      } catch (error) {
        deps.log.debug(`Task states of the test run ${result.runId} were read from its output only: ${String(error)}`);
      }
    }
    const seconds = formatDuration(result.durationMs / 1000);
    const showOutput = vscode.l10n.t('Show Output');
    const show = (picked: string | undefined): void => { if (picked === showOutput) output.show(); };
    if (result.outcome === 'success') {
      const succeeded = result.tasks.filter((t) => t.state === 'success').length;
      void vscode.window.showInformationMessage(succeeded === 1
        ? vscode.l10n.t('Test of {0} succeeded in {1}: 1 task succeeded.', testedDag, seconds)
        : vscode.l10n.t('Test of {0} succeeded in {1}: {2} tasks succeeded.', testedDag, seconds, succeeded), showOutput).then(show);
    } else if (result.outcome === 'failed') {
      void vscode.window.showErrorMessage(result.error
        ? vscode.l10n.t('Test of {0} failed in {1}: {2}.', testedDag, seconds, result.error)
        : vscode.l10n.t('Test of {0} failed in {1}.', testedDag, seconds), showOutput).then(show);
    } else {
      void vscode.window.showWarningMessage(result.outcome === 'timeout'
        ? vscode.l10n.t('Test of {0} took longer than 10 minutes and was stopped after {1}.', testedDag, seconds)
        : vscode.l10n.t('Test of {0} was cancelled after {1}.', testedDag, seconds), showOutput).then(show);
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
      void vscode.window.showInformationMessage(vscode.l10n.t('Airflow "{0}" has no copy of {1}: it never parsed a DAG from that file. Its stack trace opens instead.', connection, error.filename));
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
    throw new WorkbenchError(vscode.l10n.t('Check DAG File parses the Python file in the active editor: open a DAG file first.'), { actions: [] });
  }
  requireTrust('parse');
  if (document.isDirty) await document.save();
  const result = await deps.checkOnSave.check(document, true);
  if (!result) return;
  const ids = result.dags.map((d) => d.dagId);
  const file = basename(document.uri.fsPath);
  const message = result.errors.length === 1
    ? vscode.l10n.t('{0}: 1 import error (see Problems); checked in {1} ms.', file, result.elapsedMs)
    : result.errors.length > 1
      ? vscode.l10n.t('{0}: {1} import errors (see Problems); checked in {2} ms.', file, result.errors.length, result.elapsedMs)
      : ids.length === 0
        ? vscode.l10n.t('{0} parses: no DAG; checked in {1} ms.', file, result.elapsedMs)
        : ids.length === 1
          ? vscode.l10n.t('{0} parses: DAG {1}; checked in {2} ms.', file, ids.join(', '), result.elapsedMs)
          : vscode.l10n.t('{0} parses: DAGs {1}; checked in {2} ms.', file, ids.join(', '), result.elapsedMs);
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
