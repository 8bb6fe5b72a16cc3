/**
 * KafkaService with SASL OAUTHBEARER, against a private, throw-away Kafka broker this test
 * starts itself (the native stack's Kafka 4.1 jars, its own ports and temp dir, killed by its
 * process id at the end). The broker validates tokens with Kafka's unsecured JWT validator (its
 * default for OAUTHBEARER when no JWKS is configured) and asks for the scope "kafka"; it has a
 * SASL_PLAINTEXT and a SASL_SSL listener for OAUTHBEARER. The tokens are unsigned JWTs
 * (alg none) with sub, scope and exp, made here; the token command is a small node script.
 *
 * What a user would check: a stored token and a token command each let the connection list
 * topics, produce and browse back, and kcat (librdkafka's own OAUTHBEARER) reads the same
 * bytes; the command runs once for all the connections of a session; an expired token, or one
 * without the scope, is refused with a sentence that says so; a failing command's own error
 * is shown, all well before the request timeout.
 *
 *   bash stack/native/stack.sh up kafka     # only to have the Kafka jars and java
 *   node --import tsx --test test/integration/kafkaOauth.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCaFile } from '../../src/kafka/caFile';
import { KafkaService } from '../../src/kafka/kafkaService';
import { clearTokenCache, tokenFromCommand } from '../../src/kafka/oauthToken';
import type { KafkaConnectionConfig, KafkaRecord } from '../../src/kafka/types';
import { WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';
import { freePorts, kcatReadRaw } from './kafkaTools';
import { TestCertificates } from './testCertificates';
import { ThrowawayBroker } from './throwawayBroker';

const REQUEST_TIMEOUT_MS = 8000;
const SCOPE = 'kafka';
const dir = mkdtempSync(path.join(tmpdir(), 'wb-kafka-oauth-'));
const broker = new ThrowawayBroker(dir, 'OAUTHBEARER broker');
const certificates = new TestCertificates(dir);
const tokenScript = path.join(dir, 'token-command.js');
const tokenRuns = path.join(dir, 'token-runs.log');
let port = 0;
let sslPort = 0;
let caFile = '';

/** An unsigned JWT (alg none) as Kafka's unsecured validator reads it. */
function unsecuredJwt(claims: { sub: string; exp: number; scope?: string }): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ iat: Math.floor(Date.now() / 1000) - 5, ...claims })}.`;
}

const inOneHour = (): number => Math.floor(Date.now() / 1000) + 3600;

/** The connection as the editor builds it for OAUTHBEARER: a token provider, over plain text or TLS. */
async function oauthConfig(token: () => Promise<string>, options: { ssl?: boolean; command?: string[] } = {}): Promise<KafkaConnectionConfig> {
  const config: KafkaConnectionConfig = {
    name: 'oauth', brokers: [`127.0.0.1:${options.ssl === true ? sslPort : port}`], ssl: options.ssl === true, saslMechanism: 'oauthbearer',
    requestTimeoutMs: REQUEST_TIMEOUT_MS, oauthBearerToken: token,
  };
  if (options.ssl === true) Object.assign(config, { caFile, ca: await readCaFile(caFile, 'oauth') });
  if (options.command) config.oauthTokenCommand = options.command;
  return config;
}

async function browseAll(service: KafkaService, topic: string): Promise<KafkaRecord[]> {
  const records: KafkaRecord[] = [];
  await service.browse({ topic, start: { kind: 'beginning' }, maxMessages: 10_000, follow: false, signal: new AbortController().signal, onRecords: (batch) => records.push(...batch) });
  return records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

/** Expects listTopics to fail with a WorkbenchError passing `check`, well before the request timeout. */
async function refused(config: KafkaConnectionConfig, label: string, check: (message: string) => void): Promise<void> {
  const service = new KafkaService(config, silentLogger);
  const started = Date.now();
  try {
    await assert.rejects(service.listTopics(), (e: unknown) => {
      assert.ok(e instanceof WorkbenchError, String(e));
      console.log(`# ${label}: after ${Date.now() - started} ms: ${e.message}`);
      check(e.message);
      return true;
    });
  } finally {
    await service.dispose();
  }
  assert.ok(Date.now() - started < REQUEST_TIMEOUT_MS, `gave up after ${Date.now() - started} ms`);
}

