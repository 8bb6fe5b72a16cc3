/**
 * Entry point: wiring only. Creates the log channel and the settings/secrets access,
 * registers the views and commands, and returns. No network and no heavy work happens
 * during activation; trees load their data when they are first shown.
 */
import * as vscode from 'vscode';
import { registerConnectionCommands, connectLocalStack, type ConnectionCommandDeps } from './commands/connections';
import { registerGeneralCommands } from './commands/general';
import { registerStackCommands } from './commands/stack';
import { runWithErrorHandling } from './commands/index';
import { Secrets } from './config/secrets';
import { settings } from './config/settings';
import { ConnectionsTreeProvider, type ConnectionListing } from './views/connectionsTree';
import { StackTreeProvider } from './views/stackTree';
import type { StackKind } from './stack/launcher';

const LOCAL_STACK_IN_USE = 'kafkaAirflow.localStackInUse';
const LAST_STACK_KIND = 'kafkaAirflow.lastStackKind';

function kafkaListing(): ConnectionListing {
  const { value, problems } = settings.kafkaConnections();
  return {
    problems,
    rows: value.map((c) => ({
      kind: 'kafka',
      name: c.name,
      description: c.brokers.join(', '),
      tooltip: `Brokers: ${c.brokers.join(', ')}\nSecurity: ${c.ssl ? 'TLS' : 'plaintext'}${c.saslMechanism === 'none' ? '' : `, SASL ${c.saslMechanism} as ${c.saslUsername ?? '?'}`}`,
      icon: 'server',
    })),
  };
}

function airflowListing(): ConnectionListing {
  const { value, problems } = settings.airflowConnections();
  return {
    problems,
    rows: value.map((c) => ({
      kind: 'airflow',
      name: c.name,
      description: c.url,
      tooltip: `${c.url}\nSigns in with ${c.auth === 'token' ? 'a bearer token' : `user ${c.username ?? '?'}`}`,
      icon: 'cloud',
    })),
  };
}

function historyListing(): ConnectionListing {
  const { value, problems } = settings.historyConnection();
  return {
    problems,
    rows: value
      ? [{
          kind: 'history',
          name: value.database,
          description: `${value.user}@${value.host}:${value.port}`,
          tooltip: `PostgreSQL ${value.host}:${value.port}, database ${value.database}, user ${value.user}`,
          icon: 'database',
        }]
      : [],
  };
}

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Kafka Airflow Workbench', { log: true });
  const secrets = new Secrets(context.secrets);
  const localStackInUse = (): boolean =>
    context.globalState.get<boolean>(LOCAL_STACK_IN_USE, false) || settings.connectOnStartup();

  const kafkaTree = new ConnectionsTreeProvider(kafkaListing);
  const dagsTree = new ConnectionsTreeProvider(airflowListing);
  const datasetsTree = new ConnectionsTreeProvider(airflowListing);
  const historyTree = new ConnectionsTreeProvider(historyListing);
  const stackTree = new StackTreeProvider(localStackInUse);
  const trees = [kafkaTree, dagsTree, datasetsTree, historyTree, stackTree];
  const refreshAll = (): void => {
    for (const tree of trees) tree.refresh();
  };

  const deps: ConnectionCommandDeps = {
    log,
    secrets,
    refreshAll,
    setLocalStackInUse: (inUse) => context.globalState.update(LOCAL_STACK_IN_USE, inUse),
  };

  context.subscriptions.push(
    log,
    ...trees,
    vscode.window.createTreeView('kafkaAirflow.kafka', { treeDataProvider: kafkaTree, showCollapseAll: true }),
    vscode.window.createTreeView('kafkaAirflow.dags', { treeDataProvider: dagsTree, showCollapseAll: true }),
    vscode.window.createTreeView('kafkaAirflow.datasets', { treeDataProvider: datasetsTree, showCollapseAll: true }),
    vscode.window.createTreeView('kafkaAirflow.history', { treeDataProvider: historyTree, showCollapseAll: true }),
    vscode.window.createTreeView('kafkaAirflow.stack', { treeDataProvider: stackTree }),
    ...registerGeneralCommands({ log, extensionUri: context.extensionUri, refreshAll }),
    ...registerConnectionCommands(deps),
    ...registerStackCommands({
      ...deps,
      extensionUri: context.extensionUri,
      lastKind: () => context.globalState.get<StackKind>(LAST_STACK_KIND),
      setLastKind: (kind) => context.globalState.update(LAST_STACK_KIND, kind),
    }),
    settings.onDidChange(refreshAll),
  );

  if (settings.connectOnStartup() && settings.kafkaConnections().value.length === 0) {
    void runWithErrorHandling(log, 'Connect to local stack on startup', () => connectLocalStack(deps, true));
  }
  const { version } = context.extension.packageJSON as { version?: string };
  log.info(`Kafka Airflow Workbench ${version ?? ''} activated`);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
