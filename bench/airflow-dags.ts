/**
 * Benchmark: listing 1,000 DAGs through AirflowClient.listAllDags, against the native stack.
 * It switches on the DAG generator (writes the marker file read by workbench_test_many_dags.py),
 * waits until the server lists 1,000 more DAGs, then times (median of 5 interleaved rounds,
 * after one warm-up round):
 *   - pages of 100 one after the other, and 3 at a time (the client's default),
 *   - one page of the largest size the server serves (it caps `limit` at maximum_page_limit),
 *   - the default call the DAGs tree makes (with the latest run state of every DAG),
 * and, in the same run, the reference: plain `curl` fetching the same pages (one process,
 * kept-alive connection; sequential and --parallel), with the ratio client / curl.
 * The marker file is deleted at the end (also on Ctrl-C) and the benchmark waits until the
 * generated DAGs have gone stale and dropped out of the listing.
 *
 *   node --import tsx bench/airflow-dags.ts [--server v2|v1] [--count 1000] [--runs 5]
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { AirflowClient } from '../src/airflow/airflowClient';
import { silentLogger } from '../src/shared/logger';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

const SERVERS = {
  v2: { url: 'http://127.0.0.1:8080', marker: 'stack/dags/.many_dags', label: 'Airflow 3 (API v2)' },
  v1: { url: 'http://127.0.0.1:8081', marker: 'stack/native/airflow2-dags/.many_dags', label: 'Airflow 2 (API v1)' },
} as const;

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

interface Variant {
  what: string;
  work: () => Promise<unknown>;
  times: number[];
}

/**
 * Times every variant `runs` times, round by round (A B C … A B C …) after one warm-up round,
 * so a busy moment on the shared machine hits all variants alike rather than one of them.
 */
async function timeInterleaved(variants: Variant[], runs: number): Promise<void> {
  for (const variant of variants) await variant.work();
  for (let round = 0; round < runs; round++) {
    for (const variant of variants) {
      const started = performance.now();
      await variant.work();
      variant.times.push(performance.now() - started);
    }
  }
}

