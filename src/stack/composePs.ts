/**
 * Reads the Compose stack's service health from `docker compose ps --all --format json`.
 * Compose prints one JSON object per line (v2.21 and later) or a JSON array on one line (older v2);
 * of each object the documented fields Service, State, Health, Status and ExitCode are used.
 * Services of the bundled file that `ps` does not list have not been created: "stopped".
 */
import type { ServiceHealth } from './serviceHealth';

/** One container as `docker compose ps --format json` describes it (only the fields used here). */
export interface ComposePsEntry {
  Service: string;
  State: string;
  Health: string;
  Status: string;
  ExitCode: number;
}

/** The services of stack/compose/docker-compose.yml outside profiles; a unit test checks this against the file. */
export const COMPOSE_SERVICES = [
  { id: 'kafka', name: 'Kafka' },
  { id: 'kafka-init', name: 'Kafka topics (init)', oneShot: true },
  { id: 'postgres', name: 'PostgreSQL' },
  { id: 'airflow-init', name: 'Airflow database and user (init)', oneShot: true },
  { id: 'airflow-apiserver', name: 'Airflow API server' },
  { id: 'airflow-scheduler', name: 'Airflow scheduler' },
  { id: 'airflow-dag-processor', name: 'Airflow DAG processor' },
  { id: 'airflow-triggerer', name: 'Airflow triggerer' },
  { id: 'source-api', name: 'Source API' },
  { id: 'seaweedfs', name: 'Object store (SeaweedFS)' },
  { id: 'mailpit', name: 'Mail catcher (Mailpit)' },
] as const;

/** The optional services of the profiles; listed only when `ps` shows them. */
const PROFILE_SERVICES: Record<string, string> = { 'schema-registry': 'Schema Registry', 'kafka-ui': 'Kafka UI' };

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function toEntry(value: unknown): ComposePsEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const service = text(record['Service']);
  if (service === '') return undefined;
  const exit = record['ExitCode'];
  return {
    Service: service,
    State: text(record['State']).toLowerCase(),
    Health: text(record['Health']).toLowerCase(),
    Status: text(record['Status']),
    ExitCode: typeof exit === 'number' ? exit : 0,
  };
}

/**
 * Parses the output of `docker compose ps --format json` in either format. Lines that are not
 * JSON (warnings Compose prints on stderr, which reaches the same stream) are skipped; a line
 * that starts like JSON but is not throws an Error that quotes it.
 */
export function parseComposePs(output: string): ComposePsEntry[] {
  const values: unknown[] = [];
  for (const line of output.split('\n').map((l) => l.trim())) {
    if (!line.startsWith('{') && !line.startsWith('[')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`docker compose ps printed a line that is not valid JSON: ${line.slice(0, 200)}`);
    }
    if (Array.isArray(parsed)) values.push(...(parsed as unknown[]));
    else values.push(parsed);
  }
  return values.map(toEntry).filter((e): e is ComposePsEntry => e !== undefined);
}

/** The state of one container: running+health for long-lived services, the exit code for one-shot ones. */
export function composeEntryState(entry: ComposePsEntry, oneShot: boolean): Pick<ServiceHealth, 'state' | 'detail'> {
  const status = entry.Status !== '' ? entry.Status : entry.State;
  switch (entry.State) {
    case 'running':
      if (entry.Health === 'healthy') return { state: 'healthy', detail: status };
      if (entry.Health === 'starting') return { state: 'starting', detail: status };
      if (entry.Health === 'unhealthy') return { state: 'unhealthy', detail: status };
      // No healthcheck: running is as healthy as Compose can tell; a running one-shot service is still at work.
      return { state: oneShot ? 'starting' : 'healthy', detail: status };
    case 'exited':
      if (oneShot && entry.ExitCode === 0) return { state: 'healthy', detail: `completed (${status})` };
      return { state: entry.ExitCode === 0 ? 'stopped' : 'unhealthy', detail: status };
    case 'created':
      return { state: 'starting', detail: `created, not started yet (${status})` };
    case 'restarting':
      return { state: 'unhealthy', detail: `restarting after a crash (${status})` };
    case 'paused':
      return { state: 'unhealthy', detail: `paused (${status})` };
    case 'removing':
      return { state: 'stopped', detail: `being removed (${status})` };
    default:
      return { state: 'unhealthy', detail: status === '' ? 'unknown state' : status };
  }
}

/** Every service of the bundled file (plus any profile service that runs), with its health. */
export function composeServiceHealth(entries: ComposePsEntry[]): ServiceHealth[] {
  const byService = new Map(entries.map((e) => [e.Service, e]));
  const services: ServiceHealth[] = COMPOSE_SERVICES.map((service) => {
    const entry = byService.get(service.id);
    const oneShot = 'oneShot' in service && service.oneShot;
    const health: Pick<ServiceHealth, 'state' | 'detail'> = entry
      ? composeEntryState(entry, oneShot)
      : { state: 'stopped', detail: 'not created (docker compose up has not run)' };
    return { id: service.id, name: service.name, logsTarget: service.id, ...health };
  });
  for (const [id, name] of Object.entries(PROFILE_SERVICES)) {
    const entry = byService.get(id);
    if (entry) services.push({ id, name, logsTarget: id, ...composeEntryState(entry, false) });
  }
  return services;
}

/** What every service shows when `docker compose ps` itself failed (no Docker engine, for example). */
export function composeUnavailable(reason: string): ServiceHealth[] {
  return COMPOSE_SERVICES.map((service) => ({ id: service.id, name: service.name, logsTarget: service.id, state: 'stopped', detail: reason }));
}
