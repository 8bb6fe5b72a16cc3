/**
 * Adding, removing and auto-configuring connections. Names, addresses and user names go
 * to the settings; passwords and tokens go only to SecretStorage.
 */
import * as vscode from 'vscode';
import type { Secrets } from '../config/secrets';
import { airflowTarget, historyTarget, kafkaSecretNeeds, schemaRegistrySecretNeeds, secretKeyOf, type SecretTarget } from '../shared/credentials';
import { SettingKey, settings } from '../config/settings';
import {
  connectionNameProblem,
  parseAirflowUrl,
  parseBrokerList,
  upsertByName,
  type AirflowConnection,
  type HistoryConnection,
  type KafkaConnection,
  type SaslMechanism,
  splitCommandLine,
  usesPassword,
} from '../shared/connections';
import { CancelledError } from '../shared/errors';
import { localStack } from '../stack/localStack';
import { registerCommand } from './index';
import { CommandId } from '../shared/commandIds';

export interface ConnectionCommandDeps {
  log: vscode.LogOutputChannel;
  secrets: Secrets;
  /** Marks the local stack as in use, so the Stack view lists its services. */
  setLocalStackInUse: (inUse: boolean) => Thenable<void>;
  refreshAll: () => void;
}

/** Asks for a value; a dismissed box cancels the whole command quietly. */
async function ask(options: vscode.InputBoxOptions): Promise<string> {
  const value = await vscode.window.showInputBox({ ignoreFocusOut: true, ...options });
  if (value === undefined) throw new CancelledError();
  return value.trim();
}

async function pick<T extends vscode.QuickPickItem>(items: T[], placeHolder: string): Promise<T> {
  const picked = await vscode.window.showQuickPick(items, { placeHolder, ignoreFocusOut: true });
  if (picked === undefined) throw new CancelledError();
  return picked;
}

async function pickFile(title: string): Promise<string> {
  const picked = await vscode.window.showOpenDialog({ title, canSelectFiles: true, canSelectFolders: false, canSelectMany: false, openLabel: 'Use This File' });
  const file = picked?.[0];
  if (!file) throw new CancelledError();
  return file.fsPath;
}

async function addKafkaConnection({ log, secrets, refreshAll }: ConnectionCommandDeps): Promise<void> {
  const current = settings.kafkaConnections();
  const existing = current.value;
  const name = await ask({
    title: 'Add Kafka Connection (1/3)',
    prompt: 'A name for this cluster',
    value: existing.length === 0 ? 'Local Kafka' : '',
    validateInput: (v) => connectionNameProblem(v, existing.map((c) => c.name)),
  });
  const brokersText = await ask({
    title: 'Add Kafka Connection (2/3)',
    prompt: 'Bootstrap brokers, comma separated (host:port)',
    value: '127.0.0.1:9092',
    validateInput: (v) => parseBrokerList(v).problems[0],
  });
  const security = await pick(
    [
      { label: 'PLAINTEXT', description: 'no TLS, no SASL', ssl: false, mechanism: 'none' as SaslMechanism, mtls: false },
      { label: 'SSL', description: 'TLS, no SASL', ssl: true, mechanism: 'none' as SaslMechanism, mtls: false },
      { label: 'SSL · client certificate', description: 'mutual TLS', ssl: true, mechanism: 'none' as SaslMechanism, mtls: true },
      { label: 'SASL_PLAINTEXT · PLAIN', ssl: false, mechanism: 'plain' as SaslMechanism, mtls: false },
      { label: 'SASL_SSL · PLAIN', ssl: true, mechanism: 'plain' as SaslMechanism, mtls: false },
      { label: 'SASL_SSL · SCRAM-SHA-256', ssl: true, mechanism: 'scram-sha-256' as SaslMechanism, mtls: false },
      { label: 'SASL_SSL · SCRAM-SHA-512', ssl: true, mechanism: 'scram-sha-512' as SaslMechanism, mtls: false },
      { label: 'SASL_SSL · OAUTHBEARER', description: 'a token command or a token', ssl: true, mechanism: 'oauthbearer' as SaslMechanism, mtls: false },
    ],
    'Add Kafka Connection (3/3): how the brokers are secured',
  );
  const connection: KafkaConnection = {
    name,
    brokers: parseBrokerList(brokersText).value,
    ssl: security.ssl,
    saslMechanism: security.mechanism,
  };
  if (security.mtls) {
    connection.clientCertFile = await pickFile(`Client certificate (PEM) for ${name}`);
    connection.clientKeyFile = await pickFile(`Client private key (PEM) for ${name}`);
  }
  if (usesPassword(security.mechanism)) {
    connection.saslUsername = await ask({ title: `SASL user for ${name}`, prompt: 'User name' });
  }
  if (security.mechanism === 'oauthbearer') {
    const source = await pick(
      [
        { label: 'Run a command that prints a token', description: 'refreshed before it expires', command: true },
        { label: 'Paste a token', description: 'kept in secret storage', command: false },
      ],
      `OAUTHBEARER token for ${name}`,
    );
    if (source.command) {
      const text = await ask({
        title: `Token command for ${name}`,
        prompt: 'The program and its arguments, run without a shell; it prints a token or JSON with access_token',
        validateInput: (v) => (splitCommandLine(v).length === 0 ? 'Give the program to run, for example /usr/local/bin/get-token --audience kafka' : undefined),
      });
      connection.oauthTokenCommand = splitCommandLine(text);
    }
  }
  for (const need of kafkaSecretNeeds(connection)) {
    const value = await ask({
      title: `${need.what[0]?.toUpperCase() ?? ''}${need.what.slice(1)} for ${name}`,
      prompt: `For ${need.target.description}. Kept in secret storage, bound to this target.${need.optional ? ' Leave empty if the key is not encrypted.' : ''}`,
      password: true,
    });
    if (value !== '' || !need.optional) await secrets.store(need.target, value);
  }
  await settings.updateConnections(SettingKey.kafkaConnections, current.origin, upsertByName(existing, connection));
  log.info(`Added Kafka connection "${name}" (${connection.brokers.join(', ')})`);
  refreshAll();
}

