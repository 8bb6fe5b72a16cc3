/**
 * The stack's workspace DAG slots (src/stack/workspaceDags.ts): which slot each folder gets
 * when several windows share the stack, what is refused (overlapping folders, no free slot)
 * and why, and that the links on disk end up as planned (a real temp folder, real symlinks).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  applySlotPlan, parseStackEnv, planSlots, readSlots, slotLinks, stackDagPathsFrom, type Slot,
} from '../../src/stack/workspaceDags';

const slot = (index: number, target?: string, targetExists = true): Slot =>
  ({ index, path: `/state/workspace-dags/${index}`, target, targetExists: target !== undefined && targetExists, foreign: false });
const mine = (target: string): boolean => target.startsWith('/me/');

describe('planSlots', () => {
  it('keeps a linked folder in its slot and gives a new one the first free slot', () => {
    const plan = planSlots([slot(1, '/me/a/dags'), slot(2), slot(3, '/other/dags'), slot(4)], ['/me/a/dags', '/me/b/dags'], mine);
    assert.deepEqual(plan.link, [{ index: 2, target: '/me/b/dags' }]);
    assert.deepEqual(plan.unlink, []);
    assert.deepEqual([...plan.slotOf], [['/me/a/dags', 1], ['/me/b/dags', 2]]);
    assert.deepEqual(plan.problems, []);
  });

  it('frees this window\'s folders that are no longer wanted and dangling links; another window\'s stay', () => {
    const plan = planSlots([slot(1, '/me/old'), slot(2, '/gone', false), slot(3, '/other/dags'), slot(4)], [], mine);
    assert.deepEqual(plan.unlink.sort(), [1, 2]);
    assert.deepEqual(plan.link, []);
  });

  it('reuses a slot it frees in the same plan (unlink not needed then)', () => {
    const plan = planSlots([slot(1, '/me/old'), slot(2, '/o/1'), slot(3, '/o/2'), slot(4, '/o/3')], ['/me/new'], mine);
    assert.deepEqual(plan.link, [{ index: 1, target: '/me/new' }]);
    assert.deepEqual(plan.unlink, []);
  });

  it('refuses a folder inside or around another slot\'s folder, naming both', () => {
    const plan = planSlots([slot(1, '/other/project'), slot(2), slot(3), slot(4)], ['/other/project/dags', '/me/x', '/me/x/sub'], mine);
    assert.deepEqual(plan.link, [{ index: 2, target: '/me/x' }]);
    assert.equal(plan.problems.length, 2);
    assert.match(plan.problems[0] ?? '', /\/other\/project\/dags is inside \/other\/project, which workspace DAG slot 1 already links/);
    assert.match(plan.problems[1] ?? '', /\/me\/x\/sub is inside \/me\/x, which workspace DAG slot 2/);
  });

  it('says which folders hold the slots when none is free', () => {
    const plan = planSlots([slot(1, '/o/1'), slot(2, '/o/2')], ['/me/dags'], mine);
    assert.deepEqual(plan.link, []);
    assert.match(plan.problems[0] ?? '', /all 2 workspace DAG slots of the stack are in use \(1: \/o\/1; 2: \/o\/2\)/);
  });

  it('never touches a slot that is not a symlink', () => {
    const plan = planSlots([{ ...slot(1), foreign: true }, slot(2)], ['/me/dags'], mine);
    assert.deepEqual(plan.link, [{ index: 2, target: '/me/dags' }]);
  });
});

describe('stack.sh env', () => {
  it('reads the slot paths and whether the running Airflow 3 reads them', () => {
    const env = parseStackEnv([
      'export KAW_WORKSPACE_DAGS=/root/.cache/kafka-airflow-workbench/state/workspace-dags',
      'export KAW_WORKSPACE_DAG_SLOTS=4',
      'export KAW_AIRFLOW2_DAGS_DIR=/root/.cache/kafka-airflow-workbench/state/airflow2-dags',
      'export KAW_AIRFLOW3_READS_WORKSPACE_DAGS=1',
      'export KAW_AIRFLOW3_VENV=/root/.cache/kafka-airflow-workbench/venv-airflow3-3.3.2-py3.11',
    ].join('\n'));
    const paths = stackDagPathsFrom('/ext/stack/native/stack.sh', env);
    assert.equal(paths.slotCount, 4);
    assert.equal(paths.airflow3ReadsSlots, true);
    assert.equal(paths.workspaceDags, '/root/.cache/kafka-airflow-workbench/state/workspace-dags');
    assert.throws(() => stackDagPathsFrom('/ext/stack.sh', parseStackEnv('export KAW_KAFKA_BROKERS=x')), /did not print KAW_WORKSPACE_DAG_SLOTS/);
  });
});

describe('slots on disk', () => {
  let root = '';
  before(async () => { root = await mkdtemp(join(tmpdir(), 'kaw-slots-')); });
  after(async () => { await rm(root, { recursive: true, force: true }); });

  it('links, relinks and frees slots; a deleted folder reads as dangling; links map server paths', async () => {
    const paths = { workspaceDags: join(root, 'workspace-dags'), slotCount: 3, airflow2DagsDir: join(root, 'airflow2-dags') };
    const a = join(root, 'a');
    const b = join(root, 'b');
    await mkdir(a);
    await mkdir(b);
    await writeFile(join(a, 'dag.py'), '# a DAG\n');
    await applySlotPlan(paths, planSlots(await readSlots(paths), [a, b], (t) => t.startsWith(root)));
    assert.equal(await readlink(join(paths.workspaceDags, '1')), a);
    assert.equal(await readlink(join(paths.workspaceDags, '2')), b);

    await applySlotPlan(paths, planSlots(await readSlots(paths), [b], (t) => t.startsWith(root)));
    assert.deepEqual((await readSlots(paths)).map((s) => s.target), [undefined, b, undefined]);

    await rm(b, { recursive: true });
    await symlink(a, join(paths.workspaceDags, '3'));
    const slots = await readSlots(paths);
    assert.deepEqual(slots.map((s) => [s.index, s.targetExists]), [[1, false], [2, false], [3, true]]);
    assert.deepEqual(slotLinks(paths, slots), [{
      folder: a,
      serverPaths: [join(paths.workspaceDags, '3'), join(paths.airflow2DagsDir, 'workspace-3')],
      bundleName: 'workspace-3',
    }]);
  });
});
