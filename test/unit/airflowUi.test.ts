/**
 * The pure parts of the Airflow views: what a state looks like, how rows and logs read, which
 * DAGs a filter keeps, the refresh backoff, the log document address, the JSON-object check
 * of conf/extra, the tree's node store and the dataset-event form's message check.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Dag, DagRun, DatasetEvent, ServerHealth, TaskInstance } from '../../src/airflow/types';
import { parseWebviewMessage } from '../../src/panels/datasetEventMessages';
import { lineAndColumn, parseJsonObject } from '../../src/shared/jsonObject';
import { Backoff } from '../../src/shared/backoff';
import { NodeStore, PreloadedChildren, reloadThenAnnounce, topmost, type KeyedNode } from '../../src/views/airflow/nodeStore';
import {
  dagDescription,
  dagMatchesFilter,
  eventSource,
  formatLogLines,
  formatTime,
  inRunOrder,
  isActiveRunState,
  isActiveTaskState,
  newestEventsFirst,
  newestFirst,
  overallHealth,
  runDescription,
  serverDescription,
  stateIcon,
  statusBarLook,
  summarizeExtra,
  taskDescription,
} from '../../src/airflow/presentation';
import { addressFromQuery, addressToUriParts, type TaskLogAddress } from '../../src/views/airflow/taskLogAddress';
import { formatDuration } from '../../src/shared/durations';

function dag(overrides: Partial<Dag> = {}): Dag {
  return {
    dagId: 'kafka_batch_consumer', displayName: 'kafka_batch_consumer', isPaused: false, isActive: true,
    tags: ['kafka', 'etl'], owners: ['data-eng'], schedule: null, nextRunAt: null, fileLoc: '/dags/consumer.py',
    hasImportErrors: false, ...overrides,
  };
}

function run(runId: string, startDate: string | null, state = 'success'): DagRun {
  return {
    dagId: 'd', runId, state, runType: 'manual', logicalDate: startDate, startDate, endDate: null, durationSeconds: null, conf: {},
  };
}

function task(taskId: string, startDate: string | null, mapIndex = -1): TaskInstance {
  return {
    dagId: 'd', runId: 'r', taskId, mapIndex, state: 'success', tryNumber: 1, startDate, endDate: null, durationSeconds: 2.25, operator: null,
  };
}

const healthy: ServerHealth = { metadatabase: 'healthy', scheduler: 'healthy', dagProcessor: 'healthy', triggerer: 'healthy' };

describe('run and task states', () => {
  it('colors success green, failed red, spins running, and marks a missing state as unset', () => {
    assert.deepEqual(stateIcon('success'), { icon: 'pass-filled', color: 'testing.iconPassed' });
    assert.deepEqual(stateIcon('failed'), { icon: 'error', color: 'testing.iconFailed' });
    assert.equal(stateIcon('running').icon, 'sync~spin');
    assert.equal(stateIcon('queued').color, 'testing.iconQueued');
    assert.equal(stateIcon(null).icon, 'circle-large-outline');
    assert.equal(stateIcon('a_state_from_the_future').icon, 'question');
  });

  it('counts queued and running runs as active, finished ones not', () => {
    assert.ok(isActiveRunState('queued'));
    assert.ok(isActiveRunState('running'));
    assert.ok(!isActiveRunState('success'));
    assert.ok(!isActiveRunState(null));
    assert.ok(isActiveTaskState('up_for_retry'));
    assert.ok(isActiveTaskState('scheduled'));
    assert.ok(!isActiveTaskState('skipped'));
  });
});

describe('how rows read', () => {
  it('writes durations for people', () => {
    assert.equal(formatDuration(null), '—');
    assert.equal(formatDuration(0.44), '0.4 s');
    assert.equal(formatDuration(12.4), '12 s');
    assert.equal(formatDuration(185), '3 min 05 s');
    assert.equal(formatDuration(7620), '2 h 07 min');
  });

  it('shows times in UTC and leaves a non-time as it is', () => {
    assert.equal(formatTime('2026-11-22T02:10:01.123456+00:00'), '2026-11-22 02:10:01 UTC');
    assert.equal(formatTime('2026-11-22T04:10:01+02:00'), '2026-11-22 02:10:01 UTC');
    assert.equal(formatTime(null), '—');
    assert.equal(formatTime('soon'), 'soon');
  });

  it('marks a paused DAG and lists its tags', () => {
    assert.equal(dagDescription(dag({ isPaused: true })), 'paused · kafka, etl');
    assert.equal(dagDescription(dag({ tags: [] })), '');
  });

  it('gives a run its logical date and duration, and a task its state, try and duration', () => {
    const now = Date.parse('2026-11-22T02:00:30Z');
    const running = { ...run('manual__1', '2026-11-22T02:00:00Z', 'running') };
    assert.equal(runDescription(running, now), '2026-11-22 02:00:00 UTC · 30 s');
    assert.equal(taskDescription(task('hello', null), now), 'success · try 1 · 2.3 s');
  });

  it('orders runs newest first with a not-yet-started run on top, and tasks as they ran', () => {
    const runs = [run('old', '2026-01-01T00:00:00Z'), run('queued', null, 'queued'), run('new', '2026-02-01T00:00:00Z')];
    assert.deepEqual(newestFirst(runs).map((r) => r.runId), ['queued', 'new', 'old']);
    const tasks = [task('b', null), task('second', '2026-01-01T00:00:05Z'), task('first', '2026-01-01T00:00:01Z'), task('a', null)];
    assert.deepEqual(inRunOrder(tasks).map((t) => t.taskId), ['first', 'second', 'a', 'b']);
  });
});

describe('the DAG filter', () => {
  it('matches the id, a tag or an owner, ignoring case', () => {
    assert.ok(dagMatchesFilter(dag(), 'BATCH'));
    assert.ok(dagMatchesFilter(dag(), 'etl'));
    assert.ok(dagMatchesFilter(dag(), 'data-eng'));
    assert.ok(!dagMatchesFilter(dag(), 'orders'));
  });

  it('needs every word to match and knows tag: and owner:', () => {
    assert.ok(dagMatchesFilter(dag(), 'kafka consumer'));
    assert.ok(!dagMatchesFilter(dag(), 'kafka orders'));
    assert.ok(dagMatchesFilter(dag(), 'tag:etl'));
    assert.ok(!dagMatchesFilter(dag({ dagId: 'etl_loader', displayName: 'etl_loader', tags: [] }), 'tag:etl'));
    assert.ok(dagMatchesFilter(dag(), 'owner:data'));
    assert.ok(dagMatchesFilter(dag(), '   '));
  });
});

describe('dataset events', () => {
  const event: DatasetEvent = {
    id: 7, datasetId: 1, uri: 'kafka://workbench/orders', extra: { rows: 10, topic: 'orders' }, timestamp: '2026-11-22T02:10:00Z',
    sourceDagId: null, sourceTaskId: null, sourceRunId: null, sourceMapIndex: null, createdRuns: [],
  };

  it('summarizes extra in one line and says where an event came from', () => {
    assert.equal(summarizeExtra(event.extra), 'rows=10, topic=orders');
    assert.equal(summarizeExtra({}), 'no extra');
    assert.equal(summarizeExtra({ text: 'x'.repeat(100) }, 20).length, 20);
    assert.equal(eventSource(event), 'fired through the API');
    assert.equal(eventSource({ ...event, sourceDagId: 'producer', sourceRunId: 'manual__1' }), 'producer / manual__1');
  });

  it('lists events newest first', () => {
    const older = { ...event, id: 1, timestamp: '2026-11-22T01:00:00Z' };
    assert.deepEqual(newestEventsFirst([older, event]).map((e) => e.id), [7, 1]);
  });
});

describe('server health and the status bar', () => {
  const info = { apiVersion: 'v2' as const, version: '3.3.2', uiUrl: 'http://127.0.0.1:8080' };

  it('is healthy when nothing is unhealthy, and names what is not', () => {
    assert.equal(overallHealth(healthy), 'healthy');
    assert.equal(overallHealth({ ...healthy, scheduler: 'unhealthy' }), 'unhealthy');
    assert.equal(serverDescription(info, healthy), 'Airflow 3.3.2 · healthy');
    assert.equal(serverDescription(info, { ...healthy, scheduler: 'unhealthy', triggerer: 'unhealthy' }), 'Airflow 3.3.2 · scheduler, triggerer unhealthy');
  });

  it('shows the version with a check mark, a warning when unhealthy, an error when unreachable', () => {
    const ok = statusBarLook('Local', 'http://127.0.0.1:8080', { kind: 'ok', info, health: healthy, checkedAt: 0 });
    assert.equal(ok.text, '$(pulse) Airflow 3.3.2 ✓');
    assert.equal(ok.background, undefined);
    const sick = statusBarLook('Local', 'http://127.0.0.1:8080', { kind: 'ok', info, health: { ...healthy, scheduler: 'unhealthy' }, checkedAt: 0 });
    assert.equal(sick.text, '$(pulse) Airflow 3.3.2 ⚠');
    assert.equal(sick.background, 'warning');
    assert.match(sick.tooltip, /Unhealthy: scheduler/);
    const down = statusBarLook('Local', 'http://127.0.0.1:8080', { kind: 'error', error: new Error('Airflow at http://127.0.0.1:8080 refused the connection.'), checkedAt: 0 });
    assert.equal(down.text, '$(pulse) Airflow ✗');
    assert.equal(down.background, 'error');
    assert.match(down.tooltip, /refused the connection/);
    const checkingAgain = statusBarLook('Local', 'u', { kind: 'checking', previous: { kind: 'ok', info, health: healthy, checkedAt: 0 } });
    assert.equal(checkingAgain.text, ok.text, 'a re-check keeps showing the last answer');
  });
});

describe('task logs as text', () => {
  it('reads "time LEVEL text" and indents the lines that continue an entry', () => {
    const text = formatLogLines([
      { time: '2026-11-22T02:10:01.123Z', level: 'info', text: 'workbench smoke: hello from Airflow 3' },
      { time: '2026-11-22T02:10:02.5Z', level: 'error', text: 'Task failed' },
      { time: null, level: 'error', text: 'Traceback (most recent call last):' },
      { time: '2026-11-22T02:10:03Z', level: 'warning', text: 'two\nlines' },
    ]);
    assert.equal(text, [
      '2026-11-22 02:10:01.123 INFO  workbench smoke: hello from Airflow 3',
      '2026-11-22 02:10:02.500 ERROR Task failed',
      '                              Traceback (most recent call last):',
      '2026-11-22 02:10:03.000 WARNING two',
      '                                lines',
    ].join('\n'));
  });

  it('keeps lines without time or level as they are', () => {
    assert.equal(formatLogLines([{ time: null, level: null, text: '*** Found local files:' }]), '*** Found local files:');
  });
});

describe('the refresh backoff', () => {
  it('waits 2 s, 4 s, 8 s, 16 s, then 30 s, and starts over after a user action', () => {
    const backoff = new Backoff();
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => backoff.next()), [2000, 4000, 8000, 16000, 30000, 30000]);
    backoff.reset();
    assert.equal(backoff.next(), 2000);
  });
});

describe('the log document address', () => {
  it('survives run ids with colons, plus signs and slashes', () => {
    const address: TaskLogAddress = {
      kind: 'taskLog', connection: 'Local stack', dagId: 'workbench_smoke', runId: 'manual__2026-11-22T02:10:01.123+00:00/x',
      taskId: 'hello', tryNumber: 2, mapIndex: -1,
    };
    const { path, query } = addressToUriParts(address);
    assert.ok(path.endsWith('/hello · try 2.log'), path);
    assert.ok(!path.slice(1).split('/').some((segment) => segment === ''), 'no empty path segment');
    assert.deepEqual(addressFromQuery(query), address);
  });

  it('refuses a query it did not write', () => {
    assert.equal(addressFromQuery('not json'), undefined);
    assert.equal(addressFromQuery('{"k":"t","c":"x"}'), undefined);
  });
});

describe('conf and extra as a JSON object', () => {
  it('accepts an object and takes blank text as {}', () => {
    assert.deepEqual(parseJsonObject('{"rows": 10}', 'extra'), { ok: true, value: { rows: 10 } });
    assert.deepEqual(parseJsonObject('  \n', 'extra'), { ok: true, value: {} });
  });

  it('refuses a list, a string and null, saying what it got', () => {
    const list = parseJsonObject('[1, 2]', 'extra');
    assert.equal(list.ok, false);
    assert.match(list.message, /must be a JSON object .* not a list/);
    assert.match((parseJsonObject('"x"', 'conf') as { message: string }).message, /not a string/);
    assert.match((parseJsonObject('null', 'conf') as { message: string }).message, /not null/);
  });

  it('says on which line and column the JSON breaks', () => {
    const result = parseJsonObject('{\n  "rows": 10,\n  topic: "orders"\n}', 'extra');
    assert.equal(result.ok, false);
    assert.equal(result.line, 3);
    assert.equal(result.column, 3);
    assert.match(result.message, /^extra is not valid JSON: line 3, column 3: /);
    const comment = parseJsonObject('{ // no\n}', 'extra');
    assert.match(comment.ok ? '' : comment.message, /comments/);
  });

  it('counts lines and columns from 1', () => {
    assert.deepEqual(lineAndColumn('ab\ncd', 4), { line: 2, column: 2 });
    assert.deepEqual(lineAndColumn('', 0), { line: 1, column: 1 });
  });
});

describe('the node store of the trees', () => {
  interface TestNode extends KeyedNode { label: string }
  const node = (key: string, parent: TestNode | undefined, label = key): TestNode => ({ key, parent, label });

  it('returns the same object for a key and updates it in place', () => {
    const store = new NodeStore<TestNode>();
    const first = store.obtain('a', () => node('a', undefined, 'one'));
    const again = store.obtain('a', () => node('a', undefined, 'never'), (n) => { n.label = 'two'; });
    assert.equal(again, first);
    assert.equal(first.label, 'two');
  });

  it('forgets the subtree of a child that is no longer listed', () => {
    const store = new NodeStore<TestNode>();
    const root = store.obtain('c', () => node('c', undefined));
    const dagA = store.obtain('c/a', () => node('c/a', root));
    const dagB = store.obtain('c/b', () => node('c/b', root));
    store.setChildren(undefined, [root]);
    store.setChildren('c', [dagA, dagB]);
    store.setChildren('c/b', [store.obtain('c/b/run', () => node('c/b/run', dagB))]);
    assert.equal(store.size, 4);
    store.setChildren('c', [dagA]);
    assert.equal(store.get('c/b'), undefined);
    assert.equal(store.get('c/b/run'), undefined);
    assert.equal(store.size, 2);
  });

  it('refreshes only the topmost of nested rows', () => {
    const root = node('c', undefined);
    const dagNode = node('c/d', root);
    const runNode = node('c/d/r', dagNode);
    const other = node('c/e', root);
    assert.deepEqual(topmost([runNode, dagNode, other]).map((n) => n.key), ['c/d', 'c/e']);
  });

  // VS Code forgets the rows under a row as soon as it is announced as changed, until it has its
  // children again: a run expanded under its refreshing DAG in that time showed no task instances.
  it('reloads an expanded row by reading its children first, then announcing it; VS Code\'s request gets them at once', async () => {
    const root = node('c', undefined);
    const dagNode = node('c/d', root);
    const collapsed = node('c/e', root);
    const runs = [node('c/d/run/backfill__2026-12-03T00:00:00+00:00', dagNode)];
    const events: string[] = [];
    let answer: (children: TestNode[]) => void = () => undefined;
    const preloads = new PreloadedChildren<TestNode>();
    const reloading = reloadThenAnnounce([dagNode, collapsed], {
      isExpanded: (n) => n === dagNode,
      childKeys: () => [],
      load: (n) => {
        events.push(`read ${n.key}`);
        return new Promise<TestNode[]>((resolve) => { answer = resolve; });
      },
      preloads,
      announce: (rows) => { events.push(`announce ${rows.map((r) => r.key).join(' ')}`); },
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(events, ['read c/d'], 'nothing is announced while the server has not answered');
    answer(runs);
    await reloading;
    assert.deepEqual(events, ['read c/d', 'announce c/d c/e'], 'the collapsed row is announced without reading its children');
    assert.deepEqual(await preloads.take('c/d'), runs, 'VS Code\'s request for the children gets those read');
    assert.equal(preloads.take('c/d'), undefined, 'used once: the next request reads again');
    assert.equal(preloads.take('c/e'), undefined);
  });

  /** A DAG with two runs, the first expanded (its tasks shown), refreshed by the view while something runs. */
  function dagWithRuns(runIds: readonly string[]): { store: NodeStore<TestNode>; dagNode: TestNode; events: string[]; steps: Parameters<typeof reloadThenAnnounce<TestNode>>[1] } {
    const store = new NodeStore<TestNode>();
    const root = store.obtain('c', () => node('c', undefined));
    const dagNode = store.obtain('c/d', () => node('c/d', root));
    const runKeyOf = (runId: string): string => `c/d/run/${runId}`;
    store.setChildren('c/d', ['r1', 'r2'].map((id) => store.obtain(runKeyOf(id), () => node(runKeyOf(id), dagNode))));
    const events: string[] = [];
    const steps = {
      isExpanded: (n: TestNode) => n.key === 'c/d' || n.key === runKeyOf('r1'),
      childKeys: (n: TestNode) => store.childKeys(n.key),
      load: (n: TestNode): Promise<TestNode[]> => {
        events.push(`read ${n.key}`);
        if (n === dagNode) return Promise.resolve(store.setChildren('c/d', runIds.map((id) => store.obtain(runKeyOf(id), () => node(runKeyOf(id), dagNode)))));
        return Promise.resolve(store.setChildren(n.key, [store.obtain(`${n.key}/task/t`, () => node(`${n.key}/task/t`, n))]));
      },
      preloads: new PreloadedChildren<TestNode>(),
      announce: (rows: TestNode[]) => { events.push(`announce ${rows.map((r) => r.key).join(' ')}`); },
    };
    return { store, dagNode, events, steps };
  }

  it('while something runs, a DAG that lists the same runs is not announced: its runs are, so an expanded run keeps its tasks', async () => {
    const { dagNode, events, steps } = dagWithRuns(['r1', 'r2']);
    await reloadThenAnnounce([dagNode], steps, { keepUnchangedRows: true });
    assert.deepEqual(events, ['read c/d', 'read c/d/run/r1', 'announce c/d/run/r1 c/d/run/r2']);
    assert.equal(steps.preloads.take('c/d'), undefined, 'VS Code keeps the DAG\'s rows: nothing waits for it');
    assert.deepEqual((await steps.preloads.take('c/d/run/r1'))?.map((n) => n.key), ['c/d/run/r1/task/t'], 'the expanded run\'s tasks are ready for VS Code');
  });

  it('while something runs, a DAG with a new run is announced itself, its runs read first', async () => {
    const { dagNode, events, steps } = dagWithRuns(['r3', 'r1', 'r2']);
    await reloadThenAnnounce([dagNode], steps, { keepUnchangedRows: true });
    assert.deepEqual(events, ['read c/d', 'announce c/d']);
    assert.deepEqual((await steps.preloads.take('c/d'))?.map((n) => n.key), ['c/d/run/r3', 'c/d/run/r1', 'c/d/run/r2']);
  });

  it('reads a row\'s children again when VS Code asks long after the reload (the row was collapsed)', () => {
    let now = 0;
    const preloads = new PreloadedChildren<TestNode>(10_000, () => now);
    preloads.put('c/d', Promise.resolve([]));
    now = 10_001;
    assert.equal(preloads.take('c/d'), undefined);
    assert.equal(preloads.size, 0);
  });
});

describe('messages from the dataset-event form', () => {
  it('accepts ready and the known requests with string parameters', () => {
    assert.deepEqual(parseWebviewMessage({ kind: 'ready' }), { kind: 'ready' });
    const fire = parseWebviewMessage({ kind: 'request', id: 3, method: 'fire', params: { connection: 'c', uri: 'u', extraText: '{}' } });
    assert.equal(fire?.kind === 'request' ? fire.method : undefined, 'fire');
  });

  it('drops unknown methods, missing ids and wrong parameters', () => {
    assert.equal(parseWebviewMessage({ kind: 'request', id: 1, method: 'deleteEverything', params: {} }), undefined);
    assert.equal(parseWebviewMessage({ kind: 'request', method: 'fire', params: { connection: 'c', uri: 'u', extraText: '{}' } }), undefined);
    assert.equal(parseWebviewMessage({ kind: 'request', id: 1, method: 'fire', params: { connection: 'c', uri: 5, extraText: '{}' } }), undefined);
    assert.equal(parseWebviewMessage('ready'), undefined);
  });
});