async function addAirflowConnection({ log, secrets, refreshAll }: ConnectionCommandDeps): Promise<void> {
  const current = settings.airflowConnections();
  const existing = current.value;
  const name = await ask({
    title: 'Add Airflow Connection (1/3)',
    prompt: 'A name for this Airflow server',
    validateInput: (v) => connectionNameProblem(v, existing.map((c) => c.name)),
  });
  const url = await ask({
    title: 'Add Airflow Connection (2/3)',
    prompt: 'Base URL of the Airflow API server (Airflow 3) or webserver (Airflow 2)',
    value: 'http://127.0.0.1:8080',
    validateInput: (v) => parseAirflowUrl(v).problems[0],
  });
  const auth = await pick(
    [
      { label: 'User name and password', description: 'JWT on Airflow 3, basic auth on Airflow 2', value: 'password' as const },
      { label: 'Bearer token', description: 'paste a token', value: 'token' as const },
    ],
    'Add Airflow Connection (3/3): how to sign in',
  );
  const connection: AirflowConnection = { name, url: parseAirflowUrl(url).value, auth: auth.value };
  if (auth.value === 'password') {
    connection.username = await ask({ title: `Airflow user for ${name}`, prompt: 'User name', value: 'admin' });
  }
  const target = airflowTarget(connection);
  const what = auth.value === 'password' ? 'Password' : 'Token';
  await secrets.store(target, await ask({ title: `${what} for ${name}`, prompt: `For ${target.description}. Kept in secret storage, bound to this target.`, password: true }));
  await settings.updateConnections(SettingKey.airflowConnections, current.origin, upsertByName(existing, connection));
  log.info(`Added Airflow connection "${name}" (${connection.url})`);
  refreshAll();
}

async function setHistoryConnection({ log, secrets, refreshAll }: ConnectionCommandDeps): Promise<void> {
  const setting = settings.historyConnection();
  const current = setting.value ?? localStack.history;
  const host = await ask({ title: 'History Database (1/5)', prompt: 'PostgreSQL host', value: current.host });
  const portText = await ask({
    title: 'History Database (2/5)',
    prompt: 'Port',
    value: String(current.port),
    validateInput: (v) => (/^\d{1,5}$/.test(v.trim()) && Number(v) > 0 && Number(v) < 65536 ? undefined : 'A port is a number between 1 and 65535.'),
  });
  const database = await ask({ title: 'History Database (3/5)', prompt: 'Database', value: current.database });
  const user = await ask({ title: 'History Database (4/5)', prompt: 'User', value: current.user });
  const password = await ask({ title: 'History Database (5/5)', prompt: 'Password (kept in secret storage)', password: true });
  const connection: HistoryConnection = { host, port: Number(portText), database, user, ssl: current.ssl };
  await secrets.store(historyTarget(connection), password);
  await settings.updateConnections(SettingKey.historyConnection, setting.origin, connection);
  log.info(`History database set to ${user}@${host}:${connection.port}/${database}`);
  refreshAll();
}

/**
 * Points all three connections at the bundled stack and stores its credentials. The secrets
 * go first: a settings change makes the status bar and the views sign in at once, and a
 * connection saved before its password would be checked without it (a red "Airflow ✗").
 */
