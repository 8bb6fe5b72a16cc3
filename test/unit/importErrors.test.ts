/**
 * Import errors where the code is (src/airflow/importErrors.ts), on real answers captured from
 * the stack: Airflow 3's /api/v2/importErrors for a workspace folder linked as slot 1
 * (bundle workspace-1), Airflow 2's /api/v1/importErrors through its workspace-1 link, and the
 * local check's output for the same files. Each error lands on the DAG file's line that a user
 * would fix, with Python's message, whatever path the server used.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  errorHints, importErrorDiagnostic, linkedWorkspaceFile, matchByRelativePath, parseTraceback, type DagFolderLink,
} from '../../src/airflow/importErrors';
import { decodeV1 } from '../../src/airflow/v1';
import { decodeV2 } from '../../src/airflow/v2';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'airflow');
const ctx = { endpoint: 'GET /importErrors', serverUrl: 'http://127.0.0.1' };
const v2 = decodeV2.importErrorPage(JSON.parse(readFileSync(join(fixtures, 'v2', 'import-errors-workspace.json'), 'utf8')), ctx).items;
const v1 = decodeV1.importErrorPage(JSON.parse(readFileSync(join(fixtures, 'v1', 'import-errors-workspace.json'), 'utf8')), ctx).items;
const local = JSON.parse(readFileSync(join(fixtures, 'local-check', 'results.json'), 'utf8')) as { id: string; errors: { file: string; stackTrace: string }[] }[];

/** The folder as the capture saw it, and how the stack's Airflows see it. */
const WORKSPACE = '/tmp/kaw-dagloop/ws/dags';
const links: DagFolderLink[] = [{
  folder: WORKSPACE,
  serverPaths: ['/tmp/kaw-dagloop/state/workspace-dags/1', '/tmp/kaw-dagloop/state/airflow2-dags/workspace-1'],
  bundleName: 'workspace-1',
}];
const dagFile = (name: string): string => `${WORKSPACE}/${name}`;
const source = (name: string): string[] => readFileSync(join(fixtures, 'dag-files', name), 'utf8').split('\n');

function byFile<T extends { filename: string }>(errors: T[], name: string): T {
  const found = errors.find((e) => e.filename.endsWith(name));
  assert.ok(found, `no import error for ${name}`);
  return found;
}

describe('parseTraceback', () => {
  it('reads the frames, the SyntaxError location with its column, and the exception line', () => {
    const parsed = parseTraceback(byFile(v2, 'syntax.py').stackTrace);
    assert.equal(parsed.message, "SyntaxError: '(' was never closed");
    assert.equal(parsed.exceptionType, 'SyntaxError');
    assert.deepEqual(parsed.syntaxLocation, { file: '/tmp/kaw-dagloop/state/workspace-dags/1/syntax.py', line: 6, column: 13 });
  });

  it('keeps the innermost frame last and the code Python printed under each', () => {
    const parsed = parseTraceback(byFile(v2, 'deep_err.py').stackTrace);
    assert.equal(parsed.message, "KeyError: 'missing_conf'");
    assert.deepEqual(parsed.frames.slice(-2).map((f) => [f.file.split('/').pop(), f.line, f.functionName, f.code]), [
      ['helpers_deep.py', 6, '_inner', 'return _leaf(dag)'],
      ['helpers_deep.py', 10, '_leaf', 'raise KeyError("missing_conf")'],
    ]);
  });

  it('takes a message without a traceback whole (a cycle) and the last section of a chained traceback', () => {
    assert.equal(parseTraceback(byFile(v2, 'cycle.py').stackTrace).message, 'AirflowDagCycleException: Cycle detected in Dag: ws_cycle. Faulty task: b');
    const chained = [
      'Traceback (most recent call last):', '  File "/d/a.py", line 3, in <module>', '    import x', "ModuleNotFoundError: No module named 'x'",
      '', 'During handling of the above exception, another exception occurred:', '',
      'Traceback (most recent call last):', '  File "/d/a.py", line 5, in <module>', '    raise RuntimeError("needs x")', 'RuntimeError: needs x', '',
    ].join('\n');
    const parsed = parseTraceback(chained);
    assert.equal(parsed.message, 'RuntimeError: needs x');
    assert.deepEqual(parsed.frames.map((f) => f.line), [5]);
  });

  it('names the DAG and task an error without a traceback is about', () => {
    assert.deepEqual(errorHints('AirflowDagCycleException: Cycle detected in Dag: ws_cycle. Faulty task: b'), { dagId: 'ws_cycle', taskId: 'b' });
    assert.deepEqual(errorHints("DuplicateTaskIdFound: Task id 'extract' has already been added to the DAG"), { taskId: 'extract' });
  });
});

