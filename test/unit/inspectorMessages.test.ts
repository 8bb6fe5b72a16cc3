/**
 * What the Message Inspector's host does with a record before the webview sees it, and what
 * it accepts from the webview: rows carry previews (HTML stays characters, binary becomes
 * hex), the detail pane gets text, pretty JSON and hex, copies and "Produce again" refuse
 * what cannot be edited as text, start positions are checked, and any message outside the
 * protocol is dropped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KafkaRecord } from '../../src/kafka/types';
import { clipboardText, formFromRecord, isInspectorOptions, MAX_PAGE_ROWS, parseInspectorMessage } from '../../src/panels/inspectorMessages';
import { detailOf, DETAIL_TEXT_LIMIT, rowOf } from '../../src/panels/inspectorSource';
import { startPositionOf } from '../../src/panels/kafkaInspectorSource';
import { WorkbenchError } from '../../src/shared/errors';

const XSS = '<img src=x onerror=alert(1)><script>alert(1)</script>';

function record(patch: Partial<KafkaRecord> = {}): KafkaRecord {
  const key = Buffer.from('order-1');
  const value = Buffer.from('{"id":1,"name":"Ada"}');
  return { topic: 'orders', partition: 2, offset: '15', timestamp: 1_700_000_000_000, key, value, headers: [{ key: 'source', value: Buffer.from('test') }], size: key.length + value.length + 10, ...patch };
}

describe('rows and details', () => {
  it('previews a JSON value on one line and counts headers', () => {
    const row = rowOf(7, record());
    assert.equal(row.id, 7);
    assert.equal(row.key, 'order-1');
    assert.equal(row.valueKind, 'json');
    assert.equal(row.value, '{"id":1,"name":"Ada"}');
    assert.equal(row.headers, 1);
  });

  it('keeps HTML and script as the characters they are', () => {
    const row = rowOf(0, record({ key: Buffer.from(XSS), value: Buffer.from(XSS) }));
    assert.equal(row.key, XSS);
    assert.equal(row.value, XSS);
    assert.equal(row.valueKind, 'text');
    assert.equal(detailOf(0, record({ value: Buffer.from(XSS) })).value.text, XSS);
  });

  it('shows bytes that are not UTF-8 as hex, in the row and the detail', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3]);
    const row = rowOf(0, record({ key: bytes, value: bytes }));
    assert.equal(row.valueKind, 'binary');
    assert.equal(row.keyKind, 'binary');
    assert.match(row.value, /^0x ff fe 00 41 c3 \(5 bytes\)$/);
    const detail = detailOf(0, record({ value: bytes }));
    assert.equal(detail.value.text, null);
    assert.match(detail.value.hex, /^00000000 {2}ff fe 00 41 c3/);
  });

  it('gives text a pretty JSON, a raw and a hex view, and a tombstone none', () => {
    const detail = detailOf(3, record());
    assert.equal(detail.value.pretty, '{\n  "id": 1,\n  "name": "Ada"\n}');
    assert.equal(detail.value.text, '{"id":1,"name":"Ada"}');
    assert.match(detail.value.hex, /7b 22 69 64/);
    assert.deepEqual(detail.headers.map((h) => [h.key, h.value.text]), [['source', 'test']]);
    const tombstone = detailOf(4, record({ value: null }));
    assert.equal(tombstone.value.kind, 'null');
    const both = rowOf(4, record({ value: null, key: null }));
    assert.deepEqual([both.key, both.keyKind, both.value, both.valueKind], ['(null)', 'null', '(null)', 'null'], 'a missing key reads as a missing value does');
  });

  it('cuts very large values for the detail pane and says so', () => {
    const big = Buffer.from(`"${'x'.repeat(DETAIL_TEXT_LIMIT + 10)}"`);
    const detail = detailOf(0, record({ value: big }));
    assert.equal(detail.value.truncated, true);
    assert.equal(detail.value.text?.length, DETAIL_TEXT_LIMIT);
    assert.equal(detail.value.bytes, big.length);
  });
});

describe('copy and produce again', () => {
  it('copies text as text and bytes as a hex dump', () => {
    assert.equal(clipboardText(Buffer.from('héllo')), 'héllo');
    assert.match(clipboardText(Buffer.from([0xff, 0x00])), /ff 00/);
    assert.equal(clipboardText(null), '');
  });

  it('makes an editable copy: JSON pretty, text as a JSON string, headers as rows', () => {
    const json = formFromRecord(record());
    assert.equal(json.topic, 'orders');
    assert.equal(json.key, 'order-1');
    assert.equal(json.partition, '2');
    assert.equal(json.value, '{\n  "id": 1,\n  "name": "Ada"\n}');
    assert.deepEqual(json.headers, [{ key: 'source', value: 'test' }]);
    assert.equal(formFromRecord(record({ value: Buffer.from('plain "text"') })).value, '"plain \\"text\\""');
  });

  it('refuses a binary value or header with a sentence', () => {
    assert.throws(() => formFromRecord(record({ value: Buffer.from([0xff, 0xfe]) })), (e: unknown) => e instanceof WorkbenchError && /value of this message is binary/.test(e.message));
    assert.throws(() => formFromRecord(record({ headers: [{ key: 'trace', value: Buffer.from([0x80]) }] })), /header "trace" of this message is binary/);
  });
});

describe('start positions', () => {
  const base = { partitions: [], maxMessages: 100, follow: false };
  it('turns the form\'s choice into the service\'s start position', () => {
    assert.deepEqual(startPositionOf({ ...base, start: 'beginning', startValue: '' }), { kind: 'beginning' });
    assert.deepEqual(startPositionOf({ ...base, start: 'latest', startValue: '50' }), { kind: 'latest', count: 50 });
    assert.deepEqual(startPositionOf({ ...base, start: 'offset', startValue: '9007199254740993' }), { kind: 'offset', offset: '9007199254740993' });
    assert.deepEqual(startPositionOf({ ...base, start: 'timestamp', startValue: '1h ago' }, 10_000_000), { kind: 'timestamp', timestamp: 10_000_000 - 3_600_000 });
  });

  it('explains a bad offset, count or time', () => {
    assert.throws(() => startPositionOf({ ...base, start: 'offset', startValue: '-5' }), /whole number/);
    assert.throws(() => startPositionOf({ ...base, start: 'latest', startValue: '0' }), /latest messages/);
    assert.throws(() => startPositionOf({ ...base, start: 'timestamp', startValue: 'soon' }), /not a point in time/);
  });
});

describe('messages from the inspector webview', () => {
  const options = { start: 'beginning', startValue: '', partitions: [0, 1], maxMessages: 1000, follow: true };

  it('accepts well-formed requests', () => {
    assert.ok(isInspectorOptions(options));
    assert.deepEqual(parseInspectorMessage({ kind: 'request', id: 1, method: 'start', params: options }), { kind: 'request', id: 1, method: 'start', params: options });
    assert.deepEqual(parseInspectorMessage({ kind: 'request', id: 2, method: 'export', params: { ids: 'filtered', format: 'csv' } }), { kind: 'request', id: 2, method: 'export', params: { ids: 'filtered', format: 'csv' } });
    assert.deepEqual(parseInspectorMessage({ kind: 'request', id: 3, method: 'copy', params: { id: 4, what: 'row' } }), { kind: 'request', id: 3, method: 'copy', params: { id: 4, what: 'row' } });
  });

  it('takes Trace Message for the message in the detail pane by its id only', () => {
    assert.deepEqual(parseInspectorMessage({ kind: 'request', id: 7, method: 'traceMessage', params: { id: 12, topic: 'other' } }), { kind: 'request', id: 7, method: 'traceMessage', params: { id: 12 } });
    assert.equal(parseInspectorMessage({ kind: 'request', id: 7, method: 'traceMessage', params: { id: -1 } }), undefined);
    assert.equal(parseInspectorMessage({ kind: 'request', id: 7, method: 'traceMessage', params: { id: '12' } }), undefined);
  });

  it('takes Open Run with a DAG id and a run id, and nothing else', () => {
    const wanted = { dagId: 'kafka_batch_consumer', runId: 'manual__2026-11-22T08:00:00+00:00' };
    assert.deepEqual(parseInspectorMessage({ kind: 'request', id: 8, method: 'openRun', params: { ...wanted, connection: 'other' } }), { kind: 'request', id: 8, method: 'openRun', params: wanted });
    assert.equal(parseInspectorMessage({ kind: 'request', id: 8, method: 'openRun', params: { ...wanted, runId: '' } }), undefined);
    assert.equal(parseInspectorMessage({ kind: 'request', id: 8, method: 'openRun', params: { dagId: 3, runId: 'r' } }), undefined);
  });

  it('answers the ready handshake and takes stop with empty params only', () => {
    assert.deepEqual(parseInspectorMessage({ kind: 'ready' }), { kind: 'ready' });
    assert.deepEqual(parseInspectorMessage({ kind: 'request', id: 5, method: 'stop', params: { extra: 1 } }), { kind: 'request', id: 5, method: 'stop', params: {} });
    assert.deepEqual(parseInspectorMessage({ kind: 'request', id: 6, method: 'setFilter', params: { text: '<b>', partitions: [2], html: true } }), { kind: 'request', id: 6, method: 'setFilter', params: { text: '<b>', partitions: [2] } });
  });

  it('drops a request whose envelope or params are not an object with a numeric id', () => {
    assert.equal(parseInspectorMessage({ kind: 'request', id: '1', method: 'stop', params: {} }), undefined);
    assert.equal(parseInspectorMessage({ kind: 'request', id: 1, method: 'stop' }), undefined);
    assert.equal(parseInspectorMessage({ kind: 'request', id: 1, method: 'detail', params: [1] }), undefined);
    assert.equal(parseInspectorMessage({ kind: 'notification', type: 'status', params: {} }), undefined);
    assert.equal(parseInspectorMessage('ready'), undefined);
  });

  it('caps a page request so the webview cannot ask for everything at once', () => {
    const parsed = parseInspectorMessage({ kind: 'request', id: 1, method: 'rows', params: { from: 10, to: 10_000_000 } });
    assert.deepEqual(parsed, { kind: 'request', id: 1, method: 'rows', params: { from: 10, to: 10 + MAX_PAGE_ROWS } });
  });

  it('drops anything outside the protocol', () => {
    assert.equal(parseInspectorMessage({ kind: 'request', id: 1, method: 'start', params: { ...options, maxMessages: 0 } }), undefined);
    assert.equal(parseInspectorMessage({ kind: 'request', id: 1, method: 'start', params: { ...options, start: 'middle' } }), undefined);
    assert.equal(parseInspectorMessage({ kind: 'request', id: 1, method: 'start', params: { ...options, partitions: [-1] } }), undefined);
    assert.equal(parseInspectorMessage({ kind: 'request', id: 1, method: 'rows', params: { from: 5, to: 2 } }), undefined);
    assert.equal(parseInspectorMessage({ kind: 'request', id: 1, method: 'export', params: { ids: [1.5], format: 'json' } }), undefined);
    assert.equal(parseInspectorMessage({ kind: 'request', id: 1, method: 'export', params: { ids: 'filtered', format: 'xml' } }), undefined);
    assert.equal(parseInspectorMessage({ kind: 'request', id: 1, method: 'copy', params: { id: 1, what: 'html' } }), undefined);
    assert.equal(parseInspectorMessage({ kind: 'request', id: 1, method: 'runScript', params: {} }), undefined);
    assert.equal(parseInspectorMessage(null), undefined);
  });
});
