/**
 * Task-log rendering: Airflow 2 text lines with and without Airflow's prefix, Python string
 * repr unwrapping (escapes, both quote styles, several hosts), Airflow 3 structured events
 * with extra keys and tracebacks, and the end_of_log flag inside a continuation token.
 */
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { decodeLogToken, normalizeLogTime, parseTextLog, structuredEventLines, unwrapPythonLogChunks } from '../../src/airflow/logs';

describe('Airflow 2 log text', () => {
  it('reads time and level from the default prefix and keeps the level for a traceback', () => {
    const lines = parseTextLog([
      '[2026-11-22T02:16:30.168+0000] {taskinstance.py:12} INFO - started',
      '[2026-11-22T02:16:31.000+0000] {taskinstance.py:13} ERROR - Task failed with exception',
      'Traceback (most recent call last):',
      '  File "x.py", line 1, in <module>',
      'ValueError: bad',
      '[2026-11-22, 02:16:32 UTC] {x.py:1} WARNING - odd time format',
      '',
    ].join('\n'));
    assert.deepEqual(lines, [
      { time: '2026-11-22T02:16:30.168Z', level: 'info', text: 'started' },
      { time: '2026-11-22T02:16:31.000Z', level: 'error', text: 'Task failed with exception' },
      { time: null, level: 'error', text: 'Traceback (most recent call last):' },
      { time: null, level: 'error', text: '  File "x.py", line 1, in <module>' },
      { time: null, level: 'error', text: 'ValueError: bad' },
      { time: '2026-11-22T02:16:32.000Z', level: 'warning', text: 'odd time format' },
    ]);
  });

  it('drops fold-end markers and keeps fold titles', () => {
    const lines = parseTextLog(' INFO - ::group::Log message source details\n*** Found local files:\n INFO - ::endgroup::\n');
    assert.deepEqual(lines.map((l) => l.text), ['Log message source details', '*** Found local files:']);
  });

  it('normalizes the time formats Airflow writes', () => {
    assert.equal(normalizeLogTime('2026-11-22T02:16:30.168+0000'), '2026-11-22T02:16:30.168Z');
    assert.equal(normalizeLogTime('2026-11-22T04:16:30.168+0200'), '2026-11-22T02:16:30.168Z');
    assert.equal(normalizeLogTime('2026-11-22 02:16:30,168'), new Date('2026-11-22T02:16:30.168').toISOString());
    assert.equal(normalizeLogTime('not a time'), null);
  });
});

describe('Python repr of log chunks', () => {
  it('unwraps one host with escapes in single quotes', () => {
    assert.equal(unwrapPythonLogChunks(String.raw`[('vm', 'a\nb\'c\\d\x41\u00e9')]`), "a\nb'c\\dAé");
  });

  it('unwraps double-quoted text containing single quotes, and several hosts', () => {
    assert.equal(unwrapPythonLogChunks(String.raw`[('h1', "it's\n"), ('h2', 'second')]`), "it's\n\nsecond");
  });

  it('leaves plain text alone', () => {
    assert.equal(unwrapPythonLogChunks('[2026-11-22T02:16:30.168+0000] INFO - x'), undefined);
    assert.equal(unwrapPythonLogChunks("[('vm', 'unterminated)]"), undefined);
  });
});

describe('Airflow 3 structured events', () => {
  it('shows extra keys but not the task identity or source location', () => {
    const lines = structuredEventLines({
      timestamp: '2026-11-22T02:16:29.404000Z', event: 'hello', level: 'info', logger: 'task', filename: 'x.py', lineno: 3,
      dag_id: 'd', task_id: 't', run_id: 'r', ti_id: 'u', map_index: -1, try_number: 1, rows: 3, table: { name: 'orders' },
    });
    assert.deepEqual(lines, [{ time: '2026-11-22T02:16:29.404Z', level: 'info', text: 'hello rows=3 table={"name":"orders"}' }]);
  });

  it('splits a multi-line event and adds a traceback from error_detail', () => {
    const lines = structuredEventLines({
      event: 'first\nsecond', level: 'ERROR',
      error_detail: [{ exc_type: 'KeyError', exc_value: "'x'", frames: [{ filename: 'a.py', lineno: 2, name: 'f' }] }],
    });
    assert.deepEqual(lines.map((l) => [l.level, l.text]), [
      ['error', 'first'], ['error', 'second'], ['error', 'Traceback (most recent call last):'], ['error', '  File "a.py", line 2, in f'], ['error', "KeyError: 'x'"],
    ]);
  });

  it('drops the fold-end marker', () => {
    assert.deepEqual(structuredEventLines({ event: '::endgroup::' }), []);
  });
});

describe('continuation token', () => {
  it('reads end_of_log from a plain and from a compressed token', () => {
    const plain = `${Buffer.from(JSON.stringify({ end_of_log: true, log_pos: 2683 })).toString('base64url')}.signature`;
    assert.deepEqual(decodeLogToken(plain), { end_of_log: true, log_pos: 2683 });
    const compressed = `.${deflateSync(Buffer.from(JSON.stringify({ end_of_log: false }))).toString('base64url')}.signature`;
    assert.deepEqual(decodeLogToken(compressed), { end_of_log: false });
    assert.equal(decodeLogToken('garbage'), undefined);
  });
});
