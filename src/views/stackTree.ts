/**
 * The Stack view: every service of the active bundled stack (native or Compose) with its
 * health — a theme-coloured icon, the state and detail as description, a tooltip with since
 * when — and "Show Logs" on each row. It lists them once the user has launched or connected
 * to the local stack (or while a launch runs); until then it is empty and the welcome
 * content offers Launch Stack. While it is visible it rechecks every 15 s (every 2 s during
 * a launch, which Launch Stack asks the monitor for); when hidden it stops.
 *
 * Two rows open further: the object store lists its bucket as a prefix tree (folders, then
 * objects with size and modified time; CSV and Parquet objects open a preview of their first
 * rows), and the mail catcher lists the messages it caught (subject, time), each opening as text.
 * A row with a web UI (Spark while a job runs: its driver UI) opens it on click.
 */
import * as vscode from 'vscode';
import type { StackHealthMonitor } from '../stack/healthMonitor';
import type { ServiceHealth, ServiceState } from '../stack/serviceHealth';
import { Disposable } from '../shared/disposable';
import { unhealthyServicesBadge } from '../stack/stackSummary';
import type { StackServices } from '../config/stackServices';
import type { StoredObject } from '../objectstore/s3';
import type { MailSummary } from '../objectstore/mailpit';
import { previewFormatOf } from '../objectstore/preview';
import { describeError, userMessage } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { CommandId } from '../shared/commandIds';
import { visibleLabel } from '../shared/visibleText';

/** The stack service ids whose rows have children (stack.sh's names). */
export const OBJECT_STORE_SERVICE = 'object-store';
export const MAIL_SERVICE = 'mail';
/** Messages the mail catcher row lists (newest first). */
export const MAIL_LIMIT = 50;

export type StackChild =
  | { kind: 'prefix'; prefix: string }
  | { kind: 'object'; object: StoredObject }
  | { kind: 'mail'; message: MailSummary }
  | { kind: 'info'; key: string; text: string; icon: string };
export type StackNode = ServiceHealth | StackChild;

function isChild(node: StackNode): node is StackChild {
  return 'kind' in node;
}

export function formatSize(bytes: number): string {
  if (bytes >= 1_000_000_000) return `${(bytes / 1_000_000_000).toFixed(1)} GB`;
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  if (bytes >= 1_000) return `${(bytes / 1_000).toFixed(1)} KB`;
  return `${bytes} B`;
}

