/**
 * What the DAG graph reads, against the native stack's real servers (Airflow 3 on :8080 and
 * Airflow 2 on :8081) with the test DAG workbench_test_graph (six tasks in task groups, one
 * nested; stack/dags and stack/native/airflow2-dags): its tasks, dependencies and groups (from
 * the UI structure on Airflow 3, from the task ids on Airflow 2), two runs at once, one of them
 * failing at transform.clean, read through the batch endpoint in pages of 5 (every task instance
 * once), the group states the graph shows (transform failed, extract succeeded), the XComs of a
 * task with their JSON values, and after clearing the failed task, which runs are read again.
 *
 *   bash stack/native/stack.sh up airflow3 airflow2
 *   node --import tsx --test --test-concurrency=1 test/integration/dagGraph.test.ts
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { AirflowClient } from '../../src/airflow/airflowClient';
import { buildGraphModel, runsToReload, summaryState, visibleGraph } from '../../src/airflow/dagGraph';
import type { DagRun, TaskInstance } from '../../src/airflow/types';
import { silentLogger } from '../../src/shared/logger';

const DAG = 'workbench_test_graph';
const TASKS = ['extract.orders', 'extract.payments', 'load', 'start', 'transform.clean', 'transform.enrich.join'];
/** The scheduler on 2 shared cores can be slow: wait up to this long for a state. */
const WAIT_SECONDS = 300;

const servers = [
  { label: 'Airflow 3 (API v2)', url: 'http://127.0.0.1:8080', start: 'airflow3', groupsFrom: 'structure' },
  { label: 'Airflow 2 (API v1)', url: 'http://127.0.0.1:8081', start: 'airflow2', groupsFrom: 'taskIds' },
] as const;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds = WAIT_SECONDS): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Gave up after ${seconds} s waiting for ${what}`);
    await sleep(1000);
  }
}

function statesOf(instances: readonly TaskInstance[], runId: string): Record<string, string | null> {
  const pairs: [string, string | null][] = instances.filter((ti) => ti.runId === runId).map((ti) => [ti.taskId, ti.state]);
  return Object.fromEntries(pairs.sort(([a], [b]) => a.localeCompare(b)));
}

for (const server of servers) {
  describe(`the DAG graph on ${server.label}`, () => {
    const client = new AirflowClient({ name: 'Local stack', url: server.url, auth: 'password', username: 'admin', password: 'admin', requestTimeoutMs: 30_000 }, silentLogger);

    before(async () => {
      try {
        await client.serverInfo();
      } catch (error) {
        throw new Error(`${server.label} does not answer on ${server.url}: start it with "bash stack/native/stack.sh up ${server.start}"`, { cause: error });
      }
      await waitFor(`${DAG} to be parsed`, async () => (await client.listAllDags({ search: DAG, latestRunState: false })).some((dag) => dag.dagId === DAG) ? true : undefined, 180);
      await client.setPaused(DAG, false);
    });

    it('reads the tasks, their dependencies and the task groups', async () => {
      const structure = await client.getDagStructure(DAG);
      assert.equal(structure.groupsFrom, server.groupsFrom);
      assert.deepEqual(structure.tasks.map((t) => t.taskId).sort(), TASKS);
      const downstream = Object.fromEntries(structure.tasks.map((t) => [t.taskId, [...t.downstreamTaskIds].sort()]));
      assert.deepEqual(downstream['start'], ['extract.orders', 'extract.payments']);
      assert.deepEqual(downstream['transform.enrich.join'], ['load']);
      assert.deepEqual(structure.groups.map((g) => [g.groupId, g.label, g.parentId]).sort(), [
        ['extract', 'extract', null], ['transform', 'transform', null], ['transform.enrich', 'enrich', 'transform'],
      ]);
      assert.equal(structure.groupOfTask['transform.enrich.join'], 'transform.enrich');
      const closed = visibleGraph(buildGraphModel(structure), new Set());
      assert.deepEqual(closed.edges, [['start', 'extract'], ['extract', 'transform'], ['transform', 'load']]);
    });

    it('two runs, one failing at transform.clean: every instance once in pages of 5, group states, XComs; the cleared run is read again', async () => {
      const marker = `it-graph-${randomUUID()}`;
      const plain = await client.trigger(DAG, { conf: { marker } });
      const failing = await client.trigger(DAG, { conf: { marker, fail_first_try: 'transform.clean' } });
      assert.notEqual(plain.runId, failing.runId);
      const final = async (run: DagRun, states: readonly string[]): Promise<DagRun> => waitFor(`run ${run.runId} to reach ${states.join('/')}`, async () => {
        const current = await client.getRun(DAG, run.runId);
        return states.includes(current.state) ? current : undefined;
      });
      const [plainDone, failed] = await Promise.all([final(plain, ['success', 'failed']), final(failing, ['success', 'failed'])]);
      assert.equal(plainDone.state, 'success');
      assert.equal(failed.state, 'failed');

      const instances = await client.listTaskInstancesOfRuns(DAG, [plain.runId, failing.runId], { pageSize: 5 });
      assert.equal(instances.length, 12, 'six task instances per run, each once across pages of 5');
      assert.deepEqual(Object.values(statesOf(instances, plain.runId)), TASKS.map(() => 'success'));
      assert.deepEqual(statesOf(instances, failing.runId), {
        'extract.orders': 'success', 'extract.payments': 'success', load: 'upstream_failed', start: 'success',
        'transform.clean': 'failed', 'transform.enrich.join': 'upstream_failed',
      });
      const model = buildGraphModel(await client.getDagStructure(DAG));
      const groupState = (groupId: string, runId: string): string | null | undefined =>
        summaryState((model.tasksOfGroup.get(groupId) ?? []).map((taskId) => instances.find((ti) => ti.runId === runId && ti.taskId === taskId)?.state));
      assert.equal(groupState('transform', failing.runId), 'failed');
      assert.equal(groupState('transform.enrich', failing.runId), 'upstream_failed');
      assert.equal(groupState('extract', failing.runId), 'success');

      const xcoms = await client.listXComs(DAG, plain.runId, 'start');
      assert.deepEqual(xcoms.map((x) => x.key), ['marker', 'return_value', 'row_count', 'rows']);
      assert.deepEqual(xcoms.find((x) => x.key === 'return_value')?.value, { marker, rows: 3 });
      assert.equal(xcoms.find((x) => x.key === 'row_count')?.value, 3);
      const keysOnly = await client.listXComs(DAG, plain.runId, 'load', { values: false });
      assert.deepEqual(keysOnly.map((x) => [x.key, x.value]), [['return_value', undefined]]);

      const before = new Map([plainDone, failed].map((run) => [run.runId, run]));
      await client.clearTask(DAG, failing.runId, 'transform.clean');
      const cleared = await client.getRun(DAG, failing.runId);
      assert.deepEqual(runsToReload(before, [plainDone, cleared]), [failing.runId], 'only the cleared run is read again');
      await final(failing, ['success']);
      const after = await client.listTaskInstancesOfRuns(DAG, [failing.runId]);
      assert.deepEqual(Object.values(statesOf(after, failing.runId)), TASKS.map(() => 'success'));
      assert.equal(after.find((ti) => ti.taskId === 'transform.clean')?.tryNumber, 2);
    });
  });
}
