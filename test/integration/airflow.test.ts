/**
 * AirflowClient against the native stack's real servers, the way a user would check it:
 * Airflow 3 (API v2, JWT) on 127.0.0.1:8080 and Airflow 2 (API v1, basic auth) on
 * 127.0.0.1:8081, each with the test DAGs of stack/dags and stack/native/airflow2-dags.
 * It detects the version, pages through DAGs, triggers a run and reads the line the task
 * logged, clears a failed task, pauses and unpauses, fires a dataset event and sees the
 * dataset-scheduled DAG start, and checks the faults: wrong password, pasted token, unknown
 * URI, extra that is not an object, a DAG that is gone, a URL that is not Airflow, a closed port.
 *
 *   bash stack/native/stack.sh up airflow3 airflow2
 *   node --import tsx --test test/integration/airflow.test.ts
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AirflowClient } from '../../src/airflow/airflowClient';
import { AirflowAuthError, DagNotFoundError } from '../../src/airflow/errors';
import type { AirflowConnectionConfig, DagRun, TaskInstance } from '../../src/airflow/types';
import { WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';

const HELLO = 'workbench_test_hello';
const PRODUCER = 'workbench_test_dataset_producer';
const CONSUMER = 'workbench_test_dataset_consumer';
const TEST_URI = 'workbench://test/dataset';
/** The scheduler on 2 shared cores can be slow: wait up to this long for a state. */
const WAIT_SECONDS = 240;

const servers = [
  { label: 'Airflow 3 (API v2)', url: 'http://127.0.0.1:8080', apiVersion: 'v2', major: '3', start: 'airflow3' },
  { label: 'Airflow 2 (API v1)', url: 'http://127.0.0.1:8081', apiVersion: 'v1', major: '2', start: 'airflow2' },
] as const;

