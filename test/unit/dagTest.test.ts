/**
 * What the editor reads from `airflow dags test` (src/stack/dagTest.ts), on the output of real
 * runs in the stack's Airflow 3.3: a DAG whose task succeeded, and one whose second task raised
 * (its third never ran). Also the exact arguments handed to stack.sh.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dagTestArgs, summarizeDagTestOutput } from '../../src/stack/dagTest';
import { isLocalStackAirflow } from '../../src/stack/localStack';

const log = (name: string): string[] => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'airflow', 'dag-test', name), 'utf8').split('\n');

describe('summarizeDagTestOutput', () => {
  it('a run that succeeded: its state, run id and each task', () => {
    const summary = summarizeDagTestOutput(log('success.log'));
    assert.equal(summary.runState, 'success');
    assert.match(summary.runId ?? '', /^manual__2026-/);
    assert.deepEqual(summary.tasks, [{ taskId: 'hello', state: 'success' }]);
    assert.equal(summary.error, undefined);
  });

  it('a run that failed: the failed task and its exception, not the import errors of other files in the output', () => {
    const summary = summarizeDagTestOutput(log('failed.log'));
    assert.equal(summary.runState, 'failed');
    assert.deepEqual(summary.tasks, [{ taskId: 'ok', state: 'success' }, { taskId: 'boom', state: 'failed' }]);
    assert.equal(summary.error, 'boom: RuntimeError: boom 1');
  });

  it('a command that failed before any run: its own error line', () => {
    const summary = summarizeDagTestOutput([
      '2026-12-04T18:20:21Z [info     ] Filling up the DagBag',
      "airflow.exceptions.AirflowException: Dag 'nope' could not be found; either it does not exist or it failed to parse.",
    ]);
    assert.equal(summary.runState, undefined);
    assert.match(summary.error ?? '', /Dag 'nope' could not be found/);
  });
});

describe('dagTestArgs', () => {
  it('names the bundle and the file so Airflow parses only that file, and passes conf as JSON', () => {
    assert.deepEqual(dagTestArgs({ dagId: 'orders', bundleName: 'workspace-2', dagFilePath: '/s/workspace-dags/2/orders.py', conf: { rows: 3 } }), [
      'exec', 'airflow3', 'airflow', 'dags', 'test', 'orders', '--bundle-name', 'workspace-2', '--dagfile-path', '/s/workspace-dags/2/orders.py', '--conf', '{"rows":3}',
    ]);
    assert.deepEqual(dagTestArgs({ dagId: 'orders', conf: {} }), ['exec', 'airflow3', 'airflow', 'dags', 'test', 'orders']);
  });
});

describe('isLocalStackAirflow: the connection whose DAG Test pauses the DAG while it runs', () => {
  it('is the stack\'s Airflow 3 on loopback, by address or name', () => {
    assert.equal(isLocalStackAirflow('http://127.0.0.1:8080'), true);
    assert.equal(isLocalStackAirflow('http://localhost:8080/'), true);
    assert.equal(isLocalStackAirflow('http://[::1]:8080'), true);
  });

  it('is not another Airflow: the stack\'s Airflow 2, another host, https, or no URL at all', () => {
    assert.equal(isLocalStackAirflow('http://127.0.0.1:8081'), false);
    assert.equal(isLocalStackAirflow('http://airflow.example.com:8080'), false);
    assert.equal(isLocalStackAirflow('https://127.0.0.1:8080'), false);
    assert.equal(isLocalStackAirflow('not a url'), false);
  });
});
