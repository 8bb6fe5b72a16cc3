/**
 * Typed access to the extension's settings, declared once. Every key used anywhere is in
 * `SettingKey`; its default lives in package.json (the single source), and values are
 * validated by the parsers in src/shared/connections.ts before use.
 */
import * as vscode from 'vscode';
import {
  parseAirflowConnections,
  parseHistoryConnection,
  parseKafkaConnections,
  type AirflowConnection,
  type HistoryConnection,
  type KafkaConnection,
  type Parsed,
} from '../shared/connections';

import { SECTION, SettingKey } from './settings.keys';

export { SettingKey };

function read(key: SettingKey): unknown {
  return vscode.workspace.getConfiguration(SECTION).get<unknown>(key);
}

export const settings = {
  kafkaConnections(): Parsed<KafkaConnection[]> {
    return parseKafkaConnections(read(SettingKey.kafkaConnections));
  },
  airflowConnections(): Parsed<AirflowConnection[]> {
    return parseAirflowConnections(read(SettingKey.airflowConnections));
  },
  historyConnection(): Parsed<HistoryConnection | undefined> {
    return parseHistoryConnection(read(SettingKey.historyConnection));
  },
  kafkaShowInternalTopics(): boolean {
    return read(SettingKey.kafkaShowInternalTopics) === true;
  },
  /** Default of the Message Inspector's "max messages" (1 to 1,000,000). */
  kafkaInspectorMaxMessages(): number {
    const value = read(SettingKey.kafkaInspectorMaxMessages);
    return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? Math.min(value, 1_000_000) : 10_000;
  },
  connectOnStartup(): boolean {
    return read(SettingKey.connectOnStartup) === true;
  },
  requestTimeoutMs(): number {
    const seconds = read(SettingKey.requestTimeoutSeconds);
    return (typeof seconds === 'number' && seconds > 0 ? seconds : 15) * 1000;
  },
  /** Writes a setting to the user (global) settings. */
  async update(key: SettingKey, value: unknown): Promise<void> {
    await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
  },
  /** Fires `listener` when any of the extension's settings changes. */
  onDidChange(listener: () => void): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(SECTION)) listener();
    });
  },
};
