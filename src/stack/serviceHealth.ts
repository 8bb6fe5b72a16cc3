/**
 * The health of each service of the bundled stack, as the Stack view, the status bar and
 * Launch Stack's progress show it. The native stack is probed service by service from here
 * (a Kafka metadata request, `select 1` on PostgreSQL, the health endpoints of the source API,
 * the object store's S3 gateway and the mail catcher, Airflow 3's /api/v2/monitor/health for its
 * scheduler, DAG processor and triggerer heartbeats, Airflow 2's /api/v1/health, the
 * local schema registry's /health, and Spark: its job jars on disk and a running job's driver UI);
 * the Compose stack's health is what `docker compose ps` reports (see composePs.ts).
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { describeError, systemErrorCode } from '../shared/errors';
import { localStack } from './localStack';

/** starting: expected to become healthy soon; stopped: nothing answers / not created. */
export type ServiceState = 'starting' | 'healthy' | 'unhealthy' | 'stopped';

export interface ServiceHealth {
  /** Stable id: the native stack's component name or the Compose service name. */
  id: string;
  /** What a user calls it: "Kafka", "Airflow 3 scheduler". */
  name: string;
  state: ServiceState;
  /** One line on why: "metadata from broker 1 in 12 ms", "heartbeat 2026-…", "connection refused". */
  detail: string;
  /** When this state was first observed (set by the monitor, which sees the changes). */
  since?: Date;
  /** The argument of `stack.sh logs` or `docker compose logs` that shows this service's log. */
  logsTarget: string;
  /**
   * Set on a service that runs no long-running process (Spark: a job runs only inside a DAG
   * run). Its row shows, but it is left out of the "N/N healthy" sum and the stack's overall
   * state (see summarizeStack).
   */
  onDemand?: true;
  /** A web UI the row offers to open (a running Spark job's driver UI). */
  url?: string;
}

/** Where the native stack's services listen; tests point one of them at a dead port. */
export interface NativeStackAddresses {
  kafkaBrokers: string[];
  postgres: { host: string; port: number; database: string; user: string; password: string };
  airflow3Url: string;
  airflow2Url: string;
  /** The daily pipeline's source API, object store (S3) and mail catcher (HTTP API). */
  sourceApiUrl: string;
  s3Endpoint: string;
  mailApiUrl: string;
  schemaRegistryUrl: string;
  /** Where a Spark driver's UI may listen (the first free port from 4040 on). */
  sparkUiHost: string;
  sparkUiPorts: number[];
  /**
   * $KAW_SPARK_JARS_DIR of the running stack (`stack.sh env`); absent: not known, and the Spark
   * row says so. probeStack passes a reader of the stack's settings.
   */
  sparkJarsDir?: () => Promise<string>;
  /** Per-probe timeout. */
  timeoutMs: number;
}

export const nativeStackAddresses: NativeStackAddresses = {
  kafkaBrokers: [...localStack.kafka.brokers],
  postgres: {
    host: localStack.history.host,
    port: localStack.history.port,
    database: localStack.history.database,
    user: localStack.history.user,
    password: localStack.historyPassword,
  },
  airflow3Url: localStack.airflow.url,
  airflow2Url: 'http://127.0.0.1:8081',
  sourceApiUrl: 'http://127.0.0.1:8090',
  s3Endpoint: 'http://127.0.0.1:8333',
  mailApiUrl: 'http://127.0.0.1:8025',
  schemaRegistryUrl: 'http://127.0.0.1:8085',
  sparkUiHost: '127.0.0.1',
  sparkUiPorts: [4040, 4041, 4042, 4043, 4044],
  timeoutMs: 3000,
};

/** The native stack's services in the order they start; `stack.sh logs <logsTarget>` shows each one's log. */
export const NATIVE_SERVICES = [
  { id: 'kafka', name: 'Kafka', logsTarget: 'kafka' },
  { id: 'postgres', name: 'PostgreSQL', logsTarget: 'postgres' },
  { id: 'source-api', name: 'Source API', logsTarget: 'source-api' },
  { id: 'object-store', name: 'Object store (SeaweedFS)', logsTarget: 'object-store' },
  { id: 'mail', name: 'Mail catcher (Mailpit)', logsTarget: 'mail' },
  { id: 'schema-registry', name: 'Schema registry', logsTarget: 'schema-registry' },
  { id: 'airflow3-api-server', name: 'Airflow 3 API server', logsTarget: 'airflow3-api-server' },
  { id: 'airflow3-scheduler', name: 'Airflow 3 scheduler', logsTarget: 'airflow3-scheduler' },
  { id: 'airflow3-dag-processor', name: 'Airflow 3 DAG processor', logsTarget: 'airflow3-dag-processor' },
  { id: 'airflow3-triggerer', name: 'Airflow 3 triggerer', logsTarget: 'airflow3-triggerer' },
  { id: 'airflow2', name: 'Airflow 2', logsTarget: 'airflow2' },
  { id: 'spark', name: 'Spark', logsTarget: 'spark', onDemand: true },
] as const;

