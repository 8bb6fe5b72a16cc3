/**
 * Entry point: wiring only. Creates the log channel, the settings/secrets access and the
 * objects several parts share (the connections, the stack health, the trace connections, the
 * status bars), passes them to the views and to the register* functions of the commands, and
 * returns. No network and no heavy work happens during activation; trees load their data when
 * they are first shown.
 */
import * as vscode from 'vscode';
import { registerAirflowCommands } from './commands/airflow';
import { registerBackfillCommands } from './commands/backfill';
import { registerStackObjectCommands } from './commands/stackObjects';
import { StackServices } from './config/stackServices';
import { XComDocuments } from './views/airflow/xcomDocuments';
import { registerConnectionCommands, connectLocalStack, type ConnectionCommandDeps } from './commands/connections';
import { registerConnectionEditCommands } from './commands/connectionEdit';
import { registerDagGraphCommands } from './commands/dagGraph';
import { registerGeneralCommands } from './commands/general';
import { registerBatchConsumerCommands } from './commands/batchConsumer';
import { registerHistoryCommands } from './commands/history';
import { registerKafkaCommands } from './commands/kafka';
import { registerSchemaCommands } from './commands/schemas';
import { registerStackCommands } from './commands/stack';
import { registerTraceCommands } from './commands/trace';
import { registerPipelineCommands } from './commands/pipelines';
import { PipelinesTreeProvider } from './views/pipelines/pipelinesTree';
import { runWithErrorHandling } from './commands/index';
import { CommandId } from './shared/commandIds';
import { registerStatusCommands } from './commands/status';
import { AirflowConnections } from './config/airflowConnections';
import { HistoryDatabase } from './config/historyConnection';
import { KafkaConnections } from './config/kafkaConnections';
import { SchemaRegistries } from './config/schemaRegistries';
import { Secrets } from './config/secrets';
import { settings } from './config/settings';
import { watchFolderSettings } from './config/folderSettings';
import { StackHealth } from './config/stackHealth';
import { TraceConnections } from './config/traceConnections';
import type * as KafkaServiceModule from './kafka/kafkaService';
import { HistoryDocuments } from './views/history/historyDocuments';
import { HistoryTreeProvider } from './views/history/historyTree';
import { KafkaTreeProvider } from './views/kafka/kafkaTree';
import { DagsTreeProvider } from './views/airflow/dagsTree';
import { registerDagAuthoringCommands } from './commands/dagAuthoring';
import { DagFileChecker } from './stack/dagCheck';
import { DagCheckOnSave } from './views/airflow/dagCheckOnSave';
import { DagCodeLensProvider } from './views/airflow/dagCodeLens';
import { DagDiagnostics } from './views/airflow/dagDiagnostics';
import { DagServerState } from './views/airflow/dagServerState';
import { DagSourceDocuments } from './views/airflow/dagSourceDocuments';
import { WorkspaceDagFolders } from './views/airflow/workspaceDagFolders';
import { DatasetsTreeProvider } from './views/airflow/datasetsTree';
import { StackTreeProvider } from './views/stackTree';
import { StackStatusBar } from './views/stackStatusBar';
import { AirflowStatusBar } from './views/airflowStatusBar';
import type { StackKind } from './stack/launcher';
import { summarizeStack } from './stack/stackSummary';
import { ContextKey } from './shared/contextKeys';
import { openWalkthroughOnFirstInstall, setContextKey, syncContextKey } from './views/contextKeys';

