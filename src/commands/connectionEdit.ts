/**
 * Edit Connection, Duplicate Connection and Test Connection on a connection's row (Kafka,
 * Airflow, history database). Edit and Duplicate are one multi-step input with Back, every
 * field prefilled and checked as it is typed; the result is written to the settings scope the
 * connection came from (user or workspace). A secret follows an edit only when what it unlocks
 * did not change: for a new target the wizard asks for it, naming the target it is bound to.
 * Test Connection connects with the connection's settings, on a service of its own, and says
 * what it found, or why not with Edit Connection and Retry.
 */
import * as vscode from 'vscode';
import { testAirflowConnection, airflowTestSummary } from '../airflow/connectionTest';
import type { AirflowConnections } from '../config/airflowConnections';
import type { HistoryDatabase } from '../config/historyConnection';
import type { KafkaConnections } from '../config/kafkaConnections';
import type { SchemaRegistries } from '../config/schemaRegistries';
import type { Secrets } from '../config/secrets';
import { registryTestSummary, testRegistryConnection } from '../schemas/connectionTest';
import { SettingKey, settings } from '../config/settings';
import { historyTestSummary, testHistoryConnection } from '../history/connectionTest';
import { kafkaTestSummary, testKafkaConnection } from '../kafka/connectionTest';
import {
  airflowEditState,
  airflowFromEdit,
  airflowSecretNeeds,
  airflowUrlProblem,
  brokerListProblem,
  connectionTestError,
  duplicateName,
  historyEditState,
  historyFromEdit,
  historySecretNeeds,
  hostProblem,
  insertCopy,
  KAFKA_SECURITY_CHOICES,
  kafkaEditState,
  kafkaFromEdit,
  kafkaSecretNeeds,
  planSecrets,
  portProblem,
  registryEditState,
  registryFromEdit,
  registryUrlProblem,
  withRegistry,
  type RegistryEditState,
  renameProblem,
  replaceConnection,
  requiredProblem,
  secretPrompt,
  tokenCommandProblem,
  type AirflowEditState,
  type HistoryEditState,
  type KafkaEditState,
  type KafkaSecurityChoice,
  type SecretNeed,
  type SecretPlan,
} from '../shared/connectionEdit';
import { usesPassword, type SettingOrigin } from '../shared/connections';
import { schemaRegistrySecretNeeds, secretKeyOf, targetFingerprint, type SecretTarget } from '../shared/credentials';
import { CancelledError, describeError, WorkbenchError } from '../shared/errors';
import { runMultiStepInput, type Step } from '../views/multiStepInput';
import { registerCommand } from './index';
import { CommandId } from '../shared/commandIds';

export interface ConnectionEditDeps {
  log: vscode.LogOutputChannel;
  secrets: Secrets;
  refreshAll: () => void;
  kafka: KafkaConnections;
  airflow: AirflowConnections;
  history: HistoryDatabase;
  registries: SchemaRegistries;
}

/** `schemaRegistry`: the registry of the Kafka connection `name` (the Schemas row). */
type ConnectionKind = 'kafka' | 'airflow' | 'history' | 'schemaRegistry';
interface ConnectionRow { kind: ConnectionKind; name: string }

/** The connection a tree row stands for: `{ row: { kind, name } }` on the rows of the three views. */
function rowOf(node: unknown): ConnectionRow | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const row = (node as { row?: unknown }).row;
  if (typeof row !== 'object' || row === null) return undefined;
  const { kind, name } = row as { kind?: unknown; name?: unknown };
  if ((kind === 'kafka' || kind === 'airflow' || kind === 'history' || kind === 'schemaRegistry') && typeof name === 'string') return { kind, name };
  return undefined;
}

function needRow(node: unknown): ConnectionRow {
  const row = rowOf(node);
  if (!row) {
    throw new WorkbenchError('This command works on a connection row of the Kafka, DAGs, Datasets or Message History view. Right-click the connection there.', { actions: [] });
  }
  return row;
}

const SCOPE_WORDS: Record<SettingOrigin, string> = { user: 'user settings', workspace: 'workspace settings', default: 'user settings' };

