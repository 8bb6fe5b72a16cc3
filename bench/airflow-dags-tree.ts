/**
 * Benchmark: what the DAGs view adds on top of listing the DAGs, for 1,000 DAGs. The view
 * sorts the DAGs, applies the filter, and builds each row's description, tooltip and state
 * icon (src/views/airflow/presentation.ts); VS Code then asks for every row of an expanded
 * connection. This times that work (median of N runs after a warm-up) and, in the same run,
 * the reference it must stay small against: AirflowClient.listAllDags on the native stack's
 * Airflow 3, the call the view makes (skipped with a note when the server does not answer).
 * The DAGs of the row step are made up (1,000 by default, with tags and owners like real
 * ones); bench/airflow-dags.ts measures listing 1,000 real DAGs against curl.
 *
 *   node --import tsx bench/airflow-dags-tree.ts [--count 1000] [--runs 7] [--url http://127.0.0.1:8080]
 */
import { AirflowClient } from '../src/airflow/airflowClient';
import type { Dag } from '../src/airflow/types';
import { silentLogger } from '../src/shared/logger';
import { dagDescription, dagMatchesFilter, dagTooltip, stateIcon } from '../src/views/airflow/presentation';

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

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

async function timeRunsAsync(runs: number, work: () => Promise<unknown>): Promise<number> {
  await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
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
  const runs = Number(argument('runs', '7'));
  const url = argument('url', 'http://127.0.0.1:8080');
  const dags = madeUpDags(count);

  const rowsAll = timeRuns(runs, () => rowsOf(dags, ''));
  const rowsFiltered = timeRuns(runs, () => rowsOf(dags, 'tag:kafka team-1'));
  console.log(`DAGs view rows for ${count} DAGs (median of ${runs}):`);
  console.log(`  sort + description + tooltip + icon, no filter   ${rowsAll.toFixed(2)} ms  (${((rowsAll * 1000) / count).toFixed(2)} µs per row)`);
  console.log(`  same with the filter "tag:kafka team-1"          ${rowsFiltered.toFixed(2)} ms`);

  const client = new AirflowClient({ name: 'bench', url, auth: 'password', username: 'admin', password: 'admin', requestTimeoutMs: 60_000 }, silentLogger);
  try {
    const info = await client.serverInfo();
    const listed = await client.listAllDags();
    const listing = await timeRunsAsync(runs, () => client.listAllDags());
    const rowsLive = timeRuns(runs, () => rowsOf(listed, ''));
    console.log(`Reference: AirflowClient.listAllDags on Airflow ${info.version} at ${url} (${listed.length} DAGs, with latest run states):`);
    console.log(`  listing                                          ${listing.toFixed(2)} ms`);
    console.log(`  rows of those ${listed.length} DAGs                           ${rowsLive.toFixed(2)} ms`);
    console.log(`Ratio: rows of ${count} DAGs / one listing of the server's ${listed.length} DAGs = ${(rowsAll / listing).toFixed(3)}`);
  } catch (error) {
    console.log(`Reference skipped: Airflow at ${url} did not answer (${error instanceof Error ? error.message : String(error)}). Start it with "bash stack/native/stack.sh up airflow3".`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
