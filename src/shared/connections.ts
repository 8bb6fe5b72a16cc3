/**
 * The shapes of the connection settings and their validation. Settings are user-written
 * JSON, so they are checked here, at the boundary: a bad entry becomes a problem sentence
 * that says which entry and what to change, and the good entries are still used.
 */
import { isRecord } from './guards';

export type SaslMechanism = 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'oauthbearer';

export interface KafkaConnection {
  name: string;
  brokers: string[];
  clientId?: string;
  ssl: boolean;
  caFile?: string;
  saslMechanism: SaslMechanism;
  saslUsername?: string;
  /** PEM client certificate for mutual TLS (with clientKeyFile; needs ssl). */
  clientCertFile?: string;
  /** PEM private key of the client certificate; its passphrase, if any, is in SecretStorage. */
  clientKeyFile?: string;
  /** OAUTHBEARER: a command (argv, run without a shell) that prints a token; else a static token from SecretStorage. */
  oauthTokenCommand?: string[];
  /** The schema registry of this cluster (Confluent REST API), if it has one. */
  schemaRegistry?: SchemaRegistryConnection;
}

export type SchemaRegistryAuthKind = 'none' | 'basic' | 'bearer';

/**
 * A schema registry belongs to a Kafka connection: its URL (Confluent, Karapace, or Apicurio's
 * compatibility API ending in /apis/ccompat/v7) and how to sign in. The password or token is in
 * SecretStorage, bound to the URL, the kind of sign-in and the user (src/shared/credentials.ts).
 */
export interface SchemaRegistryConnection {
  url: string;
  auth: SchemaRegistryAuthKind;
  /** Basic auth only. */
  username?: string;
}

export type AirflowAuth = 'password' | 'token';

export interface AirflowConnection {
  name: string;
  url: string;
  auth: AirflowAuth;
  username?: string;
}

export interface HistoryConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  ssl: boolean;
}

export interface Parsed<T> {
  value: T;
  problems: string[];
}

const SASL_MECHANISMS: readonly SaslMechanism[] = ['none', 'plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'];

/** Mechanisms that send a user name and a password. */
export function usesPassword(mechanism: SaslMechanism): boolean {
  return mechanism === 'plain' || mechanism === 'scram-sha-256' || mechanism === 'scram-sha-512';
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * Checks one broker address. Returns a problem sentence, or undefined when it is a usable
 * host:port. Accepts IPv6 in brackets ([::1]:9092).
 */
export function brokerAddressProblem(address: string): string | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(address.trim());
  if (!match) {
    return `"${address}" is not a broker address. Write host:port, for example 127.0.0.1:9092.`;
  }
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return `"${address}" has port ${port}; a port is between 1 and 65535.`;
  return undefined;
}

/** Parses a comma- or space-separated list of brokers as a user types it. */
export function parseBrokerList(text: string): Parsed<string[]> {
  const brokers = text.split(/[\s,]+/).map((b) => b.trim()).filter((b) => b !== '');
  const problems = brokers.map(brokerAddressProblem).filter((p): p is string => p !== undefined);
  if (brokers.length === 0) problems.push('Give at least one broker as host:port, for example 127.0.0.1:9092.');
  return { value: brokers, problems };
}

/** Checks a schema registry URL; returns it without a trailing slash. */
export function parseRegistryUrl(text: string): Parsed<string> {
  const parsed = parseAirflowUrl(text);
  if (parsed.problems.length > 0) {
    return { value: parsed.value, problems: [`"${text}" is not a schema registry URL. Write it like http://127.0.0.1:8085 (Apicurio: https://host/apis/ccompat/v7).`] };
  }
  try {
    const url = new URL(parsed.value);
    if (url.username || url.password) return { value: parsed.value, problems: ['Leave the user and password out of the URL: choose basic authentication, so the password is kept in secret storage.'] };
  } catch {
    // parseAirflowUrl checked it already
  }
  return parsed;
}

/** Validates the `schemaRegistry` entry of a Kafka connection; a problem sentence, or the connection. */
export function parseSchemaRegistry(raw: unknown, connectionName: string): { value?: SchemaRegistryConnection; problem?: string } {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) return { problem: `Kafka connection "${connectionName}": "schemaRegistry" is an object with "url" and, if it needs one, "auth" ("basic" or "bearer").` };
  const url = parseRegistryUrl(typeof raw['url'] === 'string' ? raw['url'] : '');
  if (url.problems.length > 0) return { problem: `Kafka connection "${connectionName}": ${url.problems[0] ?? ''}` };
  const authRaw = raw['auth'] ?? 'none';
  if (authRaw !== 'none' && authRaw !== 'basic' && authRaw !== 'bearer') {
    return { problem: `Kafka connection "${connectionName}": schemaRegistry "auth" must be one of none, basic, bearer.` };
  }
  const username = optionalString(raw['username']);
  if (authRaw === 'basic' && !username) return { problem: `Kafka connection "${connectionName}": schemaRegistry basic authentication needs "username".` };
  const value: SchemaRegistryConnection = { url: url.value, auth: authRaw };
  if (authRaw === 'basic' && username) value.username = username;
  return { value };
}

