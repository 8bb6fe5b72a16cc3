/**
 * The Stack view: the services of the bundled local stack and whether each one answers.
 * It lists them once the user has connected to the local stack (or asked to on startup);
 * until then it is empty and the welcome content explains how to start it.
 */
import * as vscode from 'vscode';
import { probeTcp, type ProbeResult } from '../stack/health';
import { localStackServices, type StackService } from '../stack/localStack';

interface ServiceNode {
  service: StackService;
  probe: ProbeResult;
}

export class StackTreeProvider implements vscode.TreeDataProvider<ServiceNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ServiceNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly isShown: () => boolean) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(element?: ServiceNode): Promise<ServiceNode[]> {
    if (element || !this.isShown()) return [];
    return Promise.all(
      localStackServices.map(async (service) => ({ service, probe: await probeTcp(service.host, service.port) })),
    );
  }

  getTreeItem({ service, probe }: ServiceNode): vscode.TreeItem {
    const item = new vscode.TreeItem(service.label, vscode.TreeItemCollapsibleState.None);
    item.id = `stack:${service.id}`;
    const address = `${service.host}:${service.port}`;
    item.description = probe.reachable ? `${address} · up` : `${address} · down`;
    item.iconPath = probe.reachable
      ? new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'))
      : new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    item.tooltip = probe.reachable
      ? `${service.label} answers on ${address} (${probe.millis} ms).`
      : `${service.label} does not answer on ${address}: ${probe.error ?? 'unknown'}. Start the stack with "npm run stack:up".`;
    item.contextValue = `stackService.${service.id}`;
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
