/**
 * The per-service health model against the real native stack (it must be up): every one of
 * the native services is reported healthy with the details a user would check (broker count,
 * heartbeats), Spark is idle with its jars installed, the status bar says "N/N healthy" (N = every
 * native service that runs a process: Spark does not count), and each service's Show Logs target prints
 * its log through stack.sh. A service that is down or answers wrongly is reported as such
 * without stopping the shared stack: the probes are pointed at a port where nothing listens
 * (an ephemeral port opened and closed again), at a server that speaks another protocol, or
 * given a wrong password. That exercises the probe logic exactly; it does not stop a real
 * process, which would take the stack away from the other tests.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { StackHealthMonitor, probeStack } from '../../src/stack/healthMonitor';
import { NATIVE_SERVICES, nativeStackAddresses, probeNativeStack, type ServiceHealth } from '../../src/stack/serviceHealth';
import { statusBarText, summarizeStack } from '../../src/stack/stackSummary';
import { silentLogger } from '../../src/shared/logger';
import { freePort } from './kafkaTools';

const run = promisify(execFile);
const stackDir = join(import.meta.dirname, '..', '..', 'stack');

/** A TCP port on 127.0.0.1 where nothing listens: opened by the OS, then closed again. */
const deadPort = freePort;

/** The services the status bar counts (not Spark, which runs no process of its own). */
const counted = NATIVE_SERVICES.filter((s) => !('onDemand' in s)).length;

function byId(services: ServiceHealth[]): Map<string, ServiceHealth> {
  return new Map(services.map((s) => [s.id, s]));
}

