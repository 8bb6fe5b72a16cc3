/**
 * The producer form as a user fills it in: every field is checked with a sentence placed on
 * the field (the JSON value with its line and column), the form becomes a template that
 * renders the messages the user meant, placeholder mistakes point into the value box, the
 * webview's messages are checked before the host acts, and a run is summed up per partition.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkJson, checkProducerForm, defaultForm, problemInForm, templateText, type FormProblem, type ProducePlan } from '../../src/kafka/producerForm';
import { compilePlan, FormProblemsError, isProducerForm, parseProducerMessage, summarizeRun } from '../../src/panels/producerMessages';
import type { ProducerForm } from '../../src/shared/protocol';

const context = { partitions: 3, dataTypes: ['order', 'user'], compressions: ['none', 'gzip'] };

function form(patch: Partial<ProducerForm> = {}): ProducerForm {
  return { ...defaultForm('Local stack', 'orders'), ...patch };
}

function plan(patch: Partial<ProducerForm> = {}): ProducePlan {
  const checked = checkProducerForm(form(patch), context);
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return checked.plan;
}

function problems(patch: Partial<ProducerForm>, ctx = context): FormProblem[] {
  const checked = checkProducerForm(form(patch), ctx);
  return checked.ok ? [] : checked.problems;
}

/** The first problem; fails the test when there is none. */
function firstProblem(list: readonly FormProblem[]): FormProblem {
  const [problem] = list;
  assert.ok(problem, 'expected a problem');
  return problem;
}

describe('checking the form', () => {
  it('accepts the starting form and turns its text into numbers', () => {
    const p = plan({ count: '1,000', rate: '250', partition: '2' });
    assert.equal(p.count, 1000);
    assert.equal(p.ratePerSecond, 250);
    assert.equal(p.partition, 2);
    assert.equal(p.topic, 'orders');
  });

  it('points at the line and column of invalid JSON in the value', () => {
    const problem = firstProblem(problems({ value: '{\n  "a": 1,\n  "b": }' }));
    assert.equal(problem.field, 'value');
    assert.equal(problem.line, 3);
    assert.equal(problem.column, 8);
    assert.match(problem.message, /line 3, column 8: a value was expected/);
  });

  it('explains an empty value and a missing comma', () => {
    assert.match(problems({ value: '  ' })[0]?.message ?? '', /The value is empty/);
    assert.match(problems({ value: '{"a": 1 "b": 2}' })[0]?.message ?? '', /a comma was expected/);
  });

  it('refuses a partition the topic does not have, naming the ones it has', () => {
    const problem = firstProblem(problems({ partition: '3' }));
    assert.equal(problem.field, 'partition');
    assert.match(problem.message, /partitions 0 to 2; partition 3 does not exist/);
    assert.match(problems({ partition: '1' }, { ...context, partitions: 1 })[0]?.message ?? '', /only partition 0/);
    assert.match(problems({ partition: '-1' })[0]?.message ?? '', /whole number from 0/);
  });

  it('checks headers row by row', () => {
    const list = problems({ headers: [{ key: '', value: 'x' }, { key: 'a', value: '1' }, { key: 'a', value: '2' }] });
    assert.deepEqual(list.map((p) => [p.field, p.row]), [['headers', 0], ['headers', 2]]);
    assert.match(list[1]?.message ?? '', /"a" is given twice/);
    assert.deepEqual(plan({ headers: [{ key: '', value: '' }] }).headers, []);
  });

  it('checks count, rate, compression, topic and data type together', () => {
    const list = problems({ count: '0', rate: 'fast', compression: 'zstd', topic: 'bad topic', valueMode: 'generate', dataType: 'nope' });
    assert.deepEqual(list.map((p) => p.field).sort(), ['compression', 'count', 'dataType', 'rate', 'topic']);
  });

  it('treats an empty rate as as fast as possible and an empty key as no key', () => {
    const p = plan({ rate: '', key: '' });
    assert.equal(p.ratePerSecond, 0);
    assert.equal(p.key, undefined);
  });

  it('accepts any JSON value, including a plain string', () => {
    assert.deepEqual(checkJson('"hello"'), { ok: true, value: 'hello' });
    assert.deepEqual(checkJson('[1, 2]'), { ok: true, value: [1, 2] });
  });
});

