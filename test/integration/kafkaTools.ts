/**
 * What the zstd and TLS integration tests use to check KafkaService from the other side:
 * kcat runs whose output keeps keys and values byte for byte (lengths, then the raw bytes),
 * the Kafka jars of the native stack (to start a private broker and to dump a log segment
 * with Kafka's own DumpLogSegments tool), and free ports. Not a test file itself.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';

export interface ToolRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** One message as kcat printed it: keys and values are exact bytes, null when Kafka has null. */
export interface RawRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
}

/** kcat's -f format for parseRawRecords: "partition offset keyLength valueLength\n" then the key and value bytes. */
export const RAW_FORMAT = '%p %o %K %S\\n%k%s';

/** Runs kcat with `args` (the broker and security options included), feeding `input`; kills it after `timeoutMs`. */
export function runKcat(args: string[], input?: Buffer | string, timeoutMs = 30_000): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** Parses kcat output written with RAW_FORMAT, sorted by partition and offset. */
export function parseRawRecords(stdout: Buffer): RawRecord[] {
  const records: RawRecord[] = [];
  let at = 0;
  while (at < stdout.length) {
    const end = stdout.indexOf(0x0a, at);
    assert.ok(end > at, `kcat output is cut at byte ${at}`);
    const [p, o, k, v] = stdout.subarray(at, end).toString('ascii').split(' ').map(Number);
    assert.ok(p !== undefined && o !== undefined && k !== undefined && v !== undefined, 'a kcat header line has four numbers');
    at = end + 1;
    const key = k < 0 ? null : stdout.subarray(at, at + k);
    at += Math.max(k, 0);
    const value = v < 0 ? null : stdout.subarray(at, at + v);
    at += Math.max(v, 0);
    records.push({ partition: p, offset: o, key, value });
  }
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Reads a whole topic with kcat (`connection` holds -b and any -X options) and returns exact bytes. */
export async function kcatReadRaw(connection: string[], topic: string): Promise<RawRecord[]> {
  const run = await runKcat([...connection, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', RAW_FORMAT]);
  assert.equal(run.code, 0, run.stderr);
  return parseRawRecords(run.stdout);
}

/** The native stack's cache folder (stack/native/lib/common.sh). */
export function stackCache(): string {
  return process.env['KAW_CACHE'] ?? path.join(homedir(), '.cache', 'kafka-airflow-workbench');
}

/** The class path of the Kafka jars the native stack installed. */
export function kafkaClassPath(): string {
  const cache = stackCache();
  const libs = existsSync(cache)
    ? readdirSync(cache).filter((d) => /^kafka-\d/.test(d)).map((d) => path.join(cache, d, 'libs')).find((d) => existsSync(d) && readdirSync(d).some((f) => f.startsWith('kafka_2')))
    : undefined;
  if (!libs) throw new Error('The Kafka jars are not installed. Run: bash stack/native/stack.sh up kafka');
  return `${libs}/*`;
}

/** The -D option that keeps Kafka's tools quiet (the stack's log4j2 file). */
export function kafkaToolsLogging(): string {
  return `-Dlog4j2.configurationFile=${path.resolve('stack/native/kafka/tools-log4j2.properties')}`;
}

/** The compression codecs of a log segment's batches, by Kafka's own DumpLogSegments (e.g. ["zstd"]). */
export function segmentCodecs(segmentFile: string): string[] {
  const run = spawnSync('java', ['-Xmx256m', kafkaToolsLogging(), '-cp', kafkaClassPath(), 'kafka.tools.DumpLogSegments', '--files', segmentFile], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  const codecs = [...run.stdout.matchAll(/compresscodec: (\w+)/g)].map((m) => m[1] ?? '');
  assert.ok(codecs.length > 0, `DumpLogSegments printed no batch for ${segmentFile}:\n${run.stdout.slice(0, 500)}`);
  return codecs;
}

/** The native broker's data folder (log.dirs of stack/native). */
export function nativeKafkaDataDir(): string {
  return path.join(process.env['KAW_STATE'] ?? path.join(stackCache(), 'state'), 'kafka', 'data');
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  assert.ok(port !== undefined);
  return port;
}

/**
 * `count` distinct TCP ports nothing listens on right now. All are held open until the
 * last one is chosen: asking for one port at a time can hand out the same port twice,
 * and a broker refuses two listeners on one port.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(servers.map((server) => new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('the test server has no TCP address'));
      });
    })));
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => {
      if (server.listening) server.close(() => { resolve(); });
      else resolve();
    })));
  }
}
