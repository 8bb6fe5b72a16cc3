/**
 * The batch consumer and the trace across the native stack's Kafka (127.0.0.1:9092), Airflow 3
 * (127.0.0.1:8080) and PostgreSQL (database workbench): a fresh topic gets messages of two data
 * types, BatchConsumerService triggers kafka_batch_consumer for that topic with a fresh group
 * id and follows it, then TraceService must show every step of one message reached with the
 * right run ids, batch counts that match what was produced, and "not consumed yet" for a
 * message produced after the run. Bounded: gives up after a few minutes with a sentence.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AirflowClient } from '../../src/airflow/airflowClient';
import { MessageHistoryStore } from '../../src/history/messageHistoryStore';
import { KafkaService } from '../../src/kafka/kafkaService';
import { testDataMessages } from '../../src/kafka/testData';
import type { ProduceResult } from '../../src/kafka/types';
import { silentLogger } from '../../src/shared/logger';
import { localStack } from '../../src/stack/localStack';
import { BatchConsumerService, describeSummary, type BatchSummary } from '../../src/trace/batchConsumerService';
import { RunHistoryReader } from '../../src/trace/runHistory';
import type { BatchTrace } from '../../src/trace/traceModel';
import { TraceService } from '../../src/trace/traceService';
import { removeTestTopics } from '../support/testTopics';

const RUN = `${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
const TOPIC = `wb-trace-it-${RUN}`;
const GROUP = `wb-trace-it-group-${RUN}`;
const PER_TYPE = 3;

const kafka = new KafkaService({ ...localStack.kafka, clientId: 'workbench-trace-it', requestTimeoutMs: 10_000 }, silentLogger);
const airflow = new AirflowClient({ ...localStack.airflow, password: localStack.airflowPassword, requestTimeoutMs: 20_000 }, silentLogger);
const historyConfig = { ...localStack.history, password: localStack.historyPassword, requestTimeoutMs: 10_000 };
const store = new MessageHistoryStore(historyConfig, silentLogger);
const runHistory = new RunHistoryReader(historyConfig, silentLogger);
const trace = new TraceService(airflow, store, runHistory, silentLogger);
const consumer = new BatchConsumerService(airflow, trace, runHistory, silentLogger);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let produced: ProduceResult;
let summary: BatchSummary;
let batch: BatchTrace;

describe('batch consumer and trace on the native stack', { timeout: 8 * 60_000 }, () => {
  before(async () => {
    await kafka.createTopic({ name: TOPIC, partitions: 2, replicationFactor: 1 });
    const messages = [...testDataMessages('order', PER_TYPE), ...testDataMessages('user', PER_TYPE)];
    produced = await kafka.produce(messages, { topic: TOPIC });
    assert.equal(produced.sent, PER_TYPE * 2, 'all test messages were produced');

    const started = await consumer.start({ topics: [TOPIC], groupId: GROUP, batchSize: 4, maxMessages: 100 });
    const final = await consumer.follow(started.runId, { timeoutMs: 4 * 60_000 });
    assert.equal(final.run.state, 'success', `the consumer run ${started.runId} succeeded`);
    summary = await consumer.summarize(final, { waitForDownstreamMs: 90_000 });

    // Wait (bounded) until the downstream runs are final, as the trace panel does.
    const deadline = Date.now() + 3 * 60_000;
    for (;;) {
      batch = await trace.traceBatch(started.runId);
      if (!batch.active || Date.now() > deadline) break;
      await sleep(2_000);
    }
  });

  after(async () => {
    await removeTestTopics(kafka, [TOPIC], { historyRows: true });
    await Promise.all([kafka.dispose(), store.dispose(), runHistory.dispose()]);
  });

  it('sums up the run: messages loaded, one event per data type, downstream runs', () => {
    assert.equal(summary.loadedRows, PER_TYPE * 2);
    assert.deepEqual(summary.events.map((e) => e.uri).sort(), ['workbench://message-history/order', 'workbench://message-history/user']);
    assert.deepEqual(summary.events.map((e) => e.count), [PER_TYPE, PER_TYPE]);
    assert.deepEqual(summary.downstreamRuns.map((r) => r.dagId).sort(), ['process_order_messages', 'process_user_messages']);
    assert.match(describeSummary(summary), /succeeded: 6 message\(s\) loaded, 2 dataset event\(s\) emitted, 2 downstream run\(s\)/);
  });

  it('counts every step of the batch and names the slowest', () => {
    assert.equal(batch.active, false, 'the downstream runs finished within the bound');
    assert.equal(batch.counts.messagesInRange, PER_TYPE * 2);
    assert.equal(batch.counts.loadedRows, PER_TYPE * 2);
    assert.equal(batch.counts.events, 2);
    assert.equal(batch.counts.downstreamRuns, 2);
    assert.deepEqual(batch.counts.downstreamByState, { success: 2 });
    assert.equal(batch.counts.processedRows, PER_TYPE * 2, 'the downstream runs marked every row processed');
    assert.deepEqual(batch.byDataType, { order: PER_TYPE, user: PER_TYPE });
    assert.ok(batch.slowest, 'a slowest phase is named');
    assert.ok(batch.phases.every((p) => p.durationMs !== null), 'every phase has a duration');
  });

  it('traces one message through every step with the right run ids', async () => {
    const record = produced.records[0];
    assert.ok(record);
    const result = await trace.traceMessage({ topic: TOPIC, partition: record.partition, offset: record.offset });
    assert.deepEqual(result.steps.map((s) => s.kind), ['produced', 'consumed', 'loaded', 'event', 'downstream']);
    assert.ok(result.steps.every((s) => s.status === 'done'), result.steps.map((s) => `${s.kind}: ${s.status} ${s.detail}`).join('\n'));
    assert.equal(result.active, false);
    const consumed = result.steps[1];
    assert.ok(consumed?.links.some((l) => l.kind === 'run' && l.runId === summary.run.runId && l.dagId === 'kafka_batch_consumer'));
    assert.ok(consumed?.links.some((l) => l.kind === 'taskLog' && l.taskId === 'consume_and_load'));
    const downstream = result.steps[4];
    const orderRun = summary.downstreamRuns.find((r) => r.dagId === 'process_order_messages');
    assert.ok(orderRun);
    assert.ok(downstream?.links.some((l) => l.kind === 'run' && l.runId === orderRun.runId), downstream?.detail);
    assert.match(downstream?.detail ?? '', /success/);
    const row = await store.findByCoordinates(TOPIC, record.partition, record.offset);
    assert.equal(row?.processedByRunId, orderRun.runId, 'the history row names the downstream run that processed it');
  });

  it('says "not consumed yet" for a message produced after the run', async () => {
    const late = await kafka.produce(testDataMessages('order', 1), { topic: TOPIC });
    const record = late.records[0];
    assert.ok(record);
    const result = await trace.traceMessage({ topic: TOPIC, partition: record.partition, offset: record.offset }, Date.now());
    assert.equal(result.steps[0]?.status, 'done');
    assert.equal(result.steps[1]?.status, 'waiting');
    assert.match(result.steps[1].detail, /not consumed yet/);
    assert.equal(result.active, true);
  });
});