/** Checks an Airflow base URL; returns the URL without a trailing slash. */
export function parseAirflowUrl(text: string): Parsed<string> {
  const trimmed = text.trim().replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { value: trimmed, problems: [`"${text}" is not a URL. Write it like http://127.0.0.1:8080`] };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { value: trimmed, problems: [`"${text}" must start with http:// or https://`] };
  }
  return { value: trimmed, problems: [] };
}

function uniqueNames<T extends { name: string }>(items: T[], what: string, problems: string[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (seen.has(item.name)) {
      problems.push(`${what} "${item.name}" is defined twice; the second one is ignored. Give each a unique name.`);
      return false;
    }
    seen.add(item.name);
    return true;
  });
}

/** Validates the value of `kafkaAirflow.kafka.connections`. */
export function parseKafkaConnections(raw: unknown): Parsed<KafkaConnection[]> {
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { value: [], problems };
  if (!Array.isArray(raw)) {
    return { value: [], problems: ['kafkaAirflow.kafka.connections must be a list of connections.'] };
  }
  const result: KafkaConnection[] = [];
  raw.forEach((entry: unknown, index) => {
    const label = `Kafka connection #${index + 1}`;
    if (!isRecord(entry)) {
      problems.push(`${label} is not an object with "name" and "brokers".`);
      return;
    }
    const name = optionalString(entry['name']);
    if (!name) {
      problems.push(`${label} has no "name". Give it one, for example "name": "Production".`);
      return;
    }
    const brokersRaw = entry['brokers'];
    const brokers = Array.isArray(brokersRaw) ? brokersRaw.filter((b): b is string => typeof b === 'string') : [];
    const brokerProblems = brokers.map(brokerAddressProblem).filter((p): p is string => p !== undefined);
    if (brokers.length === 0 || brokerProblems.length > 0) {
      problems.push(`Kafka connection "${name}": ${brokerProblems[0] ?? 'give "brokers" as a list of host:port.'}`);
      return;
    }
    const mechanismRaw = entry['saslMechanism'] ?? 'none';
    if (typeof mechanismRaw !== 'string' || !SASL_MECHANISMS.includes(mechanismRaw as SaslMechanism)) {
      problems.push(`Kafka connection "${name}": saslMechanism must be one of ${SASL_MECHANISMS.join(', ')}.`);
      return;
    }
    const saslMechanism = mechanismRaw as SaslMechanism;
    const saslUsername = optionalString(entry['saslUsername']);
    if (usesPassword(saslMechanism) && !saslUsername) {
      problems.push(`Kafka connection "${name}": SASL ${saslMechanism} needs "saslUsername".`);
      return;
    }
    const ssl = entry['ssl'] === true;
    const clientCertFile = optionalString(entry['clientCertFile']);
    const clientKeyFile = optionalString(entry['clientKeyFile']);
    if ((clientCertFile === undefined) !== (clientKeyFile === undefined)) {
      problems.push(`Kafka connection "${name}": mutual TLS needs both "clientCertFile" and "clientKeyFile"; ${clientCertFile ? '"clientKeyFile"' : '"clientCertFile"'} is missing.`);
      return;
    }
    if (clientCertFile && !ssl) {
      problems.push(`Kafka connection "${name}": a client certificate is only sent over TLS. Set "ssl": true or remove "clientCertFile" and "clientKeyFile".`);
      return;
    }
    const commandRaw = entry['oauthTokenCommand'];
    let oauthTokenCommand: string[] | undefined;
    if (commandRaw !== undefined && commandRaw !== null) {
      if (!Array.isArray(commandRaw) || commandRaw.length === 0 || !commandRaw.every((part) => typeof part === 'string' && part !== '')) {
        problems.push(`Kafka connection "${name}": "oauthTokenCommand" is the program and its arguments as a list of strings, for example ["/usr/local/bin/get-token", "--audience", "kafka"].`);
        return;
      }
      if (saslMechanism !== 'oauthbearer') {
        problems.push(`Kafka connection "${name}": "oauthTokenCommand" is used only with "saslMechanism": "oauthbearer".`);
        return;
      }
      oauthTokenCommand = commandRaw as string[];
    }
    const registry = parseSchemaRegistry(entry['schemaRegistry'], name);
    if (registry.problem) {
      problems.push(registry.problem);
      return;
    }
    const connection: KafkaConnection = { name, brokers, ssl, saslMechanism };
    const clientId = optionalString(entry['clientId']);
    if (clientId) connection.clientId = clientId;
    const caFile = optionalString(entry['caFile']);
    if (caFile) connection.caFile = caFile;
    if (saslUsername && saslMechanism !== 'none') connection.saslUsername = saslUsername;
    if (clientCertFile && clientKeyFile) {
      connection.clientCertFile = clientCertFile;
      connection.clientKeyFile = clientKeyFile;
    }
    if (oauthTokenCommand) connection.oauthTokenCommand = oauthTokenCommand;
    if (registry.value) connection.schemaRegistry = registry.value;
    result.push(connection);
  });
  return { value: uniqueNames(result, 'Kafka connection', problems), problems };
}