/** Which of the connection's secrets are stored now (by fingerprint), read before the wizard starts. */
async function storedSecrets(secrets: Secrets, needs: readonly SecretNeed[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const need of needs) {
    if ((await secrets.read(need.target, need.what)).kind === 'found') found.add(targetFingerprint(need.target));
  }
  return found;
}

/** Up to `count` input steps, one per secret the plan says to ask for. */
function secretSteps<S extends { secrets: Record<string, string> }>(plans: (state: S) => SecretPlan[], count: number): Step<S>[] {
  const asked = (state: S): SecretPlan[] => plans(state).filter((p) => p.action !== 'keep');
  return Array.from({ length: count }, (_, i): Step<S> => ({
    kind: 'input',
    when: (state) => asked(state)[i] !== undefined,
    password: true,
    prompt: (state) => {
      const plan = asked(state)[i];
      return plan ? secretPrompt(plan) : '';
    },
    placeholder: 'Kept in secret storage, never in the settings',
    value: (state) => {
      const plan = asked(state)[i];
      return plan ? state.secrets[targetFingerprint(plan.target)] ?? '' : '';
    },
    validate: (value, state) => {
      const plan = asked(state)[i];
      return plan && !plan.optional && value === '' ? `Type the ${plan.what}; it is needed to connect.` : undefined;
    },
    apply: (state, value) => {
      const plan = asked(state)[i];
      return plan ? { ...state, secrets: { ...state.secrets, [targetFingerprint(plan.target)]: value } } : state;
    },
  }));
}

/** Stores the secrets the wizard asked for (an empty optional one is not stored). */
async function storeAsked(secrets: Secrets, plans: readonly SecretPlan[], typed: Record<string, string>): Promise<void> {
  for (const plan of plans) {
    if (plan.action === 'keep') continue;
    const value = typed[targetFingerprint(plan.target)] ?? '';
    if (value !== '' || !plan.optional) await secrets.store(plan.target, value);
  }
}

/**
 * After an edit, deletes the secrets of targets the connection left, unless another connection
 * still reads them (secrets are keyed by target, so two connections to one target share one).
 */
async function dropLeftSecrets(secrets: Secrets, plans: readonly SecretPlan[], stillNeeded: readonly SecretTarget[]): Promise<void> {
  const kept = new Set(stillNeeded.map(secretKeyOf));
  for (const plan of plans) {
    if (plan.action === 'targetChanged' && plan.previous && !kept.has(secretKeyOf(plan.previous))) await secrets.delete(plan.previous);
  }
}

/** Offers Test Connection after a save, without waiting for the answer. */
function offerTest(deps: ConnectionEditDeps, message: string, row: ConnectionRow): void {
  vscode.window.showInformationMessage(message, 'Test Connection').then(
    (picked) => { if (picked === 'Test Connection') void vscode.commands.executeCommand(CommandId.testConnection, { row }); },
    (error: unknown) => { deps.log.error(`Could not show a notification: ${describeError(error)}`); },
  );
}

// ---------------------------------------------------------------- Kafka

