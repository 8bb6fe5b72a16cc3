/**
 * The native stack as a user would check it by hand: kcat round-trips a message through
 * Kafka on 127.0.0.1:9092, Airflow 3 answers API v2 and issues a token for the documented
 * admin user, Airflow 2 answers API v1 with basic auth, and the history database accepts
 * the documented credentials. The addresses and credentials are the ones "Connect to Local
 * Stack" writes, so a drift between the stack and the extension fails here.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { KafkaService } from '../../src/kafka/kafkaService';
import { silentLogger } from '../../src/shared/logger';
import { localStack } from '../../src/stack/localStack';
import { removeTestTopics } from '../support/testTopics';

const run = promisify(execFile);
const broker = localStack.kafka.brokers[0]!;

describe('native stack', () => {
  it('Kafka: kcat produces a message and reads it back', async () => {
    const topic = `wb-check-${randomUUID()}`;
    const payload = JSON.stringify({ check: randomUUID(), text: 'héllo' });
    await new Promise<void>((resolve, reject) => {
      const child = execFile('kcat', ['-b', broker, '-P', '-t', topic, '-K', '|'], (error) => {
        if (error) reject(new Error(`kcat -P failed: ${error.message}`));
        else resolve();
      });
      child.stdin?.end(`key-1|${payload}\n`);
    });
    try {
      const { stdout } = await run('kcat', ['-b', broker, '-C', '-t', topic, '-o', 'beginning', '-c', '1', '-e', '-f', '%k|%s\\n', '-m', '20']);
      assert.equal(stdout.trim(), `key-1|${payload}`);
    } finally {
      const kafka = new KafkaService({ ...localStack.kafka, requestTimeoutMs: 10_000 }, silentLogger);
      await removeTestTopics(kafka, [topic]).finally(() => kafka.dispose());
    }
  });

  it('Airflow 3: API v2 answers with a 3.x version and issues a JWT for the admin user', async () => {
    const version = (await (await fetch(`${localStack.airflow.url}/api/v2/version`)).json()) as { version: string };
    assert.match(version.version, /^3\./);
    const response = await fetch(`${localStack.airflow.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: localStack.airflow.username, password: localStack.airflowPassword }),
    });
    assert.equal(response.status, 201);
    const { access_token: token } = (await response.json()) as { access_token: string };
    const dags = await fetch(`${localStack.airflow.url}/api/v2/dags?limit=100`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(dags.status, 200);
    const body = (await dags.json()) as { dags: { dag_id: string }[] };
    assert.ok(body.dags.some((d) => d.dag_id === 'workbench_smoke'), 'the smoke DAG from stack/dags is loaded');
  });

  it('Airflow 2: API v1 health answers and basic auth lists DAGs', async () => {
    const health = (await (await fetch('http://127.0.0.1:8081/api/v1/health')).json()) as { metadatabase: { status: string } };
    assert.equal(health.metadatabase.status, 'healthy');
    const auth = `Basic ${Buffer.from('admin:admin').toString('base64')}`;
    const dags = await fetch('http://127.0.0.1:8081/api/v1/dags', { headers: { authorization: auth } });
    assert.equal(dags.status, 200);
    const wrong = await fetch('http://127.0.0.1:8081/api/v1/dags', { headers: { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` } });
    // Airflow 2 answers a wrong basic-auth password with 403 (401 when no credentials are sent).
    assert.ok([401, 403].includes(wrong.status), `a wrong password is refused (got ${wrong.status})`);
  });

  it('PostgreSQL: the history database accepts the documented credentials', async () => {
    const client = new pg.Client({ ...localStack.history, password: localStack.historyPassword, ssl: false });
    await client.connect();
    try {
      const result = await client.query<{ db: string; who: string }>('select current_database() as db, current_user as who');
      assert.deepEqual(result.rows[0], { db: 'workbench', who: 'workbench' });
    } finally {
      await client.end();
    }
  });
});
