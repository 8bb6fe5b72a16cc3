/**
 * The inspector's CSV (and JSON) export of N message-history rows (1,000,000 by default), the
 * way the panel exports them: the rows are held in memory first, as the inspector holds them,
 * then written to a file. Two writers, each in a fresh child process so one's garbage is not
 * the other's memory:
 *
 * - `string`: the export as one string, then one writeFile (what the panel did before);
 * - `stream`: csvChunks/jsonChunks (src/kafka/export.ts) written chunk by chunk with
 *   writeChunks (src/kafka/exportFile.ts), what the panel does now.
 *
 * Each prints the time of the export and the extra peak memory it took: the process's RSS
 * high-water mark (VmHWM) after the export less the one before it, when only the rows were held.
 * Beside them, when the native stack's PostgreSQL answers, `psql \copy` writes the same number
 * of rows to CSV, with its time and peak RSS (from /usr/bin/time): from the scratch table that
 * `bench/history-pages.ts --keep` leaves (history_bench.message_history), or else from the same
 * rows made by generate_series.
 *
 *   node --import tsx bench/export.ts [--rows=1000000] [--format=csv|json]
 *
 * The rows are made here, shaped like the scratch table's (a JSON value with data_type, seq,
 * amount and an md5-like note; key "key-N"; one header), so both sides write similar bytes.
 * Files go to a temporary folder, removed at the end.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import * as net from 'node:net';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { csvChunks, jsonChunks, recordsToCsv, recordsToJson } from '../src/kafka/export';
import { writeChunks } from '../src/kafka/exportFile';
import type { KafkaRecord } from '../src/kafka/types';
import { localStack } from '../src/stack/localStack';
import { procMemory } from './lib/inspectorChild';
import { flag, fmt, mib } from './lib/kafkaBench';

const ROWS = flag('rows', 1_000_000);
const FORMAT = process.argv.includes('--format=json') ? 'json' : 'csv';
const TYPES = ['order', 'payment', 'page_view', 'sensor_reading'];

function recordOf(g: number): KafkaRecord {
  const dataType = TYPES[g % 4] ?? 'order';
  const value = Buffer.from(JSON.stringify({ data_type: dataType, seq: g, amount: (g * 7919) % 10000, note: createHash('md5').update(String(g)).digest('hex') }));
  const key = Buffer.from(`key-${g}`);
  const headers = [{ key: 'data_type', value: Buffer.from(dataType) }];
  return {
    topic: `bench-${g % 5}`, partition: g % 6, offset: String(g), timestamp: Date.UTC(2025, 0, 1) + g * 2000,
    key, value, headers, size: key.length + value.length + 9 + dataType.length,
  };
}

interface ChildResult {
  writer: string;
  ms: number;
  heldBytes: number;
  extraPeakBytes: number;
  fileBytes: number;
}

/** In the child: hold the rows, then export them with `writer`; prints a ChildResult as JSON. */
async function child(writer: 'string' | 'stream', file: string): Promise<void> {
  const records: KafkaRecord[] = [];
  for (let g = 1; g <= ROWS; g++) records.push(recordOf(g));
  const before = procMemory('self');
  if (!before) throw new Error('This benchmark reads /proc/self/status: run it on Linux.');
  const started = performance.now();
  if (writer === 'string') {
    await writeFile(file, FORMAT === 'json' ? recordsToJson(records) : recordsToCsv(records), 'utf8');
  } else {
    await writeChunks(file, FORMAT === 'json' ? jsonChunks(records) : csvChunks(records));
  }
  const ms = performance.now() - started;
  const after = procMemory('self') ?? before;
  const result: ChildResult = { writer, ms, heldBytes: before.rss, extraPeakBytes: Math.max(0, after.hwm - before.hwm), fileBytes: statSync(file).size };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(writer: 'string' | 'stream', file: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', __filename, `--child=${writer}`, `--file=${file}`, `--rows=${ROWS}`, `--format=${FORMAT}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`The ${writer} export exited with ${code} (out of memory? the string writer needs the whole file in memory)`));
        return;
      }
      resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as ChildResult);
    });
  });
}

