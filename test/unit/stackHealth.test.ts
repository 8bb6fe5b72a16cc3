/**
 * The stack health model without servers: parsing `docker compose ps --format json` (the
 * fixture test/fixtures/compose-ps.handwritten.json is hand-written from the Compose
 * documentation's field list — there is no Docker engine here to record a real one), the
 * states of Compose containers, the Airflow health documents' component entries, and the
 * words the user sees: the progress line, the status bar text and the timeout message.
 * The native probes run against the real stack in test/integration/stackHealth.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { COMPOSE_SERVICES, composeEntryState, composeServiceHealth, parseComposePs } from '../../src/stack/composePs';
import { StackHealthMonitor } from '../../src/stack/healthMonitor';
import { composeCommand, nativeCommand } from '../../src/stack/launcher';
import { componentProbe, heartbeatAge, NATIVE_SERVICES, type ServiceHealth, type ServiceState } from '../../src/stack/serviceHealth';
import { launchTimeoutMessage, progressMessage, statusBarText, statusBarTooltip, summarizeStack } from '../../src/stack/stackSummary';
import { silentLogger } from '../../src/shared/logger';

const root = join(import.meta.dirname, '..', '..');
const fixtureArray = readFileSync(join(root, 'test', 'fixtures', 'compose-ps.handwritten.json'), 'utf8');
/** The same containers as Compose v2.21+ prints them: one compact JSON object per line. */
const fixtureLines = (JSON.parse(fixtureArray) as unknown[]).map((entry) => JSON.stringify(entry)).join('\n');

function service(name: string, state: ServiceState, detail = 'detail'): ServiceHealth {
  return { id: name.toLowerCase().replace(/\s+/g, '-'), name, state, detail, logsTarget: name.toLowerCase() };
}

