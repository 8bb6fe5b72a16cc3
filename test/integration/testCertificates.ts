/**
 * Certificates for the TLS integration tests, made with openssl in a temp folder: certificate
 * authorities, a broker's PEM key store (key, certificate and chain, as Kafka's
 * ssl.keystore.type=PEM reads it) and client certificates for mutual TLS, plain or with an
 * encrypted key. Not a test file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The files of one client certificate. */
export interface ClientCertificateFiles {
  certFile: string;
  keyFile: string;
}

export class TestCertificates {
  constructor(private readonly dir: string) {}

  /** Runs openssl in the folder; fails the test with openssl's own message. */
  openssl(args: string[]): void {
    const run = spawnSync('openssl', args, { cwd: this.dir, encoding: 'utf8' });
    assert.equal(run.status, 0, `openssl ${args.join(' ')}: ${run.stderr}`);
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  private read(name: string): string {
    return readFileSync(this.file(name), 'utf8');
  }

  /** A self-signed CA `<name>.pem` (key `<name>.key`); returns the certificate's path. */
  makeCa(name: string, commonName: string): string {
    this.openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${commonName}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    return this.file(`${name}.pem`);
  }

  /** Signs a new RSA key's certificate `<name>.pem` (key `<name>.key`, unencrypted) with the CA `ca`. */
  private signed(name: string, subject: string, ca: string, extensions: string): void {
    this.openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    writeFileSync(this.file(`${name}.ext`), `${extensions}\nbasicConstraints=CA:FALSE\n`);
    this.openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
  }

  /**
   * Kafka's PEM key store `<name>-keystore.pem` for a broker certificate signed by `ca`: the
   * unencrypted PKCS#8 key, the certificate for `subjectAltName`, and the CA.
   */
  brokerKeystore(name: string, subjectAltName: string, ca = 'ca'): string {
    this.signed(name, '/CN=kafka-broker', ca, `subjectAltName=${subjectAltName}\nextendedKeyUsage=serverAuth,clientAuth`);
    this.openssl(['pkcs8', '-topk8', '-nocrypt', '-in', `${name}.key`, '-out', `${name}-pkcs8.key`]);
    const keystore = this.file(`${name}-keystore.pem`);
    writeFileSync(keystore, `${this.read(`${name}-pkcs8.key`)}${this.read(`${name}.pem`)}${this.read(`${ca}.pem`)}`);
    return keystore;
  }

  /**
   * A client certificate for CN=`commonName` signed by `ca`; with `passphrase` its key file is
   * PKCS#8 encrypted (AES-256) with it.
   */
  clientCertificate(name: string, commonName: string, options: { ca?: string; passphrase?: string } = {}): ClientCertificateFiles {
    this.signed(name, `/CN=${commonName}`, options.ca ?? 'ca', 'extendedKeyUsage=clientAuth');
    if (options.passphrase === undefined) return { certFile: this.file(`${name}.pem`), keyFile: this.file(`${name}.key`) };
    this.openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', `${name}.key`, '-out', `${name}-encrypted.key`, '-passout', `pass:${options.passphrase}`]);
    return { certFile: this.file(`${name}.pem`), keyFile: this.file(`${name}-encrypted.key`) };
  }
}
