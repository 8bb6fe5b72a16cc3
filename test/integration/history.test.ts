/**
 * MessageHistoryStore against the native stack's PostgreSQL (127.0.0.1:5432, database
 * workbench). The table is made from stack/sql/001_message_history.sql in a scratch schema
 * of its own, so the test never reads or deletes other engineers' rows; the schema is
 * dropped at the end. What is checked is what a user sees in the Message History view:
 * counts per topic/type/day, pages without duplicates or gaps in both directions, search
 * that takes %, _ and quotes literally, binary values byte for byte, and errors that say
 * what to do when the password, the port, the database or the table is wrong.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { faker } from '@faker-js/faker';
import pg from 'pg';
import { MessageHistoryStore } from '../../src/history/messageHistoryStore';
import { HistoryInspectorSource } from '../../src/panels/historyInspectorSource';
import type { HistoryCursor, HistoryFilter, HistoryPage, HistoryRowSummary, HistoryStoreConfig } from '../../src/history/types';
import { WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';
import { localStack } from '../../src/stack/localStack';
import { freePort } from './kafkaTools';

const root = join(import.meta.dirname, '..', '..');
const schema = `history_test_${process.pid}_${Date.now().toString(36)}`;
const connection = { ...localStack.history, password: localStack.historyPassword };
const config: HistoryStoreConfig = { ...connection, schema, timeZone: 'UTC', requestTimeoutMs: 5_000 };

interface Inserted {
  id: string;
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  keyBytes: Buffer | null;
  valueJson: unknown;
  valueText: string | null;
  valueBytes: Buffer | null;
  dataType: string;
  timestamp: string | null;
}

const inserted: Inserted[] = [];
let admin: pg.Client;
let store: MessageHistoryStore;

const TOPICS = ['orders', 'payments', 'clicks'];
const TYPES = ['order', 'payment', 'page_view'];
const DAYS = ['2025-03-01', '2025-03-02', '2025-03-03'];
const INJECTION = `x'); DROP TABLE message_history; --`;

async function insert(row: Omit<Inserted, 'id'> & { headers?: unknown; consumerRunId?: string; datasetUri?: string; processedByRunId?: string }): Promise<void> {
  const result = await admin.query<{ id: string }>(
    `INSERT INTO message_history (topic, "partition", "offset", key, key_bytes, value_json, value_text, value_bytes, headers, data_type,
       message_timestamp, consumer_dag_id, consumer_run_id, dataset_uri, processed_at, processed_by_dag_id, processed_by_run_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'kafka_batch_consumer', $12, $13, $14, $15, $16) RETURNING id::text AS id`,
    [
      row.topic, row.partition, row.offset, row.key, row.keyBytes,
      row.valueJson === undefined ? null : JSON.stringify(row.valueJson), row.valueText, row.valueBytes,
      row.headers === undefined ? null : JSON.stringify(row.headers), row.dataType, row.timestamp,
      row.consumerRunId ?? null, row.datasetUri ?? null,
      row.processedByRunId ? '2025-03-04T00:00:00Z' : null, row.processedByRunId ? `process_${row.dataType}` : null, row.processedByRunId ?? null,
    ],
  );
  inserted.push({ ...row, id: result.rows[0]!.id });
}

/** Microseconds since the epoch of an ISO time with up to six fraction digits (Date keeps only ms). */
function micros(iso: string): bigint {
  const match = /^(.*?)(?:\.(\d{1,6}))?Z$/.exec(iso)!;
  return BigInt(Date.parse(`${match[1]!}Z`)) * 1000n + BigInt((match[2] ?? '').padEnd(6, '0'));
}

/** The order the view lists rows in: newest timestamp first, id breaking ties, untimed rows last. */
function expectedOrder(rows: readonly Inserted[]): string[] {
  const timed = rows.filter((r) => r.timestamp !== null).sort((a, b) => {
    const t = micros(b.timestamp!) - micros(a.timestamp!);
    return t !== 0n ? (t > 0n ? 1 : -1) : Number(b.id) - Number(a.id);
  });
  const untimed = rows.filter((r) => r.timestamp === null).sort((a, b) => Number(b.id) - Number(a.id));
  return [...timed, ...untimed].map((r) => r.id);
}