/** Whether something accepts TCP connections at host:port within 3 s. */
function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.setTimeout(3000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => { resolve(false); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

/** psql \copy of ROWS rows of the scratch table, timed by /usr/bin/time; undefined (with the reason printed) when it cannot run. */
async function psqlCopy(file: string): Promise<{ ms: number; peakBytes: number; fileBytes: number } | undefined> {
  const { host, port, database, user } = localStack.history;
  if (!(await portAnswers(host, port))) {
    console.log(`psql \\copy: skipped, PostgreSQL at ${host}:${port} does not answer (bash stack/native/stack.sh up postgres).`);
    return undefined;
  }
  // The scratch table of bench/history-pages.ts --keep when it is there; else the same rows made
  // by generate_series as that benchmark fills them (PostgreSQL still encodes and sends every row).
  const table = await new Promise<boolean>((resolve) => {
    execFile('psql', ['-X', '-qtA', '-h', host, '-p', String(port), '-U', user, '-d', database, '-c', "SELECT to_regclass('history_bench.message_history') IS NOT NULL"],
      { env: { ...process.env, PGPASSWORD: localStack.historyPassword } }, (error, stdout) => { resolve(!error && stdout.trim() === 't'); });
  });
  const query = table
    ? `SELECT topic, "partition", "offset", message_timestamp, key, value_json, data_type FROM history_bench.message_history ORDER BY id LIMIT ${ROWS}`
    : `SELECT 'bench-' || (g % 5) AS topic, g % 6 AS "partition", g AS "offset", timestamptz '2025-01-01 00:00:00+00' + g * interval '2 seconds' AS message_timestamp,
        'key-' || g AS key, jsonb_build_object('data_type', (ARRAY['order','payment','page_view','sensor_reading'])[1 + g % 4], 'seq', g, 'amount', (g::bigint * 7919) % 10000, 'note', md5(g::text)) AS value_json,
        (ARRAY['order','payment','page_view','sensor_reading'])[1 + g % 4] AS data_type
       FROM generate_series(1, ${ROWS}) AS g`.replace(/\s+/g, ' ');
  console.log(`psql \\copy reads ${table ? 'history_bench.message_history' : 'rows made by generate_series (no scratch table)'}.`);
  const env = { ...process.env, PGPASSWORD: localStack.historyPassword };
  const started = performance.now();
  return new Promise((resolve) => {
    execFile('/usr/bin/time', ['-f', '%M', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', user, '-d', database,
      '-c', `\\copy (${query}) TO '${file}' WITH (FORMAT csv, HEADER)`], { env }, (error, _stdout, stderr) => {
      const ms = performance.now() - started;
      if (error) {
        console.log(`psql \\copy: failed, ${stderr.trim().split('\n')[0] ?? error.message}`);
        resolve(undefined);
        return;
      }
      const peakKb = Number(stderr.trim().split('\n').at(-1));
      resolve({ ms, peakBytes: peakKb * 1024, fileBytes: statSync(file).size });
    });
  });
}

async function main(): Promise<void> {
  const childArg = process.argv.find((a) => a.startsWith('--child='));
  if (childArg) {
    const file = process.argv.find((a) => a.startsWith('--file='))?.slice('--file='.length) ?? '';
    await child(childArg.slice('--child='.length) === 'string' ? 'string' : 'stream', file);
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'kaw-export-bench-'));
  try {
    console.log(`Exporting ${fmt(ROWS)} history rows as ${FORMAT.toUpperCase()}, held in memory first as the inspector holds them.`);
    for (const writer of ['stream', 'string'] as const) {
      try {
        const r = await runChild(writer, path.join(dir, `${writer}.${FORMAT}`));
        console.log(`${writer === 'stream' ? 'streamed in chunks ' : 'one string, writeFile'}: ${fmt(r.ms / 1000, 1)} s, ${fmt(ROWS / (r.ms / 1000))} rows/s, file ${mib(r.fileBytes)}, rows held ${mib(r.heldBytes)} RSS, export's extra peak RSS ${mib(r.extraPeakBytes)}`);
      } catch (error) {
        console.log(`${writer}: ${error instanceof Error ? error.message : String(error)}`);
      }
      rmSync(path.join(dir, `${writer}.${FORMAT}`), { force: true });
    }
    if (FORMAT === 'csv') {
      const copy = await psqlCopy(path.join(dir, 'psql.csv'));
      if (copy) console.log(`psql \\copy (same number of rows, from PostgreSQL): ${fmt(copy.ms / 1000, 1)} s, ${fmt(ROWS / (copy.ms / 1000))} rows/s, file ${mib(copy.fileBytes)}, peak RSS of psql ${mib(copy.peakBytes)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