describe('stack health on the native stack', () => {
  it('reports every native service healthy, with broker and heartbeat details and Spark\'s jars', async () => {
    const services = await probeStack('native', { stackDir });
    assert.deepEqual(services.map((s) => s.id), NATIVE_SERVICES.map((s) => s.id));
    for (const s of services) assert.equal(s.state, 'healthy', `${s.name}: ${s.state} (${s.detail})`);
    const found = byId(services);
    assert.match(found.get('kafka')?.detail ?? '', /^1 broker, controller 1, metadata in \d+ ms$/);
    assert.match(found.get('postgres')?.detail ?? '', /^select 1 on workbench in \d+ ms$/);
    for (const id of ['airflow3-scheduler', 'airflow3-dag-processor', 'airflow3-triggerer']) {
      // A live component beats every few seconds; a minute leaves room for a busy machine.
      assert.match(found.get(id)?.detail ?? '', /^last heartbeat \d+ s ago$/, `${id} reports a recent heartbeat`);
      assert.ok(Number(/(\d+) s ago/.exec(found.get(id)?.detail ?? '')?.[1]) < 60, `${id}: ${found.get(id)?.detail ?? ''}`);
    }
    assert.match(found.get('airflow2')?.detail ?? '', /^webserver answers, scheduler last heartbeat \d+ s ago$/);
    assert.match(found.get('airflow3-api-server')?.detail ?? '', /^answers in \d+ ms, metadata database healthy$/);
    assert.match(found.get('schema-registry')?.detail ?? '', /^answers in \d+ ms, storage reachable$/);
    // Idle unless a Spark DAG run is under way on the shared stack.
    assert.match(found.get('spark')?.detail ?? '', /^(jars installed, idle|job running, driver UI http:\/\/127\.0\.0\.1:404[0-4])$/);
    assert.equal(found.get('spark')?.onDemand, true);
  });

  it('sums the native stack up as "Stack: N/N healthy" through the monitor', async () => {
    const monitor = new StackHealthMonitor(() => probeStack('native', { stackDir }), silentLogger);
    const services = await monitor.check();
    const n = counted;
    assert.equal(services.length, n + 1, 'Spark is listed but not counted');
    assert.deepEqual({ ...summarizeStack(services), notHealthy: [] }, { healthy: n, total: n, overall: 'healthy', notHealthy: [] });
    assert.equal(statusBarText(monitor.latest, false), `$(server) Stack: ${n}/${n} healthy`);
    assert.ok(services.every((s) => s.since instanceof Date));
    monitor.dispose();
  });

  it('reports every service as stopped when nothing listens where it should', async () => {
    const port = await deadPort();
    const services = await probeNativeStack({
      ...nativeStackAddresses,
      kafkaBrokers: [`127.0.0.1:${port}`],
      postgres: { ...nativeStackAddresses.postgres, port },
      airflow3Url: `http://127.0.0.1:${port}`,
      airflow2Url: `http://127.0.0.1:${port}`,
      sourceApiUrl: `http://127.0.0.1:${port}`,
      s3Endpoint: `http://127.0.0.1:${port}`,
      mailApiUrl: `http://127.0.0.1:${port}`,
      schemaRegistryUrl: `http://127.0.0.1:${port}`,
    });
    for (const s of services.filter((x) => !x.onDemand)) assert.equal(s.state, 'stopped', `${s.name}: ${s.detail}`);
    const found = byId(services);
    assert.equal(found.get('kafka')?.detail, `Kafka at 127.0.0.1:${port}: nothing listens (ECONNREFUSED)`);
    assert.equal(found.get('postgres')?.detail, `PostgreSQL at 127.0.0.1:${port}: nothing listens (ECONNREFUSED)`);
    assert.equal(found.get('airflow3-scheduler')?.detail, `unknown: the API server at http://127.0.0.1:${port} does not answer`);
    assert.equal(found.get('object-store')?.detail, `the object store at http://127.0.0.1:${port}/healthz: nothing listens (ECONNREFUSED)`);
    assert.equal(summarizeStack(services).overall, 'stopped');
  });

  it('reports one service down while the others stay healthy', async () => {
    const port = await deadPort();
    const services = await probeStack('native', { stackDir }, { ...nativeStackAddresses, airflow2Url: `http://127.0.0.1:${port}` });
    const summary = summarizeStack(services);
    assert.deepEqual(summary.notHealthy.map((s) => `${s.id}:${s.state}`), ['airflow2:stopped']);
    const n = counted;
    assert.equal(summary.healthy, n - 1);
    assert.equal(statusBarText(services, false), `$(server) Stack: ${n - 1}/${n} healthy`);
  });

  it('reports a server that answers wrongly as unhealthy, not as down', async () => {
    const services = await probeNativeStack({
      ...nativeStackAddresses,
      timeoutMs: 2000,
      // Airflow 2 has no /api/v2/monitor/health; the Airflow 3 API server is not Kafka.
      airflow3Url: nativeStackAddresses.airflow2Url,
      kafkaBrokers: ['127.0.0.1:8080'],
      postgres: { ...nativeStackAddresses.postgres, password: 'not-the-password' },
      // Mailpit's API is not the source API: no /health there.
      sourceApiUrl: nativeStackAddresses.mailApiUrl,
    });
    const found = byId(services);
    assert.equal(found.get('airflow3-api-server')?.state, 'unhealthy');
    assert.match(found.get('airflow3-api-server')?.detail ?? '', /answered HTTP 404 to \/api\/v2\/monitor\/health/);
    assert.equal(found.get('kafka')?.state, 'unhealthy', found.get('kafka')?.detail);
    assert.equal(found.get('postgres')?.state, 'unhealthy');
    assert.match(found.get('postgres')?.detail ?? '', /password authentication failed/);
    assert.equal(found.get('source-api')?.state, 'unhealthy');
    assert.match(found.get('source-api')?.detail ?? '', /answered HTTP 404/);
  });

  it('shows each service\'s own log through stack.sh logs, the command behind Show Logs', async () => {
    for (const s of NATIVE_SERVICES) {
      if ('onDemand' in s) {
        // Spark writes its log only while a job runs: before the first job stack.sh says so.
        const answer = await run('bash', [join(stackDir, 'native', 'stack.sh'), 'logs', '-n', '3', s.logsTarget]).then(
          ({ stdout }) => ({ ok: true, text: stdout }),
          (error: unknown) => ({ ok: false, text: String((error as { stderr?: unknown }).stderr ?? error) }),
        );
        if (answer.ok) assert.ok(answer.text.trim().length > 0, `${s.logsTarget} has log lines`);
        else assert.match(answer.text, /no log files yet/, `${s.logsTarget}: why there is no log yet`);
        continue;
      }
      const { stdout } = await run('bash', [join(stackDir, 'native', 'stack.sh'), 'logs', '-n', '3', s.logsTarget]);
      assert.ok(stdout.trim().length > 0, `${s.logsTarget} has log lines`);
      const files = [...stdout.matchAll(/^==> (.*) <==$/gm)].map((m) => m[1] ?? '');
      if (files.length > 0) assert.ok(files.every((f) => f.includes(s.logsTarget)), `${s.logsTarget}: only its own log files (${files.join(', ')})`);
    }
  });
});
