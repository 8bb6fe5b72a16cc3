/**
 * Benchmark: listing 1,000 DAGs through AirflowClient.listAllDags, against the native stack.
 * It switches on the DAG generator (bench/lib/manyDags.ts), waits until the server lists the
 * generated DAGs, then times (median of 15 rounds in random order, after a warm-up round):
 *   - pages of 100 three at a time (the client's default): again on the same client (as a
 *     refresh of the DAGs view: it remembers how long the list was and asks for every page at
 *     once) and on a new client (the first listing: it asks for the first two pages at once);
 *   - pages of 100 one after the other;
 *   - one page of the largest size the server serves (it caps `limit` at maximum_page_limit);
 *   - the default call the DAGs tree makes (with the latest run state of every DAG);
 * and, in the same rounds, the reference: plain `curl` fetching the same pages (one process,
 * kept-alive connection; one at a time and --parallel-max 3, and with --compressed, since
 * Node's fetch asks for gzip as browsers do), with the speed ratio curl time / client time.
 * The generator is switched off at the end (also on Ctrl-C) and the benchmark waits until the
 * generated DAGs have gone stale and dropped out of the listing.
 *
 *   node --import tsx bench/airflow-dags.ts [--server v2|v1] [--count 1000] [--runs 15]
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AirflowClient } from '../src/airflow/airflowClient';
import { argument, authHeader, generateDags, GENERATED_PREFIX, newClient, SERVERS } from './lib/manyDags';
import { figure, median, speedRatio, timeInterleaved, variant, type Variant } from './lib/scaleBench';

const run = promisify(execFile);

async function main(): Promise<void> {
  const api = argument('server', 'v2') === 'v1' ? 'v1' : 'v2';
  const count = Number(argument('count', '1000'));
  const runs = Number(argument('runs', '15'));
  const server = SERVERS[api];
  const client = newClient(api);
  const info = await client.serverInfo();
  console.log(`${server.label} ${info.version} at ${server.url}; generating ${count} DAGs, ${runs} timed runs each`);

  const generator = await generateDags(api, client, count);
  try {
    const listed = generator.listed;
    console.log(`\n  the server lists ${listed} DAGs (${count} generated) after ${generator.parseSeconds.toFixed(0)} s`);

    // The largest page the server serves: ask for far more and see how many come back.
    const probe = await client.listDags({ limit: 100_000, offset: 0 });
    const maxPage = probe.items.length;
    console.log(`  largest page served: ${maxPage} (asked 100000; [api] maximum_page_limit)`);

    // The reference: curl fetching the same pages, authenticated the way the client is.
    const auth = ['-H', `Authorization: ${await authHeader(api)}`];
    const pageUrls = (size: number): string[] => {
      const urls: string[] = [];
      const active = api === 'v2' ? 'exclude_stale=true' : 'only_active=true';
      for (let offset = 0; offset < listed; offset += size) urls.push(`${server.url}/api/${api}/dags?limit=${size}&offset=${offset}&order_by=dag_id&${active}`);
      return urls;
    };
    const curl = (urls: string[], parallel: number, compressed = false): Promise<unknown> => {
      const args = ['-sS', '--fail', ...auth, ...(compressed ? ['--compressed'] : []), ...(parallel > 1 ? ['--parallel', '--parallel-max', String(parallel)] : [])];
      for (const url of urls) args.push(url, '-o', '/dev/null');
      return run('curl', args, { maxBuffer: 1 << 20 });
    };

    const check = async (on: AirflowClient, options: Parameters<AirflowClient['listAllDags']>[0]): Promise<number> => {
      const dags = await on.listAllDags(options);
      const generated = dags.filter((dag) => dag.dagId.startsWith(GENERATED_PREFIX)).length;
      if (generated !== count) throw new Error(`listAllDags returned ${generated} of the ${count} generated DAGs`);
      return dags.length;
    };
    /** A new client, signed in and version known, that has not listed the DAGs yet. */
    const firstListing = async (options: Parameters<AirflowClient['listAllDags']>[0]): Promise<number> => {
      const fresh = newClient(api);
      await fresh.listDags({ limit: 1, offset: 0 });
      const started = performance.now();
      await check(fresh, options);
      return performance.now() - started;
    };
    const noStates = { latestRunState: false } as const;

    const warm3 = variant('client, pages of 100, 3 at a time (default; a refresh)', () => check(client, { ...noStates, pageSize: 100, concurrency: 3 }));
    const first3: Variant = { what: 'client, pages of 100, 3 at a time, first listing', work: () => firstListing({ ...noStates, pageSize: 100, concurrency: 3 }), times: [], timesItself: true };
    const seq = variant('client, pages of 100, one at a time', () => check(client, { ...noStates, pageSize: 100, concurrency: 1 }));
    const maxSize = variant(`client, pages of max size (${maxPage}), one at a time`, () => check(client, { ...noStates, pageSize: maxPage, concurrency: 1 }));
    const tree = variant('client, as the DAGs tree calls it (+ latest run states)', () => check(client, {}));
    const curlSeq = variant('curl, pages of 100 one at a time', () => curl(pageUrls(100), 1));
    const curlPar = variant('curl --parallel-max 3, same pages', () => curl(pageUrls(100), 3));
    const curlParGzip = variant('curl --parallel-max 3 --compressed, same pages', () => curl(pageUrls(100), 3, true));
    const curlMax = variant(`curl, pages of ${maxPage}`, () => curl(pageUrls(maxPage), 1));

    // The first listing times itself: the new client's sign-in is not part of it.
    await timeInterleaved([warm3, first3, seq, maxSize, tree, curlSeq, curlPar, curlParGzip, curlMax], runs);
    const rss = process.memoryUsage().rss;

    console.log(`\n  listing all ${listed} DAGs, median of ${runs} interleaved runs (min–max); speed ratio = curl time / client time:`);
    const line = (v: Variant, extra = ''): void => { console.log(`    ${v.what.padEnd(60)} ${figure(v)}${extra}`); };
    line(warm3, `   vs curl --parallel-max 3: ${speedRatio(warm3, curlPar)}, vs one page at a time: ${speedRatio(warm3, seq)}`);
    line(first3, `   vs curl --parallel-max 3: ${speedRatio(first3, curlPar)}`);
    line(seq, `   vs curl one at a time: ${speedRatio(seq, curlSeq)}`);
    line(maxSize, `   vs curl: ${speedRatio(maxSize, curlMax)}`);
    line(tree, `   under 1 s: ${median(tree.times) < 1000 ? 'yes' : 'NO'}`);
    for (const v of [curlSeq, curlPar, curlParGzip, curlMax]) line(v);
    console.log(`  process RSS after the runs: ${(rss / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    await generator.switchOff();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