async function main(): Promise<void> {
  const api = argument('server', 'v2') === 'v1' ? 'v1' : 'v2';
  const count = Number(argument('count', '1000'));
  const runs = Number(argument('runs', '5'));
  const server = SERVERS[api];
  const marker = path.join(ROOT, server.marker);
  const client = new AirflowClient({ name: 'bench', url: server.url, auth: 'password', username: 'admin', password: 'admin', requestTimeoutMs: 120_000 }, silentLogger);
  const info = await client.serverInfo();
  console.log(`${server.label} ${info.version} at ${server.url}; generating ${count} DAGs, ${runs} timed runs each`);

  const cleanUp = (): void => { rmSync(marker, { force: true }); };
  process.once('SIGINT', () => { cleanUp(); process.exit(130); });
  try {
    const baseline = (await client.listDags({ limit: 1, offset: 0 })).totalEntries;
    writeFileSync(marker, `${count}\n`);
    const waitStarted = performance.now();
    let listed = baseline;
    while (listed < baseline + count) {
      if (performance.now() - waitStarted > 15 * 60_000) throw new Error(`The server lists ${listed - baseline} of ${count} new DAGs after 15 minutes; is the DAG processor running?`);
      await sleep(3000);
      listed = (await client.listDags({ limit: 1, offset: 0 })).totalEntries;
      process.stdout.write(`\r  waiting for the server to list them: ${listed - baseline}/${count}   `);
    }
    console.log(`\n  the server lists ${listed} DAGs (${listed - baseline} generated) after ${((performance.now() - waitStarted) / 1000).toFixed(0)} s of parsing`);

    // The largest page the server serves: ask for far more and see how many come back.
    const probe = await client.listDags({ limit: 100_000, offset: 0 });
    const maxPage = probe.items.length;
    console.log(`  largest page served: ${maxPage} (asked 100000; [api] maximum_page_limit)`);

    // The reference: curl fetching the same pages, authenticated the way the client is.
    const auth = api === 'v2'
      ? ['-H', `Authorization: Bearer ${((await (await fetch(`${server.url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"admin","password":"admin"}' })).json()) as { access_token: string }).access_token}`]
      : ['-u', 'admin:admin'];
    const pageUrls = (size: number): string[] => {
      const urls: string[] = [];
      const active = api === 'v2' ? 'exclude_stale=true' : 'only_active=true';
      for (let offset = 0; offset < listed; offset += size) urls.push(`${server.url}/api/${api}/dags?limit=${size}&offset=${offset}&order_by=dag_id&${active}`);
      return urls;
    };
    const curl = (urls: string[], parallel: number): Promise<unknown> => {
      const args = ['-sS', '--fail', ...auth, ...(parallel > 1 ? ['--parallel', '--parallel-max', String(parallel)] : [])];
      for (const url of urls) args.push(url, '-o', '/dev/null');
      return run('curl', args, { maxBuffer: 1 << 20 });
    };

    const check = async (options: Parameters<AirflowClient['listAllDags']>[0]): Promise<number> => {
      const dags = await client.listAllDags(options);
      const generated = dags.filter((dag) => dag.dagId.startsWith('workbench_many_')).length;
      if (generated !== count) throw new Error(`listAllDags returned ${generated} of the ${count} generated DAGs`);
      return dags.length;
    };

    const variant = (what: string, work: () => Promise<unknown>): Variant => ({ what, work, times: [] });
    const pairs: [Variant, Variant | undefined][] = [
      [variant('client, pages of 100, one at a time', () => check({ pageSize: 100, concurrency: 1, latestRunState: false })), variant('curl, same pages one at a time', () => curl(pageUrls(100), 1))],
      [variant('client, pages of 100, 3 at a time (default)', () => check({ pageSize: 100, concurrency: 3, latestRunState: false })), variant('curl --parallel-max 3, same pages', () => curl(pageUrls(100), 3))],
      [variant(`client, one page of max size (${maxPage})`, () => check({ pageSize: maxPage, concurrency: 1, latestRunState: false })), variant(`curl, pages of ${maxPage}`, () => curl(pageUrls(maxPage), 1))],
      [variant('client, as the DAGs tree calls it (+ latest run states)', () => check({})), undefined],
    ];
    await timeInterleaved(pairs.flatMap(([client, reference]) => (reference ? [client, reference] : [client])), runs);
    const rss = process.memoryUsage().rss;

    console.log(`\n  listing all ${listed} DAGs, median of ${runs} interleaved runs (min–max):`);
    const figure = (v: Variant): string => `${median(v.times).toFixed(0).padStart(6)} ms (${Math.min(...v.times).toFixed(0)}–${Math.max(...v.times).toFixed(0)})`;
    for (const [client, reference] of pairs) {
      const ratio = reference ? `   ${reference.what}: ${figure(reference)}   ratio client/curl ${(median(client.times) / median(reference.times)).toFixed(2)}` : '';
      console.log(`    ${client.what.padEnd(58)} ${figure(client)}${ratio}`);
    }
    console.log(`  process RSS after the runs: ${(rss / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    cleanUp();
    console.log(`  generator switched off (${server.marker} deleted)`);
  }
  // Leave the server as it was: the generated DAGs go stale about a minute after their file
  // stops defining them (Airflow's stale-DAG threshold), then drop out of the listings.
  const offAt = performance.now();
  for (;;) {
    const left = (await client.listDags({ limit: 1, offset: 0, search: 'workbench_many_' })).totalEntries;
    if (left === 0) break;
    if (performance.now() - offAt > 5 * 60_000) {
      console.log(`  ${left} generated DAGs still listed after 5 minutes; they will go stale on their own`);
      return;
    }
    await sleep(5000);
  }
  console.log(`  the generated DAGs dropped out of the listing ${((performance.now() - offAt) / 1000).toFixed(0)} s after the switch-off`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
