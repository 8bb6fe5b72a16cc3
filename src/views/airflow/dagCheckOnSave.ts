/**
 * The fast local check on save (kafkaAirflow.dags.checkOnSave): a saved Python file in one of
 * the stack's DAG folders (or, when set so, any file that defines a DAG) is parsed in the
 * stack's Airflow 3 venv without waiting for the scheduler; its errors go to the Problems view
 * and its DAG ids to the status bar and the CodeLens. Never in Restricted Mode. A missing venv
 * is said once per session with "Launch Stack"; other failures go to the log and the status bar.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { mayDefineDag } from '../../airflow/dagSource';
import { CommandId } from '../../shared/commandIds';
import { settings } from '../../config/settings';
import { StackVenvMissingError, type DagCheckResult, type DagFileChecker } from '../../stack/dagCheck';
import { describeError, userMessage, WorkbenchError } from '../../shared/errors';
import { taggedLogger, type Logger } from '../../shared/logger';
import type { DagDiagnostics } from './dagDiagnostics';
import type { DagServerState } from './dagServerState';
import type { WorkspaceDagFolders } from './workspaceDagFolders';
import { Disposable } from '../../shared/disposable';

export class DagCheckOnSave extends Disposable implements vscode.Disposable {
  private readonly log: Logger;
  private readonly running = new Map<string, Promise<DagCheckResult | undefined>>();
  private readonly rerun = new Set<string>();
  private readonly dagIds = new Map<string, string[]>();
  private venvMissingShown = false;
  private readonly found = new vscode.EventEmitter<string>();
  /** Fires with a file's path when a check found its DAG ids. */
  readonly onDidFindDagIds = this.found.event;

  constructor(
    private readonly checker: DagFileChecker,
    private readonly folders: WorkspaceDagFolders,
    private readonly diagnostics: DagDiagnostics,
    private readonly state: DagServerState,
    log: Logger,
  ) {
    super();
    this.log = taggedLogger(log, 'dag check');
    this._register(
      this.found,
      vscode.workspace.onDidSaveTextDocument((document) => {
        if (this.wants(document)) void this.check(document, false);
      }),
      // A DAG file opened: start the checker now, so the first save is answered as fast as the next.
      vscode.workspace.onDidOpenTextDocument((document) => { if (this.wants(document)) checker.warm(); }),
    );
  }

  /** The DAG ids the last check of a file found. */
  dagIdsOf(file: string): readonly string[] | undefined {
    return this.dagIds.get(file);
  }

  /** Whether a saved document is checked (the setting, trust, a DAG folder or a DAG file). */
  wants(document: vscode.TextDocument): boolean {
    if (!vscode.workspace.isTrusted || document.languageId !== 'python' || document.uri.scheme !== 'file') return false;
    const mode = settings.dagsCheckOnSave();
    if (mode === 'off') return false;
    if (this.folders.stackFile(document.uri.fsPath)) return true;
    return mode === 'anyDagFile' && mayDefineDag(document.getText());
  }

  /**
   * Checks a document's file now. `manual` (the Check DAG File command) throws what goes
   * wrong; on save a failure is logged and shown in the status bar only.
   */
  async check(document: vscode.TextDocument, manual: boolean): Promise<DagCheckResult | undefined> {
    if (!vscode.workspace.isTrusted) {
      throw new WorkbenchError(vscode.l10n.t("Restricted Mode: the workbench does not parse the workspace's DAG files. Trust the folder to check them."), {
        actions: [{ title: vscode.l10n.t('Manage Workspace Trust'), command: 'workbench.trust.manage' }],
      });
    }
    const file = document.uri.fsPath;
    const under = this.running.get(file);
    if (under) {
      this.rerun.add(file);
      return under;
    }
    const run = this.checkFile(file, manual).finally(() => { this.running.delete(file); });
    this.running.set(file, run);
    const result = await run;
    if (this.rerun.delete(file)) return this.check(document, manual);
    return result;
  }

  private async checkFile(file: string, manual: boolean): Promise<DagCheckResult | undefined> {
    const stackFile = this.folders.stackFile(file);
    const bundleRoot = stackFile?.linked.folder ?? dirname(file);
    let mtimeMs: number;
    let result: DagCheckResult;
    try {
      mtimeMs = (await stat(file)).mtimeMs;
      result = await this.checker.check(file, bundleRoot);
    } catch (error) {
      if (manual) throw this.actionable(error);
      this.log.warn(`Local check of ${file} failed: ${describeError(error)}`);
      if (error instanceof StackVenvMissingError) {
        if (!this.venvMissingShown) {
          this.venvMissingShown = true;
          const launch = vscode.l10n.t('Launch Stack');
          void vscode.window.showWarningMessage(userMessage(error), launch).then(async (picked) => {
            if (picked === launch) await vscode.commands.executeCommand(CommandId.launchStack);
          });
        }
      } else {
        vscode.window.setStatusBarMessage(`$(warning) Local DAG check of ${basename(file)} failed: ${userMessage(error)}`, 10_000);
      }
      return undefined;
    }
    this.venvMissingShown = false;
    const ids = result.dags.map((d) => d.dagId);
    this.dagIds.set(file, ids);
    this.state.noteDagIds(file, ids);
    this.diagnostics.setLocal(file, mtimeMs, result);
    this.found.fire(file);
    const summary = result.skipped
      ? `no DAG (Airflow skips a file without "airflow" and "dag" in it)`
      : result.errors.length > 0
        ? `${result.errors.length} import error${result.errors.length === 1 ? '' : 's'}`
        : ids.length > 0 ? `DAG${ids.length === 1 ? '' : 's'} ${ids.join(', ')}` : 'no DAG';
    this.log.info(`Local check of ${file}: ${summary} (parsed in ${Math.round(result.durationMs)} ms, answered in ${result.elapsedMs} ms, Airflow ${result.airflowVersion})`);
    const icon = result.errors.length > 0 ? '$(error)' : '$(check)';
    vscode.window.setStatusBarMessage(`${icon} ${basename(file)}: ${summary} · local check ${result.elapsedMs} ms`, 8_000);
    return result;
  }

  private actionable(error: unknown): unknown {
    if (error instanceof StackVenvMissingError) {
      return new WorkbenchError(error.message, { cause: error, actions: [{ title: vscode.l10n.t('Launch Stack'), command: CommandId.launchStack }, 'showLog'] });
    }
    return error;
  }
}
