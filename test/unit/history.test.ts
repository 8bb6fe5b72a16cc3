/**
 * The pure parts of the message history: the SQL text and its parameters (user text only
 * ever as a parameter, wildcards escaped, keyset conditions and order), decoding of rows as
 * pg returns them, the error sentences for SQLSTATE codes the native stack cannot easily be
 * made to produce (statement timeout, missing privilege), the tree's labels and the row
 * document, and where the inspector's history source starts reading.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headersFromDb, hexPreview, rowAsKafkaRecord, rowFromDb, summaryFromDb, type FullDbRow, type SummaryDbRow } from '../../src/history/decode';
import { historyError } from '../../src/history/errors';
import { checkDay, escapeLike, partitionsStatement, segmentsOf, segmentStatement, summaryStatement, tableName } from '../../src/history/sql';
import { cursorIncluding, historyStartCursor } from '../../src/panels/historyInspectorSource';
import { WorkbenchError } from '../../src/shared/errors';
import { dayLabel, formatHistoryTime, rowDocument, rowLabel, rowTooltip, schemaSummary, scopeDescription } from '../../src/history/presentation';

const table = tableName('scratch');
const base = { table, timeZone: 'UTC', limit: 51 } as const;

describe('history SQL', () => {
  it('quotes the schema and table as identifiers', () => {
    assert.equal(tableName(undefined), '"message_history"');
    assert.equal(tableName('we"ird'), '"we""ird"."message_history"');
  });

  it('escapes LIKE wildcards and the escape character itself', () => {
    assert.equal(escapeLike('50%_off\\now'), '50\\%\\_off\\\\now');
    assert.equal(escapeLike('plain'), 'plain');
  });

  it('keeps user text out of the statement: it travels only as parameters', () => {
    const evil = `x'); DROP TABLE message_history; --`;
    for (const mode of ['keyEquals', 'keyStartsWith', 'valueContains', 'keyOrValueContains'] as const) {
      const statement = segmentStatement({
        ...base, filter: { topic: evil, dataType: evil, search: { mode, text: evil } }, segment: 'timed', direction: 'older',
        cursor: { timestamp: '2025-03-01T12:00:00.000000Z', id: '42' },
      });
      assert.ok(!statement.text.includes('DROP'), `${mode}: the text holds no user input`);
      assert.ok(statement.values.includes(evil), `${mode}: the topic is a parameter`);
    }
    const contains = segmentStatement({ ...base, filter: { search: { mode: 'valueContains', text: '50%_' } }, segment: 'timed', direction: 'older' });
    assert.ok(contains.values.includes('%50\\%\\_%'));
    assert.match(contains.text, /value_text ILIKE \$1 ESCAPE E'\\\\' OR value_json::text ILIKE \$1/);
  });

  it('pages by a row-value comparison in the index order, never with OFFSET', () => {
    const older = segmentStatement({ ...base, filter: {}, segment: 'timed', direction: 'older', cursor: { timestamp: '2025-03-01T12:00:00.000001Z', id: '7' } });
    assert.match(older.text, /\(message_timestamp, id\) < \(\$1::timestamptz, \$2::bigint\)/);
    assert.match(older.text, /ORDER BY h\.message_timestamp DESC, h\.id DESC LIMIT \$3$/);
    assert.doesNotMatch(older.text, /\bOFFSET\s+(\$\d+|\d+)/i);
    assert.deepEqual(older.values, ['2025-03-01T12:00:00.000001Z', '7', 51]);
    const newer = segmentStatement({ ...base, filter: {}, segment: 'untimed', direction: 'newer', cursor: { timestamp: null, id: '9' } });
    assert.match(newer.text, /message_timestamp IS NULL AND id > \$1::bigint ORDER BY h\.id ASC/);
  });

  it('turns a day into a half-open range on the timestamp in the time zone, and checks it', () => {
    const statement = segmentStatement({ ...base, timeZone: 'Europe/Berlin', filter: { day: '2024-02-29', partitions: [0, 2] }, segment: 'timed', direction: 'older' });
    assert.match(statement.text, /message_timestamp >= \(\$1::date::timestamp AT TIME ZONE \$2\) AND message_timestamp < \(\(\$1::date \+ 1\)::timestamp AT TIME ZONE \$2\)/);
    assert.match(statement.text, /"partition" = ANY\(\$3::int\[\]\)/);
    assert.deepEqual(statement.values.slice(0, 3), ['2024-02-29', 'Europe/Berlin', [0, 2]]);
    assert.throws(() => checkDay('2025-02-30'), /is not a day: write it as YYYY-MM-DD/);
    assert.throws(() => checkDay('1 March'), WorkbenchError);
    assert.deepEqual(segmentsOf({}), ['timed', 'untimed']);
    assert.deepEqual(segmentsOf({ day: '2025-01-01' }), ['timed']);
    assert.deepEqual(segmentsOf({ day: null }), ['untimed']);
  });

  it('counts in one GROUP BY and finds partitions with a skip scan', () => {
    const summary = summaryStatement(table, 'UTC');
    assert.match(summary.text, /GROUP BY 1, 2, 3/);
    assert.equal((summary.text.match(/GROUP BY/g) ?? []).length, 1);
    assert.match(partitionsStatement(table, 'orders').text, /WITH RECURSIVE/);
  });
});

const when = new Date('2025-03-01T12:00:10.123Z');

function summaryRow(overrides: Partial<SummaryDbRow> = {}): SummaryDbRow {
  return {
    id: '17', topic: 'orders', partition: 2, offset: '1042', key: 'order-17', key_bytes_head: null, key_bytes_size: null,
    value_kind: 'json', value_preview: '{"id": 17,\n "note": "big"}', value_bytes_head: null, value_size: '27',
    data_type: 'order', message_timestamp: when, consumed_at: new Date('2025-03-01T12:05:00Z'), processed_at: null,
    key_schema_id: null, value_schema_id: null, schema_error: null, cursor_timestamp: '2025-03-01T12:00:10.123456Z', ...overrides,
  };
}

function fullRow(overrides: Partial<FullDbRow> = {}): FullDbRow {
  return {
    id: '17', topic: 'orders', partition: 2, offset: '1042', key: null, key_bytes: Buffer.from([0xca, 0xfe]),
    value_json_text: null, value_text: null, value_bytes: Buffer.from([0, 1, 2, 0xff]),
    headers: [{ key: 'source', value: 'test' }, { key: 'bin', value_base64: 'AQI=' }, { key: 'gone', value: null }],
    data_type: 'order', message_timestamp: when, consumed_at: new Date('2025-03-01T12:05:00Z'),
    consumer_dag_id: 'kafka_batch_consumer', consumer_run_id: 'manual__1', dataset_uri: 'kafka://orders/order',
    processed_at: null, processed_by_dag_id: null, processed_by_run_id: null,
    key_schema_id: null, value_schema_id: null, schema_error: null, cursor_timestamp: null, ...overrides,
  };
}

describe('history rows', () => {
  it('decodes a page row: previews on one line, sizes, cursor', () => {
    const row = summaryFromDb(summaryRow());
    assert.equal(row.valuePreview, '{"id": 17, "note": "big"}');
    assert.equal(row.valueSize, 27);
    assert.equal(row.messageTimestamp, when.getTime());
    assert.deepEqual(row.cursor, { timestamp: '2025-03-01T12:00:10.123456Z', id: '17' });
    const binary = summaryFromDb(summaryRow({ key: null, key_bytes_head: Buffer.from([0xde, 0xad]), key_bytes_size: 2, value_kind: 'bytes', value_preview: null, value_bytes_head: Buffer.from([1, 2]), value_size: 300 }));
    assert.equal(binary.key, '0x de ad (2 bytes)');
    assert.equal(binary.valuePreview, '0x 01 02 … (300 bytes)');
    assert.equal(summaryFromDb(summaryRow({ value_kind: 'null', value_preview: null, value_size: 0 })).valuePreview, '(null)');
    assert.equal(hexPreview(Buffer.alloc(0), 0), '0x  (0 bytes)');
  });

  it('decodes a whole row: bytes, headers, and the Kafka record shape for the inspector', () => {
    const row = rowFromDb(fullRow());
    assert.deepEqual(row.key, { kind: 'bytes', bytes: Buffer.from([0xca, 0xfe]) });
    assert.deepEqual(row.headers, [{ key: 'source', value: 'test' }, { key: 'bin', value: Buffer.from([1, 2]) }, { key: 'gone', value: null }]);
    const record = rowAsKafkaRecord(row);
    assert.deepEqual(record.value, Buffer.from([0, 1, 2, 0xff]));
    assert.equal(record.timestamp, when.getTime());
    assert.equal(record.size, 2 + 4 + 'source'.length + 4 + 'bin'.length + 2 + 'gone'.length);
    const json = rowFromDb(fullRow({ value_json_text: '{"a": [1, 2]}', value_bytes: null }));
    assert.deepEqual(json.value, { kind: 'json', json: { a: [1, 2] }, text: '{"a": [1, 2]}' });
    assert.deepEqual(headersFromDb({ legacy: 'shape' }), [{ key: 'legacy', value: 'shape' }]);
    assert.deepEqual(headersFromDb([42]), [{ key: '#1', value: '42' }]);
  });
});

describe('history errors', () => {
  const context = { host: '127.0.0.1', port: 5432, database: 'workbench', user: 'workbench', ssl: false, timeoutMs: 15_000, table: 'message_history' };

  it('names the timeout setting when the server cancels a slow statement (SQLSTATE 57014)', () => {
    const error = historyError(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }), context);
    assert.match(error.message, /took longer than 15 s .* raise kafkaAirflow\.requestTimeoutSeconds/);
    assert.ok(error.actions.includes('retry'));
  });

  it('says which grant is missing (SQLSTATE 42501)', () => {
    const error = historyError(Object.assign(new Error('permission denied for table message_history'), { code: '42501' }), context);
    assert.match(error.message, /User workbench may not read message_history .* Grant it SELECT/);
  });

  it('keeps a WorkbenchError as it is and explains a client-side timeout', () => {
    const own = new WorkbenchError('own sentence');
    assert.equal(historyError(own, context), own);
    assert.match(historyError(new Error('timeout expired'), context).message, /did not answer within 15 s/);
  });
});

describe('history presentation', () => {
  const summary = summaryFromDb(summaryRow());

  it('labels a row partition/offset · key · time, in the given time zone', () => {
    assert.equal(rowLabel(summary, 'UTC', false), '2/1042 · order-17 · 12:00:10.123');
    assert.equal(rowLabel(summary, 'Asia/Tokyo', true), '2/1042 · order-17 · 2025-03-01 21:00:10.123');
    assert.equal(rowLabel({ ...summary, key: null, messageTimestamp: null }, 'UTC', false), '2/1042 · (null) · consumed 2025-03-01 12:05:00.000');
    assert.equal(formatHistoryTime(null, 'UTC', true), 'no timestamp');
  });

  it('shows the value preview as plain text in the tooltip', () => {
    const tooltip = rowTooltip({ ...summary, valuePreview: '<b>**not markdown**</b>' }, 'UTC');
    assert.match(tooltip, /orders · partition 2 · offset 1042/);
    assert.match(tooltip, /<b>\*\*not markdown\*\*<\/b>/);
    assert.match(tooltip, /Processed: not yet/);
  });

  it('labels days and scopes', () => {
    assert.equal(dayLabel('2025-03-01', '2025-03-01'), '2025-03-01 · today');
    assert.equal(dayLabel(null, '2025-03-01'), 'No message timestamp');
    assert.equal(scopeDescription({ topic: 'orders', day: null }), 'in orders / no timestamp');
    assert.equal(scopeDescription({}), '');
  });

  it('writes the row document with bytes as base64 and the journey of the row', () => {
    const document = JSON.parse(rowDocument(rowFromDb(fullRow()))) as Record<string, unknown>;
    assert.deepEqual(document['key'], { base64: 'yv4=', bytes: 2, hex: ['00000000  ca fe                                             |..|'] });
    assert.deepEqual(document['consumer'], { dagId: 'kafka_batch_consumer', runId: 'manual__1', consumedAt: '2025-03-01T12:05:00.000Z' });
    assert.deepEqual(document['datasetEvent'], { uri: 'kafka://orders/order' });
    assert.deepEqual(document['processing'], { state: 'not processed yet' });
  });
});

describe('history rows read from the Confluent wire format', () => {
  it('selects the schema columns of stack/sql/006 on pages and whole rows', () => {
    for (const columns of ['summary', 'full'] as const) {
      const statement = segmentStatement({ ...base, filter: {}, segment: 'timed', direction: 'older', columns });
      assert.match(statement.text, /key_schema_id, value_schema_id, schema_error/, columns);
    }
  });

  it('carries the schema ids and the reason bytes were kept onto the page row and the whole row', () => {
    const decoded = summaryFromDb(summaryRow({ value_schema_id: 7 }));
    assert.deepEqual(decoded.schema, { keySchemaId: null, valueSchemaId: 7, error: null });
    const kept = rowFromDb(fullRow({ key_schema_id: 3, value_schema_id: 99, schema_error: 'value: schema id 99 is not in the registry' }));
    assert.deepEqual(kept.schema, { keySchemaId: 3, valueSchemaId: 99, error: 'value: schema id 99 is not in the registry' });
    assert.deepEqual(summaryFromDb(summaryRow()).schema, { keySchemaId: null, valueSchemaId: null, error: null });
  });

  it('names the schema ids in the row\'s description and tooltip; a plain row says nothing of schemas', () => {
    const decoded = summaryFromDb(summaryRow({ value_schema_id: 7 }));
    assert.equal(schemaSummary(decoded.schema), 'value schema id 7');
    assert.equal(schemaSummary({ keySchemaId: 3, valueSchemaId: 7, error: null }), 'key schema id 3 · value schema id 7');
    assert.equal(schemaSummary({ keySchemaId: null, valueSchemaId: 99, error: 'value: unknown id' }), 'value schema id 99 · not decoded');
    assert.equal(schemaSummary(summaryFromDb(summaryRow()).schema), undefined);
    assert.match(rowTooltip(decoded, 'UTC'), /\nSchema registry id: value 7 \(decoded from the Confluent wire format\)\n/);
    const kept = summaryFromDb(summaryRow({ value_kind: 'bytes', value_preview: null, value_bytes_head: Buffer.from([0, 0, 0, 0, 99]), value_size: 9, value_schema_id: 99, schema_error: 'value: schema id 99 is not in the registry' }));
    assert.match(rowTooltip(kept, 'UTC'), /Schema registry id: value 99 \(in the Confluent wire format\)\nNot decoded, kept as bytes: value: schema id 99 is not in the registry\n/);
    assert.doesNotMatch(rowTooltip(summaryFromDb(summaryRow()), 'UTC'), /[Ss]chema/);
  });

  it('writes the schema ids into the row document', () => {
    const document = JSON.parse(rowDocument(rowFromDb(fullRow({ value_json_text: '{"id": "p-1"}', value_bytes: null, value_schema_id: 7 })))) as Record<string, unknown>;
    assert.deepEqual(document['value'], { id: 'p-1' });
    assert.deepEqual(document['schema'], { keySchemaId: null, valueSchemaId: 7, error: null });
  });
});

describe('history inspector source start', () => {
  const options = { start: 'latest' as const, startValue: '', partitions: [], maxMessages: 100, follow: false };

  it('starts at the row it was opened on, that row included', () => {
    assert.deepEqual(cursorIncluding({ timestamp: 't', id: '9007199254740993' }), { timestamp: 't', id: '9007199254740994' });
    assert.deepEqual(historyStartCursor(options, { timestamp: null, id: '5' }, 0), { timestamp: null, id: '6' });
    assert.equal(historyStartCursor(options, undefined, 0), undefined);
  });

  it('starts at a time, and refuses an offset with a sentence', () => {
    assert.deepEqual(historyStartCursor({ ...options, start: 'timestamp', startValue: '2025-03-01T12:00:00Z' }, undefined, 0), { timestamp: '2025-03-01T12:00:00.001Z', id: '0' });
    assert.throws(() => historyStartCursor({ ...options, start: 'offset', startValue: '5' }, undefined, 0), /a start offset does not apply/);
    assert.throws(() => historyStartCursor({ ...options, start: 'timestamp', startValue: 'soon' }, undefined, 0), /is not a point in time/);
  });
});
