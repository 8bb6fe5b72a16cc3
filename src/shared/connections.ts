/**
 * The shapes of the connection settings and their validation. Settings are user-written
 * JSON, so they are checked here, at the boundary: a bad entry becomes a problem sentence
 * that says which entry and what to change, and the good entries are still used.
 */

export type SaslMechanism = 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaConnection {
  name: string;
  brokers: string[];
  clientId?: string;
  ssl: boolean;
  caFile?: string;
  saslMechanism: SaslMechanism;
  saslUsername?: string;
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

const SASL_MECHANISMS: readonly SaslMechanism[] = ['none', 'plain', 'scram-sha-256', 'scram-sha-512'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
      problems.push(`${label} has no "name".`);
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
    if (saslMechanism !== 'none' && !saslUsername) {
      problems.push(`Kafka connection "${name}": SASL ${saslMechanism} needs "saslUsername".`);
      return;
    }
    const connection: KafkaConnection = { name, brokers, ssl: entry['ssl'] === true, saslMechanism };
    const clientId = optionalString(entry['clientId']);
    if (clientId) connection.clientId = clientId;
    const caFile = optionalString(entry['caFile']);
    if (caFile) connection.caFile = caFile;
    if (saslUsername) connection.saslUsername = saslUsername;
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
      problems.push(`${label} has no "name".`);
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