function kafkaSteps(originalName: string | undefined, taken: string[], plans: (s: KafkaEditState) => SecretPlan[]): Step<KafkaEditState>[] {
  type SecurityItem = vscode.QuickPickItem & { choice: KafkaSecurityChoice };
  type TokenItem = vscode.QuickPickItem & { command: boolean };
  return [
    {
      kind: 'input',
      prompt: () => 'A name for this cluster (shown in the Kafka view)',
      value: (s) => s.name,
      validate: (v) => renameProblem(v, taken, originalName),
      apply: (s, v) => ({ ...s, name: v.trim() }),
    },
    {
      kind: 'input',
      prompt: () => 'Bootstrap brokers, comma separated (host:port)',
      placeholder: '127.0.0.1:9092, kafka-2.example.com:9092',
      value: (s) => s.brokers,
      validate: (v) => brokerListProblem(v),
      apply: (s, v) => ({ ...s, brokers: v.trim() }),
    },
    {
      kind: 'pick',
      placeholder: () => 'How the brokers are secured',
      items: (s): SecurityItem[] => {
        const choices = KAFKA_SECURITY_CHOICES.some((c) => c.id === s.security.id) ? KAFKA_SECURITY_CHOICES : [...KAFKA_SECURITY_CHOICES, s.security];
        return choices.map((choice) => ({ label: choice.label, ...(choice.description ? { description: choice.description } : {}), choice }));
      },
      active: (s, items: readonly SecurityItem[]) => items.find((i) => i.choice.id === s.security.id),
      apply: (s, item: SecurityItem) => ({ ...s, security: item.choice }),
    },
    {
      kind: 'input',
      when: (s) => s.security.mtls,
      prompt: () => 'Path of the client certificate (PEM); ~ is your home folder',
      value: (s) => s.clientCertFile,
      validate: (v) => requiredProblem(v, 'the path of the client certificate file'),
      apply: (s, v) => ({ ...s, clientCertFile: v.trim() }),
    },
    {
      kind: 'input',
      when: (s) => s.security.mtls,
      prompt: () => 'Path of the client certificate\'s private key (PEM)',
      value: (s) => s.clientKeyFile,
      validate: (v) => requiredProblem(v, 'the path of the private key file'),
      apply: (s, v) => ({ ...s, clientKeyFile: v.trim() }),
    },
    {
      kind: 'input',
      when: (s) => usesPassword(s.security.mechanism),
      prompt: () => 'SASL user name',
      value: (s) => s.saslUsername,
      validate: (v) => requiredProblem(v, 'the SASL user name'),
      apply: (s, v) => ({ ...s, saslUsername: v.trim() }),
    },
    {
      kind: 'pick',
      when: (s) => s.security.mechanism === 'oauthbearer',
      placeholder: () => 'Where the OAuth token comes from',
      items: (): TokenItem[] => [
        { label: 'Run a command that prints a token', description: 'refreshed before it expires', command: true },
        { label: 'Paste a token', description: 'kept in secret storage', command: false },
      ],
      active: (s, items: readonly TokenItem[]) => items.find((i) => i.command === s.tokenFromCommand),
      apply: (s, item: TokenItem) => ({ ...s, tokenFromCommand: item.command }),
    },
    {
      kind: 'input',
      when: (s) => s.security.mechanism === 'oauthbearer' && s.tokenFromCommand,
      prompt: () => 'The program and its arguments, run without a shell; it prints a token or JSON with access_token',
      value: (s) => s.tokenCommand,
      validate: (v) => tokenCommandProblem(v),
      apply: (s, v) => ({ ...s, tokenCommand: v.trim() }),
    },
    ...secretSteps(plans, 3),
  ];
}

async function editKafka(deps: ConnectionEditDeps, name: string, duplicate: boolean): Promise<void> {
  const { secrets, log } = deps;
  const current = settings.kafkaConnections();
  const original = current.value.find((c) => c.name === name);
  if (!original) throw new WorkbenchError(`There is no Kafka connection named "${name}" in the settings any more. Refresh the view.`, { actions: ['openSettings'] });
  const taken = current.value.map((c) => c.name);
  const before = kafkaSecretNeeds(original);
  const stored = await storedSecrets(secrets, before);
  const plans = (s: KafkaEditState): SecretPlan[] => planSecrets(before, kafkaSecretNeeds(kafkaFromEdit(original, s)), (t) => stored.has(targetFingerprint(t)));
  const title = duplicate ? `Duplicate Kafka Connection "${name}"` : `Edit Kafka Connection "${name}"`;
  const initial = kafkaEditState(original, duplicate ? duplicateName(name, taken) : name);
  const result = await runMultiStepInput(title, kafkaSteps(duplicate ? undefined : name, taken, plans), initial);
  const edited = kafkaFromEdit(original, result);
  const plan = plans(result);

  const now = settings.kafkaConnections();
  const list = duplicate ? insertCopy(now.value, name, edited, 'Kafka') : replaceConnection(now.value, name, edited, 'Kafka');
  await storeAsked(secrets, plan, result.secrets);
  await settings.updateConnections(SettingKey.kafkaConnections, now.origin, list);
  if (!duplicate) {
    await dropLeftSecrets(secrets, plan, list.flatMap((c) => kafkaSecretNeeds(c).map((n) => n.target)));
    if (edited.name !== name) await secrets.forget(name, ['kafka.password', 'kafka.oauthToken', 'kafka.keyPassphrase'], []);
  }
  log.info(`${duplicate ? 'Duplicated' : 'Edited'} Kafka connection "${name}" → "${edited.name}" (${edited.brokers.join(', ')}) in the ${SCOPE_WORDS[now.origin]}`);
  deps.refreshAll();
  offerTest(deps, `Saved the Kafka connection "${edited.name}" (${edited.brokers.join(', ')}) in the ${SCOPE_WORDS[now.origin]}.`, { kind: 'kafka', name: edited.name });
}

