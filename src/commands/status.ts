/**
 * Show Connections: a quick pick of what is connected (Kafka clusters, Airflow servers, the
 * history database, the local stack) with actions on each; the stack status bar item opens
 * it. The rows come from src/shared/statusOverview.ts; this module gathers the snapshot and
 * runs the picked action through the commands that already do it.
 */
import * as vscode from 'vscode';
import type { AirflowConnections } from '../config/airflowConnections';
import type { HistoryDatabase } from '../config/historyConnection';
import type { KafkaConnections } from '../config/kafkaConnections';
import type { StackHealthMonitor } from '../stack/healthMonitor';
import { statusBarText } from '../stack/stackSummary';
import { statusRows, type StatusAction, type StatusSnapshot } from '../shared/statusOverview';
import { connectionStatusText } from '../airflow/presentation';
import { registerCommand } from './index';
import { CommandId, ViewFocusCommandId } from '../shared/commandIds';


export interface StatusCommandDeps {
  log: vscode.LogOutputChannel;
  kafka: KafkaConnections;
  airflow: AirflowConnections;
  history: HistoryDatabase;
  monitor: StackHealthMonitor;
  localStackInUse: () => boolean;
  refreshAll: () => void;
}

function snapshot(deps: StatusCommandDeps): StatusSnapshot {
  const active = deps.airflow.active()?.name;
  const history = deps.history.connection().value;
  return {
    kafka: deps.kafka.list().value.map((c) => ({ name: c.name, brokers: c.brokers, connected: deps.kafka.connected(c.name) })),
    airflow: deps.airflow.list().value.map((c) => ({ name: c.name, url: c.url, active: c.name === active, status: connectionStatusText(deps.airflow.status(c.name)) })),
    history: history ? { address: `${history.user}@${history.host}:${history.port}/${history.database}`, connected: deps.history.connected } : undefined,
    stack: { inUse: deps.localStackInUse(), summary: deps.monitor.latest ? statusBarText(deps.monitor.latest, deps.monitor.launching).replace(/\$\([^)]*\)\s*/g, '') : undefined },
  };
}

async function run(deps: StatusCommandDeps, action: StatusAction): Promise<unknown> {
  switch (action.kind) {
    case 'addKafka': return vscode.commands.executeCommand(CommandId.addKafkaConnection);
    case 'reconnectKafka':
      deps.kafka.reconnect(action.name);
      deps.log.info(`Connecting again to Kafka "${action.name}" (from Show Connections)`);
      return undefined;
    case 'addAirflow': return vscode.commands.executeCommand(CommandId.addAirflowConnection);
    case 'airflowStatus': return vscode.commands.executeCommand(CommandId.showAirflowStatus);
    case 'setHistory': return vscode.commands.executeCommand(CommandId.setHistoryConnection);
    case 'reconnectHistory':
      deps.history.reconnect();
      deps.refreshAll();
      return undefined;
    case 'connectLocalStack': return vscode.commands.executeCommand(CommandId.connectLocalStack);
    case 'launchStack': return vscode.commands.executeCommand(CommandId.launchStack);
    case 'stopStack': return vscode.commands.executeCommand(CommandId.stopStack);
    case 'openStackView': return vscode.commands.executeCommand(ViewFocusCommandId.stack);
    case 'refreshAll': deps.refreshAll(); return undefined;
    case 'showLog': deps.log.show(); return undefined;
  }
}

async function showConnections(deps: StatusCommandDeps): Promise<void> {
  type Item = vscode.QuickPickItem & { action?: StatusAction };
  const items: Item[] = statusRows(snapshot(deps), vscode.l10n.t).map((row): Item => 'separator' in row
    ? { label: row.separator, kind: vscode.QuickPickItemKind.Separator }
    : { label: row.label, description: row.description, detail: row.detail, action: row.action });
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Kafka Airflow: Connections'), placeHolder: vscode.l10n.t('What is connected; pick one for its action'), matchOnDescription: true });
  if (picked?.action) await run(deps, picked.action);
}

export function registerStatusCommands(deps: StatusCommandDeps): vscode.Disposable[] {
  return [registerCommand(deps.log, CommandId.showConnections, () => showConnections(deps))];
}
