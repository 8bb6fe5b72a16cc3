/**
 * What a panel kept with setState, read back after a window reload: the inspector's source,
 * options, filter and position, the trace's target and the producer's form come back as they
 * were; anything malformed (an older page, a hand-edited state) is dropped, never trusted. And
 * what a screen reader reads for an inspector row.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rowLabelOf } from '../../src/shared/inspectorDisplay';
import {
  inspectorPageStateOf,
  inspectorRestoreOf,
  producerFormOf,
  producerRestoreTarget,
  tracePageStateOf,
  traceRestoreOf,
} from '../../src/shared/panelState';
import type { InspectorRow, ProducerForm } from '../../src/shared/protocol';

const FORM: ProducerForm = {
  connection: 'Local stack',
  topic: 'orders',
  key: 'order-{{seq}}',
  headers: [{ key: 'source', value: 'e2e' }],
  partition: '',
  valueMode: 'json',
  value: '{"id": {{seq}}}',
  dataType: 'orders',
  count: '100',
  rate: '',
  compression: 'gzip',
};

describe('inspector state kept across a window reload', () => {
  it('reads back a Kafka topic with its options, filter, scroll, cursor and detail tab', () => {
    // JSON round trip: what VS Code keeps is what JSON keeps.
    const kept = JSON.parse(JSON.stringify({
      restore: { kind: 'kafka', connection: 'Local stack', topic: 'orders' },
      options: { start: 'offset', startValue: '1500', partitions: [0, 2], maxMessages: 5000, follow: true, whenFull: 'stop' },
      filterText: 'order-42',
      showPartitions: [2],
      scrollTop: 4400,
      cursor: 200,
      tab: 'headers',
      view: 'hex',
    })) as unknown;
    assert.deepEqual(inspectorPageStateOf(kept, 1_000_000), {
      restore: { kind: 'kafka', connection: 'Local stack', topic: 'orders' },
      options: { start: 'offset', startValue: '1500', partitions: [0, 2], maxMessages: 5000, follow: true, whenFull: 'stop' },
      filterText: 'order-42',
      showPartitions: [2],
      scrollTop: 4400,
      cursor: 200,
      tab: 'headers',
      view: 'hex',
    });
  });

  it('reads back a history scope with its search and start row', () => {
    const restore = {
      kind: 'history',
      scope: { topic: 'orders', day: '2026-12-04', search: { mode: 'keyStartsWith', text: 'order-1' } },
      startAt: { timestamp: '2026-12-04T10:00:00.000Z', id: '42' },
    };
    assert.deepEqual(inspectorRestoreOf({ restore }), restore);
    assert.deepEqual(inspectorRestoreOf({ restore: { kind: 'history', scope: { day: null } } }), { kind: 'history', scope: { day: null } });
  });

  it('drops a state that does not say what the panel read', () => {
    assert.equal(inspectorRestoreOf(undefined), undefined);
    assert.equal(inspectorRestoreOf({}), undefined);
    assert.equal(inspectorRestoreOf({ restore: { kind: 'kafka', connection: '', topic: 'orders' } }), undefined);
    assert.equal(inspectorRestoreOf({ restore: { kind: 'kafka', connection: 'Local stack' } }), undefined);
    assert.equal(inspectorRestoreOf({ restore: { kind: 'history', scope: { day: 'yesterday' } } }), undefined);
    assert.equal(inspectorRestoreOf({ restore: { kind: 'history', scope: { search: { mode: 'regex', text: '.*' } } } }), undefined);
    assert.equal(inspectorRestoreOf({ restore: { kind: 'history', scope: {}, startAt: { id: 7 } } }), undefined);
    assert.equal(inspectorRestoreOf({ restore: { kind: 'somethingElse' } }), undefined);
  });

  it('keeps the source but drops malformed parts: options beyond the limit, a negative scroll, an unknown tab', () => {
    const page = inspectorPageStateOf({
      restore: { kind: 'kafka', connection: 'c', topic: 't' },
      options: { start: 'beginning', startValue: '', partitions: [], maxMessages: 2_000_000, follow: false },
      showPartitions: [-1],
      scrollTop: -5,
      cursor: 1.5,
      tab: 'body',
      view: 'html',
      filterText: 42,
    }, 1_000_000);
    assert.deepEqual(page, { restore: { kind: 'kafka', connection: 'c', topic: 't' } });
  });
});

describe('trace state kept across a window reload', () => {
  it('reads back a traced message and a traced consumer run, with the scroll position', () => {
    const message = { kind: 'message', coordinates: { topic: 'orders', partition: 2, offset: '15' }, producedAt: 1_764_000_000_000 };
    assert.deepEqual(tracePageStateOf({ restore: message, scrollY: 320 }), { restore: message, scrollY: 320 });
    const batch = { kind: 'batch', dagId: 'kafka_batch_consumer', runId: 'manual__2026-12-04' };
    assert.deepEqual(traceRestoreOf({ restore: batch }), batch);
  });

  it('drops coordinates that are not a topic, partition and offset', () => {
    assert.equal(traceRestoreOf({ restore: { kind: 'message', coordinates: { topic: 'orders', partition: -1, offset: '15' } } }), undefined);
    assert.equal(traceRestoreOf({ restore: { kind: 'message', coordinates: { topic: 'orders', partition: 0, offset: '1e3' } } }), undefined);
    assert.equal(traceRestoreOf({ restore: { kind: 'batch', dagId: 'd' } }), undefined);
  });
});

describe('producer form kept across a window reload', () => {
  it('reads back the form as typed', () => {
    assert.deepEqual(producerFormOf(JSON.parse(JSON.stringify({ form: FORM })) as unknown), FORM);
  });

  it('drops a form with a field of the wrong kind', () => {
    assert.equal(producerFormOf({ form: { ...FORM, count: 100 } }), undefined);
    assert.equal(producerFormOf({ form: { ...FORM, compression: 'brotli' } }), undefined);
    assert.equal(producerFormOf({ form: { ...FORM, headers: [{ key: 'a' }] } }), undefined);
  });

  it('keeps the form for a connection still in the settings, and says so when it is gone', () => {
    assert.deepEqual(producerRestoreTarget(FORM, ['Local stack']), { form: FORM });
    assert.deepEqual(producerRestoreTarget(undefined, ['Local stack']), {});
    const target = producerRestoreTarget(FORM, ['Other']);
    assert.equal(target.form?.connection, undefined);
    assert.equal(target.form?.topic, 'orders');
    assert.match(target.note ?? '', /"Local stack" .* no longer in the settings: pick another connection/);
  });
});

describe('inspector rows for a screen reader', () => {
  const formatted = { offset: '1,500', timestamp: '2026-12-04 10:00:00.000', size: '120 B' };
  const row: InspectorRow = {
    id: 1, partition: 2, offset: '1500', timestamp: 0, key: 'order-\u202E1', keyKind: 'text', value: '{"id":1}', valueKind: 'json', headers: 1, size: 120,
  };

  it('reads every column by name, hidden characters as escapes', () => {
    assert.equal(rowLabelOf(row, formatted),
      'Partition 2, offset 1,500, 2026-12-04 10:00:00.000, key order-\\u202E1, value {"id":1}, 1 header, 120 B');
  });

  it('says "none" for a missing key and cuts a long value', () => {
    const label = rowLabelOf({ ...row, key: '(null)', keyKind: 'null', value: 'x'.repeat(500), headers: 0 }, formatted);
    assert.match(label, /key none, value x{120}…, no headers/);
  });
});
