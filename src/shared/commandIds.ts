/**
 * Every command id the extension contributes, in one place. A unit test checks this list
 * against package.json both ways, so a command cannot be declared without a handler or
 * registered without a declaration, and test/unit/commandIds.test.ts fails on a command id
 * written anywhere else. Every layer may import this table (it imports nothing itself).
 */
export const CommandId = {
  showLog: 'kafkaAirflow.showLog',
  openSettings: 'kafkaAirflow.openSettings',
  openReadme: 'kafkaAirflow.openReadme',
  openWalkthrough: 'kafkaAirflow.openWalkthrough',
  refreshAll: 'kafkaAirflow.refreshAll',
  showConnections: 'kafkaAirflow.showConnections',
  addKafkaConnection: 'kafkaAirflow.addKafkaConnection',
  addAirflowConnection: 'kafkaAirflow.addAirflowConnection',
  setHistoryConnection: 'kafkaAirflow.setHistoryConnection',
  connectLocalStack: 'kafkaAirflow.connectLocalStack',
  removeConnection: 'kafkaAirflow.removeConnection',
  // On a connection's row (src/commands/connectionEdit.ts; hidden from the palette)
  editConnection: 'kafkaAirflow.editConnection',
  duplicateConnection: 'kafkaAirflow.duplicateConnection',
  testConnection: 'kafkaAirflow.testConnection',
  launchStack: 'kafkaAirflow.launchStack',
  stopStack: 'kafkaAirflow.stopStack',
  stackLogs: 'kafkaAirflow.stackLogs',
  stackServiceLogs: 'kafkaAirflow.stackServiceLogs',
  openAirflowUi: 'kafkaAirflow.openAirflowUi',
  // Airflow in the editor (src/commands/airflow.ts)
  triggerDag: 'kafkaAirflow.triggerDag',
  pauseDag: 'kafkaAirflow.pauseDag',
  unpauseDag: 'kafkaAirflow.unpauseDag',
  openDagInAirflowUi: 'kafkaAirflow.openDagInAirflowUi',
  clearTask: 'kafkaAirflow.clearTask',
  filterDags: 'kafkaAirflow.filterDags',
  clearDagFilter: 'kafkaAirflow.clearDagFilter',
  openTaskLog: 'kafkaAirflow.openTaskLog',
  showImportError: 'kafkaAirflow.showImportError',
  retryAirflowLoad: 'kafkaAirflow.retryAirflowLoad',
  reenterAirflowPassword: 'kafkaAirflow.reenterAirflowPassword',
  showAirflowStatus: 'kafkaAirflow.showAirflowStatus',
  fireDatasetEvent: 'kafkaAirflow.fireDatasetEvent',
  fireDatasetEventOnDataset: 'kafkaAirflow.fireDatasetEventOnDataset',
  revealInDagsTree: 'kafkaAirflow.revealInDagsTree',
  openDagGraph: 'kafkaAirflow.openDagGraph',
  // Writing DAGs in the editor (src/commands/dagAuthoring.ts)
  triggerDagFromCode: 'kafkaAirflow.triggerDagFromCode',
  testDag: 'kafkaAirflow.testDag',
  openDagSource: 'kafkaAirflow.openDagSource',
  checkDagFile: 'kafkaAirflow.checkDagFile',
  // Kafka in the editor (src/commands/kafka.ts)
  produceTestMessages: 'kafkaAirflow.produceTestMessages',
  openMessageInspector: 'kafkaAirflow.openMessageInspector',
  produceToTopic: 'kafkaAirflow.produceToTopic',
  inspectTopic: 'kafkaAirflow.inspectTopic',
  createTopic: 'kafkaAirflow.createTopic',
  createTopicOnCluster: 'kafkaAirflow.createTopicOnCluster',
  deleteTopic: 'kafkaAirflow.deleteTopic',
  resetGroupOffsets: 'kafkaAirflow.resetGroupOffsets',
  copyKafkaName: 'kafkaAirflow.copyKafkaName',
  filterKafka: 'kafkaAirflow.filterKafka',
  clearKafkaFilter: 'kafkaAirflow.clearKafkaFilter',
  retryKafkaConnection: 'kafkaAirflow.retryKafkaConnection',
  refreshKafkaItem: 'kafkaAirflow.refreshKafkaItem',
  enterKafkaPassword: 'kafkaAirflow.enterKafkaPassword',
  produceFromTemplate: 'kafkaAirflow.produceFromTemplate',
  // Message history (src/commands/history.ts)
  searchHistory: 'kafkaAirflow.searchHistory',
  searchHistoryIn: 'kafkaAirflow.searchHistoryIn',
  clearHistorySearch: 'kafkaAirflow.clearHistorySearch',
  loadMoreHistory: 'kafkaAirflow.loadMoreHistory',
  retryHistoryLoad: 'kafkaAirflow.retryHistoryLoad',
  openHistoryMessage: 'kafkaAirflow.openHistoryMessage',
  openHistoryInInspector: 'kafkaAirflow.openHistoryInInspector',
  // Batch consumer and trace (src/commands/batchConsumer.ts, src/commands/trace.ts)
  startBatchConsumer: 'kafkaAirflow.startBatchConsumer',
  produceAndRun: 'kafkaAirflow.produceAndRun',
  traceMessage: 'kafkaAirflow.traceMessage',
  // The same from a tree row's context menu (hidden from the palette)
  startBatchConsumerOnTopic: 'kafkaAirflow.startBatchConsumerOnTopic',
  produceAndRunOnTopic: 'kafkaAirflow.produceAndRunOnTopic',
  traceHistoryRow: 'kafkaAirflow.traceHistoryRow',
  // Schemas under each Kafka connection (src/commands/schemas.ts)
  registerSchema: 'kafkaAirflow.registerSchema',
  registerSchemaFromFile: 'kafkaAirflow.registerSchemaFromFile',
  openSchemaVersion: 'kafkaAirflow.openSchemaVersion',
  compareSchemaVersions: 'kafkaAirflow.compareSchemaVersions',
  setSchemaCompatibility: 'kafkaAirflow.setSchemaCompatibility',
  deleteSchemaSubject: 'kafkaAirflow.deleteSchemaSubject',
  deleteSchemaVersion: 'kafkaAirflow.deleteSchemaVersion',
  enterSchemaRegistrySecret: 'kafkaAirflow.enterSchemaRegistrySecret',
  backfillDag: 'kafkaAirflow.backfillDag',
  openBackfill: 'kafkaAirflow.openBackfill',
  pauseBackfill: 'kafkaAirflow.pauseBackfill',
  resumeBackfill: 'kafkaAirflow.resumeBackfill',
  cancelBackfill: 'kafkaAirflow.cancelBackfill',
  openXCom: 'kafkaAirflow.openXCom',
  materializeAsset: 'kafkaAirflow.materializeAsset',
  previewObject: 'kafkaAirflow.previewObject',
  openMailMessage: 'kafkaAirflow.openMailMessage',
  // The Pipelines view (src/commands/pipelines.ts)
  refreshPipelines: 'kafkaAirflow.refreshPipelines',
  startPipeline: 'kafkaAirflow.startPipeline',
  tracePipelineMessage: 'kafkaAirflow.tracePipelineMessage',
  showSparkLog: 'kafkaAirflow.showSparkLog',
  // On a stage's row (hidden from the palette)
  openPipelineStage: 'kafkaAirflow.openPipelineStage',
  startPipelineFromView: 'kafkaAirflow.startPipelineFromView',
  tracePipelineMessageFromView: 'kafkaAirflow.tracePipelineMessageFromView',
  showSparkLogFromView: 'kafkaAirflow.showSparkLogFromView',
} as const;

export type CommandId = (typeof CommandId)[keyof typeof CommandId];

/** Commands VS Code makes for our views (`<view id>.focus`): run, never registered or declared. */
export const ViewFocusCommandId = {
  stack: 'kafkaAirflow.stack.focus',
  history: 'kafkaAirflow.history.focus',
} as const;

export const COMMAND_PREFIX = 'kafkaAirflow.';
