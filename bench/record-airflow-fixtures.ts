/**
 * Records real answers of the native stack's two Airflow servers into test/fixtures/airflow/
 * v1 (Airflow 2 on :8081) and v2 (Airflow 3 on :8080), for the unit tests of the version
 * adapters. It makes the data worth recording first: a run of workbench_test_hello that fails
 * its first try and is cleared, a dataset event that starts workbench_test_dataset_consumer,
 * and, for a minute, a broken DAG file so there is an import error (deleted afterwards).
 * `graph` records only what the DAG graph reads (tasks, the structure with task groups, task
 * instances of several runs through the batch endpoint, XComs) from two runs of
 * workbench_test_graph, into graph-*.json.
 * Plain fetch on purpose: the fixtures are what the server sends, not what the client makes
 * of it. Nothing secret is recorded (no token answers, no request headers).
 *
 *   node --import tsx bench/record-airflow-fixtures.ts [v1|v2] [graph]
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const FIXTURES = path.join(ROOT, 'test/fixtures/airflow');
const BROKEN_DAG_FILE = { v1: 'stack/native/airflow2-dags/workbench_test_broken.py', v2: 'stack/dags/workbench_test_broken.py' } as const;
const SERVERS = { v2: 'http://127.0.0.1:8080', v1: 'http://127.0.0.1:8081' } as const;
type Api = keyof typeof SERVERS;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function authHeader(api: Api): Promise<string> {
  if (api === 'v1') return `Basic ${Buffer.from('admin:admin').toString('base64')}`;
  const response = await fetch(`${SERVERS.v2}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'admin' }),
  });
  const body = (await response.json()) as { access_token: string };
  return `Bearer ${body.access_token}`;
}

class Recorder {
  constructor(private readonly api: Api, private readonly auth: string) {}

  async call(method: string, pathAndQuery: string, body?: unknown, accept = 'application/json'): Promise<{ status: number; text: string; json: unknown }> {
    const headers: Record<string, string> = { authorization: this.auth, accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${SERVERS[this.api]}${pathAndQuery}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json };
  }

  async record(name: string, method: string, pathAndQuery: string, body?: unknown): Promise<unknown> {
    const answer = await this.call(method, pathAndQuery, body);
    if (answer.json === undefined) throw new Error(`${method} ${pathAndQuery} answered ${answer.status} without JSON: ${answer.text.slice(0, 200)}`);
    const file = path.join(FIXTURES, this.api, `${name}.json`);
    await writeFile(file, `${JSON.stringify(answer.json, null, 2)}\n`);
    console.log(`  ${this.api}/${name}.json  ← ${method} ${pathAndQuery.split('?')[0] ?? ''} (${answer.status})`);
    return answer.json;
  }

  async recordRaw(name: string, pathAndQuery: string): Promise<void> {
    const response = await fetch(`${SERVERS[this.api]}${pathAndQuery}`);
    const file = path.join(FIXTURES, this.api, name);
    await writeFile(file, await response.text());
    console.log(`  ${this.api}/${name}  ← GET ${pathAndQuery} (${response.status}, ${response.headers.get('content-type') ?? ''})`);
  }

  async waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds = 240): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
      const value = await probe();
      if (value !== undefined) return value;
      await sleep(1000);
    }
    throw new Error(`${this.api}: gave up waiting for ${what} after ${seconds} s`);
  }
}

const enc = encodeURIComponent;

async function recordServer(api: Api): Promise<void> {
  const base = api === 'v2' ? '/api/v2' : '/api/v1';
  const r = new Recorder(api, await authHeader(api));
  await mkdir(path.join(FIXTURES, api), { recursive: true });
  console.log(`${api}: ${SERVERS[api]}`);

  // An import error, for as long as it takes to record it.
  const broken = path.join(ROOT, BROKEN_DAG_FILE[api]);
  await writeFile(broken, '"""Broken on purpose by bench/record-airflow-fixtures.ts (deleted after recording); mentions airflow DAG."""\nimport workbench_module_that_does_not_exist  # noqa: F401\n');
  try {
    await r.waitFor('the import error of the broken DAG file', async () => {
      const answer = await r.call('GET', `${base}/importErrors`);
      const errors = (answer.json as { import_errors?: { filename: string }[] }).import_errors ?? [];
      return errors.some((e) => e.filename.endsWith('workbench_test_broken.py')) ? true : undefined;
    }, 180);
    await r.record('import-errors', 'GET', `${base}/importErrors?limit=100&order_by=filename`);
  } finally {
    await rm(broken, { force: true });
  }

  await r.record('version', 'GET', `${base}/version`);
  await r.record('health', 'GET', api === 'v2' ? '/api/v2/monitor/health' : '/api/v1/health');
  await r.record('dags', 'GET', `${base}/dags?limit=100&order_by=dag_id&tags=workbench-test`);
  await r.record('dag', 'GET', `${base}/dags/workbench_test_dataset_consumer`);
  await r.record('dag-paused', 'PATCH', `${base}/dags/workbench_test_hello?update_mask=is_paused`, { is_paused: true });
  await r.call('PATCH', `${base}/dags/workbench_test_hello?update_mask=is_paused`, { is_paused: false });
  await r.record('dag-not-found', 'GET', `${base}/dags/workbench_no_such_dag`);

  // A run that fails on try 1, is cleared and succeeds on try 2.
  const trigger = api === 'v2'
    ? { logical_date: null, conf: { marker: `fixture-${api}`, fail_first_try: true }, note: 'recorded by bench/record-airflow-fixtures.ts' }
    : { conf: { marker: `fixture-${api}`, fail_first_try: true }, note: 'recorded by bench/record-airflow-fixtures.ts' };
  const created = (await r.record('dag-run-created', 'POST', `${base}/dags/workbench_test_hello/dagRuns`, trigger)) as { dag_run_id: string };
  const runPath = `${base}/dags/workbench_test_hello/dagRuns/${enc(created.dag_run_id)}`;
  await r.waitFor('the run to fail on try 1', async () => ((await r.call('GET', runPath)).json as { state: string }).state === 'failed' ? true : undefined);
  await r.record('task-instances-failed', 'GET', `${runPath}/taskInstances`);
  await r.record('task-log-failed', 'GET', `${runPath}/taskInstances/say_hello/logs/1?full_content=false`);
  await r.record('clear-task', 'POST', `${base}/dags/workbench_test_hello/clearTaskInstances`, {
    dry_run: false, dag_run_id: created.dag_run_id, task_ids: ['say_hello'], include_downstream: true, include_upstream: false,
    include_future: false, include_past: false, only_failed: false, reset_dag_runs: true,
  });
  await r.waitFor('the cleared run to succeed', async () => ((await r.call('GET', runPath)).json as { state: string }).state === 'success' ? true : undefined);
  await r.record('dag-run', 'GET', runPath);
  await r.record('dag-runs', 'GET', `${base}/dags/workbench_test_hello/dagRuns?limit=3&order_by=${api === 'v2' ? '-run_after' : '-execution_date'}`);
  await r.record('task-instances', 'GET', `${runPath}/taskInstances`);
  await r.record('task-log', 'GET', `${runPath}/taskInstances/say_hello/logs/2?full_content=false`);

  // A dataset event that starts the dataset-scheduled consumer.
  const uri = 'workbench://test/dataset';
  const datasets = (await r.record(api === 'v2' ? 'assets' : 'datasets', 'GET', `${base}/${api === 'v2' ? 'assets' : 'datasets'}?limit=100&uri_pattern=${enc(uri)}`)) as Record<string, { id: number; uri: string }[]>;
  const dataset = (datasets[api === 'v2' ? 'assets' : 'datasets'] ?? []).find((d) => d.uri === uri);
  if (!dataset) throw new Error(`${api}: no dataset ${uri}; is workbench_test_dataset_producer parsed?`);
  const extra = { recorded_by: 'bench/record-airflow-fixtures.ts', rows: 3 };
  const event = (await (api === 'v2'
    ? r.record('asset-event-created', 'POST', '/api/v2/assets/events', { asset_id: dataset.id, extra })
    : r.record('dataset-event-created', 'POST', '/api/v1/datasets/events', { dataset_uri: uri, extra }))) as { id: number };
  const eventsPath = api === 'v2' ? `/api/v2/assets/events?asset_id=${dataset.id}&order_by=-timestamp&limit=5` : `/api/v1/datasets/events?dataset_id=${dataset.id}&order_by=-timestamp&limit=5`;
  const createdRun = await r.waitFor('the consumer run created by the event', async () => {
    const body = (await r.call('GET', eventsPath)).json as Record<string, { id: number; created_dagruns: Record<string, string>[] }[]>;
    const found = (body[api === 'v2' ? 'asset_events' : 'dataset_events'] ?? []).find((e) => e.id === event.id);
    const run = found?.created_dagruns[0];
    return run ? (run['run_id'] ?? run['dag_run_id']) : undefined;
  });
  const consumerRun = `${base}/dags/workbench_test_dataset_consumer/dagRuns/${enc(createdRun)}`;
  await r.waitFor('the consumer run to finish', async () => ['success', 'failed'].includes(((await r.call('GET', consumerRun)).json as { state: string }).state) ? true : undefined);
  await r.record(api === 'v2' ? 'asset-events' : 'dataset-events', 'GET', eventsPath);
  await r.record(api === 'v2' ? 'upstream-asset-events' : 'upstream-dataset-events', 'GET', `${consumerRun}/${api === 'v2' ? 'upstreamAssetEvents' : 'upstreamDatasetEvents'}`);

  // What the other version's detection sees here.
  if (api === 'v1') await r.recordRaw('api-v2-version-404.html', '/api/v2/version');
}

/** What the DAG graph reads: two runs of workbench_test_graph, its tasks, groups, task instances and XComs. */
async function recordGraph(api: Api): Promise<void> {
  const base = api === 'v2' ? '/api/v2' : '/api/v1';
  const r = new Recorder(api, await authHeader(api));
  await mkdir(path.join(FIXTURES, api), { recursive: true });
  console.log(`${api}: ${SERVERS[api]} (graph)`);
  const dagId = 'workbench_test_graph';
  await r.waitFor(`${dagId} to be parsed`, async () => ((await r.call('GET', `${base}/dags/${dagId}`)).status === 200 ? true : undefined), 180);
  await r.call('PATCH', `${base}/dags/${dagId}?update_mask=is_paused`, { is_paused: false });
  const runIds: string[] = [];
  for (const marker of ['graph-fixture-1', 'graph-fixture-2']) {
    const body = api === 'v2' ? { logical_date: null, conf: { marker } } : { conf: { marker } };
    const created = (await r.call('POST', `${base}/dags/${dagId}/dagRuns`, body)).json as { dag_run_id: string };
    runIds.push(created.dag_run_id);
    // One after the other: Airflow 2 derives a manual run's id from the time, and both need distinct ids.
    await r.waitFor(`run ${created.dag_run_id} to succeed`, async () => {
      const state = ((await r.call('GET', `${base}/dags/${dagId}/dagRuns/${enc(created.dag_run_id)}`)).json as { state: string }).state;
      if (state === 'failed') throw new Error(`${api}: run ${created.dag_run_id} failed`);
      return state === 'success' ? true : undefined;
    });
  }
  await r.record('graph-tasks', 'GET', `${base}/dags/${dagId}/tasks`);
  if (api === 'v2') await r.record('graph-structure', 'GET', `/ui/structure/structure_data?dag_id=${dagId}`);
  const batch = { dag_ids: [dagId], dag_run_ids: runIds, page_limit: 100, page_offset: 0, ...(api === 'v2' ? { order_by: 'id' } : {}) };
  await r.record('graph-task-instances-batch', 'POST', `${base}/dags/~/dagRuns/~/taskInstances/list`, batch);
  const ti = `${base}/dags/${dagId}/dagRuns/${enc(runIds[1] ?? '')}/taskInstances/start`;
  await r.record('graph-xcom-entries', 'GET', `${ti}/xcomEntries?limit=100&offset=0&map_index=-1${api === 'v2' ? '&order_by=key' : ''}`);
  await r.record('graph-xcom-value', 'GET', `${ti}/xcomEntries/return_value?map_index=-1${api === 'v1' ? '&stringify=false' : ''}`);
  if (api === 'v1') await r.record('graph-xcom-value-text', 'GET', `${ti}/xcomEntries/return_value?map_index=-1`);
}

async function main(): Promise<void> {
  const only = process.argv[2];
  const apis: Api[] = only === 'v1' || only === 'v2' ? [only] : ['v2', 'v1'];
  const graphOnly = process.argv.includes('graph');
  for (const api of apis) await (graphOnly ? recordGraph(api) : recordServer(api).then(() => recordGraph(api)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
