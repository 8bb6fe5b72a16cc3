/**
 * Turns what kafkajs and the brokers throw into WorkbenchErrors whose sentence names the
 * cluster, the topic or group, and what the user can do about it. Pure: the mapping is unit
 * tested with kafkajs's own error classes, and integration tested with real faults.
 */
import { explainNetworkError, WorkbenchError } from '../shared/errors';
import type * as OAuthBearer from './oauthBearer';
import type { KafkaConnectionConfig } from './types';

/** What the failing call was doing, for the sentence: "listing topics", "reading topic orders". */
export interface KafkaErrorContext {
  action: string;
  topic?: string;
  groupId?: string;
}

interface KafkajsLikeError {
  name?: unknown;
  message?: unknown;
  type?: unknown;
  code?: unknown;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown;
}

/** Every error in the chain: the error, its cause, kafkajs's originalError, AggregateError members. */
export function errorChain(error: unknown): KafkajsLikeError[] {
  const chain: KafkajsLikeError[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && chain.length < 12) {
    const current = queue.shift();
    if (typeof current !== 'object' || current === null || chain.includes(current)) continue;
    const e = current as KafkajsLikeError;
    chain.push(e);
    queue.push(e.cause, e.originalError);
    if (Array.isArray(e.errors)) queue.push(...(e.errors as unknown[]));
  }
  return chain;
}

/** The Kafka protocol error type (UNKNOWN_TOPIC_OR_PARTITION, MESSAGE_TOO_LARGE, ...) anywhere in the chain. */
export function kafkaErrorType(error: unknown): string | undefined {
  for (const e of errorChain(error)) {
    if (typeof e.type === 'string' && /^[A-Z_]+$/.test(e.type)) return e.type;
  }
  return undefined;
}

function hasName(error: unknown, name: string): boolean {
  return errorChain(error).some((e) => e.name === name);
}

