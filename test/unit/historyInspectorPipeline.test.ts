/**
 * The Message Inspector's "Pipeline" section for history rows: a row's consumer run, dataset
 * event and processing run reach the detail pane (Kafka records carry none), and the
 * section's lines say who consumed and processed the message, or that it is not processed yet.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rowAsKafkaRecord, rowFromDb, type FullDbRow } from '../../src/history/decode';
import { pipelineOf } from '../../src/panels/historyInspectorSource';
import { pipelineLines } from '../../src/history/pipeline';
import { detailOf } from '../../src/panels/inspectorSource';

const consumedAt = new Date('2025-03-01T12:05:00Z');
const processedAt = new Date('2025-03-01T12:06:30Z');

function fullRow(overrides: Partial<FullDbRow> = {}): FullDbRow {
  return {
    id: '17', topic: 'orders', partition: 2, offset: '1042', key: 'k-1', key_bytes: null,
    value_json_text: '{"id": 17}', value_text: null, value_bytes: null, headers: [],
    data_type: 'order', message_timestamp: new Date('2025-03-01T12:00:00Z'), consumed_at: consumedAt,
    consumer_dag_id: 'kafka_batch_consumer', consumer_run_id: 'manual__2025-03-01T12:04:00', dataset_uri: 'kafka://orders/order',
    processed_at: null, processed_by_dag_id: null, processed_by_run_id: null,
    key_schema_id: null, value_schema_id: null, schema_error: null, cursor_timestamp: null, ...overrides,
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

describe('history inspector pipeline', () => {
  it('maps a row to its consumer run, dataset and processing run', () => {
    const row = rowFromDb(fullRow({ processed_at: processedAt, processed_by_dag_id: 'process_orders', processed_by_run_id: 'dataset_triggered__1' }));
    assert.deepEqual(pipelineOf(row), {
      consumedAt: consumedAt.getTime(),
      consumerDagId: 'kafka_batch_consumer',
      consumerRunId: 'manual__2025-03-01T12:04:00',
      datasetUri: 'kafka://orders/order',
      processedAt: processedAt.getTime(),
      processedByDagId: 'process_orders',
      processedByRunId: 'dataset_triggered__1',
    });
  });

  it('puts the pipeline in the detail of a history row and none in a Kafka record', () => {
    const row = rowFromDb(fullRow());
    const record = rowAsKafkaRecord(row);
    const detail = detailOf(5, record, pipelineOf(row));
    assert.equal(detail.pipeline?.consumerRunId, 'manual__2025-03-01T12:04:00');
    assert.equal(detail.pipeline.datasetUri, 'kafka://orders/order');
    assert.equal(detail.offset, '1042');
    assert.equal('pipeline' in detailOf(5, record), false);
  });

  it('says who consumed the message, its dataset, and that it is not processed yet', () => {
    const lines = pipelineLines(pipelineOf(rowFromDb(fullRow())), iso);
    assert.deepEqual(lines.map((l) => [l.label, l.text]), [
      ['Consumed', 'by kafka_batch_consumer / manual__2025-03-01T12:04:00 at 2025-03-01T12:05:00.000Z'],
      ['Dataset', 'kafka://orders/order'],
      ['Processed', 'not processed yet'],
    ]);
    assert.deepEqual(lines[0]?.run, { dagId: 'kafka_batch_consumer', runId: 'manual__2025-03-01T12:04:00' });
    assert.equal(lines[2]?.run, undefined);
  });

  it('names the processing run and its time once processed, and says when ids were not recorded', () => {
    const lines = pipelineLines(pipelineOf(rowFromDb(fullRow({
      consumer_dag_id: null, consumer_run_id: null, dataset_uri: null,
      processed_at: processedAt, processed_by_dag_id: 'process_orders', processed_by_run_id: 'dataset_triggered__1',
    }))), iso);
    assert.deepEqual(lines.map((l) => l.text), [
      'by an unrecorded run at 2025-03-01T12:05:00.000Z',
      'no dataset event recorded for this row',
      'by process_orders / dataset_triggered__1 at 2025-03-01T12:06:30.000Z',
    ]);
    assert.equal(lines[0]?.run, undefined);
    assert.deepEqual(lines[2]?.run, { dagId: 'process_orders', runId: 'dataset_triggered__1' });
  });
});
