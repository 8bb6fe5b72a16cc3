/**
 * What the active Airflow server says about the DAGs being edited: its import errors, and for
 * each DAG defined in a visible Python editor, whether the server has it, where its file is,
 * its latest run and that run's task instances. Polled only while the DAGs view or a DAG file
 * is visible: every 2 s for a minute after a save, a trigger or a test, then every 10 s, and
 * not at all otherwise. The diagnostics and the CodeLens read it; a failed poll is kept as
 * the reason (shown in the CodeLens), logged once, and never thrown.
 */
import * as vscode from 'vscode';
import { outlineDagFile, mayDefineDag } from '../../airflow/dagSource';
import { DagNotFoundError } from '../../airflow/errors';
import type { Dag, DagRun, ImportError, TaskInstance } from '../../airflow/types';
import type { AirflowConnections } from '../../config/airflowConnections';
import { describeError, userMessage } from '../../shared/errors';
import { taggedLogger, type Logger } from '../../shared/logger';
import type { WorkspaceDagFolders } from './workspaceDagFolders';
import { Disposable } from '../../shared/disposable';

const FAST_MS = 2_000;
const SLOW_MS = 10_000;
const FAST_FOR_MS = 60_000;
/** DAGs whose runs are read per poll, at most (the visible ones). */
const MAX_WATCHED_DAGS = 12;

export interface WatchedDag {
  /** Undefined when the server does not have the DAG (not parsed yet, or an import error). */
  dag: Dag | undefined;
  latestRun: DagRun | undefined;
  tasks: TaskInstance[];
}

export class DagServerState extends Disposable implements vscode.Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires after each poll that read something. */
  readonly onDidChange = this.changed.event;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private fastUntil = 0;
  private polling: Promise<void> | undefined;
  private lastError = '';
  private view: Pick<vscode.TreeView<unknown>, 'visible' | 'onDidChangeVisibility'> | undefined;
  /** DAG ids found by the local check per file, for files whose ids the text does not spell. */
  private readonly extraDagIds = new Map<string, string[]>();

  /** The connection the state is about (the active one when it was read). */
  connectionName: string | undefined;
  importErrors: ImportError[] = [];
  /** The active server's DAGs that are defined in visible editors. */
  readonly watched = new Map<string, WatchedDag>();
  /** Why the last poll failed, as a sentence; undefined after a good one. */
  failure: string | undefined;

  constructor(private readonly connections: AirflowConnections, private readonly folders: WorkspaceDagFolders, log: Logger) {
    super();
    this.log = taggedLogger(log, 'dag state');
    this._register(
      vscode.window.onDidChangeVisibleTextEditors(() => { this.schedule(0); }),
      vscode.workspace.onDidSaveTextDocument((document) => { if (document.languageId === 'python') this.hurry(); }),
      connections.onDidChange(() => { this.hurry(); }),
      connections.onDidChangeStatus(() => { this.schedule(0); }),
    );
  }

  /** Follows the DAGs view's visibility (polling while it is shown). */
  attachView(view: Pick<vscode.TreeView<unknown>, 'visible' | 'onDidChangeVisibility'>): void {
    this.view = view;
    this._register(view.onDidChangeVisibility(() => { this.schedule(0); }));
    this.schedule(0);
  }

  /** Poll often for a minute (after a save, a trigger, a test), starting now. */
  hurry(): void {
    this.fastUntil = Date.now() + FAST_FOR_MS;
    this.schedule(0);
  }

  /** Adds the DAG ids the local check found in a file (ids the text computes at run time). */
  noteDagIds(file: string, dagIds: readonly string[]): void {
    this.extraDagIds.set(file, [...dagIds]);
  }

  /** Reads now (or waits for the read under way) and returns when done. */
  async pollNow(): Promise<void> {
    this.polling ??= this.poll().finally(() => { this.polling = undefined; });
    await this.polling;
  }

  private visibleDagEditors(): vscode.TextEditor[] {
    return vscode.window.visibleTextEditors.filter((editor) => {
      const document = editor.document;
      if (document.languageId !== 'python' || document.uri.scheme !== 'file') return false;
      return this.folders.stackFile(document.uri.fsPath) !== undefined || mayDefineDag(document.getText());
    });
  }

  private isWanted(): boolean {
    return (this.view?.visible ?? false) || this.visibleDagEditors().length > 0;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.isWanted()) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pollNow().then(() => {
        this.schedule(Date.now() < this.fastUntil ? FAST_MS : SLOW_MS);
      });
    }, delayMs);
  }

  /** The DAG ids defined in the visible DAG editors (spelled in the text, or found by the local check). */
  private visibleDagIds(): string[] {
    const ids = new Set<string>();
    for (const editor of this.visibleDagEditors()) {
      for (const dag of outlineDagFile(editor.document.getText()).dags) if (dag.dagId) ids.add(dag.dagId);
      for (const id of this.extraDagIds.get(editor.document.uri.fsPath) ?? []) ids.add(id);
    }
    return [...ids].slice(0, MAX_WATCHED_DAGS);
  }

  private async poll(): Promise<void> {
    await this.folders.sync();
    const connection = this.connections.active();
    if (!connection) {
      const had = this.connectionName !== undefined || this.importErrors.length > 0;
      this.connectionName = undefined;
      this.importErrors = [];
      this.watched.clear();
      this.failure = undefined;
      if (had) this.changed.fire();
      return;
    }
    try {
      const client = await this.connections.client(connection.name);
      const dagIds = this.visibleDagIds();
      const [importErrors, watched] = await Promise.all([
        client.listImportErrors(),
        Promise.all(dagIds.map(async (dagId): Promise<[string, WatchedDag]> => {
          let dag: Dag | undefined;
          try {
            dag = await client.getDag(dagId);
          } catch (error) {
            if (error instanceof DagNotFoundError) return [dagId, { dag: undefined, latestRun: undefined, tasks: [] }];
            throw error;
          }
          const runs = await client.listRuns(dagId, { limit: 1, offset: 0 }).catch((error: unknown) => {
            if (error instanceof DagNotFoundError) return { items: [], totalEntries: 0 };
            throw error;
          });
          const latestRun = runs.items[0];
          const tasks = latestRun ? await client.listTaskInstances(dagId, latestRun.runId) : [];
          return [dagId, { dag, latestRun, tasks }];
        })),
      ]);
      this.connectionName = connection.name;
      this.importErrors = importErrors;
      this.watched.clear();
      for (const [dagId, entry] of watched) this.watched.set(dagId, entry);
      this.failure = undefined;
      this.lastError = '';
    } catch (error) {
      const message = userMessage(error);
      if (message !== this.lastError) this.log.warn(`Reading import errors and runs from "${connection.name}" failed: ${describeError(error)}`);
      this.lastError = message;
      this.connectionName = connection.name;
      this.failure = message;
    }
    this.changed.fire();
  }

  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    super.dispose();
  }
}