/** Validates the value of `kafkaAirflow.airflow.connections`. */
export function parseAirflowConnections(raw: unknown): Parsed<AirflowConnection[]> {
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { value: [], problems };
  if (!Array.isArray(raw)) {
    return { value: [], problems: ['kafkaAirflow.airflow.connections must be a list of connections.'] };
  }
  const result: AirflowConnection[] = [];
  raw.forEach((entry: unknown, index) => {
    const label = `Airflow connection #${index + 1}`;
    if (!isRecord(entry)) {
      problems.push(`${label} is not an object with "name" and "url".`);
      return;
    }
    const name = optionalString(entry['name']);
    if (!name) {
      problems.push(`${label} has no "name". Give it one, for example "name": "Production".`);
      return;
    }
    const url = parseAirflowUrl(typeof entry['url'] === 'string' ? entry['url'] : '');
    if (url.problems.length > 0) {
      problems.push(`Airflow connection "${name}": ${url.problems[0] ?? ''}`);
      return;
    }
    const auth = entry['auth'] === 'token' ? 'token' : 'password';
    const username = optionalString(entry['username']);
    if (auth === 'password' && !username) {
      problems.push(`Airflow connection "${name}": password auth needs "username".`);
      return;
    }
    const connection: AirflowConnection = { name, url: url.value, auth };
    if (username) connection.username = username;
    result.push(connection);
  });
  return { value: uniqueNames(result, 'Airflow connection', problems), problems };
}

/** Validates the value of `kafkaAirflow.history.connection` (null when not configured). */
export function parseHistoryConnection(raw: unknown): Parsed<HistoryConnection | undefined> {
  if (raw === undefined || raw === null) return { value: undefined, problems: [] };
  if (!isRecord(raw)) {
    return { value: undefined, problems: ['kafkaAirflow.history.connection must be an object with host, port, database and user.'] };
  }
  const port = raw['port'] ?? 5432;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    return { value: undefined, problems: ['kafkaAirflow.history.connection: "port" must be a number between 1 and 65535.'] };
  }
  return {
    value: {
      host: optionalString(raw['host']) ?? '127.0.0.1',
      port,
      database: optionalString(raw['database']) ?? 'workbench',
      user: optionalString(raw['user']) ?? 'workbench',
      ssl: raw['ssl'] === true,
    },
    problems: [],
  };
}

/** Returns a copy of `list` with `item` in place of the entry of the same name, or appended. */
export function upsertByName<T extends { name: string }>(list: readonly T[], item: T): T[] {
  const index = list.findIndex((entry) => entry.name === item.name);
  if (index === -1) return [...list, item];
  return list.map((entry, i) => (i === index ? item : entry));
}

/** Checks a connection name typed by the user; returns a problem sentence or undefined. */
export function connectionNameProblem(name: string, taken: readonly string[]): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return 'Give the connection a name.';
  if (taken.includes(trimmed)) return `A connection named "${trimmed}" exists already. Choose another name.`;
  return undefined;
}

/** The values of one setting in each scope, as `WorkspaceConfiguration.inspect` gives them. */
export interface ScopedValues {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/** Where a setting's effective value came from. */
export type SettingOrigin = 'default' | 'user' | 'workspace';

/**
 * The value of a setting that can carry credentials' targets, under workspace trust: in a
 * trusted workspace VS Code's own order (folder, workspace, user, default); in an untrusted
 * one the user's value or the default, and the folder's value only to be shown as ignored.
 */
export function effectiveSetting(values: ScopedValues, trusted: boolean): { value: unknown; origin: SettingOrigin; ignored?: unknown } {
  const fromWorkspace = values.workspaceFolderValue !== undefined ? values.workspaceFolderValue : values.workspaceValue;
  const fromUser = values.globalValue !== undefined
    ? { value: values.globalValue, origin: 'user' as const }
    : { value: values.defaultValue, origin: 'default' as const };
  if (fromWorkspace === undefined) return fromUser;
  if (trusted) return { value: fromWorkspace, origin: 'workspace' };
  return { ...fromUser, ignored: fromWorkspace };
}

/** Problem sentences that begin with this are Restricted Mode notes: the views show them with the trust action. */
export const RESTRICTED_MODE_PREFIX = 'Restricted Mode:';

/** The note for connections that an untrusted folder's settings define and that are not used. */
export function restrictedModeNote(what: string, names: readonly string[]): string {
  const list = names.map((n) => `"${n}"`).join(', ');
  const plural = names.length === 1 ? `${what} ${list} is` : `${what}s ${list} are`;
  return `${RESTRICTED_MODE_PREFIX} the ${plural} defined in this folder's settings and not used until you trust the folder.`;
}

/**
 * Splits a command line typed by the user into program and arguments, as a POSIX shell
 * would split words (single and double quotes, backslash escapes), without running a shell.
 */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1] ?? '')) word += text[++i] ?? '';
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      word += text[++i] ?? '';
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
