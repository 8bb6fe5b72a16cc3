/**
 * Test Connection against the native stack: what it reports is what the servers say when asked
 * another way (kafkajs's own admin for the topics, Airflow's version endpoint, a plain pg
 * client for the PostgreSQL version and the row count), and a wrong port, a wrong password or
 * a missing table each fail with a sentence that names the address and what to do, wrapped
 * with Edit Connection and Retry as the notification offers them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { AirflowClient } from '../../src/airflow/airflowClient';
import { airflowTestSummary, testAirflowConnection } from '../../src/airflow/connectionTest';
import { historyTestSummary, testHistoryConnection } from '../../src/history/connectionTest';
import { MessageHistoryStore } from '../../src/history/messageHistoryStore';
import { kafkaTestSummary, testKafkaConnection } from '../../src/kafka/connectionTest';
import { KafkaService } from '../../src/kafka/kafkaService';
import { connectionTestError } from '../../src/shared/connectionEdit';
import type { WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';
import { localStack } from '../../src/stack/localStack';
import { freePort } from './kafkaTools';

const root = join(import.meta.dirname, '..', '..');
const EDIT = { title: 'Edit Connection', command: 'kafkaAirflow.editConnection', args: [] } as const;

/** The error of a failed test as the notification shows it: its sentence must match `pattern`. */
async function failedTest(what: string, run: () => Promise<unknown>, pattern: RegExp): Promise<WorkbenchError> {
  try {
    await run();
  } catch (error) {
    const shown = connectionTestError(what, error, EDIT);
    assert.match(shown.message, pattern);
    assert.deepEqual(shown.actions[0], EDIT, 'Edit Connection is offered first');
    assert.equal(shown.actions.at(-1), 'retry', 'Retry is offered last');
    return shown;
  }
  assert.fail(`testing ${what} should have failed`);
}

