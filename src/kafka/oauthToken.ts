/**
 * OAuth bearer tokens for SASL OAUTHBEARER connections: runs the connection's token command
 * ("oauthTokenCommand", an argv run without a shell) and reads the token it prints, either
 * bare or as JSON with access_token and expires_in, and keeps it until shortly before it
 * expires (the JWT "exp" claim when the token is a JWT). Every failure of the command (not
 * found, non-zero exit, timeout, no output) is a sentence that names the command. No vscode
 * import: the editor and the OAUTHBEARER integration tests run the same code.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { describeError, WorkbenchError } from '../shared/errors';

export interface TokenCommandOptions {
  /** The command is killed after this many ms. */
  timeoutMs: number;
  /** Working folder of the command; the extension host's own when undefined. */
  cwd?: string;
}

/** A token whose lifetime nobody tells (a bare opaque token) is reused this long, to cover one burst of broker connections. */
export const UNKNOWN_LIFETIME_MS = 60_000;
/** Output beyond this is not a token: the command is killed. */
const MAX_OUTPUT_BYTES = 1024 * 1024;
/** RFC 6750 b64token: what may follow "Bearer ". */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

interface CachedToken {
  token: string;
  /** When the cached token must no longer be handed out (ms since the epoch). */
  refreshAt: number;
}

const cache = new Map<string, CachedToken>();
const running = new Map<string, Promise<CachedToken>>();

/** The "exp" claim of a JWT in ms since the epoch, or undefined when the token is not a JWT or has no exp. */
export function jwtExpiresAt(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const exp = (claims as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    // Not a JWT: an opaque token has no claims to read.
    return undefined;
  }
}

/**
 * When to stop reusing a token that expires at `expiresAt`, obtained at `now`: a minute
 * before, or a fifth of its lifetime before for short-lived tokens.
 */
export function refreshTimeOf(expiresAt: number, now: number): number {
  const lifetime = expiresAt - now;
  return expiresAt - Math.min(60_000, Math.max(0, lifetime) / 5);
}

/**
 * What is wrong with `token` as a bearer token, as the end of a sentence that starts with
 * "The token ...", or undefined when it is usable.
 */
export function bearerTokenProblem(token: string): string | undefined {
  if (token === '') return 'is empty.';
  if (/\s/.test(token)) return 'is not a bearer token: it contains spaces or line breaks.';
  if (!BEARER_TOKEN.test(token)) return 'is not a bearer token: it may hold only letters, digits and -._~+/ (and = at the end).';
  return undefined;
}

/** The command as the user wrote it, for sentences. */
function commandText(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/** The first few non-empty lines of `text`, joined for a sentence. */
function firstLines(text: string, count = 3): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const shown = lines.slice(0, count).join(' | ');
  return shown.length > 400 ? `${shown.slice(0, 400)}…` : shown;
}

function commandError(argv: readonly string[], problem: string, cause?: unknown): WorkbenchError {
  return new WorkbenchError(`The OAuth token command "${commandText(argv)}" ${problem}`, { cause, actions: ['openSettings', 'showLog'] });
}

/**
 * Reads the token from the command's output: one line holding a bearer token, or a JSON
 * object with "access_token" (and optionally "expires_in" in seconds).
 */
export function parseTokenOutput(stdout: string, argv: readonly string[], now = Date.now()): CachedToken {
  const text = stdout.trim();
  if (text === '') throw commandError(argv, 'printed nothing. It must print the token, or JSON with "access_token", on standard output.');
  let token: string;
  let expiresAt: number | undefined;
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw commandError(argv, `printed something that starts like JSON but is not (${describeError(error)}).`, error);
    }
    const record = json as { access_token?: unknown; expires_in?: unknown };
    if (typeof record.access_token !== 'string' || record.access_token.trim() === '') {
      throw commandError(argv, 'printed JSON without "access_token". It must print the token, or JSON with "access_token".');
    }
    token = record.access_token.trim();
    const expiresIn = typeof record.expires_in === 'string' ? Number(record.expires_in) : record.expires_in;
    if (typeof expiresIn === 'number' && Number.isFinite(expiresIn)) expiresAt = now + expiresIn * 1000;
  } else {
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    if (lines.length > 1) {
      throw commandError(argv, `printed ${lines.length} lines; it must print only the token (or JSON with "access_token"). Send any other output to standard error.`);
    }
    token = text;
  }
  const problem = bearerTokenProblem(token);
  if (problem !== undefined) throw commandError(argv, `printed a token that ${problem} It must print the token, or JSON with "access_token".`);
  const jwtExpiry = jwtExpiresAt(token);
  if (jwtExpiry !== undefined) expiresAt = expiresAt === undefined ? jwtExpiry : Math.min(expiresAt, jwtExpiry);
  if (expiresAt !== undefined && expiresAt <= now) {
    throw commandError(argv, `printed a token that expired at ${new Date(expiresAt).toISOString()}. It must print a fresh token.`);
  }
  return { token, refreshAt: expiresAt === undefined ? now + UNKNOWN_LIFETIME_MS : refreshTimeOf(expiresAt, now) };
}

