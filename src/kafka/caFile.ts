/**
 * Reads the CA file a Kafka connection names ("caFile" in kafkaAirflow.kafka.connections) into
 * the PEM text KafkaService hands to TLS, with errors that name the file, the connection and
 * the setting to fix. No vscode import: the editor (src/config/kafkaConnections.ts) and the
 * TLS integration tests run the same code.
 */
import { readFile } from 'node:fs/promises';
import { describeError, WorkbenchError } from '../shared/errors';

/** The PEM text of the CA file at `path` (already resolved), checked to hold at least one certificate. */
export async function readCaFile(path: string, connectionName: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new WorkbenchError(
      `The CA file "${path}" of the Kafka connection "${connectionName}" cannot be read (${describeError(error)}). Fix "caFile" in the settings.`,
      { cause: error, actions: ['openSettings'] },
    );
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new WorkbenchError(
      `The CA file "${path}" of the Kafka connection "${connectionName}" holds no PEM certificate (-----BEGIN CERTIFICATE-----). Point "caFile" at the CA's .pem or .crt file.`,
      { actions: ['openSettings'] },
    );
  }
  return text;
}
