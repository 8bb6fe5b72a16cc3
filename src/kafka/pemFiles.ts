/**
 * Reads and checks the client certificate and private key of a mutual-TLS Kafka connection
 * ("clientCertFile" and "clientKeyFile" in kafkaAirflow.kafka.connections), before any socket
 * is opened: a missing file, a file that is not PEM, a key that does not belong to the
 * certificate, an expired certificate, an encrypted key without its passphrase and a wrong
 * passphrase each get a sentence that says what to fix, instead of a TLS alert from the broker.
 * No vscode import: the editor (src/config) and the mTLS integration tests run the same code.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describeError, WorkbenchError } from '../shared/errors';

/** The PEM texts of a connection's client certificate and key, as KafkaConnectionConfig takes them. */
export interface ClientCertificatePem {
  /** The certificate (and any intermediate certificates after it). */
  cert: string;
  /** The private key, as in the file (still encrypted when the file is). */
  key: string;
}

/**
 * The private key is encrypted and no passphrase, or a wrong one, was given. The editor
 * catches it to offer "Enter Passphrase" (the passphrase lives in SecretStorage).
 */
export class ClientKeyPassphraseError extends WorkbenchError {
  constructor(
    message: string,
    readonly reason: 'missing' | 'wrong',
    cause?: unknown,
  ) {
    super(message, { cause, actions: ['openSettings'] });
    this.name = 'ClientKeyPassphraseError';
  }
}

const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----';
const PEM_PRIVATE_KEY = /-----BEGIN (?:(?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY)-----/;

/** True when the PEM key is encrypted (PKCS#8 "ENCRYPTED PRIVATE KEY" or OpenSSL's traditional "Proc-Type: 4,ENCRYPTED"). */
export function isEncryptedPrivateKey(pem: string): boolean {
  return pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /Proc-Type:\s*4,ENCRYPTED/.test(pem);
}

async function readPemFile(path: string, what: string, setting: string, connectionName: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new WorkbenchError(
      `The ${what} file "${path}" of the Kafka connection "${connectionName}" cannot be read (${describeError(error)}). Fix "${setting}" in the settings.`,
      { cause: error, actions: ['openSettings'] },
    );
  }
}

/** What a file that is not PEM probably is, for the sentence. */
function notPemHint(text: string): string {
  let binary = false;
  for (let i = 0; i < Math.min(text.length, 64) && !binary; i++) {
    const code = text.charCodeAt(i);
    binary = code === 0xfffd || (code < 32 && code !== 9 && code !== 10 && code !== 13);
  }
  if (binary) {
    return ' It looks binary (DER or PKCS#12 .p12/.pfx): convert it to PEM, e.g. openssl pkcs12 -in client.p12 -out client.pem -nodes, or openssl x509 -inform der -in client.der -out client.pem.';
  }
  return '';
}

/** Where a certificate or key came from, for sentences; the file is unknown when only the PEM text was handed over. */
export interface PemSource {
  connectionName: string;
  certFile?: string | undefined;
  keyFile?: string | undefined;
}

const certLabel = (source: PemSource): string =>
  source.certFile !== undefined
    ? `The client certificate file "${source.certFile}" of the Kafka connection "${source.connectionName}"`
    : `The client certificate of the Kafka connection "${source.connectionName}"`;
const keyLabel = (source: PemSource): string =>
  source.keyFile !== undefined
    ? `The client key file "${source.keyFile}" of the Kafka connection "${source.connectionName}"`
    : `The client key of the Kafka connection "${source.connectionName}"`;

