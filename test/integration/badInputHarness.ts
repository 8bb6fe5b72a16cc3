/**
 * What the bad-input matrix (badInput.test.ts, rows in badInputCases.ts) needs around each
 * row: what a user sees of an error (the notification's sentence and buttons, or a settings
 * problem row), the one predicate "names the cause and the next step", a clock for "nothing
 * hangs past its timeout", a collector of unhandled rejections and uncaught exceptions, the
 * throw-away local listeners some rows point at (an HTTP server that answers HTML, a port that
 * accepts and says nothing, a closed port), and the matrix file the README table is made
 * from. Not a test file.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import path from 'node:path';
import { WorkbenchError, type ErrorAction } from '../../src/shared/errors';
import type { Logger } from '../../src/shared/logger';

/** The stack services a row needs; a row whose service does not answer fails under CI and is skipped elsewhere. */
export type StackService = 'kafka' | 'postgres' | 'airflow3' | 'airflow2';

export type Area = 'settings' | 'kafka' | 'templates' | 'airflow' | 'history' | 'trace' | 'stack';

/** What a user sees: the sentence and the buttons next to it (a settings problem row offers "Open Settings"). */
export interface Seen {
  message: string;
  actions: string[];
}

/** What a row's run reports back: what the user saw, and what it checked was not written. */
export interface Outcome {
  seen: Seen;
  /** How long the failing call took, in ms (the rest of the row, snapshots and checks, is not timed). */
  elapsedMs: number;
  /** What the row checked was left alone, in a few words ("end offsets unchanged"); '' when nothing could be written. */
  untouched: string;
}

/** Gives the failing call to the clock and returns what the user saw of its error. */
export type Attempt = (call: () => unknown) => Promise<{ seen: Seen; elapsedMs: number }>;

export interface BadInputCase {
  id: string;
  area: Area;
  /** The bad input, as a user would describe it. */
  input: string;
  /** Words that must all appear in the sentence (case-insensitive): the cause. */
  cause: string[];
  /** Words of which one must appear in the sentence or on a button (not "Show Log"): the next step. */
  nextStep: string[];
  /** The failing call must end within this many ms (the configured request timeout plus retries). */
  timeoutMs: number;
  needs: StackService[];
  /** A known failure: the reason, and the fix lives in a file another part owns (see the README notes). */
  todo?: string;
  run: (attempt: Attempt) => Promise<{ seen: Seen; elapsedMs: number; untouched?: string }>;
}

export type RowResult = 'pass' | 'fail' | 'todo' | 'skipped';

/** One row of build/test-results/bad-input.json. */
export interface MatrixRow {
  id: string;
  area: Area;
  input: string;
  cause: string[];
  nextStep: string[];
  timeoutMs: number;
  result: RowResult;
  elapsedMs: number | null;
  message: string | null;
  actions: string[];
  untouched: string;
  /** Why the row failed (or is a todo), for the log and the README. */
  problem: string | null;
}

const ACTION_TITLES: Record<Exclude<ErrorAction, object>, string> = { retry: 'Retry', openSettings: 'Open Settings', showLog: 'Show Log' };

/** The notification a thrown error becomes (src/commands/index.ts): its sentence and button titles. */
export function seenOf(error: unknown): Seen {
  if (error instanceof WorkbenchError) {
    return { message: error.message, actions: error.actions.map((a) => (typeof a === 'object' ? a.title : ACTION_TITLES[a])) };
  }
  // The command wrapper shows any other error's message with "Show Log": no cause a user can act on.
  return { message: error instanceof Error ? error.message : String(error), actions: ['Show Log'] };
}

/** Undefined when the sentence names the cause and the next step, else what is missing. */
export function causeAndNextStepProblem(seen: Seen, cause: readonly string[], nextStep: readonly string[]): string | undefined {
  const sentence = seen.message.toLowerCase();
  const missing = cause.filter((word) => !sentence.includes(word.toLowerCase()));
  if (missing.length > 0) return `the sentence does not name the cause (${missing.map((w) => JSON.stringify(w)).join(', ')} missing)`;
  const offered = [seen.message, ...seen.actions.filter((a) => a !== 'Show Log')].join(' \u2022 ').toLowerCase();
  if (!nextStep.some((word) => offered.includes(word.toLowerCase()))) {
    return `neither the sentence nor a button says what to do next (one of ${nextStep.map((w) => JSON.stringify(w)).join(', ')} expected)`;
  }
  return undefined;
}

