/**
 * The pure parts of backfills, XCom documents and the Backfill panel's messages: the checks made
 * before the server is asked, the request body, the server's refusals as sentences, progress
 * counts, and the webview messages the host accepts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  airflow3OnlyMessage, backfillBody, backfillProgress, backfillRequestFromForm, backfillState, backfillStatus, checkBackfillRequest,
  defaultBackfillRange, explainBackfillRefusal, parseBackfillDate, progressText, rangeText, type Backfill,
} from '../../src/airflow/backfill';
import { parseBackfillMessage } from '../../src/panels/backfillMessages';
import { oneXComDocumentText, xcomAddressFromQuery, xcomAddressToUriParts } from '../../src/views/airflow/xcomAddress';
import type { DagRun } from '../../src/airflow/types';

const NOW = new Date('2026-12-05T00:30:00Z');
const base = { dagId: 'daily_timeline_export', fromDate: '2026-12-01', toDate: '2026-12-03' };

function run(state: string, day: number): DagRun {
  return { dagId: 'd', runId: `backfill__2026-12-0${day}`, state, runType: 'backfill', logicalDate: `2026-12-0${day}T00:00:00Z`, startDate: null, endDate: null, durationSeconds: null, conf: {} };
}

describe('backfill request checks', () => {
  it('accepts a past range of a scheduled DAG', () => {
    assert.deepEqual(checkBackfillRequest({ ...base, maxActiveRuns: 3 }, { now: NOW, schedule: '@daily' }), []);
  });

  it('says the end is before the start and how to fix it', () => {
    const problems = checkBackfillRequest({ ...base, fromDate: '2026-12-03', toDate: '2026-12-01' }, { now: NOW, schedule: '@daily' });
    assert.equal(problems.length, 1);
    const [problem] = problems as [typeof problems[number]];
    assert.equal(problem.field, 'toDate');
    assert.match(problem.message, /end date 2026-12-01 is before the start date 2026-12-03: swap them/);
  });

  it('refuses a range in the future, and one that ends in the future', () => {
    const future = checkBackfillRequest({ ...base, fromDate: '2027-01-01', toDate: '2027-01-05' }, { now: NOW, schedule: '@daily' });
    assert.match(future[0]?.message ?? '', /starts in the future \(2027-01-01\)/);
    const ending = checkBackfillRequest({ ...base, toDate: '2026-12-09' }, { now: NOW, schedule: '@daily' });
    assert.match(ending[0]?.message ?? '', /ends in the future \(2026-12-09\).*End it today \(2026-12-05\)/);
  });

  it('refuses a DAG without a schedule', () => {
    const problems = checkBackfillRequest(base, { now: NOW, schedule: null });
    assert.match(problems[0]?.message ?? '', /has no schedule \(schedule=None\)/);
  });

  it('reports dates that do not parse and a bad max active runs', () => {
    const problems = checkBackfillRequest({ ...base, fromDate: '2026-13-01', toDate: 'yesterday', maxActiveRuns: 0 }, { now: NOW, schedule: '@daily' });
    assert.deepEqual(problems.map((p) => p.field), ['fromDate', 'toDate', 'maxActiveRuns']);
    assert.match(problems[0]?.message ?? '', /write it as YYYY-MM-DD/);
  });

  it('reads days as midnight UTC and date-times as given', () => {
    assert.equal(parseBackfillDate('2026-12-01'), '2026-12-01T00:00:00.000Z');
    assert.equal(parseBackfillDate('2026-12-01T06:00:00+02:00'), '2026-12-01T04:00:00.000Z');
    assert.equal(parseBackfillDate('2026-02-30'), undefined);
  });
});

describe('backfill body, form and refusals', () => {
  it('sends the API v2 field names', () => {
    assert.deepEqual(backfillBody({ ...base, reprocessBehavior: 'completed', maxActiveRuns: 2, runBackwards: true }), {
      dag_id: 'daily_timeline_export',
      from_date: '2026-12-01T00:00:00.000Z',
      to_date: '2026-12-03T00:00:00.000Z',
      run_backwards: true,
      reprocess_behavior: 'completed',
      max_active_runs: 2,
    });
  });

  it('turns the form text into a request; a max that is not a number is kept for the check to report', () => {
    const form = { fromDate: ' 2026-12-01 ', toDate: '2026-12-03', reprocessBehavior: 'failed' as const, maxActiveRuns: '4', runBackwards: false, unpause: true };
    assert.deepEqual(backfillRequestFromForm('d', form), { dagId: 'd', fromDate: '2026-12-01', toDate: '2026-12-03', reprocessBehavior: 'failed', runBackwards: false, maxActiveRuns: 4 });
    const bad = backfillRequestFromForm('d', { ...form, maxActiveRuns: 'x' });
    assert.ok(Number.isNaN(bad.maxActiveRuns));
    assert.equal(checkBackfillRequest(bad, { now: NOW, schedule: '@daily' })[0]?.field, 'maxActiveRuns');
  });

  it('maps the server refusals to sentences that say what to do', () => {
    assert.match(explainBackfillRefusal('d', 409, 'There is already a running backfill for dag d') ?? '', /already running: Airflow allows one at a time per DAG\. Wait for it to finish, or cancel it/);
    assert.match(explainBackfillRefusal('d', 422, 'd has a non-periodic schedule that does not support backfills') ?? '', /no periodic schedule/);
    assert.match(explainBackfillRefusal('d', 422, 'Backfill cannot be executed for future dates.') ?? '', /in the future/);
    assert.equal(explainBackfillRefusal('d', 500, 'database is locked'), undefined);
  });

  it('says why Airflow 2 has no backfill or materialize', () => {
    assert.match(airflow3OnlyMessage('backfill', 'http://a2', '2.11.2'), /need Airflow 3: http:\/\/a2 runs Airflow 2\.11\.2, whose REST API \(v1\) has no backfill endpoint/);
    assert.match(airflow3OnlyMessage('materialize', 'http://a2', '2.11.2'), /Materialize needs Airflow 3.*Trigger the DAG that produces the dataset instead/);
  });

  it('suggests the last three whole days', () => {
    assert.deepEqual(defaultBackfillRange(NOW), { fromDate: '2026-12-02', toDate: '2026-12-04' });
  });
});

describe('backfill progress', () => {
  const backfill: Backfill = {
    id: 7, dagId: 'd', fromDate: '2026-12-01T00:00:00Z', toDate: '2026-12-03T00:00:00Z', isPaused: false, reprocessBehavior: 'none',
    maxActiveRuns: 3, createdAt: '2026-12-05T00:00:00Z', completedAt: null, updatedAt: null,
  };

  it('counts runs by state and is finished only when all expected runs ended', () => {
    const partial = backfillProgress([run('success', 1), run('running', 2)], 3);
    assert.deepEqual(partial, { total: 3, succeeded: 1, failed: 0, running: 1, queued: 0, finished: false });
    assert.equal(progressText(partial), '1 of 3 done · 1 running · 0 failed');
    assert.equal(backfillProgress([run('success', 1), run('failed', 2), run('success', 3)], 3).finished, true);
  });

  it('names the state and the range', () => {
    assert.equal(backfillState(backfill), 'running');
    assert.equal(backfillState({ ...backfill, isPaused: true }), 'paused');
    assert.equal(backfillState({ ...backfill, completedAt: '2026-12-05T01:00:00Z' }), 'completed');
    assert.equal(rangeText(backfill), '2026-12-01 → 2026-12-03');
  });

  it('builds the status the progress view shows', () => {
    const status = backfillStatus(backfill, [run('success', 1)], { expected: 3, watching: true, note: 'Running…' });
    assert.equal(status.summary, '1 of 3 done · 0 failed');
    assert.equal(status.runs[0]?.logicalDate, '2026-12-01T00:00:00Z');
  });
});

describe('Backfill panel messages', () => {
  const form = { fromDate: '2026-12-01', toDate: '2026-12-03', reprocessBehavior: 'none', maxActiveRuns: '3', runBackwards: false, unpause: true };

  it('accepts the form, the controls and revealRun', () => {
    assert.deepEqual(parseBackfillMessage({ kind: 'request', id: 1, method: 'dryRun', params: form }), { kind: 'request', id: 1, method: 'dryRun', params: form });
    assert.equal(parseBackfillMessage({ kind: 'request', id: 2, method: 'cancel', params: {} })?.kind, 'request');
    assert.deepEqual(parseBackfillMessage({ kind: 'request', id: 3, method: 'revealRun', params: { runId: 'r' } }), { kind: 'request', id: 3, method: 'revealRun', params: { runId: 'r' } });
  });

  it('drops a form with a wrong type or an unknown reprocess, and unknown methods', () => {
    assert.equal(parseBackfillMessage({ kind: 'request', id: 1, method: 'start', params: { ...form, maxActiveRuns: 3 } }), undefined);
    assert.equal(parseBackfillMessage({ kind: 'request', id: 1, method: 'start', params: { ...form, reprocessBehavior: 'all' } }), undefined);
    assert.equal(parseBackfillMessage({ kind: 'request', id: 1, method: 'deleteDag', params: {} }), undefined);
  });
});

describe('one XCom as a document', () => {
  const address = { connection: 'Local stack', dagId: 'd', runId: 'r/1', taskId: 't', mapIndex: -1, key: 'return_value' };

  it('round-trips the address with the key through the URI', () => {
    const parts = xcomAddressToUriParts(address);
    assert.match(parts.path, /t · return_value\.json$/);
    assert.deepEqual(xcomAddressFromQuery(parts.query), address);
    assert.deepEqual(xcomAddressFromQuery(xcomAddressToUriParts({ ...address, full: true }).query), { ...address, full: true });
  });

  it('shows the value as JSON, or says a large one was not downloaded', () => {
    assert.equal(oneXComDocumentText(address, { value: { rows: 3 }, bytes: 10 }, 1_000_000), '{\n  "rows": 3\n}\n');
    const large = oneXComDocumentText(address, { tooLarge: true, bytesAtLeast: 12_400_000 }, 1_000_000);
    assert.match(large, /is at least 12\.4 MB, more than the 1\.0 MB read without asking/);
    assert.match(large, /Open Anyway/);
  });
});
