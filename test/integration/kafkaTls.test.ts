/**
 * KafkaService over TLS with a custom CA file, against a private, throw-away Kafka broker this
 * test starts itself (the native stack's Kafka 4.1 jars, its own ports and temp dir, killed by
 * its process id at the end). The CA and the broker's certificate (SAN 127.0.0.1 and
 * localhost) are made here with openssl and given to Kafka as PEM key and trust stores. The
 * broker has an SSL listener and a SASL_SSL listener (PLAIN).
 *
 * What a user would check: with the CA file set, the connection lists topics, produces and
 * browses back, and kcat over TLS reads the same bytes; without the CA file, or with the
 * wrong CA, the error says the certificate is not trusted and names the caFile setting, within
 * the request timeout; a CA file that does not exist, or holds no certificate, is named.
 *
 *   bash stack/native/stack.sh up kafka     # only to have the Kafka jars and java
 *   node --import tsx --test test/integration/kafkaTls.test.ts
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCaFile } from '../../src/kafka/caFile';
import { KafkaService } from '../../src/kafka/kafkaService';
import type { KafkaConnectionConfig, KafkaRecord, ProduceMessage } from '../../src/kafka/types';
import { WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';
import { freePorts, kcatReadRaw } from './kafkaTools';
import { ThrowawayBroker } from './throwawayBroker';

const USER = 'etl';
const PASSWORD = 'etl-tls-secret';
const REQUEST_TIMEOUT_MS = 6000;
const dir = mkdtempSync(path.join(tmpdir(), 'wb-kafka-tls-'));
const caFile = path.join(dir, 'ca.pem');
const otherCaFile = path.join(dir, 'other-ca.pem');
let sslPort = 0;
let saslSslPort = 0;
/** SSL listener whose certificate chain leaves out the CA. */
let leafOnlyPort = 0;
/** SSL listener whose certificate names another host (kafka.example.internal). */
let otherNamePort = 0;
const broker = new ThrowawayBroker(dir, 'TLS broker');

function openssl(args: string[]): void {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, `openssl ${args.join(' ')}: ${run.stderr}`);
}

/**
 * Kafka's PEM key store `<name>-keystore.pem` for a broker certificate signed by the test CA:
 * the unencrypted PKCS#8 key, the certificate for `subjectAltName`, and the CA when `withCa`
 * (brokers differ: some send the CA in the chain, some only their own certificate).
 */
function makeBrokerKeystore(name: string, subjectAltName: string, withCa: boolean): string {
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=kafka-broker']);
  writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${subjectAltName}\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n`);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
  openssl(['pkcs8', '-topk8', '-nocrypt', '-in', `${name}.key`, '-out', `${name}-pkcs8.key`]);
  const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');
  const keystore = path.join(dir, `${name}-keystore.pem`);
  writeFileSync(keystore, `${read(`${name}-pkcs8.key`)}${read(`${name}.pem`)}${withCa ? read('ca.pem') : ''}`);
  return keystore;
}

/** The test CA, a second unrelated CA, and the brokers' key stores. */
function makeCertificates(): { main: string; leafOnly: string; otherName: string } {
  for (const [name, cn] of [['ca', 'Workbench Test CA'], ['other-ca', 'Some Other CA']] as const) {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  }
  return {
    main: makeBrokerKeystore('broker', 'IP:127.0.0.1,DNS:localhost', true),
    leafOnly: makeBrokerKeystore('broker-leaf', 'IP:127.0.0.1,DNS:localhost', false),
    otherName: makeBrokerKeystore('broker-other-name', 'DNS:kafka.example.internal', true),
  };
}

/** The connection as the editor builds it from the settings: ssl on, the CA file's text read by readCaFile. */
async function tlsConfig(options: { ca?: string | undefined; sasl?: boolean; password?: string; port?: number } = {}): Promise<KafkaConnectionConfig> {
  const sasl = options.sasl === true;
  const config: KafkaConnectionConfig = {
    name: 'tls', brokers: [`127.0.0.1:${options.port ?? (sasl ? saslSslPort : sslPort)}`], ssl: true, saslMechanism: sasl ? 'plain' : 'none', requestTimeoutMs: REQUEST_TIMEOUT_MS,
  };
  if (sasl) Object.assign(config, { saslUsername: USER, password: options.password ?? PASSWORD });
  if (options.ca !== undefined) Object.assign(config, { caFile: options.ca, ca: await readCaFile(options.ca, 'tls') });
  return config;
}

/** kcat's options for the SSL listener, trusting `ca`. */
const kcatSsl = (): string[] => ['-b', `127.0.0.1:${sslPort}`, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${caFile}`];

