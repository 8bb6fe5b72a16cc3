/**
 * The DAG graph and grid: the adapters on answers recorded from the native stack's Airflow 3.3
 * and 2.11 for workbench_test_graph (tasks, the UI's structure, task instances of two runs through
 * the batch endpoint, XComs; see bench/record-airflow-fixtures.ts ... graph), the pure model
 * (groups from the structure or from task ids, collapsing groups, group states, grid rows,
 * which runs are read again, arrow-key moves), what the panel posts, and what it accepts from
 * its webview. One fake server stands for an Airflow 3 whose UI structure answer is gone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { DecodeContext } from '../../src/airflow/adapter';
import { AirflowClient } from '../../src/airflow/airflowClient';
import {
  buildGraphModel, gridRows, groupsFromTaskIds, nearestInDirection, runsToReload, structureOf, summaryState, visibleGraph,
} from '../../src/airflow/dagGraph';
import { AirflowResponseError } from '../../src/airflow/errors';
import type { DagRun, DagTask, TaskInstance } from '../../src/airflow/types';
import { decodeV1 } from '../../src/airflow/v1';
import { decodeV2 } from '../../src/airflow/v2';
import { parseDagGraphMessage, runsView, structureView, taskDetail } from '../../src/panels/dagGraphView';
import { silentLogger } from '../../src/shared/logger';
import { xcomAddressFromQuery, xcomAddressToUriParts, xcomDocumentText } from '../../src/views/airflow/xcomAddress';

const FIXTURES = path.join(__dirname, '../fixtures/airflow');
const DAG = 'workbench_test_graph';
const TASKS = ['start', 'extract.orders', 'extract.payments', 'transform.clean', 'transform.enrich.join', 'load'];

function fixtureText(api: 'v1' | 'v2', name: string): string {
  return readFileSync(path.join(FIXTURES, api, `${name}.json`), 'utf8');
}
function fixture(api: 'v1' | 'v2', name: string): unknown {
  return JSON.parse(fixtureText(api, name));
}
function ctx(endpoint: string): DecodeContext {
  return { endpoint, serverUrl: 'http://airflow.test' };
}

function task(taskId: string, downstream: string[] = []): DagTask {
  return { taskId, displayName: taskId, operator: '@task', downstreamTaskIds: downstream, isMapped: false };
}

function run(runId: string, state: string, startDate: string | null, endDate: string | null = null): DagRun {
  return { dagId: DAG, runId, state, runType: 'manual', logicalDate: null, startDate, endDate, durationSeconds: null, conf: {} };
}

function instance(runId: string, taskId: string, state: string | null, mapIndex = -1): TaskInstance {
  return { dagId: DAG, runId, taskId, mapIndex, state, tryNumber: 1, startDate: null, endDate: null, durationSeconds: null, operator: '@task' };
}

describe('the graph endpoints on recorded answers', () => {
  for (const api of ['v2', 'v1'] as const) {
    const decode = api === 'v2' ? decodeV2 : decodeV1;

    it(`${api}: maps the tasks with their downstream ids and operator`, () => {
      const tasks = decode.tasks(fixture(api, 'graph-tasks'), ctx(`GET /api/${api}/dags/x/tasks`));
      assert.deepEqual(tasks.map((t) => t.taskId).sort(), [...TASKS].sort());
      const start = tasks.find((t) => t.taskId === 'start');
      assert.ok(start);
      assert.deepEqual(start.downstreamTaskIds.sort(), ['extract.orders', 'extract.payments']);
      assert.equal(start.operator, '@task');
      assert.equal(start.isMapped, false);
      assert.deepEqual(tasks.find((t) => t.taskId === 'load')?.downstreamTaskIds, []);
    });

    it(`${api}: maps the task instances of two runs read through the batch endpoint`, () => {
      const page = decode.taskInstancePage(fixture(api, 'graph-task-instances-batch'), ctx('POST /list'));
      assert.equal(page.totalEntries, 12);
      const runs = new Set(page.items.map((ti) => ti.runId));
      assert.equal(runs.size, 2);
      for (const runId of runs) {
        assert.deepEqual(page.items.filter((ti) => ti.runId === runId).map((ti) => ti.taskId).sort(), [...TASKS].sort());
      }
      assert.ok(page.items.every((ti) => ti.state === 'success' && ti.mapIndex === -1 && ti.tryNumber === 1));
    });

    it(`${api}: maps the XCom listing (no values) and one XCom's value as JSON`, () => {
      const page = decode.xcomEntryPage(fixture(api, 'graph-xcom-entries'), ctx('GET /xcomEntries'));
      assert.deepEqual(page.items.map((x) => x.key).sort(), ['marker', 'return_value', 'row_count', 'rows']);
      assert.ok(page.items.every((x) => x.mapIndex === -1 && x.timestamp !== null));
      assert.deepEqual(decode.xcomValue(fixture(api, 'graph-xcom-value'), ctx('GET /xcomEntries/return_value')), { marker: 'graph-fixture-2', rows: 3 });
    });
  }

  it('v1 without stringify=false (Airflow 2.9): the value is Python\'s text of it', () => {
    assert.equal(decodeV1.xcomValue(fixture('v1', 'graph-xcom-value-text'), ctx('GET /xcomEntries/return_value')), "{'marker': 'graph-fixture-2', 'rows': 3}");
  });

  it('v2: reads the task groups of the UI structure, the nested one inside its parent', () => {
    const tree = decodeV2.taskGroups(fixture('v2', 'graph-structure'), ctx('GET /ui/structure/structure_data'));
    assert.deepEqual(tree.groups, [
      { groupId: 'extract', label: 'extract', parentId: null },
      { groupId: 'transform', label: 'transform', parentId: null },
      { groupId: 'transform.enrich', label: 'enrich', parentId: 'transform' },
    ]);
    assert.deepEqual(tree.groupOfTask, {
      'extract.orders': 'extract', 'extract.payments': 'extract', 'transform.clean': 'transform', 'transform.enrich.join': 'transform.enrich',
    });
  });

  it('v2: a structure node without an id is an error naming the endpoint and the field', () => {
    const body = fixture('v2', 'graph-structure') as { nodes: Record<string, unknown>[] };
    const children = body.nodes[1]?.['children'] as Record<string, unknown>[];
    delete children[0]?.['id'];
    assert.throws(() => decodeV2.taskGroups(body, ctx('GET /ui/structure/structure_data')), (error: unknown) => {
      assert.ok(error instanceof AirflowResponseError);
      assert.match(error.message, /answered GET \/ui\/structure\/structure_data with data this extension does not understand: field "id"/);
      return true;
    });
  });

  it('the groups read from task ids equal the ones of the structure for this DAG (prefix_group_id)', () => {
    const tasks = decodeV1.tasks(fixture('v1', 'graph-tasks'), ctx('GET /tasks'));
    const fromIds = structureOf(DAG, tasks, undefined);
    const fromStructure = structureOf(DAG, tasks, decodeV2.taskGroups(fixture('v2', 'graph-structure'), ctx('GET /ui')));
    assert.equal(fromIds.groupsFrom, 'taskIds');
    assert.equal(fromStructure.groupsFrom, 'structure');
    const byId = (groups: { groupId: string }[]): string[] => groups.map((g) => g.groupId).sort();
    assert.deepEqual(byId(fromIds.groups), byId(fromStructure.groups));
    assert.deepEqual(fromIds.groupOfTask, fromStructure.groupOfTask);
  });
});

describe('groups from task ids', () => {
  it('nests by prefix, and a prefix that is a task id is not a group', () => {
    const tree = groupsFromTaskIds([task('a.b.c'), task('a.d'), task('x'), task('x.y')]);
    assert.deepEqual(tree.groups, [{ groupId: 'a', label: 'a', parentId: null }, { groupId: 'a.b', label: 'b', parentId: 'a' }]);
    assert.deepEqual(tree.groupOfTask, { 'a.b.c': 'a.b', 'a.d': 'a' });
  });

  it('structureOf drops groups without tasks and lifts a group whose parent is unknown', () => {
    const structure = structureOf(DAG, [task('t1'), task('t2')], {
      groups: [{ groupId: 'empty', label: 'empty', parentId: null }, { groupId: 'g', label: 'g', parentId: 'gone' }],
      groupOfTask: { t1: 'g', ghost: 'g' },
    });
    assert.deepEqual(structure.groups, [{ groupId: 'g', label: 'g', parentId: null }]);
    assert.deepEqual(structure.groupOfTask, { t1: 'g' });
  });
});

describe('the graph model', () => {
  const structure = structureOf(DAG, [
    task('load'),
    task('transform.enrich.join', ['load']),
    task('transform.clean', ['transform.enrich.join']),
    task('extract.payments', ['transform.clean']),
    task('extract.orders', ['transform.clean']),
    task('start', ['extract.orders', 'extract.payments']),
  ], undefined);
  const model = buildGraphModel(structure);

  it('orders tasks upstream first, ties in the API\'s order', () => {
    assert.deepEqual(model.tasks.map((t) => t.taskId), ['start', 'extract.payments', 'extract.orders', 'transform.clean', 'transform.enrich.join', 'load']);
  });

  it('all groups open: every task is a node inside its group, edges are the dependencies', () => {
    const graph = visibleGraph(model, new Set(['extract', 'transform', 'transform.enrich']));
    assert.equal(graph.nodes.length, 6);
    assert.deepEqual(graph.clusters.map((c) => [c.id, c.parentId]), [['extract', null], ['transform', null], ['transform.enrich', 'transform']]);
    assert.equal(graph.nodes.find((n) => n.id === 'transform.enrich.join')?.parentId, 'transform.enrich');
    assert.equal(graph.edges.length, 6);
  });

  it('closed groups are one node each; edges into them merge and edges inside disappear', () => {
    const graph = visibleGraph(model, new Set());
    assert.deepEqual(graph.nodes.map((n) => [n.id, n.kind, n.taskIds.length]), [['start', 'task', 1], ['extract', 'group', 2], ['transform', 'group', 2], ['load', 'task', 1]]);
    assert.deepEqual(graph.edges, [['start', 'extract'], ['extract', 'transform'], ['transform', 'load']]);
    assert.equal(graph.nodeOfTask.get('transform.enrich.join'), 'transform');
  });

  it('an open group with a closed group inside: the inner group is a node in the outer box', () => {
    const graph = visibleGraph(model, new Set(['transform']));
    const enrich = graph.nodes.find((n) => n.id === 'transform.enrich');
    assert.deepEqual(enrich, { id: 'transform.enrich', kind: 'group', parentId: 'transform', taskIds: ['transform.enrich.join'] });
    assert.deepEqual(graph.clusters, [{ id: 'transform', parentId: null }]);
    assert.ok(graph.edges.some(([a, b]) => a === 'transform.clean' && b === 'transform.enrich'));
  });

  it('a group shows its most telling state: a failure anywhere wins, success only when all succeeded', () => {
    assert.equal(summaryState(['success', 'failed', 'running']), 'failed');
    assert.equal(summaryState(['success', 'running']), 'running');
    assert.equal(summaryState(['success', null]), null);
    assert.equal(summaryState(['success', 'skipped']), 'success');
    assert.equal(summaryState(['success', 'some_new_state']), 'some_new_state');
    assert.equal(summaryState([undefined, undefined]), undefined);
  });

  it('grid rows: groups where their first task comes, their tasks below them when open', () => {
    const closed = gridRows(model, new Set());
    assert.deepEqual(closed.map((r) => `${r.kind}:${r.id}`), ['task:start', 'group:extract', 'group:transform', 'task:load']);
    const open = gridRows(model, new Set(['extract', 'transform', 'transform.enrich']));
    assert.deepEqual(open.map((r) => `${'  '.repeat(r.depth)}${r.label}`), [
      'start', 'extract', '  payments', '  orders', 'transform', '  clean', '  enrich', '    join', 'load',
    ]);
  });

  it('reads again the runs that are new, active or changed, not the finished ones it has', () => {
    const before = new Map([
      ['r1', { state: 'success', startDate: '2026-01-01T00:00:00Z', endDate: '2026-01-01T00:01:00Z' }],
      ['r2', { state: 'running', startDate: '2026-01-01T00:02:00Z', endDate: null }],
      ['r3', { state: 'failed', startDate: '2026-01-01T00:03:00Z', endDate: '2026-01-01T00:04:00Z' }],
    ]);
    const now = [
      run('r1', 'success', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z'),
      run('r2', 'running', '2026-01-01T00:02:00Z'),
      // Cleared: queued again.
      run('r3', 'queued', '2026-01-01T00:03:00Z'),
      run('r4', 'queued', null),
    ];
    assert.deepEqual(runsToReload(before, now), ['r2', 'r3', 'r4']);
  });

  it('arrow keys move to the nearest node in that direction, and nowhere past the edge', () => {
    const points = [{ id: 'a', x: 0, y: 0 }, { id: 'b', x: 100, y: -40 }, { id: 'c', x: 100, y: 40 }, { id: 'd', x: 200, y: 0 }];
    assert.equal(nearestInDirection(points, 'a', 'right'), 'b');
    assert.equal(nearestInDirection(points, 'b', 'down'), 'c');
    assert.equal(nearestInDirection(points, 'c', 'right'), 'd');
    assert.equal(nearestInDirection(points, 'a', 'left'), undefined);
    assert.equal(nearestInDirection(points, 'gone', 'left'), 'a');
  });
});

describe('what the panel posts and accepts', () => {
  const tasks = ['start', 'extract.orders', 'load'];

  it('the grid: runs oldest first, each cell an index into the state table, mapped tasks counted', () => {
    const runs = [run('new', 'running', '2026-01-02T00:00:00Z'), run('old', 'success', '2026-01-01T00:00:00Z', '2026-01-01T00:00:10Z')];
    const instances = new Map([
      ['old', [instance('old', 'start', 'success'), instance('old', 'extract.orders', 'success'), instance('old', 'load', 'success')]],
      ['new', [instance('new', 'start', 'success'), instance('new', 'extract.orders', 'running', 0), instance('new', 'extract.orders', 'failed', 1)]],
    ]);
    const view = runsView(tasks, runs, instances, { watching: true, error: null, now: Date.parse('2026-01-02T00:00:05Z') });
    assert.deepEqual(view.runs.map((r) => r.runId), ['old', 'new']);
    const stateOf = (runIndex: number, taskIndex: number): string | undefined => {
      const cell = view.cells[runIndex]?.[taskIndex] ?? -1;
      return cell < 0 ? undefined : view.states[cell];
    };
    assert.deepEqual([0, 1, 2].map((t) => stateOf(0, t)), ['success', 'success', 'success']);
    assert.deepEqual([0, 1, 2].map((t) => stateOf(1, t)), ['success', 'failed', undefined]);
    assert.deepEqual(view.mapped, [[1, 1, 2]]);
    assert.equal(view.watching, true);
    assert.match(view.runs[1]?.label ?? '', /^new · running · /);
  });

  it('the structure view: theme colors of the DAGs view, a note when groups come from task ids', () => {
    const structure = structureOf(DAG, [task('g.a'), task('b')], undefined);
    const view = structureView(structure, 'Local stack', { apiVersion: 'v1', version: '2.11.2', uiUrl: 'http://x' });
    assert.equal(view.subtitle, 'Local stack · Airflow 2.11.2 · 2 tasks in 1 group');
    assert.deepEqual(view.stateStyles['success'], { color: 'testing.iconPassed', icon: 'pass-filled' });
    assert.deepEqual(view.stateStyles['running'], { color: 'charts.blue', icon: 'sync' });
    assert.deepEqual(view.stateStyles['none'], { color: 'testing.iconUnset', icon: 'circle-large-outline' });
    assert.match(view.note ?? '', /read from the task ids/);
  });

  it('the detail of a mapped task shows its most telling instance and the count', () => {
    const detail = taskDetail({ runId: 'r', taskId: 't' }, [instance('r', 't', 'success', 0), instance('r', 't', 'failed', 1)], '@task', { count: 2, error: null });
    assert.equal(detail.state, 'failed');
    assert.equal(detail.mapCount, 2);
    assert.equal(detail.xcoms, 2);
    assert.equal(taskDetail({ runId: 'r', taskId: 't' }, [], 'BashOperator', { count: null, error: 'x' }).state, null);
  });

  it('accepts ready and well-formed requests only', () => {
    assert.deepEqual(parseDagGraphMessage({ kind: 'ready' }), { kind: 'ready' });
    assert.deepEqual(parseDagGraphMessage({ kind: 'request', id: 3, method: 'openLog', params: { runId: 'r', taskId: 't', extra: 1 } }),
      { kind: 'request', id: 3, method: 'openLog', params: { runId: 'r', taskId: 't' } });
    assert.deepEqual(parseDagGraphMessage({ kind: 'request', id: 4, method: 'refresh', params: { anything: true } }), { kind: 'request', id: 4, method: 'refresh', params: {} });
    assert.equal(parseDagGraphMessage({ kind: 'request', id: 5, method: 'clearTask', params: { runId: 'r' } }), undefined);
    assert.equal(parseDagGraphMessage({ kind: 'request', id: 6, method: 'eval', params: {} }), undefined);
    assert.equal(parseDagGraphMessage({ kind: 'request', id: '7', method: 'refresh', params: {} }), undefined);
  });
});

describe('the XCom document', () => {
  const address = { connection: 'Local/stack', dagId: DAG, runId: 'manual__2026-01-01T00:00:00+00:00', taskId: 'extract.orders', mapIndex: 2 };

  it('round-trips its address through the URI, with a readable path', () => {
    const parts = xcomAddressToUriParts(address);
    assert.equal(parts.path, `/Local_stack/${DAG}/manual__2026-01-01T00:00:00+00:00/extract.orders [2] · XComs.json`);
    assert.deepEqual(xcomAddressFromQuery(parts.query), address);
    assert.equal(xcomAddressFromQuery('{"c": "x"}'), undefined);
    assert.equal(xcomAddressFromQuery('not json'), undefined);
  });

  it('is JSON with each key\'s value; Python text stays a string; an empty list says so', () => {
    const text = xcomDocumentText(address, [
      { key: 'return_value', mapIndex: 2, timestamp: null, value: { rows: 3 } },
      { key: 'legacy', mapIndex: 2, timestamp: null, value: "{'rows': 3}" },
    ], '2026-01-01T00:00:00.000Z');
    const parsed = JSON.parse(text) as { xcoms: Record<string, unknown>; mapIndex: number; note?: string };
    assert.deepEqual(parsed.xcoms, { return_value: { rows: 3 }, legacy: "{'rows': 3}" });
    assert.equal(parsed.mapIndex, 2);
    assert.equal(parsed.note, undefined);
    const none = JSON.parse(xcomDocumentText({ ...address, mapIndex: -1 }, [], 'now')) as { note: string; mapIndex?: number };
    assert.equal(none.note, 'This task instance has no XComs.');
    assert.equal(none.mapIndex, undefined);
  });
});

describe('AirflowClient.getDagStructure when the UI structure answer is gone', () => {
  const servers: Server[] = [];
  after(() => { for (const server of servers) server.close(); });

  it('falls back to groups from task ids on a fake Airflow 3 whose /ui/structure answers 404', async () => {
    const hits: string[] = [];
    const fakeAirflow3WithoutStructure = createServer((request, response) => {
      const route = (request.url ?? '').split('?')[0] ?? '';
      hits.push(route);
      if (route === '/api/v2/version') response.writeHead(200, { 'content-type': 'application/json' }).end('{"version": "3.9.0"}');
      else if (route === '/auth/token') response.writeHead(201, { 'content-type': 'application/json' }).end('{"access_token": "x.e30.y"}');
      else if (route === `/api/v2/dags/${DAG}/tasks`) response.writeHead(200, { 'content-type': 'application/json' }).end(fixtureText('v2', 'graph-tasks'));
      else response.writeHead(404, { 'content-type': 'application/json' }).end('{"detail": "Not Found"}');
    });
    servers.push(fakeAirflow3WithoutStructure);
    await new Promise<void>((resolve) => fakeAirflow3WithoutStructure.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(fakeAirflow3WithoutStructure.address() as AddressInfo).port}`;
    const client = new AirflowClient({ name: 'fake', url, auth: 'password', username: 'admin', password: 'admin' }, silentLogger, { retry: { tries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const structure = await client.getDagStructure(DAG);
    assert.ok(hits.includes('/ui/structure/structure_data'), 'the structure answer was asked for');
    assert.equal(structure.groupsFrom, 'taskIds');
    assert.deepEqual(structure.groups.map((g) => g.groupId).sort(), ['extract', 'transform', 'transform.enrich']);
    assert.equal(structure.tasks.length, 6);
  });
});