before(async () => {
  caFile = certificates.makeCa('ca', 'Workbench Test CA');
  const keystore = certificates.brokerKeystore('broker', 'IP:127.0.0.1,DNS:localhost');
  // The token command: prints JSON with a fresh token (mode "json"), or fails like a real CLI does.
  writeFileSync(tokenScript, `
const fs = require('node:fs');
fs.appendFileSync(${JSON.stringify(tokenRuns)}, 'run\\n');
const mode = process.argv[2];
if (mode === 'fail') { process.stderr.write('ERROR: Please run "login" to set up an account.\\nsecond line\\n'); process.exit(3); }
const part = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const token = part({ alg: 'none' }) + '.' + part({ sub: 'etl-command', scope: ${JSON.stringify(SCOPE)}, iat: now - 5, exp: now + 3600 }) + '.';
process.stdout.write(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }) + '\\n');
`);
  let internalPort: number | undefined;
  let controllerPort: number | undefined;
  [port, sslPort, internalPort, controllerPort] = await freePorts(4) as [number, number, number, number];
  const jaas = `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="admin" unsecuredValidatorRequiredScope="${SCOPE}";`;
  broker.configure({
    controllerPort,
    listeners: `SASL_PLAINTEXT://127.0.0.1:${port},SASL_SSL://127.0.0.1:${sslPort},INTERNAL://127.0.0.1:${internalPort}`,
    interBrokerListener: 'INTERNAL',
    protocolMap: 'SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT',
    extra: [
      'sasl.enabled.mechanisms=OAUTHBEARER',
      `listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config=${jaas}`,
      `listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=${jaas}`,
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${keystore}`,
    ],
  });
  await broker.start([port, sslPort, internalPort]);
});

after(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('KafkaService with SASL OAUTHBEARER', { concurrency: false }, () => {
  it('logs in with a stored token, produces and browses back; kcat with its own token reads the same messages', async () => {
    const token = unsecuredJwt({ sub: 'etl', scope: SCOPE, exp: inOneHour() });
    const service = new KafkaService(await oauthConfig(() => Promise.resolve(token)), silentLogger);
    try {
      const topic = 'oauth-orders';
      await service.createTopic({ name: topic, partitions: 2, replicationFactor: 1 });
      assert.ok((await service.listTopics()).some((t) => t.name === topic));
      const messages = Array.from({ length: 50 }, (_, i) => ({ key: `order-${i}`, value: JSON.stringify({ order_id: i, via: 'OAUTHBEARER ✓' }) }));
      const result = await service.produce(messages, { topic, compression: 'gzip' });
      assert.equal(result.sent, messages.length, JSON.stringify(result.errors.slice(0, 2)));
      const browsed = await browseAll(service, topic);
      assert.deepEqual(browsed.map((r) => r.value?.toString()).sort(), messages.map((m) => m.value).sort());
      const byKcat = await kcatReadRaw(['-b', `127.0.0.1:${port}`, '-X', 'security.protocol=sasl_plaintext', '-X', 'sasl.mechanisms=OAUTHBEARER',
        '-X', 'enable.sasl.oauthbearer.unsecure.jwt=true', '-X', `sasl.oauthbearer.config=principal=kcat scope=${SCOPE}`], topic);
      assert.deepEqual(byKcat.map((r) => r.value?.toString()).sort(), messages.map((m) => m.value).sort());
    } finally {
      await service.dispose();
    }
  });

  it('logs in with the token a command prints, running the command once for all of a session\'s connections', async () => {
    clearTokenCache();
    rmSync(tokenRuns, { force: true });
    const command = [process.execPath, tokenScript, 'json'];
    const service = new KafkaService(await oauthConfig(() => tokenFromCommand(command, { timeoutMs: 10_000 }), { command }), silentLogger);
    try {
      const topic = 'oauth-command';
      await service.createTopic({ name: topic, partitions: 3, replicationFactor: 1 });
      const result = await service.produce([{ key: 'a', value: 'token from a command' }, { key: 'b', value: 'second' }], { topic });
      assert.equal(result.sent, 2, JSON.stringify(result.errors));
      assert.deepEqual((await browseAll(service, topic)).map((r) => r.value?.toString()).sort(), ['second', 'token from a command']);
    } finally {
      await service.dispose();
    }
    assert.equal(readFileSync(tokenRuns, 'utf8'), 'run\n', 'the token command ran more than once');
  });

  it('logs in over SASL_SSL with a token and the CA file', async () => {
    const token = unsecuredJwt({ sub: 'etl', scope: SCOPE, exp: inOneHour() });
    const service = new KafkaService(await oauthConfig(() => Promise.resolve(token), { ssl: true }), silentLogger);
    try {
      const cluster = await service.describeCluster();
      assert.ok(cluster.brokers.some((b) => b.port === sslPort), JSON.stringify(cluster.brokers));
    } finally {
      await service.dispose();
    }
  });

  it('says the broker refused an expired token, and when it expired', async () => {
    const exp = Math.floor(Date.now() / 1000) - 120;
    const token = unsecuredJwt({ sub: 'etl', scope: SCOPE, exp });
    await refused(await oauthConfig(() => Promise.resolve(token)), 'expired token', (message) => {
      assert.equal(message, `Kafka at 127.0.0.1:${port} refused the OAuth token of this connection (SASL OAUTHBEARER, invalid_token): the token expired at ${new Date(exp * 1000).toISOString()}. Store a fresh token for this connection, or set "oauthTokenCommand" to a command that prints one.`);
    });
  });

  it('says the broker refused a token without the scope it asks for', async () => {
    const token = unsecuredJwt({ sub: 'etl', scope: 'reports', exp: inOneHour() });
    await refused(await oauthConfig(() => Promise.resolve(token)), 'token without the scope', (message) => {
      assert.match(message, new RegExp(`^Kafka at 127\\.0\\.0\\.1:${port} refused the OAuth token of this connection \\(SASL OAUTHBEARER, insufficient_scope\\): the token lacks the scope "${SCOPE}"\\. `));
    });
  });

  it('shows the failing token command\'s own error, running it once', async () => {
    clearTokenCache();
    rmSync(tokenRuns, { force: true });
    const command = [process.execPath, tokenScript, 'fail'];
    await refused(await oauthConfig(() => tokenFromCommand(command, { timeoutMs: 10_000 }), { command }), 'failing token command', (message) => {
      assert.equal(message, `The OAuth token command "${process.execPath} ${tokenScript} fail" exited with code 3: ERROR: Please run "login" to set up an account. | second line. Run it in a terminal to see why.`);
    });
    assert.ok(existsSync(tokenRuns));
    assert.equal(readFileSync(tokenRuns, 'utf8'), 'run\n', 'a failing token command is not retried within one call');
  });
});
