/**
 * The HTTP and auth layer of AirflowClient: backoff bounds, retries on 5xx but never on 4xx
 * or for a POST, one renewal of the JWT on a 401, renewal before expiry, and the small pure
 * helpers (paging to the end, extra validation, version checks). Faults a real Airflow cannot
 * be made to produce on demand (a 503 then a 200, a token revoked mid-session) come from tiny
 * local HTTP servers whose names say they are fakes.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { listAllPages, mapWithConcurrency, sharedLimit, toExtraObject, versionAtLeast, type PagingHint } from '../../src/airflow/airflowClient';
import { BasicAuth, JWT_RENEW_MARGIN_MS, JwtSessionAuth, jwtExpiryMs } from '../../src/airflow/auth';
import { AirflowAuthError, reenterCredentialsAction } from '../../src/airflow/errors';
import { AirflowHttp, asksUncompressed, backoffDelay, describeBody, type AuthStrategy } from '../../src/airflow/http';
import type { Page } from '../../src/airflow/types';
import { CommandId } from '../../src/shared/commandIds';
import { WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';

const FAST_RETRY = { tries: 3, baseDelayMs: 5, maxDelayMs: 20 };
const servers: Server[] = [];
after(() => { for (const server of servers) server.close(); });

async function startFakeServer(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function jwtWithExp(expSeconds: number): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS512' })}.${part({ sub: 'admin', exp: expSeconds })}.signature`;
}

describe('backoff', () => {
  it('doubles per retry, stays within [ceiling/2, ceiling] and under the maximum', () => {
    const policy = { tries: 5, baseDelayMs: 300, maxDelayMs: 4000 };
    assert.equal(backoffDelay(0, policy, () => 0), 150);
    assert.equal(backoffDelay(0, policy, () => 1), 300);
    assert.equal(backoffDelay(2, policy, () => 1), 1200);
    assert.equal(backoffDelay(10, policy, () => 1), 4000);
  });
});

describe('shared limit', () => {
  it('never runs more than its limit at once across callers, and runs everything', async () => {
    const limit = sharedLimit(3);
    let running = 0;
    let most = 0;
    const work = async (i: number): Promise<number> => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5 + (i % 3)));
      running--;
      return i;
    };
    const results = await Promise.all([
      mapWithConcurrency([...Array(10).keys()], 3, (i) => limit(() => work(i))),
      mapWithConcurrency([...Array(10).keys()].map((i) => i + 10), 2, (i) => limit(() => work(i))),
    ]);
    assert.equal(most, 3);
    assert.deepEqual(results.flat(), [...Array(20).keys()]);
    await assert.rejects(limit(() => Promise.reject(new Error('failed work'))), /failed work/);
    assert.equal(await limit(() => work(99)), 99, 'a failed run frees its place');
  });
});

describe('compression', () => {
  it('asks a server on this machine for plain answers and a server elsewhere for gzip', async () => {
    assert.equal(asksUncompressed('http://127.0.0.1:8080'), true);
    assert.equal(asksUncompressed('http://localhost:8080/airflow'), true);
    assert.equal(asksUncompressed('http://[::1]:8080'), true);
    assert.equal(asksUncompressed('https://airflow.example.com'), false);
    assert.equal(asksUncompressed('not a url'), false);
    const seen: (string | undefined)[] = [];
    const url = await startFakeServer((request, response) => {
      seen.push(request.headers['accept-encoding']);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new AirflowHttp(url, { logger: silentLogger, retry: FAST_RETRY }).json({ method: 'GET', path: '/api/v2/dags' });
    const remote = new AirflowHttp(url, { logger: silentLogger, retry: FAST_RETRY });
    remote.uncompressed = false;
    await remote.json({ method: 'GET', path: '/api/v2/dags' });
    assert.equal(seen[0], 'identity');
    assert.match(seen[1] ?? '', /gzip/);
  });
});

describe('retries against fake servers', () => {
  it('repeats a GET after a 503 and returns the 200 that follows', async () => {
    let calls = 0;
    const url = await startFakeServer((_request, response) => {
      calls++;
      if (calls === 1) response.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
      else response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const http = new AirflowHttp(url, { logger: silentLogger, retry: FAST_RETRY });
    const { body } = await http.json({ method: 'GET', path: '/api/v2/dags' });
    assert.deepEqual(body, { ok: true });
    assert.equal(calls, 2);
  });

  it('gives up after three 500s with the server\'s detail and a Retry action', async () => {
    let calls = 0;
    const url = await startFakeServer((_request, response) => {
      calls++;
      response.writeHead(500, { 'content-type': 'application/json' }).end('{"detail":"database is locked"}');
    });
    const http = new AirflowHttp(url, { logger: silentLogger, retry: FAST_RETRY });
    await assert.rejects(http.json({ method: 'GET', path: '/api/v2/dags' }), (error: unknown) => {
      assert.ok(error instanceof WorkbenchError);
      assert.equal(error.message, `Airflow at ${url} failed on GET /api/v2/dags (500): database is locked. Its logs say more; retry in a moment.`);
      assert.ok(error.actions.includes('retry'));
      return true;
    });
    assert.equal(calls, 3);
  });

  it('never repeats a 4xx, and never repeats a POST that got a 5xx (no duplicate runs)', async () => {
    const calls = { get: 0, post: 0 };
    const url = await startFakeServer((request, response) => {
      if (request.method === 'GET') {
        calls.get++;
        response.writeHead(400, { 'content-type': 'application/json' }).end('{"detail":"bad order_by"}');
      } else {
        calls.post++;
        response.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
      }
    });
    const http = new AirflowHttp(url, { logger: silentLogger, retry: FAST_RETRY });
    await assert.rejects(http.json({ method: 'GET', path: '/x' }), /rejected GET \/x \(400\): bad order_by/);
    await assert.rejects(http.json({ method: 'POST', path: '/x', body: {} }), /failed on POST \/x \(502\)/);
    assert.deepEqual(calls, { get: 1, post: 1 });
  });

  it('times out a request that gets no answer, with a sentence naming the setting', async () => {
    const url = await startFakeServer(() => { /* never answers */ });
    const http = new AirflowHttp(url, { logger: silentLogger, retry: FAST_RETRY, timeoutMs: 300 });
    await assert.rejects(http.json({ method: 'GET', path: '/api/v2/version' }), (error: unknown) => {
      assert.ok(error instanceof WorkbenchError);
      assert.match(error.message, /did not answer GET \/api\/v2\/version within 300 ms\. .*raise kafkaAirflow\.requestTimeoutSeconds/);
      return true;
    });
  });
});

