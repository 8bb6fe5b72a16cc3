/**
 * What the Edit Connection and Duplicate Connection wizards check and what they write, as pure
 * functions: the check of each step's answer (a sentence that says what to type), the wizard's
 * state made from a connection (every field prefilled) and the connection made from the state,
 * the list written back to the settings, and which secrets must be asked for again because the
 * edit changed what they unlock (src/shared/credentials.ts). No vscode: unit-tested.
 */
import {
  connectionNameProblem,
  parseAirflowUrl,
  parseRegistryUrl,
  parseBrokerList,
  splitCommandLine,
  usesPassword,
  type AirflowAuth,
  type AirflowConnection,
  type HistoryConnection,
  type KafkaConnection,
  type SaslMechanism,
  type SchemaRegistryAuthKind,
  type SchemaRegistryConnection,
} from './connections';
import { airflowTarget, historyTarget, kafkaSecretNeeds, targetFingerprint, type SecretTarget } from './credentials';
import { WorkbenchError, type ErrorAction } from './errors';

// ---------------------------------------------------------------- checks of one answer

/** A TCP port typed by the user: a whole number from 1 to 65535. */
export function portProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (!/^\d{1,5}$/.test(trimmed)) return `"${text}" is not a port. Type a number between 1 and 65535, for example 5432.`;
  const port = Number(trimmed);
  if (port < 1 || port > 65535) return `Port ${port} is out of range. Type a number between 1 and 65535.`;
  return undefined;
}

/** A host name or IP address typed by the user (no scheme, no port, no spaces). */
export function hostProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return 'Type the host name or IP address of the server, for example 127.0.0.1.';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return `Type the host alone, without "${trimmed.split('://')[0] ?? ''}://", for example db.example.com.`;
  if (/\s/.test(trimmed)) return 'A host name has no spaces. Type it like db.example.com or 10.0.0.5.';
  if (/^[^:[\]]+:\d+$/.test(trimmed) || /^\[[^\]]*\]:\d+$/.test(trimmed)) return 'Type the host without the port; the port is the next step.';
  if (!/^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:]*:[0-9a-fA-F:.]+|[A-Za-z0-9._-]+)$/.test(trimmed)) {
    return `"${trimmed}" is not a host name. Use letters, digits, dots and hyphens, or an IP address.`;
  }
  return undefined;
}

/** The bootstrap brokers typed as a comma- or space-separated list of host:port. */
export function brokerListProblem(text: string): string | undefined {
  return parseBrokerList(text).problems[0];
}

/** The base URL of an Airflow server. */
export function airflowUrlProblem(text: string): string | undefined {
  return parseAirflowUrl(text).problems[0];
}

/** A field that must not be empty: `what` names it ("the user name"). */
export function requiredProblem(text: string, what: string): string | undefined {
  return text.trim() === '' ? `Type ${what}; it cannot be empty.` : undefined;
}

/** A connection's new name: not empty, not the name of another connection (its own name is fine). */
export function renameProblem(name: string, taken: readonly string[], ownName: string | undefined): string | undefined {
  return connectionNameProblem(name, taken.filter((n) => n !== ownName));
}

/** A token command line: a program, then arguments, split as a shell would (without running one). */
export function tokenCommandProblem(text: string): string | undefined {
  return splitCommandLine(text).length === 0 ? 'Type the program to run, for example /usr/local/bin/get-token --audience kafka' : undefined;
}