export async function connectLocalStack(deps: ConnectionCommandDeps, quiet = false): Promise<void> {
  const { log, secrets, refreshAll, setLocalStackInUse } = deps;
  await secrets.store(airflowTarget(localStack.airflow), localStack.airflowPassword);
  await secrets.store(historyTarget(localStack.history), localStack.historyPassword);
  const kafka = settings.kafkaConnections();
  const airflow = settings.airflowConnections();
  await settings.updateConnections(SettingKey.kafkaConnections, kafka.origin, upsertByName(kafka.value, localStack.kafka));
  await settings.updateConnections(SettingKey.airflowConnections, airflow.origin, upsertByName(airflow.value, localStack.airflow));
  await settings.updateConnections(SettingKey.historyConnection, settings.historyConnection().origin, localStack.history);
  await setLocalStackInUse(true);
  log.info('Connections set to the local stack (Kafka 127.0.0.1:9092, Airflow http://127.0.0.1:8080, PostgreSQL 127.0.0.1:5432)');
  refreshAll();
  if (!quiet) {
    void vscode.window.showInformationMessage('Connected to the local stack: Kafka, Airflow and the message history.');
  }
}

interface RemovableNode {
  type: 'connection';
  row: { kind: 'kafka' | 'airflow' | 'history'; name: string };
}

function isRemovableNode(value: unknown): value is RemovableNode {
  if (typeof value !== 'object' || value === null) return false;
  const row = (value as { row?: unknown }).row;
  return typeof row === 'object' && row !== null && typeof (row as { name?: unknown }).name === 'string';
}

/**
 * The targets whose secrets may go with a removed connection: those no remaining connection
 * reads (a duplicate of a connection shares its secrets, which are keyed by target).
 */
function unshared(targets: readonly SecretTarget[], stillRead: readonly SecretTarget[]): SecretTarget[] {
  const kept = new Set(stillRead.map(secretKeyOf));
  return targets.filter((t) => !kept.has(secretKeyOf(t)));
}

async function removeConnection({ log, secrets, refreshAll, setLocalStackInUse }: ConnectionCommandDeps, node: unknown): Promise<void> {
  if (!isRemovableNode(node)) return;
  const { kind, name } = node.row;
  const answer = await vscode.window.showWarningMessage(`Remove the ${kind} connection "${name}"?`, { modal: true }, 'Remove');
  if (answer !== 'Remove') return;
  if (kind === 'kafka') {
    const current = settings.kafkaConnections();
    const connection = current.value.find((c) => c.name === name);
    const remaining = current.value.filter((c) => c.name !== name);
    await settings.updateConnections(SettingKey.kafkaConnections, current.origin, remaining);
    const needs = (c: KafkaConnection): SecretTarget[] => [...kafkaSecretNeeds(c), ...schemaRegistrySecretNeeds(c)].map((n) => n.target);
    const targets = connection ? needs(connection) : [];
    await secrets.forget(name, ['kafka.password', 'kafka.oauthToken', 'kafka.keyPassphrase', 'schemaRegistry.password', 'schemaRegistry.token'], unshared(targets, remaining.flatMap(needs)));
  } else if (kind === 'airflow') {
    const current = settings.airflowConnections();
    const connection = current.value.find((c) => c.name === name);
    const remaining = current.value.filter((c) => c.name !== name);
    await settings.updateConnections(SettingKey.airflowConnections, current.origin, remaining);
    await secrets.forget(name, ['airflow.password', 'airflow.token'], unshared(connection ? [airflowTarget(connection)] : [], remaining.map(airflowTarget)));
  } else {
    const current = settings.historyConnection();
    const connection = current.value;
    await settings.updateConnections(SettingKey.historyConnection, current.origin, null);
    await secrets.forget('history', ['history.password'], connection ? [historyTarget(connection)] : []);
  }
  if (
    settings.kafkaConnections().value.length === 0 &&
    settings.airflowConnections().value.length === 0 &&
    settings.historyConnection().value === undefined
  ) {
    await setLocalStackInUse(false);
  }
  log.info(`Removed ${kind} connection "${name}"`);
  refreshAll();
}

export function registerConnectionCommands(deps: ConnectionCommandDeps): vscode.Disposable[] {
  return [
    registerCommand(deps.log, CommandId.addKafkaConnection, () => addKafkaConnection(deps)),
    registerCommand(deps.log, CommandId.addAirflowConnection, () => addAirflowConnection(deps)),
    registerCommand(deps.log, CommandId.setHistoryConnection, () => setHistoryConnection(deps)),
    registerCommand(deps.log, CommandId.connectLocalStack, () => connectLocalStack(deps)),
    registerCommand(deps.log, CommandId.removeConnection, (node) => removeConnection(deps, node)),
  ];
}
