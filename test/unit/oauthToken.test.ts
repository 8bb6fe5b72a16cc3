// The OAuth token command (src/kafka/oauthToken.ts) with real small commands: node scripts and
// sh, no mocks. What a user sees: the token it prints (bare or JSON), one run reused until
// shortly before the token expires, and a sentence naming the command for each way it fails.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import {
  bearerTokenProblem,
  clearTokenCache,
  forgetToken,
  jwtExpiresAt,
  parseTokenOutput,
  refreshTimeOf,
  tokenFromCommand,
  UNKNOWN_LIFETIME_MS,
} from '../../src/kafka/oauthToken';
import { WorkbenchError } from '../../src/shared/errors';

const dir = mkdtempSync(path.join(tmpdir(), 'wb-oauth-unit-'));
const runs = path.join(dir, 'runs.log');
after(() => { rmSync(dir, { recursive: true, force: true }); });
beforeEach(() => {
  clearTokenCache();
  rmSync(runs, { force: true });
});

const node = process.execPath;
const runCount = (): number => (existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').filter((l) => l !== '').length : 0);
/** A node command that counts its runs and prints `output`. */
const printing = (output: string): string[] => [node, '-e', `require('node:fs').appendFileSync(${JSON.stringify(runs)}, 'run\\n'); process.stdout.write(${JSON.stringify(output)})`];
const jwt = (claims: object): string => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
const options = { timeoutMs: 10_000 };

/** True when `pid` runs: it exists and is not a zombie waiting for a parent to reap it (Linux's /proc; kill 0 elsewhere). */
function isRunning(pid: number): boolean {
  if (existsSync('/proc/self/status')) {
    const status = existsSync(`/proc/${pid}/status`) ? readFileSync(`/proc/${pid}/status`, 'utf8') : '';
    return status !== '' && !/^State:\s+Z/m.test(status);
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Expects `promise` to reject with a WorkbenchError whose message matches `pattern`; returns the message. */
async function failsWith(promise: Promise<unknown>, pattern: RegExp): Promise<string> {
  let message = '';
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof WorkbenchError, String(e));
    message = e.message;
    assert.match(e.message, pattern);
    return true;
  });
  return message;
}