describe('JWT session', () => {
  it('reads exp without verifying the signature', () => {
    assert.equal(jwtExpiryMs(jwtWithExp(1_900_000_000)), 1_900_000_000_000);
    assert.equal(jwtExpiryMs('not-a-jwt'), undefined);
  });

  it('reuses the token until shortly before exp, then fetches a new one; concurrent callers share one fetch', async () => {
    let now = 1_000_000_000_000;
    let issued = 0;
    const auth = new JwtSessionAuth('admin', () => {
      issued++;
      return Promise.resolve(jwtWithExp(now / 1000 + 3600));
    }, silentLogger, () => now);
    const [a, b] = await Promise.all([auth.header(), auth.header()]);
    assert.equal(a, b);
    assert.equal(issued, 1);
    now += 3600_000 - JWT_RENEW_MARGIN_MS - 1000;
    assert.equal(await auth.header(), a);
    now += 2000;
    assert.notEqual(await auth.header(), a);
    assert.equal(issued, 2);
  });

  for (const [status, detail] of [[401, 'Token Expired'], [403, 'Invalid JWT token']] as const) {
    it(`repeats a request once with a new token on ${status} "${detail}" (fake server rejecting the first token)`, async () => {
      const seen: string[] = [];
      const url = await startFakeServer((request, response) => {
        seen.push(request.headers.authorization ?? '');
        if (request.headers.authorization === 'Bearer first') response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ detail }));
        else response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":1}');
      });
      const tokens = ['first', 'second'];
      const http = new AirflowHttp(url, { logger: silentLogger, retry: FAST_RETRY });
      http.auth = new JwtSessionAuth('admin', () => Promise.resolve(tokens.shift() ?? 'none'), silentLogger);
      const { body } = await http.json({ method: 'GET', path: '/api/v2/dags' });
      assert.deepEqual(body, { ok: 1 });
      assert.deepEqual(seen, ['Bearer first', 'Bearer second']);
    });
  }

  it('a 401 that stays a 401 becomes AirflowAuthError whose action re-enters the secret of that connection', async () => {
    const url = await startFakeServer((_request, response) => { response.writeHead(401, { 'content-type': 'application/json' }).end('{"detail":"Not authenticated"}'); });
    const http = new AirflowHttp(url, { logger: silentLogger, retry: FAST_RETRY, connectionName: 'Staging' });
    const auth: AuthStrategy = { description: 'the pasted token', reenterTitle: 'Re-enter Token', header: () => Promise.resolve('Bearer x'), renew: () => Promise.resolve(false) };
    http.auth = auth;
    await assert.rejects(http.json({ method: 'GET', path: '/api/v2/dags' }), (error: unknown) => {
      assert.ok(error instanceof AirflowAuthError);
      assert.equal(error.message, `Airflow at ${url} refused the pasted token (401 on GET /api/v2/dags: Not authenticated).`);
      // The command that asks for this connection's token again, not the one that adds a connection.
      assert.deepEqual(error.actions[0], { title: 'Re-enter Token', command: CommandId.reenterAirflowPassword, args: ['Staging'] });
      return true;
    });
  });

  it('a 403 from Airflow 2 (wrong basic-auth password) offers the same action; without a connection name it asks which', async () => {
    const url = await startFakeServer((_request, response) => { response.writeHead(403, { 'content-type': 'application/problem+json' }).end('{"title":"Forbidden","status":403}'); });
    const http = new AirflowHttp(url, { logger: silentLogger, retry: FAST_RETRY });
    http.auth = new BasicAuth('admin', 'wrong');
    await assert.rejects(http.json({ method: 'GET', path: '/api/v1/dags' }), (error: unknown) => {
      assert.ok(error instanceof AirflowAuthError);
      assert.equal(error.status, 403);
      assert.match(error.message, /refused the credentials for user admin \(403 on GET \/api\/v1\/dags: Forbidden\)\. Check them/);
      assert.deepEqual(error.actions, [{ title: 'Re-enter Password', command: CommandId.reenterAirflowPassword }, 'showLog']);
      return true;
    });
    assert.deepEqual(new AirflowAuthError('refused', 401, url).actions[0], { title: 'Re-enter Password', command: CommandId.reenterAirflowPassword });
    assert.deepEqual(reenterCredentialsAction('Re-enter Token', 'Local stack'), { title: 'Re-enter Token', command: CommandId.reenterAirflowPassword, args: ['Local stack'] });
  });
});

