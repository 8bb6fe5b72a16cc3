/**
 * Turns the per-service health into the words the user sees: Launch Stack's progress line
 * ("Kafka healthy · PostgreSQL healthy · Airflow 3 scheduler starting…"), the status bar's
 * "Stack: 5/7 healthy", and the message that ends a launch that ran out of time.
 */
import type { ServiceHealth, ServiceState } from './serviceHealth';

const STATE_WORDS: Record<ServiceState, string> = {
  healthy: 'healthy',
  starting: 'starting…',
  unhealthy: 'unhealthy',
  stopped: 'down',
};

export interface StackSummary {
  healthy: number;
  total: number;
  /** healthy: all healthy; stopped: none answers; starting: on its way up; unhealthy: anything else. */
  overall: ServiceState;
  /** The services that are not healthy. */
  notHealthy: ServiceHealth[];
}

/**
 * Services that run no process (Spark, onDemand) are left out of the sum and of the overall
 * state: an idle Spark is not a service that is down, and its jars stay on disk while the stack
 * is stopped, so counting it would turn "Stack: stopped" into "Stack: 1/12 healthy". Missing
 * jars still show on its row (unhealthy) and in the Stack view's badge.
 */
export function summarizeStack(all: readonly ServiceHealth[]): StackSummary {
  const services = all.filter((s) => !s.onDemand);
  const notHealthy = services.filter((s) => s.state !== 'healthy');
  const healthy = services.length - notHealthy.length;
  let overall: ServiceState;
  if (services.length > 0 && notHealthy.length === 0) overall = 'healthy';
  else if (notHealthy.some((s) => s.state === 'unhealthy')) overall = 'unhealthy';
  else if (notHealthy.some((s) => s.state === 'starting')) overall = 'starting';
  else if (healthy === 0) overall = 'stopped';
  else overall = 'unhealthy';
  return { healthy, total: services.length, overall, notHealthy };
}

/** The progress notification's line: every service with its state, in start order. */
export function progressMessage(services: readonly ServiceHealth[]): string {
  return services.map((s) => `${s.name} ${STATE_WORDS[s.state]}`).join(' · ');
}

/** The status bar item's text, with a codicon. */
export function statusBarText(services: readonly ServiceHealth[] | undefined, launching: boolean): string {
  const icon = launching ? '$(loading~spin)' : '$(server)';
  if (!services) return `${icon} Stack: checking…`;
  const summary = summarizeStack(services);
  if (!launching && summary.overall === 'stopped') return `${icon} Stack: stopped`;
  return `${icon} Stack: ${summary.healthy}/${summary.total} healthy`;
}

/** The status bar tooltip: one line per service. */
export function statusBarTooltip(services: readonly ServiceHealth[] | undefined, kindLabel: string): string {
  if (!services) return `Checking the ${kindLabel}…`;
  const lines = services.map((s) => `${s.name}: ${STATE_WORDS[s.state]}${s.detail ? ` (${s.detail})` : ''}`);
  return [`The ${kindLabel}. Click to open the Stack view.`, ...lines].join('\n');
}

/**
 * Why a launch did not finish in time, naming each service that is not healthy and where
 * its log is (the Stack view's Show Logs, or Stack Logs).
 */
export function launchTimeoutMessage(services: readonly ServiceHealth[], timeoutMinutes: number): string {
  const summary = summarizeStack(services);
  if (summary.notHealthy.length === 0) {
    return `The stack did not finish starting within ${timeoutMinutes} minutes although every service now answers. Run Launch Stack again.`;
  }
  const named = summary.notHealthy.map((s) => `${s.name} is ${STATE_WORDS[s.state].replace('…', '')} (${s.detail})`).join('; ');
  return `The stack did not become healthy within ${timeoutMinutes} minutes: ${named}. Open its log with "Show Logs" on its row in the Stack view, or run "Kafka Airflow: Stack Logs".`;
}

/**
 * The number on the Stack view's icon (TreeView.badge): services that are unhealthy or down
 * (not those still starting), none while a launch is under way; undefined means no badge.
 */
export function unhealthyServicesBadge(services: readonly ServiceHealth[] | undefined, launching: boolean): { value: number; tooltip: string } | undefined {
  if (!services || launching) return undefined;
  const bad = services.filter((s) => s.state === 'unhealthy' || s.state === 'stopped');
  if (bad.length === 0) return undefined;
  return { value: bad.length, tooltip: `${bad.length === 1 ? '1 service' : `${bad.length} services`} not healthy: ${bad.map((s) => `${s.name} (${s.state})`).join(', ')}` };
}