// ---------------------------------------------------------------- Airflow

function airflowSteps(originalName: string | undefined, taken: string[], plans: (s: AirflowEditState) => SecretPlan[]): Step<AirflowEditState>[] {
  type AuthItem = vscode.QuickPickItem & { auth: 'password' | 'token' };
  return [
    {
      kind: 'input',
      prompt: () => 'A name for this Airflow server',
      value: (s) => s.name,
      validate: (v) => renameProblem(v, taken, originalName),
      apply: (s, v) => ({ ...s, name: v.trim() }),
    },
    {
      kind: 'input',
      prompt: () => 'Base URL of the Airflow API server (Airflow 3) or webserver (Airflow 2)',
      placeholder: 'http://127.0.0.1:8080',
      value: (s) => s.url,
      validate: (v) => airflowUrlProblem(v),
      apply: (s, v) => ({ ...s, url: v.trim() }),
    },
    {
      kind: 'pick',
      placeholder: () => 'How to sign in',
      items: (): AuthItem[] => [
        { label: 'User name and password', description: 'JWT on Airflow 3, basic auth on Airflow 2', auth: 'password' },
        { label: 'Bearer token', description: 'paste a token', auth: 'token' },
      ],
      active: (s, items: readonly AuthItem[]) => items.find((i) => i.auth === s.auth),
      apply: (s, item: AuthItem) => ({ ...s, auth: item.auth }),
    },
    {
      kind: 'input',
      when: (s) => s.auth === 'password',
      prompt: () => 'Airflow user name',
      value: (s) => s.username,
      validate: (v) => requiredProblem(v, 'the Airflow user name'),
      apply: (s, v) => ({ ...s, username: v.trim() }),
    },
    ...secretSteps(plans, 1),
  ];
}

async function editAirflow(deps: ConnectionEditDeps, name: string, duplicate: boolean): Promise<void> {
  const { secrets, log } = deps;
  const current = settings.airflowConnections();
  const original = current.value.find((c) => c.name === name);
  if (!original) throw new WorkbenchError(`There is no Airflow connection named "${name}" in the settings any more. Refresh the view.`, { actions: ['openSettings'] });
  const taken = current.value.map((c) => c.name);
  const before = airflowSecretNeeds(original);
  const stored = await storedSecrets(secrets, before);
  const plans = (s: AirflowEditState): SecretPlan[] => planSecrets(before, airflowSecretNeeds(airflowFromEdit(s)), (t) => stored.has(targetFingerprint(t)));
  const title = duplicate ? `Duplicate Airflow Connection "${name}"` : `Edit Airflow Connection "${name}"`;
  const initial = airflowEditState(original, duplicate ? duplicateName(name, taken) : name);
  const result = await runMultiStepInput(title, airflowSteps(duplicate ? undefined : name, taken, plans), initial);
  const edited = airflowFromEdit(result);
  const plan = plans(result);

  const now = settings.airflowConnections();
  const list = duplicate ? insertCopy(now.value, name, edited, 'Airflow') : replaceConnection(now.value, name, edited, 'Airflow');
  const wasActive = deps.airflow.active()?.name === name;
  await storeAsked(secrets, plan, result.secrets);
  await settings.updateConnections(SettingKey.airflowConnections, now.origin, list);
  if (!duplicate) {
    await dropLeftSecrets(secrets, plan, list.flatMap((c) => airflowSecretNeeds(c).map((n) => n.target)));
    if (edited.name !== name) {
      await secrets.forget(name, ['airflow.password', 'airflow.token'], []);
      if (wasActive) await deps.airflow.setActive(edited.name);
    }
  }
  log.info(`${duplicate ? 'Duplicated' : 'Edited'} Airflow connection "${name}" → "${edited.name}" (${edited.url}) in the ${SCOPE_WORDS[now.origin]}`);
  deps.refreshAll();
  offerTest(deps, `Saved the Airflow connection "${edited.name}" (${edited.url}) in the ${SCOPE_WORDS[now.origin]}.`, { kind: 'airflow', name: edited.name });
}