describe('Test Connection of a Kafka connection', () => {
  it('reports the brokers, the controller and the topics the cluster has', async () => {
    const service = new KafkaService({ ...localStack.kafka, requestTimeoutMs: 15_000 }, silentLogger);
    const kafka = new Kafka({ clientId: 'connection-test-check', brokers: [...localStack.kafka.brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    try {
      const report = await testKafkaConnection(service);
      await admin.connect();
      const [cluster, names] = await Promise.all([admin.describeCluster(), admin.listTopics()]);
      assert.deepEqual(report.brokers.map((b) => b.nodeId), cluster.brokers.map((b) => b.nodeId).sort((a, b) => a - b));
      assert.equal(report.controller, cluster.controller);
      assert.ok(report.brokers.some((b) => b.nodeId === report.controller), 'the controller is one of the brokers');
      assert.equal(report.clusterId, cluster.clusterId);
      assert.equal(report.topics + report.internalTopics, names.length, 'every topic is counted once');
      assert.equal(report.internalTopics, names.filter((n) => n.startsWith('__')).length);
      const summary = kafkaTestSummary('Local stack', report);
      assert.match(summary, new RegExp(`^Kafka "Local stack": ${report.brokers.length} brokers? \\(${report.brokers[0]!.nodeId} at `));
      assert.ok(summary.includes(`, 1 controller (broker ${String(report.controller)}), ${report.topics.toLocaleString('en-US')} topic`), summary);
    } finally {
      await admin.disconnect();
      await service.dispose();
    }
  });

  it('fails on a port where no broker listens, naming the address', async () => {
    const port = await freePort();
    const service = new KafkaService({ ...localStack.kafka, brokers: [`127.0.0.1:${port}`], requestTimeoutMs: 5_000 }, silentLogger);
    try {
      const started = Date.now();
      await failedTest('the Kafka connection "wrong port"', () => testKafkaConnection(service),
        new RegExp(`^Test of the Kafka connection "wrong port" failed: Kafka at 127\\.0\\.0\\.1:${port} refused the connection\\.`));
      assert.ok(Date.now() - started < 30_000, 'it fails within the request timeout and its retries');
    } finally {
      await service.dispose();
    }
  });
});

describe('Test Connection of an Airflow connection', () => {
  const config = { ...localStack.airflow, password: localStack.airflowPassword, requestTimeoutMs: 30_000 };

  before(async () => {
    const answer = await fetch(`${localStack.airflow.url}/api/v2/version`, { signal: AbortSignal.timeout(10_000) }).catch((error: unknown) => {
      throw new Error(`Airflow 3 does not answer on ${localStack.airflow.url}: start it with "bash stack/native/stack.sh up airflow3"`, { cause: error });
    });
    assert.ok(answer.ok, `Airflow 3 answered ${answer.status} on /api/v2/version`);
  });

  it('reports the version Airflow gives, its health, and signs in', async () => {
    const { version } = await (await fetch(`${localStack.airflow.url}/api/v2/version`)).json() as { version: string };
    const report = await testAirflowConnection(new AirflowClient(config, silentLogger));
    assert.equal(report.info.version, version);
    assert.equal(report.info.apiVersion, 'v2');
    assert.ok(report.dags >= 1, 'the stack has its bundled DAGs');
    assert.equal(report.health?.metadatabase, 'healthy');
    assert.equal(report.health.scheduler, 'healthy');
    assert.deepEqual(report.unhealthy, []);
    assert.match(airflowTestSummary('Local stack', report), new RegExp(`^Airflow "Local stack": Airflow ${version.replace(/\./g, '\\.')} \\(REST API v2\\), healthy \\(metadatabase, scheduler, .*\\), signed in, \\d+ DAGs?, answered in \\d+ ms\\.$`));
  });

  it('fails, not passes, with a wrong password', async () => {
    await failedTest('the Airflow connection "x"', () => testAirflowConnection(new AirflowClient({ ...config, password: 'not-the-password' }, silentLogger)),
      /failed: Airflow at http:\/\/127\.0\.0\.1:8080 refused the credentials for user admin/);
  });

  it('fails on a port where nothing listens, naming the address', async () => {
    const port = await freePort();
    const shown = await failedTest('the Airflow connection "x"', () => testAirflowConnection(new AirflowClient({ ...config, url: `http://127.0.0.1:${port}`, requestTimeoutMs: 5_000 }, silentLogger)),
      new RegExp(`failed: .*127\\.0\\.0\\.1:${port}.*refused`));
    assert.ok(shown.actions.length >= 2);
  });
});

describe('Test Connection of the history database', () => {
  const connection = { ...localStack.history, password: localStack.historyPassword };
  const schema = `connection_test_${process.pid}_${Date.now().toString(36)}`;
  let admin: pg.Client;

  before(async () => {
    admin = new pg.Client(connection);
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
    await admin.query(`SET search_path TO ${pg.escapeIdentifier(schema)}`);
    await admin.query(readFileSync(join(root, 'stack', 'sql', '001_message_history.sql'), 'utf8'));
    for (let offset = 0; offset < 7; offset++) {
      await admin.query(`INSERT INTO message_history (topic, "partition", "offset", value_text, data_type) VALUES ('t', 0, $1, 'x', 'order')`, [offset]);
    }
  });

  after(async () => {
    await admin.query(`DROP SCHEMA ${pg.escapeIdentifier(schema)} CASCADE`);
    await admin.end();
  });

  it('reports the server version and how many rows the table holds', async () => {
    const store = new MessageHistoryStore({ ...connection, schema, requestTimeoutMs: 10_000 }, silentLogger);
    try {
      const report = await testHistoryConnection(store);
      const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
      assert.equal(report.serverVersion, rows[0]?.server_version);
      assert.equal(report.rows, 7);
      assert.match(historyTestSummary('workbench@127.0.0.1:5432/workbench', report), /^History database workbench@127\.0\.0\.1:5432\/workbench: PostgreSQL \d+(\.\d+)?.*, message_history has 7 rows, answered in \d+ ms\.$/);
    } finally {
      await store.dispose();
    }
  });

  it('fails on a port where nothing listens, a wrong password, and a schema without the table', async () => {
    const port = await freePort();
    const cases = [
      { config: { ...connection, port, requestTimeoutMs: 5_000 }, pattern: new RegExp(`failed: .*127\\.0\\.0\\.1:${port}`) },
      { config: { ...connection, password: 'not-the-password', requestTimeoutMs: 5_000 }, pattern: /failed: PostgreSQL refused the password for user workbench: re-enter it\./ },
      { config: { ...connection, schema: `${schema}_missing`, requestTimeoutMs: 5_000 }, pattern: /failed: The schema of .* does not exist|failed: The database has no message_history table yet/ },
    ];
    for (const { config, pattern } of cases) {
      const store = new MessageHistoryStore(config, silentLogger);
      try {
        await failedTest('the history database', () => testHistoryConnection(store), pattern);
      } finally {
        await store.dispose();
      }
    }
  });
});