describe('the OAuth token command', () => {
  it('returns a bare token, trimmed of its line break', async () => {
    assert.equal(await tokenFromCommand(printing('opaque-token_1.2~x+/=\n'), options), 'opaque-token_1.2~x+/=');
  });

  it('returns access_token from JSON and reuses it while expires_in says it is fresh', async () => {
    const command = printing(JSON.stringify({ access_token: 'from-json', token_type: 'Bearer', expires_in: 3600 }));
    assert.equal(await tokenFromCommand(command, options), 'from-json');
    assert.equal(await tokenFromCommand(command, options), 'from-json');
    assert.equal(runCount(), 1);
  });

  it('shares one run among callers that ask at the same time', async () => {
    const command = [node, '-e', `require('node:fs').appendFileSync(${JSON.stringify(runs)}, 'run\\n'); setTimeout(() => console.log('shared'), 200)`];
    const tokens = await Promise.all([tokenFromCommand(command, options), tokenFromCommand(command, options), tokenFromCommand(command, options)]);
    assert.deepEqual(tokens, ['shared', 'shared', 'shared']);
    assert.equal(runCount(), 1);
  });

  it('runs the command again once the token a JWT exp claim gives has run out', async () => {
    const exp = Math.floor(Date.now() / 1000) + 3;
    const token = jwt({ sub: 'etl', exp });
    const command = printing(token);
    assert.equal(await tokenFromCommand(command, options), token);
    assert.equal(await tokenFromCommand(command, options), token);
    assert.equal(runCount(), 1);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 + 100 - Date.now())));
    // The command runs again (and this one prints the same, now expired, token).
    await assert.rejects(tokenFromCommand(command, options), /printed a token that expired at/);
    assert.equal(runCount(), 2);
  });

  it('runs the command again after the broker refused its token', async () => {
    const command = printing('opaque-refused');
    await tokenFromCommand(command, options);
    await tokenFromCommand(command, options);
    assert.equal(runCount(), 1);
    forgetToken('opaque-refused');
    await tokenFromCommand(command, options);
    assert.equal(runCount(), 2);
  });

  it('runs the command in the given folder', async () => {
    assert.equal(await tokenFromCommand([node, '-e', 'process.stdout.write(require("node:path").basename(process.cwd()))'], { ...options, cwd: dir }), path.basename(dir));
    await failsWith(tokenFromCommand([node, '-e', ''], { ...options, cwd: path.join(dir, 'missing') }), /cannot run in ".*missing": that folder does not exist\.$/);
  });

  it('names a command that is not found, and one that is not executable', async () => {
    const message = await failsWith(tokenFromCommand(['no-such-token-tool-3f9', 'get-token'], options), /was not found/);
    assert.equal(message, 'The OAuth token command "no-such-token-tool-3f9 get-token" was not found: "no-such-token-tool-3f9" is not a program on the PATH of the editor. Give its full path in "oauthTokenCommand".');
    const script = path.join(dir, 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\necho token\n');
    chmodSync(script, 0o644);
    await failsWith(tokenFromCommand([script], options), /is not executable \(EACCES\)\.$/);
  });

  it('shows the exit code and the first lines of standard error of a failing command', async () => {
    const message = await failsWith(tokenFromCommand(['sh', '-c', 'echo "ERROR: AADSTS700082: The refresh token has expired." >&2; echo "run az login" >&2; echo 3 >&2; echo 4 >&2; exit 3'], options), /exited with code 3/);
    assert.equal(message, 'The OAuth token command "sh -c "echo \\"ERROR: AADSTS700082: The refresh token has expired.\\" >&2; echo \\"run az login\\" >&2; echo 3 >&2; echo 4 >&2; exit 3"" exited with code 3: ERROR: AADSTS700082: The refresh token has expired. | run az login | 3. Run it in a terminal to see why.');
    await failsWith(tokenFromCommand(['sh', '-c', 'exit 1'], options), /exited with code 1 and printed nothing on standard error\./);
    await failsWith(tokenFromCommand(['sh', '-c', 'kill -TERM $$'], options), /was killed by SIGTERM/);
  });

  it('stops a command that runs too long, with what it started, soon after the timeout', async () => {
    const pidFile = path.join(dir, 'sleeper.pid');
    const started = Date.now();
    await failsWith(tokenFromCommand(['sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`], { timeoutMs: 500 }), /did not finish within 0\.5 s and was stopped\. Check that it does not wait for input/);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    // SIGKILL is delivered at once, but a loaded machine may take a moment to reap the process.
    for (let waited = 0; isRunning(sleeper) && waited < 2000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(!isRunning(sleeper), 'the sleep the command started is still running 2 s after the timeout');
  });

  it('names output that is not a token', async () => {
    await failsWith(tokenFromCommand(printing(''), options), /printed nothing\. It must print the token, or JSON with "access_token", on standard output\.$/);
    await failsWith(tokenFromCommand(printing('Logged in as etl\ntoken123\n'), options), /printed 2 lines; it must print only the token/);
    await failsWith(tokenFromCommand(printing('{"token": "x"}'), options), /printed JSON without "access_token"/);
    await failsWith(tokenFromCommand(printing('{"access_token": '), options), /printed something that starts like JSON but is not/);
    await failsWith(tokenFromCommand(printing('Bearer abc'), options), /printed a token that is not a bearer token: it contains spaces or line breaks\./);
  });

  it('refuses a token that has already expired, and does not keep it', async () => {
    const exp = Math.floor(Date.now() / 1000) - 60;
    const message = await failsWith(tokenFromCommand(printing(jwt({ sub: 'etl', exp })), options), /printed a token that expired at/);
    assert.match(message, new RegExp(`expired at ${new Date(exp * 1000).toISOString().replace(/[.]/g, '\\.')}\\. It must print a fresh token\\.$`));
    await failsWith(tokenFromCommand(printing(JSON.stringify({ access_token: 'old', expires_in: 0 })), options), /expired at/);
  });

  it('says an empty command is empty', async () => {
    await failsWith(tokenFromCommand([], options), /^The OAuth token command is empty\. Set "oauthTokenCommand"/);
  });
});

describe('token lifetimes and checks', () => {
  it('reads the exp claim of a JWT, and nothing from an opaque token', () => {
    assert.equal(jwtExpiresAt(jwt({ sub: 'a', exp: 1_900_000_000 })), 1_900_000_000_000);
    assert.equal(jwtExpiresAt(jwt({ sub: 'a' })), undefined);
    assert.equal(jwtExpiresAt('opaque'), undefined);
    assert.equal(jwtExpiresAt('a.b!.c'), undefined);
  });

  it('refreshes a minute before the end, or a fifth of a short lifetime before', () => {
    assert.equal(refreshTimeOf(3_600_000, 0), 3_540_000);
    assert.equal(refreshTimeOf(10_000, 0), 8_000);
  });

  it('keeps the earlier of expires_in and the JWT exp, and a token without either for a minute', () => {
    const now = 1_000_000_000_000;
    const token = jwt({ exp: now / 1000 + 600 });
    assert.equal(parseTokenOutput(JSON.stringify({ access_token: token, expires_in: 60 }), ['t'], now).refreshAt, refreshTimeOf(now + 60_000, now));
    assert.equal(parseTokenOutput(JSON.stringify({ access_token: token, expires_in: 6000 }), ['t'], now).refreshAt, refreshTimeOf(now + 600_000, now));
    assert.equal(parseTokenOutput('opaque\n', ['t'], now).refreshAt, now + UNKNOWN_LIFETIME_MS);
  });

  it('says what is wrong with a stored token', () => {
    assert.equal(bearerTokenProblem('abc.def-_~+/=='), undefined);
    assert.equal(bearerTokenProblem(''), 'is empty.');
    assert.match(bearerTokenProblem('abc def') ?? '', /contains spaces or line breaks/);
    assert.match(bearerTokenProblem('abc"def') ?? '', /may hold only letters, digits/);
  });
});
