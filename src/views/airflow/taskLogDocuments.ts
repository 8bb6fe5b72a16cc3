/**
 * Task logs and import-error stack traces as read-only editor documents under the
 * `kafkaAirflow-log:` scheme. A task log reads "time LEVEL text" per line; while the task
 * runs the document follows it, reading only what was appended (the continuation token),
 * on a backing-off timer, until the task ends, the document is closed or a time limit.
 */
import * as vscode from 'vscode';
import type { LogLine } from '../../airflow/types';
import type { AirflowConnections } from '../../config/airflowConnections';
import { describeError, userMessage } from '../../shared/errors';
import { taggedLogger, type Logger } from '../../shared/logger';
import { Backoff } from '../../shared/backoff';
import { formatLogLines, formatTime } from '../../airflow/presentation';
import { addressFromQuery, addressToUriParts, LOG_SCHEME, type LogDocumentAddress, type TaskLogAddress } from './taskLogAddress';
import { Disposable } from '../../shared/disposable';

/** Following stops after this long even if the task still runs (reopen the log to go on). */
const FOLLOW_LIMIT_MS = 30 * 60_000;

interface FollowedLog {
  address: TaskLogAddress;
  lines: LogLine[];
  token: string | null;
  complete: boolean;
  error: string | undefined;
  following: boolean;
  stoppedReason: string | undefined;
  startedAt: number;
  backoff: Backoff;
  timer: NodeJS.Timeout | undefined;
  reading: Promise<void> | undefined;
}

export function taskLogUri(address: LogDocumentAddress): vscode.Uri {
  return vscode.Uri.from({ scheme: LOG_SCHEME, ...addressToUriParts(address) });
}

