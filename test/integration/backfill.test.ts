/**
 * Backfills, one XCom read with a size limit and asset materialize against the real Airflow 3
 * of the native stack, and the plain "needs Airflow 3" errors of Airflow 2 (whose XComs still
 * read). Uses the test DAG workbench_test_backfill (@daily, one task that returns the day and
 * pushes a ~70 KB XCom). Each test removes the runs it made, so it runs again on a used stack.
 *
 *   flock /tmp/kaw/stack.lock node --import tsx --test test/integration/backfill.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Airflow3OnlyError, AirflowClient } from '../../src/airflow/airflowClient';
import { BackfillRejectedError, type Backfill, type BackfillRequest } from '../../src/airflow/backfill';
import type { AirflowConnectionConfig, DagRun } from '../../src/airflow/types';
import { silentLogger } from '../../src/shared/logger';

const DAG = 'workbench_test_backfill';
const A3 = 'http://127.0.0.1:8080';
const A2 = 'http://127.0.0.1:8081';
const WAIT_SECONDS = 240;

function config(url: string): AirflowConnectionConfig {
  return { name: 'Local stack', url, auth: 'password', username: 'admin', password: 'admin', requestTimeoutMs: 30_000 };
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds = WAIT_SECONDS): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Gave up after ${seconds} s waiting for ${what}`);
    await sleep(1000);
  }
}

/** Deletes DAG runs through the REST API (the client has no delete: the editor never deletes runs). */
async function deleteRuns(dagId: string, runIds: readonly string[]): Promise<void> {
  const tokenResponse = await fetch(`${A3}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin' }) });
  const { access_token: token } = await tokenResponse.json() as { access_token: string };
  for (const runId of runIds) {
    await fetch(`${A3}/api/v2/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(runId)}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  }
}

/** Cancels whatever backfill of the DAG is still active (a previous run of this test that failed half-way). */
async function cancelActive(client: AirflowClient, dagId: string): Promise<void> {
  for (const backfill of await client.listBackfills(dagId, { limit: 50 })) {
    if (backfill.completedAt === null) await client.cancelBackfill(backfill.id);
  }
}

async function waitCompleted(client: AirflowClient, backfill: Backfill): Promise<Backfill> {
  return waitFor(`backfill ${backfill.id} to complete`, async () => {
    const fresh = await client.getBackfill(backfill.id);
    return fresh.completedAt === null ? undefined : fresh;
  });
}

/** Three whole days, far enough back that no scheduled run of the test DAG has them. */
const RANGE = { fromDate: '2025-03-01', toDate: '2025-03-03' };

