/**
 * Builds the kafkajs client options from a connection: brokers (checked first, so a
 * malformed address is a clear error, not a retry loop), client id, TLS with a custom CA
 * and a client certificate (mutual TLS, checked before connecting), SASL PLAIN / SCRAM /
 * OAUTHBEARER, timeouts and retries bounded by the connection's request timeout, and
 * kafkajs's own logging routed to our Logger at warn level and above.
 */
import type { ConnectionOptions } from 'node:tls';
import { logLevel, type KafkaConfig, type LogEntry, type logCreator, type Mechanism, type SASLOptions } from 'kafkajs';
import { brokerAddressProblem } from '../shared/connections';
import type { Logger } from '../shared/logger';
import { WorkbenchError } from '../shared/errors';
import type * as OAuthBearer from './oauthBearer';
import { checkClientCertificatePair } from './pemFiles';
import type { KafkaConnectionConfig } from './types';

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
export const DEFAULT_CLIENT_ID = 'kafka-airflow-workbench';

/** The request timeout of a connection, within sane bounds. */
export function requestTimeoutOf(config: KafkaConnectionConfig): number {
  const ms = config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return Math.min(Math.max(ms, 500), 300_000);
}

/** Throws a WorkbenchError naming the first malformed broker address. */
export function checkBrokers(config: KafkaConnectionConfig): void {
  if (config.brokers.length === 0) {
    throw new WorkbenchError(`Kafka connection "${config.name}" has no brokers. Add at least one host:port, for example 127.0.0.1:9092.`, {
      actions: ['openSettings'],
    });
  }
  for (const broker of config.brokers) {
    const problem = brokerAddressProblem(broker);
    if (problem) throw new WorkbenchError(`Kafka connection "${config.name}": ${problem}`, { actions: ['openSettings'] });
  }
}

/** kafkajs log entries at warn and above go to our logger, tagged with kafkajs's namespace. */
export function kafkajsLogCreator(logger: Logger): logCreator {
  return () => (entry: LogEntry) => {
    const { message, ...extra } = entry.log;
    const detail: Record<string, unknown> = { ...extra };
    delete detail['timestamp'];
    delete detail['logger'];
    const extraText = Object.keys(detail).length > 0 ? ` ${safeJson(detail)}` : '';
    const line = `[kafkajs ${entry.namespace}] ${message}${extraText}`;
    if (entry.level === logLevel.ERROR) logger.error(line);
    else if (entry.level === logLevel.WARN) logger.warn(line);
    else logger.debug(line);
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return '[unserializable]';
  }
}

function saslOptions(config: KafkaConnectionConfig): SASLOptions | Mechanism | undefined {
  if (config.saslMechanism === 'none') return undefined;
  if (config.saslMechanism === 'oauthbearer') {
    if (config.oauthBearerToken === undefined) {
      throw new WorkbenchError(
        `Kafka connection "${config.name}" uses SASL OAUTHBEARER but has no token: set "oauthTokenCommand" to a command that prints one, or store a token.`,
        { actions: ['openSettings'] },
      );
    }
    // oauthBearer.ts extends kafkajs's error class: required when an OAUTHBEARER client is made, not at activation.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see esbuild.js kafkajsSpecifiers
    const { oauthBearerMechanism } = require('./oauthBearer') as typeof OAuthBearer;
    return oauthBearerMechanism(config.name, config.oauthBearerToken);
  }
  const username = config.saslUsername ?? '';
  if (username === '') {
    throw new WorkbenchError(`Kafka connection "${config.name}" uses SASL ${config.saslMechanism} but has no user name. Set saslUsername.`, {
      actions: ['openSettings'],
    });
  }
  if (config.password === undefined) {
    throw new WorkbenchError(`Kafka connection "${config.name}" needs the SASL password for user ${username}: enter it to connect.`, {
      actions: ['openSettings'],
    });
  }
  const password = config.password;
  switch (config.saslMechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

const given = (text: string | undefined): text is string => text !== undefined && text.trim() !== '';

/**
 * The TLS options: the CA when given, the client certificate and key (checked here, so a
 * wrong passphrase or a key of another certificate is named before any handshake).
 */
function sslOptions(config: KafkaConnectionConfig): ConnectionOptions | boolean {
  const hasCert = given(config.clientCert);
  const hasKey = given(config.clientKey);
  if (!config.ssl) {
    if (hasCert || hasKey) {
      throw new WorkbenchError(
        `Kafka connection "${config.name}" has a client certificate but TLS is off. Set "ssl": true (a client certificate is sent only over TLS), or remove "clientCertFile" and "clientKeyFile".`,
        { actions: ['openSettings'] },
      );
    }
    return false;
  }
  if (hasCert !== hasKey) {
    const [has, missing, setting] = hasCert ? ['certificate', 'key', 'clientKeyFile'] : ['key', 'certificate', 'clientCertFile'];
    throw new WorkbenchError(
      `Kafka connection "${config.name}" has a client ${has} but no client ${missing}: set "${setting}" too (mutual TLS needs both).`,
      { actions: ['openSettings'] },
    );
  }
  const options: ConnectionOptions = {};
  if (given(config.ca)) options.ca = [config.ca];
  if (given(config.clientCert) && given(config.clientKey)) {
    checkClientCertificatePair({ cert: config.clientCert, key: config.clientKey }, config.clientKeyPassphrase, {
      connectionName: config.name,
      certFile: config.clientCertFile,
      keyFile: config.clientKeyFile,
    });
    options.cert = config.clientCert;
    options.key = config.clientKey;
    if (config.clientKeyPassphrase !== undefined && config.clientKeyPassphrase !== '') options.passphrase = config.clientKeyPassphrase;
  }
  return Object.keys(options).length > 0 ? options : true;
}

/**
 * kafkajs client options. Retries stay inside the request timeout: kafkajs would otherwise
 * retry for up to 30 s per call with its defaults.
 */
export function kafkajsConfig(config: KafkaConnectionConfig, logger: Logger): KafkaConfig {
  checkBrokers(config);
  const requestTimeout = requestTimeoutOf(config);
  const options: KafkaConfig = {
    brokers: config.brokers.map((b) => b.trim()),
    clientId: config.clientId ?? DEFAULT_CLIENT_ID,
    connectionTimeout: Math.min(requestTimeout, 5_000),
    authenticationTimeout: Math.min(requestTimeout, 10_000),
    requestTimeout,
    enforceRequestTimeout: true,
    retry: { retries: 2, initialRetryTime: 150, maxRetryTime: Math.max(500, Math.floor(requestTimeout / 4)), factor: 0.2, multiplier: 2 },
    logLevel: logLevel.WARN,
    logCreator: kafkajsLogCreator(logger),
  };
  const ssl = sslOptions(config);
  if (ssl !== false) options.ssl = ssl;
  const sasl = saslOptions(config);
  if (sasl) options.sasl = sasl;
  return options;
}
