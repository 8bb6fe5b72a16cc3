/**
 * How fast the Message History view pages through a big table. Fills a scratch copy of
 * message_history (stack/sql/001_message_history.sql applied in the schema `history_bench`
 * of the workbench database, so no other rows are touched) with 1,000,000 rows in one
 * INSERT … SELECT generate_series, then times MessageHistoryStore.page (keyset) near the
 * start, the middle and the end of the newest-first order, unfiltered and filtered by topic
 * and data type (and by day), and the same pages fetched with OFFSET as the reference.
 * Prints median and p95 per case and the OFFSET/keyset ratio; the target is a median under
 * 20 ms for every keyset case. Then adds the browse index this benchmark recommends and
 * times the filtered cases again.
 *
 *   node --import tsx bench/history-pages.ts [--rows=1000000] [--runs=40] [--keep]
 *
 * --keep leaves the scratch schema for the next run (which then skips the fill); without it
 * the schema is dropped at the end.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { summaryFromDb, type SummaryDbRow } from '../src/history/decode';
import { MessageHistoryStore } from '../src/history/messageHistoryStore';
import { SUMMARY_COLUMNS, tableName } from '../src/history/sql';
import type { HistoryCursor, HistoryFilter } from '../src/history/types';
import { silentLogger } from '../src/shared/logger';
import { localStack } from '../src/stack/localStack';

const SCHEMA = 'history_bench';
const PAGE = 50;
const TARGET_MS = 20;

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}
const ROWS = flag('rows', 1_000_000);
const RUNS = flag('runs', 40);
const KEEP = process.argv.includes('--keep');

const connection = { ...localStack.history, password: localStack.historyPassword };
const table = tableName(SCHEMA);

function quantile(sorted: readonly number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

async function time(runs: number, action: () => Promise<unknown>): Promise<{ median: number; p95: number }> {
  for (let i = 0; i < 3; i++) await action();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await action();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { median: quantile(samples, 0.5), p95: quantile(samples, 0.95) };
}

async function fill(admin: pg.Client): Promise<void> {
  const existing = await admin.query<{ n: string }>(
    `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'message_history'`, [SCHEMA]);
  if (existing.rows[0]?.n === '1') {
    const rows = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    if (Number(rows.rows[0]?.n) === ROWS) {
      console.log(`Reusing ${SCHEMA}.message_history with ${ROWS.toLocaleString('en-US')} rows (--keep of an earlier run).`);
      return;
    }
  }
  await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(SCHEMA)} CASCADE`);
  await admin.query(`CREATE SCHEMA ${pg.escapeIdentifier(SCHEMA)}`);
  await admin.query(`SET search_path TO ${pg.escapeIdentifier(SCHEMA)}`);
  // Every migration of stack/sql, in order, as the consumer DAG applies them.
  const sqlDir = path.join(__dirname, '..', 'stack', 'sql');
  for (const file of readdirSync(sqlDir).filter((f) => f.endsWith('.sql')).sort()) {
    await admin.query(readFileSync(path.join(sqlDir, file), 'utf8'));
  }
  await admin.query('RESET search_path');
  const started = performance.now();
  // Five topics and four data types, independent of each other (each pair holds 1/20 of the
  // rows), plus a rare topic with one row in a thousand; one message every 2 s from
  // 2025-01-01, i.e. about 23 days; JSON values with some text to search in.
  await admin.query(`
    INSERT INTO ${table} (topic, "partition", "offset", key, value_json, data_type, message_timestamp, consumed_at,
                          consumer_dag_id, consumer_run_id, dataset_uri)
    SELECT CASE WHEN g % 1000 = 0 THEN 'bench-rare' ELSE 'bench-' || (g % 5) END,
           g % 6, g, 'key-' || g,
           jsonb_build_object('data_type', (ARRAY['order','payment','page_view','sensor_reading'])[1 + g % 4],
                              'seq', g, 'amount', (g::bigint * 7919) % 10000, 'note', md5(g::text)),
           (ARRAY['order','payment','page_view','sensor_reading'])[1 + g % 4],
           timestamptz '2025-01-01 00:00:00+00' + g * interval '2 seconds',
           timestamptz '2025-01-01 00:05:00+00' + g * interval '2 seconds',
           'kafka_batch_consumer', 'scheduled__' || (g / 10000),
           'kafka://bench/' || (ARRAY['order','payment','page_view','sensor_reading'])[1 + g % 4]
    FROM generate_series(1, $1::int) AS g`, [ROWS]);
  console.log(`Filled ${ROWS.toLocaleString('en-US')} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await admin.query(`VACUUM ANALYZE ${table}`);
}

/** The conditions of a filter as plain SQL for the OFFSET reference and for finding cursors. */
function referenceWhere(filter: HistoryFilter): { sql: string; values: unknown[] } {
  const parts = ['message_timestamp IS NOT NULL'];
  const values: unknown[] = [];
  if (filter.topic) { values.push(filter.topic); parts.push(`topic = $${values.length}`); }
  if (filter.dataType) { values.push(filter.dataType); parts.push(`data_type = $${values.length}`); }
  if (typeof filter.day === 'string') {
    values.push(filter.day);
    parts.push(`message_timestamp >= ($${values.length}::date::timestamp AT TIME ZONE 'UTC') AND message_timestamp < (($${values.length}::date + 1)::timestamp AT TIME ZONE 'UTC')`);
  }
  return { sql: parts.join(' AND '), values };
}

