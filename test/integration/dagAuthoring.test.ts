/**
 * Writing a DAG against the native stack, as the editor does it: a temp folder is linked into
 * a free workspace DAG slot (what kafkaAirflow.stack.dagFolders does), a DAG file with a
 * syntax error is written into it, and
 *   - the local check (stack/native/parse_dag_file.py in the stack's Airflow 3 venv) reports
 *     the error at its line;
 *   - Airflow 3 reports the import error through /api/v2/importErrors (bundle workspace-N), and
 *     the editor's mapping puts it on the same file and line; Airflow 2 through /api/v1 too;
 *   - once the file is fixed, both errors go away and the DAG appears on the server;
 *   - `airflow dags test` of the DAG succeeds.
 * Prints the figures: local check time, and the time until each API reports the error and its fix.
 *
 *   bash stack/native/stack.sh up airflow3 airflow2
 *   node --import tsx --test test/integration/dagAuthoring.test.ts
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AirflowClient } from '../../src/airflow/airflowClient';
import { importErrorDiagnostic, type DagFolderLink } from '../../src/airflow/importErrors';
import { DagNotFoundError } from '../../src/airflow/errors';
import type { ImportError } from '../../src/airflow/types';
import { DagFileChecker } from '../../src/stack/dagCheck';
import { runDagTest } from '../../src/stack/dagTest';
import {
  applySlotPlan, parseStackEnv, planSlots, readSlots, readStackDagPaths, slotLinks, type StackDagPaths,
} from '../../src/stack/workspaceDags';
import { runCommand } from '../../src/stack/launcher';
import { silentLogger } from '../../src/shared/logger';

const root = resolve(import.meta.dirname, '..', '..');
const stackScript = join(root, 'stack', 'native', 'stack.sh');
const parseScript = join(root, 'stack', 'native', 'parse_dag_file.py');
const withAirflow2 = process.env['KAW_SKIP_AIRFLOW2'] !== '1';
/** The dag processors on 2 shared cores can be slow under load: wait up to this long. */
const WAIT_MS = 180_000;