describe('docker compose ps parser', () => {
  it('reads both output formats (a JSON array, and one object per line) to the same containers', () => {
    const fromArray = parseComposePs(fixtureArray.replace(/\n\s*/g, ''));
    const fromLines = parseComposePs(fixtureLines);
    assert.equal(fromArray.length, 8);
    assert.deepEqual(fromLines, fromArray);
    assert.deepEqual(fromArray[0], { Service: 'kafka', State: 'running', Health: 'healthy', Status: 'Up 5 minutes (healthy)', ExitCode: 0 });
  });

  it('skips the warnings Compose prints on the same stream, and names a broken JSON line', () => {
    const withWarning = `WARN[0000] The "AIRFLOW_UID" variable is not set. Defaulting to a blank string.\n${fixtureLines}\n`;
    assert.equal(parseComposePs(withWarning).length, 8);
    assert.deepEqual(parseComposePs(''), []);
    assert.throws(() => parseComposePs('{"Service": "kafka", "State": '), /not valid JSON: \{"Service": "kafka"/);
  });

  it('gives every service of the bundled file its health, and lists a running profile service', () => {
    const health = composeServiceHealth(parseComposePs(fixtureLines));
    const states = Object.fromEntries(health.map((s) => [s.id, s.state]));
    assert.deepEqual(states, {
      kafka: 'healthy',
      'kafka-init': 'healthy',
      postgres: 'healthy',
      'airflow-init': 'healthy',
      'airflow-apiserver': 'healthy',
      'airflow-scheduler': 'starting',
      'airflow-dag-processor': 'unhealthy',
      'airflow-triggerer': 'stopped',
      'source-api': 'stopped',
      seaweedfs: 'stopped',
      mailpit: 'stopped',
      'kafka-ui': 'healthy',
    });
    const byId = new Map(health.map((s) => [s.id, s]));
    assert.equal(byId.get('kafka-init')?.detail, 'completed (Exited (0) 3 minutes ago)');
    assert.equal(byId.get('airflow-scheduler')?.detail, 'Up 20 seconds (health: starting)');
    assert.match(byId.get('airflow-triggerer')?.detail ?? '', /not created/);
    assert.equal(byId.get('airflow-dag-processor')?.logsTarget, 'airflow-dag-processor');
    assert.ok(!byId.has('schema-registry'), 'a profile service that does not run is not listed');
  });

  it('tells a failed one-shot, a crash loop and a created container apart', () => {
    const entry = { Service: 'x', Health: '', Status: '', ExitCode: 0 };
    assert.deepEqual(composeEntryState({ ...entry, State: 'exited', Status: 'Exited (1) 1 minute ago', ExitCode: 1 }, true), { state: 'unhealthy', detail: 'Exited (1) 1 minute ago' });
    assert.equal(composeEntryState({ ...entry, State: 'exited', ExitCode: 0 }, false).state, 'stopped');
    assert.equal(composeEntryState({ ...entry, State: 'restarting', Status: 'Restarting (1) 5 seconds ago' }, false).state, 'unhealthy');
    assert.equal(composeEntryState({ ...entry, State: 'created' }, false).state, 'starting');
    assert.equal(composeEntryState({ ...entry, State: 'running' }, true).state, 'starting', 'a one-shot service still running is at work');
    assert.equal(composeEntryState({ ...entry, State: 'running' }, false).state, 'healthy', 'running without a healthcheck');
  });

  it('knows exactly the services of stack/compose/docker-compose.yml outside profiles, and which are one-shot', () => {
    const file = parse(readFileSync(join(root, 'stack', 'compose', 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { profiles?: string[]; restart?: string }>;
    };
    const always = Object.entries(file.services).filter(([, s]) => !s.profiles);
    assert.deepEqual(COMPOSE_SERVICES.map((s) => s.id).sort(), always.map(([name]) => name).sort());
    const oneShot = always.filter(([, s]) => s.restart === 'no').map(([name]) => name).sort();
    assert.deepEqual(COMPOSE_SERVICES.filter((s) => 'oneShot' in s).map((s) => s.id).sort(), oneShot);
  });
});

describe('Show Logs commands per service', () => {
  const paths = { stackDir: '/ext/stack' };
  it('passes the service name as its own argument to docker compose logs and stack.sh logs', () => {
    assert.deepEqual(composeCommand(paths, 'logs', 'airflow-scheduler').args.slice(-5), ['logs', '--follow', '--tail', '200', 'airflow-scheduler']);
    assert.deepEqual(nativeCommand(paths, 'logs', 'airflow3-triggerer').args, ['/ext/stack/native/stack.sh', 'logs', '-f', '-n', '200', 'airflow3-triggerer']);
    assert.deepEqual(nativeCommand(paths, 'logs').args, ['/ext/stack/native/stack.sh', 'logs', '-f', '-n', '200']);
  });

  it('has a log target for each native service that stack.sh knows (a service or a component name)', () => {
    const script = readFileSync(join(root, 'stack', 'native', 'stack.sh'), 'utf8');
    const all = /ALL_SERVICES=\(([^)]*)\)/.exec(script)?.[1]?.split(/\s+/) ?? [];
    for (const s of ['postgres', 'kafka', 'schema-registry', 'source-api', 'object-store', 'mail', 'airflow3', 'airflow2', 'spark']) assert.ok(all.includes(s), `stack.sh knows ${s}`);
    const a3 = readFileSync(join(root, 'stack', 'native', 'lib', 'airflow3.sh'), 'utf8');
    const components = /AIRFLOW3_COMPONENTS=\(([^)]*)\)/.exec(a3)?.[1]?.split(/\s+/).map((c) => `airflow3-${c}`) ?? [];
    const known = new Set([...all.filter((s) => s !== 'airflow3'), ...components]);
    for (const s of NATIVE_SERVICES) assert.ok(known.has(s.logsTarget), `${s.logsTarget} is a stack.sh logs target`);
    assert.equal(components.length, 4);
  });
});

describe('Airflow health document entries', () => {
  // Hand-written in the shape of Airflow 3's /api/v2/monitor/health (a stale heartbeat cannot be
  // produced on the shared stack without stopping its scheduler).
  const document = {
    metadatabase: { status: 'healthy' },
    scheduler: { status: 'healthy', latest_scheduler_heartbeat: '2026-11-22T05:47:40.619562+00:00' },
    triggerer: { status: null, latest_triggerer_heartbeat: null },
    dag_processor: { status: 'unhealthy', latest_dag_processor_heartbeat: '2026-11-22T05:30:00.000000+00:00' },
  };

  const now = Date.parse('2026-11-22T05:47:44.000000+00:00');

  it('reads healthy with its heartbeat age, never-started as starting, a stale heartbeat as unhealthy', () => {
    assert.deepEqual(componentProbe(document, 'scheduler', 'latest_scheduler_heartbeat', now), { state: 'healthy', detail: 'last heartbeat 3 s ago' });
    assert.deepEqual(componentProbe(document, 'triggerer', 'latest_triggerer_heartbeat', now), { state: 'starting', detail: 'no heartbeat yet' });
    assert.deepEqual(componentProbe(document, 'dag_processor', 'latest_dag_processor_heartbeat', now), { state: 'unhealthy', detail: 'unhealthy, last heartbeat 18 min ago' });
    assert.equal(componentProbe({}, 'scheduler', 'latest_scheduler_heartbeat', now).state, 'starting');
  });

  it('writes heartbeat ages a person reads at a glance', () => {
    assert.equal(heartbeatAge('2026-11-22T05:47:44+00:00', now + 119_000), '119 s ago');
    assert.equal(heartbeatAge('2026-11-22T05:47:44+00:00', now + 7_199_000), '120 min ago');
    assert.equal(heartbeatAge('2026-11-22T05:47:44+00:00', now + 3 * 3_600_000), '3 h ago');
    assert.equal(heartbeatAge('2026-11-22T05:47:50+00:00', now), '0 s ago', 'a clock a little ahead is not negative');
    assert.equal(heartbeatAge('yesterday', now), 'yesterday');
  });
});

describe('stack summary words', () => {
  const launching = [service('Kafka', 'healthy'), service('PostgreSQL', 'healthy'), service('Airflow scheduler', 'starting')];

  it('writes the progress line per service in start order', () => {
    assert.equal(progressMessage(launching), 'Kafka healthy · PostgreSQL healthy · Airflow scheduler starting…');
    assert.equal(progressMessage([service('Kafka', 'stopped'), service('Airflow 2', 'unhealthy')]), 'Kafka down · Airflow 2 unhealthy');
  });

  it('counts healthy services and picks the overall state', () => {
    assert.deepEqual(
      { ...summarizeStack(launching), notHealthy: summarizeStack(launching).notHealthy.map((s) => s.name) },
      { healthy: 2, total: 3, overall: 'starting', notHealthy: ['Airflow scheduler'] },
    );
    assert.equal(summarizeStack([service('A', 'healthy'), service('B', 'healthy')]).overall, 'healthy');
    assert.equal(summarizeStack([service('A', 'stopped'), service('B', 'stopped')]).overall, 'stopped');
    assert.equal(summarizeStack([service('A', 'healthy'), service('B', 'stopped')]).overall, 'unhealthy', 'half up is not healthy');
    assert.equal(summarizeStack([service('A', 'unhealthy'), service('B', 'starting')]).overall, 'unhealthy');
    assert.equal(summarizeStack([]).overall, 'stopped');
  });

  it('writes the status bar text and tooltip', () => {
    const every = NATIVE_SERVICES.map((s): ServiceHealth => ({ ...service(s.name, 'healthy'), ...('onDemand' in s ? { onDemand: true as const } : {}) }));
    // Spark runs no process of its own and is not counted (see summarizeStack).
    const n = NATIVE_SERVICES.filter((s) => !('onDemand' in s)).length;
    assert.equal(n, 11);
    assert.equal(statusBarText(every, false), `$(server) Stack: ${n}/${n} healthy`);
    assert.equal(statusBarText(launching, true), '$(loading~spin) Stack: 2/3 healthy');
    assert.equal(statusBarText(every.map((s) => ({ ...s, state: 'stopped' as const })), false), '$(server) Stack: stopped');
    assert.equal(statusBarText(undefined, false), '$(server) Stack: checking…');
    assert.equal(statusBarTooltip(launching, 'native stack').split('\n')[3], 'Airflow scheduler: starting… (detail)');
  });

  it('ends a launch that ran out of time naming the unhealthy services and where their logs are', () => {
    const message = launchTimeoutMessage(
      [service('Kafka', 'healthy'), service('Airflow 3 scheduler', 'unhealthy', 'no heartbeat yet'), service('Airflow 2', 'stopped', 'nothing listens (ECONNREFUSED)')],
      20,
    );
    assert.equal(
      message,
      'The stack did not become healthy within 20 minutes: Airflow 3 scheduler is unhealthy (no heartbeat yet); Airflow 2 is down (nothing listens (ECONNREFUSED)). ' +
        'Open its log with "Show Logs" on its row in the Stack view, or run "Kafka Airflow: Stack Logs".',
    );
  });
});

describe('stack health monitor', () => {
  /** A probe that answers from a script of results, one per check: no server involved. */
  function scriptedProbe(results: ServiceState[][]): () => Promise<ServiceHealth[]> {
    let call = 0;
    return () => {
      const states = results[Math.min(call++, results.length - 1)] ?? [];
      return Promise.resolve(states.map((state, i) => service(`S${i}`, state)));
    };
  }

  it('keeps since when a state holds, moves it when the state changes, and shows not-healthy as starting during a launch', async () => {
    const monitor = new StackHealthMonitor(scriptedProbe([['stopped', 'healthy'], ['stopped', 'healthy'], ['healthy', 'healthy'], ['unhealthy', 'healthy']]), silentLogger);
    const seen: ServiceState[][] = [];
    monitor.onDidChange((services) => seen.push(services.map((s) => s.state)));
    const first = await monitor.check();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const launch = monitor.beginLaunch();
    const second = await monitor.check();
    assert.deepEqual(second.map((s) => s.state), ['starting', 'healthy'], 'during a launch, down means not up yet');
    assert.equal(second[1]?.since, first[1]?.since, 'healthy since the first check');
    assert.notEqual(second[0]?.since, first[0]?.since);
    const third = await monitor.check();
    launch.dispose();
    launch.dispose();
    assert.equal(monitor.launching, false, 'disposing a launch twice counts once');
    const fourth = await monitor.check();
    assert.deepEqual(seen, [['stopped', 'healthy'], ['starting', 'healthy'], ['healthy', 'healthy'], ['unhealthy', 'healthy']]);
    assert.equal(monitor.latest, fourth);
    assert.equal(third[0]?.state, 'healthy');
    monitor.dispose();
  });

  it('joins concurrent checks into one probe and polls only while asked to', async () => {
    const counter = { probes: 0 };
    const monitor = new StackHealthMonitor(() => { counter.probes++; return Promise.resolve([service('Kafka', 'healthy')]); }, silentLogger);
    await Promise.all([monitor.check(), monitor.check(), monitor.check()]);
    assert.equal(counter.probes, 1);
    const fast = monitor.poll(20);
    const slow = monitor.poll(10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    fast.dispose();
    const afterFast: number = counter.probes;
    assert.ok(afterFast >= 3, `polled at the fastest interval asked for (${afterFast} probes)`);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(counter.probes, afterFast, 'back to the slow interval once the fast demand is gone');
    slow.dispose();
    monitor.dispose();
  });
});
