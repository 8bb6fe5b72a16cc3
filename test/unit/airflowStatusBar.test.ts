/**
 * The pure part of the Airflow status bar item: why a failed check failed (credentials vs
 * unreachable vs an error answer), what the item then says and does on click, and how soon it
 * checks again. The same looks against the real servers are in test/integration/airflowStatus.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AirflowAuthError, reenterCredentialsAction } from '../../src/airflow/errors';
import { WorkbenchError } from '../../src/shared/errors';
import { connectionStatusText, statusBarLook, statusProblem, statusRetryDelayMs } from '../../src/airflow/presentation';

const URL = 'http://127.0.0.1:8080';

describe('the Airflow status bar after a failed check', () => {
  it('sends the user to enter the password when none is stored, and says so', () => {
    // What AirflowConnections.client throws when the connection has no secret yet.
    const missing = new WorkbenchError('No password is stored for the Airflow connection "Local stack". Enter it to connect.', {
      actions: [{ title: 'Enter Password', command: 'kafkaAirflow.reenterAirflowPassword', args: ['Local stack'] }],
    });
    assert.equal(statusProblem(missing), 'credentials');
    const look = statusBarLook('Local stack', URL, { kind: 'error', error: missing, checkedAt: 1 }, { auth: 'password', retryInMs: 5000 });
    assert.equal(look.text, '$(pulse) Airflow ✗ sign-in');
    assert.equal(look.background, 'error');
    assert.equal(look.click, 'reenterCredentials');
    assert.equal(look.tooltip, [
      `Airflow "Local stack" at ${URL} did not accept the password, or none is stored:`,
      'No password is stored for the Airflow connection "Local stack". Enter it to connect.',
      '',
      'Checking again in 5 s.',
      'Click to enter the password again.',
    ].join('\n'));
  });

  it('names the token for a token connection whose token was refused', () => {
    const refused = new AirflowAuthError(`Airflow at ${URL} refused the pasted token (401 on GET /api/v2/dags).`, 401, URL, {
      actions: [reenterCredentialsAction('Re-enter Token', 'Prod'), 'showLog'],
    });
    const look = statusBarLook('Prod', URL, { kind: 'error', error: refused, checkedAt: 1 }, { auth: 'token' });
    assert.equal(look.click, 'reenterCredentials');
    assert.match(look.tooltip, /did not accept the token/);
    assert.match(look.tooltip, /refused the pasted token/);
    assert.match(look.tooltip, /Click to enter the token again\.$/);
    assert.doesNotMatch(look.tooltip, /Checking again/, 'no retry promised when none is planned');
  });

  it('calls a refused connection unreachable and offers to check again, not to re-enter credentials', () => {
    const refused = new WorkbenchError(`Airflow at ${URL} refused the connection. Is it running?`, {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED' }),
    });
    assert.equal(statusProblem(refused), 'unreachable');
    const look = statusBarLook('Local stack', URL, { kind: 'error', error: refused, checkedAt: 1 }, { retryInMs: 19_600 });
    assert.equal(look.text, '$(pulse) Airflow ✗ unreachable');
    assert.equal(look.click, 'showStatus');
    assert.match(look.tooltip, /^Airflow "Local stack" at http:\/\/127\.0\.0\.1:8080 cannot be reached:\nAirflow at .* refused the connection/);
    assert.match(look.tooltip, /Checking again in 20 s\./);
    assert.match(look.tooltip, /Launch Stack/);
  });

  it('calls a timeout unreachable and a server error a failed answer', () => {
    const timeout = new WorkbenchError('Airflow did not answer in time.', { cause: new DOMException('The operation was aborted due to timeout', 'TimeoutError') });
    assert.equal(statusProblem(timeout), 'unreachable');
    const serverError = new WorkbenchError(`Airflow at ${URL} failed on GET /api/v2/dags (500): boom.`, { actions: ['retry', 'showLog'] });
    assert.equal(statusProblem(serverError), 'failed');
    const look = statusBarLook('Local stack', URL, { kind: 'error', error: serverError, checkedAt: 1 });
    assert.equal(look.text, '$(pulse) Airflow ✗');
    assert.match(look.tooltip, /answered with an error:\n.*\(500\)/);
    assert.equal(look.click, 'showStatus');
    assert.equal(connectionStatusText({ kind: 'error', error: serverError, checkedAt: 1 }), 'error answer');
    assert.equal(connectionStatusText({ kind: 'checking', previous: { kind: 'error', error: timeout, checkedAt: 1 } }), 'unreachable');
  });

  it('keeps showing the failure while checking again', () => {
    const error = new WorkbenchError('No password', { actions: [reenterCredentialsAction('Enter Password', 'L')] });
    const look = statusBarLook('L', URL, { kind: 'checking', previous: { kind: 'error', error, checkedAt: 1 } });
    assert.equal(look.text, '$(pulse) Airflow ✗ sign-in');
  });

  it('checks again after 5, 10, 20 and 40 s, then once a minute', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 50].map(statusRetryDelayMs), [5000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
  });
});
