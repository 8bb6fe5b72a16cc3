/**
 * Joins an Airflow connection from the settings with its password or token, read under the
 * key of the target it was saved for (URL, sign-in kind, user): a connection that now points
 * elsewhere gets no secret and a message saying why. No runtime vscode import: the editor and
 * the credential-leak integration test run this code.
 */
import type { AirflowConnectionConfig } from '../airflow/types';
import type { AirflowConnection } from '../shared/connections';
import { airflowTarget } from '../shared/credentials';
import { WorkbenchError } from '../shared/errors';
import type { Secrets } from './secrets';
import { CommandId } from '../shared/commandIds';

/** The command that asks for an Airflow connection's password or token again (src/commands/airflow.ts). */

/** The AirflowClient settings of one connection, signed in with its own secret. */
export async function airflowClientConfig(connection: AirflowConnection, secrets: Secrets, requestTimeoutMs: number): Promise<AirflowConnectionConfig> {
  const what = connection.auth === 'token' ? 'token' : 'password';
  const lookup = await secrets.read(airflowTarget(connection), what);
  if (lookup.kind !== 'found' || lookup.value === '') {
    const message = lookup.kind === 'targetChanged' ? lookup.message : `No ${what} is stored for the Airflow connection "${connection.name}". Enter it to connect.`;
    throw new WorkbenchError(message, {
      actions: [{ title: `Enter ${what === 'token' ? 'Token' : 'Password'}`, command: CommandId.reenterAirflowPassword, args: [connection.name] }],
    });
  }
  return {
    ...connection,
    ...(connection.auth === 'token' ? { token: lookup.value } : { password: lookup.value }),
    requestTimeoutMs,
  };
}
