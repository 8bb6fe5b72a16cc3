/**
 * The keys of every setting the extension reads, under the `kafkaAirflow.` section. Kept
 * apart from settings.ts (which imports vscode) so unit tests can check them against
 * package.json.
 */
export const SECTION = 'kafkaAirflow';

export const SettingKey = {
  kafkaConnections: 'kafka.connections',
  kafkaShowInternalTopics: 'kafka.showInternalTopics',
  kafkaInspectorMaxMessages: 'kafka.inspectorMaxMessages',
  kafkaInspectorMemoryMB: 'kafka.inspectorMemoryMB',
  kafkaIdempotentProducer: 'kafka.idempotentProducer',
  airflowConnections: 'airflow.connections',
  historyConnection: 'history.connection',
  connectOnStartup: 'stack.connectOnStartup',
  requestTimeoutSeconds: 'requestTimeoutSeconds',
  stackDagFolders: 'stack.dagFolders',
  dagsCheckOnSave: 'dags.checkOnSave',
  pipelinesSourceApiUrl: 'pipelines.sourceApiUrl',
  pipelinesSparkCheckpointDir: 'pipelines.sparkCheckpointDir',
  pipelinesRefreshSeconds: 'pipelines.refreshSeconds',
} as const;

export type SettingKey = (typeof SettingKey)[keyof typeof SettingKey];
