/**
 * A tree whose top level lists configured connections, plus one warning row for each
 * setting that could not be used (so a typo in settings.json is visible where the user
 * looks, not only in the log). When nothing is configured it returns no rows, which lets
 * the view's welcome content tell the user what to do.
 */
import * as vscode from 'vscode';
import { settingsProblemItem } from './settingsProblemItem';

export interface ConnectionRow {
  /** Context value suffix: the row's contextValue is `connection.<kind>`. */
  kind: 'kafka' | 'airflow' | 'history';
  name: string;
  description: string;
  tooltip: string;
  icon: string;
}

export interface ConnectionListing {
  rows: ConnectionRow[];
  problems: string[];
}

type Node = { type: 'connection'; row: ConnectionRow } | { type: 'problem'; text: string };

export class ConnectionsTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly list: () => ConnectionListing) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(element?: Node): Node[] {
    if (element) return [];
    const { rows, problems } = this.list();
    return [
      ...problems.map((text): Node => ({ type: 'problem', text })),
      ...rows.map((row): Node => ({ type: 'connection', row })),
    ];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.type === 'problem') return settingsProblemItem(node.text);
    const { row } = node;
    const item = new vscode.TreeItem(row.name, vscode.TreeItemCollapsibleState.None);
    item.id = `${row.kind}:${row.name}`;
    item.description = row.description;
    item.tooltip = row.tooltip;
    item.iconPath = new vscode.ThemeIcon(row.icon);
    item.contextValue = `connection.${row.kind}`;
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
