// The TLS sentences a user sees, from kafkajs's own connection error carrying Node's TLS
// error code (as kafkajs builds it from a failed socket), and the CA-file reader the editor
// uses for the "caFile" setting. The same faults from a real TLS broker are in
// test/integration/kafkaTls.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { readCaFile } from '../../src/kafka/caFile';
import { toKafkaError } from '../../src/kafka/kafkaErrors';
import type { KafkaConnectionConfig } from '../../src/kafka/types';
import { WorkbenchError } from '../../src/shared/errors';

const config: KafkaConnectionConfig = { name: 'prod', brokers: ['10.0.0.5:9093'], ssl: true, saslMechanism: 'none' };
const dir = mkdtempSync(path.join(tmpdir(), 'wb-ca-unit-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

/** What kafkajs throws after its retries when the TLS handshake failed with Node's `code`. */
function tlsFailure(code: string, nodeMessage: string): Error {
  const ConnectionError = KafkaJSConnectionError as unknown as new (message: string, options: { broker: string; code: string }) => Error;
  return new KafkaJSNumberOfRetriesExceeded(new ConnectionError(`Connection error: ${nodeMessage}`, { broker: '10.0.0.5:9093', code }), { retryCount: 2, retryTime: 300 });
}

describe('TLS error sentences', () => {
  for (const code of ['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'DEPTH_ZERO_SELF_SIGNED_CERT']) {
    it(`names the caFile setting for an untrusted certificate (${code})`, () => {
      const e = toKafkaError(tlsFailure(code, 'self-signed certificate in certificate chain'), config, { action: 'listing topics' });
      assert.equal(
        e.message,
        `Kafka at 10.0.0.5:9093 presented a certificate this machine does not trust (${code}). Set "caFile" of this connection in kafkaAirflow.kafka.connections to the PEM file of the CA that signed the broker's certificate.`,
      );
      assert.ok(e.actions.includes('openSettings'));
    });
  }

  it('says the certificate is for another host, with Node\'s reason, and does not blame the CA file', () => {
    const e = toKafkaError(
      tlsFailure('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames: IP: 10.0.0.5 is not in the cert's list: "),
      config,
      { action: 'listing topics' },
    );
    assert.equal(
      e.message,
      "Kafka at 10.0.0.5:9093 presented a certificate for another host (Hostname/IP does not match certificate's altnames: IP: 10.0.0.5 is not in the cert's list). Use a broker address that the certificate names, as the cluster's own clients do.",
    );
  });
});

describe('the CA file of a connection', () => {
  it('returns the PEM text of a file with a certificate', async () => {
    const file = path.join(dir, 'ca.pem');
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    writeFileSync(file, pem);
    assert.equal(await readCaFile(file, 'prod'), pem);
  });

  it('names a missing file, the connection and the setting', async () => {
    const file = path.join(dir, 'missing.pem');
    await assert.rejects(readCaFile(file, 'prod'), (e: unknown) => {
      assert.ok(e instanceof WorkbenchError);
      assert.match(e.message, new RegExp(`^The CA file "${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" of the Kafka connection "prod" cannot be read \\(.*ENOENT.*\\)\\. Fix "caFile" in the settings\\.$`));
      assert.deepEqual(e.actions, ['openSettings']);
      return true;
    });
  });

  it('names a file without a PEM certificate, such as a DER file or a key', async () => {
    const file = path.join(dir, 'key.pem');
    writeFileSync(file, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
    await assert.rejects(readCaFile(file, 'prod'), (e: unknown) => e instanceof WorkbenchError && e.message.startsWith(`The CA file "${file}" of the Kafka connection "prod" holds no PEM certificate`));
    await assert.rejects(readCaFile(dir, 'prod'), (e: unknown) => e instanceof WorkbenchError && /cannot be read \(.*EISDIR/.test(e.message));
  });
});
