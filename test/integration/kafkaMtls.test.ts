/**
 * KafkaService over mutual TLS, against a private, throw-away Kafka broker this test starts
 * itself (the native stack's Kafka 4.1 jars, its own ports and temp dir, killed by its process
 * id at the end). The broker's SSL listener has ssl.client.auth=required and a PEM trust store
 * holding the test CA; the CA, the broker's certificate and the client certificates (one with
 * a plain key, one with an encrypted key, one signed by another CA) are made here with openssl.
 *
 * What a user would check: with the certificate and key files set, the connection lists
 * topics, produces and browses back, and kcat with the same certificate reads the same bytes;
 * an encrypted key works with its passphrase; a wrong or missing passphrase, no client
 * certificate at all, and a certificate the broker does not trust each give their own
 * sentence, well before the request timeout.
 *
 *   bash stack/native/stack.sh up kafka     # only to have the Kafka jars and java
 *   node --import tsx --test test/integration/kafkaMtls.test.ts
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCaFile } from '../../src/kafka/caFile';
import { KafkaService } from '../../src/kafka/kafkaService';
import { ClientKeyPassphraseError, readClientCertificate } from '../../src/kafka/pemFiles';
import type { KafkaConnectionConfig, KafkaRecord, ProduceMessage } from '../../src/kafka/types';
import { WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';
import { freePorts, kcatReadRaw, runKcat } from './kafkaTools';
import { TestCertificates, type ClientCertificateFiles } from './testCertificates';
import { ThrowawayBroker } from './throwawayBroker';

const REQUEST_TIMEOUT_MS = 8000;
const PASSPHRASE = 'key-passphrase-✓ 1';
const dir = mkdtempSync(path.join(tmpdir(), 'wb-kafka-mtls-'));
const certificates = new TestCertificates(dir);
const broker = new ThrowawayBroker(dir, 'mutual-TLS broker');
let port = 0;
let caFile = '';
let client: ClientCertificateFiles;
let encryptedClient: ClientCertificateFiles;
let strangerClient: ClientCertificateFiles;

/** The connection as the editor builds it: ssl on, the CA and the client certificate read from their files. */
async function mtlsConfig(files: ClientCertificateFiles | undefined, passphrase?: string): Promise<KafkaConnectionConfig> {
  const config: KafkaConnectionConfig = {
    name: 'mtls', brokers: [`127.0.0.1:${port}`], ssl: true, saslMechanism: 'none', requestTimeoutMs: REQUEST_TIMEOUT_MS, caFile, ca: await readCaFile(caFile, 'mtls'),
  };
  if (files) {
    const pem = await readClientCertificate(files, passphrase, 'mtls');
    Object.assign(config, { clientCertFile: files.certFile, clientKeyFile: files.keyFile, clientCert: pem.cert, clientKey: pem.key });
    if (passphrase !== undefined) config.clientKeyPassphrase = passphrase;
  }
  return config;
}

/** kcat's options for the listener with a client certificate. */
function kcatMtls(files: ClientCertificateFiles, passphrase?: string): string[] {
  const args = ['-b', `127.0.0.1:${port}`, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${caFile}`,
    '-X', `ssl.certificate.location=${files.certFile}`, '-X', `ssl.key.location=${files.keyFile}`];
  return passphrase === undefined ? args : [...args, '-X', `ssl.key.password=${passphrase}`];
}

async function browseAll(service: KafkaService, topic: string): Promise<KafkaRecord[]> {
  const records: KafkaRecord[] = [];
  await service.browse({ topic, start: { kind: 'beginning' }, maxMessages: 10_000, follow: false, signal: new AbortController().signal, onRecords: (batch) => records.push(...batch) });
  return records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

const asBuffer = (v: string | Buffer | null | undefined): Buffer | null => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));

/** Runs `call` on a service for `config`, expects a WorkbenchError whose message passes `check`, and returns how long it took. */
async function failsWith(config: KafkaConnectionConfig, label: string, check: (message: string) => void): Promise<number> {
  const service = new KafkaService(config, silentLogger);
  const started = Date.now();
  try {
    await assert.rejects(service.listTopics(), (e: unknown) => {
      assert.ok(e instanceof WorkbenchError, String(e));
      console.log(`# ${label}: after ${Date.now() - started} ms: ${e.message}`);
      check(e.message);
      assert.ok(e.actions.includes('openSettings'), 'offers to open the settings');
      return true;
    });
  } finally {
    await service.dispose();
  }
  return Date.now() - started;
}

