/**
 * What the trace webview is sent and what the host accepts from it (src/trace/traceView.ts):
 * steps as text with times and durations, batch counts and the slowest step, step actions
 * named by index only, and anything else from the webview dropped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchTrace, MessageTrace } from '../../src/trace/traceModel';
import { batchTraceView, linkView, messageTraceView, parseTraceMessage } from '../../src/trace/traceView';

const message: MessageTrace = {
  coordinates: { topic: 'orders', partition: 2, offset: '15' },
  active: true,
  steps: [
    { kind: 'produced', status: 'done', title: 'Produced', detail: '<script>alert(1)</script>', at: Date.UTC(2025, 0, 1), durationMs: null, links: [] },
    { kind: 'consumed', status: 'waiting', title: 'Consumed', detail: 'waiting: not consumed yet', at: null, durationMs: 1_500, links: [{ kind: 'run', dagId: 'kafka_batch_consumer', runId: 'r1' }] },
  ],
};

describe('trace views', () => {
  it('turns a message trace into text steps with ISO times and formatted durations', () => {
    const view = messageTraceView(message, true);
    assert.equal(view.title, 'Trace of orders [2] @ 15');
    assert.equal(view.steps[0]?.at, '2025-01-01T00:00:00.000Z');
    assert.equal(view.steps[0].detail, '<script>alert(1)</script>', 'data passes as text; the webview sets it with textContent');
    assert.equal(view.steps[1]?.duration, '1.5 s');
    assert.deepEqual(view.steps[1].links, [{ label: 'Open run r1 of kafka_batch_consumer in Airflow', icon: 'link-external' }]);
    assert.equal(view.watching, true);
    assert.deepEqual(view.counts, []);
  });

  it('lists batch counts, phase durations and names the slowest step', () => {
    const batch: BatchTrace = {
      consumerRun: { dagId: 'kafka_batch_consumer', runId: 'r1', state: 'success' },
      counts: { messagesInRange: 6, loadedRows: 6, processedRows: 6, events: 2, downstreamRuns: 2, downstreamByState: { success: 2 } },
      byDataType: { order: 3, user: 3 },
      phases: [{ phase: 'scheduling', label: 'dataset event → downstream run start', durationMs: 4_000 }],
      slowest: { phase: 'scheduling', label: 'dataset event → downstream run start', durationMs: 4_000 },
      steps: [],
      active: false,
    };
    const view = batchTraceView(batch, false);
    assert.deepEqual(view.counts.find((c) => c.label === 'Downstream runs'), { label: 'Downstream runs', value: '2 (2 success)' });
    assert.equal(view.slowest, 'dataset event → downstream run start took 4.0 s');
  });

  it('labels each kind of action', () => {
    assert.equal(linkView({ kind: 'taskLog', dagId: 'd', runId: 'r', taskId: 'consume_and_load', tryNumber: 1 }).label, 'Show log of consume_and_load');
    assert.equal(linkView({ kind: 'historyRow', rowId: '9' }).label, 'Open history row 9');
  });

  it('accepts ready, refresh and openLink by index; drops anything else', () => {
    assert.deepEqual(parseTraceMessage({ kind: 'ready' }), { kind: 'ready' });
    assert.deepEqual(parseTraceMessage({ kind: 'request', id: 3, method: 'openLink', params: { step: 1, link: 0 } }), { kind: 'request', id: 3, method: 'openLink', params: { step: 1, link: 0 } });
    assert.deepEqual(parseTraceMessage({ kind: 'request', id: 4, method: 'refresh', params: {} }), { kind: 'request', id: 4, method: 'refresh', params: {} });
    assert.equal(parseTraceMessage({ kind: 'request', id: 5, method: 'openLink', params: { step: -1, link: 0 } }), undefined);
    assert.equal(parseTraceMessage({ kind: 'request', id: 6, method: 'openLink', params: { step: '1', link: 0 } }), undefined);
    assert.equal(parseTraceMessage({ kind: 'request', id: 7, method: 'runShell', params: {} }), undefined);
    assert.equal(parseTraceMessage('ready'), undefined);
  });
});
