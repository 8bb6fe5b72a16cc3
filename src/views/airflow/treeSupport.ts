/**
 * What the DAGs and Datasets trees share: stable node objects keyed by path (so a refresh
 * keeps expansion and selection, and a single row can be refreshed or revealed), the
 * views' own refreshing while runs are active (backing off, paused while the view is
 * hidden), and turning a failed load into a row with the cause and a Retry action instead
 * of an endless spinner. Refused credentials also raise one notification per connection
 * that offers to re-enter the password.
 */
import * as vscode from 'vscode';
import { AirflowAuthError } from '../../airflow/errors';
import { describeError, userMessage } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { Backoff } from '../../shared/backoff';
import { topmost, type KeyedNode } from './nodeStore';
import { CommandId } from '../../shared/commandIds';

export { NodeStore, type KeyedNode } from './nodeStore';

/** After this long without a refresh, new activity starts again at the shortest delay. */
const QUIET_RESET_MS = 60_000;

/**
 * Refreshes the rows that show active runs, on a backing-off timer (2 s, 4 s ... 30 s), only
 * while the view is visible. Loads mark rows active again as long as something runs, so the
 * refreshing ends by itself when everything is finished.
 */
export class AutoRefresh<N extends KeyedNode> implements vscode.Disposable {
  private readonly active = new Map<string, N>();
  private readonly backoff = new Backoff();
  private timer: NodeJS.Timeout | undefined;
  private visible = false;
  private lastTickAt = Number.NEGATIVE_INFINITY;
  private readonly disposables: { dispose(): unknown }[] = [];

  constructor(
    private readonly refresh: (nodes: N[]) => void,
    private readonly log: Logger,
    private readonly label: string,
  ) {}

  /** Follows the view's visibility: no refreshing while it is hidden, one at once when shown. */
  attach(view: vscode.TreeView<N>): void {
    this.visible = view.visible;
    this.disposables.push(
      view.onDidChangeVisibility(({ visible }) => {
        this.visible = visible;
        if (visible) {
          this.backoff.reset();
          this.schedule();
        } else {
          this.stopTimer();
        }
      }),
    );
  }

  /** Asks for `node` to be refreshed on the next tick (a load found an active run under it). */
  markActive(node: N): void {
    // Activity after a quiet spell (no refresh for a minute) starts again at the shortest delay.
    if (!this.timer && performance.now() - this.lastTickAt > QUIET_RESET_MS) this.backoff.reset();
    this.active.set(node.key, node);
    this.schedule();
  }

  /** The user did something: the next refresh comes soon again. */
  userAction(): void {
    this.backoff.reset();
    if (this.timer) {
      this.stopTimer();
      this.schedule();
    }
  }

  /** Forgets all rows (the whole tree is being reloaded). */
  reset(): void {
    this.active.clear();
    this.stopTimer();
    this.backoff.reset();
  }

  get isPolling(): boolean {
    return this.timer !== undefined;
  }

  private schedule(): void {
    if (!this.visible || this.timer || this.active.size === 0) return;
    const delay = this.backoff.next();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastTickAt = performance.now();
      const due = topmost([...this.active.values()]);
      this.active.clear();
      this.log.trace(`${this.label}: refreshing ${due.length} row(s) with active runs (next delay grows)`);
      // The loads this refresh causes mark rows active again while something runs; when none
      // does, no timer is set and the refreshing ends.
      this.refresh(due);
    }, delay);
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.stopTimer();
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * Says once per connection that the server refused the credentials and offers to re-enter
 * them (the rows show the same cause with Retry). Cleared when the credentials change.
 */
export class CredentialsPrompt {
  private readonly shown = new Set<string>();

  constructor(private readonly log: Logger) {}

  report(connectionName: string, error: unknown): void {
    if (!(error instanceof AirflowAuthError) || this.shown.has(connectionName)) return;
    this.shown.add(connectionName);
    // The client's sentence names the server and what was refused ("… refused the credentials for user admin …").
    const message = vscode.l10n.t('Airflow connection "{0}": {1}', connectionName, userMessage(error));
    const reenter = error.actions.find((a): a is { title: string; command: string } => typeof a === 'object')?.title ?? vscode.l10n.t('Re-enter Password');
    const showLog = vscode.l10n.t('Show Log');
    void vscode.window.showErrorMessage(message, reenter, showLog).then(
      async (picked) => {
        if (picked === reenter) {
          await vscode.commands.executeCommand(CommandId.reenterAirflowPassword, connectionName);
        } else if (picked === showLog) {
          await vscode.commands.executeCommand(CommandId.showLog);
        }
      },
      (failure: unknown) => { this.log.error(`Could not show the credentials notification: ${describeError(failure)}`); },
    );
  }

  /** The credentials of a connection changed: tell again if they are refused again. */
  forget(connectionName?: string): void {
    if (connectionName === undefined) this.shown.clear();
    else this.shown.delete(connectionName);
  }
}

/** A row that says why its parent's children could not be loaded; click or the inline action retries. */
export function failureItem(message: string, retryTarget: KeyedNode, key: string): vscode.TreeItem {
  const item = new vscode.TreeItem(message, vscode.TreeItemCollapsibleState.None);
  item.id = key;
  item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
  item.tooltip = `${message}\n\n${vscode.l10n.t('Click to try again.')}`;
  item.contextValue = 'airflowFailure';
  item.command = { title: vscode.l10n.t('Retry'), command: CommandId.retryAirflowLoad, arguments: [retryTarget] };
  return item;
}