// ---------------------------------------------------------------- schema registry of a Kafka connection

function registrySteps(plans: (s: RegistryEditState) => SecretPlan[]): Step<RegistryEditState>[] {
  type AuthItem = vscode.QuickPickItem & { auth: RegistryEditState['auth'] };
  return [
    {
      kind: 'input',
      prompt: () => 'Schema registry URL (Confluent, Karapace, or Apicurio ending in /apis/ccompat/v7). Leave empty for none.',
      placeholder: 'http://127.0.0.1:8085',
      value: (s) => s.url,
      validate: (v) => registryUrlProblem(v),
      apply: (s, v) => ({ ...s, url: v.trim() }),
    },
    {
      kind: 'pick',
      when: (s) => s.url !== '',
      placeholder: () => 'How to sign in to the registry',
      items: (): AuthItem[] => [
        { label: 'No sign-in', auth: 'none' },
        { label: 'User name and password', description: 'HTTP basic authentication (Confluent Cloud: API key and secret)', auth: 'basic' },
        { label: 'Bearer token', description: 'paste a token', auth: 'bearer' },
      ],
      active: (s, items: readonly AuthItem[]) => items.find((i) => i.auth === s.auth),
      apply: (s, item: AuthItem) => ({ ...s, auth: item.auth }),
    },
    {
      kind: 'input',
      when: (s) => s.url !== '' && s.auth === 'basic',
      prompt: () => 'Registry user name (or API key)',
      value: (s) => s.username,
      validate: (v) => requiredProblem(v, 'the user name'),
      apply: (s, v) => ({ ...s, username: v.trim() }),
    },
    ...secretSteps(plans, 1),
  ];
}

async function editRegistry(deps: ConnectionEditDeps, name: string): Promise<void> {
  const { secrets, log } = deps;
  const current = settings.kafkaConnections();
  const original = current.value.find((c) => c.name === name);
  if (!original) throw new WorkbenchError(`There is no Kafka connection named "${name}" in the settings any more. Refresh the view.`, { actions: ['openSettings'] });
  const before = schemaRegistrySecretNeeds(original);
  const stored = await storedSecrets(secrets, before);
  const plans = (s: RegistryEditState): SecretPlan[] => planSecrets(before, schemaRegistrySecretNeeds(withRegistry(original, registryFromEdit(s))), (t) => stored.has(targetFingerprint(t)));
  const initial = registryEditState(original);
  if (initial.url === '') initial.url = 'http://127.0.0.1:8085';
  const result = await runMultiStepInput(`Schema Registry of "${name}"`, registrySteps(plans), initial);
  const registry = registryFromEdit(result);
  const plan = plans(result);
  const now = settings.kafkaConnections();
  const latest = now.value.find((c) => c.name === name) ?? original;
  const list = replaceConnection(now.value, name, withRegistry(latest, registry), 'Kafka');
  await storeAsked(secrets, plan, result.secrets);
  await settings.updateConnections(SettingKey.kafkaConnections, now.origin, list);
  const left = before.filter((need) => !list.some((c) => schemaRegistrySecretNeeds(c).some((n) => secretKeyOf(n.target) === secretKeyOf(need.target))));
  for (const need of left) await secrets.delete(need.target);
  log.info(`Schema registry of Kafka connection "${name}": ${registry ? `${registry.url} (${registry.auth})` : 'none'} in the ${SCOPE_WORDS[now.origin]}`);
  deps.refreshAll();
  if (registry) offerTest(deps, `Saved the schema registry ${registry.url} of "${name}" in the ${SCOPE_WORDS[now.origin]}.`, { kind: 'schemaRegistry', name });
  else void vscode.window.showInformationMessage(`The Kafka connection "${name}" has no schema registry any more.`);
}

