/**
 * `airflow dags test` of one DAG in the stack's Airflow 3 venv with the stack's configuration
 * (`stack.sh exec airflow3 airflow dags test …`): the whole run happens in one process, without the
 * scheduler, and its output (task logs included) streams line by line to the caller. The
 * summary (the run's state, each task's last state, the first exception of a failed task) is
 * read from that output. Spawned with an argument array in its own process group, so a cancel
 * or the timeout ends the test and the task processes it started.
 *
 * The test's run is written to the stack's metadata database, where the scheduler queues the task
 * instances of every running run of an unpaused DAG: it would run the test's tasks too, and the
 * test's own attempt then ends "TI was not in a state where it could be marked as running". So
 * with `airflow` (the stack's Airflow 3) an unpaused DAG is paused for the test and unpaused after.
 * No vscode import.
 */
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import type { AirflowClient } from '../airflow/airflowClient';
import { DagNotFoundError } from '../airflow/errors';
import { describeError } from '../shared/errors';

export interface DagTestOptions {
  /** stack/native/stack.sh of the extension. */
  stackScript: string;
  dagId: string;
  /** The bundle the DAG's file is in (e.g. "workspace-1"): Airflow then parses only that file. */
  bundleName?: string;
  /** The DAG's file as Airflow sees it (under the bundle's path). */
  dagFilePath?: string;
  conf?: Record<string, unknown>;
  onLine: (line: string) => void;
  signal?: AbortSignal;
  /** Default 10 minutes. */
  timeoutMs?: number;
  /** The stack's Airflow 3, where the test's run is written: an unpaused DAG is paused there while it is tested. */
  airflow?: Pick<AirflowClient, 'getDag' | 'setPaused'>;
}

export interface DagTestTask {
  taskId: string;
  /** The last state the output reported ("success", "failed", …), or "started" when none. */
  state: string;
}

export interface DagTestSummary {
  /** The run's final state from "DagRun Finished: … state=…", when printed. */
  runState?: string;
  runId?: string;
  tasks: DagTestTask[];
  /** The exception line of the first failed task (or of the command itself). */
  error?: string;
}

export interface DagTestResult extends DagTestSummary {
  outcome: 'success' | 'failed' | 'cancelled' | 'timeout';
  exitCode: number | null;
  durationMs: number;
  /** The exact command run, for the output channel. */
  command: string[];
  /** Whether the DAG was paused for the test (and unpaused after, unless `unpauseError`). */
  pausedForTest: boolean;
  /** Why the DAG could not be unpaused after the test: it stays paused. */
  unpauseError?: string;
}

/** The arguments after `stack.sh`: `exec airflow3 airflow dags test <dag_id> [--bundle-name …] [--dagfile-path …] [--conf …]`. */
export function dagTestArgs(options: Pick<DagTestOptions, 'dagId' | 'bundleName' | 'dagFilePath' | 'conf'>): string[] {
  const args = ['exec', 'airflow3', 'airflow', 'dags', 'test', options.dagId];
  if (options.bundleName) args.push('--bundle-name', options.bundleName);
  if (options.dagFilePath) args.push('--dagfile-path', options.dagFilePath);
  if (options.conf && Object.keys(options.conf).length > 0) args.push('--conf', JSON.stringify(options.conf));
  return args;
}

const EXCEPTION_LINE = /^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Timeout)):\s?.*$/;

