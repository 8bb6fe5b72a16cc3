/** Commands that belong to no single system: the log, settings, README, the walkthrough and refreshing every view. */
import * as vscode from 'vscode';
import { registerCommand } from './index';
import { CommandId } from '../shared/commandIds';
import { openWalkthrough } from '../views/contextKeys';

export interface GeneralCommandDeps {
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  /** `<publisher>.<name>`, which the walkthrough's id starts with. */
  extensionId: string;
  refreshAll: () => void;
}

export function registerGeneralCommands({ log, extensionUri, extensionId, refreshAll }: GeneralCommandDeps): vscode.Disposable[] {
  return [
    registerCommand(log, CommandId.showLog, () => {
      log.show();
    }),
    registerCommand(log, CommandId.openSettings, () =>
      vscode.commands.executeCommand('workbench.action.openSettings', '@ext:kafka-airflow-workbench.kafka-airflow-workbench'),
    ),
    registerCommand(log, CommandId.openReadme, () =>
      vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.joinPath(extensionUri, 'README.md')),
    ),
    registerCommand(log, CommandId.openWalkthrough, () => openWalkthrough(extensionId)),
    registerCommand(log, CommandId.refreshAll, () => {
      refreshAll();
    }),
  ];
}