/** A command line that splitCommandLine reads back as `argv`: words with spaces or quotes are single-quoted. */
export function joinCommandLine(argv: readonly string[]): string {
  return argv.map((word) => (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}

// ---------------------------------------------------------------- names and lists

/** The name of a copy: "prod copy", else "prod copy 2", "prod copy 3"… whichever is free. */
export function duplicateName(name: string, taken: readonly string[]): string {
  const base = `${name} copy`;
  if (!taken.includes(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base} ${n}`;
    if (!taken.includes(candidate)) return candidate;
  }
}

function missing(kind: string, name: string): WorkbenchError {
  return new WorkbenchError(`The ${kind} connection "${name}" is no longer in the settings (it was removed or renamed while you edited it). Nothing was written; edit it again.`, {
    actions: ['openSettings'],
  });
}

/** The list with `edited` in place of the entry named `originalName`, at the same position. */
export function replaceConnection<T extends { name: string }>(list: readonly T[], originalName: string, edited: T, kind: string): T[] {
  const index = list.findIndex((c) => c.name === originalName);
  if (index === -1) throw missing(kind, originalName);
  if (list.some((c, i) => i !== index && c.name === edited.name)) {
    throw new WorkbenchError(`Another ${kind} connection is named "${edited.name}" already. Edit again and choose another name.`, { actions: ['openSettings'] });
  }
  return list.map((c, i) => (i === index ? edited : c));
}

/** The list with `copy` right after the entry named `originalName` (at the end when it is gone). */
export function insertCopy<T extends { name: string }>(list: readonly T[], originalName: string, copy: T, kind: string): T[] {
  if (list.some((c) => c.name === copy.name)) {
    throw new WorkbenchError(`Another ${kind} connection is named "${copy.name}" already. Duplicate again and choose another name.`, { actions: ['openSettings'] });
  }
  const index = list.findIndex((c) => c.name === originalName);
  if (index === -1) return [...list, copy];
  return [...list.slice(0, index + 1), copy, ...list.slice(index + 1)];
}

// ---------------------------------------------------------------- secrets after an edit

/** A secret a connection reads, with the words to ask for it. */
export interface SecretNeed {
  target: SecretTarget;
  /** "SASL password", "password", "token", "passphrase of the client key". */
  what: string;
  /** Empty is a valid answer (a key that is not encrypted). */
  optional: boolean;
}

/** What the wizard does about one secret the edited connection needs. */
export interface SecretPlan extends SecretNeed {
  /**
   * `keep`: same target as before and a secret is stored (or none is needed: an optional one,
   * the passphrase of a key that is not encrypted), nothing to ask. `targetChanged`: the edit
   * points it elsewhere, so the stored one is not carried over; ask, naming the new target.
   * `missing`: same target, nothing stored, or a secret the connection did not need before; ask.
   */
  action: 'keep' | 'targetChanged' | 'missing';
  /** The target the secret was bound to before the edit (for targetChanged). */
  previous?: SecretTarget;
}

/**
 * Which secrets to ask for after an edit. A secret follows the edit only when its target (the
 * identity it is bound to: brokers, TLS, mechanism, user, URL, key file…) did not change; for
 * a changed target it is asked again, whatever is stored under the new one. `stored` says
 * whether SecretStorage holds a secret for a target.
 */
export function planSecrets(before: readonly SecretNeed[], after: readonly SecretNeed[], stored: (target: SecretTarget) => boolean): SecretPlan[] {
  return after.map((need) => {
    const previous = before.find((b) => b.target.kind === need.target.kind);
    const same = previous !== undefined && targetFingerprint(previous.target) === targetFingerprint(need.target);
    if (same) return { ...need, action: stored(need.target) || need.optional ? 'keep' : 'missing' };
    if (previous !== undefined) return { ...need, action: 'targetChanged', previous: previous.target };
    return { ...need, action: 'missing' };
  });
}

/** The prompt of a secret's step: which target it will be bound to, and why it is asked. */
export function secretPrompt(plan: SecretPlan): string {
  const bound = `Kept in secret storage, bound to ${plan.target.description}.`;
  const optional = plan.optional ? ' Leave empty if the key is not encrypted.' : '';
  if (plan.action === 'targetChanged' && plan.previous) {
    return `The edit points this connection at ${plan.target.description} (was ${plan.previous.description}): the saved ${plan.what} is not sent there. Type the ${plan.what} for the new target. ${bound}${optional}`;
  }
  return `No ${plan.what} is saved for ${plan.target.description}. Type it. ${bound}${optional}`;
}

/** The secrets an Airflow connection reads. */
export function airflowSecretNeeds(connection: AirflowConnection): SecretNeed[] {
  return [{ target: airflowTarget(connection), what: connection.auth === 'token' ? 'token' : 'password', optional: false }];
}

/** The secret the history database reads. */
export function historySecretNeeds(connection: HistoryConnection): SecretNeed[] {
  return [{ target: historyTarget(connection), what: 'password', optional: false }];
}

export { kafkaSecretNeeds };

// ---------------------------------------------------------------- Kafka

/** How the brokers are secured, as the wizard offers it. */
export interface KafkaSecurityChoice {
  id: string;
  label: string;
  description?: string;
  ssl: boolean;
  mechanism: SaslMechanism;
  mtls: boolean;
}

export const KAFKA_SECURITY_CHOICES: readonly KafkaSecurityChoice[] = [
  { id: 'plaintext', label: 'PLAINTEXT', description: 'no TLS, no SASL', ssl: false, mechanism: 'none', mtls: false },
  { id: 'ssl', label: 'SSL', description: 'TLS, no SASL', ssl: true, mechanism: 'none', mtls: false },
  { id: 'mtls', label: 'SSL · client certificate', description: 'mutual TLS', ssl: true, mechanism: 'none', mtls: true },
  { id: 'sasl-plaintext-plain', label: 'SASL_PLAINTEXT · PLAIN', ssl: false, mechanism: 'plain', mtls: false },
  { id: 'sasl-plaintext-scram-sha-256', label: 'SASL_PLAINTEXT · SCRAM-SHA-256', ssl: false, mechanism: 'scram-sha-256', mtls: false },
  { id: 'sasl-plaintext-scram-sha-512', label: 'SASL_PLAINTEXT · SCRAM-SHA-512', ssl: false, mechanism: 'scram-sha-512', mtls: false },
  { id: 'sasl-ssl-plain', label: 'SASL_SSL · PLAIN', ssl: true, mechanism: 'plain', mtls: false },
  { id: 'sasl-ssl-scram-sha-256', label: 'SASL_SSL · SCRAM-SHA-256', ssl: true, mechanism: 'scram-sha-256', mtls: false },
  { id: 'sasl-ssl-scram-sha-512', label: 'SASL_SSL · SCRAM-SHA-512', ssl: true, mechanism: 'scram-sha-512', mtls: false },
  { id: 'sasl-ssl-oauthbearer', label: 'SASL_SSL · OAUTHBEARER', description: 'a token command or a token', ssl: true, mechanism: 'oauthbearer', mtls: false },
];

/** The choice that describes a connection (SASL over TLS with a client certificate counts as its SASL choice). */
export function kafkaSecurityOf(connection: Pick<KafkaConnection, 'ssl' | 'saslMechanism' | 'clientCertFile'>): KafkaSecurityChoice {
  const mtls = connection.saslMechanism === 'none' && connection.ssl && connection.clientCertFile !== undefined;
  const found = KAFKA_SECURITY_CHOICES.find((c) => c.ssl === connection.ssl && c.mechanism === connection.saslMechanism && c.mtls === mtls)
    // OAUTHBEARER without TLS is not offered, yet a setting may say so: keep it.
    ?? { id: `custom-${String(connection.ssl)}-${connection.saslMechanism}`, label: `${connection.ssl ? 'SASL_SSL' : 'SASL_PLAINTEXT'} · ${connection.saslMechanism.toUpperCase()}`, ssl: connection.ssl, mechanism: connection.saslMechanism, mtls: false };
  return found;
}

/** The answers of the Kafka wizard, as text the user typed or picked. */
export interface KafkaEditState {
  name: string;
  brokers: string;
  security: KafkaSecurityChoice;
  clientCertFile: string;
  clientKeyFile: string;
  saslUsername: string;
  /** OAUTHBEARER: run a command (true) or a static token from secret storage (false). */
  tokenFromCommand: boolean;
  tokenCommand: string;
  /** Secrets typed in the wizard, by target fingerprint. */
  secrets: Record<string, string>;
}

/** The wizard's first state: every field from the connection. */
export function kafkaEditState(connection: KafkaConnection, name = connection.name): KafkaEditState {
  return {
    name,
    brokers: connection.brokers.join(', '),
    security: kafkaSecurityOf(connection),
    clientCertFile: connection.clientCertFile ?? '',
    clientKeyFile: connection.clientKeyFile ?? '',
    saslUsername: connection.saslUsername ?? '',
    tokenFromCommand: connection.oauthTokenCommand !== undefined,
    tokenCommand: connection.oauthTokenCommand ? joinCommandLine(connection.oauthTokenCommand) : '',
    secrets: {},
  };
}

/**
 * The connection the answers describe. What the wizard does not ask (clientId, caFile) is kept
 * from the original; what no longer applies (a user name without SASL, a token command without
 * OAUTHBEARER, a client certificate without TLS) is dropped, so the setting stays valid.
 */
export function kafkaFromEdit(original: KafkaConnection, state: KafkaEditState): KafkaConnection {
  const { security } = state;
  const edited: KafkaConnection = {
    name: state.name.trim(),
    brokers: parseBrokerList(state.brokers).value,
    ssl: security.ssl,
    saslMechanism: security.mechanism,
  };
  if (original.clientId !== undefined) edited.clientId = original.clientId;
  if (original.caFile !== undefined) edited.caFile = original.caFile;
  if (original.schemaRegistry !== undefined) edited.schemaRegistry = original.schemaRegistry;
  if (usesPassword(security.mechanism)) edited.saslUsername = state.saslUsername.trim();
  const keepsCertificate = security.mtls || (security.ssl && security.mechanism !== 'none' && original.clientCertFile !== undefined);
  if (keepsCertificate) {
    const cert = security.mtls ? state.clientCertFile.trim() : original.clientCertFile;
    const key = security.mtls ? state.clientKeyFile.trim() : original.clientKeyFile;
    if (cert && key) {
      edited.clientCertFile = cert;
      edited.clientKeyFile = key;
    }
  }
  if (security.mechanism === 'oauthbearer' && state.tokenFromCommand) edited.oauthTokenCommand = splitCommandLine(state.tokenCommand);
  return edited;
}

// ---------------------------------------------------------------- Airflow

export interface AirflowEditState {
  name: string;
  url: string;
  auth: AirflowAuth;
  username: string;
  secrets: Record<string, string>;
}

export function airflowEditState(connection: AirflowConnection, name = connection.name): AirflowEditState {
  return { name, url: connection.url, auth: connection.auth, username: connection.username ?? '', secrets: {} };
}

export function airflowFromEdit(state: AirflowEditState): AirflowConnection {
  const edited: AirflowConnection = { name: state.name.trim(), url: parseAirflowUrl(state.url).value, auth: state.auth };
  if (state.auth === 'password') edited.username = state.username.trim();
  return edited;
}

// ---------------------------------------------------------------- schema registry of a Kafka connection

/** A registry URL typed by the user; empty is allowed and means "no registry". */
export function registryUrlProblem(text: string): string | undefined {
  return text.trim() === '' ? undefined : parseRegistryUrl(text).problems[0];
}

export interface RegistryEditState {
  /** Empty: the connection has no registry. */
  url: string;
  auth: SchemaRegistryAuthKind;
  username: string;
  secrets: Record<string, string>;
}

export function registryEditState(connection: KafkaConnection): RegistryEditState {
  const registry = connection.schemaRegistry;
  return { url: registry?.url ?? '', auth: registry?.auth ?? 'none', username: registry?.username ?? '', secrets: {} };
}

/** The registry the answers describe, or undefined when the URL was left empty. */
export function registryFromEdit(state: RegistryEditState): SchemaRegistryConnection | undefined {
  if (state.url.trim() === '') return undefined;
  const registry: SchemaRegistryConnection = { url: parseRegistryUrl(state.url).value, auth: state.auth };
  if (state.auth === 'basic') registry.username = state.username.trim();
  return registry;
}

/** The Kafka connection with its registry replaced (or removed). */
export function withRegistry(connection: KafkaConnection, registry: SchemaRegistryConnection | undefined): KafkaConnection {
  const { schemaRegistry: _old, ...rest } = connection;
  return registry ? { ...rest, schemaRegistry: registry } : rest;
}

// ---------------------------------------------------------------- history database

export interface HistoryEditState {
  host: string;
  port: string;
  database: string;
  user: string;
  ssl: boolean;
  secrets: Record<string, string>;
}

export function historyEditState(connection: HistoryConnection): HistoryEditState {
  return { host: connection.host, port: String(connection.port), database: connection.database, user: connection.user, ssl: connection.ssl, secrets: {} };
}

export function historyFromEdit(state: HistoryEditState): HistoryConnection {
  return { host: state.host.trim(), port: Number(state.port.trim()), database: state.database.trim(), user: state.user.trim(), ssl: state.ssl };
}

// ---------------------------------------------------------------- Test Connection

/**
 * The error of a failed Test Connection: what was tested, then the cause's own sentence (it
 * names the address and what to do), with Edit Connection first among the actions, the
 * cause's own actions after it and Retry last.
 */
export function connectionTestError(what: string, error: unknown, edit: ErrorAction): WorkbenchError {
  const cause = error instanceof Error && error.message ? error.message : String(error);
  const own = error instanceof WorkbenchError ? error.actions.filter((a) => a !== 'retry') : ['showLog' as const];
  return new WorkbenchError(`Test of ${what} failed: ${cause}`, { cause: error, actions: [edit, ...own, 'retry'] });
}