describe('paging to the end', () => {
  const items = Array.from({ length: 250 }, (_, i) => `dag_${String(i).padStart(3, '0')}`);
  const serve = (cap: number, list: string[] = items) => {
    const asked: number[] = [];
    const fetchPage = ({ limit, offset }: { limit: number; offset: number }): Promise<Page<string>> => {
      asked.push(offset);
      return Promise.resolve({ items: list.slice(offset, offset + Math.min(limit, cap)), totalEntries: list.length });
    };
    return { asked, fetchPage };
  };

  it('reads every page once, in order', async () => {
    const { asked, fetchPage } = serve(100);
    assert.deepEqual(await listAllPages(fetchPage, { pageSize: 100 }), items);
    assert.deepEqual(asked.sort((a, b) => a - b), [0, 100, 200]);
  });

  it('follows the page size the server really serves when it caps the limit', async () => {
    const { asked, fetchPage } = serve(50);
    assert.deepEqual(await listAllPages(fetchPage, { pageSize: 1000, concurrency: 1 }), items);
    assert.deepEqual(asked, [0, 50, 100, 150, 200]);
  });

  it('stops at an empty list and removes items seen twice', async () => {
    assert.deepEqual(await listAllPages(serve(100, []).fetchPage), []);
    const shifting = ({ offset }: { limit: number; offset: number }): Promise<Page<string>> =>
      Promise.resolve({ items: offset === 0 ? ['a', 'b'] : ['b', 'c'], totalEntries: 4 });
    assert.deepEqual(await listAllPages(shifting, { pageSize: 2, keyOf: (x) => x }), ['a', 'b', 'c']);
  });

  it('asks for every page of the previous read at once, then only what the list grew by', async () => {
    const started: number[] = [];
    let answered = 0;
    const slow = ({ limit, offset }: { limit: number; offset: number }): Promise<Page<string>> => {
      started.push(answered);
      return new Promise((resolve) => setTimeout(() => { answered++; resolve({ items: items.slice(offset, offset + Math.min(limit, 100)), totalEntries: items.length }); }, 5));
    };
    const found: PagingHint[] = [];
    const read = await listAllPages(slow, { pageSize: 100, concurrency: 3, hint: { step: 100, total: 150 }, remember: (hint) => found.push(hint) });
    assert.deepEqual(read, items);
    assert.deepEqual(started, [0, 0, 2], 'pages 0 and 100 went out together; 200 (the growth) once they answered');
    assert.deepEqual(found, [{ step: 100, total: 250 }]);
  });

  it('guesses a second page without a hint, and asks again when the page size was not the one served', async () => {
    const small = serve(100, items.slice(0, 40));
    assert.deepEqual(await listAllPages(small.fetchPage, { pageSize: 100, guessSecondPage: true }), items.slice(0, 40));
    assert.deepEqual(small.asked.sort((a, b) => a - b), [0, 100], 'one wasted request on a list of one page');
    const capped = serve(50);
    assert.deepEqual(await listAllPages(capped.fetchPage, { pageSize: 100, guessSecondPage: true }), items);
    assert.deepEqual(capped.asked.sort((a, b) => a - b), [0, 50, 100, 100, 150, 200]);
    const shrunk = serve(100, items.slice(0, 120));
    assert.deepEqual(await listAllPages(shrunk.fetchPage, { pageSize: 100, hint: { step: 100, total: 250 } }), items.slice(0, 120));
  });

  it('reads one page at a time with concurrency 1, hint or not', async () => {
    const { asked, fetchPage } = serve(100);
    assert.deepEqual(await listAllPages(fetchPage, { pageSize: 100, concurrency: 1, hint: { step: 100, total: 250 } }), items);
    assert.deepEqual(asked, [0, 100, 200]);
  });

  it('runs at most `limit` tasks at a time and keeps the order', async () => {
    let running = 0;
    let peak = 0;
    const result = await mapWithConcurrency([5, 1, 3, 2, 4], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, n * 3));
      running--;
      return n * 10;
    });
    assert.deepEqual(result, [50, 10, 30, 20, 40]);
    assert.equal(peak, 2);
  });
});

