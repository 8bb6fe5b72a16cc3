// The sentences for mutual TLS and SASL OAUTHBEARER failures (src/kafka/kafkaErrors.ts), from
// kafkajs's own error classes carrying Node's TLS alert codes as a real broker makes them
// (Kafka sends "bad certificate" when no client certificate comes and "certificate unknown"
// for one it does not trust; other servers send "certificate required" or "unknown CA"), and
// the OAUTHBEARER errors of src/kafka/oauthBearer.ts. The same faults from real brokers are in
// test/integration/kafkaMtls.test.ts and kafkaOauth.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSSASLAuthenticationError } from 'kafkajs';
import { kafkajsConfig } from '../../src/kafka/clientConfig';
import { toKafkaError } from '../../src/kafka/kafkaErrors';
import { OAuthBearerRefusedError, OAuthBearerTokenError } from '../../src/kafka/oauthBearer';
import type { KafkaConnectionConfig } from '../../src/kafka/types';
import { WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';

const tls: KafkaConnectionConfig = { name: 'prod', brokers: ['10.0.0.5:9093'], ssl: true, saslMechanism: 'none' };
const withCert: KafkaConnectionConfig = { ...tls, clientCert: '-----BEGIN CERTIFICATE-----\n…', clientKey: '-----BEGIN PRIVATE KEY-----\n…' };
const oauth: KafkaConnectionConfig = { name: 'prod', brokers: ['10.0.0.5:9094'], ssl: false, saslMechanism: 'oauthbearer', oauthBearerToken: () => Promise.resolve('t') };
const context = { action: 'listing topics' };

/** What kafkajs throws after its retries when the broker ended the TLS handshake with an alert. */
function alertFailure(code: string): Error {
  const ConnectionError = KafkaJSConnectionError as unknown as new (message: string, options: { broker: string; code: string }) => Error;
  return new KafkaJSNumberOfRetriesExceeded(new ConnectionError('Connection error: ssl3_read_bytes:sslv3 alert', { broker: '10.0.0.5:9093', code }), { retryCount: 2, retryTime: 300 });
}

describe('mutual TLS sentences', () => {
  for (const code of ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_TLSV1_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN']) {
    it(`says the broker asks for a client certificate when the connection has none (${code})`, () => {
      const e = toKafkaError(alertFailure(code), tls, context);
      assert.equal(e.message, 'Kafka at 10.0.0.5:9093 asks for a client certificate (mutual TLS) and this connection sends none. Set "clientCertFile" and "clientKeyFile" of this connection in kafkaAirflow.kafka.connections.');
      assert.ok(e.actions.includes('openSettings'));
    });
  }

  for (const [code, alert] of [['ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'certificate unknown'], ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'unknown ca'], ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', 'certificate expired']] as const) {
    it(`says the broker does not trust the client certificate (${code})`, () => {
      const e = toKafkaError(alertFailure(code), withCert, context);
      assert.equal(e.message, `Kafka at 10.0.0.5:9093 does not trust the client certificate of this connection (TLS alert: ${alert}). It must be signed by a CA in the broker's trust store and be valid now: ask the cluster's administrator for a certificate the cluster accepts, and set "clientCertFile" and "clientKeyFile" to it.`);
    });
  }

  it('names another TLS alert, with the client certificate hint only when none is set', () => {
    assert.equal(toKafkaError(alertFailure('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'), tls, context).message,
      'Kafka at 10.0.0.5:9093 ended the TLS handshake (TLS alert: handshake failure). If the cluster asks for client certificates, set "clientCertFile" and "clientKeyFile"; otherwise check this connection\'s TLS settings against the cluster\'s.');
    assert.equal(toKafkaError(alertFailure('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'), withCert, context).message,
      'Kafka at 10.0.0.5:9093 ended the TLS handshake (TLS alert: handshake failure). Check this connection\'s TLS settings against the cluster\'s.');
  });
});

describe('SASL OAUTHBEARER sentences', () => {
  it('says the token was refused and when it expired', () => {
    const expiredAt = Date.UTC(2025, 0, 2, 3, 4, 5);
    // As kafkajs's retrier passes on an error that is not to be retried: wrapped, with the error as its cause.
    const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => Error;
    const refused = new OAuthBearerRefusedError({ status: 'invalid_token', tokenExpiresAt: expiredAt });
    const e = toKafkaError(new NonRetriable(refused, { cause: refused }), oauth, context);
    assert.equal(e.message, 'Kafka at 10.0.0.5:9094 refused the OAuth token of this connection (SASL OAUTHBEARER, invalid_token): the token expired at 2025-01-02T03:04:05.000Z. Store a fresh token for this connection, or set "oauthTokenCommand" to a command that prints one.');
    assert.deepEqual(e.actions, ['retry', 'openSettings', 'showLog']);
  });

  it('names the missing scope, and says Retry runs the token command again', () => {
    const e = toKafkaError(new OAuthBearerRefusedError({ status: 'insufficient_scope', scope: 'kafka' }), { ...oauth, oauthTokenCommand: ['az', 'account', 'get-access-token'] }, context);
    assert.equal(e.message, 'Kafka at 10.0.0.5:9094 refused the OAuth token of this connection (SASL OAUTHBEARER, insufficient_scope): the token lacks the scope "kafka". Retry runs the token command again; check that it prints a valid token for this cluster.');
  });

  it('hands on the sentence of a failed token command as it is', () => {
    const made = new WorkbenchError('The OAuth token command "az account get-access-token" exited with code 1: Please run az login. Run it in a terminal to see why.');
    const e = toKafkaError(new KafkaJSNumberOfRetriesExceeded(new OAuthBearerTokenError(made), { retryCount: 0, retryTime: 100 }), oauth, context);
    assert.equal(e, made);
  });

  it('says the broker does not offer the mechanism, for OAUTHBEARER and the others alike', () => {
    const SaslError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
    const error = new SaslError('SASL OAUTHBEARER mechanism is not supported by the server');
    assert.equal(toKafkaError(error, oauth, context).message, 'Kafka at 10.0.0.5:9094 does not accept SASL oauthbearer. Check the connection\'s SASL mechanism.');
  });

  it('needs a token provider before connecting', () => {
    const { oauthBearerToken: _, ...withoutToken } = oauth;
    assert.throws(() => kafkajsConfig(withoutToken, silentLogger), (e: unknown) =>
      e instanceof WorkbenchError && e.message === 'Kafka connection "prod" uses SASL OAUTHBEARER but has no token: set "oauthTokenCommand" to a command that prints one, or store a token.');
    const sasl = kafkajsConfig(oauth, silentLogger).sasl;
    assert.ok(sasl && 'authenticationProvider' in sasl && sasl.mechanism === 'oauthbearer');
  });
});
