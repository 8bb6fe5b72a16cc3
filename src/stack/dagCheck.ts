/**
 * The fast local check of a DAG file: stack/native/parse_dag_file.py parses one file the way
 * Airflow 3's dag processor does (import, cycle check, serialization), in the stack's Airflow 3
 * venv with the stack's environment (`stack.sh exec airflow3 python …`), and answers with the
 * file's DAG ids and errors. One worker process is kept while files are being checked: it
 * imports Airflow once (about 1.5 s) and forks per file (tens of milliseconds), then ends by
 * itself after 10 idle minutes. Spawned with argument arrays; every request has a timeout; a
 * missing venv is a StackVenvMissingError the editor turns into "Launch Stack". No vscode import.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname } from 'node:path';
import * as z from 'zod/mini';
import { WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';

const resultSchema = z.object({
  file: z.string(),
  skipped: z.boolean(),
  dags: z.array(z.object({
    dagId: z.string(),
    fileloc: z.nullish(z.string()),
    tasks: z.array(z.object({ taskId: z.string(), operator: z.nullish(z.string()), downstream: z.array(z.string()) })),
  })),
  errors: z.array(z.object({ file: z.string(), stackTrace: z.string() })),
  warnings: z.array(z.string()),
  duplicateDagIds: z.array(z.string()),
  durationMs: z.number(),
});

export type DagCheckPayload = z.output<typeof resultSchema>;

export interface DagCheckResult extends DagCheckPayload {
  /** From the request to the answer, as the editor waited for it (a first check includes the worker's start). */
  elapsedMs: number;
  /** Airflow's version in the venv. */
  airflowVersion: string;
}

/** The stack's Airflow 3 venv is not installed: the check cannot run until the stack is installed. */
export class StackVenvMissingError extends WorkbenchError {
  constructor(detail: string) {
    super(`The local DAG check runs in the stack's Airflow 3 venv, which is not installed yet (${detail}). Launch the stack once to install it.`);
    this.name = 'StackVenvMissingError';
  }
}

export interface DagFileCheckerOptions {
  /** stack/native/stack.sh of the extension. */
  stackScript: string;
  /** stack/native/parse_dag_file.py of the extension. */
  parseScript: string;
  logger: Logger;
  /** How long one file may take, worker start included (default 45 s; the parse itself is killed after 30 s). */
  requestTimeoutMs?: number;
  /** The worker ends after this many idle seconds (default 600). */
  idleExitSeconds?: number;
}

interface Pending {
  resolve: (result: DagCheckResult) => void;
  reject: (error: Error) => void;
  started: number;
  timer: NodeJS.Timeout;
}

interface Worker {
  child: ChildProcessWithoutNullStreams;
  ready: Promise<string>;
  stderr: string[];
}

