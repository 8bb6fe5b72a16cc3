/**
 * Where a DAG file defines its DAGs and tasks (src/airflow/dagSource.ts): the lines the
 * CodeLens sits on and the ids it asks the server about, for the ways people write DAGs
 * (`@dag`, `with DAG(...)`, `DAG(...)`, `@task`, operators, `.partial`), and not for a `DAG(`
 * in a comment or a docstring.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { maskPython, mayDefineDag, outlineDagFile } from '../../src/airflow/dagSource';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'airflow', 'dag-files', name), 'utf8');

describe('outlineDagFile', () => {
  it('@dag with @task: the function name is the DAG id, the task the function it decorates', () => {
    const outline = outlineDagFile(fixture('good.py'));
    assert.deepEqual(outline.dags.map((d) => [d.dagId, d.line, d.kind]), [['ws_good', 4, 'decorator']]);
    assert.deepEqual(outline.tasks.map((t) => [t.taskId, t.line, t.operator, t.dagIndex]), [['hello', 6, '@task', 0]]);
  });

  it('with DAG("id") and operators with task_id=', () => {
    const outline = outlineDagFile(fixture('cycle.py'));
    assert.deepEqual(outline.dags.map((d) => [d.dagId, d.line, d.kind, d.endLine]), [['ws_cycle', 5, 'with', 8]]);
    assert.deepEqual(outline.tasks.map((t) => [t.taskId, t.line, t.operator, t.dagIndex]), [['a', 6, 'EmptyOperator', 0], ['b', 7, 'EmptyOperator', 0]]);
  });

  it('two DAGs in one file: each task belongs to the block it is in', () => {
    const outline = outlineDagFile(fixture('dup.py'));
    assert.deepEqual(outline.dags.map((d) => [d.dagId, d.line]), [['ws_dup', 5], ['ws_dup', 7]]);
    assert.deepEqual(outline.tasks.map((t) => [t.taskId, t.dagIndex]), [['a', 0], ['b', 1]]);
  });

  it('reads dag_id= and task_id= keywords, decorator arguments, .partial and .override, and multi-line calls', () => {
    const text = [
      'from airflow.sdk import dag, task, DAG',                   // 1
      'from airflow.providers.standard.operators.bash import BashOperator',
      '',
      '@dag(',                                                    // 4
      '    dag_id="orders_daily",',
      '    schedule="@daily",',
      ')',
      'def build():',                                             // 8
      '    @task.bash(task_id="say")',                            // 9
      '    def say_it():',
      '        return "echo hi"',
      '',
      '    @task(retries=2)',                                     // 13
      '    def load(x):',
      '        pass',
      '',
      '    BashOperator.partial(task_id="fan").expand(bash_command=["a", "b"])', // 17
      '    load.override(task_id="load_again")(1)',               // 18
      '',
      'build()',
      '',
      'legacy = DAG(',                                            // 22
      '    dag_id="legacy",',
      ')',
      'BashOperator(',                                            // 25
      '    task_id="legacy_task",',
      '    dag=legacy,',
      ')',
    ].join('\n');
    const outline = outlineDagFile(text);
    assert.deepEqual(outline.dags.map((d) => [d.dagId, d.line, d.kind]), [['orders_daily', 4, 'decorator'], ['legacy', 22, 'call']]);
    assert.deepEqual(outline.tasks.map((t) => [t.taskId, t.line, t.operator, t.dagIndex]), [
      ['say', 9, '@task.bash', 0],
      ['load', 13, '@task', 0],
      ['fan', 17, 'BashOperator', 0],
      ['load_again', 18, 'load', 0],
      ['legacy_task', 25, 'BashOperator', undefined],
    ]);
  });

  it('ignores DAG( in comments, docstrings and definitions; a computed id stays undefined', () => {
    const text = [
      '"""Builds DAG("not_this") objects."""',
      '# with DAG("nor_this") as d:',
      'class MyDAG(object): pass',
      'def DAG_factory(): pass',
      'for name in ["a", "b"]:',
      '    with DAG(f"gen_{name}", schedule=None) as d:',
      '        pass',
    ].join('\n');
    const outline = outlineDagFile(text);
    assert.deepEqual(outline.dags.map((d) => [d.dagId, d.line, d.kind]), [[undefined, 6, 'with']]);
  });

  it('task_group is not a task; default_args and dict(task_id=) are not operators', () => {
    const text = [
      'with DAG("g") as d:',
      '    @task_group',
      '    def grp():',
      '        pass',
      '    args = dict(task_id="x")',
      '    EmptyOperator(task_id="real")',
    ].join('\n');
    assert.deepEqual(outlineDagFile(text).tasks.map((t) => t.taskId), ['real']);
  });
});

describe('maskPython and mayDefineDag', () => {
  it('keeps lengths and line breaks, blanks strings and comments', () => {
    const text = 'x = "a # b"  # c\ny = """\nDAG(\n"""\n';
    const masked = maskPython(text);
    assert.equal(masked.length, text.length);
    assert.equal(masked.split('\n').length, text.split('\n').length);
    assert.ok(!masked.includes('DAG') && !masked.includes('#'));
  });

  it('says whether a file may define a DAG', () => {
    assert.equal(mayDefineDag(fixture('helpers.py')), false);
    assert.equal(mayDefineDag(fixture('good.py')), true);
    assert.equal(mayDefineDag(fixture('nameerr.py')), true);
  });
});