// ---------------------------------------------------------------- history database

function historySteps(plans: (s: HistoryEditState) => SecretPlan[]): Step<HistoryEditState>[] {
  type TlsItem = vscode.QuickPickItem & { ssl: boolean };
  return [
    {
      kind: 'input',
      prompt: () => 'PostgreSQL host',
      value: (s) => s.host,
      validate: (v) => hostProblem(v),
      apply: (s, v) => ({ ...s, host: v.trim() }),
    },
    {
      kind: 'input',
      prompt: () => 'PostgreSQL port',
      value: (s) => s.port,
      validate: (v) => portProblem(v),
      apply: (s, v) => ({ ...s, port: v.trim() }),
    },
    {
      kind: 'input',
      prompt: () => 'Database that holds the message_history table',
      value: (s) => s.database,
      validate: (v) => requiredProblem(v, 'the database name'),
      apply: (s, v) => ({ ...s, database: v.trim() }),
    },
    {
      kind: 'input',
      prompt: () => 'PostgreSQL user',
      value: (s) => s.user,
      validate: (v) => requiredProblem(v, 'the user name'),
      apply: (s, v) => ({ ...s, user: v.trim() }),
    },
    {
      kind: 'pick',
      placeholder: () => 'TLS to the server',
      items: (): TlsItem[] => [
        { label: 'No TLS', description: 'a server on this machine or a private network', ssl: false },
        { label: 'TLS', description: 'the server\'s certificate is checked against the system\'s CAs', ssl: true },
      ],
      active: (s, items: readonly TlsItem[]) => items.find((i) => i.ssl === s.ssl),
      apply: (s, item: TlsItem) => ({ ...s, ssl: item.ssl }),
    },
    ...secretSteps(plans, 1),
  ];
}

async function editHistory(deps: ConnectionEditDeps): Promise<void> {
  const { secrets, log } = deps;
  const current = settings.historyConnection();
  const original = current.value;
  if (!original) {
    throw new WorkbenchError('No history database is set. Set one first.', { actions: [{ title: 'Set History Database', command: CommandId.setHistoryConnection }] });
  }
  const before = historySecretNeeds(original);
  const stored = await storedSecrets(secrets, before);
  const plans = (s: HistoryEditState): SecretPlan[] => planSecrets(before, historySecretNeeds(historyFromEdit(s)), (t) => stored.has(targetFingerprint(t)));
  const result = await runMultiStepInput('Edit History Database', historySteps(plans), historyEditState(original));
  const edited = historyFromEdit(result);
  const plan = plans(result);
  const now = settings.historyConnection();
  await storeAsked(secrets, plan, result.secrets);
  await settings.updateConnections(SettingKey.historyConnection, now.origin, edited);
  await dropLeftSecrets(secrets, plan, historySecretNeeds(edited).map((n) => n.target));
  const where = `${edited.user}@${edited.host}:${edited.port}/${edited.database}`;
  log.info(`Edited the history database: ${where} in the ${SCOPE_WORDS[now.origin]}`);
  deps.refreshAll();
  offerTest(deps, `Saved the history database ${where} in the ${SCOPE_WORDS[now.origin]}.`, { kind: 'history', name: edited.database });
}

// ---------------------------------------------------------------- Test Connection

/**
 * Opens a resource of its own (a service, a client, a store), uses it under a cancellable
 * progress notification and closes it, also when Cancel ends the wait before it was opened.
 */
