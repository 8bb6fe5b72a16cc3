/**
 * The version adapters on real answers recorded from the native stack (Airflow 3.3 API v2 and
 * Airflow 2.11 API v1, see bench/record-airflow-fixtures.ts): each maps to the one shared
 * vocabulary, and a changed field or an HTML page becomes an error that names the endpoint
 * and the field instead of `undefined` further down.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { DecodeContext } from '../../src/airflow/adapter';
import { AirflowResponseError } from '../../src/airflow/errors';
import { AirflowHttp, errorDetail } from '../../src/airflow/http';
import { decodeV1 } from '../../src/airflow/v1';
import { decodeV2 } from '../../src/airflow/v2';
import { silentLogger } from '../../src/shared/logger';

const FIXTURES = path.join(__dirname, '../fixtures/airflow');

function fixture(api: 'v1' | 'v2', name: string): unknown {
  return JSON.parse(readFileSync(path.join(FIXTURES, api, `${name}.json`), 'utf8'));
}

function ctx(endpoint: string): DecodeContext {
  return { endpoint, serverUrl: 'http://airflow.test' };
}

/** A deep copy of a fixture with one change, as a server of another version might send it. */
function changed(body: unknown, edit: (copy: Record<string, unknown[]>) => void): unknown {
  const copy = structuredClone(body) as Record<string, unknown[]>;
  edit(copy);
  return copy;
}

