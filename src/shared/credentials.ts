/**
 * What a stored credential is bound to. A password, token or key passphrase is kept in
 * SecretStorage under a key made from the *identity* of what it unlocks (the brokers or URL
 * it is sent to, the mechanism, the user), never under a connection's name alone: a
 * workspace that defines a connection of the same name pointing somewhere else gets another
 * key, finds nothing there, and the user is asked again with the reason.
 */
import { createHash } from 'node:crypto';
import type { AirflowConnection, HistoryConnection, KafkaConnection, SchemaRegistryConnection } from './connections';

/** Every kind of secret the extension keeps. */
export type SecretKind =
  | 'kafka.password'
  | 'kafka.keyPassphrase'
  | 'kafka.oauthToken'
  | 'airflow.password'
  | 'airflow.token'
  | 'history.password'
  | 'schemaRegistry.password'
  | 'schemaRegistry.token'
  | 'objectStore.secretKey';

/** What one secret unlocks: a canonical identity (hashed into the key) and words for the user. */
export interface SecretTarget {
  kind: SecretKind;
  /** The connection's name, only for messages and for remembering which target it had last. */
  name: string;
  identity: Record<string, string | number | boolean | string[] | null>;
  /** "brokers 10.0.0.5:9092 as alice (SCRAM-SHA-512, TLS)", shown when the target changed. */
  description: string;
}

function normaliseBroker(address: string): string {
  return address.trim().toLowerCase();
}

function kafkaSecurity(connection: KafkaConnection): string {
  const parts: string[] = [];
  if (connection.saslMechanism !== 'none') parts.push(connection.saslMechanism.toUpperCase());
  parts.push(connection.ssl ? 'TLS' : 'no TLS');
  return parts.join(', ');
}

function brokersOf(connection: KafkaConnection): string[] {
  return [...new Set(connection.brokers.map(normaliseBroker))].sort();
}

/** The SASL password (PLAIN, SCRAM) of a Kafka connection: bound to brokers, TLS, mechanism and user. */
export function kafkaPasswordTarget(connection: KafkaConnection): SecretTarget {
  const brokers = brokersOf(connection);
  return {
    kind: 'kafka.password',
    name: connection.name,
    identity: { brokers, ssl: connection.ssl, mechanism: connection.saslMechanism, user: connection.saslUsername ?? null },
    description: `${brokers.join(', ')} as ${connection.saslUsername ?? '(no user)'} (${kafkaSecurity(connection)})`,
  };
}

/** The static OAUTHBEARER token of a Kafka connection: bound to brokers and TLS. */
export function kafkaTokenTarget(connection: KafkaConnection): SecretTarget {
  const brokers = brokersOf(connection);
  return {
    kind: 'kafka.oauthToken',
    name: connection.name,
    identity: { brokers, ssl: connection.ssl, mechanism: 'oauthbearer' },
    description: `${brokers.join(', ')} (${kafkaSecurity(connection)})`,
  };
}

/** The passphrase of a client key: bound to the key file it opens and the brokers it is shown to. */
export function kafkaKeyPassphraseTarget(connection: KafkaConnection, keyFile: string): SecretTarget {
  const brokers = brokersOf(connection);
  return {
    kind: 'kafka.keyPassphrase',
    name: connection.name,
    identity: { brokers, keyFile },
    description: `the key ${keyFile} for ${brokers.join(', ')}`,
  };
}

/** A secret a Kafka connection needs from the user, with the words to ask for it. */
export interface KafkaSecretNeed {
  target: SecretTarget;
  /** "SASL password", "OAuth token", "passphrase of the client key". */
  what: string;
  /** A key passphrase is needed only when the key file is encrypted. */
  optional: boolean;
}

/** The secrets a Kafka connection may read from SecretStorage, in the order they are asked for. */
export function kafkaSecretNeeds(connection: KafkaConnection): KafkaSecretNeed[] {
  const needs: KafkaSecretNeed[] = [];
  if (connection.saslMechanism === 'plain' || connection.saslMechanism === 'scram-sha-256' || connection.saslMechanism === 'scram-sha-512') {
    needs.push({ target: kafkaPasswordTarget(connection), what: 'SASL password', optional: false });
  }
  if (connection.saslMechanism === 'oauthbearer' && connection.oauthTokenCommand === undefined) {
    needs.push({ target: kafkaTokenTarget(connection), what: 'OAuth token', optional: false });
  }
  if (connection.clientKeyFile !== undefined) {
    needs.push({ target: kafkaKeyPassphraseTarget(connection, connection.clientKeyFile), what: 'passphrase of the client key', optional: true });
  }
  return needs;
}

