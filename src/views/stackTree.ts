/**
 * The Stack view: every service of the active bundled stack (native or Compose) with its
 * health — a theme-coloured icon, the state and detail as description, a tooltip with since
 * when — and "Show Logs" on each row. It lists them once the user has launched or connected
 * to the local stack (or while a launch runs); until then it is empty and the welcome
 * content offers Launch Stack. While it is visible it rechecks every 15 s (every 2 s during
 * a launch, which Launch Stack asks the monitor for); when hidden it stops.
 */
import * as vscode from 'vscode';
import type { StackHealthMonitor } from '../stack/healthMonitor';
import type { ServiceHealth, ServiceState } from '../stack/serviceHealth';
import { Disposable } from '../shared/disposable';
import { unhealthyServicesBadge } from '../stack/stackSummary';

const VISIBLE_POLL_MS = 15_000;

const ICONS: Record<ServiceState, vscode.ThemeIcon> = {
  healthy: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  starting: new vscode.ThemeIcon('loading~spin', new vscode.ThemeColor('testing.iconQueued')),
  unhealthy: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  stopped: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
};

/** The context value of a service row; package.json's menus match it for Show Logs. */
export const STACK_SERVICE_CONTEXT = 'stackService';

export class StackTreeProvider extends Disposable implements vscode.TreeDataProvider<ServiceHealth>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ServiceHealth | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private visiblePolling: { dispose(): unknown } | undefined;

  constructor(
    private readonly monitor: StackHealthMonitor,
    private readonly localStackInUse: () => boolean,
    private readonly kindLabel: () => string,
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
  createView(id: string): vscode.TreeView<ServiceHealth> {
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

  async getChildren(element?: ServiceHealth): Promise<ServiceHealth[]> {
    if (element || !this.shown) return [];
    return this.monitor.latest ?? (await this.monitor.check());
  }

  getTreeItem(service: ServiceHealth): vscode.TreeItem {
    const item = new vscode.TreeItem(service.name, vscode.TreeItemCollapsibleState.None);
    item.id = `stack:${service.id}`;
    item.description = `${service.state} · ${service.detail}`;
    item.iconPath = ICONS[service.state];
    const state = service.since ? vscode.l10n.t('{0} since {1}', service.state, service.since.toLocaleTimeString()) : service.state;
    item.tooltip = `${service.name} (${this.kindLabel()}): ${state}\n${service.detail}\n${vscode.l10n.t('Show Logs on this row opens its log.')}`;
    item.accessibilityInformation = { label: `${service.name}: ${service.state}. ${service.detail}` };
    item.contextValue = STACK_SERVICE_CONTEXT;
    return item;
  }

  override dispose(): void {
    this.visiblePolling?.dispose();
    super.dispose();
  }
}
