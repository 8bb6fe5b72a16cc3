/**
 * Every command id the extension contributes, in one place. A unit test checks this list
 * against package.json both ways, so a command cannot be declared without a handler or
 * registered without a declaration.
 */
export const CommandId = {
  showLog: 'kafkaAirflow.showLog',
  openSettings: 'kafkaAirflow.openSettings',
  openReadme: 'kafkaAirflow.openReadme',
  refreshAll: 'kafkaAirflow.refreshAll',
  addKafkaConnection: 'kafkaAirflow.addKafkaConnection',
  addAirflowConnection: 'kafkaAirflow.addAirflowConnection',
  setHistoryConnection: 'kafkaAirflow.setHistoryConnection',
  connectLocalStack: 'kafkaAirflow.connectLocalStack',
  removeConnection: 'kafkaAirflow.removeConnection',
  launchStack: 'kafkaAirflow.launchStack',
  stopStack: 'kafkaAirflow.stopStack',
  stackLogs: 'kafkaAirflow.stackLogs',
  openAirflowUi: 'kafkaAirflow.openAirflowUi',
} as const;

export type CommandId = (typeof CommandId)[keyof typeof CommandId];

export const COMMAND_PREFIX = 'kafkaAirflow.';