async function browseAll(service: KafkaService, topic: string): Promise<KafkaRecord[]> {
  const records: KafkaRecord[] = [];
  await service.browse({ topic, start: { kind: 'beginning' }, maxMessages: 10_000, follow: false, signal: new AbortController().signal, onRecords: (batch) => records.push(...batch) });
  return records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

const asBuffer = (v: string | Buffer | null | undefined): Buffer | null => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));

before(async () => {
  const keystores = makeCertificates();
  let controllerPort: number | undefined;
  [sslPort, saslSslPort, leafOnlyPort, otherNamePort, controllerPort] = await freePorts(5) as [number, number, number, number, number];
  const listeners = `SSL://127.0.0.1:${sslPort},SASL_SSL://127.0.0.1:${saslSslPort},LEAFONLY://127.0.0.1:${leafOnlyPort},OTHERNAME://127.0.0.1:${otherNamePort}`;
  broker.configure({
    controllerPort,
    listeners,
    interBrokerListener: 'SSL',
    protocolMap: 'SSL:SSL,SASL_SSL:SASL_SSL,LEAFONLY:SSL,OTHERNAME:SSL',
    extra: [
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${keystores.main}`,
      'listener.name.leafonly.ssl.keystore.type=PEM',
      `listener.name.leafonly.ssl.keystore.location=${keystores.leafOnly}`,
      'listener.name.othername.ssl.keystore.type=PEM',
      `listener.name.othername.ssl.keystore.location=${keystores.otherName}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${caFile}`,
      'ssl.client.auth=none',
      'sasl.enabled.mechanisms=PLAIN',
      `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${USER}="${PASSWORD}";`,
    ],
  });
  await broker.start([sslPort, saslSslPort, leafOnlyPort, otherNamePort]);
});

after(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('KafkaService over TLS with a CA file', { concurrency: false }, () => {
  it('lists topics, produces and browses back with the CA file set; kcat over TLS reads the same bytes', async () => {
    const service = new KafkaService(await tlsConfig({ ca: caFile }), silentLogger);
    try {
      const topic = 'tls-orders';
      await service.createTopic({ name: topic, partitions: 2, replicationFactor: 1 });
      assert.ok((await service.listTopics()).some((t) => t.name === topic && t.partitions === 2));
      const messages = Array.from({ length: 200 }, (_, i): ProduceMessage => (i % 20 === 5
        ? { key: randomBytes(6), value: Buffer.from([0xff, 0x00, 0xfe, ...randomBytes(40)]), headers: { bin: Buffer.from([1, 2]) } }
        : { key: `order-${i}`, value: JSON.stringify({ data_type: 'order', order_id: i, note: '<b>tls ✓</b>' }), headers: { data_type: 'order' } }));
      const result = await service.produce(messages, { topic, compression: 'gzip' });
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

      const byKcat = await kcatReadRaw(kcatSsl(), topic);
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

  it('logs in with SASL PLAIN over TLS, and names the user when the password is wrong', async () => {
    const service = new KafkaService(await tlsConfig({ ca: caFile, sasl: true }), silentLogger);
    try {
      const topic = 'tls-sasl';
      await service.createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
      const result = await service.produce([{ key: 'k', value: 'over SASL_SSL' }], { topic, compression: 'zstd' });
      assert.equal(result.sent, 1, JSON.stringify(result.errors));
      const browsed = await browseAll(service, topic);
      assert.deepEqual(browsed.map((r) => r.value?.toString()), ['over SASL_SSL']);
      const run = await kcatReadRaw(['-b', `127.0.0.1:${saslSslPort}`, '-X', 'security.protocol=sasl_ssl', '-X', `ssl.ca.location=${caFile}`,
        '-X', 'sasl.mechanisms=PLAIN', '-X', `sasl.username=${USER}`, '-X', `sasl.password=${PASSWORD}`], topic);
      assert.deepEqual(run.map((r) => r.value?.toString()), ['over SASL_SSL']);
    } finally {
      await service.dispose();
    }
    const wrong = new KafkaService(await tlsConfig({ ca: caFile, sasl: true, password: 'wrong' }), silentLogger);
    try {
      await assert.rejects(wrong.listTopics(), (e: unknown) => e instanceof WorkbenchError && e.message === `Kafka at 127.0.0.1:${saslSslPort} refused the SASL credentials for user ${USER}: re-enter the password.`);
    } finally {
      await wrong.dispose();
    }
  });

  const untrusted = [
    ['without a CA file', undefined, () => sslPort],
    ['with the CA file of another CA', otherCaFile, () => sslPort],
    ['without a CA file, from a broker that leaves the CA out of its chain', undefined, () => leafOnlyPort],
  ] as const;
  for (const [label, ca, port] of untrusted) {
    it(`says the certificate is not trusted and names the caFile setting ${label}, within the request timeout`, async () => {
      const service = new KafkaService(await tlsConfig({ ca, port: port() }), silentLogger);
      const started = Date.now();
      try {
        await assert.rejects(service.listTopics(), (e: unknown) => {
          assert.ok(e instanceof WorkbenchError, String(e));
          console.log(`# ${label}: after ${Date.now() - started} ms: ${e.message}`);
          assert.match(e.message, new RegExp(`^Kafka at 127\\.0\\.0\\.1:${port()} presented a certificate this machine does not trust \\([A-Z_]+\\)\\. `));
          assert.match(e.message, /"caFile"/);
          assert.match(e.message, /kafkaAirflow\.kafka\.connections/);
          assert.ok(e.actions.includes('openSettings'), 'offers to open the settings');
          return true;
        });
      } finally {
        await service.dispose();
      }
      const took = Date.now() - started;
      assert.ok(took < REQUEST_TIMEOUT_MS * 2, `gave up after ${took} ms`);
    });
  }

  it('works with the CA file against a broker that leaves the CA out of its chain', async () => {
    const service = new KafkaService(await tlsConfig({ ca: caFile, port: leafOnlyPort }), silentLogger);
    try {
      const cluster = await service.describeCluster();
      assert.deepEqual(cluster.brokers.map((b) => b.port), [leafOnlyPort]);
    } finally {
      await service.dispose();
    }
  });

  it('says the certificate names another host when the broker address is not in it', async () => {
    const service = new KafkaService(await tlsConfig({ ca: caFile, port: otherNamePort }), silentLogger);
    const started = Date.now();
    try {
      await assert.rejects(service.listTopics(), (e: unknown) => {
        assert.ok(e instanceof WorkbenchError, String(e));
        console.log(`# certificate for another host: after ${Date.now() - started} ms: ${e.message}`);
        assert.match(e.message, new RegExp(`^Kafka at 127\\.0\\.0\\.1:${otherNamePort} presented a certificate for another host`));
        assert.match(e.message, /does not match certificate's altnames/);
        assert.match(e.message, /Use a broker address that the certificate names/);
        assert.doesNotMatch(e.message, /caFile/);
        return true;
      });
    } finally {
      await service.dispose();
    }
    assert.ok(Date.now() - started < REQUEST_TIMEOUT_MS * 2, `gave up after ${Date.now() - started} ms`);
  });

  it('says TLS is off when the connection speaks plain text to a TLS listener, without hanging', async () => {
    const config = await tlsConfig();
    const service = new KafkaService({ ...config, ssl: false }, silentLogger);
    const started = Date.now();
    try {
      await assert.rejects(service.listTopics(), (e: unknown) => {
        assert.ok(e instanceof WorkbenchError, String(e));
        console.log(`# plain text to TLS: after ${Date.now() - started} ms: ${e.message}`);
        return /enable TLS for this connection/.test(e.message);
      });
    } finally {
      await service.dispose();
    }
    assert.ok(Date.now() - started < REQUEST_TIMEOUT_MS * 3, `gave up after ${Date.now() - started} ms`);
  });

  it('names a CA file that does not exist, or that holds no certificate', async () => {
    const missing = path.join(dir, 'no-such-ca.pem');
    await assert.rejects(readCaFile(missing, 'tls'), (e: unknown) =>
      e instanceof WorkbenchError && e.message.startsWith(`The CA file "${missing}" of the Kafka connection "tls" cannot be read (`) && /ENOENT/.test(e.message) && /Fix "caFile" in the settings\.$/.test(e.message));
    const notPem = path.join(dir, 'broker.csr');
    await assert.rejects(readCaFile(notPem, 'tls'), (e: unknown) =>
      e instanceof WorkbenchError && e.message.startsWith(`The CA file "${notPem}" of the Kafka connection "tls" holds no PEM certificate`));
  });
});
