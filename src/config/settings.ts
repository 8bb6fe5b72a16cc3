/**
 * Typed access to the extension's settings, declared once. Every key used anywhere is in
 * `SettingKey`; its default lives in package.json (the single source), and values are
 * validated by the parsers in src/shared/connections.ts before use.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import { defaultSparkCheckpointDir } from '../pipelines/checkpointDir';
import {
  effectiveSetting,
  parseAirflowConnections,
  parseHistoryConnection,
  parseKafkaConnections,
  type AirflowConnection,
  type HistoryConnection,
  type KafkaConnection,
  type Parsed,
  restrictedModeNote,
  type ScopedValues,
  type SettingOrigin,
} from '../shared/connections';

import { folderSettingValue } from './folderSettings';
import { SECTION, SettingKey } from './settings.keys';

export { SettingKey };

function read(key: SettingKey): unknown {
  return vscode.workspace.getConfiguration(SECTION).get<unknown>(key);
}

/** A parsed connection setting with where it came from. */
export type ScopedParsed<T> = Parsed<T> & { origin: SettingOrigin };

/**
 * Reads a setting that names where credentials are sent (package.json lists it under
 * `restrictedConfigurations`): in an untrusted workspace the folder's value is not used,
 * only shown, as a Restricted Mode note among the problems.
 */
function readRestricted<T>(key: SettingKey, parse: (raw: unknown) => Parsed<T>, ignoredNames: (value: T) => string[], what: string): ScopedParsed<T> {
  const inspected: ScopedValues = vscode.workspace.getConfiguration(SECTION).inspect<unknown>(key) ?? {};
  const trusted = vscode.workspace.isTrusted;
  // In Restricted Mode VS Code hides the folder's value; the folder's files say what it is.
  const scoped = trusted || inspected.workspaceValue !== undefined || inspected.workspaceFolderValue !== undefined
    ? inspected
    : { ...inspected, workspaceValue: folderSettingValue(key) };
  const effective = effectiveSetting(scoped, trusted);
  const parsed = parse(effective.value);
  const problems = [...parsed.problems];
  if (effective.ignored !== undefined) {
    const names = ignoredNames(parse(effective.ignored).value);
    if (names.length > 0) problems.unshift(restrictedModeNote(what, names));
  }
  return { value: parsed.value, problems, origin: effective.origin };
}

const connectionNames = (list: { name: string }[]): string[] => list.map((c) => c.name);