export class TaskLogDocuments extends Disposable implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly logs = new Map<string, FollowedLog>();
  private readonly log: Logger;

  constructor(private readonly connections: AirflowConnections, log: Logger) {
    super();
    this.log = taggedLogger(log, 'task log');
    this._register(
      this.changed,
      vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, this),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document.uri.scheme !== LOG_SCHEME) return;
        const followed = this.logs.get(document.uri.toString());
        if (followed) this.stop(followed, undefined);
        this.logs.delete(document.uri.toString());
      }),
    );
  }

  /** Opens a task log or import error in an editor tab (read-only, "log" language). */
  async open(address: LogDocumentAddress): Promise<vscode.TextEditor> {
    const uri = taskLogUri(address);
    const existing = this.logs.get(uri.toString());
    if (existing && !existing.following && !existing.complete) {
      // Reopened after following stopped: read on from where it stopped.
      existing.startedAt = Date.now();
      existing.backoff.reset();
      existing.stoppedReason = undefined;
      this.follow(existing, uri);
    }
    let document = await vscode.workspace.openTextDocument(uri);
    if (document.languageId !== 'log') document = await vscode.languages.setTextDocumentLanguage(document, 'log');
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    this.revealEnd(uri, [editor]);
    return editor;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const address = addressFromQuery(uri.query);
    if (!address) return 'This log address is not one this extension wrote. Open the log again from the DAGs view.';
    if (address.kind === 'importError') {
      return `# Import error in ${address.filename} (Airflow connection "${address.connection}")\n# Fix the file and the DAG processor parses it again.\n\n${address.stackTrace}\n`;
    }
    const key = uri.toString();
    let followed = this.logs.get(key);
    if (!followed) {
      followed = {
        address, lines: [], token: null, complete: false, error: undefined, following: false, stoppedReason: undefined,
        startedAt: Date.now(), backoff: new Backoff({ initialMs: 2000, factor: 1.5, maxMs: 10_000 }), timer: undefined, reading: undefined,
      };
      this.logs.set(key, followed);
      await this.read(followed);
      if (!followed.complete) this.follow(followed, uri);
    } else if (followed.reading) {
      await followed.reading;
    }
    return this.render(followed);
  }

  private render(followed: FollowedLog): string {
    const { address } = followed;
    const header = `# ${address.taskId}${address.mapIndex >= 0 ? ` [${address.mapIndex}]` : ''} · try ${address.tryNumber} · run ${address.runId} · DAG ${address.dagId} · ${address.connection} · times in UTC`;
    const body = followed.lines.length > 0 ? formatLogLines(followed.lines) : followed.error ? '' : '(the log is empty so far)';
    const footer: string[] = [];
    if (followed.error) footer.push(`# Could not read the log: ${followed.error}`);
    if (followed.following) footer.push(`# … following: the task is still running; new lines appear here (read at ${formatTime(new Date().toISOString())}).`);
    else if (followed.stoppedReason) footer.push(`# ${followed.stoppedReason}`);
    else if (followed.complete) footer.push('# End of log: the task has finished.');
    return [header, '', body, '', ...footer].join('\n');
  }

  /** Reads what is new since the last read (everything the first time). Never rejects. */
  private read(followed: FollowedLog): Promise<void> {
    const reading = (async (): Promise<void> => {
      const { address } = followed;
      try {
        const client = await this.connections.client(address.connection);
        const log = await client.getTaskLog(address.dagId, address.runId, address.taskId, address.tryNumber, {
          mapIndex: address.mapIndex,
          continuationToken: followed.token,
        });
        if (log.lines.length > 0) followed.backoff.reset();
        followed.lines.push(...log.lines);
        followed.token = log.continuationToken ?? followed.token;
        followed.complete = log.complete;
        followed.error = undefined;
      } catch (error) {
        this.log.warn(`Reading the log of ${address.dagId}/${address.runId}/${address.taskId} failed: ${describeError(error)}`);
        followed.error = userMessage(error);
      }
    })();
    followed.reading = reading;
    return reading.finally(() => { followed.reading = undefined; });
  }

  private follow(followed: FollowedLog, uri: vscode.Uri): void {
    followed.following = true;
    const tick = (): void => {
      followed.timer = setTimeout(() => {
        followed.timer = undefined;
        if (!followed.following) return;
        if (Date.now() - followed.startedAt > FOLLOW_LIMIT_MS) {
          this.stop(followed, 'Stopped following after 30 minutes. Open the log again from the DAGs view to read on.');
          this.changed.fire(uri);
          return;
        }
        void this.read(followed).then(() => {
          if (followed.complete) this.stop(followed, undefined);
          const atEnd = this.editorsAtEnd(uri);
          this.changed.fire(uri);
          setTimeout(() => { this.revealEnd(uri, atEnd); }, 100);
          if (followed.following) tick();
        });
      }, followed.backoff.next());
    };
    tick();
  }

  private stop(followed: FollowedLog, reason: string | undefined): void {
    followed.following = false;
    followed.stoppedReason = reason;
    if (followed.timer) clearTimeout(followed.timer);
    followed.timer = undefined;
  }

  /** The editors of `uri` whose last visible line is the end of the document. */
  private editorsAtEnd(uri: vscode.Uri): vscode.TextEditor[] {
    return vscode.window.visibleTextEditors.filter((editor) => {
      if (editor.document.uri.toString() !== uri.toString()) return false;
      const bottom = editor.visibleRanges[editor.visibleRanges.length - 1]?.end.line ?? 0;
      return bottom >= editor.document.lineCount - 2;
    });
  }

  /** Scrolls `editors` to the end of the log (they showed its end before new lines came). */
  private revealEnd(uri: vscode.Uri, editors: readonly vscode.TextEditor[]): void {
    for (const editor of editors) {
      if (editor.document.uri.toString() !== uri.toString()) continue;
      const last = editor.document.lineCount - 1;
      editor.revealRange(new vscode.Range(last, 0, last, 0), vscode.TextEditorRevealType.Default);
    }
  }

  /** Whether a log is being followed (for tests and the status of the tab). */
  isFollowing(address: TaskLogAddress): boolean {
    return this.logs.get(taskLogUri(address).toString())?.following ?? false;
  }

  override dispose(): void {
    for (const followed of this.logs.values()) this.stop(followed, undefined);
    this.logs.clear();
    super.dispose();
  }
}