interface Case {
  name: string;
  filter: HistoryFilter;
}

async function runCases(admin: pg.Client, store: MessageHistoryStore, cases: readonly Case[], label: string): Promise<boolean> {
  console.log(`\n${label}`);
  console.log(`${'case'.padEnd(44)}${'position'.padStart(10)}${'keyset median'.padStart(15)}${'p95'.padStart(9)}${'OFFSET median'.padStart(15)}${'p95'.padStart(9)}${'OFFSET/keyset'.padStart(15)}  plan`);
  let allUnder = true;
  for (const { name, filter } of cases) {
    const where = referenceWhere(filter);
    const total = Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ${where.sql}`, where.values)).rows[0]?.n);
    const positions: [string, number][] = [['start', 0], ['middle', Math.floor(total / 2)], ['end', Math.max(0, total - PAGE - 1)]];
    for (const [where_, skip] of positions) {
      // The cursor of the row just above the page, found once (with OFFSET, outside the timing).
      let cursor: HistoryCursor | undefined;
      if (skip > 0) {
        const row = await admin.query<{ id: string; ts: string }>(
          `SELECT id::text AS id, to_char(message_timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts FROM ${table} AS h
           WHERE ${where.sql} ORDER BY h.message_timestamp DESC, h.id DESC OFFSET ${skip - 1} LIMIT 1`, where.values);
        const found = row.rows[0];
        if (!found) throw new Error(`No row at position ${skip} for ${name}`);
        cursor = { timestamp: found.ts, id: found.id };
      }
      const keyset = await time(RUNS, () => store.page({ ...filter, limit: PAGE, ...(cursor ? { after: cursor } : {}) }));
      const offsetSql = `SELECT ${SUMMARY_COLUMNS} FROM ${table} AS h WHERE ${where.sql} ORDER BY h.message_timestamp DESC, h.id DESC LIMIT ${PAGE + 1} OFFSET ${skip}`;
      const offset = await time(Math.max(5, Math.round(RUNS / 4)), async () => {
        const result = await admin.query<SummaryDbRow>(offsetSql, where.values);
        return result.rows.map(summaryFromDb);
      });
      // Check both fetch the same page, so the comparison is fair.
      const a = await store.page({ ...filter, limit: PAGE, ...(cursor ? { after: cursor } : {}) });
      const b = (await admin.query<SummaryDbRow>(offsetSql, where.values)).rows.map(summaryFromDb).slice(0, PAGE);
      if (a.rows.map((r) => r.id).join() !== b.map((r) => r.id).join()) throw new Error(`${name} ${where_}: keyset and OFFSET pages differ`);
      const plan = await explainTop(admin, filter, cursor);
      allUnder &&= keyset.median < TARGET_MS;
      console.log(
        `${name.padEnd(44)}${where_.padStart(10)}${`${keyset.median.toFixed(2)} ms`.padStart(15)}${keyset.p95.toFixed(2).padStart(9)}` +
        `${`${offset.median.toFixed(2)} ms`.padStart(15)}${offset.p95.toFixed(2).padStart(9)}${`${(offset.median / keyset.median).toFixed(1)}x`.padStart(15)}  ${plan}`,
      );
    }
  }
  return allUnder;
}

/** The index the keyset query of a case uses, from EXPLAIN. */
async function explainTop(admin: pg.Client, filter: HistoryFilter, cursor: HistoryCursor | undefined): Promise<string> {
  const { segmentStatement } = await import('../src/history/sql');
  const statement = segmentStatement({ table, filter, timeZone: 'UTC', segment: 'timed', direction: 'older', ...(cursor ? { cursor } : {}), limit: PAGE + 1 });
  const result = await admin.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.text}`, statement.values);
  const lines = result.rows.map((r) => r['QUERY PLAN']);
  const scan = lines.find((l) => /Index|Seq Scan|Bitmap/.test(l)) ?? lines[0] ?? '';
  return scan.trim().replace(/^->\s*/, '').replace(/\s+\(cost.*$/, '');
}

async function main(): Promise<void> {
  const admin = new pg.Client(connection);
  await admin.connect();
  const store = new MessageHistoryStore({ ...connection, schema: SCHEMA, timeZone: 'UTC', requestTimeoutMs: 60_000 }, silentLogger);
  try {
    await fill(admin);
    console.log(`PostgreSQL: ${(await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?'}; ${ROWS.toLocaleString('en-US')} rows; page of ${PAGE}; ${RUNS} timed runs per keyset case (after 3 warm-up runs)`);
    const summary = await time(3, () => store.summary());
    console.log(`summary() (GROUP BY topic, data type, day over the whole table): median ${summary.median.toFixed(0)} ms, p95 ${summary.p95.toFixed(0)} ms`);
    const cases: Case[] = [
      { name: 'all rows', filter: {} },
      { name: 'topic bench-1 + data type payment', filter: { topic: 'bench-1', dataType: 'payment' } },
      { name: 'topic + data type + day 2025-01-12', filter: { topic: 'bench-1', dataType: 'payment', day: '2025-01-12' } },
      { name: 'rare topic (0.1%) + data type order', filter: { topic: 'bench-rare', dataType: 'order' } },
      { name: 'rare topic (0.1%), any data type', filter: { topic: 'bench-rare' } },
    ];
    // A kept schema may hold the browse index from an earlier run: measure without it first.
    await admin.query(`DROP INDEX IF EXISTS ${pg.escapeIdentifier(SCHEMA)}.message_history_browse_idx`);
    await admin.query(`ANALYZE ${table}`);
    const shipped = await runCases(admin, store, cases, 'Indexes of stack/sql/001_message_history.sql');
    await admin.query(`CREATE INDEX IF NOT EXISTS message_history_browse_idx ON ${table} (topic, data_type, message_timestamp, id)`);
    await admin.query(`ANALYZE ${table}`);
    const withIndex = await runCases(admin, store, cases.slice(1), 'With the browse index (topic, data_type, message_timestamp, id) added');
    console.log(`\nTarget: keyset median under ${TARGET_MS} ms in every case: ${shipped ? 'met' : 'NOT met'} with the shipped indexes, ${withIndex ? 'met' : 'NOT met'} with the browse index.`);
  } finally {
    await store.dispose();
    if (!KEEP) await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(SCHEMA)} CASCADE`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
