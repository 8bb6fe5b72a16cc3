/**
 * AirflowClient faults no server of the native stack can show: an Airflow 2 older than 2.9
 * (no dataset-event endpoint) and a server that moves behind a login page after detection.
 * Both come from tiny local HTTP servers whose names say they are fakes.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { AirflowClient } from '../../src/airflow/airflowClient';
import { AirflowResponseError } from '../../src/airflow/errors';
import { WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';

const servers: Server[] = [];
after(() => { for (const server of servers) server.close(); });

async function startFakeServer(routes: Record<string, { status: number; type: string; body: string }>): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    hits.push(`${request.method ?? ''} ${path}`);
    const route = routes[path] ?? { status: 404, type: 'text/html', body: '<html><title>Not Found</title></html>' };
    response.writeHead(route.status, { 'content-type': route.type }).end(route.body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

describe('AirflowClient against fake servers', () => {
  it('says which version creating dataset events needs when a fake Airflow 2.8 answers, without calling it', async () => {
    const fakeAirflow28 = await startFakeServer({ '/api/v1/version': { status: 200, type: 'application/json', body: '{"version": "2.8.4", "git_version": null}' } });
    const client = new AirflowClient({ name: 'old', url: fakeAirflow28.url, auth: 'password', username: 'admin', password: 'admin' }, silentLogger);
    assert.deepEqual(await client.serverInfo(), { apiVersion: 'v1', version: '2.8.4', uiUrl: fakeAirflow28.url });
    await assert.rejects(client.createDatasetEvent('workbench://test/dataset', { rows: 1 }), (error: unknown) => {
      assert.ok(error instanceof WorkbenchError);
      assert.equal(error.message, `Creating dataset events needs Airflow 2.9 or newer; ${fakeAirflow28.url} runs 2.8.4.`);
      return true;
    });
    assert.ok(!fakeAirflow28.hits.some((hit) => hit.includes('/datasets')), 'nothing was sent to the dataset endpoints');
  });

  it('names the endpoint when a fake server answers the DAG list with a login page after detection', async () => {
    const fakeBehindLogin = await startFakeServer({
      '/api/v2/version': { status: 200, type: 'application/json', body: '{"version": "3.1.0", "git_version": null}' },
      '/auth/token': { status: 201, type: 'application/json', body: '{"access_token": "x.e30.y"}' },
      '/api/v2/dags': { status: 200, type: 'text/html', body: '<!DOCTYPE html><html><head><title>Sign in - Corp SSO</title></head></html>' },
    });
    const client = new AirflowClient({ name: 'sso', url: `${fakeBehindLogin.url}/api/v2/`, auth: 'password', username: 'admin', password: 'admin' }, silentLogger);
    await assert.rejects(client.listAllDags(), (error: unknown) => {
      assert.ok(error instanceof AirflowResponseError);
      assert.equal(error.message, `Airflow at ${fakeBehindLogin.url} answered GET /api/v2/dags with an HTML page titled "Sign in - Corp SSO" instead of JSON. A proxy or login page may be in front of Airflow: check the URL.`);
      return true;
    });
  });
});
