/**
 * The pure rules of the trace (src/trace/traceModel.ts, runHistory.ts statsFromGroups,
 * batchConsumerService.ts checkConf): which steps a message reached, what a step not reached
 * says, batch counts, the phase durations and the slowest phase.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DagRun, DatasetEvent, TaskInstance } from '../../src/airflow/types';
import type { HistoryRow } from '../../src/history/types';
import { WorkbenchError } from '../../src/shared/errors';
import { checkConf, describeSummary } from '../../src/trace/batchConsumerService';
import { statsFromGroups } from '../../src/trace/runHistory';
import { batchPhases, deriveBatchTrace, EVENT_GRACE_MS, deriveMessageTrace, slowestPhase, type BatchPhaseDuration, type RunHistoryStats } from '../../src/trace/traceModel';
import { formatDurationMs } from '../../src/shared/durations';

const T0 = Date.parse('2025-05-01T10:00:00Z');
const iso = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

function run(dagId: string, runId: string, state: string, start: number | null, end: number | null): DagRun {
  return {
    dagId, runId, state, runType: 'manual', logicalDate: null, conf: {},
    startDate: start === null ? null : iso(start), endDate: end === null ? null : iso(end), durationSeconds: null,
  };
}

const consumeTask: TaskInstance = {
  dagId: 'kafka_batch_consumer', runId: 'manual__1', taskId: 'consume_and_load', mapIndex: -1, state: 'success',
  tryNumber: 1, startDate: iso(5_000), endDate: iso(9_000), durationSeconds: 4, operator: 'KafkaBatchConsumerOperator',
};

const row: HistoryRow = {
  id: '42', topic: 'orders', partition: 1, offset: '7', key: { kind: 'text', text: 'order:1' }, value: { kind: 'json', json: {}, text: '{}' },
  headers: [], dataType: 'order', messageTimestamp: T0, consumedAt: T0 + 6_000, consumerDagId: 'kafka_batch_consumer', consumerRunId: 'manual__1',
  datasetUri: 'workbench://message-history/order', processedAt: T0 + 20_000, processedByDagId: 'process_order_messages', processedByRunId: 'asset__1',
  schema: { keySchemaId: null, valueSchemaId: null, error: null }, cursor: { timestamp: iso(0), id: '42' },
};

const event: DatasetEvent = {
  id: 9, datasetId: 3, uri: 'workbench://message-history/order', extra: { count: 3 }, timestamp: iso(10_000),
  sourceDagId: 'kafka_batch_consumer', sourceTaskId: 'consume_and_load', sourceRunId: 'manual__1', sourceMapIndex: -1,
  createdRuns: [{ dagId: 'process_order_messages', runId: 'asset__1', state: 'success' }],
};

const coordinates = { topic: 'orders', partition: 1, offset: '7' };

describe('deriveMessageTrace', () => {
  it('says "not consumed yet" for a message without a history row, and stays active', () => {
    const trace = deriveMessageTrace({ coordinates, producedAt: T0, row: undefined, consumerRun: undefined, consumeTask: undefined, events: [], downstreamRuns: [] });
    assert.deepEqual(trace.steps.map((s) => s.status), ['done', 'waiting', 'waiting', 'waiting', 'waiting']);
    assert.match(trace.steps[1]?.detail ?? '', /^waiting: not consumed yet/);
    assert.match(trace.steps[0]?.detail ?? '', /orders \[1\] @ 7 at 2025-05-01T10:00:00.000Z/);
    assert.equal(trace.active, true);
  });

  it('reaches every step with links to the consumer run, its task log, the row and the downstream run', () => {
    const trace = deriveMessageTrace({
      coordinates, producedAt: null, row, consumerRun: run('kafka_batch_consumer', 'manual__1', 'success', 4_000, 11_000),
      consumeTask, events: [event], downstreamRuns: [run('process_order_messages', 'asset__1', 'success', 12_000, 15_000)],
    });
    assert.deepEqual(trace.steps.map((s) => `${s.kind}:${s.status}`), ['produced:done', 'consumed:done', 'loaded:done', 'event:done', 'downstream:done']);
    assert.equal(trace.active, false);
    assert.equal(trace.steps[1]?.durationMs, 5_000, 'produce → consume start');
    assert.deepEqual(trace.steps[1].links, [
      { kind: 'run', dagId: 'kafka_batch_consumer', runId: 'manual__1' },
      { kind: 'taskLog', dagId: 'kafka_batch_consumer', runId: 'manual__1', taskId: 'consume_and_load', tryNumber: 1 },
    ]);
    assert.deepEqual(trace.steps[2]?.links, [{ kind: 'historyRow', rowId: '42' }]);
    assert.equal(trace.steps[4]?.durationMs, 3_000);
    assert.match(trace.steps[4].detail, /waited 2\.0 s after the event, ran 3\.0 s, processed this row/);
  });

  it('waits for the downstream run after the event, and follows a running one', () => {
    const base = { coordinates, producedAt: null, row, consumerRun: run('kafka_batch_consumer', 'manual__1', 'success', 4_000, 11_000), consumeTask, events: [event] };
    const notCreated = { ...base, events: [{ ...event, createdRuns: [] }], downstreamRuns: [] };
    const none = deriveMessageTrace({ ...notCreated, now: T0 + 20_000 });
    assert.equal(none.steps[4]?.status, 'waiting');
    assert.match(none.steps[4].detail, /^waiting: the scheduler has not started a run/);
    assert.equal(none.active, true);
    const overdue = deriveMessageTrace({ ...notCreated, now: T0 + 10_000 + EVENT_GRACE_MS + 1 });
    assert.equal(overdue.active, false, 'stops waiting once the grace period is over');
    assert.match(overdue.steps[4]?.detail ?? '', /no run started for event #9 on workbench:\/\/message-history\/order within 120 s: is a DAG scheduled on that dataset, and unpaused\?/);
    const running = deriveMessageTrace({ ...base, downstreamRuns: [run('process_order_messages', 'asset__1', 'running', 12_000, null)] });
    assert.equal(running.steps[4]?.status, 'active');
    assert.equal(running.active, true);
  });

  it('marks the event step failed when the consumer run failed before emitting', () => {
    const trace = deriveMessageTrace({ coordinates, producedAt: null, row, consumerRun: run('kafka_batch_consumer', 'manual__1', 'failed', 4_000, 11_000), consumeTask, events: [], downstreamRuns: [] });
    assert.equal(trace.steps[3]?.status, 'failed');
    assert.match(trace.steps[3].detail, /consumer run failed/);
    assert.equal(trace.active, false);
  });
});

const stats: RunHistoryStats = statsFromGroups([
  { topic: 'orders', partition: 0, data_type: 'order', rows: '2', processed: '2', first_offset: '10', last_offset: '11', first_message_at: new Date(T0), last_message_at: new Date(T0 + 1_000), first_consumed_at: new Date(T0 + 6_000), last_consumed_at: new Date(T0 + 7_000) },
  { topic: 'orders', partition: 0, data_type: 'user', rows: '1', processed: '0', first_offset: '12', last_offset: '12', first_message_at: new Date(T0 + 2_000), last_message_at: new Date(T0 + 2_000), first_consumed_at: new Date(T0 + 6_500), last_consumed_at: new Date(T0 + 8_000) },
  { topic: 'orders', partition: 1, data_type: 'order', rows: '1', processed: '1', first_offset: '5', last_offset: '5', first_message_at: null, last_message_at: null, first_consumed_at: new Date(T0 + 6_000), last_consumed_at: new Date(T0 + 6_000) },
]);

describe('statsFromGroups', () => {
  it('folds groups into totals, data types and offset ranges per partition', () => {
    assert.equal(stats.loadedRows, 4);
    assert.equal(stats.processedRows, 3);
    assert.deepEqual(stats.byDataType, { order: 3, user: 1 });
    assert.deepEqual(stats.partitions, [
      { topic: 'orders', partition: 0, firstOffset: '10', lastOffset: '12', rows: 3 },
      { topic: 'orders', partition: 1, firstOffset: '5', lastOffset: '5', rows: 1 },
    ]);
    assert.equal(stats.lastMessageAt, T0 + 2_000);
    assert.equal(stats.lastConsumedAt, T0 + 8_000);
  });
});

describe('batch trace', () => {
  const input = {
    consumerRun: run('kafka_batch_consumer', 'manual__1', 'success', 4_000, 11_000),
    tasks: [consumeTask],
    history: stats,
    events: [event, { ...event, id: 10, uri: 'workbench://message-history/user', timestamp: iso(10_500) }],
    downstreamRuns: [run('process_order_messages', 'asset__1', 'success', 12_000, 15_000), run('process_user_messages', 'asset__2', 'failed', 30_000, 31_000)],
  };

  it('measures the four phases from the timestamps', () => {
    assert.deepEqual(batchPhases(input).map((p) => [p.phase, p.durationMs]), [
      ['waitingInKafka', 3_000], ['load', 4_000], ['scheduling', 20_000], ['downstream', 3_000],
    ]);
  });

  it('counts each step, downstream runs by state, and names the slowest phase', () => {
    const trace = deriveBatchTrace(input);
    assert.deepEqual(trace.counts, { messagesInRange: 4, loadedRows: 4, processedRows: 3, events: 2, downstreamRuns: 2, downstreamByState: { success: 1, failed: 1 } });
    assert.equal(trace.slowest?.phase, 'scheduling');
    assert.equal(trace.steps[4]?.status, 'failed');
    assert.equal(trace.active, false);
  });

  it('stays active while the consumer runs or events wait for downstream runs', () => {
    assert.equal(deriveBatchTrace({ ...input, consumerRun: run('kafka_batch_consumer', 'manual__1', 'running', 4_000, null) }).active, true);
    const oneWithoutRun = [event, { ...event, id: 10, uri: 'workbench://message-history/user', timestamp: iso(10_500), createdRuns: [] }];
    const waitingForUserRun = deriveBatchTrace({ ...input, events: oneWithoutRun, downstreamRuns: [run('process_order_messages', 'asset__1', 'success', 12_000, 15_000)], now: T0 + 20_000 });
    assert.equal(waitingForUserRun.active, true, 'one event has not created its run yet');
    assert.equal(waitingForUserRun.steps[4]?.status, 'active');
    assert.match(waitingForUserRun.steps[4].detail, /1 success; waiting for the run of event #10/);
  });

  it('slowestPhase ignores unknown durations and is undefined when none is known', () => {
    const phases: BatchPhaseDuration[] = [
      { phase: 'load', label: 'load', durationMs: null },
      { phase: 'downstream', label: 'd', durationMs: 5 },
      { phase: 'scheduling', label: 's', durationMs: 2 },
    ];
    assert.equal(slowestPhase(phases)?.phase, 'downstream');
    assert.equal(slowestPhase([{ phase: 'load', label: 'load', durationMs: null }]), undefined);
  });
});

describe('checkConf and describeSummary', () => {
  it('builds the DAG conf and refuses what its params would refuse', () => {
    assert.deepEqual(checkConf({ topics: [' a ', ''], batchSize: 10, maxMessages: 50, groupId: 'g' }), { topics: ['a'], batch_size: 10, max_messages: 50, group_id: 'g' });
    assert.throws(() => checkConf({ topics: [' '] }), (e: unknown) => e instanceof WorkbenchError && /at least one topic/.test(e.message));
    assert.throws(() => checkConf({ topics: ['a'], batchSize: 0 }), /batch_size must be a whole number from 1 to 100000/);
    assert.throws(() => checkConf({ topics: ['a'], maxMessages: 1.5 }), /max_messages/);
  });

  it('says what failed and how much was loaded', () => {
    const text = describeSummary({ run: run('kafka_batch_consumer', 'r', 'failed', 0, 1), loadedRows: 3, events: [], downstreamRuns: [], failure: { taskId: 'consume_and_load', log: '' } });
    assert.equal(text, 'Batch consumer run r failed in task consume_and_load; 3 message(s) were loaded before it stopped.');
    assert.equal(formatDurationMs(65_000), '1 min 5 s');
  });
});
