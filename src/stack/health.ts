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