function config(url: string, overrides: Partial<AirflowConnectionConfig> = {}): AirflowConnectionConfig {
  return { name: 'Local stack', url, auth: 'password', username: 'admin', password: 'admin', requestTimeoutMs: 30_000, ...overrides };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every second until it returns a value, for at most `seconds`. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds = WAIT_SECONDS): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Gave up after ${seconds} s waiting for ${what}`);
    await sleep(1000);
  }
}

async function waitForRunState(client: AirflowClient, run: DagRun, states: readonly string[]): Promise<DagRun> {
  return waitFor(`run ${run.runId} of ${run.dagId} to reach ${states.join('/')}`, async () => {
    const current = await client.getRun(run.dagId, run.runId);
    return states.includes(current.state) ? current : undefined;
  });
}

for (const server of servers) {
  describe(server.label, () => {
    const client = new AirflowClient(config(server.url), silentLogger);

    before(async () => {
      try {
        await client.serverInfo();
      } catch (error) {
        throw new Error(`${server.label} does not answer on ${server.url}: start it with "bash stack/native/stack.sh up ${server.start}"`, { cause: error });
      }
      // Test DAGs are parsed within the DAG processor's refresh interval of the stack.
      await waitFor('the test DAGs to be parsed', async () => {
        const dags = await client.listAllDags({ tags: ['workbench-test'], latestRunState: false });
        return [HELLO, PRODUCER, CONSUMER].every((id) => dags.some((dag) => dag.dagId === id)) ? true : undefined;
      }, 120);
      for (const dagId of [HELLO, CONSUMER]) await client.setPaused(dagId, false);
    });

    it('detects the version and reads health', async () => {
      const info = await client.serverInfo();
      assert.equal(info.apiVersion, server.apiVersion);
      assert.match(info.version, new RegExp(`^${server.major}\\.\\d+\\.\\d+`));
      assert.equal(info.uiUrl, server.url);
      const health = await client.health();
      assert.equal(health.metadatabase, 'healthy');
      assert.equal(health.scheduler, 'healthy');
    });

    it('lists DAGs page by page with a limit smaller than the count', async () => {
      const first = await client.listDags({ limit: 2, offset: 0, tags: ['workbench-test'] });
      assert.equal(first.items.length, 2);
      assert.ok(first.totalEntries >= 3, `total ${first.totalEntries}`);
      const second = await client.listDags({ limit: 2, offset: 2, tags: ['workbench-test'] });
      assert.ok(second.items.length >= 1);
      assert.ok(!second.items.some((dag) => first.items.some((seen) => seen.dagId === dag.dagId)), 'pages do not overlap');
      const all = await client.listAllDags({ tags: ['workbench-test'], pageSize: 2 });
      assert.equal(all.length, first.totalEntries);
      assert.deepEqual(all.slice(0, 2).map((d) => d.dagId), first.items.map((d) => d.dagId));
      const consumer = all.find((dag) => dag.dagId === CONSUMER);
      assert.ok(consumer);
      assert.equal(consumer.schedule, server.apiVersion === 'v2' ? 'Asset' : 'Dataset');
      assert.ok(consumer.latestRunState !== undefined, 'latest run state is filled in');
      const searched = await client.listAllDags({ search: 'test_hel' });
      assert.deepEqual(searched.map((d) => d.dagId), [HELLO]);
    });

    it('triggers a DAG with conf, waits for success and finds the line the task logged', async () => {
      const marker = `it-${randomUUID()}`;
      const run = await client.trigger(HELLO, { conf: { marker } });
      assert.equal(run.dagId, HELLO);
      assert.deepEqual(run.conf, { marker });
      if (server.apiVersion === 'v2') assert.equal(run.logicalDate, null, 'logical_date null was sent');
      const done = await waitForRunState(client, run, ['success', 'failed']);
      assert.equal(done.state, 'success');
      assert.ok(done.durationSeconds !== null && done.durationSeconds >= 0);
      const newest = await client.listRuns(HELLO, { limit: 5, offset: 0 });
      assert.ok(newest.items.some((r) => r.runId === run.runId), 'the run is among the newest');
      const tasks = await client.listTaskInstances(HELLO, run.runId);
      assert.deepEqual(tasks.map((t) => [t.taskId, t.state]), [['say_hello', 'success']]);
      const task = tasks[0]!;
      const log = await client.getTaskLog(HELLO, run.runId, task.taskId, task.tryNumber);
      assert.equal(log.complete, true);
      // Airflow 2 masks "workbench" (the stack's database password) in logs, so look for the marker.
      const line = log.lines.find((l) => l.text.includes(`marker=${marker}`) && l.text.startsWith('hello from'));
      assert.ok(line, `the task's line in ${log.lines.length} log lines`);
      assert.equal(line.level, 'info');
      assert.ok(line.time !== null && Date.parse(line.time) >= Date.parse(done.startDate ?? ''), 'the line has the time it was logged');
      assert.equal(
        await client.uiUrlForRun(HELLO, run.runId),
        server.apiVersion === 'v2'
          ? `${server.url}/dags/${HELLO}/runs/${encodeURIComponent(run.runId)}`
          : `${server.url}/dags/${HELLO}/grid?dag_run_id=${encodeURIComponent(run.runId)}`,
      );
      const page = await fetch(await client.uiUrlForRun(HELLO, run.runId), { redirect: 'manual' });
      assert.ok(page.status < 400, `the UI link answers (${page.status})`);
    });

    it('follows the log of a running task: each read brings only new lines, until complete', async () => {
      const marker = `follow-${randomUUID()}`;
      const ticks = 6;
      const run = await client.trigger(HELLO, { conf: { marker, tick_seconds: ticks } });
      await waitFor('the task to start running', async () => {
        const tis = await client.listTaskInstances(HELLO, run.runId);
        return tis[0]?.state === 'running' || tis[0]?.state === 'success' ? true : undefined;
      });
      const seen: string[] = [];
      let token: string | null = null;
      let reads = 0;
      let incompleteReads = 0;
      await waitFor('the log to be complete', async () => {
        const log = await client.getTaskLog(HELLO, run.runId, 'say_hello', 1, { continuationToken: token });
        reads++;
        if (!log.complete) incompleteReads++;
        seen.push(...log.lines.map((line) => line.text));
        token = log.continuationToken;
        return log.complete ? true : undefined;
      }, 120);
      const tickLines = seen.filter((text) => text.startsWith('tick ') && text.endsWith(`marker=${marker}`));
      assert.deepEqual(tickLines, Array.from({ length: ticks }, (_, i) => `tick ${i + 1} of ${ticks} marker=${marker}`), 'every tick once, in order');
      assert.ok(incompleteReads >= 1, `the log was read while the task ran (${reads} reads)`);
      assert.equal((await waitForRunState(client, run, ['success', 'failed'])).state, 'success');
    });

    it('clears a failed task and the run succeeds on try 2', async () => {
      const run = await client.trigger(HELLO, { conf: { marker: `clear-${randomUUID()}`, fail_first_try: true } });
      assert.equal((await waitForRunState(client, run, ['success', 'failed'])).state, 'failed');
      const failed = await client.listTaskInstances(HELLO, run.runId);
      assert.deepEqual(failed.map((t) => [t.state, t.tryNumber]), [['failed', 1]]);
      const failedLog = await client.getTaskLog(HELLO, run.runId, 'say_hello', 1);
      assert.ok(failedLog.lines.some((l) => l.level === 'error' && l.text.includes('failing try 1 on purpose')), 'the exception is in the log');
      assert.deepEqual(await client.clearTask(HELLO, run.runId, 'say_hello', { onlyFailed: true }), ['say_hello']);
      assert.equal((await waitForRunState(client, run, ['success', 'failed'])).state, 'success');
      const retried = await waitFor<TaskInstance[]>('the task to succeed', async () => {
        const tis = await client.listTaskInstances(HELLO, run.runId);
        return tis[0]?.state === 'success' ? tis : undefined;
      });
      assert.equal(retried[0]!.tryNumber, 2);
    });

    it('pauses and unpauses a DAG', async () => {
      try {
        assert.equal((await client.setPaused(PRODUCER, true)).isPaused, true);
        assert.equal((await client.getDag(PRODUCER)).isPaused, true);
        const paused = await client.listAllDags({ tags: ['workbench-test'], latestRunState: false });
        assert.equal(paused.find((d) => d.dagId === PRODUCER)?.isPaused, true);
      } finally {
        assert.equal((await client.setPaused(PRODUCER, false)).isPaused, false);
      }
      assert.equal((await client.getDag(PRODUCER)).isPaused, false);
    });

    it('fires a dataset event and sees the dataset-scheduled DAG start', async () => {
      const datasets = await client.listDatasets();
      const dataset = datasets.find((d) => d.uri === TEST_URI);
      assert.ok(dataset, `dataset ${TEST_URI} among ${datasets.length}`);
      assert.deepEqual(dataset.producingTasks, [{ dagId: PRODUCER, taskId: 'produce' }]);
      assert.deepEqual(dataset.consumingDags, [CONSUMER]);
      const marker = randomUUID();
      const event = await client.createDatasetEvent(TEST_URI, { marker, rows: 3 });
      assert.equal(event.uri, TEST_URI);
      assert.equal(event.datasetId, dataset.id);
      assert.equal(event.extra['marker'], marker);
      const created = await waitFor('the consumer run created by the event', async () => {
        const runs = await client.runsCreatedByEvent(event);
        return runs.length > 0 ? runs : undefined;
      });
      assert.equal(created[0]!.dagId, CONSUMER);
      const consumerRun = await client.getRun(CONSUMER, created[0]!.runId);
      assert.match(consumerRun.runType, server.apiVersion === 'v2' ? /asset_triggered/ : /dataset_triggered/);
      const triggering = await client.triggeringEventsOfRun(CONSUMER, consumerRun.runId);
      assert.ok(triggering.some((e) => e.id === event.id), 'the run names the event that triggered it');
      const listed = await client.listDatasetEvents({ uri: TEST_URI, limit: 10, offset: 0 });
      const again = listed.items.find((e) => e.id === event.id);
      assert.ok(again, 'the event is among the newest of its dataset');
      assert.ok(again.createdRuns.some((r) => r.runId === consumerRun.runId));
      assert.equal((await waitForRunState(client, consumerRun, ['success', 'failed'])).state, 'success');
    });

    it('refuses an unknown dataset URI and an extra that is not an object, creating nothing', async () => {
      const before = await client.listDatasetEvents({ uri: TEST_URI, limit: 1, offset: 0 });
      await assert.rejects(client.createDatasetEvent('workbench://test/no-such-dataset', {}), (error: unknown) => {
        assert.ok(error instanceof WorkbenchError);
        assert.equal(error.message, `No dataset with URI workbench://test/no-such-dataset exists on ${server.url}. Datasets exist once a DAG that declares them is parsed.`);
        return true;
      });
      // A prefix of a real URI is not that URI (the server's filter is a substring match).
      await assert.rejects(client.createDatasetEvent('workbench://test/data', {}), /No dataset with URI workbench:\/\/test\/data exists/);
      await assert.rejects(client.createDatasetEvent(TEST_URI, '[1, 2]'), /The extra must be a JSON object, for example \{"rows": 10\}, not a list\./);
      await assert.rejects(client.createDatasetEvent(TEST_URI, '{"rows": '), /The extra is not valid JSON/);
      const after = await client.listDatasetEvents({ uri: TEST_URI, limit: 1, offset: 0 });
      assert.equal(after.totalEntries, before.totalEntries, 'no event was created');
    });

    it('reports a DAG that does not exist as DagNotFoundError, also for its runs', async () => {
      await assert.rejects(client.getDag('workbench_no_such_dag'), DagNotFoundError);
      await assert.rejects(client.listRuns('workbench_no_such_dag', { limit: 5, offset: 0 }), (error: unknown) => {
        assert.ok(error instanceof DagNotFoundError);
        assert.equal(error.dagId, 'workbench_no_such_dag');
        assert.match(error.message, /^DAG "workbench_no_such_dag" no longer exists on Airflow at http:\/\/127\.0\.0\.1:808\d\./);
        return true;
      });
      // A run that does not exist in a DAG that does is not "DAG gone".
      await assert.rejects(client.getRun(HELLO, 'no_such_run'), (error: unknown) => !(error instanceof DagNotFoundError) && error instanceof WorkbenchError);
    });

    it('says the credentials were refused for a wrong password, and offers to re-enter them', async () => {
      const wrong = new AirflowClient(config(server.url, { password: 'not-the-password' }), silentLogger);
      assert.equal((await wrong.serverInfo()).apiVersion, server.apiVersion, 'detection needs no credentials');
      await assert.rejects(wrong.listDags({ limit: 1, offset: 0 }), (error: unknown) => {
        assert.ok(error instanceof AirflowAuthError);
        // Airflow 3 answers 401 from POST /auth/token; Airflow 2 answers 403 to a wrong basic-auth password.
        assert.match(error.message, new RegExp(`^Airflow at ${server.url.replace(/\./g, '\\.')} refused the credentials for user admin \\((401|403) on `));
        assert.deepEqual(error.actions[0], { title: 'Re-enter Password', command: 'kafkaAirflow.reenterAirflowPassword', args: ['Local stack'] });
        return true;
      });
      const noPassword = new AirflowClient(config(server.url, { password: undefined }), silentLogger);
      assert.equal((await noPassword.health()).metadatabase, 'healthy', 'health needs no credentials');
      await assert.rejects(noPassword.listDags({ limit: 1, offset: 0 }), (error: unknown) =>
        error instanceof AirflowAuthError && error.message === 'The Airflow connection "Local stack" has no password stored. Enter it again.');
    });
  });
}

