/**
 * The row every tree shows for a settings problem (a connection in the settings that cannot
 * be used, with the sentence saying why): a warning that opens the settings when clicked.
 */
import * as vscode from 'vscode';
import { CommandId } from '../commands/ids';

/** `id` keeps the row's identity across refreshes in trees that give their rows ids. */
export function settingsProblemItem(text: string, id?: string): vscode.TreeItem {
  const item = new vscode.TreeItem(text, vscode.TreeItemCollapsibleState.None);
  if (id !== undefined) item.id = id;
  item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  item.tooltip = `${text}\n\nClick to open the settings.`;
  item.command = { title: 'Open Settings', command: CommandId.openSettings };
  item.contextValue = 'problem';
  return item;
}