describe('small checks', () => {
  it('accepts an extra object or JSON text of one, rejects anything else with what to write', () => {
    assert.deepEqual(toExtraObject({ rows: 3 }), { rows: 3 });
    assert.deepEqual(toExtraObject('{"rows": 3}'), { rows: 3 });
    assert.deepEqual(toExtraObject(undefined), {});
    assert.throws(() => toExtraObject('[1, 2]'), /The extra must be a JSON object, for example \{"rows": 10\}, not a list\./);
    assert.throws(() => toExtraObject(42), /not a number\./);
    assert.throws(() => toExtraObject(null), /not null\./);
    assert.throws(() => toExtraObject('{"rows": '), /The extra is not valid JSON \(.+\)\. Write a JSON object/);
    assert.throws(() => toExtraObject({ big: 10n }), /cannot be sent as JSON/);
  });

  it('compares Airflow versions', () => {
    assert.equal(versionAtLeast('2.11.2', 2, 9), true);
    assert.equal(versionAtLeast('2.8.4', 2, 9), false);
    assert.equal(versionAtLeast('3.0.0', 2, 9), true);
    assert.equal(versionAtLeast('2.9.0rc1', 2, 9), true);
  });

  it('describes bodies that are not JSON', () => {
    assert.equal(describeBody('<!DOCTYPE html><title>Sign in</title>', 'text/html'), 'an HTML page titled "Sign in"');
    assert.equal(describeBody('', 'text/plain'), 'an empty body');
    assert.equal(describeBody('hello there', 'text/plain'), 'text/plain starting with "hello there"');
  });
});