/** An Airflow URL as an identity: scheme, host and port in lower case, path kept, no trailing slash. */
export function canonicalUrl(url: string): string {
  try {
    const parsed = new URL(url.trim());
    const path = parsed.pathname.replace(/\/+$/, '');
    return `${parsed.protocol}//${parsed.host.toLowerCase()}${path}`;
  } catch {
    return url.trim();
  }
}

/** The password or token of an Airflow connection: bound to the URL, the kind of sign-in and the user. */
export function airflowTarget(connection: AirflowConnection): SecretTarget {
  const url = canonicalUrl(connection.url);
  const token = connection.auth === 'token';
  return {
    kind: token ? 'airflow.token' : 'airflow.password',
    name: connection.name,
    identity: { url, auth: connection.auth, user: token ? null : connection.username ?? null },
    description: token ? url : `${url} as ${connection.username ?? '(no user)'}`,
  };
}

/**
 * The password (basic) or token (bearer) of a Kafka connection's schema registry: bound to the
 * registry's URL, the kind of sign-in and the user, not to the brokers (one registry may serve
 * several connections, which then share its secret). Undefined when it signs in with nothing.
 */
export function schemaRegistryTarget(connectionName: string, registry: SchemaRegistryConnection): SecretTarget | undefined {
  if (registry.auth === 'none') return undefined;
  const url = canonicalUrl(registry.url);
  const bearer = registry.auth === 'bearer';
  return {
    kind: bearer ? 'schemaRegistry.token' : 'schemaRegistry.password',
    name: connectionName,
    identity: { url, auth: registry.auth, user: bearer ? null : registry.username ?? null },
    description: bearer ? `the schema registry ${url}` : `the schema registry ${url} as ${registry.username ?? '(no user)'}`,
  };
}

/** The secret a Kafka connection's schema registry reads, with the words to ask for it (none without sign-in). */
export function schemaRegistrySecretNeeds(connection: KafkaConnection): KafkaSecretNeed[] {
  const registry = connection.schemaRegistry;
  const target = registry ? schemaRegistryTarget(connection.name, registry) : undefined;
  if (!registry || !target) return [];
  return [{ target, what: registry.auth === 'bearer' ? 'schema registry token' : 'schema registry password', optional: false }];
}

/** The password of the history database: bound to host, port, database, user and TLS. */
export function historyTarget(connection: HistoryConnection): SecretTarget {
  const host = connection.host.trim().toLowerCase();
  return {
    kind: 'history.password',
    name: 'history',
    identity: { host, port: connection.port, database: connection.database, user: connection.user, ssl: connection.ssl },
    description: `${connection.user}@${host}:${connection.port}/${connection.database}${connection.ssl ? ' (TLS)' : ''}`,
  };
}

/** JSON with the keys sorted, so the same identity always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The fingerprint of a target: the same for the same identity, different for any change of it. */
export function targetFingerprint(target: SecretTarget): string {
  return createHash('sha256').update(`${target.kind}\n${canonicalJson(target.identity)}`).digest('hex').slice(0, 40);
}

/** The SecretStorage key of a target. The connection's name is not part of it. */
export function secretKeyOf(target: SecretTarget): string {
  return `kafkaAirflow.secret.${target.kind}.${targetFingerprint(target)}`;
}

/** The keys that releases up to 0.8 used, by connection name; read once to migrate, then deleted. */
export const LegacySecretKey = {
  kafkaPassword: (name: string) => `kafkaAirflow.kafka.${name}.password`,
  airflowPassword: (name: string) => `kafkaAirflow.airflow.${name}.password`,
  airflowToken: (name: string) => `kafkaAirflow.airflow.${name}.token`,
  historyPassword: () => 'kafkaAirflow.history.password',
} as const;

/** What the user is told when a connection's target changed since its secret was stored. */
export function targetChangedMessage(what: string, target: SecretTarget, previousDescription: string): string {
  const noun = target.kind.startsWith('kafka') || target.kind.startsWith('schemaRegistry') ? 'Kafka connection' : target.kind.startsWith('airflow') ? 'Airflow connection' : 'history database';
  const subject = target.kind === 'history.password' ? 'The history database' : `The ${noun} "${target.name}"`;
  return `${subject} now points at ${target.description}, but its ${what} was saved for ${previousDescription}. ` +
    `The saved ${what} is not sent to a new target. If you trust this target (settings of an opened folder can change it), enter the ${what} for it.`;
}

/** The secret key of the stack's object store (S3): bound to the endpoint and the access key. */
export function objectStoreTarget(endpoint: string, accessKeyId: string): SecretTarget {
  const url = canonicalUrl(endpoint);
  return { kind: 'objectStore.secretKey', name: 'object store', identity: { url, accessKeyId }, description: `${url} as ${accessKeyId}` };
}