const dagId = `kaw_it_authoring_${randomUUID().slice(0, 8)}`;
/** Works on both Airflows (Airflow 3 keeps these imports as deprecated aliases). */
const goodDag = [
  '"""A DAG written by test/integration/dagAuthoring.test.ts."""',
  'from datetime import datetime',
  '',
  'from airflow import DAG',
  'from airflow.decorators import task',
  '',
  `with DAG("${dagId}", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["workbench-test"]) as dag:`,
  '    @task',
  '    def first():',
  '        return 1',
  '    second = task(lambda x: x + 1, task_id="second")',
  '    second(first())',
  '',
].join('\n');
/** Line 11 (1-based) loses its closing parenthesis. */
const ERROR_LINE = 11;
const brokenDag = goodDag.replace('task(lambda x: x + 1, task_id="second")', 'task(lambda x: x + 1, task_id="second"');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = WAIT_MS): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Gave up after ${ms / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

describe('writing a DAG in a linked workspace folder', () => {
  let paths: StackDagPaths;
  let env: Map<string, string>;
  let folder = '';
  let file = '';
  let slot = 0;
  let links: DagFolderLink[] = [];
  let airflow3: AirflowClient;
  let airflow2: AirflowClient | undefined;
  const checker = new DagFileChecker({ stackScript, parseScript, logger: silentLogger });
  const figures: string[] = [];
  let writtenAt = 0;

  before(async () => {
    paths = await readStackDagPaths(stackScript);
    env = parseStackEnv((await runCommand({ command: 'bash', args: [stackScript, 'env'], cwd: root }, () => undefined)).output);
    assert.ok(paths.airflow3ReadsSlots,
      'The running Airflow 3 does not read the workspace DAG slots (it was started by an older stack.sh): restart it with "bash stack/native/stack.sh down airflow3 && bash stack/native/stack.sh up airflow3"');
    const credentials = { auth: 'password' as const, username: 'admin', password: 'admin', requestTimeoutMs: 30_000 };
    airflow3 = new AirflowClient({ name: 'Local stack', url: env.get('KAW_AIRFLOW3_URL') ?? 'http://127.0.0.1:8080', ...credentials }, silentLogger);
    await airflow3.serverInfo();
    if (withAirflow2) {
      airflow2 = new AirflowClient({ name: 'Local Airflow 2', url: env.get('KAW_AIRFLOW2_URL') ?? 'http://127.0.0.1:8081', ...credentials }, silentLogger);
      // Its processes hide their environment, so its DAG folder is read from where a bundled DAG's file is.
      const hello = await airflow2.getDag('workbench_test_hello');
      assert.ok(hello.fileLoc?.startsWith(`${paths.airflow2DagsDir}/`),
        `The running Airflow 2 reads ${hello.fileLoc ?? '?'}, not ${paths.airflow2DagsDir} with the workspace DAG slots (it was started by an older stack.sh): restart it with "bash stack/native/stack.sh down airflow2 && bash stack/native/stack.sh up airflow2"`);
    }
    folder = await mkdtemp(join(tmpdir(), 'kaw-dag-authoring-'));
    file = join(folder, 'authoring_dag.py');
    const plan = planSlots(await readSlots(paths), [folder], (target) => target.startsWith(folder));
    assert.deepEqual(plan.problems, [], 'a workspace DAG slot is free');
    await applySlotPlan(paths, plan);
    slot = plan.slotOf.get(folder) ?? 0;
    links = slotLinks(paths, await readSlots(paths));
    assert.ok(slot > 0);
  });

  after(async () => {
    checker.dispose();
    if (slot > 0) await applySlotPlan(paths, { link: [], unlink: [slot], problems: [], slotOf: new Map() });
    if (folder) await rm(folder, { recursive: true, force: true });
    // The DAG's rows stay on the servers as stale (its file is gone), like any deleted DAG file.
    if (figures.length > 0) console.log(`\nDAG authoring figures (slot ${slot}):\n  ${figures.join('\n  ')}\n`);
  });

  const errorOf = (errors: ImportError[]): ImportError | undefined => errors.find((e) => importErrorDiagnostic(e, links, [])?.file === file);

  it('a syntax error: the local check and both APIs report it, mapped to the line', async () => {
    await writeFile(file, brokenDag);
    writtenAt = performance.now();
    // The servers are watched from the write on, while the local check runs.
    const timed = <T>(what: string, work: Promise<T>): Promise<T> => work.then((value) => {
      figures.push(`${what}: ${seconds(performance.now() - writtenAt)} after the write`);
      return value;
    });
    const fromAirflow3 = timed('Airflow 3 API reports the import error', waitFor('Airflow 3 to report the import error', async () => errorOf(await airflow3.listImportErrors())));
    const client2 = airflow2;
    const fromAirflow2 = client2 ? timed('Airflow 2 API reports the import error', waitFor('Airflow 2 to report the import error', async () => errorOf(await client2.listImportErrors()))) : undefined;
    fromAirflow3.catch(() => undefined);
    fromAirflow2?.catch(() => undefined);

    const local = await checker.check(file, folder);
    figures.push(`local check of the broken file: ${local.elapsedMs} ms (worker start included; parse ${Math.round(local.durationMs)} ms)`);
    assert.equal(local.errors.length, 1);
    const localError = local.errors[0];
    assert.ok(localError);
    const localDiagnostic = importErrorDiagnostic({ filename: localError.file, stackTrace: localError.stackTrace }, links, []);
    assert.ok(localDiagnostic);
    assert.equal(localDiagnostic.file, file);
    assert.equal(localDiagnostic.line, ERROR_LINE);
    assert.match(localDiagnostic.message, /^SyntaxError: '\(' was never closed/);

    const again = performance.now();
    await writeFile(file, brokenDag); // a second save: the worker is warm
    const warm = await checker.check(file, folder);
    figures.push(`local check, warm worker: ${Math.round(performance.now() - again)} ms`);
    assert.equal(warm.errors.length, 1);

    const served = await fromAirflow3;
    assert.equal(served.bundleName, `workspace-${slot}`);
    assert.equal(served.filename, 'authoring_dag.py');
    const diagnostic = importErrorDiagnostic(served, links, []);
    assert.ok(diagnostic);
    assert.equal(diagnostic.line, ERROR_LINE);
    assert.equal(diagnostic.exact, true);
    assert.equal(diagnostic.message, localDiagnostic.message, 'the server and the local check say the same');

    if (fromAirflow2) {
      const served2 = await fromAirflow2;
      assert.equal(served2.bundleName, null);
      assert.equal(importErrorDiagnostic(served2, links, [])?.line, ERROR_LINE);
    }
  });

  it('fixed: the errors go away and the DAG appears on the servers', async () => {
    await writeFile(file, goodDag);
    const fixedAt = performance.now();
    const local = await checker.check(file, folder);
    figures.push(`local check of the fixed file: ${local.elapsedMs} ms`);
    assert.deepEqual(local.errors, []);
    assert.deepEqual(local.dags.map((d) => [d.dagId, d.tasks.map((t) => t.taskId).sort()]), [[dagId, ['first', 'second']]]);

    await waitFor('Airflow 3 to drop the import error', async () => (errorOf(await airflow3.listImportErrors()) ? undefined : true));
    figures.push(`Airflow 3 API drops the import error: ${seconds(performance.now() - fixedAt)} after the fix`);
    const dag = await waitFor('Airflow 3 to have the DAG', async () => airflow3.getDag(dagId).catch((error: unknown) => {
      if (error instanceof DagNotFoundError) return undefined;
      throw error;
    }));
    figures.push(`Airflow 3 API has the DAG: ${seconds(performance.now() - fixedAt)} after the fix`);
    assert.equal(dag.bundleName, `workspace-${slot}`);
    assert.equal(dag.relativeFileLoc, 'authoring_dag.py');
    // What Open Source shows for a DAG whose file is not in the workspace: the server's copy.
    assert.equal(await airflow3.getDagSource(dagId), goodDag);

    if (airflow2) {
      const client = airflow2;
      await waitFor('Airflow 2 to drop the import error', async () => (errorOf(await client.listImportErrors()) ? undefined : true));
      await waitFor('Airflow 2 to have the DAG', async () => client.getDag(dagId).catch((error: unknown) => {
        if (error instanceof DagNotFoundError) return undefined;
        throw error;
      }));
      figures.push(`Airflow 2 API drops the error and has the DAG: ${seconds(performance.now() - fixedAt)} after the fix`);
      assert.equal(await client.getDagSource(dagId), goodDag, 'Airflow 2 serves the source by the file token of the DAG\'s details');
    }
  });

  it('airflow dags test runs the DAG from its bundle and reports each task; the scheduler leaves them to it', async () => {
    const lines: string[] = [];
    // The stack makes DAGs unpaused: without the pause, its scheduler ran the test run's tasks too
    // and the test's own attempt ended "TI was not in a state where it could be marked as running".
    assert.equal((await airflow3.getDag(dagId)).isPaused, false, 'the DAG is unpaused before its test');
    const result = await runDagTest({
      stackScript, dagId, bundleName: `workspace-${slot}`, dagFilePath: join(paths.workspaceDags, String(slot), 'authoring_dag.py'),
      onLine: (line) => { lines.push(line); }, timeoutMs: 300_000, airflow: airflow3,
    });
    figures.push(`airflow dags test: ${seconds(result.durationMs)} (${result.outcome})`);
    const said = `${JSON.stringify({ ...result, command: undefined })}\n${lines.slice(-40).join('\n')}`;
    assert.equal(result.outcome, 'success', said);
    assert.equal(result.runState, 'success', said);
    assert.deepEqual(result.tasks, [{ taskId: 'first', state: 'success' }, { taskId: 'second', state: 'success' }], said);
    // The run is on the server as the DAGs view shows it.
    const instances = await airflow3.listTaskInstances(dagId, result.runId ?? '');
    assert.deepEqual(instances.map((ti) => [ti.taskId, ti.state]).sort(), [['first', 'success'], ['second', 'success']]);
    assert.equal(result.pausedForTest, true, said);
    assert.ok(lines.includes(`Paused ${dagId} while it is tested, so the scheduler leaves the test's tasks to the test.`), said);
    assert.ok(lines.includes(`Unpaused ${dagId} again.`), said);
    assert.equal((await airflow3.getDag(dagId)).isPaused, false, 'unpaused again after the test');
  });
});
