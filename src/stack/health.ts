/**
 * Cheap liveness probes for the Stack view: can a TCP connection be opened to a service's
 * port within a timeout. Deeper health (Airflow's /monitor/health, a Kafka metadata call)
 * belongs to the service clients.
 */
import { Socket } from 'node:net';

export interface ProbeResult {
  reachable: boolean;
  millis: number;
  error?: string;
}

/** Opens and closes a TCP connection to host:port; never rejects. */
export function probeTcp(host: string, port: number, timeoutMs = 1500): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (reachable: boolean, error?: string): void => {
      socket.destroy();
      const result: ProbeResult = { reachable, millis: Math.round(performance.now() - started) };
      if (error !== undefined) result.error = error;
      resolve(result);
    };
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => { finish(true); });
    socket.once('timeout', () => { finish(false, `no answer within ${timeoutMs} ms`); });
    socket.once('error', (error: NodeJS.ErrnoException) => { finish(false, error.code ?? error.message); });
    socket.connect(port, host);
  });
}

export interface AirflowComponentHealth {
  component: string;
  status: string;
}

/**
 * Reads Airflow 3's public health endpoint (/api/v2/monitor/health, no credentials needed)
 * and returns each component's status; undefined when the server does not answer it.
 */
export async function airflowComponentHealth(baseUrl: string, timeoutMs = 3000): Promise<AirflowComponentHealth[] | undefined> {
  try {
    const response = await fetch(`${baseUrl}/api/v2/monitor/health`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    const body: unknown = await response.json();
    if (typeof body !== 'object' || body === null) return undefined;
    return Object.entries(body as Record<string, unknown>).map(([component, value]) => ({
      component,
      status:
        typeof value === 'object' && value !== null && typeof (value as { status?: unknown }).status === 'string'
          ? (value as { status: string }).status
          : 'unknown',
    }));
  } catch {
    // Not answering is the expected state of a stopped stack; the caller shows it as "down".
    return undefined;
  }
}