before(async () => {
  caFile = certificates.makeCa('ca', 'Workbench Test CA');
  certificates.makeCa('other-ca', 'Some Other CA');
  const keystore = certificates.brokerKeystore('broker', 'IP:127.0.0.1,DNS:localhost');
  client = certificates.clientCertificate('client', 'etl-client');
  encryptedClient = certificates.clientCertificate('client-encrypted', 'etl-encrypted', { passphrase: PASSPHRASE });
  strangerClient = certificates.clientCertificate('client-stranger', 'stranger', { ca: 'other-ca' });
  let controllerPort: number | undefined;
  [port, controllerPort] = await freePorts(2) as [number, number];
  broker.configure({
    controllerPort,
    listeners: `SSL://127.0.0.1:${port}`,
    interBrokerListener: 'SSL',
    protocolMap: 'SSL:SSL',
    extra: [
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${keystore}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${caFile}`,
      'ssl.client.auth=required',
    ],
  });
  await broker.start([port]);
});

after(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('KafkaService over mutual TLS', { concurrency: false }, () => {
  it('lists topics, produces and browses back with the client certificate; kcat with the same certificate reads the same bytes', async () => {
    const service = new KafkaService(await mtlsConfig(client), silentLogger);
    try {
      const topic = 'mtls-orders';
      await service.createTopic({ name: topic, partitions: 2, replicationFactor: 1 });
      assert.ok((await service.listTopics()).some((t) => t.name === topic && t.partitions === 2));
      const messages = Array.from({ length: 120 }, (_, i): ProduceMessage => (i % 15 === 3
        ? { key: randomBytes(5), value: Buffer.from([0x00, 0xff, ...randomBytes(30)]), headers: { bin: Buffer.from([7]) } }
        : { key: `order-${i}`, value: JSON.stringify({ order_id: i, note: 'mutual TLS ✓' }), headers: { data_type: 'order' } }));
      const result = await service.produce(messages, { topic, compression: 'lz4' });
      assert.equal(result.sent, messages.length, JSON.stringify(result.errors.slice(0, 2)));
      const expected = new Map(result.records.map((r) => [`${r.partition}:${r.offset}`, messages[r.index]]));

      const browsed = await browseAll(service, topic);
      assert.equal(browsed.length, messages.length);
      for (const r of browsed) {
        const sent = expected.get(`${r.partition}:${r.offset}`);
        assert.ok(sent, `browsed ${r.partition}:${r.offset}, which the service did not report`);
        assert.deepEqual(r.key, asBuffer(sent.key));
        assert.deepEqual(r.value, asBuffer(sent.value));
        assert.deepEqual(r.headers.map((h) => [h.key, h.value]), Object.entries(sent.headers ?? {}).map(([k, v]) => [k, asBuffer(v)]));
      }

      const byKcat = await kcatReadRaw(kcatMtls(client), topic);
      assert.equal(byKcat.length, messages.length);
      for (const r of byKcat) {
        const sent = expected.get(`${r.partition}:${r.offset}`);
        assert.ok(sent, `kcat read ${r.partition}:${r.offset}, which the service did not report`);
        assert.deepEqual(r.key, asBuffer(sent.key));
        assert.deepEqual(r.value, asBuffer(sent.value));
      }
    } finally {
      await service.dispose();
    }
  });

  it('works with an encrypted key and its passphrase, as kcat does', async () => {
    const service = new KafkaService(await mtlsConfig(encryptedClient, PASSPHRASE), silentLogger);
    try {
      const topic = 'mtls-encrypted-key';
      await service.createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
      const result = await service.produce([{ key: 'k', value: 'sent with an encrypted key' }], { topic });
      assert.equal(result.sent, 1, JSON.stringify(result.errors));
      assert.deepEqual((await browseAll(service, topic)).map((r) => r.value?.toString()), ['sent with an encrypted key']);
      const byKcat = await kcatReadRaw(kcatMtls(encryptedClient, PASSPHRASE), topic);
      assert.deepEqual(byKcat.map((r) => r.value?.toString()), ['sent with an encrypted key']);
    } finally {
      await service.dispose();
    }
  });

  it('says the passphrase is wrong, or missing, before connecting', async () => {
    const started = Date.now();
    await assert.rejects(readClientCertificate(encryptedClient, 'not the passphrase', 'mtls'), (e: unknown) => {
      assert.ok(e instanceof ClientKeyPassphraseError, String(e));
      assert.equal(e.reason, 'wrong');
      assert.equal(e.message, `The passphrase of the client key file "${encryptedClient.keyFile}" of the Kafka connection "mtls" is wrong. Enter it again.`);
      return true;
    });
    await assert.rejects(readClientCertificate(encryptedClient, undefined, 'mtls'), (e: unknown) => {
      assert.ok(e instanceof ClientKeyPassphraseError, String(e));
      assert.equal(e.reason, 'missing');
      assert.equal(e.message, `The client key file "${encryptedClient.keyFile}" of the Kafka connection "mtls" is encrypted and no passphrase is stored for it. Enter the key's passphrase to connect.`);
      return true;
    });
    // The service checks the key too, whoever built the configuration.
    const config = await mtlsConfig(encryptedClient, PASSPHRASE);
    assert.throws(() => new KafkaService({ ...config, clientKeyPassphrase: 'wrong' }, silentLogger), (e: unknown) =>
      e instanceof ClientKeyPassphraseError && e.reason === 'wrong' && e.message.includes(`"${encryptedClient.keyFile}"`));
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  it('says the broker asks for a client certificate when none is set, well before the timeout', async () => {
    const took = await failsWith(await mtlsConfig(undefined), 'no client certificate', (message) => {
      assert.equal(message, `Kafka at 127.0.0.1:${port} asks for a client certificate (mutual TLS) and this connection sends none. Set "clientCertFile" and "clientKeyFile" of this connection in kafkaAirflow.kafka.connections.`);
    });
    assert.ok(took < REQUEST_TIMEOUT_MS, `gave up after ${took} ms`);
    // kcat without a certificate is refused as well: the listener really requires one.
    const run = await runKcat(['-b', `127.0.0.1:${port}`, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${caFile}`, '-L', '-m', '5']);
    assert.notEqual(run.code, 0, 'kcat without a client certificate was let in');
  });

  it('says the broker does not trust a client certificate signed by another CA, well before the timeout', async () => {
    const took = await failsWith(await mtlsConfig(strangerClient), 'certificate of another CA', (message) => {
      assert.match(message, new RegExp(`^Kafka at 127\\.0\\.0\\.1:${port} does not trust the client certificate of this connection \\(`));
      assert.match(message, /signed by a CA in the broker's trust store/);
    });
    assert.ok(took < REQUEST_TIMEOUT_MS, `gave up after ${took} ms`);
  });

  it('names the file that is missing, not PEM, or a key of another certificate', async () => {
    const missing = path.join(dir, 'no-such-client.pem');
    await assert.rejects(readClientCertificate({ certFile: missing, keyFile: client.keyFile }, undefined, 'mtls'), (e: unknown) =>
      e instanceof WorkbenchError && e.message.startsWith(`The client certificate file "${missing}" of the Kafka connection "mtls" cannot be read (`) && /ENOENT/.test(e.message) && /Fix "clientCertFile"/.test(e.message));
    await assert.rejects(readClientCertificate({ certFile: client.keyFile, keyFile: client.keyFile }, undefined, 'mtls'), (e: unknown) =>
      e instanceof WorkbenchError && /holds no PEM certificate .* It holds a private key: "clientKeyFile" takes the key, "clientCertFile" the certificate\./.test(e.message));
    await assert.rejects(readClientCertificate({ certFile: client.certFile, keyFile: strangerClient.keyFile }, undefined, 'mtls'), (e: unknown) =>
      e instanceof WorkbenchError && e.message.startsWith(`The client key file "${strangerClient.keyFile}" does not belong to the client certificate "${client.certFile}"`));
  });
});