describe('Backfills on Airflow 3 (API v2)', () => {
  const client = new AirflowClient(config(A3), silentLogger);
  const made: string[] = [];

  before(async () => {
    await cancelActive(client, DAG);
    await client.setPaused(DAG, false);
  });

  after(async () => {
    await cancelActive(client, DAG).catch(() => undefined);
    await client.setPaused(DAG, true).catch(() => undefined);
    await deleteRuns(DAG, made);
  });

  it('a dry run lists the logical dates; the backfill creates one run per day, all succeed, and a second one is refused while it runs', async () => {
    const request: BackfillRequest = { dagId: DAG, ...RANGE, reprocessBehavior: 'completed', maxActiveRuns: 3 };
    const dates = await client.dryRunBackfill(request);
    assert.deepEqual(dates.map((d) => d.slice(0, 10)), ['2025-03-01', '2025-03-02', '2025-03-03']);

    const backfill = await client.createBackfill(request);
    assert.equal(backfill.dagId, DAG);
    assert.equal(backfill.reprocessBehavior, 'completed');
    assert.ok((await client.listBackfills(DAG)).some((b) => b.id === backfill.id), 'the new backfill is listed under its DAG');

    await assert.rejects(client.createBackfill(request), (error: unknown) => {
      assert.ok(error instanceof BackfillRejectedError);
      assert.match(error.message, /A backfill of workbench_test_backfill is already running: Airflow allows one at a time per DAG\. Wait for it to finish, or cancel it/);
      return true;
    });

    const done = await waitCompleted(client, backfill);
    const runs = await client.listBackfillRuns(done);
    made.push(...runs.map((r) => r.runId));
    assert.deepEqual(runs.map((r) => [r.logicalDate?.slice(0, 10), r.state]), [['2025-03-01', 'success'], ['2025-03-02', 'success'], ['2025-03-03', 'success']]);
    assert.ok(runs.every((r) => r.runType === 'backfill'));

    // The run's XComs: listed without values, one read on demand, a large one only when asked.
    const run = runs[0] as DagRun;
    const keys = (await client.listXComs(DAG, run.runId, 'export_day', { values: false })).map((x) => x.key);
    assert.deepEqual(keys, ['date', 'return_value', 'rows', 'sample_rows']);
    const value = await client.getXCom(DAG, run.runId, 'export_day', 'return_value');
    assert.ok('value' in value);
    assert.deepEqual(value.value, { date: '2025-03-01', rows: 2000 });
    const guarded = await client.getXCom(DAG, run.runId, 'export_day', 'sample_rows', { maxBytes: 10_000 });
    assert.ok('tooLarge' in guarded, 'a 70 KB value is not read under a 10 KB limit');
    assert.ok(guarded.bytesAtLeast > 10_000);
    const whole = await client.getXCom(DAG, run.runId, 'export_day', 'sample_rows', { maxBytes: Number.POSITIVE_INFINITY });
    assert.ok('value' in whole && Array.isArray(whole.value) && whole.value.length === 2000);
  });

  it('running it again with reprocess "none" finds nothing to run; "completed" runs the same days again', async () => {
    assert.deepEqual(await client.dryRunBackfill({ dagId: DAG, ...RANGE, reprocessBehavior: 'none' }), []);
    assert.equal((await client.dryRunBackfill({ dagId: DAG, ...RANGE, reprocessBehavior: 'completed' })).length, 3);
  });

  it('pauses, resumes and cancels a running backfill', async () => {
    const backfill = await client.createBackfill({ dagId: DAG, fromDate: '2025-04-01', toDate: '2025-04-03', maxActiveRuns: 1, reprocessBehavior: 'completed', conf: { sleep_seconds: 20 } });
    const paused = await client.pauseBackfill(backfill.id);
    assert.equal(paused.isPaused, true);
    const resumed = await client.resumeBackfill(backfill.id);
    assert.equal(resumed.isPaused, false);
    const cancelled = await client.cancelBackfill(backfill.id);
    assert.notEqual(cancelled.completedAt, null, 'a cancelled backfill is completed');
    made.push(...(await client.listBackfillRuns(cancelled)).map((r) => r.runId));
  });

  it('bad input gets a sentence that says what to do, before the server is asked', async () => {
    const cases: [BackfillRequest, RegExp][] = [
      [{ dagId: DAG, fromDate: '2099-01-01', toDate: '2099-01-03' }, /starts in the future \(2099-01-01\)/],
      [{ dagId: DAG, fromDate: '2025-03-03', toDate: '2025-03-01' }, /end date 2025-03-01 is before the start date 2025-03-03: swap them/],
      [{ dagId: 'workbench_test_hello', ...RANGE }, /workbench_test_hello has no schedule \(schedule=None\)/],
    ];
    for (const [request, message] of cases) {
      await assert.rejects(client.dryRunBackfill(request), (error: unknown) => error instanceof BackfillRejectedError && message.test(error.message));
      await assert.rejects(client.createBackfill(request), (error: unknown) => error instanceof BackfillRejectedError && message.test(error.message));
    }
  });

  it('materializes an asset: runs its producing DAG, whose event names that run as its source', async () => {
    const run = await client.materializeAsset('workbench://test/dataset');
    assert.equal(run.dagId, 'workbench_test_dataset_producer');
    assert.equal(run.runType, 'asset_materialization');
    await waitFor('the materialize run to succeed', async () => ((await client.getRun(run.dagId, run.runId)).state === 'success' ? true : undefined));
    const events = await client.listDatasetEvents({ uri: 'workbench://test/dataset', limit: 20, offset: 0 });
    const event = events.items.find((e) => e.sourceRunId === run.runId);
    assert.ok(event, 'the asset event names the materialize run as its source');
    assert.equal(event.sourceDagId, 'workbench_test_dataset_producer');
    await assert.rejects(client.materializeAsset('workbench://no/such/asset'), /No dataset with URI workbench:\/\/no\/such\/asset exists/);
  });
});

describe('Airflow 2 (API v1): what needs Airflow 3 says so', () => {
  const client = new AirflowClient(config(A2), silentLogger);

  it('backfill and materialize are refused with the reason and what to do instead', async () => {
    for (const attempt of [
      () => client.listBackfills('workbench_test_hello'),
      () => client.dryRunBackfill({ dagId: 'workbench_test_hello', ...RANGE }),
      () => client.createBackfill({ dagId: 'workbench_test_hello', ...RANGE }),
    ]) {
      await assert.rejects(attempt(), (error: unknown) => error instanceof Airflow3OnlyError && /Backfills from the editor need Airflow 3: .* runs Airflow 2\.\d+\.\d+, whose REST API \(v1\) has no backfill endpoint/.test(error.message));
    }
    await assert.rejects(client.materializeAsset('workbench://test/dataset'), (error: unknown) => error instanceof Airflow3OnlyError && /Materialize needs Airflow 3.*Trigger the DAG that produces the dataset instead/.test(error.message));
  });

  it('reads one XCom of a task instance on demand', async () => {
    const marker = `i15-${Date.now()}`;
    const run = await client.trigger('workbench_test_hello', { conf: { marker } });
    await waitFor('the hello run to succeed', async () => ((await client.getRun(run.dagId, run.runId)).state === 'success' ? true : undefined));
    const read = await client.getXCom(run.dagId, run.runId, 'say_hello', 'return_value');
    assert.ok('value' in read);
    assert.equal(read.value, marker);
  });
});
