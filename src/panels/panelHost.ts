/**
 * The part every webview panel host repeats, kept once: it creates the panel with the CSP
 * page of src/panels/webviewHtml.ts, drops what the webview sends outside the protocol (and
 * logs it), waits for `ready` before posting, answers each request through the panel's typed
 * handler table (a thrown error becomes an `ok: false` reply with a sentence for the user),
 * types the notifications, and disposes the panel with everything registered on it. A panel
 * (producer form, dataset-event form, message inspector, trace) owns one PanelHost and keeps
 * only its own behaviour.
 */
import * as vscode from 'vscode';
import { describeError, userMessage } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { HostToWebview, Methods, ReadyMessage, RequestOf } from '../shared/protocol';
import { describeRaw } from '../shared/webviewMessages';
import { panelHtml } from './webviewHtml';

/** One handler per method of `M`: takes the checked params, returns the typed result (or throws). */
export type RequestHandlers<M extends Methods> = {
  [K in keyof M & string]: (params: M[K][0]) => Promise<M[K][1]> | M[K][1];
};

export interface PanelHostOptions<M extends Methods> {
  /** The panel's view type, e.g. `kafkaAirflow.producer`. */
  viewType: string;
  title: string;
  /** The webview bundle: dist/webview/<entry>.js. */
  entry: string;
  extensionUri: vscode.Uri;
  /** Keep the page alive while the tab is hidden (forms keep what was typed). */
  retainContextWhenHidden: boolean;
  log: Logger;
  /** How log lines name the panel, e.g. "the form". */
  name: string;
  /** The panel's own check of what arrives; undefined drops the message. */
  parse: (raw: unknown) => ReadyMessage | RequestOf<M> | undefined;
  handlers: RequestHandlers<M>;
  /** The page said `ready` (first load, or again after a reload): post its starting state. */
  onReady: () => void;
  /**
   * An error that is an answer rather than a failure (e.g. form problems): return the reply's
   * error text and it is not logged. Undefined: logged, and the reply says userMessage(error).
   */
  expectedErrorText?: (error: unknown) => string | undefined;
  /**
   * A request failed with an unexpected error (already logged): e.g. also show it as a
   * notification with next steps when the action was one the user started from the panel.
   */
  onFailure?: (error: unknown) => void;
  /** The panel was closed (by the user or by dispose()): stop the owner's work. */
  onDispose: () => void;
  /**
   * A panel VS Code kept across a window reload (given to a WebviewPanelSerializer): it is
   * adopted, given this page anew, instead of creating a new one.
   */
  restoredPanel?: vscode.WebviewPanel;
}

/** `N` is the panel's notification table: type → params. */
export class PanelHost<M extends Methods, N extends object> implements vscode.Disposable {
  readonly panel: vscode.WebviewPanel;
  private readonly disposables: { dispose(): unknown }[] = [];
  private ready = false;
  private disposed = false;

  constructor(private readonly options: PanelHostOptions<M>) {
    const localResourceRoots = [vscode.Uri.joinPath(options.extensionUri, 'dist', 'webview')];
    if (options.restoredPanel) {
      this.panel = options.restoredPanel;
      this.panel.webview.options = { enableScripts: true, localResourceRoots };
      this.panel.title = options.title;
    } else {
      this.panel = vscode.window.createWebviewPanel(options.viewType, options.title, vscode.ViewColumn.Active, {
        enableScripts: true,
        retainContextWhenHidden: options.retainContextWhenHidden,
        localResourceRoots,
      });
    }
    this.panel.webview.html = panelHtml(this.panel.webview, options.extensionUri, options.entry, options.title);
    this.disposables.push(
      this.panel.webview.onDidReceiveMessage((raw: unknown) => { this.receive(raw); }),
      this.panel.onDidDispose(() => { this.dispose(); }),
    );
  }

  /** Disposed with the panel: the owner's subscriptions (settings, connections, …). */
  register(...disposables: { dispose(): unknown }[]): void {
    if (this.disposed) {
      for (const d of disposables) d.dispose();
      return;
    }
    this.disposables.push(...disposables);
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** Posts a notification; nothing is posted before `ready` or after the panel closed. */
  notify<K extends keyof N & string>(type: K, params: N[K]): void {
    this.post({ kind: 'notification', type, params });
  }

  private post(message: HostToWebview): void {
    if (!this.ready || this.disposed) return;
    this.panel.webview.postMessage(message).then(undefined, (error: unknown) => {
      this.options.log.warn(`Could not post to ${this.options.name}: ${describeError(error)}`);
    });
  }

  private receive(raw: unknown): void {
    const message = this.options.parse(raw);
    if (!message) {
      this.options.log.warn(`Ignored a message from ${this.options.name} that is not in the protocol: ${describeRaw(raw)}`);
      return;
    }
    if (message.kind === 'ready') {
      this.ready = true;
      this.options.onReady();
      return;
    }
    void this.answer(message);
  }

  private async answer(request: RequestOf<M>): Promise<void> {
    try {
      const result: unknown = await this.options.handlers[request.method](request.params);
      this.post({ kind: 'response', id: request.id, ok: true, result });
    } catch (error) {
      let text = this.options.expectedErrorText?.(error);
      if (text === undefined) {
        this.options.log.warn(`${request.method} failed: ${describeError(error)}`);
        text = userMessage(error);
        this.options.onFailure?.(error);
      }
      this.post({ kind: 'response', id: request.id, ok: false, error: text });
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.options.onDispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
