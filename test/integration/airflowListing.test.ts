/**
 * How AirflowClient pages through the DAGs of the native stack's real servers (Airflow 3 on
 * 127.0.0.1:8080, Airflow 2 on 127.0.0.1:8081), checked against what the server itself says:
 * pages read three at a time without waiting for the first, as a first listing (the second
 * page guessed) and as a refresh (every page of the previous read asked at once), give the
 * same DAGs in the same order as one page at a time, and as the server's own one-page answer,
 * in pages of one DAG, so the stack's test DAGs (workbench_test_*) span several.
 *
 *   bash stack/native/stack.sh up airflow3 airflow2
 *   node --import tsx --test --test-concurrency=1 test/integration/airflowListing.test.ts
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { AirflowClient } from '../../src/airflow/airflowClient';
import { silentLogger } from '../../src/shared/logger';

const servers = [
  { label: 'Airflow 3 (API v2)', url: 'http://127.0.0.1:8080', start: 'airflow3' },
  { label: 'Airflow 2 (API v1)', url: 'http://127.0.0.1:8081', start: 'airflow2' },
] as const;

for (const server of servers) {
  describe(`${server.label}: listing the DAGs page by page`, () => {
    const client = new AirflowClient({ name: 'Local stack', url: server.url, auth: 'password', username: 'admin', password: 'admin', requestTimeoutMs: 60_000 }, silentLogger);

    before(async () => {
      try {
        await client.serverInfo();
      } catch (error) {
        throw new Error(`${server.label} does not answer on ${server.url}: start it with "bash stack/native/stack.sh up ${server.start}"`, { cause: error });
      }
    });

    it('reads the same DAGs in the same order three pages at a time (first listing and refresh) as one at a time and as one page', async () => {
      const search = 'workbench_test_';
      const onePage = await client.listDags({ limit: 100, offset: 0, search, onlyActive: true });
      assert.ok(onePage.totalEntries >= 3 && onePage.totalEntries <= 100, `the stack's ${onePage.totalEntries} test DAGs fit one page of 100 and span several of 1`);
      const expected = onePage.items.map((dag) => dag.dagId);
      const options = { search, pageSize: 1, latestRunState: false } as const;
      const oneAtATime = (await client.listAllDags({ ...options, concurrency: 1 })).map((dag) => dag.dagId);
      // A new client has no record of the list yet: this is a first listing.
      const fresh = new AirflowClient({ name: 'Local stack', url: server.url, auth: 'password', username: 'admin', password: 'admin', requestTimeoutMs: 60_000 }, silentLogger);
      const first = (await fresh.listAllDags({ ...options, concurrency: 3 })).map((dag) => dag.dagId);
      const refresh = (await fresh.listAllDags({ ...options, concurrency: 3 })).map((dag) => dag.dagId);
      assert.deepEqual(oneAtATime, expected);
      assert.deepEqual(first, expected);
      assert.deepEqual(refresh, expected);
    });
  });
}