describe('Airflow 3 (API v2) adapter on recorded answers', () => {
  it('maps the DAG list: ids, tags, owners, asset schedule, paused, active', () => {
    const page = decodeV2.dagPage(fixture('v2', 'dags'), ctx('GET /api/v2/dags'));
    assert.equal(page.totalEntries, 3);
    assert.deepEqual(page.items.map((d) => d.dagId), ['workbench_test_dataset_consumer', 'workbench_test_dataset_producer', 'workbench_test_hello']);
    const consumer = page.items[0]!;
    assert.equal(consumer.schedule, 'Asset');
    assert.deepEqual(consumer.tags, ['workbench-test']);
    assert.deepEqual(consumer.owners, ['airflow']);
    assert.equal(consumer.isPaused, false);
    assert.equal(consumer.isActive, true);
    assert.equal(consumer.hasImportErrors, false);
    assert.match(consumer.fileLoc ?? '', /workbench_test_dataset_consumer\.py$/);
    // schedule=None is summarized as "None" by Airflow 3: no schedule.
    assert.equal(page.items[2]!.schedule, null);
  });

  it('maps a PATCH that paused a DAG', () => {
    assert.equal(decodeV2.dag(fixture('v2', 'dag-paused'), ctx('PATCH /api/v2/dags/x')).isPaused, true);
  });

  it('maps a run with conf, null logical date and duration', () => {
    const run = decodeV2.run(fixture('v2', 'dag-run'), ctx('GET /api/v2/dags/x/dagRuns/y'));
    assert.equal(run.state, 'success');
    assert.equal(run.runType, 'manual');
    assert.equal(run.logicalDate, null);
    assert.deepEqual(run.conf, { marker: 'fixture-v2', fail_first_try: true });
    assert.ok(run.durationSeconds !== null && run.durationSeconds > 0 && run.durationSeconds < 600);
    assert.match(run.runId, /^manual__/);
  });

  it('maps task instances before and after the clear (try 1 failed, try 2 succeeded)', () => {
    const failed = decodeV2.taskInstancePage(fixture('v2', 'task-instances-failed'), ctx('GET ti'));
    assert.deepEqual(failed.items.map((t) => [t.taskId, t.state, t.tryNumber]), [['say_hello', 'failed', 1]]);
    const after = decodeV2.taskInstancePage(fixture('v2', 'task-instances'), ctx('GET ti'));
    assert.deepEqual(after.items.map((t) => [t.taskId, t.state, t.tryNumber, t.mapIndex]), [['say_hello', 'success', 2, -1]]);
    assert.equal(after.items[0]!.operator, '@task');
    assert.deepEqual(decodeV2.clearedTaskIds(fixture('v2', 'clear-task'), ctx('POST clear')), ['say_hello']);
  });

  it('renders the structured log as lines with time and level, the task line among them, complete', () => {
    const log = decodeV2.log(fixture('v2', 'task-log'), ctx('GET log'));
    assert.equal(log.complete, true);
    assert.equal(log.continuationToken, null);
    const hello = log.lines.find((line) => line.text.startsWith('hello from workbench'));
    assert.ok(hello, 'the line the task logged');
    assert.equal(hello.text, 'hello from workbench marker=fixture-v2');
    assert.equal(hello.level, 'info');
    assert.match(hello.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(!log.lines.some((line) => line.text.includes('::endgroup::')), 'fold markers are not shown');
  });

  it('renders the exception of the failed try as an error line followed by a traceback', () => {
    const log = decodeV2.log(fixture('v2', 'task-log-failed'), ctx('GET log'));
    const index = log.lines.findIndex((line) => line.text.startsWith('Task failed with exception'));
    assert.ok(index >= 0);
    assert.equal(log.lines[index]!.level, 'error');
    const after = log.lines.slice(index + 1).map((line) => line.text);
    assert.equal(after[0], 'Traceback (most recent call last):');
    assert.ok(after.includes('RuntimeError: failing try 1 on purpose marker=fixture-v2'));
  });

  it('maps assets with producing tasks and consuming DAGs', () => {
    const page = decodeV2.datasetPage(fixture('v2', 'assets'), ctx('GET /api/v2/assets'));
    const asset = page.items.find((d) => d.uri === 'workbench://test/dataset');
    assert.ok(asset);
    assert.equal(asset.name, 'workbench://test/dataset');
    assert.deepEqual(asset.producingTasks, [{ dagId: 'workbench_test_dataset_producer', taskId: 'produce' }]);
    assert.deepEqual(asset.consumingDags, ['workbench_test_dataset_consumer']);
  });

  it('maps asset events with their extra and the runs they created', () => {
    const created = decodeV2.datasetEvent(fixture('v2', 'asset-event-created'), ctx('POST /api/v2/assets/events'));
    assert.equal(created.uri, 'workbench://test/dataset');
    assert.equal(created.extra['rows'], 3);
    const page = decodeV2.datasetEventPage(fixture('v2', 'asset-events'), ctx('GET /api/v2/assets/events'));
    const event = page.items.find((e) => e.id === created.id);
    assert.ok(event);
    assert.equal(event.createdRuns.length, 1);
    assert.equal(event.createdRuns[0]!.dagId, 'workbench_test_dataset_consumer');
    assert.match(event.createdRuns[0]!.runId, /^asset_triggered__/);
    const upstream = decodeV2.datasetEventPage(fixture('v2', 'upstream-asset-events'), ctx('GET upstreamAssetEvents'));
    assert.deepEqual(upstream.items.map((e) => e.id), [created.id]);
  });

  it('maps import errors and health', () => {
    const errors = decodeV2.importErrorPage(fixture('v2', 'import-errors'), ctx('GET /api/v2/importErrors'));
    assert.equal(errors.items[0]!.filename, 'workbench_test_broken.py');
    assert.match(errors.items[0]!.stackTrace, /ModuleNotFoundError: No module named 'workbench_module_that_does_not_exist'/);
    const health = decodeV2.health(fixture('v2', 'health'), ctx('GET /api/v2/monitor/health'));
    assert.deepEqual(health, { metadatabase: 'healthy', scheduler: 'healthy', dagProcessor: 'healthy', triggerer: 'healthy' });
    assert.match(decodeV2.version(fixture('v2', 'version'), ctx('GET /api/v2/version')), /^3\./);
  });

  it('names the endpoint, the field and what came instead when a field changed type', () => {
    const body = changed(fixture('v2', 'dags'), (copy) => { (copy['dags']![1] as Record<string, unknown>)['is_paused'] = 'no'; });
    assert.throws(() => decodeV2.dagPage(body, ctx('GET /api/v2/dags')), (error: unknown) => {
      assert.ok(error instanceof AirflowResponseError);
      assert.equal(error.endpoint, 'GET /api/v2/dags');
      assert.match(error.message, /^Airflow at http:\/\/airflow\.test answered GET \/api\/v2\/dags with data this extension does not understand: field "dags\[1\]\.is_paused" should be boolean, found the text "no"/);
      return true;
    });
  });

  it('names a missing field', () => {
    const body = changed(fixture('v2', 'asset-events'), (copy) => { delete (copy['asset_events']![0] as Record<string, unknown>)['created_dagruns']; });
    assert.throws(() => decodeV2.datasetEventPage(body, ctx('GET /api/v2/assets/events')), /field "asset_events\[0\]\.created_dagruns" should be array, it is missing/);
  });

  it('reads the detail of a 404', () => {
    assert.equal(errorDetail(JSON.stringify(fixture('v2', 'dag-not-found')), 'application/json'), 'The Dag with ID: `workbench_no_such_dag` was not found');
  });
});

describe('Airflow 2 (API v1) adapter on recorded answers', () => {
  it('maps the DAG list: a dataset-scheduled DAG reads "Dataset", none reads null', () => {
    const page = decodeV1.dagPage(fixture('v1', 'dags'), ctx('GET /api/v1/dags'));
    assert.equal(page.totalEntries, 3);
    const [consumer, producer] = page.items;
    assert.equal(consumer!.dagId, 'workbench_test_dataset_consumer');
    assert.equal(consumer!.schedule, 'Dataset');
    assert.equal(producer!.schedule, null);
    assert.deepEqual(consumer!.tags, ['workbench-test']);
    assert.equal(consumer!.isActive, true);
    assert.equal(consumer!.displayName, 'workbench_test_dataset_consumer');
  });

  it('maps a run and its task instances (try 2 after the clear)', () => {
    const run = decodeV1.run(fixture('v1', 'dag-run'), ctx('GET run'));
    assert.equal(run.state, 'success');
    assert.deepEqual(run.conf, { marker: 'fixture-v1', fail_first_try: true });
    assert.ok(run.logicalDate !== null);
    assert.ok(run.durationSeconds !== null && run.durationSeconds > 0);
    const tis = decodeV1.taskInstancePage(fixture('v1', 'task-instances'), ctx('GET ti'));
    assert.deepEqual(tis.items.map((t) => [t.taskId, t.state, t.tryNumber]), [['say_hello', 'success', 2]]);
    assert.deepEqual(decodeV1.clearedTaskIds(fixture('v1', 'clear-task'), ctx('POST clear')), ['say_hello']);
    const runs = decodeV1.runPage(fixture('v1', 'dag-runs'), ctx('GET runs'));
    assert.ok(runs.items.length >= 1 && runs.totalEntries >= runs.items.length);
  });

  it('unwraps the Python repr in the log content into timed, levelled lines; complete from the token', () => {
    const log = decodeV1.log(fixture('v1', 'task-log'), ctx('GET log'));
    assert.equal(log.complete, true, 'end_of_log is true in the recorded token');
    assert.ok(log.continuationToken);
    // Airflow 2's secrets masker hides "workbench" (the stack's database password) in task logs.
    const hello = log.lines.find((line) => line.text.endsWith('marker=fixture-v1') && line.text.startsWith('hello from'));
    assert.ok(hello, 'the line the task logged');
    assert.equal(hello.level, 'info');
    assert.match(hello.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(!log.lines.some((line) => line.text.includes("[('")), 'no Python repr left');
    assert.ok(!log.lines.some((line) => line.text.includes('\\n')), 'escapes decoded');
  });

  it('keeps a traceback of the failed try with the level of its ERROR line', () => {
    const log = decodeV1.log(fixture('v1', 'task-log-failed'), ctx('GET log'));
    const last = log.lines.find((line) => line.text === 'RuntimeError: failing try 1 on purpose marker=fixture-v1');
    assert.ok(last);
    assert.equal(last.level, 'error');
    assert.equal(last.time, null);
  });

  it('maps datasets, dataset events with created runs, and upstream events', () => {
    const datasets = decodeV1.datasetPage(fixture('v1', 'datasets'), ctx('GET /api/v1/datasets'));
    const dataset = datasets.items.find((d) => d.uri === 'workbench://test/dataset');
    assert.ok(dataset);
    assert.deepEqual(dataset.producingTasks, [{ dagId: 'workbench_test_dataset_producer', taskId: 'produce' }]);
    assert.deepEqual(dataset.consumingDags, ['workbench_test_dataset_consumer']);
    const created = decodeV1.datasetEvent(fixture('v1', 'dataset-event-created'), ctx('POST /api/v1/datasets/events'));
    const events = decodeV1.datasetEventPage(fixture('v1', 'dataset-events'), ctx('GET /api/v1/datasets/events'));
    const event = events.items.find((e) => e.id === created.id);
    assert.ok(event);
    assert.equal(event.uri, 'workbench://test/dataset');
    assert.equal(event.extra['rows'], 3);
    assert.equal(event.createdRuns[0]!.dagId, 'workbench_test_dataset_consumer');
    assert.match(event.createdRuns[0]!.runId, /^dataset_triggered__/);
    const upstream = decodeV1.datasetEventPage(fixture('v1', 'upstream-dataset-events'), ctx('GET upstreamDatasetEvents'));
    assert.deepEqual(upstream.items.map((e) => e.id), [created.id]);
  });

  it('maps import errors and health (no DAG processor or triggerer on this server)', () => {
    const errors = decodeV1.importErrorPage(fixture('v1', 'import-errors'), ctx('GET /api/v1/importErrors'));
    assert.match(errors.items[0]!.filename, /workbench_test_broken\.py$/);
    const health = decodeV1.health(fixture('v1', 'health'), ctx('GET /api/v1/health'));
    assert.deepEqual(health, { metadatabase: 'healthy', scheduler: 'healthy', dagProcessor: 'unknown', triggerer: 'unknown' });
    assert.match(decodeV1.version(fixture('v1', 'version'), ctx('GET /api/v1/version')), /^2\./);
  });

  it('names the field when a run state turns into a number', () => {
    const body = changed(fixture('v1', 'dag-runs'), (copy) => { (copy['dag_runs']![0] as Record<string, unknown>)['state'] = 3; });
    assert.throws(() => decodeV1.runPage(body, ctx('GET /api/v1/dags/x/dagRuns')), /GET \/api\/v1\/dags\/x\/dagRuns .*field "dag_runs\[0\]\.state" should be string, found number 3/);
  });

  it('reads connexion\'s title and detail of a 404', () => {
    assert.equal(errorDetail(JSON.stringify(fixture('v1', 'dag-not-found')), 'application/problem+json'), 'DAG not found: The DAG with dag_id: workbench_no_such_dag was not found');
  });
});

describe('an HTML page where JSON was expected', () => {
  it('says it is an HTML page, with its title, and what to check', () => {
    const html = readFileSync(path.join(FIXTURES, 'v1', 'api-v2-version-404.html'), 'utf8');
    const http = new AirflowHttp('http://127.0.0.1:8081', { logger: silentLogger });
    assert.throws(
      () => http.parseJson({ status: 200, contentType: 'text/html; charset=utf-8', text: html, endpoint: 'GET /api/v2/dags' }),
      (error: unknown) => {
        assert.ok(error instanceof AirflowResponseError);
        assert.equal(error.message, 'Airflow at http://127.0.0.1:8081 answered GET /api/v2/dags with an HTML page titled "Airflow 404" instead of JSON. A proxy or login page may be in front of Airflow: check the URL.');
        return true;
      },
    );
  });

  it('a valid JSON body of the wrong shape (an HTML page as a JSON string) is a validation error, not undefined', () => {
    assert.throws(() => decodeV2.dagPage('<html>login</html>', ctx('GET /api/v2/dags')), /field "\(the whole body\)" should be object, found the text "<html>login<\/html>"/);
  });
});