describe('the form as a template', () => {
  it('renders the value with placeholders, the key and the headers', () => {
    const compiled = compilePlan(plan({ key: 'k-{{seq}}', value: '{"n": "{{seq}}", "who": "{{faker.person.firstName}}"}', headers: [{ key: 'h', value: 'v{{seq}}' }] }));
    const message = compiled.render(7);
    assert.equal(message.key, 'k-7');
    assert.deepEqual(message.headers, { h: 'v7' });
    const value = JSON.parse(String(message.value)) as { n: number; who: string };
    assert.equal(value.n, 7);
    assert.ok(value.who.length > 0);
  });

  it('keeps the value on its own lines so template positions are value positions', () => {
    const p = plan({ value: '{\n  "a": "{{faker.person.nope}}"\n}' });
    assert.ok(templateText(p).startsWith('{"value":\n{\n  "a"'));
    assert.throws(() => compilePlan(p), (error: unknown) => {
      assert.ok(error instanceof FormProblemsError);
      const problem = firstProblem(error.problems);
      assert.equal(problem.field, 'value');
      assert.equal(problem.line, 2);
      assert.match(problem.message, /Value, line 2, column \d+: .*faker\.person has no method "nope"/);
      return true;
    });
  });

  it('places a bad placeholder in the key or a header on that field', () => {
    assert.throws(() => compilePlan(plan({ key: '{{sequence}}' })), (error: unknown) => error instanceof FormProblemsError && error.problems[0]?.field === 'key');
    const p = plan({ headers: [{ key: 'trace id', value: '{{faker.nope.x}}' }] });
    assert.throws(() => compilePlan(p), (error: unknown) => {
      assert.ok(error instanceof FormProblemsError);
      const problem = firstProblem(error.problems);
      assert.equal(problem.field, 'headers');
      assert.equal(problem.row, 0);
      return true;
    });
  });

  it('generates test data by type with its data_type and derived key', () => {
    const message = compilePlan(plan({ valueMode: 'generate', dataType: 'user', key: '' })).render(1);
    const value = JSON.parse(String(message.value)) as { data_type: string };
    assert.equal(value.data_type, 'user');
    assert.match(String(message.key), /^user:/);
    assert.equal(message.headers?.['data_type'], 'user');
  });

  it('sends a fixed partition when one is given', () => {
    assert.equal(compilePlan(plan({ partition: '1' })).render(1).partition, 1);
    assert.equal(compilePlan(plan({ partition: '' })).render(1).partition, undefined);
  });

  it('maps an engine problem without a known path to the value', () => {
    const p = plan();
    assert.equal(problemInForm({ path: '$', line: 1, column: 1, message: 'x' }, p).field, 'value');
    assert.equal(problemInForm({ path: '$.headers["a b"]', line: 1, column: 1, message: 'x' }, { ...p, headers: [{ key: 'a b', value: '' }] }).row, 0);
  });
});