function firstMessage(error: unknown): string {
  for (const e of errorChain(error)) {
    if (typeof e.message === 'string' && e.message !== '') return e.message;
  }
  return String(error);
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function codeInChain(error: unknown): string | undefined {
  for (const e of errorChain(error)) {
    if (typeof e.code === 'string' && e.code !== '') return e.code;
  }
  return undefined;
}

/** The TLS alert a broker sent, from Node's code (ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE -> BAD_CERTIFICATE; OpenSSL and BoringSSL spellings). */
function tlsAlertOf(error: unknown): string | undefined {
  for (const e of errorChain(error)) {
    if (typeof e.code !== 'string') continue;
    const alert = /^ERR_SSL_(?:SSLV3_|TLSV1_|TLSV13_)?(?:ALERT_)?(BAD_CERTIFICATE|CERTIFICATE_[A-Z_]+|UNKNOWN_CA|ACCESS_DENIED|HANDSHAKE_FAILURE|UNSUPPORTED_CERTIFICATE)$/.exec(e.code);
    if (alert?.[1] !== undefined) return alert[1];
  }
  return undefined;
}

/** Alerts a broker sends about the client's certificate (none sent, or not trusted). */
const CLIENT_CERTIFICATE_ALERTS = new Set(['BAD_CERTIFICATE', 'CERTIFICATE_REQUIRED', 'CERTIFICATE_UNKNOWN', 'UNKNOWN_CA', 'CERTIFICATE_EXPIRED', 'CERTIFICATE_REVOKED', 'UNSUPPORTED_CERTIFICATE', 'ACCESS_DENIED']);

/** The sentence for a token the broker refused (SASL OAUTHBEARER). */
function oauthRefusedSentence(where: string, config: KafkaConnectionConfig, detail: string, expiresAt: number | undefined, scope: string | undefined): string {
  let why = '';
  if (expiresAt !== undefined && expiresAt <= Date.now()) why = `: the token expired at ${new Date(expiresAt).toISOString()}`;
  else if (scope !== undefined) why = `: the token lacks the scope "${scope}"`;
  const next = config.oauthTokenCommand !== undefined && config.oauthTokenCommand.length > 0
    ? 'Retry runs the token command again; check that it prints a valid token for this cluster.'
    : 'Store a fresh token for this connection, or set "oauthTokenCommand" to a command that prints one.';
  return `Kafka at ${where} refused the OAuth token of this connection (SASL OAUTHBEARER, ${detail})${why}. ${next}`;
}

/** The brokers as the user wrote them, for sentences. */
export function brokerList(config: Pick<KafkaConnectionConfig, 'brokers'>): string {
  return config.brokers.join(', ');
}

/** Kafka's rule for topic names; returns a sentence when `name` breaks it. */
export function topicNameProblem(name: string): string | undefined {
  if (name === '') return 'Give a topic name.';
  if (name === '.' || name === '..') return `"${name}" is not a valid topic name.`;
  if (name.length > 249) return `The topic name is ${name.length} characters long; Kafka allows at most 249.`;
  const bad = /[^a-zA-Z0-9._-]/.exec(name);
  if (bad) {
    return `Topic name "${name}" contains "${bad[0]}": Kafka topic names may use only letters, digits, ".", "_" and "-".`;
  }
  return undefined;
}

/** The sentence for a partition that does not exist: "topic T has partitions 0–2; partition 5 does not exist". */
export function partitionProblem(topic: string, partitionCount: number, partition: number): string {
  const range = partitionCount === 1 ? 'only partition 0' : `partitions 0–${partitionCount - 1}`;
  return `Topic "${topic}" has ${range}; partition ${partition} does not exist.`;
}

/**
 * Wraps any failure of a Kafka call in a WorkbenchError with a sentence a user can act on.
 * A WorkbenchError passes through unchanged.
 */
export function toKafkaError(error: unknown, config: KafkaConnectionConfig, context: KafkaErrorContext): WorkbenchError {
  if (error instanceof WorkbenchError) return error;
  // A sentence made below kafkajs (the OAuth token command failed) is handed on as it is.
  const made = errorChain(error).find((e) => e instanceof WorkbenchError);
  if (made instanceof WorkbenchError) return made;
  const where = brokerList(config);
  const retry = ['retry', 'showLog'] as const;
  const settings = ['openSettings', 'showLog'] as const;
  const make = (sentence: string, actions: readonly ('retry' | 'openSettings' | 'showLog')[] = ['showLog']): WorkbenchError =>
    new WorkbenchError(sentence, { cause: error, actions });

  // oauthBearer.ts extends kafkajs's error class, so it loads kafkajs: required here, when an error is mapped, not at activation.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see esbuild.js kafkajsSpecifiers
  const { OAuthBearerRefusedError } = require('./oauthBearer') as typeof OAuthBearer;
  const refused = errorChain(error).find((e) => e instanceof OAuthBearerRefusedError);
  if (refused instanceof OAuthBearerRefusedError) {
    const { status, scope, tokenExpiresAt } = refused.refusal;
    return make(oauthRefusedSentence(where, config, status, tokenExpiresAt, scope), ['retry', 'openSettings', 'showLog']);
  }
  if (hasName(error, 'KafkaJSSASLAuthenticationError') && /mechanism is not supported by the server/.test(firstMessage(error))) {
    return make(`Kafka at ${where} does not accept SASL ${config.saslMechanism}. Check the connection's SASL mechanism.`, settings);
  }
  if (config.saslMechanism === 'oauthbearer' && (hasName(error, 'KafkaJSSASLAuthenticationError') || kafkaErrorType(error) === 'SASL_AUTHENTICATION_FAILED')) {
    return make(oauthRefusedSentence(where, config, firstMessage(error), undefined, undefined), ['retry', 'openSettings', 'showLog']);
  }
  if (hasName(error, 'KafkaJSSASLAuthenticationError') || kafkaErrorType(error) === 'SASL_AUTHENTICATION_FAILED') {
    const user = config.saslUsername ?? '(no user name)';
    return make(`Kafka at ${where} refused the SASL credentials for user ${user}: re-enter the password.`, settings);
  }
  if (kafkaErrorType(error) === 'ILLEGAL_SASL_STATE' || kafkaErrorType(error) === 'UNSUPPORTED_SASL_MECHANISM') {
    return make(`Kafka at ${where} does not accept SASL ${config.saslMechanism}. Check the connection's SASL mechanism.`, settings);
  }

  const code = codeInChain(error);
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const reason = errorChain(error).find((e) => e.code === code && typeof e.message === 'string')?.message;
    const detail = typeof reason === 'string' ? reason.replace(/^Connection error: /, '').replace(/[:\s]+$/, '') : code;
    return make(
      `Kafka at ${where} presented a certificate for another host (${detail}). Use a broker address that the certificate names, as the cluster's own clients do.`,
      settings,
    );
  }
  if (code !== undefined && TLS_CODES.has(code)) {
    return make(
      `Kafka at ${where} presented a certificate this machine does not trust (${code}). Set "caFile" of this connection in kafkaAirflow.kafka.connections to the PEM file of the CA that signed the broker's certificate.`,
      settings,
    );
  }
  const alert = tlsAlertOf(error);
  if (alert !== undefined) {
    const alertText = alert.toLowerCase().replace(/_/g, ' ');
    const hasClientCertificate = config.clientCert !== undefined && config.clientCert.trim() !== '';
    if (!hasClientCertificate && CLIENT_CERTIFICATE_ALERTS.has(alert)) {
      return make(
        `Kafka at ${where} asks for a client certificate (mutual TLS) and this connection sends none. Set "clientCertFile" and "clientKeyFile" of this connection in kafkaAirflow.kafka.connections.`,
        settings,
      );
    }
    if (hasClientCertificate && CLIENT_CERTIFICATE_ALERTS.has(alert)) {
      return make(
        `Kafka at ${where} does not trust the client certificate of this connection (TLS alert: ${alertText}). It must be signed by a CA in the broker's trust store and be valid now: ask the cluster's administrator for a certificate the cluster accepts, and set "clientCertFile" and "clientKeyFile" to it.`,
        settings,
      );
    }
    const next = hasClientCertificate
      ? "Check this connection's TLS settings against the cluster's."
      : 'If the cluster asks for client certificates, set "clientCertFile" and "clientKeyFile"; otherwise check this connection\'s TLS settings against the cluster\'s.';
    return make(`Kafka at ${where} ended the TLS handshake (TLS alert: ${alertText}). ${next}`, settings);
  }
  // TLS towards a plaintext listener: the broker drops the handshake (or answers bytes that are not TLS).
  const tlsHandshake = /before secure TLS connection was established|wrong version number|packet length too long/i;
  if (config.ssl && errorChain(error).some((e) => typeof e.message === 'string' && tlsHandshake.test(e.message))) {
    return make(
      `Kafka at ${where} ended the TLS handshake: this listener may not use TLS. Set "ssl" to false for this connection in kafkaAirflow.kafka.connections, or use the broker's TLS port.`,
      settings,
    );
  }
  const network = explainNetworkError(error, 'Kafka', where);
  if (network) return make(network, retry);
  // "Broker not connected": kafkajs gave up on the broker's first answer (ApiVersions timed out)
  // and then asked the never-connected broker for metadata.
  if (hasName(error, 'KafkaJSRequestTimeoutError') || /Connection timeout|timed out|Broker not connected/i.test(firstMessage(error))) {
    return make(
      `Kafka at ${where} did not answer in time while ${context.action}. Check the address, a firewall or VPN, or raise kafkaAirflow.requestTimeoutSeconds.`,
      retry,
    );
  }
  if (hasName(error, 'KafkaJSConnectionClosedError') || hasName(error, 'KafkaJSConnectionError')) {
    const hint = config.ssl ? '' : ' If the cluster uses TLS, enable TLS for this connection.';
    return make(`Kafka at ${where} closed the connection while ${context.action}. Check that the address is a Kafka broker's listener.${hint}`, retry);
  }

  const topic = context.topic !== undefined ? `"${context.topic}"` : 'the topic';
  switch (kafkaErrorType(error)) {
    case 'UNKNOWN_TOPIC_OR_PARTITION':
    case 'UNKNOWN_TOPIC_ID':
      return make(`Topic ${topic} does not exist on ${where}. Check the name or create the topic first.`, retry);
    case 'INVALID_TOPIC_EXCEPTION':
      return make(
        context.topic !== undefined
          ? (topicNameProblem(context.topic) ?? `Kafka rejected the topic name "${context.topic}".`)
          : 'Kafka rejected the topic name.',
      );
    case 'TOPIC_ALREADY_EXISTS':
      return make(`Topic ${topic} exists already on ${where}. Choose another name.`);
    case 'INVALID_REPLICATION_FACTOR':
      return make(`Kafka at ${where} cannot place that many replicas: the replication factor must not exceed the number of brokers.`);
    case 'INVALID_CONFIG': {
      const reason = errorChain(error).find((e) => e.type === 'INVALID_CONFIG' && typeof e.message === 'string')?.message;
      return make(
        `Kafka at ${where} refused a config value while ${context.action}${typeof reason === 'string' ? ` (${reason})` : ''}. Check the config names and values against the broker's topic configs.`,
      );
    }
    case 'INVALID_PARTITIONS':
      return make('The number of partitions must be at least 1.');
    case 'MESSAGE_TOO_LARGE':
    case 'RECORD_LIST_TOO_LARGE':
      return make(`A message is larger than topic ${topic} accepts (max.message.bytes). Make it smaller or raise the topic's limit.`);
    case 'TOPIC_AUTHORIZATION_FAILED':
      return make(`The user of this connection may not access topic ${topic}. Ask the cluster's administrator for access.`);
    case 'GROUP_AUTHORIZATION_FAILED':
      return make(`The user of this connection may not access consumer group "${context.groupId ?? ''}".`);
    case 'CLUSTER_AUTHORIZATION_FAILED':
      return make(`The user of this connection may not ${context.action} on ${where}. Ask the cluster's administrator for access.`);
    case 'NON_EMPTY_GROUP':
    case 'UNKNOWN_MEMBER_ID':
      return make(`Consumer group "${context.groupId ?? ''}" has active members: stop its consumers first.`);
    case 'GROUP_ID_NOT_FOUND':
      return make(`Consumer group "${context.groupId ?? ''}" does not exist on ${where}.`, retry);
    case 'NOT_CONTROLLER':
    case 'LEADER_NOT_AVAILABLE':
    case 'NOT_LEADER_OR_FOLLOWER':
    case 'COORDINATOR_NOT_AVAILABLE':
    case 'COORDINATOR_LOAD_IN_PROGRESS':
      return make(`Kafka at ${where} is electing leaders or starting up; try again in a moment.`, retry);
    default:
      break;
  }
  return make(`Kafka at ${where} failed while ${context.action}: ${firstMessage(error)}`, retry);
}
