/**
 * Joins a Kafka connection from the settings with what it needs to connect: the SASL
 * password, the OAuth token (static, from SecretStorage, or from the token command), the
 * client key's passphrase, and the PEM texts of the CA, client certificate and key. Each
 * secret is read under the key of the target it was saved for (src/shared/credentials.ts),
 * so a connection that now points elsewhere gets no secret and a message saying why. No
 * runtime vscode import: the editor and the credential-leak integration test run this code.
 */
import { readCaFile } from '../kafka/caFile';
import { tokenFromCommand } from '../kafka/oauthToken';
import { ClientKeyPassphraseError, readClientCertificate } from '../kafka/pemFiles';
import type { KafkaConnectionConfig } from '../kafka/types';
import type { KafkaConnection } from '../shared/connections';
import { usesPassword } from '../shared/connections';
import { kafkaKeyPassphraseTarget, kafkaPasswordTarget, kafkaTokenTarget } from '../shared/credentials';
import { WorkbenchError, type ErrorAction } from '../shared/errors';
import type { Secrets } from './secrets';
import { CommandId } from '../shared/commandIds';

/** The command that asks for a connection's password, token or key passphrase again (src/commands/kafka.ts). */

export interface KafkaConfigContext {
  secrets: Secrets;
  requestTimeoutMs: number;
  /** Turns a file path of the connection into the path to read; throws for one the trust rules refuse. */
  resolveFile: (file: string, setting: string) => string;
  /** Working folder of the token command (the workspace folder when it is trusted). */
  cwd?: string;
}

function enterAction(name: string, title: string): ErrorAction {
  return { title, command: CommandId.enterKafkaPassword, args: [name] };
}

/** The KafkaService settings of one connection, with its secrets and files read. */
export async function kafkaServiceConfig(connection: KafkaConnection, context: KafkaConfigContext): Promise<KafkaConnectionConfig> {
  const config: KafkaConnectionConfig = { ...connection, requestTimeoutMs: context.requestTimeoutMs };
  const { secrets } = context;

  if (usesPassword(connection.saslMechanism)) {
    const lookup = await secrets.read(kafkaPasswordTarget(connection), 'SASL password');
    if (lookup.kind !== 'found' || lookup.value === '') {
      const message = lookup.kind === 'targetChanged'
        ? lookup.message
        : `No SASL password is stored for the Kafka connection "${connection.name}". Enter it to connect.`;
      throw new WorkbenchError(message, { actions: [enterAction(connection.name, 'Enter Password')] });
    }
    config.password = lookup.value;
  }

  if (connection.saslMechanism === 'oauthbearer') {
    const command = connection.oauthTokenCommand;
    if (command) {
      config.oauthBearerToken = () => tokenFromCommand(command, { timeoutMs: context.requestTimeoutMs, ...(context.cwd === undefined ? {} : { cwd: context.cwd }) });
    } else {
      const lookup = await secrets.read(kafkaTokenTarget(connection), 'OAuth token');
      if (lookup.kind !== 'found' || lookup.value === '') {
        const message = lookup.kind === 'targetChanged'
          ? lookup.message
          : `No OAuth token is stored for the Kafka connection "${connection.name}". Enter a token, or set "oauthTokenCommand" to a program that prints one.`;
        throw new WorkbenchError(message, { actions: [enterAction(connection.name, 'Enter Token'), 'openSettings'] });
      }
      const token = lookup.value;
      config.oauthBearerToken = () => Promise.resolve(token);
    }
  }

  if (connection.ssl && connection.caFile) {
    config.ca = await readCaFile(context.resolveFile(connection.caFile, 'caFile'), connection.name);
  }

  if (connection.clientCertFile && connection.clientKeyFile) {
    const files = {
      certFile: context.resolveFile(connection.clientCertFile, 'clientCertFile'),
      keyFile: context.resolveFile(connection.clientKeyFile, 'clientKeyFile'),
    };
    const lookup = await secrets.read(kafkaKeyPassphraseTarget(connection, connection.clientKeyFile), 'passphrase of the client key');
    const passphrase = lookup.kind === 'found' ? lookup.value : undefined;
    try {
      const pem = await readClientCertificate(files, passphrase, connection.name);
      config.clientCert = pem.cert;
      config.clientKey = pem.key;
      if (passphrase !== undefined) config.clientKeyPassphrase = passphrase;
    } catch (error) {
      if (!(error instanceof ClientKeyPassphraseError)) throw error;
      const message = error.reason === 'missing' && lookup.kind === 'targetChanged' ? lookup.message : error.message;
      throw new WorkbenchError(message, { cause: error, actions: [enterAction(connection.name, 'Enter Passphrase'), 'openSettings'] });
    }
  }
  return config;
}