describe('server paths to workspace files', () => {
  it('maps a bundle-relative name (Airflow 3), a slot path and an Airflow 2 link path to the folder', () => {
    assert.equal(linkedWorkspaceFile({ path: 'sub/orders.py', bundleName: 'workspace-1' }, links), dagFile('sub/orders.py'));
    assert.equal(linkedWorkspaceFile({ path: 'orders.py', bundleName: 'dags-folder' }, links), undefined);
    assert.equal(linkedWorkspaceFile({ path: '/tmp/kaw-dagloop/state/workspace-dags/1/a.py' }, links), dagFile('a.py'));
    assert.equal(linkedWorkspaceFile({ path: '/tmp/kaw-dagloop/state/airflow2-dags/workspace-1/a.py' }, links), dagFile('a.py'));
    assert.equal(linkedWorkspaceFile({ path: `${WORKSPACE}/a.py` }, links), dagFile('a.py'), 'the local check reports real paths');
    assert.equal(linkedWorkspaceFile({ path: '/tmp/kaw-dagloop/state/workspace-dags/10/a.py' }, links), undefined, 'slot 10 is not slot 1');
  });

  it('matches a remote file by the longest unique tail of its path, never by an ambiguous one', () => {
    const files = ['/w/dags/etl/orders.py', '/w/dags/ml/orders.py', '/w/dags/etl/users.py', '/w/tests/test_users.py'];
    assert.equal(matchByRelativePath('/opt/airflow/dags/etl/orders.py', files), '/w/dags/etl/orders.py');
    assert.equal(matchByRelativePath('etl/users.py', files), '/w/dags/etl/users.py');
    assert.equal(matchByRelativePath('/opt/airflow/dags/users.py', files), '/w/dags/etl/users.py', 'a unique file name is enough');
    assert.equal(matchByRelativePath('/opt/airflow/dags/orders.py', files), undefined, 'two orders.py: no guess');
    assert.equal(matchByRelativePath('/opt/airflow/dags/payments.py', files), undefined);
  });
});

describe('importErrorDiagnostic on the captured answers', () => {
  const expectations: [name: string, line: number, message: string, sourceContains: string][] = [
    ['syntax.py', 6, "SyntaxError: '(' was never closed", 'BashOperator(task_id="a"'],
    ['nameerr.py', 5, "NameError: name 'FooOperator' is not defined", 'FooOperator('],
    ['helper_err.py', 6, 'ValueError: no tasks configured', 'helpers.make_tasks()'],
    ['deep_err.py', 6, "KeyError: 'missing_conf'", 'build(dag)'],
  ];

  for (const [name, line, message, sourceContains] of expectations) {
    it(`Airflow 3: ${name} at line ${line}`, () => {
      const d = importErrorDiagnostic(byFile(v2, name), links, []);
      assert.ok(d);
      assert.equal(d.file, dagFile(name));
      assert.equal(d.line, line);
      assert.equal(d.message, message);
      assert.equal(d.exact, true);
      assert.ok(source(name)[line - 1]?.includes(sourceContains), `line ${line} of ${name} is the one to fix`);
    });

    it(`local check: ${name} at line ${line}`, () => {
      const result = local.find((r) => r.id === name.replace(/\.py$/, ''));
      const error = result?.errors[0];
      if (!error) {
        assert.equal(name, 'helper_err.py', 'only helper_err.py was not captured locally');
        return;
      }
      const d = importErrorDiagnostic({ filename: error.file, stackTrace: error.stackTrace }, links, []);
      assert.ok(d);
      assert.equal(d.file, dagFile(name));
      assert.equal(d.line, line);
      assert.equal(d.message, message);
    });
  }

  it('links the frames in helper modules as related places, innermost last', () => {
    const d = importErrorDiagnostic(byFile(v2, 'deep_err.py'), links, []);
    assert.deepEqual(d?.relatedFrames, [
      { file: dagFile('helpers_deep.py'), line: 2, functionName: 'build' },
      { file: dagFile('helpers_deep.py'), line: 6, functionName: '_inner' },
      { file: dagFile('helpers_deep.py'), line: 10, functionName: '_leaf' },
    ]);
  });

  it('puts a cycle on line 1 (not exact) with the DAG and task to look for', () => {
    const d = importErrorDiagnostic(byFile(v2, 'cycle.py'), links, []);
    assert.ok(d);
    assert.equal(d.line, 1);
    assert.equal(d.exact, false);
    assert.deepEqual(d.hints, { dagId: 'ws_cycle', taskId: 'b' });
  });

  it('Airflow 2: absolute paths through its link land on the same lines', () => {
    assert.equal(importErrorDiagnostic(byFile(v1, 'syntax.py'), links, [])?.line, 6);
    const nameError = importErrorDiagnostic(byFile(v1, 'af2_nameerr.py'), links, []);
    assert.ok(nameError);
    assert.equal(nameError.file, dagFile('af2_nameerr.py'));
    assert.equal(nameError.line, 5);
    assert.equal(nameError.message, "NameError: name 'BashOperatr' is not defined");
  });

  it('a remote server: matched by relative path, frames of the same file found by the server path', () => {
    const remote = { filename: '/opt/airflow/dags/nameerr.py', stackTrace: byFile(v2, 'nameerr.py').stackTrace.replaceAll('/tmp/kaw-dagloop/state/workspace-dags/1', '/opt/airflow/dags') };
    const d = importErrorDiagnostic(remote, [], ['/home/me/project/dags/nameerr.py', '/home/me/project/dags/good.py']);
    assert.ok(d);
    assert.equal(d.file, '/home/me/project/dags/nameerr.py');
    assert.equal(d.line, 5);
    assert.equal(importErrorDiagnostic(remote, [], ['/home/me/project/dags/good.py']), undefined, 'not in the workspace: no diagnostic');
  });
});
