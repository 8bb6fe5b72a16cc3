/**
 * The row every tree shows for a settings problem (a connection in the settings that cannot
 * be used, with the sentence saying why): a warning that opens the settings when clicked.
 */
import * as vscode from 'vscode';
import { CommandId } from '../shared/commandIds';
import { RESTRICTED_MODE_PREFIX } from '../shared/connections';

/** `id` keeps the row's identity across refreshes in trees that give their rows ids. */
export function settingsProblemItem(text: string, id?: string): vscode.TreeItem {
  const item = new vscode.TreeItem(text, vscode.TreeItemCollapsibleState.None);
  if (id !== undefined) item.id = id;
  if (text.startsWith(RESTRICTED_MODE_PREFIX)) {
    // An untrusted folder's connections: shown, not used; trusting the folder enables them.
    item.iconPath = new vscode.ThemeIcon('shield', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    item.tooltip = `${text}\n\n${vscode.l10n.t('In Restricted Mode the workbench uses only the connections of your user settings, so a folder you opened cannot send your saved passwords elsewhere or run anything. Trusting the folder lets its connections be used; each still asks for its own password.')}\n\n${vscode.l10n.t('Click to manage workspace trust.')}`;
    item.command = { title: vscode.l10n.t('Manage Workspace Trust'), command: 'workbench.trust.manage' };
    item.contextValue = 'restrictedMode';
    return item;
  }
  item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  item.tooltip = `${text}\n\n${vscode.l10n.t('Click to open the settings.')}`;
  item.command = { title: vscode.l10n.t('Open Settings'), command: CommandId.openSettings };
  item.contextValue = 'problem';
  return item;
}
