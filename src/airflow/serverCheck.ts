/**
 * One status check of an Airflow server, as the status bar and the trees show it: the version
 * (no sign-in needed), then one signed-in request (the first DAG), so a refused or missing
 * password shows as a credentials problem and not as a healthy server, then the health of the
 * components. Pure (no vscode): it takes the client, so tests run it against the real stack.
 */
import type { AirflowClient } from './airflowClient';
import type { ServerHealth } from './types';
import { describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { ServerStatus } from './presentation';

/** What a check needs of a client. */
export type CheckedClient = Pick<AirflowClient, 'serverInfo' | 'listDags' | 'health'>;

/**
 * Asks the server; never rejects: a failure (including getting the client, which fails when
 * no password is stored) becomes an `error` status with the cause.
 */
export async function checkServer(name: string, getClient: () => Promise<CheckedClient>, log: Logger): Promise<ServerStatus> {
  try {
    const client = await getClient();
    const info = await client.serverInfo();
    await client.listDags({ limit: 1, offset: 0 });
    let health: ServerHealth | undefined;
    try {
      health = await client.health();
    } catch (error) {
      log.warn(`Health of "${name}" could not be read: ${describeError(error)}`);
    }
    return { kind: 'ok', info, health, checkedAt: Date.now() };
  } catch (error) {
    log.warn(`Status check of "${name}" failed: ${describeError(error)}`);
    return { kind: 'error', error, checkedAt: Date.now() };
  }
}