export class DagFileChecker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;

  constructor(private readonly options: DagFileCheckerOptions) {}

  /** Parses `file` (absolute); `bundleRoot` is the folder Airflow reads it from (default: its folder). */
  async check(file: string, bundleRoot?: string): Promise<DagCheckResult> {
    if (this.disposed) throw new WorkbenchError('The DAG checker was closed.');
    const started = performance.now();
    const worker = this.ensureWorker();
    const airflowVersion = await worker.ready;
    const id = this.nextId++;
    const timeoutMs = this.options.requestTimeoutMs ?? 45_000;
    return new Promise<DagCheckResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new WorkbenchError(`The local check of ${file} did not answer within ${Math.round(timeoutMs / 1000)} s; the checker was restarted. Look for slow top-level code in the file.`));
        this.stopWorker();
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (result) => { resolve({ ...result, airflowVersion }); },
        reject,
        started,
        timer,
      });
      worker.child.stdin.write(`${JSON.stringify({ id, file, bundleRoot: bundleRoot ?? dirname(file) })}\n`);
    });
  }

  /**
   * Starts the worker ahead of a first check (Airflow's import takes about 1.5 s, more on a
   * busy machine), e.g. when a DAG file is opened; a failure here is reported by the next check.
   */
  warm(): void {
    if (this.disposed) return;
    this.ensureWorker();
  }

  /** Ends the worker (it would end by itself when idle). */
  dispose(): void {
    this.disposed = true;
    this.stopWorker();
  }

  private ensureWorker(): Worker {
    if (this.worker && this.worker.child.exitCode === null && !this.worker.child.killed) return this.worker;
    const { stackScript, parseScript, logger } = this.options;
    const args = [stackScript, 'exec', 'airflow3', 'python', parseScript, '--serve', '--idle-exit', String(this.options.idleExitSeconds ?? 600), '--timeout', '30'];
    logger.debug(`DAG check worker: bash ${args.join(' ')}`);
    const child = spawn('bash', args, { cwd: dirname(stackScript), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const stderr: string[] = [];
    let readyResolve: (version: string) => void = () => undefined;
    let readyReject: (error: Error) => void = () => undefined;
    const ready = new Promise<string>((resolve, reject) => { readyResolve = resolve; readyReject = reject; });
    ready.catch(() => undefined); // a start failure reaches the caller through check()
    const worker: Worker = { child, ready, stderr };
    this.worker = worker;
    let buffer = '';
    let isReady = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        if (line.trim() === '') continue;
        if (!isReady) {
          isReady = true;
          try {
            readyResolve(readyVersion(line));
          } catch (error) {
            readyReject(error instanceof Error ? error : new Error(String(error)));
            this.stopWorker();
          }
          continue;
        }
        this.answer(line);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr.push(...chunk.split('\n').filter((l) => l.trim() !== ''));
      if (stderr.length > 200) stderr.splice(0, stderr.length - 200);
    });
    child.stdin.on('error', () => undefined); // EPIPE after the worker ended: the exit handler reports it
    child.once('error', (error) => {
      const failure = new WorkbenchError(`The local DAG check could not start bash ${stackScript}: ${error.message}`, { cause: error });
      readyReject(failure);
      this.failAll(failure);
    });
    child.once('exit', (code, signal) => {
      if (this.worker === worker) this.worker = undefined;
      const failure = this.exitError(stderr, code, signal);
      if (!isReady) readyReject(failure);
      if (this.pending.size > 0) this.failAll(failure);
      else logger.debug(`DAG check worker ended (${signal ?? `exit ${String(code)}`})`);
    });
    return worker;
  }

  private answer(line: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      this.options.logger.warn(`DAG check worker printed a line that is not JSON: ${line.slice(0, 200)}`);
      return;
    }
    const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
    const pending = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (!pending || typeof id !== 'number') return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    const parsed = resultSchema.safeParse(raw);
    if (!parsed.success) {
      pending.reject(new WorkbenchError(`The local DAG check answered in an unexpected shape (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}). The extension and its stack scripts do not match: reinstall the extension.`));
      return;
    }
    pending.resolve({ ...parsed.data, elapsedMs: Math.round(performance.now() - pending.started), airflowVersion: '' });
  }

  private exitError(stderr: readonly string[], code: number | null, signal: NodeJS.Signals | null): WorkbenchError {
    const errorLine = [...stderr].reverse().find((l) => /ERROR: /.test(l));
    if (errorLine && /venv is not installed/.test(errorLine)) return new StackVenvMissingError(errorLine.replace(/^.*ERROR: /, ''));
    const tail = stderr.slice(-5).join('\n');
    return new WorkbenchError(
      `The local DAG check stopped (${signal ?? `exit ${String(code)}`})${tail ? `: ${errorLine?.replace(/^.*ERROR: /, '') ?? tail}` : ''}. See the log for its output.`,
    );
  }

  private failAll(error: Error): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.pending.delete(id);
    }
  }

  private stopWorker(): void {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    worker.child.stdin.end();
    const pid = worker.child.pid;
    if (pid !== undefined && worker.child.exitCode === null) {
      try {
        process.kill(-pid, 'SIGTERM'); // the worker and a file being parsed in its child
      } catch {
        // already gone
      }
    }
  }
}

function readyVersion(line: string): string {
  try {
    const ready = JSON.parse(line) as { ready?: unknown; airflowVersion?: unknown };
    if (ready.ready === true && typeof ready.airflowVersion === 'string') return ready.airflowVersion;
  } catch {
    // fall through
  }
  throw new WorkbenchError(`The local DAG check started with an unexpected line: ${line.slice(0, 200)}`);
}