/** The clock around a row's failing call: it must fail (not succeed) and must not take longer than the row allows. */
export function attemptWithin(limitMs: number): Attempt {
  return async (call) => {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    // A hung call ends the row at twice its limit (plus a margin) instead of hanging the suite.
    const hung = new Promise<'hung'>((resolve) => { timer = setTimeout(() => { resolve('hung'); }, limitMs * 2 + 5_000); });
    try {
      const settled = await Promise.race([
        Promise.resolve().then(call).then(() => ({ ok: true as const }), (error: unknown) => ({ ok: false as const, error })),
        hung,
      ]);
      const elapsedMs = Math.round(performance.now() - started);
      if (settled === 'hung') assert.fail(`no answer after ${elapsedMs} ms: the call hangs past its ${limitMs} ms timeout`);
      if (settled.ok) assert.fail('the bad input was accepted: no error reached the user');
      return { seen: seenOf(settled.error), elapsedMs };
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Runs a check that cannot throw (a parser) through the same clock, turning its problem rows into what is seen. */
export async function attemptProblems(attempt: Attempt, parse: () => readonly string[]): Promise<{ seen: Seen; elapsedMs: number }> {
  const result = await attempt(() => {
    const problems = parse();
    if (problems.length > 0) throw new SettingsProblems(problems);
  });
  return result;
}

/** Carries parser problem rows through `attempt`; turned back into a settings row by seenOf's caller. */
export class SettingsProblems extends WorkbenchError {
  constructor(readonly problems: readonly string[]) {
    super(problems.join(' | '), { actions: ['openSettings'] });
    this.name = 'SettingsProblems';
  }
}

/** Collects unhandled rejections and uncaught exceptions while the matrix runs (what the extension host would log). */
export class FaultCollector {
  readonly faults: string[] = [];
  private readonly onRejection = (reason: unknown): void => { this.faults.push(`unhandled rejection: ${describe(reason)}`); };
  private readonly onException = (error: Error): void => { this.faults.push(`uncaught exception: ${describe(error)}`); };

  start(): void {
    process.on('unhandledRejection', this.onRejection);
    process.on('uncaughtExceptionMonitor', this.onException);
  }

  stop(): void {
    process.off('unhandledRejection', this.onRejection);
    process.off('uncaughtExceptionMonitor', this.onException);
  }

  /** Faults since `from`, after letting pending callbacks run (a rejection is reported a tick after it happens). */
  async since(from: number): Promise<string[]> {
    await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setImmediate(resolve));
    return this.faults.slice(from);
  }
}

function describe(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
}

/** A logger that keeps warnings and errors, so a failed row can show what the services logged. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: (m) => { lines.push(`warn ${m}`); },
    error: (e) => { lines.push(`error ${typeof e === 'string' ? e : e.message}`); },
  };
}

/** Throw-away listeners on 127.0.0.1 that a row points a connection at; close() ends them and every socket they accepted. */
export class LocalListeners {
  private readonly tcp: TcpServer[] = [];
  private readonly http: HttpServer[] = [];
  private readonly sockets = new Set<Socket>();

  /** A port that accepts TCP connections and never says a word. */
  async silentPort(): Promise<number> {
    const server = createTcpServer((socket) => {
      this.sockets.add(socket);
      socket.on('error', () => undefined); // the client gives up and resets: expected
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.tcp.push(server);
    return listen(server);
  }

  /** A port nothing listens on (bound once to get a number the system will not hand out at once, then closed). */
  async closedPort(): Promise<number> {
    const server = createTcpServer();
    const port = await listen(server);
    await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    return port;
  }

  /** A port that holds a listener, for "already taken"; released by release(port) or close(). */
  async takenPort(): Promise<number> {
    const server = createTcpServer((socket) => { socket.destroy(); });
    this.tcp.push(server);
    return listen(server);
  }

  async release(port: number): Promise<void> {
    const server = this.tcp.find((s) => (s.address() as AddressInfo | null)?.port === port);
    if (!server) return;
    this.tcp.splice(this.tcp.indexOf(server), 1);
    await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  }

  /** An HTTP server that answers every request with a login page, as a proxy or SSO wall in front of a URL would. */
  async htmlPort(): Promise<number> {
    const server = createHttpServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><html><head><title>Corporate Sign-in</title></head><body><form>Sign in</form></body></html>');
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.http.push(server);
    return listen(server);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const all: (TcpServer | HttpServer)[] = [...this.tcp, ...this.http];
    this.tcp.length = 0;
    this.http.length = 0;
    await Promise.all(all.map((server) => new Promise<void>((resolve) => server.close(() => { resolve(); }))));
  }
}

function listen(server: TcpServer | HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address && typeof address === 'object') resolve(address.port);
      else reject(new Error('the listener has no TCP address'));
    });
  });
}

/** Where the matrix is written; scripts/reliability-table.mjs renders it into the README. */
export const MATRIX_FILE = path.join(import.meta.dirname, '..', '..', 'build', 'test-results', 'bad-input.json');

export function writeMatrix(rows: readonly MatrixRow[], file = MATRIX_FILE): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const summary = { pass: 0, fail: 0, todo: 0, skipped: 0 };
  for (const row of rows) summary[row.result]++;
  writeFileSync(file, `${JSON.stringify({ generatedAt: new Date().toISOString(), summary, rows }, null, 2)}\n`);
}
