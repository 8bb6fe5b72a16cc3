/**
 * Benchmark: the DAGs view with 1,000 DAGs and their run states, on the native stack's
 * Airflow 3. The view loads a connection's DAGs with AirflowClient.listAllDags (the latest
 * run state of each) together with the import errors, then sorts the DAGs, applies the
 * filter, and builds each row's description, tooltip and state icon
 * (src/airflow/presentation.ts). This benchmark:
 * - times that row work for made-up DAGs (1,000 by default, with tags and owners like real
 *   ones), without a server;
 * - switches on the DAG generator (bench/lib/manyDags.ts), gives every generated DAG one run
 *   (90% success, 5% failed, 5% queued: the DAGs are paused, so nothing executes) and times
 *   the whole load as the view does it (listing with run states, import errors, rows): as a
 *   refresh (the client remembers how long each listing was) and as the first load of a new
 *   client; target under 1 s. The runs are deleted and the generator switched off at the end.
 * --with-runs 0 leaves the generated DAGs without runs (the run-state listings are then empty).
 *
 *   node --import tsx bench/airflow-dags-tree.ts [--count 1000] [--runs 5] [--with-runs 1]
 */
import type { AirflowClient } from '../src/airflow/airflowClient';
import type { Dag } from '../src/airflow/types';
import { dagDescription, dagMatchesFilter, dagTooltip, stateIcon } from '../src/airflow/presentation';
import { argument, GENERATED_PREFIX, generateDags, giveRuns, newClient, SERVERS } from './lib/manyDags';
import { figure, median, timeInterleaved, variant, type Variant } from './lib/scaleBench';

function timeRuns(runs: number, work: () => unknown): number {
  work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return median(times);
}

const TAGS = ['kafka', 'etl', 'orders', 'payments', 'workbench', 'hourly', 'daily', 'ml'];
const STATES = ['success', 'failed', 'running', 'queued', null];

function madeUpDags(count: number): Dag[] {
  return Array.from({ length: count }, (_, i): Dag => ({
    dagId: `pipeline_${(count - i).toString().padStart(4, '0')}_${TAGS[i % TAGS.length] ?? 'x'}`,
    displayName: `pipeline ${i}`,
    isPaused: i % 7 === 0,
    isActive: true,
    tags: [TAGS[i % TAGS.length] ?? 'x', TAGS[(i * 3) % TAGS.length] ?? 'y'],
    owners: [`team-${i % 5}`],
    schedule: i % 2 === 0 ? '0 * * * *' : null,
    nextRunAt: i % 2 === 0 ? '2026-11-22T03:00:00+00:00' : null,
    fileLoc: `/opt/airflow/dags/pipeline_${i}.py`,
    hasImportErrors: false,
    latestRunState: STATES[i % STATES.length] ?? null,
  }));
}

/** What the view does with a listing before VS Code draws it: sort, filter, and each row's texts and icon. */
function rowsOf(dags: readonly Dag[], filter: string): number {
  let characters = 0;
  const shown = filter ? dags.filter((dag) => dagMatchesFilter(dag, filter)) : dags;
  for (const dag of [...shown].sort((a, b) => a.dagId.localeCompare(b.dagId))) {
    const description = dagDescription(dag);
    const tooltip = dagTooltip(dag, dag.latestRunState);
    const icon = stateIcon(dag.latestRunState);
    characters += description.length + tooltip.length + icon.icon.length;
  }
  return characters;
}

async function main(): Promise<void> {
  const count = Number(argument('count', '1000'));
  const runs = Number(argument('runs', '5'));
  const withRuns = argument('with-runs', '1') !== '0';
  const dags = madeUpDags(count);

  const rowsAll = timeRuns(runs, () => rowsOf(dags, ''));
  const rowsFiltered = timeRuns(runs, () => rowsOf(dags, 'tag:kafka team-1'));
  console.log(`DAGs view rows for ${count} made-up DAGs (median of ${runs}):`);
  console.log(`  sort + description + tooltip + icon, no filter   ${rowsAll.toFixed(2)} ms  (${((rowsAll * 1000) / count).toFixed(2)} µs per row)`);
  console.log(`  same with the filter "tag:kafka team-1"          ${rowsFiltered.toFixed(2)} ms`);

  const client = newClient('v2');
  const info = await client.serverInfo();
  console.log(`\n${SERVERS.v2.label} ${info.version} at ${SERVERS.v2.url}: generating ${count} DAGs${withRuns ? ', each with one run' : ''}`);
  const generator = await generateDags('v2', client, count);
  let deleteRuns: (() => Promise<void>) | undefined;
  try {
    console.log(`\n  the server lists ${generator.listed} DAGs after ${generator.parseSeconds.toFixed(0)} s`);
    if (withRuns) {
      const generated = (await client.listAllDags({ search: GENERATED_PREFIX, latestRunState: false })).map((dag) => dag.dagId).sort();
      const started = performance.now();
      deleteRuns = await giveRuns(generated, (i) => (i % 20 === 0 ? 'failed' : i % 20 === 1 ? 'queued' : 'success'));
      console.log(`  gave each of the ${generated.length} generated DAGs a run in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }

    /** The view's load of a connection: DAGs with run states and import errors at once, then the rows. */
    const viewLoad = async (on: AirflowClient): Promise<number> => {
      const [listed] = await Promise.all([on.listAllDags(), on.listImportErrors()]);
      if (listed.filter((dag) => dag.dagId.startsWith(GENERATED_PREFIX)).length !== count) throw new Error('the listing misses generated DAGs');
      const states = listed.filter((dag) => dag.latestRunState).length;
      if (withRuns && states < count) throw new Error(`only ${states} DAGs have a run state`);
      return rowsOf(listed, '');
    };
    const refresh = variant('DAGs view load, a refresh (listing + run states + import errors + rows)', () => viewLoad(client));
    const first: Variant = {
      what: 'DAGs view load, first of a new client',
      times: [],
      timesItself: true,
      work: async () => {
        const fresh = newClient('v2');
        await fresh.listDags({ limit: 1, offset: 0 }); // signed in, version known
        const started = performance.now();
        await viewLoad(fresh);
        return performance.now() - started;
      },
    };
    const listingOnly = variant('listing alone (no run states)', () => client.listAllDags({ latestRunState: false }));
    await timeInterleaved([refresh, first, listingOnly], runs);
    const listed = await client.listAllDags();
    const byState = new Map<string, number>();
    for (const dag of listed) byState.set(String(dag.latestRunState), (byState.get(String(dag.latestRunState)) ?? 0) + 1);
    console.log(`\n  ${listed.length} DAGs; latest run states: ${[...byState].map(([s, n]) => `${s} ${n}`).join(', ')}`);
    console.log(`  median of ${runs} interleaved rounds (min–max):`);
    for (const v of [refresh, first]) console.log(`    ${v.what.padEnd(74)} ${figure(v)}   under 1 s: ${median(v.times) < 1000 ? 'yes' : 'NO'}`);
    console.log(`    ${listingOnly.what.padEnd(74)} ${figure(listingOnly)}`);
  } finally {
    if (deleteRuns) {
      const started = performance.now();
      await deleteRuns();
      console.log(`  deleted the benchmark's runs in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    await generator.switchOff();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