/** Runs the command without a shell and returns its standard output; rejects with a sentence for every failure. */
async function runTokenCommand(argv: readonly string[], options: TokenCommandOptions): Promise<string> {
  const [file, ...args] = argv;
  if (file === undefined || file.trim() === '') {
    throw new WorkbenchError('The OAuth token command is empty. Set "oauthTokenCommand" to the program and its arguments, e.g. ["az", "account", "get-access-token"].', {
      actions: ['openSettings'],
    });
  }
  if (options.cwd !== undefined) {
    let isFolder = false;
    let cause: unknown;
    try {
      isFolder = (await stat(options.cwd)).isDirectory();
    } catch (error) {
      cause = error;
    }
    if (!isFolder) throw commandError(argv, `cannot run in "${options.cwd}": that folder does not exist.`, cause);
  }
  const timeoutMs = Math.max(100, options.timeoutMs);
  return new Promise<string>((resolve, reject) => {
    // Its own process group (POSIX), so a timeout kills what it started too.
    const child = spawn(file, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true, detached: process.platform !== 'win32' });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let failure: WorkbenchError | undefined;
    const kill = (): void => {
      if (process.platform !== 'win32' && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
          return;
        } catch {
          // No such group (it has exited): stop the child itself below.
        }
      }
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      failure = commandError(argv, `did not finish within ${Math.round(timeoutMs / 100) / 10} s and was stopped. Check that it does not wait for input (a login prompt), or run it in a terminal once.`);
      kill();
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_OUTPUT_BYTES) {
        failure ??= commandError(argv, `printed more than ${MAX_OUTPUT_BYTES} bytes; it must print only the token.`);
        kill();
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 16_384) stderr += chunk.toString('utf8');
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT') {
        reject(commandError(argv, `was not found: "${file}" is not a program on the PATH of the editor. Give its full path in "oauthTokenCommand".`, error));
      } else if (error.code === 'EACCES') {
        reject(commandError(argv, `cannot be run: "${file}" is not executable (EACCES).`, error));
      } else {
        reject(commandError(argv, `could not be started (${describeError(error)}).`, error));
      }
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (failure) {
        reject(failure);
        return;
      }
      const said = firstLines(stderr);
      if (code !== 0) {
        const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${code}`;
        reject(commandError(argv, `${how}${said !== '' ? `: ${said}` : ' and printed nothing on standard error'}. Run it in a terminal to see why.`));
        return;
      }
      resolve(Buffer.concat(out).toString('utf8'));
    });
  });
}

/**
 * The current token from the command `argv` (program and arguments, no shell). A token is
 * reused until shortly before it expires; callers running at the same time share one run
 * of the command.
 */
export async function tokenFromCommand(argv: readonly string[], options: TokenCommandOptions): Promise<string> {
  const key = JSON.stringify([argv, options.cwd ?? null]);
  const cached = cache.get(key);
  if (cached && Date.now() < cached.refreshAt) return cached.token;
  let run = running.get(key);
  if (!run) {
    run = runTokenCommand(argv, options).then((stdout) => parseTokenOutput(stdout, argv));
    running.set(key, run);
    const forgetRun = (): void => {
      if (running.get(key) === run) running.delete(key);
    };
    run.then(forgetRun, forgetRun);
  }
  const fresh = await run;
  cache.set(key, fresh);
  return fresh.token;
}

/** Stops reusing `token` (the broker refused it): the next call runs its command again. */
export function forgetToken(token: string): void {
  for (const [key, entry] of cache) if (entry.token === token) cache.delete(key);
}

/** Forgets every cached token (tests; a user's "Retry" after changing the command). */
export function clearTokenCache(): void {
  cache.clear();
}