async function allPagesDown(filter: HistoryFilter, limit: number): Promise<{ ids: string[]; pages: HistoryPage[] }> {
  const pages: HistoryPage[] = [];
  let cursor: HistoryCursor | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await store.page({ ...filter, limit, ...(cursor ? { after: cursor } : {}) });
    pages.push(page);
    if (!page.older) break;
    cursor = page.older;
  }
  return { ids: pages.flatMap((p) => p.rows.map((r) => r.id)), pages };
}

/** Starts the inspector source on everything in its scope and waits (at most 10 s) until it has read it all. */
async function readAll(source: HistoryInspectorSource): Promise<void> {
  const finished = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`still ${source.status().state} after 10 s`)); }, 10_000);
    source.onDidChange(() => {
      if (source.status().state !== 'loading') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  source.start({ start: 'latest', startValue: '', partitions: [], maxMessages: 1000, follow: false });
  await finished;
  assert.equal(source.status().state, 'done', source.status().message);
}

async function expectWorkbenchError(promise: Promise<unknown>, pattern: RegExp): Promise<WorkbenchError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof WorkbenchError, `expected a WorkbenchError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return error;
  }
  assert.fail(`expected an error matching ${pattern}`);
}

describe('MessageHistoryStore on the native PostgreSQL', () => {
  before(async () => {
    admin = new pg.Client(connection);
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
    await admin.query(`SET search_path TO ${pg.escapeIdentifier(schema)}`);
    // The schema as the project ships it: the migration file, applied whole.
    await admin.query(readFileSync(join(root, 'stack', 'sql', '001_message_history.sql'), 'utf8'));
    // The schema registry ids of wire-format messages (the columns the view reads).
    await admin.query(readFileSync(join(root, 'stack', 'sql', '006_message_history_schema_ids.sql'), 'utf8'));

    faker.seed(42);
    let offset = 0;
    // 3 topics x 3 types x 3 days, a different number of rows in each cell, several rows per
    // second so that equal timestamps must be told apart by id.
    for (const [t, topic] of TOPICS.entries()) {
      for (const [d, dataType] of TYPES.entries()) {
        for (const [y, day] of DAYS.entries()) {
          const count = 1 + ((t * 9 + d * 3 + y) % 5);
          for (let i = 0; i < count; i++) {
            const second = String(10 + (i % 3)).padStart(2, '0');
            await insert({
              topic, partition: i % 2, offset: offset++,
              key: `${dataType}-${faker.string.alphanumeric(6)}`, keyBytes: null,
              valueJson: { data_type: dataType, id: faker.string.uuid(), amount: faker.number.int({ max: 999 }), note: faker.lorem.words(3) },
              valueText: null, valueBytes: null, dataType,
              timestamp: `${day}T12:00:${second}.${String(123456 + i).padStart(6, '0')}Z`,
            });
          }
        }
      }
    }
    // Rows that exercise search, text, binary values and missing timestamps.
    await insert({ topic: 'orders', partition: 0, offset: offset++, key: 'promo%_2025', keyBytes: null, valueJson: { data_type: 'order', note: '50% off_today' }, valueText: null, valueBytes: null, dataType: 'order', timestamp: '2025-03-02T08:00:00Z' });
    await insert({ topic: 'orders', partition: 0, offset: offset++, key: 'promoX2025', keyBytes: null, valueJson: { data_type: 'order', note: '50 off today' }, valueText: null, valueBytes: null, dataType: 'order', timestamp: '2025-03-02T08:00:01Z' });
    await insert({ topic: 'orders', partition: 1, offset: offset++, key: 'quote-row', keyBytes: null, valueJson: undefined, valueText: `plain text with ${INJECTION} inside`, valueBytes: null, dataType: 'order', timestamp: '2025-03-02T09:00:00Z' });
    await insert({
      topic: 'payments', partition: 0, offset: offset++, key: null, keyBytes: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
      valueJson: undefined, valueText: null, valueBytes: Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]), dataType: 'payment', timestamp: '2025-03-03T23:30:00Z',
      headers: [{ key: 'source', value: 'test' }, { key: 'trace', value_base64: Buffer.from([1, 2, 3]).toString('base64') }],
      consumerRunId: 'manual__2025-03-04T00:00:00', datasetUri: 'kafka://payments/payment', processedByRunId: 'dataset_triggered__2025-03-04T00:01:00',
    });
    for (let i = 0; i < 4; i++) {
      await insert({ topic: 'clicks', partition: 0, offset: offset++, key: `untimed-${i}`, keyBytes: null, valueJson: undefined, valueText: `untimed ${i}`, valueBytes: null, dataType: 'page_view', timestamp: null });
    }
    store = new MessageHistoryStore(config, silentLogger);
  });

  after(async () => {
    await store.dispose();
    await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    await admin.end();
  });

  it('counts rows per topic, data type and day in one summary', async () => {
    const summary = await store.summary();
    assert.equal(summary.total, inserted.length);
    const expected = new Map<string, number>();
    for (const r of inserted) {
      const k = `${r.topic}|${r.dataType}|${r.timestamp === null ? 'null' : r.timestamp.slice(0, 10)}`;
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    const actual = new Map(summary.counts.map((c) => [`${c.topic}|${c.dataType}|${c.day ?? 'null'}`, c.count]));
    assert.deepEqual(actual, expected);
    // Days newest first within a data type, the untimed bucket last.
    const clicksViews = summary.counts.filter((c) => c.topic === 'clicks' && c.dataType === 'page_view').map((c) => c.day);
    assert.deepEqual(clicksViews, ['2025-03-03', '2025-03-02', '2025-03-01', null]);
  });

  it('cuts days in the time zone it is given', async () => {
    const berlin = new MessageHistoryStore({ ...config, timeZone: 'Europe/Berlin' }, silentLogger);
    try {
      const summary = await berlin.summary();
      // 2025-03-03T23:30Z is 00:30 on 4 March in Berlin.
      const payments = summary.counts.filter((c) => c.topic === 'payments' && c.dataType === 'payment');
      assert.equal(payments.find((c) => c.day === '2025-03-04')?.count, 1);
      const page = await berlin.page({ topic: 'payments', dataType: 'payment', day: '2025-03-04', limit: 10 });
      assert.deepEqual(page.rows.map((r) => r.keyKind), ['bytes']);
    } finally {
      await berlin.dispose();
    }
  });

  it('pages through every row newest first, without duplicates or gaps, and back again', async () => {
    const expected = expectedOrder(inserted);
    const { ids, pages } = await allPagesDown({}, 7);
    assert.equal(new Set(ids).size, ids.length, 'no row twice');
    assert.deepEqual(ids, expected);
    assert.equal(pages[0]!.newer, null, 'the first page has nothing newer');
    assert.equal(pages.at(-1)!.older, null, 'the last page has nothing older');
    // Back up from the last page to the first with `before`.
    const upwards: string[][] = [];
    let cursor = pages.at(-1)!.newer;
    while (cursor) {
      const page = await store.page({ limit: 7, before: cursor });
      upwards.unshift(page.rows.map((r) => r.id));
      cursor = page.newer;
    }
    assert.deepEqual([...upwards.flat(), ...pages.at(-1)!.rows.map((r) => r.id)], expected);
  });

  it('pages a topic → data type → day with the same guarantees', async () => {
    const filter = { topic: 'orders', dataType: 'order', day: '2025-03-02' };
    const rows = inserted.filter((r) => r.topic === 'orders' && r.dataType === 'order' && r.timestamp?.startsWith('2025-03-02'));
    assert.ok(rows.length >= 4);
    const { ids } = await allPagesDown(filter, 2);
    assert.deepEqual(ids, expectedOrder(rows));
    const untimed = await allPagesDown({ topic: 'clicks', day: null }, 3);
    assert.deepEqual(untimed.ids, expectedOrder(inserted.filter((r) => r.timestamp === null)));
  });

  it('finds rows by exact key and key prefix, taking % and _ literally', async () => {
    const exact = await store.page({ search: { mode: 'keyEquals', text: 'promo%_2025' }, limit: 50 });
    assert.deepEqual(exact.rows.map((r) => r.key), ['promo%_2025']);
    const prefix = await store.page({ search: { mode: 'keyStartsWith', text: 'promo%' }, limit: 50 });
    assert.deepEqual(prefix.rows.map((r) => r.key), ['promo%_2025'], '% is not a wildcard: promoX2025 must not match');
    const underscore = await store.page({ search: { mode: 'keyStartsWith', text: 'promo_' }, limit: 50 });
    assert.deepEqual(underscore.rows, [], '_ is not a wildcard');
  });

  it('finds text in JSON and text values, case-insensitively and literally', async () => {
    const percent = await store.page({ search: { mode: 'valueContains', text: '50% OFF_' }, limit: 50 });
    assert.deepEqual(percent.rows.map((r) => r.key), ['promo%_2025']);
    const injection = await store.page({ search: { mode: 'valueContains', text: INJECTION }, limit: 50 });
    assert.deepEqual(injection.rows.map((r) => r.key), ['quote-row']);
    assert.match(injection.rows[0]!.valuePreview, /DROP TABLE message_history/);
    const either = await store.page({ search: { mode: 'keyOrValueContains', text: 'UNTIMED-2' }, topic: 'clicks', limit: 50 });
    assert.deepEqual(either.rows.map((r) => r.key), ['untimed-2']);
    // The table is still there and whole.
    assert.equal((await store.summary()).total, inserted.length);
    await expectWorkbenchError(store.page({ search: { mode: 'valueContains', text: '' }, limit: 5 }), /Type the key or the text/);
  });

  it('returns binary keys and values byte for byte, with the runs and dataset of the row', async () => {
    const binary = inserted.find((r) => r.valueBytes !== null)!;
    const row = await store.findByCoordinates(binary.topic, binary.partition, String(binary.offset));
    assert.ok(row);
    assert.equal(row.id, binary.id);
    assert.deepEqual(row.key, { kind: 'bytes', bytes: Buffer.from([0xde, 0xad, 0xbe, 0xef]) });
    assert.deepEqual(row.value, { kind: 'bytes', bytes: Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]) });
    assert.deepEqual(row.headers, [{ key: 'source', value: 'test' }, { key: 'trace', value: Buffer.from([1, 2, 3]) }]);
    assert.equal(row.consumerRunId, 'manual__2025-03-04T00:00:00');
    assert.equal(row.datasetUri, 'kafka://payments/payment');
    assert.equal(row.processedByRunId, 'dataset_triggered__2025-03-04T00:01:00');
    assert.equal(row.messageTimestamp, Date.parse('2025-03-03T23:30:00Z'));
    const page = await store.page({ topic: 'payments', search: { mode: 'keyOrValueContains', text: 'nothing-like-this' }, limit: 5 });
    assert.deepEqual(page.rows, []);
    const listed = (await allPagesDown({ topic: 'payments', dataType: 'payment', day: '2025-03-03' }, 50)).pages[0]!.rows.find((r) => r.id === binary.id) as HistoryRowSummary;
    assert.equal(listed.valuePreview, '0x 00 ff 10 80 7f (5 bytes)');
    assert.equal(listed.key, '0x de ad be ef (4 bytes)');
  });

  it('decodes JSON and text values and reports a missing row as undefined', async () => {
    const json = inserted.find((r) => r.valueJson !== null && r.valueJson !== undefined)!;
    const row = await store.get(json.id);
    assert.ok(row?.value.kind === 'json');
    assert.deepEqual(row.value.json, json.valueJson);
    const text = inserted.find((r) => r.valueText !== null)!;
    assert.deepEqual((await store.get(text.id))?.value, { kind: 'text', text: text.valueText });
    assert.equal(await store.get('999999999'), undefined);
    assert.equal(await store.findByCoordinates('orders', 0, '123456789'), undefined);
    await expectWorkbenchError(store.get('1; DROP TABLE x'), /whole number/);
  });

  it('says to re-enter the password when PostgreSQL refuses it', async () => {
    const wrong = new MessageHistoryStore({ ...config, password: 'not-the-password' }, silentLogger);
    try {
      const error = await expectWorkbenchError(wrong.summary(), /PostgreSQL refused the password for user workbench: re-enter it/);
      assert.ok(error.actions.some((a) => typeof a === 'object' && a.command === 'kafkaAirflow.setHistoryConnection'));
    } finally {
      await wrong.dispose();
    }
  });

  it('says the server refused the connection on a closed port', async () => {
    const port = await freePort();
    const closed = new MessageHistoryStore({ ...config, port }, silentLogger);
    try {
      const error = await expectWorkbenchError(closed.page({ limit: 5 }), new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:${port} refused the connection`));
      assert.ok(error.actions.includes('retry'));
    } finally {
      await closed.dispose();
    }
  });

  it('names a database that does not exist and a missing table', async () => {
    const noDb = new MessageHistoryStore({ ...config, database: `no_such_db_${process.pid}` }, silentLogger);
    const noTable = new MessageHistoryStore({ ...config, schema: 'pg_catalog' }, silentLogger);
    try {
      await expectWorkbenchError(noDb.summary(), /Database no_such_db_\d+ does not exist on PostgreSQL at 127\.0\.0\.1:5432/);
      await expectWorkbenchError(noTable.summary(), /The database has no message_history table yet: start the batch consumer once or run stack\/sql\/001_message_history\.sql/);
    } finally {
      await noDb.dispose();
      await noTable.dispose();
    }
  });

  it('feeds the Message Inspector whole rows of a day, newest first, from the row it was opened on', async () => {
    const scope = { topic: 'orders', dataType: 'order', day: '2025-03-02' };
    const expected = expectedOrder(inserted.filter((r) => r.topic === 'orders' && r.dataType === 'order' && r.timestamp?.startsWith('2025-03-02')));
    const opened = (await store.page({ ...scope, limit: 50 })).rows[2]!;
    const source = new HistoryInspectorSource({ store: () => Promise.resolve(store), scope, title: 'orders / order / 2025-03-02', database: 'workbench', startAt: opened.cursor, log: silentLogger });
    try {
      const description = await source.describe();
      assert.deepEqual(description.partitions, [0, 1]);
      await readAll(source);
      const { rows, matched } = source.rows(0, 100);
      const byOffset = new Map(inserted.map((r) => [String(r.offset), r.id]));
      assert.equal(matched, expected.length - 2);
      assert.deepEqual(rows.map((r) => byOffset.get(r.offset)), expected.slice(2), 'starts at the opened row and goes on older');
      const quote = rows.find((r) => byOffset.get(r.offset) === inserted.find((i) => i.key === 'quote-row')!.id)!;
      assert.equal(source.record(quote.id)?.value?.toString('utf8'), `plain text with ${INJECTION} inside`);
    } finally {
      source.dispose();
    }
  });

  it('gives the inspector\'s detail of a history row its consumer run, dataset and processing run', async () => {
    const scope = { topic: 'payments', dataType: 'payment', day: '2025-03-03' };
    const source = new HistoryInspectorSource({ store: () => Promise.resolve(store), scope, title: 'payments / payment / 2025-03-03', database: 'workbench', log: silentLogger });
    try {
      await readAll(source);
      const { rows } = source.rows(0, 100);
      const binary = rows.find((r) => r.offset === String(inserted.find((i) => i.keyBytes !== null && i.topic === 'payments')!.offset))!;
      const pipeline = source.pipeline(binary.id);
      assert.equal(pipeline?.consumerDagId, 'kafka_batch_consumer');
      assert.equal(pipeline.consumerRunId, 'manual__2025-03-04T00:00:00');
      assert.equal(pipeline.datasetUri, 'kafka://payments/payment');
      assert.equal(pipeline.processedByDagId, 'process_payment');
      assert.equal(pipeline.processedByRunId, 'dataset_triggered__2025-03-04T00:01:00');
      assert.equal(pipeline.processedAt, Date.parse('2025-03-04T00:00:00Z'));
      // A row the consumer loaded but nothing processed yet.
      const other = rows.find((r) => r.id !== binary.id)!;
      const unprocessed = source.pipeline(other.id);
      assert.equal(unprocessed?.consumerDagId, 'kafka_batch_consumer');
      assert.equal(unprocessed.processedByRunId, null);
      assert.equal(unprocessed.processedAt, null);
    } finally {
      source.dispose();
    }
  });

  it('fails with a sentence after dispose instead of hanging', async () => {
    const closing = new MessageHistoryStore(config, silentLogger);
    await closing.dispose();
    await expectWorkbenchError(closing.summary(), /was closed/);
  });
});