async function withTestResource<R, T>(log: vscode.LogOutputChannel, title: string, open: () => Promise<R>, use: (resource: R) => Promise<T>, close: (resource: R) => Promise<unknown>): Promise<T> {
  let resource: R | undefined;
  let closed = false;
  const closeOnce = (): void => {
    if (closed) return;
    closed = true;
    if (resource !== undefined) close(resource).catch((error: unknown) => { log.debug(`Closing the test connection: ${describeError(error)}`); });
  };
  try {
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) => {
      const running = (async () => {
        const opened = await open();
        resource = opened;
        if (closed) {
          // Cancelled while it opened: close it now, nobody waits for it any more.
          close(opened).catch((error: unknown) => { log.debug(`Closing the test connection: ${describeError(error)}`); });
          throw new CancelledError();
        }
        return use(opened);
      })();
      const cancelled = new Promise<never>((_resolve, reject) => {
        token.onCancellationRequested(() => {
          closeOnce();
          reject(new CancelledError());
        });
      });
      // The loser of the race must not end as an unhandled rejection.
      running.catch(() => undefined);
      cancelled.catch(() => undefined);
      return Promise.race([running, cancelled]);
    });
  } finally {
    closeOnce();
  }
}

async function testConnection(deps: ConnectionEditDeps, node: unknown): Promise<void> {
  const row = needRow(node);
  const edit = { title: 'Edit Connection', command: CommandId.editConnection, args: [{ row }] };
  const { log } = deps;
  let what: string;
  let where = '';
  if (row.kind === 'kafka') what = `the Kafka connection "${row.name}"`;
  else if (row.kind === 'schemaRegistry') what = `the schema registry of "${row.name}"`;
  else if (row.kind === 'airflow') what = `the Airflow connection "${row.name}"`;
  else {
    const connection = deps.history.connection().value;
    where = connection ? `${connection.user}@${connection.host}:${connection.port}/${connection.database}` : '(not set)';
    what = `the history database ${where}`;
  }
  const title = `Testing ${what}…`;
  let summary: string;
  let warning = false;
  try {
    if (row.kind === 'kafka') {
      const report = await withTestResource(log, title, () => deps.kafka.freshService(row.name), testKafkaConnection, (s) => s.dispose());
      summary = kafkaTestSummary(row.name, report);
    } else if (row.kind === 'schemaRegistry') {
      const report = await withTestResource(log, title, () => deps.registries.freshClient(row.name), testRegistryConnection, () => Promise.resolve());
      summary = registryTestSummary(row.name, deps.registries.registryOf(row.name)?.url ?? '', report);
    } else if (row.kind === 'airflow') {
      const report = await withTestResource(log, title, () => deps.airflow.freshClient(row.name), testAirflowConnection, () => Promise.resolve());
      summary = airflowTestSummary(row.name, report);
      warning = report.health === undefined || report.unhealthy.length > 0;
    } else {
      const report = await withTestResource(log, title, () => deps.history.freshStore(), testHistoryConnection, (s) => s.dispose());
      summary = historyTestSummary(where, report);
    }
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    throw connectionTestError(what, error, edit);
  }
  log.info(`Test Connection: ${summary}`);
  if (warning) void vscode.window.showWarningMessage(summary);
  else void vscode.window.showInformationMessage(summary);
}

async function editConnection(deps: ConnectionEditDeps, node: unknown, duplicate: boolean): Promise<void> {
  const row = needRow(node);
  if (row.kind === 'kafka') await editKafka(deps, row.name, duplicate);
  else if (row.kind === 'schemaRegistry') {
    if (duplicate) throw new WorkbenchError('A schema registry belongs to its Kafka connection: duplicate the Kafka connection instead.', { actions: [] });
    await editRegistry(deps, row.name);
  } else if (row.kind === 'airflow') await editAirflow(deps, row.name, duplicate);
  else if (duplicate) throw new WorkbenchError('There is one history database per window; it cannot be duplicated. Use Edit Connection to change it.', { actions: [] });
  else await editHistory(deps);
}

export function registerConnectionEditCommands(deps: ConnectionEditDeps): vscode.Disposable[] {
  return [
    registerCommand(deps.log, CommandId.editConnection, (node) => editConnection(deps, node, false)),
    registerCommand(deps.log, CommandId.duplicateConnection, (node) => editConnection(deps, node, true)),
    registerCommand(deps.log, CommandId.testConnection, (node) => testConnection(deps, node)),
  ];
}
