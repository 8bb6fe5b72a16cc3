/**
 * A cheap liveness probe: can a TCP connection be opened to host:port within a timeout.
 * Tests use it to skip when a server is not there; the Stack view's per-service health
 * (Kafka metadata, `select 1`, Airflow health endpoints) is in serviceHealth.ts.
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
