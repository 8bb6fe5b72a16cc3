/**
 * The pieces that were written twice and now stand once: the first check of a webview
 * message (src/shared/webviewMessages.ts), the JSON check the producer form shares with the
 * dataset-event form (src/shared/jsonObject.ts), and what the Airflow 2 and 3 decoders share
 * (src/airflow/restShared.ts), checked on both versions' recorded answers; the record check
 * and the sleep that three services wrote each (src/shared/guards.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { clearTaskBody, durationSeconds, sharedDecoders } from '../../src/airflow/restShared';
import { decodeV1 } from '../../src/airflow/v1';
import { decodeV2 } from '../../src/airflow/v2';
import { checkJson } from '../../src/kafka/producerForm';
import { Disposable } from '../../src/shared/disposable';
import { isRecord, sleep } from '../../src/shared/guards';
import { parseJsonObject, parseJsonValue } from '../../src/shared/jsonObject';
import { describeRaw, parseEnvelope } from '../../src/shared/webviewMessages';

const FIXTURES = path.join(__dirname, '../fixtures/airflow');

function fixture(api: 'v1' | 'v2', name: string): unknown {
  return JSON.parse(readFileSync(path.join(FIXTURES, api, `${name}.json`), 'utf8'));
}

const ctx = { endpoint: 'GET test', serverUrl: 'http://airflow.test' };

describe('webview message envelope', () => {
  it('passes ready and well-formed requests on, with method and params still to check', () => {
    assert.deepEqual(parseEnvelope({ kind: 'ready' }), { kind: 'ready' });
    assert.deepEqual(parseEnvelope({ kind: 'request', id: 7, method: 'fire', params: { a: 1 }, extra: 'dropped' }), { kind: 'request', id: 7, method: 'fire', params: { a: 1 } });
  });

  it('drops what is not a message of the protocol', () => {
    for (const raw of ['ready', null, [], { kind: 'request', id: '7', method: 'fire' }, { kind: 'response', id: 1 }, { id: 1, method: 'fire' }]) {
      assert.equal(parseEnvelope(raw), undefined, JSON.stringify(raw));
    }
  });

  it('describes a dropped message for the log in at most 200 characters', () => {
    assert.equal(describeRaw({ kind: 'eval' }), '{"kind":"eval"}');
    assert.equal(describeRaw(undefined), 'undefined');
    assert.equal(describeRaw({ text: 'x'.repeat(500) }).length, 200);
  });
});

describe('one JSON check for both forms', () => {
  it('the producer value may be any JSON value; extra and conf must be objects', () => {
    assert.deepEqual(checkJson('"plain text"'), { ok: true, value: 'plain text' });
    assert.deepEqual(parseJsonValue('[1, 2]', 'The value'), { ok: true, value: [1, 2] });
    assert.match((parseJsonObject('[1, 2]', 'extra') as { message: string }).message, /^extra must be a JSON object .* not a list\.$/);
  });

  it('both forms point at the same line and column with the same explanation', () => {
    const text = '{\n  "id": 1,\n  name: "x"\n}';
    const value = checkJson(text);
    const extra = parseJsonObject(text, 'extra');
    assert.equal(value.ok, false);
    assert.equal(extra.ok, false);
    assert.match(value.message, /^The value is not valid JSON: line 3, column 3: .*double quotes/);
    assert.equal(extra.message, value.message.replace(/^The value/, 'extra'));
    assert.deepEqual([value.line, value.column], [extra.line, extra.column]);
  });

  it('an unquoted word in the producer value says that text needs double quotes', () => {
    const result = checkJson('{"id": hello}');
    assert.equal(result.ok, false);
    assert.equal(result.message, 'The value is not valid JSON: line 1, column 8: this is not a JSON value (text needs double quotes).');
  });

  it('blank text stays an error for the producer value and the empty object for extra', () => {
    assert.match((checkJson('  \n') as { message: string }).message, /^The value is empty/);
    assert.deepEqual(parseJsonObject('  \n', 'extra'), { ok: true, value: {} });
  });
});

describe('what the Airflow 2 and 3 decoders share', () => {
  it('a finished run or task takes the server\'s duration; a running one counts from its start', () => {
    assert.equal(durationSeconds('2026-01-01T00:00:00Z', '2026-01-01T00:00:10Z', 9.5), 9.5);
    assert.equal(durationSeconds('2026-01-01T00:00:00Z', '2026-01-01T00:00:10Z', null), 10);
    const running = durationSeconds(new Date(Date.now() - 5_000).toISOString(), null, 3);
    assert.ok(running !== null && running >= 5 && running < 60, String(running));
    assert.equal(durationSeconds(null, null, undefined), null);
  });

  it('both versions read health, version, import errors and cleared tasks with the same decoders', () => {
    for (const api of ['v1', 'v2'] as const) {
      const decode = api === 'v1' ? decodeV1 : decodeV2;
      assert.equal(decode.health, sharedDecoders.health);
      const health = decode.health(fixture(api, 'health'), ctx);
      assert.equal(health.metadatabase, 'healthy', api);
      assert.equal(health.scheduler, 'healthy', api);
      assert.match(decode.version(fixture(api, 'version'), ctx), api === 'v1' ? /^2\./ : /^3\./);
      assert.deepEqual(decode.clearedTaskIds(fixture(api, 'clear-task'), ctx), ['say_hello']);
    }
  });

  it('a list without total_entries counts what was seen so far', () => {
    const body = structuredClone(fixture('v1', 'dag-runs')) as { dag_runs: unknown[]; total_entries?: number };
    delete body.total_entries;
    const page = decodeV1.runPage(body, ctx, 40);
    assert.equal(page.totalEntries, 40 + body.dag_runs.length);
  });

  it('Airflow 3 runs carry the server\'s duration; Airflow 2 runs compute it from start and end', () => {
    // Recorded: the v2 run reports duration 1.090468 s; the v1 run (no such field) ran 02:18:09.688 → 02:18:10.754.
    assert.equal(decodeV2.run(fixture('v2', 'dag-run'), ctx).durationSeconds, 1.090468);
    const v1 = decodeV1.run(fixture('v1', 'dag-run'), ctx);
    assert.equal(v1.durationSeconds, 1.066);
  });

  it('clears one task of one run, downstream by default, only failed when asked', () => {
    const body = clearTaskBody('manual__1', 'say_hello', {});
    assert.deepEqual(body['task_ids'], ['say_hello']);
    assert.equal(body['dag_run_id'], 'manual__1');
    assert.equal(body['include_downstream'], true);
    assert.equal(body['only_failed'], false);
    assert.equal(body['dry_run'], false);
    assert.equal(clearTaskBody('r', 't', { downstream: false, onlyFailed: true })['include_downstream'], false);
  });
});

describe('the shared record check and sleep', () => {
  it('takes a parsed object and nothing else', () => {
    assert.equal(isRecord(JSON.parse('{"a":1}')), true);
    for (const other of [null, [], 'x', 1, undefined]) assert.equal(isRecord(other), false, JSON.stringify(other));
  });

  it('waits the time given, and ends at once when its signal aborts', async () => {
    let started = Date.now();
    await sleep(60);
    assert.ok(Date.now() - started >= 55, 'waited the full time');
    const controller = new AbortController();
    started = Date.now();
    setTimeout(() => { controller.abort(); }, 20);
    await sleep(10_000, controller.signal);
    assert.ok(Date.now() - started < 5_000, 'ended when the signal aborted');
    started = Date.now();
    await sleep(10_000, controller.signal);
    assert.ok(Date.now() - started < 1_000, 'an already aborted signal does not wait');
  });
});

describe('the Disposable base', () => {
  class Owner extends Disposable {
    readonly first = this._register({ dispose: () => { this.log.push('first'); } });
    constructor(readonly log: string[]) {
      super();
      this._register({ dispose: () => { log.push('second'); } }, { dispose: () => { log.push('third'); } });
    }
    add(name: string): void {
      this._register({ dispose: () => { this.log.push(name); } });
    }
  }

  it('disposes what it registered, in order, once; a child registered later is disposed at once', () => {
    const log: string[] = [];
    const owner = new Owner(log);
    owner.add('fourth');
    assert.deepEqual(log, []);
    owner.dispose();
    owner.dispose();
    assert.deepEqual(log, ['first', 'second', 'third', 'fourth']);
    owner.add('late');
    assert.deepEqual(log, ['first', 'second', 'third', 'fourth', 'late']);
  });
});