type NativeServiceId = (typeof NATIVE_SERVICES)[number]['id'];
type Probe = Pick<ServiceHealth, 'state' | 'detail'> & { url?: string };

const REFUSED = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'EADDRNOTAVAIL']);

/** A failed probe: "stopped" when nothing listens, "unhealthy" when something answers wrongly or too slowly. */
function failed(error: unknown, what: string): Probe {
  const code = systemErrorCode(error);
  if (code !== undefined && REFUSED.has(code)) return { state: 'stopped', detail: `${what}: nothing listens (${code})` };
  return { state: 'unhealthy', detail: `${what}: ${describeError(error).split('\n')[0] ?? 'no answer'}` };
}

function elapsed(started: number): string {
  return `${Math.round(performance.now() - started)} ms`;
}

/** Kafka answers a metadata request (describeCluster) from its bootstrap brokers. */
export async function probeKafka(brokers: string[], timeoutMs: number): Promise<Probe> {
  const started = performance.now();
  const admin = new Kafka({
    clientId: 'kafka-airflow-workbench-health',
    brokers,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const count = cluster.brokers.length;
    return { state: 'healthy', detail: `${count} broker${count === 1 ? '' : 's'}, controller ${cluster.controller ?? '?'}, metadata in ${elapsed(started)}` };
  } catch (error) {
    return failed(error, `Kafka at ${brokers.join(', ')}`);
  } finally {
    // The probe's answer is already decided; a failed disconnect would not change it.
    await admin.disconnect().catch(() => undefined);
  }
}

/** PostgreSQL accepts the stack's credentials and answers `select 1`. */
export async function probePostgres(target: NativeStackAddresses['postgres'], timeoutMs: number): Promise<Probe> {
  const started = performance.now();
  const client = new pg.Client({ ...target, ssl: false, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  // A connection that breaks after connect emits 'error'; without a listener it would crash the host.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return { state: 'healthy', detail: `select 1 on ${target.database} in ${elapsed(started)}` };
  } catch (error) {
    return failed(error, `PostgreSQL at ${target.host}:${target.port}`);
  } finally {
    // The probe's answer is already decided; a failed close would not change it.
    await client.end().catch(() => undefined);
  }
}

async function getJson(url: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** "4 s ago", "3 min ago", "2 h ago" from an ISO timestamp; the timestamp itself when it does not parse. */
export function heartbeatAge(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

/**
 * One Airflow component's entry of a health document: healthy with the age of its heartbeat,
 * starting when it has never sent one (status null), unhealthy when its heartbeat is stale.
 */
export function componentProbe(health: unknown, key: string, heartbeatKey: string, now = Date.now()): Probe {
  const entry = field(health, key);
  const status = field(entry, 'status');
  const heartbeat = field(entry, heartbeatKey);
  const beat = typeof heartbeat === 'string' ? `last heartbeat ${heartbeatAge(heartbeat, now)}` : 'no heartbeat yet';
  if (status === 'healthy') return { state: 'healthy', detail: beat };
  if (status === null || status === undefined) return { state: 'starting', detail: beat };
  return { state: 'unhealthy', detail: `${typeof status === 'string' ? status : JSON.stringify(status)}, ${beat}` };
}

const AIRFLOW3_COMPONENTS: { id: NativeServiceId; key: string }[] = [
  { id: 'airflow3-scheduler', key: 'scheduler' },
  { id: 'airflow3-dag-processor', key: 'dag_processor' },
  { id: 'airflow3-triggerer', key: 'triggerer' },
];

/** The API server answers /api/v2/monitor/health; the other components are read from its heartbeats. */
export async function probeAirflow3(baseUrl: string, timeoutMs: number): Promise<Record<string, Probe>> {
  const started = performance.now();
  try {
    const { status, body } = await getJson(`${baseUrl}/api/v2/monitor/health`, timeoutMs);
    if (status !== 200 || body === undefined) {
      const unknown: Probe = { state: 'unhealthy', detail: `the API server answered HTTP ${status} to /api/v2/monitor/health` };
      return Object.fromEntries([['airflow3-api-server', unknown], ...AIRFLOW3_COMPONENTS.map((c) => [c.id, unknown])]) as Record<string, Probe>;
    }
    const database = field(field(body, 'metadatabase'), 'status');
    const api: Probe = database === 'healthy'
      ? { state: 'healthy', detail: `answers in ${elapsed(started)}, metadata database healthy` }
      : { state: 'unhealthy', detail: `${baseUrl} answers but its metadata database is ${String(database)}` };
    return Object.fromEntries([
      ['airflow3-api-server', api],
      ...AIRFLOW3_COMPONENTS.map((c) => [c.id, componentProbe(body, c.key, `latest_${c.key}_heartbeat`)]),
    ]) as Record<string, Probe>;
  } catch (error) {
    const api = failed(error, `Airflow 3 at ${baseUrl}`);
    // Without the API server nobody reports the components' heartbeats.
    const component: Probe = { state: api.state, detail: `unknown: the API server at ${baseUrl} does not answer` };
    return Object.fromEntries([['airflow3-api-server', api], ...AIRFLOW3_COMPONENTS.map((c) => [c.id, component])]) as Record<string, Probe>;
  }
}

/** An HTTP health endpoint answers 2xx (the source API's /health, SeaweedFS S3's /healthz, Mailpit's /readyz). */
export async function probeHttpHealth(url: string, what: string, timeoutMs: number): Promise<Probe> {
  const started = performance.now();
  try {
    const { status } = await getJson(url, timeoutMs);
    if (status < 200 || status > 299) return { state: 'unhealthy', detail: `${url} answered HTTP ${status}` };
    return { state: 'healthy', detail: `${url} answers in ${elapsed(started)}` };
  } catch (error) {
    return failed(error, `${what} at ${url}`);
  }
}

/** Airflow 2 answers /api/v1/health with a healthy metadata database and scheduler. */
export async function probeAirflow2(baseUrl: string, timeoutMs: number): Promise<Probe> {
  try {
    const { status, body } = await getJson(`${baseUrl}/api/v1/health`, timeoutMs);
    if (status !== 200) return { state: 'unhealthy', detail: `${baseUrl}/api/v1/health answered HTTP ${status}` };
    const database = field(field(body, 'metadatabase'), 'status');
    const scheduler = componentProbe(body, 'scheduler', 'latest_scheduler_heartbeat');
    if (database !== 'healthy') return { state: 'unhealthy', detail: `metadata database ${String(database)}` };
    return { state: scheduler.state, detail: `webserver answers, scheduler ${scheduler.detail}` };
  } catch (error) {
    return failed(error, `Airflow 2 at ${baseUrl}`);
  }
}

/** The stack's local schema registry answers /health (it checks its PostgreSQL storage there). */
export async function probeSchemaRegistry(baseUrl: string, timeoutMs: number): Promise<Probe> {
  const started = performance.now();
  try {
    const { status, body } = await getJson(`${baseUrl}/health`, timeoutMs);
    if (status === 200 && field(body, 'status') === 'ok') return { state: 'healthy', detail: `answers in ${elapsed(started)}, storage reachable` };
    const message = field(body, 'message');
    return { state: 'unhealthy', detail: `${baseUrl}/health answered HTTP ${status}${typeof message === 'string' ? `: ${message}` : ''}` };
  } catch (error) {
    return failed(error, `Schema registry at ${baseUrl}`);
  }
}

/** What is known of the Spark job jars: installed, missing, or not known (with why). */
export type SparkJars = { kind: 'installed' } | { kind: 'missing' } | { kind: 'unknown'; reason: string };

/**
 * The Spark row, as `stack.sh status` words it. Pure. Jars installed: healthy, idle or with a
 * running job's driver UI (offered as the row's url). Jars missing: unhealthy, saying how to
 * install them; no job can run without them.
 */
export function sparkProbe(jars: SparkJars, driverUiUrl: string | undefined): Probe {
  if (jars.kind === 'missing') return { state: 'unhealthy', detail: 'jars missing: run stack.sh install spark' };
  if (jars.kind === 'unknown') return { state: 'unhealthy', detail: `jars not checked: ${jars.reason}` };
  if (driverUiUrl !== undefined) return { state: 'healthy', detail: `job running, driver UI ${driverUiUrl}`, url: driverUiUrl };
  return { state: 'healthy', detail: 'jars installed, idle' };
}

/** Whether $KAW_SPARK_JARS_DIR/.complete exists (stack.sh install spark writes it last). */
export async function sparkJarsState(jarsDir: (() => Promise<string>) | undefined): Promise<SparkJars> {
  if (!jarsDir) return { kind: 'unknown', reason: 'the stack\'s settings (stack.sh env) were not read' };
  let dir: string;
  try {
    dir = await jarsDir();
  } catch (error) {
    return { kind: 'unknown', reason: describeError(error).split('\n')[0] ?? 'stack.sh env failed' };
  }
  try {
    await access(join(dir, '.complete'));
    return { kind: 'installed' };
  } catch (error) {
    if (systemErrorCode(error) === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unknown', reason: `${dir}: ${describeError(error).split('\n')[0] ?? ''}` };
  }
}

/** Whether an HTTP answer is a Spark driver's REST API: /api/v1/applications lists its application. */
export function isSparkApplications(status: number, body: unknown): boolean {
  return status === 200 && Array.isArray(body) && body.some((app) => typeof field(app, 'id') === 'string');
}

/**
 * The UI of a running Spark driver: the first of the ports whose /api/v1/applications answers
 * as Spark does. An HTTP probe rather than looking for the spark-submit process: it needs no
 * process listing, works wherever the driver runs, and finds the port the UI really took.
 * Nothing listening answers at once (connection refused), so an idle Spark costs little.
 */
export async function findSparkDriverUi(host: string, ports: readonly number[], timeoutMs: number): Promise<string | undefined> {
  const answers = await Promise.all(ports.map(async (port) => {
    const url = `http://${host}:${port}`;
    try {
      const { status, body } = await getJson(`${url}/api/v1/applications`, timeoutMs);
      return isSparkApplications(status, body) ? url : undefined;
    } catch {
      // Nothing listens there, or something that is not a Spark driver: no driver on this port.
      return undefined;
    }
  }));
  return answers.find((url) => url !== undefined);
}

/** Probes Spark: its jars on disk and a running driver's UI; never rejects. */
export async function probeSpark(addresses: NativeStackAddresses): Promise<Probe> {
  const [jars, driver] = await Promise.all([
    sparkJarsState(addresses.sparkJarsDir),
    findSparkDriverUi(addresses.sparkUiHost, addresses.sparkUiPorts, Math.min(addresses.timeoutMs, 1500)),
  ]);
  return sparkProbe(jars, driver);
}

/** Probes every native service at once; never rejects. */
export async function probeNativeStack(addresses: NativeStackAddresses = nativeStackAddresses): Promise<ServiceHealth[]> {
  const { timeoutMs } = addresses;
  const [kafka, postgres, airflow3, airflow2, sourceApi, objectStore, mail, schemaRegistry, spark] = await Promise.all([
    probeKafka(addresses.kafkaBrokers, timeoutMs),
    probePostgres(addresses.postgres, timeoutMs),
    probeAirflow3(addresses.airflow3Url, timeoutMs),
    probeAirflow2(addresses.airflow2Url, timeoutMs),
    probeHttpHealth(`${addresses.sourceApiUrl}/health`, 'the source API', timeoutMs),
    probeHttpHealth(`${addresses.s3Endpoint}/healthz`, 'the object store', timeoutMs),
    probeHttpHealth(`${addresses.mailApiUrl}/readyz`, 'the mail catcher', timeoutMs),
    probeSchemaRegistry(addresses.schemaRegistryUrl, timeoutMs),
    probeSpark(addresses),
  ]);
  const byId: Record<string, Probe | undefined> = { kafka, postgres, airflow2, ...airflow3, 'source-api': sourceApi, 'object-store': objectStore, mail, 'schema-registry': schemaRegistry, spark };
  return NATIVE_SERVICES.map((service): ServiceHealth => ({
    id: service.id,
    name: service.name,
    logsTarget: service.logsTarget,
    ...('onDemand' in service ? { onDemand: true as const } : {}),
    ...(byId[service.id] ?? { state: 'unhealthy', detail: 'not probed' }),
  }));
}