function shortTime(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

const VISIBLE_POLL_MS = 15_000;

const ICONS: Record<ServiceState, vscode.ThemeIcon> = {
  healthy: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  starting: new vscode.ThemeIcon('loading~spin', new vscode.ThemeColor('testing.iconQueued')),
  unhealthy: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  stopped: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
};

/** The context value of a service row; package.json's menus match it for Show Logs. */
export const STACK_SERVICE_CONTEXT = 'stackService';

export class StackTreeProvider extends Disposable implements vscode.TreeDataProvider<StackNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<StackNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private visiblePolling: { dispose(): unknown } | undefined;

  constructor(
    private readonly monitor: StackHealthMonitor,
    private readonly localStackInUse: () => boolean,
    private readonly kindLabel: () => string,
    private readonly services?: StackServices,
    private readonly log?: Logger,
  ) {
    super();
    this._register(this.changed, monitor.onDidChange(() => { this.changed.fire(undefined); }));
  }

  private get shown(): boolean {
    return this.localStackInUse() || this.monitor.launching;
  }

  /** Rechecks the services (the view updates when the answer arrives). */
  refresh(): void {
    if (this.shown) void this.monitor.check();
    else this.changed.fire(undefined);
  }

  /** Creates the tree view and polls only while it is visible. */
  createView(id: string): vscode.TreeView<StackNode> {
    const view = vscode.window.createTreeView(id, { treeDataProvider: this, showCollapseAll: false });
    const follow = (visible: boolean): void => {
      if (visible && !this.visiblePolling) {
        this.visiblePolling = this.monitor.poll(VISIBLE_POLL_MS);
        this.refresh();
      } else if (!visible && this.visiblePolling) {
        this.visiblePolling.dispose();
        this.visiblePolling = undefined;
      }
    };
    const showBadge = (): void => {
      view.badge = this.shown ? unhealthyServicesBadge(this.monitor.latest, this.monitor.launching) : undefined;
    };
    this._register(view, view.onDidChangeVisibility((e) => { follow(e.visible); }), this.monitor.onDidChange(showBadge));
    showBadge();
    follow(view.visible);
    return view;
  }

  async getChildren(element?: StackNode): Promise<StackNode[]> {
    if (!element) return this.shown ? this.monitor.latest ?? (await this.monitor.check()) : [];
    if (!this.services) return [];
    try {
      if (isChild(element)) return element.kind === 'prefix' ? await this.objects(element.prefix) : [];
      if (element.id === OBJECT_STORE_SERVICE) return await this.objects('');
      if (element.id === MAIL_SERVICE) return await this.mails();
    } catch (error) {
      this.log?.warn(`Stack view: ${describeError(error)}`);
      return [{ kind: 'info', key: `${isChild(element) ? 'prefix' : element.id}/failed`, text: userMessage(error), icon: 'error' }];
    }
    return [];
  }

  private async objects(prefix: string): Promise<StackNode[]> {
    const store = await (this.services as StackServices).objectStore();
    const listing = await store.list(prefix);
    const nodes: StackNode[] = [
      ...listing.prefixes.sort().map((p): StackChild => ({ kind: 'prefix', prefix: p })),
      ...listing.objects.sort((a, b) => a.key.localeCompare(b.key)).map((object): StackChild => ({ kind: 'object', object })),
    ];
    if (nodes.length === 0) nodes.push({ kind: 'info', key: `prefix:${prefix}/empty`, text: prefix ? vscode.l10n.t('Empty') : vscode.l10n.t('The bucket {0} is empty.', store.bucket), icon: 'info' });
    return nodes;
  }

  private async mails(): Promise<StackNode[]> {
    const mail = await (this.services as StackServices).mail();
    const { total, messages } = await mail.list(MAIL_LIMIT);
    const nodes: StackNode[] = messages.map((message): StackChild => ({ kind: 'mail', message }));
    if (messages.length === 0) nodes.push({ kind: 'info', key: 'mail/empty', text: vscode.l10n.t('No mail caught yet.'), icon: 'info' });
    else if (total > messages.length) nodes.push({ kind: 'info', key: 'mail/more', text: vscode.l10n.t('{0} older messages not listed', total - messages.length), icon: 'ellipsis' });
    return nodes;
  }

  getTreeItem(node: StackNode): vscode.TreeItem {
    if (isChild(node)) return this.childItem(node);
    const service = node;
    const expandable = this.services !== undefined && (service.id === OBJECT_STORE_SERVICE || service.id === MAIL_SERVICE) && service.state === 'healthy';
    const item = new vscode.TreeItem(service.name, expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `stack:${service.id}`;
    item.description = `${service.state} · ${service.detail}`;
    item.iconPath = ICONS[service.state];
    const state = service.since ? vscode.l10n.t('{0} since {1}', service.state, service.since.toLocaleTimeString()) : service.state;
    const countNote = service.onDemand ? `\n${vscode.l10n.t('Runs only while a job runs; not counted in the status bar\'s healthy sum.')}` : '';
    const urlNote = service.url ? `\n${vscode.l10n.t('Click to open {0}.', service.url)}` : '';
    item.tooltip = `${service.name} (${this.kindLabel()}): ${state}\n${service.detail}${countNote}${urlNote}\n${vscode.l10n.t('Show Logs on this row opens its log.')}`;
    if (service.url) item.command = { title: vscode.l10n.t('Open {0}', service.url), command: 'vscode.open', arguments: [vscode.Uri.parse(service.url)] };
    item.accessibilityInformation = { label: `${service.name}: ${service.state}. ${service.detail}` };
    item.contextValue = STACK_SERVICE_CONTEXT;
    return item;
  }

  private childItem(node: StackChild): vscode.TreeItem {
    switch (node.kind) {
      case 'prefix': {
        const name = node.prefix.replace(/\/$/, '').split('/').pop() ?? node.prefix;
        const item = new vscode.TreeItem(visibleLabel(`${name}/`), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `stack:objects:${node.prefix}`;
        item.iconPath = vscode.ThemeIcon.Folder;
        item.tooltip = node.prefix;
        item.contextValue = 'stackObjectPrefix';
        return item;
      }
      case 'object': {
        const { object } = node;
        const name = object.key.split('/').pop() ?? object.key;
        const item = new vscode.TreeItem(visibleLabel(name), vscode.TreeItemCollapsibleState.None);
        item.id = `stack:object:${object.key}`;
        item.description = `${formatSize(object.size)} · ${shortTime(object.lastModified)}`;
        const previewable = previewFormatOf(object.key) !== undefined;
        item.tooltip = `${object.key}\n${formatSize(object.size)} (${object.size} bytes)\n${vscode.l10n.t('Modified {0}', shortTime(object.lastModified))}${previewable ? `\n\n${vscode.l10n.t('Click to preview its first 100 rows.')}` : ''}`;
        item.iconPath = previewable ? new vscode.ThemeIcon('table') : vscode.ThemeIcon.File;
        item.contextValue = previewable ? 'stackObject.previewable' : 'stackObject';
        if (previewable) item.command = { title: vscode.l10n.t('Preview Object'), command: CommandId.previewObject, arguments: [node] };
        return item;
      }
      case 'mail': {
        const { message } = node;
        const item = new vscode.TreeItem(visibleLabel(message.subject || vscode.l10n.t('(no subject)')), vscode.TreeItemCollapsibleState.None);
        item.id = `stack:mail:${message.id}`;
        item.description = shortTime(message.created);
        item.tooltip = `${message.subject}\n${vscode.l10n.t('From {0} to {1}', message.from, message.to.join(', '))}\n${shortTime(message.created)}\n\n${message.snippet}`;
        item.iconPath = new vscode.ThemeIcon('mail');
        item.contextValue = 'stackMail';
        item.command = { title: vscode.l10n.t('Open Mail'), command: CommandId.openMailMessage, arguments: [node] };
        return item;
      }
      case 'info': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = `stack:info:${node.key}`;
        item.tooltip = node.text;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        return item;
      }
    }
  }

  override dispose(): void {
    this.visiblePolling?.dispose();
    super.dispose();
  }
}
