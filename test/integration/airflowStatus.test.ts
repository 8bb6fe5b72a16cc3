/**
 * The status check behind the Airflow status bar item, against the real servers of the native
 * stack: a healthy server with the right password shows its version with a check mark; a wrong
 * or missing password shows a credentials problem whose click asks for it again (the check
 * signs in, so a refused password is never shown as healthy); a closed port and a server that
 * never answers show "unreachable" with a click that checks again.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AirflowClient } from '../../src/airflow/airflowClient';
import type { AirflowConnectionConfig } from '../../src/airflow/types';
import { silentLogger } from '../../src/shared/logger';
import { connectionStatusText, statusBarLook, statusProblem } from '../../src/airflow/presentation';
import { checkServer } from '../../src/airflow/serverCheck';

const servers = [
  { label: 'Airflow 3 (API v2)', url: 'http://127.0.0.1:8080', version: /^3\.\d+\.\d+$/, start: 'airflow3' },
  { label: 'Airflow 2 (API v1)', url: 'http://127.0.0.1:8081', version: /^2\.\d+\.\d+$/, start: 'airflow2' },
] as const;

function config(url: string, overrides: Partial<AirflowConnectionConfig> = {}): AirflowConnectionConfig {
  return { name: 'Local stack', url, auth: 'password', username: 'admin', password: 'admin', requestTimeoutMs: 30_000, ...overrides };
}

function check(cfg: AirflowConnectionConfig): ReturnType<typeof checkServer> {
  return checkServer(cfg.name, () => Promise.resolve(new AirflowClient(cfg, silentLogger)), silentLogger);
}

for (const server of servers) {
  describe(`status check of ${server.label}`, () => {
    before(async () => {
      try {
        await new AirflowClient(config(server.url), silentLogger).serverInfo();
      } catch (error) {
        throw new Error(`${server.label} does not answer on ${server.url}: start it with "bash stack/native/stack.sh up ${server.start}"`, { cause: error });
      }
    });

    it('shows the version with a check mark when the password is right', async () => {
      const status = await check(config(server.url));
      assert.equal(status.kind, 'ok', status.kind === 'error' ? String(status.error) : '');
      const look = statusBarLook('Local stack', server.url, status, { auth: 'password' });
      assert.match(look.text, /^\$\(pulse\) Airflow \d+\.\d+\.\d+ ✓$/);
      assert.match(look.text.split(' ')[2] ?? '', server.version);
      assert.equal(look.background, undefined);
      assert.equal(look.click, 'showStatus');
    });

    it('shows a credentials problem, not a healthy server, when the password is wrong', async () => {
      const status = await check(config(server.url, { password: 'not-the-password' }));
      assert.equal(status.kind, 'error');
      assert.equal(statusProblem(status.error), 'credentials');
      const look = statusBarLook('Local stack', server.url, status, { auth: 'password', retryInMs: 5000 });
      assert.equal(look.text, '$(pulse) Airflow ✗ sign-in');
      assert.equal(look.click, 'reenterCredentials');
      assert.equal(connectionStatusText(status), 'sign-in refused', 'the connection row in the trees says the same, not "unreachable"');
      assert.match(look.tooltip, new RegExp(`did not accept the password, or none is stored:\\nAirflow at ${server.url.replace(/\./g, '\\.')} refused the credentials for user admin \\((401|403) on `));
    });

    it('shows a credentials problem when no password is stored', async () => {
      const status = await check(config(server.url, { password: undefined }));
      assert.equal(status.kind, 'error');
      assert.equal(statusProblem(status.error), 'credentials');
      assert.match(statusBarLook('Local stack', server.url, status).tooltip, /has no password stored/);
    });
  });
}

describe('status check of an Airflow that is not there', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let silentUrl = '';

  before(async () => {
    // A real TCP server that accepts connections and never answers: the request times out.
    silent = createServer((socket) => { sockets.push(socket); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });

  it('calls a closed port unreachable and offers to check again', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => { resolve(); }));
    const status = await check(config(url));
    assert.equal(status.kind, 'error');
    const look = statusBarLook('Local stack', url, status, { retryInMs: 10_000 });
    assert.equal(look.text, '$(pulse) Airflow ✗ unreachable');
    assert.equal(look.click, 'showStatus');
    assert.equal(connectionStatusText(status), 'unreachable');
    assert.match(look.tooltip, /cannot be reached:\nAirflow at .* refused the connection/);
    assert.match(look.tooltip, /Checking again in 10 s\./);
  });

  it('calls a server that never answers unreachable', async () => {
    const status = await check(config(silentUrl, { requestTimeoutMs: 300 }));
    assert.equal(status.kind, 'error');
    assert.equal(statusProblem(status.error), 'unreachable');
    assert.match(statusBarLook('Local stack', silentUrl, status).tooltip, /cannot be reached:\nAirflow at .* did not answer .* within 300 ms/);
  });
});