describe('pasted token (Airflow 3)', () => {
  it('uses a pasted JWT as a bearer token, and says a bad one was refused', async () => {
    const response = await fetch('http://127.0.0.1:8080/auth/token', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin' }),
    });
    const { access_token: token } = (await response.json()) as { access_token: string };
    const withToken = new AirflowClient(config('http://127.0.0.1:8080', { auth: 'token', token, password: undefined, username: undefined }), silentLogger);
    assert.ok((await withToken.listDags({ limit: 1, offset: 0 })).totalEntries >= 1);
    const badToken = new AirflowClient(config('http://127.0.0.1:8080', { auth: 'token', token: 'not.a.token', password: undefined }), silentLogger);
    await assert.rejects(badToken.listDags({ limit: 1, offset: 0 }), (error: unknown) => {
      assert.ok(error instanceof AirflowAuthError);
      assert.match(error.message, /refused the pasted token/);
      assert.deepEqual(error.actions[0], { title: 'Re-enter Token', command: 'kafkaAirflow.reenterAirflowPassword', args: ['Local stack'] });
      return true;
    });
  });
});

describe('a URL that is not Airflow', () => {
  let htmlServer: Server;
  let url = '';

  before(async () => {
    // A real web server that is not Airflow: it answers every path with the same HTML page.
    htmlServer = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><head><title>Grafana</title></head><body>hi</body></html>');
    });
    await new Promise<void>((resolve) => htmlServer.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(htmlServer.address() as AddressInfo).port}`;
  });
  after(() => { htmlServer.close(); });

  it('says the URL does not look like Airflow, what it answered, and what the URL should be', async () => {
    const client = new AirflowClient(config(url), silentLogger);
    await assert.rejects(client.listAllDags(), (error: unknown) => {
      assert.ok(error instanceof WorkbenchError);
      assert.equal(error.message, `${url} does not look like an Airflow server (it answered GET /api/v2/version with 200 and an HTML page titled "Grafana"). Check the URL: it should be the API server of Airflow 3 or the webserver of Airflow 2.`);
      return true;
    });
  });
});

describe('a closed port', () => {
  it('says the connection was refused, quickly', async () => {
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => { resolve(); }));
    const client = new AirflowClient(config(`http://127.0.0.1:${port}`), silentLogger);
    const started = Date.now();
    await assert.rejects(client.serverInfo(), (error: unknown) => {
      assert.ok(error instanceof WorkbenchError);
      assert.equal(error.message, `Airflow at http://127.0.0.1:${port} refused the connection. Is it running? Start the local stack or check the address in the settings.`);
      return true;
    });
    assert.ok(Date.now() - started < 5000, 'bounded retries, no hang');
  });
});
