/**
 * The Stack view: the services of the bundled local stack and whether each one answers,
 * with Airflow's own components (scheduler, DAG processor, triggerer) under the API server.
 * It lists them once the user has launched or connected to the local stack (or asked to on
 * startup); until then it is empty and the welcome content offers Launch Stack.
 */
import * as vscode from 'vscode';
import { airflowComponentHealth, probeTcp, type AirflowComponentHealth, type ProbeResult } from '../stack/health';
import { localStackServices, type StackService } from '../stack/localStack';

type Node =
  | { type: 'service'; service: StackService; probe: ProbeResult; components: AirflowComponentHealth[] | undefined }
  | { type: 'component'; parentId: string; health: AirflowComponentHealth };

const HEALTHY = new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'));
const UNHEALTHY = new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));

export class StackTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly isShown: () => boolean) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(element?: Node): Promise<Node[]> {
    if (element?.type === 'service') {
      return (element.components ?? []).map((health) => ({ type: 'component', parentId: element.service.id, health }));
    }
    if (element || !this.isShown()) return [];
    return Promise.all(
      localStackServices.map(async (service): Promise<Node> => {
        const probe = await probeTcp(service.host, service.port);
        const components = probe.reachable && service.url ? await airflowComponentHealth(service.url) : undefined;
        return { type: 'service', service, probe, components };
      }),
    );
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.type === 'component') {
      const { component, status } = node.health;
      const item = new vscode.TreeItem(component.replace(/_/g, ' '), vscode.TreeItemCollapsibleState.None);
      item.id = `stack:${node.parentId}:${component}`;
      item.description = status;
      item.iconPath = status === 'healthy' ? HEALTHY : UNHEALTHY;
      return item;
    }
    const { service, probe, components } = node;
    const item = new vscode.TreeItem(
      service.label,
      components && components.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    item.id = `stack:${service.id}`;
    const address = `${service.host}:${service.port}`;
    item.description = probe.reachable ? `${address} · up` : `${address} · down`;
    item.iconPath = probe.reachable ? HEALTHY : UNHEALTHY;
    item.tooltip = probe.reachable
      ? `${service.label} answers on ${address} (${probe.millis} ms).`
      : `${service.label} does not answer on ${address}: ${probe.error ?? 'unknown'}. Run "Kafka Airflow: Launch Stack".`;
    item.contextValue = `stackService.${service.id}`;
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
