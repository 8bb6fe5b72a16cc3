/**
 * What the DAGs and Datasets trees share as tree providers, kept once: the change event, the
 * node store, auto-refresh while runs are active, the credentials prompt, redrawing a
 * connection row only when its status words change, reloading one row (a failure row reloads
 * what it failed to load), turning a failed load into a failure row, and disposal. Each tree
 * keeps its own rows, children and items.
 */
import * as vscode from 'vscode';
import type { AirflowConnections } from '../../config/airflowConnections';
import { describeError, userMessage } from '../../shared/errors';
import { taggedLogger, type Logger } from '../../shared/logger';
import { connectionStatusText } from '../../airflow/presentation';
import { AutoRefresh, CredentialsPrompt, NodeStore, type KeyedNode } from './treeSupport';
import { PreloadedChildren, reloadThenAnnounce, type ReloadOptions } from './nodeStore';
import { Disposable } from '../../shared/disposable';

/** What the base reads of a tree's nodes. */
export interface AirflowTreeNode<N extends KeyedNode> extends KeyedNode {
  readonly kind: string;
  readonly parent: N | undefined;
  /** Connection rows: the status words shown now. */
  shownStatus?: string;
}

/** The row that says why a load failed; Retry reloads `retryTarget`. */
export interface AirflowFailureNode<N extends KeyedNode> extends AirflowTreeNode<N> {
  kind: 'failure';
  message: string;
  retryTarget: N;
}

export interface AirflowTreeOptions {
  /** Tag of the tree's log lines, e.g. "dags view". */
  logTag: string;
  /** The view's name in auto-refresh log lines, e.g. "DAGs view". */
  viewName: string;
  /** The store key of a connection's row. */
  connectionKey: (name: string) => string;
}

export abstract class AirflowTreeProvider<N extends AirflowTreeNode<N>> extends Disposable implements vscode.TreeDataProvider<N>, vscode.Disposable {
  protected readonly changed = new vscode.EventEmitter<N | N[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  protected readonly store = new NodeStore<N>();
  protected readonly autoRefresh: AutoRefresh<N>;
  protected readonly credentials: CredentialsPrompt;
  protected readonly log: Logger;
  protected view: vscode.TreeView<N> | undefined;
  /** Keys of the rows VS Code shows expanded (asked for their children, or expanded, and not collapsed since). */
  private readonly expanded = new Set<string>();
  private readonly preloads = new PreloadedChildren<N>();

  protected constructor(protected readonly connections: AirflowConnections, log: Logger, options: AirflowTreeOptions) {
    super();
    this.log = taggedLogger(log, options.logTag);
    this.credentials = new CredentialsPrompt(this.log);
    // Something runs under these rows: their own rows stay unless what they list changed.
    this.autoRefresh = new AutoRefresh((nodes) => { void this.reloadRows(nodes, { keepUnchangedRows: true }); }, this.log, options.viewName);
    this._register(
      this.changed,
      this.autoRefresh,
      connections.onDidChange(() => { this.credentials.forget(); this.refresh(); }),
      connections.onDidChangeStatus((name) => {
        // Redrawing the row reloads its children too: only when its words change.
        const node = this.store.get(options.connectionKey(name));
        if (node?.kind === 'connection' && node.shownStatus !== connectionStatusText(connections.status(name))) this.changed.fire(node);
      }),
    );
  }

  /** Reads the children of a row (the root when undefined) from the server. */
  protected abstract loadChildren(element?: N): Promise<N[]>;

  /** The children VS Code asks for: those loaded just before the row was announced, else read now. */
  getChildren(element?: N): Promise<N[]> {
    if (!element) return this.loadChildren();
    // VS Code asks for the children of the rows it shows expanded (also those expanded by
    // default, which raise no expand event).
    this.expanded.add(element.key);
    return this.preloads.take(element.key) ?? this.loadChildren(element);
  }

  /**
   * Reloads rows (and what they show expanded): their children are read before VS Code is told,
   * so a row under them stays known to VS Code while the server answers (see PreloadedChildren).
   */
  protected reloadRows(nodes: readonly N[], options: ReloadOptions = {}): Promise<void> {
    return reloadThenAnnounce(nodes, {
      isExpanded: (node) => this.expanded.has(node.key),
      childKeys: (node) => this.store.childKeys(node.key),
      load: (node) => this.loadChildren(node),
      preloads: this.preloads,
      announce: (rows) => { this.changed.fire(rows); },
    }, options);
  }
  abstract getTreeItem(node: N): vscode.TreeItem;

  /** A failure row of this tree's node type under `parent`. */
  protected abstract failureNode(key: string, parent: N, message: string): N;

  /** Creates the tree view and follows its visibility (no auto-refresh while hidden). */
  /** `canSelectMany` where a row command acts on several rows (Pause/Unpause in the DAGs view). */
  createView(viewId: string, options: { canSelectMany?: boolean } = {}): vscode.TreeView<N> {
    const view = vscode.window.createTreeView(viewId, { treeDataProvider: this, showCollapseAll: true, canSelectMany: options.canSelectMany ?? false });
    this.view = view;
    this.autoRefresh.attach(view);
    this._register(
      view,
      view.onDidExpandElement(({ element }) => { this.expanded.add(element.key); }),
      view.onDidCollapseElement(({ element }) => { this.expanded.delete(element.key); }),
    );
    return view;
  }

  /** Reloads everything (user action): back to the shortest refresh delay. */
  refresh(): void {
    this.autoRefresh.reset();
    this.preloads.clear();
    this.changed.fire(undefined);
  }

  /** Reloads one row and its subtree, soon refreshing again if it runs. */
  refreshNode(node: N): void {
    this.autoRefresh.userAction();
    const target = isFailureNode(node) ? node.retryTarget : node.kind === 'info' ? node.parent : node;
    if (target) void this.reloadRows([target]);
    else this.changed.fire(undefined);
  }

  /** Whether `node` belongs to this tree (commands shared by both trees ask). */
  owns(node: unknown): node is N {
    if (typeof node !== 'object' || node === null) return false;
    const key = (node as { key?: unknown }).key;
    return typeof key === 'string' && this.store.get(key) === node;
  }

  getParent(element: N): N | undefined {
    return element.parent;
  }

  /** Loads `parent`'s children; a failure becomes one row with the cause and Retry, never a spinner. */
  protected async guard(parent: N, connectionName: string, load: () => Promise<N[]>): Promise<N[]> {
    try {
      return await load();
    } catch (error) {
      const handled = this.loadFailed(parent, connectionName, error);
      if (handled) return handled;
      this.log.warn(`Loading ${parent.key} failed: ${describeError(error)}`);
      this.credentials.report(connectionName, error);
      const key = `${parent.key}/failure`;
      const message = userMessage(error);
      const failure = this.store.obtain(key, () => this.failureNode(key, parent, message), (n) => {
        if (isFailureNode(n)) n.message = message;
      });
      return this.store.setChildren(parent.key, [failure]);
    }
  }

  /** A tree's own answer to a failed load (rows to show), or undefined for a failure row. */
  protected loadFailed(_parent: N, _connectionName: string, _error: unknown): N[] | undefined {
    return undefined;
  }

  override dispose(): void {
    super.dispose();
    this.store.clear();
    this.preloads.clear();
  }
}

function isFailureNode<N extends KeyedNode>(node: AirflowTreeNode<N>): node is AirflowFailureNode<N> {
  return node.kind === 'failure';
}