export const settings = {
  kafkaConnections(): ScopedParsed<KafkaConnection[]> {
    return readRestricted(SettingKey.kafkaConnections, parseKafkaConnections, connectionNames, 'Kafka connection');
  },
  airflowConnections(): ScopedParsed<AirflowConnection[]> {
    return readRestricted(SettingKey.airflowConnections, parseAirflowConnections, connectionNames, 'Airflow connection');
  },
  historyConnection(): ScopedParsed<HistoryConnection | undefined> {
    return readRestricted(SettingKey.historyConnection, parseHistoryConnection,
      (value) => (value ? [`${value.user}@${value.host}:${value.port}/${value.database}`] : []), 'history database');
  },
  /** The user's own connections (user settings only): what a migration may bind old secrets to. */
  userConnections(): { kafka: KafkaConnection[]; airflow: AirflowConnection[]; history: HistoryConnection | undefined } {
    const config = vscode.workspace.getConfiguration(SECTION);
    return {
      kafka: parseKafkaConnections(config.inspect(SettingKey.kafkaConnections)?.globalValue).value,
      airflow: parseAirflowConnections(config.inspect(SettingKey.airflowConnections)?.globalValue).value,
      history: parseHistoryConnection(config.inspect(SettingKey.historyConnection)?.globalValue).value,
    };
  },
  /** Names of connections that a folder's settings define (used or not). */
  workspaceConnectionNames(): { kafka: string[]; airflow: string[] } {
    const config = vscode.workspace.getConfiguration(SECTION);
    const names = (key: SettingKey, parse: (raw: unknown) => Parsed<{ name: string }[]>): string[] => {
      const inspected = config.inspect(key);
      return [inspected?.workspaceValue, inspected?.workspaceFolderValue].flatMap((raw) => connectionNames(parse(raw).value));
    };
    return { kafka: names(SettingKey.kafkaConnections, parseKafkaConnections), airflow: names(SettingKey.airflowConnections, parseAirflowConnections) };
  },
  kafkaShowInternalTopics(): boolean {
    return read(SettingKey.kafkaShowInternalTopics) === true;
  },
  /** Whether produce runs are idempotent (acks=all, sequence numbers, no duplicates after a retry). */
  kafkaIdempotentProducer(): boolean {
    return read(SettingKey.kafkaIdempotentProducer) !== false;
  },
  /** Default of the Message Inspector's "max messages" (1 to 1,000,000). */
  kafkaInspectorMaxMessages(): number {
    const value = read(SettingKey.kafkaInspectorMaxMessages);
    return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? Math.min(value, 1_000_000) : 10_000;
  },
  /** The Message Inspector's memory bound per panel, in bytes (kafkaAirflow.kafka.inspectorMemoryMB, 16 to 4,096 MB). */
  kafkaInspectorMemoryBytes(): number {
    const value = read(SettingKey.kafkaInspectorMemoryMB);
    const mb = typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(Math.round(value), 16), 4096) : 256;
    return mb * 1024 * 1024;
  },
  /** Whether to connect to the local stack on start-up: a folder's value counts only when the folder is trusted. */
  connectOnStartup(): boolean {
    const inspected = vscode.workspace.getConfiguration(SECTION).inspect<unknown>(SettingKey.connectOnStartup);
    return effectiveSetting(inspected ?? {}, vscode.workspace.isTrusted).value === true;
  },
  /**
   * kafkaAirflow.stack.dagFolders for one workspace folder: the folders (relative to it, or
   * absolute) the local stack's Airflows read. `explicit` is false for the default (`dags`,
   * linked only when it exists).
   */
  stackDagFolders(scope: vscode.Uri): { folders: string[]; explicit: boolean } {
    const config = vscode.workspace.getConfiguration(SECTION, scope);
    const inspected = config.inspect<unknown>(SettingKey.stackDagFolders);
    const explicit = [inspected?.workspaceFolderValue, inspected?.workspaceValue, inspected?.globalValue].some((v) => v !== undefined);
    const value = config.get<unknown>(SettingKey.stackDagFolders);
    const folders = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim()) : ['dags'];
    return { folders, explicit };
  },
  /** Which saved Python files the local DAG check parses: the linked DAG folders' (default), any DAG file, or none. */
  dagsCheckOnSave(): 'dagFolders' | 'anyDagFile' | 'off' {
    const value = read(SettingKey.dagsCheckOnSave);
    return value === 'anyDagFile' || value === 'off' ? value : 'dagFolders';
  },
  /** The streaming pipeline's source API (the Pipelines view counts the records not ingested yet there). */
  pipelinesSourceApiUrl(): string {
    const value = read(SettingKey.pipelinesSourceApiUrl);
    return typeof value === 'string' && /^https?:\/\/\S+$/.test(value.trim()) ? value.trim() : 'http://127.0.0.1:8090';
  },
  /** The Spark job's checkpoint folder; empty means the native stack's own (defaultSparkCheckpointDir). */
  pipelinesSparkCheckpointDir(): string {
    const value = read(SettingKey.pipelinesSparkCheckpointDir);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : defaultSparkCheckpointDir(process.env, os.homedir());
  },
  /** How often the Pipelines view reads its figures again while it is visible. */
  pipelinesRefreshMs(): number {
    const seconds = read(SettingKey.pipelinesRefreshSeconds);
    return (typeof seconds === 'number' && seconds >= 2 ? seconds : 10) * 1000;
  },
  requestTimeoutMs(): number {
    const seconds = read(SettingKey.requestTimeoutSeconds);
    return (typeof seconds === 'number' && seconds > 0 ? seconds : 15) * 1000;
  },
  /**
   * Writes a connection setting to the scope its value comes from: the folder's settings
   * when a trusted folder defines it, else the user's. A folder's value is never copied into
   * the user's settings.
   */
  async updateConnections(key: SettingKey, origin: SettingOrigin, value: unknown): Promise<void> {
    const target = origin === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration(SECTION).update(key, value, target);
  },
  /** Writes a setting to the user (global) settings. */
  async update(key: SettingKey, value: unknown): Promise<void> {
    await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
  },
  /**
   * Fires `listener` when any of the extension's settings changes, and when the folder is
   * trusted (a folder's connections then start to count).
   */
  onDidChange(listener: () => void): vscode.Disposable {
    return vscode.Disposable.from(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(SECTION)) listener();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(listener),
    );
  },
};
