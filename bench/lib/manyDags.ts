/**
 * 1,000 DAGs on the native stack's Airflow for the DAG benchmarks (bench/airflow-dags.ts,
 * bench/airflow-dags-tree.ts). The generator DAG file (stack/dags/workbench_test_many_dags.py,
 * and its Airflow 2 twin) defines `workbench_many_NNNN` DAGs while a marker file holds their
 * number; switching it on waits until the server lists them, switching it off waits until they
 * have gone stale and dropped out of the listings. Runs can be given to them (trigger, then
 * set the state: the DAGs are paused, so nothing executes) and are deleted afterwards.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AirflowClient } from '../../src/airflow/airflowClient';
import { silentLogger } from '../../src/shared/logger';

const ROOT = path.resolve(__dirname, '..', '..');

export const SERVERS = {
  v2: { url: 'http://127.0.0.1:8080', marker: 'stack/dags/.many_dags', label: 'Airflow 3 (API v2)' },
  v1: { url: 'http://127.0.0.1:8081', marker: 'stack/native/airflow2-dags/.many_dags', label: 'Airflow 2 (API v1)' },
} as const;

export type ServerKey = keyof typeof SERVERS;
export const GENERATED_PREFIX = 'workbench_many_';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

export function newClient(api: ServerKey, timeoutMs = 120_000): AirflowClient {
  return new AirflowClient({ name: 'bench', url: SERVERS[api].url, auth: 'password', username: 'admin', password: 'admin', requestTimeoutMs: timeoutMs }, silentLogger);
}

/** How the benchmark's own HTTP calls sign in: a JWT on Airflow 3, basic auth on Airflow 2. */
export async function authHeader(api: ServerKey): Promise<string> {
  if (api === 'v1') return `Basic ${Buffer.from('admin:admin').toString('base64')}`;
  const response = await fetch(`${SERVERS.v2.url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"admin","password":"admin"}' });
  return `Bearer ${((await response.json()) as { access_token: string }).access_token}`;
}

/**
 * Switches the generator on for `count` DAGs and waits until the server lists them all; the
 * returned function switches it off and waits (up to 5 minutes) until they are gone. Ctrl-C
 * switches it off too.
 */
export async function generateDags(api: ServerKey, client: AirflowClient, count: number): Promise<{ listed: number; parseSeconds: number; switchOff: () => Promise<void> }> {
  const server = SERVERS[api];
  const marker = path.join(ROOT, server.marker);
  const removeMarker = (): void => { rmSync(marker, { force: true }); };
  process.once('SIGINT', () => { removeMarker(); process.exit(130); });
  const generated = async (): Promise<number> => (await client.listDags({ limit: 1, offset: 0, search: GENERATED_PREFIX })).totalEntries;
  const started = performance.now();
  writeFileSync(marker, `${count}\n`);
  try {
    for (let have = await generated(); have < count; have = await generated()) {
      if (performance.now() - started > 15 * 60_000) throw new Error(`The server lists ${have} of ${count} generated DAGs after 15 minutes; is the DAG processor running?`);
      process.stdout.write(`\r  waiting for the server to list the generated DAGs: ${have}/${count}   `);
      await sleep(3000);
    }
  } catch (error) {
    removeMarker();
    throw error;
  }
  const listed = (await client.listDags({ limit: 1, offset: 0 })).totalEntries;
  const parseSeconds = (performance.now() - started) / 1000;
  const switchOff = async (): Promise<void> => {
    removeMarker();
    console.log(`  generator switched off (${server.marker} deleted)`);
    // The DAGs go stale about a minute after their file stops defining them, then drop out of the listings.
    const offAt = performance.now();
    for (;;) {
      const left = await generated();
      if (left === 0) break;
      if (performance.now() - offAt > 5 * 60_000) {
        console.log(`  ${left} generated DAGs still listed after 5 minutes; they will go stale on their own`);
        return;
      }
      await sleep(5000);
    }
    console.log(`  the generated DAGs dropped out of the listing ${((performance.now() - offAt) / 1000).toFixed(0)} s after the switch-off`);
  };
  return { listed, parseSeconds, switchOff };
}

/** Runs `work` over `items`, `limit` at a time. */
export async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++] as T);
  }));
}

/**
 * Gives each DAG one run (Airflow 3): triggered, then marked with the state `stateOf` picks
 * (the generated DAGs are paused, so a run stays queued and nothing executes). Returns a
 * function that deletes those runs again; if giving them fails, the runs made so far are
 * deleted before the error is passed on. Two at a time, and a request the server fails with
 * 500 (concurrent updates of run rows can deadlock in its database) is repeated.
 */
export async function giveRuns(dagIds: readonly string[], stateOf: (index: number) => 'success' | 'failed' | 'queued'): Promise<() => Promise<void>> {
  const auth = await authHeader('v2');
  const base = SERVERS.v2.url;
  const created: { dagId: string; runId: string }[] = [];
  const call = async (method: string, url: string, body?: unknown): Promise<unknown> => {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(url, { method, headers: { authorization: auth, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await response.text();
      if (response.status >= 500 && attempt < 4) {
        await sleep(500 * attempt);
        continue;
      }
      if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
      return text === '' ? undefined : JSON.parse(text);
    }
  };
  const deleteRuns = async (): Promise<void> => {
    await eachLimited(created, 2, async ({ dagId, runId }) => { await call('DELETE', `${base}/api/v2/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}`); });
  };
  try {
    await eachLimited(dagIds.map((dagId, index) => ({ dagId, index })), 2, async ({ dagId, index }) => {
      const run = (await call('POST', `${base}/api/v2/dags/${dagId}/dagRuns`, { logical_date: null, note: 'workbench benchmark' })) as { dag_run_id: string };
      created.push({ dagId, runId: run.dag_run_id });
      const state = stateOf(index);
      if (state !== 'queued') await call('PATCH', `${base}/api/v2/dags/${dagId}/dagRuns/${encodeURIComponent(run.dag_run_id)}`, { state });
    });
  } catch (error) {
    await deleteRuns();
    throw error;
  }
  return deleteRuns;
}