describe('messages from the producer webview', () => {
  it('accepts the protocol and nothing else', () => {
    assert.deepEqual(parseProducerMessage({ kind: 'ready' }), { kind: 'ready' });
    assert.deepEqual(parseProducerMessage({ kind: 'request', id: 3, method: 'listTopics', params: { connection: 'c' } }), { kind: 'request', id: 3, method: 'listTopics', params: { connection: 'c' } });
    assert.equal(parseProducerMessage({ kind: 'request', id: 3, method: 'listTopics', params: {} }), undefined);
    assert.deepEqual(parseProducerMessage({ kind: 'request', id: 4, method: 'listSubjects', params: { connection: 'c' } }), { kind: 'request', id: 4, method: 'listSubjects', params: { connection: 'c' } });
    assert.equal(parseProducerMessage({ kind: 'request', id: 4, method: 'listSubjects', params: { connection: 7 } }), undefined);
    assert.deepEqual(parseProducerMessage({ kind: 'request', id: 5, method: 'listVersions', params: { connection: 'c', subject: 'orders-value' } }), { kind: 'request', id: 5, method: 'listVersions', params: { connection: 'c', subject: 'orders-value' } });
    assert.equal(parseProducerMessage({ kind: 'request', id: 5, method: 'listVersions', params: { connection: 'c', subject: '  ' } }), undefined, 'no subject, nothing to list');
    assert.equal(parseProducerMessage({ kind: 'request', id: 5, method: 'listVersions', params: { connection: 'c' } }), undefined);
    assert.equal(parseProducerMessage({ kind: 'request', id: 3, method: 'eval', params: {} }), undefined);
    assert.equal(parseProducerMessage({ kind: 'request', id: 'x', method: 'cancel', params: {} }), undefined);
    assert.equal(parseProducerMessage('ready'), undefined);
  });

  it('takes a Trace request for one written message with whole-number coordinates only', () => {
    const trace = { topic: 'orders', partition: 2, offset: '9007199254740993' };
    assert.deepEqual(parseProducerMessage({ kind: 'request', id: 4, method: 'traceMessage', params: { ...trace, extra: '<b>' } }), { kind: 'request', id: 4, method: 'traceMessage', params: trace });
    assert.equal(parseProducerMessage({ kind: 'request', id: 4, method: 'traceMessage', params: { ...trace, offset: 17 } }), undefined);
    assert.equal(parseProducerMessage({ kind: 'request', id: 4, method: 'traceMessage', params: { ...trace, offset: '-1' } }), undefined);
    assert.equal(parseProducerMessage({ kind: 'request', id: 4, method: 'traceMessage', params: { ...trace, partition: 1.5 } }), undefined);
    assert.equal(parseProducerMessage({ kind: 'request', id: 4, method: 'traceMessage', params: { ...trace, topic: '' } }), undefined);
    assert.equal(parseProducerMessage({ kind: 'request', id: 4, method: 'traceMessage', params: null }), undefined);
  });

  it('checks every field of a sent form', () => {
    assert.ok(isProducerForm(form()));
    assert.ok(!isProducerForm({ ...form(), compression: 'brotli' }));
    assert.ok(!isProducerForm({ ...form(), headers: [{ key: 1, value: 'x' }] }));
    assert.ok(!isProducerForm({ ...form(), count: 100 }));
    assert.equal(parseProducerMessage({ kind: 'request', id: 1, method: 'send', params: { form: { ...form(), valueMode: 'eval' } } }), undefined);
  });
});

describe('summing up a run', () => {
  it('counts per partition with first and last offsets, and keeps the first rows and errors', () => {
    const records = Array.from({ length: 150 }, (_, i) => ({ index: i, partition: i % 2, offset: String(1000 + Math.floor(i / 2)) }));
    const summary = summarizeRun('c', {
      topic: 'orders', sent: 150, failed: 60, cancelled: false, elapsedMs: 1500, records,
      errors: Array.from({ length: 60 }, (_, i) => ({ index: 150 + i, message: 'MESSAGE_TOO_LARGE' })),
    }, 210);
    assert.deepEqual(summary.partitions, [
      { partition: 0, count: 75, firstOffset: '1000', lastOffset: '1074' },
      { partition: 1, count: 75, firstOffset: '1000', lastOffset: '1074' },
    ]);
    assert.equal(summary.records.length, 100);
    assert.equal(summary.errors.length, 50);
    assert.equal(summary.errorsTotal, 60);
    assert.equal(summary.ratePerSecond, 100);
    assert.equal(summary.summary, '150 messages written to orders, 60 not written in 1.50 s (100 msgs/s).');
  });

  it('says when a run was cancelled', () => {
    const summary = summarizeRun('c', { topic: 't', sent: 1, failed: 0, cancelled: true, elapsedMs: 10, records: [{ index: 0, partition: 0, offset: '5' }], errors: [] }, 10);
    assert.match(summary.summary, /^1 message written to t, cancelled in 0\.01 s/);
  });
});