/** Checks the text of a client certificate: PEM, parseable, not expired; returns the parsed leaf certificate. */
export function checkClientCertificate(pem: string, source: PemSource, now = Date.now()): X509Certificate {
  const label = certLabel(source);
  if (!pem.includes(PEM_CERTIFICATE)) {
    const holdsKey = PEM_PRIVATE_KEY.test(pem) ? ' It holds a private key: "clientKeyFile" takes the key, "clientCertFile" the certificate.' : notPemHint(pem);
    throw new WorkbenchError(`${label} holds no PEM certificate (${PEM_CERTIFICATE}).${holdsKey} Fix "clientCertFile" in the settings.`, {
      actions: ['openSettings'],
    });
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch (error) {
    throw new WorkbenchError(`${label} holds a certificate that cannot be parsed (${describeError(error)}). Fix "clientCertFile" in the settings.`, {
      cause: error,
      actions: ['openSettings'],
    });
  }
  const notAfter = Date.parse(certificate.validTo);
  if (Number.isFinite(notAfter) && notAfter < now) {
    throw new WorkbenchError(
      `${label} expired on ${new Date(notAfter).toISOString()} (subject ${certificate.subject.replace(/\n/g, ', ')}). Ask for a new client certificate.`,
      { actions: ['openSettings'] },
    );
  }
  return certificate;
}

/**
 * Checks the text of a private key file with the passphrase (undefined when none is stored),
 * by decrypting it here, so a wrong passphrase is named before a TLS handshake.
 */
export function checkClientKey(pem: string, passphrase: string | undefined, source: PemSource): KeyObject {
  const label = keyLabel(source);
  if (!PEM_PRIVATE_KEY.test(pem)) {
    const holdsCert = pem.includes(PEM_CERTIFICATE) ? ' It holds a certificate: "clientCertFile" takes the certificate, "clientKeyFile" the private key.' : notPemHint(pem);
    throw new WorkbenchError(`${label} holds no PEM private key (-----BEGIN PRIVATE KEY-----).${holdsCert} Fix "clientKeyFile" in the settings.`, {
      actions: ['openSettings'],
    });
  }
  const encrypted = isEncryptedPrivateKey(pem);
  if (encrypted && (passphrase === undefined || passphrase === '')) {
    throw new ClientKeyPassphraseError(`${label} is encrypted and no passphrase is stored for it. Enter the key's passphrase to connect.`, 'missing');
  }
  try {
    return createPrivateKey(encrypted ? { key: pem, format: 'pem', passphrase: passphrase ?? '' } : { key: pem, format: 'pem' });
  } catch (error) {
    if (encrypted) {
      const of = source.keyFile !== undefined ? `the client key file "${source.keyFile}"` : 'the client key';
      throw new ClientKeyPassphraseError(`The passphrase of ${of} of the Kafka connection "${source.connectionName}" is wrong. Enter it again.`, 'wrong', error);
    }
    throw new WorkbenchError(`${label} holds a private key that cannot be read (${describeError(error)}). Fix "clientKeyFile" in the settings.`, {
      cause: error,
      actions: ['openSettings'],
    });
  }
}

/**
 * Checks a client certificate and key together: both PEM, the certificate not expired, the
 * key decryptable with `passphrase` and belonging to the certificate. KafkaService runs it
 * on the texts it is given, readClientCertificate on the files.
 */
export function checkClientCertificatePair(pem: ClientCertificatePem, passphrase: string | undefined, source: PemSource): void {
  const certificate = checkClientCertificate(pem.cert, source);
  const privateKey = checkClientKey(pem.key, passphrase, source);
  if (!certificate.checkPrivateKey(privateKey)) {
    const key = source.keyFile !== undefined ? `The client key file "${source.keyFile}"` : 'The client key';
    const cert = source.certFile !== undefined ? `the client certificate "${source.certFile}"` : 'the client certificate';
    throw new WorkbenchError(
      `${key} does not belong to ${cert} of the Kafka connection "${source.connectionName}" (subject ${certificate.subject.replace(/\n/g, ', ')}). Point "clientKeyFile" at the key the certificate was issued for.`,
      { actions: ['openSettings'] },
    );
  }
}

/**
 * Reads the client certificate and key files of a connection (paths already resolved) and
 * checks them together (checkClientCertificatePair).
 */
export async function readClientCertificate(
  files: { certFile: string; keyFile: string },
  passphrase: string | undefined,
  connectionName: string,
): Promise<ClientCertificatePem> {
  const [cert, key] = await Promise.all([
    readPemFile(files.certFile, 'client certificate', 'clientCertFile', connectionName),
    readPemFile(files.keyFile, 'client key', 'clientKeyFile', connectionName),
  ]);
  checkClientCertificatePair({ cert, key }, passphrase, { connectionName, ...files });
  return { cert, key };
}
