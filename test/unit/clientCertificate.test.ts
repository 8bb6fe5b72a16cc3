// The client certificate and key of a mutual-TLS connection (src/kafka/pemFiles.ts) and the TLS
// options KafkaService builds from them (src/kafka/clientConfig.ts), with real certificates and
// keys made by openssl in a temp folder. The same files against a real broker are in
// test/integration/kafkaMtls.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kafkajsConfig } from '../../src/kafka/clientConfig';
import { checkClientCertificate, ClientKeyPassphraseError, isEncryptedPrivateKey, readClientCertificate } from '../../src/kafka/pemFiles';
import type { KafkaConnectionConfig } from '../../src/kafka/types';
import { WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';
import { TestCertificates, type ClientCertificateFiles } from '../integration/testCertificates';

const dir = mkdtempSync(path.join(tmpdir(), 'wb-client-cert-unit-'));
const certificates = new TestCertificates(dir);
let plain: ClientCertificateFiles;
let encrypted: ClientCertificateFiles;
let traditional: string;
let other: ClientCertificateFiles;
const PASSPHRASE = 'correct horse';

before(() => {
  certificates.makeCa('ca', 'Unit CA');
  plain = certificates.clientCertificate('plain', 'etl');
  encrypted = certificates.clientCertificate('encrypted', 'etl-enc', { passphrase: PASSPHRASE });
  other = certificates.clientCertificate('other', 'other');
  // OpenSSL's traditional encrypted PEM ("Proc-Type: 4,ENCRYPTED"), as older tools write keys.
  traditional = certificates.file('traditional.key');
  certificates.openssl(['rsa', '-in', plain.keyFile, '-aes256', '-traditional', '-out', traditional, '-passout', `pass:${PASSPHRASE}`]);
});
after(() => { rmSync(dir, { recursive: true, force: true }); });

const read = (file: string): string => readFileSync(file, 'utf8');
const base: KafkaConnectionConfig = { name: 'prod', brokers: ['10.0.0.5:9093'], ssl: true, saslMechanism: 'none' };

function rejectsWith(e: unknown, pattern: RegExp): boolean {
  assert.ok(e instanceof WorkbenchError, String(e));
  assert.match(e.message, pattern);
  assert.ok(e.actions.includes('openSettings'));
  return true;
}

describe('reading a client certificate and key', () => {
  it('returns both PEM texts, with an encrypted key and its passphrase too', async () => {
    assert.deepEqual(await readClientCertificate(plain, undefined, 'prod'), { cert: read(plain.certFile), key: read(plain.keyFile) });
    assert.deepEqual(await readClientCertificate(encrypted, PASSPHRASE, 'prod'), { cert: read(encrypted.certFile), key: read(encrypted.keyFile) });
    assert.ok(await readClientCertificate({ certFile: plain.certFile, keyFile: traditional }, PASSPHRASE, 'prod'));
  });

  it('tells encrypted keys, PKCS#8 and traditional, from plain ones', () => {
    assert.equal(isEncryptedPrivateKey(read(encrypted.keyFile)), true);
    assert.equal(isEncryptedPrivateKey(read(traditional)), true);
    assert.equal(isEncryptedPrivateKey(read(plain.keyFile)), false);
  });

  it('says a passphrase is missing, or wrong, for both kinds of encrypted key', async () => {
    for (const keyFile of [encrypted.keyFile, traditional]) {
      const files = { certFile: keyFile === traditional ? plain.certFile : encrypted.certFile, keyFile };
      await assert.rejects(readClientCertificate(files, undefined, 'prod'), (e: unknown) =>
        e instanceof ClientKeyPassphraseError && e.reason === 'missing'
        && e.message === `The client key file "${keyFile}" of the Kafka connection "prod" is encrypted and no passphrase is stored for it. Enter the key's passphrase to connect.`);
      await assert.rejects(readClientCertificate(files, 'wrong', 'prod'), (e: unknown) =>
        e instanceof ClientKeyPassphraseError && e.reason === 'wrong'
        && e.message === `The passphrase of the client key file "${keyFile}" of the Kafka connection "prod" is wrong. Enter it again.`);
    }
  });

  it('names a missing file with the setting to fix', async () => {
    const missing = path.join(dir, 'missing.key');
    await assert.rejects(readClientCertificate({ certFile: plain.certFile, keyFile: missing }, undefined, 'prod'), (e: unknown) =>
      rejectsWith(e, /^The client key file ".*missing\.key" of the Kafka connection "prod" cannot be read \(.*ENOENT.*\)\. Fix "clientKeyFile" in the settings\.$/));
  });

  it('says when the two files are swapped, or a file is binary', async () => {
    await assert.rejects(readClientCertificate({ certFile: plain.keyFile, keyFile: plain.keyFile }, undefined, 'prod'), (e: unknown) =>
      rejectsWith(e, /holds no PEM certificate .* It holds a private key: "clientKeyFile" takes the key, "clientCertFile" the certificate\. Fix "clientCertFile"/));
    await assert.rejects(readClientCertificate({ certFile: plain.certFile, keyFile: plain.certFile }, undefined, 'prod'), (e: unknown) =>
      rejectsWith(e, /holds no PEM private key .* It holds a certificate: "clientCertFile" takes the certificate, "clientKeyFile" the private key\./));
    const der = certificates.file('client.der');
    certificates.openssl(['x509', '-in', plain.certFile, '-outform', 'der', '-out', der]);
    await assert.rejects(readClientCertificate({ certFile: der, keyFile: plain.keyFile }, undefined, 'prod'), (e: unknown) =>
      rejectsWith(e, /It looks binary \(DER or PKCS#12 \.p12\/\.pfx\): convert it to PEM/));
  });

  it('says the key belongs to another certificate', async () => {
    await assert.rejects(readClientCertificate({ certFile: plain.certFile, keyFile: other.keyFile }, undefined, 'prod'), (e: unknown) =>
      rejectsWith(e, new RegExp(`^The client key file ".*other\\.key" does not belong to the client certificate ".*plain\\.pem" of the Kafka connection "prod" \\(subject CN=etl\\)\\. Point "clientKeyFile"`)));
  });

  it('says when the certificate has expired', () => {
    const in2100 = Date.UTC(2100, 0, 1);
    assert.throws(() => checkClientCertificate(read(plain.certFile), { connectionName: 'prod', certFile: plain.certFile }, in2100), (e: unknown) =>
      rejectsWith(e, /^The client certificate file ".*plain\.pem" of the Kafka connection "prod" expired on \d{4}-\d\d-\d\dT.*Z \(subject CN=etl\)\. Ask for a new client certificate\.$/));
  });

  it('says a PEM block that is damaged cannot be parsed', () => {
    const damaged = certificates.file('damaged.pem');
    writeFileSync(damaged, '-----BEGIN CERTIFICATE-----\nMIIBnotbase64!!\n-----END CERTIFICATE-----\n');
    assert.throws(() => checkClientCertificate(read(damaged), { connectionName: 'prod' }), (e: unknown) =>
      rejectsWith(e, /^The client certificate of the Kafka connection "prod" holds a certificate that cannot be parsed/));
  });
});

describe('the TLS options of a connection with a client certificate', () => {
  it('hands the CA, certificate, key and passphrase to TLS', () => {
    const config = { ...base, ca: read(certificates.file('ca.pem')), clientCert: read(encrypted.certFile), clientKey: read(encrypted.keyFile), clientKeyPassphrase: PASSPHRASE };
    const options = kafkajsConfig(config, silentLogger);
    assert.deepEqual(options.ssl, { ca: [config.ca], cert: config.clientCert, key: config.clientKey, passphrase: PASSPHRASE });
    assert.deepEqual(kafkajsConfig({ ...base, clientCert: read(plain.certFile), clientKey: read(plain.keyFile) }, silentLogger).ssl, { cert: read(plain.certFile), key: read(plain.keyFile) });
    assert.equal(kafkajsConfig(base, silentLogger).ssl, true);
    assert.equal(kafkajsConfig({ ...base, ssl: false }, silentLogger).ssl, undefined);
  });

  it('refuses a client certificate without TLS, and one of the pair alone, naming what to set', () => {
    const cert = read(plain.certFile);
    const key = read(plain.keyFile);
    assert.throws(() => kafkajsConfig({ ...base, ssl: false, clientCert: cert, clientKey: key }, silentLogger), (e: unknown) =>
      rejectsWith(e, /^Kafka connection "prod" has a client certificate but TLS is off\. Set "ssl": true/));
    assert.throws(() => kafkajsConfig({ ...base, clientCert: cert }, silentLogger), (e: unknown) =>
      rejectsWith(e, /^Kafka connection "prod" has a client certificate but no client key: set "clientKeyFile" too \(mutual TLS needs both\)\.$/));
    assert.throws(() => kafkajsConfig({ ...base, clientKey: key }, silentLogger), (e: unknown) =>
      rejectsWith(e, /^Kafka connection "prod" has a client key but no client certificate: set "clientCertFile" too/));
  });

  it('checks the key before any connection: a wrong passphrase names the key file', () => {
    const config = { ...base, clientCert: read(encrypted.certFile), clientKey: read(encrypted.keyFile), clientKeyFile: encrypted.keyFile, clientKeyPassphrase: 'wrong' };
    assert.throws(() => kafkajsConfig(config, silentLogger), (e: unknown) =>
      e instanceof ClientKeyPassphraseError && e.reason === 'wrong' && e.message.startsWith(`The passphrase of the client key file "${encrypted.keyFile}"`));
    assert.throws(() => kafkajsConfig({ ...config, clientKeyFile: undefined }, silentLogger), (e: unknown) =>
      e instanceof ClientKeyPassphraseError && e.message === 'The passphrase of the client key of the Kafka connection "prod" is wrong. Enter it again.');
  });
});
