/**
 * Test Connection for an Airflow connection: the version (no sign-in needed), one signed-in
 * request (the DAG count), so a refused password fails the test instead of passing it, and the
 * health of the components. A failure reaches the caller as the client's WorkbenchError (it
 * names the URL and what to do); a health endpoint that does not answer is reported, not fatal.
 */
import type { AirflowClient } from './airflowClient';
import type { ServerHealth, ServerInfo } from './types';

export interface AirflowTestReport {
  info: ServerInfo;
  dags: number;
  /** Undefined when the health endpoint did not answer; `healthError` says why. */
  health: ServerHealth | undefined;
  healthError?: string;
  /** The components that reported "unhealthy". */
  unhealthy: string[];
  elapsedMs: number;
}

export type TestedAirflow = Pick<AirflowClient, 'serverInfo' | 'listDags' | 'health'>;

const COMPONENTS: readonly [keyof ServerHealth, string][] = [
  ['metadatabase', 'metadatabase'],
  ['scheduler', 'scheduler'],
  ['dagProcessor', 'DAG processor'],
  ['triggerer', 'triggerer'],
];

export async function testAirflowConnection(client: TestedAirflow): Promise<AirflowTestReport> {
  const started = performance.now();
  const info = await client.serverInfo();
  const dags = (await client.listDags({ limit: 1, offset: 0 })).totalEntries;
  let health: ServerHealth | undefined;
  let healthError: string | undefined;
  try {
    health = await client.health();
  } catch (error) {
    healthError = error instanceof Error ? error.message : String(error);
  }
  const unhealthy = health ? COMPONENTS.filter(([key]) => health[key] === 'unhealthy').map(([, label]) => label) : [];
  return { info, dags, health, ...(healthError === undefined ? {} : { healthError }), unhealthy, elapsedMs: Math.round(performance.now() - started) };
}

/** "Airflow "Local stack": Airflow 3.3.2 (REST API v2), healthy (metadatabase, scheduler, DAG processor, triggerer), signed in, 14 DAGs, answered in 230 ms." */
export function airflowTestSummary(name: string, report: AirflowTestReport): string {
  const { health } = report;
  let state: string;
  if (!health) state = `health unknown (${report.healthError ?? 'no answer'})`;
  else if (report.unhealthy.length > 0) state = `unhealthy: ${report.unhealthy.join(', ')}`;
  else {
    const healthy = COMPONENTS.filter(([key]) => health[key] === 'healthy').map(([, label]) => label);
    state = `healthy (${healthy.join(', ')})`;
  }
  const dags = `${report.dags.toLocaleString('en-US')} ${report.dags === 1 ? 'DAG' : 'DAGs'}`;
  return `Airflow "${name}": Airflow ${report.info.version} (REST API ${report.info.apiVersion}), ${state}, signed in, ${dags}, answered in ${report.elapsedMs} ms.`;
}