/** What the output of `airflow dags test` says about the run and its tasks. */
export function summarizeDagTestOutput(lines: readonly string[]): DagTestSummary {
  const tasks = new Map<string, string>();
  let current: string | undefined;
  let failedTaskSeen = false;
  const summary: DagTestSummary = { tasks: [] };
  for (const line of lines) {
    const starting = /\[DAG TEST\] starting task_id=(\S+)/.exec(line);
    if (starting?.[1] !== undefined) {
      current = starting[1];
      if (!tasks.has(current)) tasks.set(current, 'started');
      continue;
    }
    const state = /\bnew_state=(\w+)/.exec(line);
    if (state?.[1] !== undefined && current !== undefined) {
      tasks.set(current, state[1]);
      continue;
    }
    if (/Task failed with exception/.test(line)) {
      failedTaskSeen = true;
      continue;
    }
    // Python's exception line after a task failed (it has no log timestamp in front).
    if (failedTaskSeen && summary.error === undefined && EXCEPTION_LINE.test(line.trim()) && !/^\d{4}-\d\d-\d\dT/.test(line)) {
      summary.error = current ? `${current}: ${line.trim()}` : line.trim();
    }
    const finished = /DagRun Finished: .*?\brun_id=([^,]+),.*\bstate=(\w+)/.exec(line);
    if (finished?.[2] !== undefined) {
      summary.runId = finished[1];
      summary.runState = finished[2];
    }
  }
  summary.tasks = [...tasks.entries()].map(([taskId, state]) => ({ taskId, state }));
  if (summary.error === undefined && summary.runState === undefined) {
    // The command failed before a run: its own error (e.g. "Dag 'x' could not be found").
    const last = [...lines].reverse().find((l) => EXCEPTION_LINE.test(l.trim()) || /could not be found|ERROR: /.test(l));
    if (last !== undefined) summary.error = last.trim().replace(/^\[stack [\d:]+\] /, '');
  }
  return summary;
}

/** Pauses an unpaused DAG for its test; says what it did in a line. Returns whether it paused it. */
async function pauseForTest(options: DagTestOptions): Promise<boolean> {
  const { airflow, dagId } = options;
  if (!airflow) return false;
  try {
    if ((await airflow.getDag(dagId)).isPaused) return false;
    await airflow.setPaused(dagId, true);
  } catch (error) {
    // A DAG the server has not parsed yet: the test's own parse registers it.
    if (error instanceof DagNotFoundError) return false;
    options.onLine(`Could not pause ${dagId} for its test (${describeError(error)}): the scheduler may run the test's tasks as well.`);
    return false;
  }
  options.onLine(`Paused ${dagId} while it is tested, so the scheduler leaves the test's tasks to the test.`);
  return true;
}

/** Runs the test to its end (or until cancelled or timed out); never rejects for a failed run. */
export async function runDagTest(options: DagTestOptions): Promise<DagTestResult> {
  const pausedForTest = await pauseForTest(options);
  let unpauseError: string | undefined;
  let ran: Omit<DagTestResult, 'pausedForTest'>;
  try {
    ran = await spawnDagTest(options);
  } finally {
    // Also when the command could not start: the DAG is not left paused by the test.
    if (pausedForTest && options.airflow) {
      try {
        await options.airflow.setPaused(options.dagId, false);
        options.onLine(`Unpaused ${options.dagId} again.`);
      } catch (error) {
        unpauseError = describeError(error);
        options.onLine(`Could not unpause ${options.dagId} after its test: ${unpauseError}. Unpause it from the DAGs view.`);
      }
    }
  }
  return { ...ran, pausedForTest, ...(unpauseError === undefined ? {} : { unpauseError }) };
}

async function spawnDagTest(options: DagTestOptions): Promise<Omit<DagTestResult, 'pausedForTest'>> {
  const args = [options.stackScript, ...dagTestArgs(options)];
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const lines: string[] = [];
  const started = performance.now();
  let ended: 'cancelled' | 'timeout' | undefined;
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('bash', args, { cwd: dirname(options.stackScript), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let pending = '';
    const take = (data: Buffer): void => {
      const text = pending + data.toString('utf8');
      const parts = text.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (lines.length > 20_000) lines.splice(0, 10_000);
        options.onLine(line);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const stop = (why: 'cancelled' | 'timeout'): void => {
      if (ended !== undefined || child.exitCode !== null || child.pid === undefined) return;
      ended = why;
      const group = -child.pid;
      try { process.kill(group, 'SIGTERM'); } catch { /* already gone */ }
      setTimeout(() => { try { process.kill(group, 'SIGKILL'); } catch { /* ended */ } }, 5_000).unref();
    };
    const timer = setTimeout(() => { stop('timeout'); }, timeoutMs);
    const onAbort = (): void => { stop('cancelled'); };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    child.once('error', (error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (pending !== '') {
        lines.push(pending);
        options.onLine(pending);
      }
      resolve(exitCode);
    });
  });
  const durationMs = Math.round(performance.now() - started);
  const summary = summarizeDagTestOutput(lines);
  const outcome = ended ?? (code === 0 && summary.runState !== 'failed' ? 'success' : 'failed');
  return { ...summary, outcome, exitCode: code, durationMs, command: ['bash', ...args] };
}