const LOCAL_STACK_IN_USE = 'kafkaAirflow.localStackInUse';
const LAST_STACK_KIND = 'kafkaAirflow.lastStackKind';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Kafka Airflow Workbench', { log: true });
  const secrets = new Secrets(context.secrets, context.globalState);
  // Secrets that earlier releases kept by connection name move to identity-bound keys (no network).
  void runWithErrorHandling(log, 'Move saved credentials to identity-bound keys', async () => {
    const migrated = await secrets.migrateLegacy(settings.userConnections(), settings.workspaceConnectionNames());
    if (migrated > 0) log.info(`Moved ${migrated} saved credential(s) to keys bound to what they unlock`);
  });
  const localStackInUse = (): boolean =>
    context.globalState.get<boolean>(LOCAL_STACK_IN_USE, false) || settings.connectOnStartup();

  // The Kafka client (KafkaService with its readers, producer and codecs) loads with the first
  // connection used, from its own file (esbuild.js lazyChunks), as kafkajs does.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use
  const kafkaService = (): typeof KafkaServiceModule.KafkaService => (require('./kafka/kafkaService') as typeof KafkaServiceModule).KafkaService;
  const kafka = new KafkaConnections(secrets, log, (config, logger) => new (kafkaService())(config, logger));
  const registries = new SchemaRegistries(secrets, log, kafka);
  const kafkaTree = new KafkaTreeProvider(kafka, log, () => settings.requestTimeoutMs(), () => settings.kafkaShowInternalTopics(), registries);
  const airflow = new AirflowConnections(secrets, log, context.globalState);
  const dagsTree = new DagsTreeProvider(airflow, log);
  const datasetsTree = new DatasetsTreeProvider(airflow, log);
  const xcoms = new XComDocuments(airflow, log);
  // Writing DAGs: the workspace's DAG folders on the stack, the server's word on them (polled
  // while the DAGs view or a DAG file is visible), diagnostics, the local check and CodeLens.
  const dagsView = dagsTree.createView('kafkaAirflow.dags', { canSelectMany: true });
  const stackNative = vscode.Uri.joinPath(context.extensionUri, 'stack', 'native');
  const dagFolders = new WorkspaceDagFolders(vscode.Uri.joinPath(stackNative, 'stack.sh').fsPath, log);
  const dagState = new DagServerState(airflow, dagFolders, log);
  dagState.attachView(dagsView);
  const dagDiagnostics = new DagDiagnostics(dagState, dagFolders, log);
  const dagChecker = new DagFileChecker({
    stackScript: vscode.Uri.joinPath(stackNative, 'stack.sh').fsPath, parseScript: vscode.Uri.joinPath(stackNative, 'parse_dag_file.py').fsPath, logger: log,
  });
  const dagCheckOnSave = new DagCheckOnSave(dagChecker, dagFolders, dagDiagnostics, dagState, log);
  const dagCodeLens = new DagCodeLensProvider(dagState, (file) => dagCheckOnSave.dagIdsOf(file));
  const dagSources = new DagSourceDocuments();
  const history = new HistoryDatabase(secrets, log);
  const historyTree = new HistoryTreeProvider(history, log);
  const historyDocuments = new HistoryDocuments(history, log);
  const traceDeps = { log, extensionUri: context.extensionUri, secrets, airflow, kafka };
  const traceConnections = new TraceConnections(traceDeps);
  const pipelinesTree = new PipelinesTreeProvider(
    () => traceConnections.pipelineReader(), () => settings.pipelinesRefreshMs(), log,
    () => kafka.list().value.length > 0 || airflow.list().value.length > 0 || history.connection().value !== undefined,
  );
  const stackHealth = new StackHealth({
    log,
    extensionUri: context.extensionUri,
    storageUri: context.globalStorageUri,
    lastKind: () => context.globalState.get<StackKind>(LAST_STACK_KIND),
  });
  const stackServices = new StackServices(vscode.Uri.joinPath(stackNative, 'stack.sh').fsPath, secrets, log);
  const stackTree = new StackTreeProvider(stackHealth.monitor, localStackInUse, () => stackHealth.kindLabel(), stackServices, log);
  const stackStatusBar = new StackStatusBar(stackHealth.monitor, localStackInUse, () => stackHealth.kindLabel(), CommandId.showConnections);
  const airflowStatusBar = new AirflowStatusBar(airflow, CommandId.showAirflowStatus, CommandId.reenterAirflowPassword);
  const trees = [kafkaTree, dagsTree, datasetsTree, historyTree, stackTree, pipelinesTree];
  const refreshAll = (): void => {
    for (const tree of trees) void tree.refresh();
  };

  const deps: ConnectionCommandDeps = {
    log,
    secrets,
    refreshAll,
    setLocalStackInUse: async (inUse) => {
      await context.globalState.update(LOCAL_STACK_IN_USE, inUse);
      setContextKey(ContextKey.localStackInUse, localStackInUse(), log);
      stackStatusBar.update();
      // The Stack view, the status bar and the walkthrough's first step follow the new answer.
      if (inUse) void stackHealth.monitor.check();
    },
  };
  const onSettings: vscode.Event<unknown> = (listener) => settings.onDidChange(() => { listener(undefined); });
  const onStackHealth: vscode.Event<unknown> = (listener) => {
    const handle = stackHealth.monitor.onDidChange(listener);
    return new vscode.Disposable(() => { handle.dispose(); });
  };

  context.subscriptions.push(
    log,
    ...trees,
    kafka,
    registries,
    kafkaTree.createView('kafkaAirflow.kafka'),
    airflow,
    dagsView,
    datasetsTree.createView('kafkaAirflow.datasets'),
    history,
    historyDocuments,
    historyTree.createView('kafkaAirflow.history'),
    stackHealth,
    stackStatusBar,
    airflowStatusBar,
    stackTree.createView('kafkaAirflow.stack'),
    ...registerGeneralCommands({ log, extensionUri: context.extensionUri, extensionId: context.extension.id, refreshAll }),
    ...registerConnectionCommands(deps),
    ...registerStatusCommands({ log, kafka, airflow, history, monitor: stackHealth.monitor, localStackInUse, refreshAll }),
    ...registerConnectionEditCommands({ log, secrets, refreshAll, kafka, airflow, history, registries }),
    ...registerStackCommands({
      ...deps,
      extensionUri: context.extensionUri,
      storageUri: context.globalStorageUri,
      lastKind: () => context.globalState.get<StackKind>(LAST_STACK_KIND),
      setLastKind: (kind) => context.globalState.update(LAST_STACK_KIND, kind),
    }, stackHealth),
    xcoms,
    ...registerAirflowCommands({
      log, extensionUri: context.extensionUri, secrets, connections: airflow, dagsTree, datasetsTree, state: context.globalState, xcoms,
    }, airflowStatusBar),
    ...registerDagGraphCommands({
      log, extensionUri: context.extensionUri, secrets, connections: airflow, dagsTree, datasetsTree, state: context.globalState, xcoms,
    }),
    ...registerStackObjectCommands({ log, extensionUri: context.extensionUri, services: stackServices }),
    ...registerBackfillCommands({
      log, extensionUri: context.extensionUri, secrets, connections: airflow, dagsTree, datasetsTree, state: context.globalState, xcoms,
    }),
    ...registerKafkaCommands({ log, extensionUri: context.extensionUri, secrets, connections: kafka, tree: kafkaTree, registries }),
    ...registerSchemaCommands({ log, secrets, connections: kafka, registries, tree: kafkaTree }),
    ...registerHistoryCommands({ log, extensionUri: context.extensionUri, database: history, tree: historyTree, documents: historyDocuments }),
    traceConnections,
    ...registerTraceCommands(traceDeps, traceConnections),
    ...registerBatchConsumerCommands({ ...traceDeps, kafka }, traceConnections),
    pipelinesTree.createView('kafkaAirflow.pipelines'),
    ...registerPipelineCommands({ ...traceDeps, tree: pipelinesTree, stackKind: () => stackHealth.kind() }, traceConnections),
    dagFolders, dagState, dagDiagnostics, { dispose: () => { dagChecker.dispose(); } }, dagCheckOnSave, dagCodeLens, dagCodeLens.register(), dagSources,
    dagCheckOnSave.onDidFindDagIds(() => { dagCodeLens.refresh(); }),
    dagFolders.onDidChange(() => { dagsView.message = dagFolders.viewMessage(); }),
    ...registerDagAuthoringCommands({
      log, connections: airflow, dagsTree, folders: dagFolders, state: dagState, diagnostics: dagDiagnostics, checkOnSave: dagCheckOnSave, sources: dagSources,
    }),
    settings.onDidChange(refreshAll),
    watchFolderSettings(log, refreshAll),
    // Context keys for enablement, menus and the walkthrough's completion events (no network).
    syncContextKey(ContextKey.kafkaConfigured, () => kafka.list().value.length > 0, [kafka.onDidChange, onSettings], log),
    syncContextKey(ContextKey.airflowConfigured, () => airflow.list().value.length > 0, [airflow.onDidChange, onSettings], log),
    syncContextKey(ContextKey.historyConfigured, () => history.connection().value !== undefined, [history.onDidChange, onSettings], log),
    syncContextKey(ContextKey.localStackInUse, localStackInUse, [onSettings], log),
    syncContextKey(ContextKey.stackHealthy, () => {
      const services = stackHealth.monitor.latest;
      return services !== undefined && services.length > 0 && summarizeStack(services).overall === 'healthy';
    }, [onStackHealth], log),
  );
  openWalkthroughOnFirstInstall(context, log);

  if (settings.connectOnStartup() && settings.kafkaConnections().value.length === 0) {
    void runWithErrorHandling(log, 'Connect to local stack on startup', () => connectLocalStack(deps, true));
  }
  const { version } = context.extension.packageJSON as { version?: string };
  log.info(`Kafka Airflow Workbench ${version ?? ''} activated`);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
