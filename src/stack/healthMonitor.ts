/**
 * Keeps the latest per-service health of the active stack for the Stack view, the status
 * bar and Launch Stack's progress. It checks on demand and polls only while someone asks
 * for it (a launch every 2 s, a visible Stack view every 15 s), at the shortest interval
 * asked for; it remembers since when each service is in its state. While a launch runs, a
 * service that is not healthy yet is shown as "starting".
 */
import type { Logger } from '../shared/logger';
import { describeError } from '../shared/errors';
import { composeServiceHealth, composeUnavailable, parseComposePs } from './composePs';
import { composeCommand, runCommand, type StackKind, type StackPaths } from './launcher';
import { join } from 'node:path';
import { nativeStackAddresses, probeNativeStack, type NativeStackAddresses, type ServiceHealth } from './serviceHealth';
import { readStackEnv } from './stackEnv';

export interface Disposable {
  dispose(): void;
}

/** The health of every service of a Compose stack, from `docker compose ps`; never rejects. */
export async function probeComposeStack(paths: StackPaths, timeoutMs = 15_000): Promise<ServiceHealth[]> {
  try {
    const result = await runCommand(composeCommand(paths, 'ps'), () => undefined, AbortSignal.timeout(timeoutMs));
    if (result.code === null) return composeUnavailable(`docker compose ps did not answer within ${timeoutMs / 1000} s`);
    if (result.code !== 0) {
      const last = result.output.split('\n').filter((l) => l.trim() !== '').pop() ?? '';
      return composeUnavailable(`docker compose ps failed (exit ${result.code}): ${last}`);
    }
    return composeServiceHealth(parseComposePs(result.output));
  } catch (error) {
    return composeUnavailable(`docker compose ps could not run: ${describeError(error).split('\n')[0] ?? ''}`);
  }
}

const STACK_ENV_TTL_MS = 60_000;
const sparkJarsDirs = new Map<string, { at: number; value: Promise<string> }>();

/** $KAW_SPARK_JARS_DIR from `stack.sh env`, asked again after a minute (the stack may have been reinstalled). */
export function sparkJarsDirOf(stackDir: string): Promise<string> {
  const script = join(stackDir, 'native', 'stack.sh');
  const cached = sparkJarsDirs.get(script);
  if (cached && Date.now() - cached.at < STACK_ENV_TTL_MS) return cached.value;
  const value = readStackEnv(script).then((env) => {
    const dir = env['KAW_SPARK_JARS_DIR'];
    if (!dir) throw new Error(`${script} env names no KAW_SPARK_JARS_DIR; update the stack scripts`);
    return dir;
  });
  // A failed read is not kept: the next check asks again.
  void value.catch(() => { if (sparkJarsDirs.get(script)?.value === value) sparkJarsDirs.delete(script); });
  sparkJarsDirs.set(script, { at: Date.now(), value });
  return value;
}

/** Probes the given kind of stack. */
export function probeStack(kind: StackKind, paths: StackPaths, native?: NativeStackAddresses): Promise<ServiceHealth[]> {
  if (kind === 'compose') return probeComposeStack(paths);
  return probeNativeStack(native ?? { ...nativeStackAddresses, sparkJarsDir: () => sparkJarsDirOf(paths.stackDir) });
}

export class StackHealthMonitor implements Disposable {
  private latestHealth: ServiceHealth[] | undefined;
  private inFlight: Promise<ServiceHealth[]> | undefined;
  private readonly listeners = new Set<(services: ServiceHealth[]) => void>();
  private readonly demands = new Map<number, number>();
  private nextDemand = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerInterval: number | undefined;
  private launchCount = 0;

  constructor(
    private readonly probe: () => Promise<ServiceHealth[]>,
    private readonly logger: Logger,
  ) {}

  /** The last result, or undefined before the first check. */
  get latest(): ServiceHealth[] | undefined {
    return this.latestHealth;
  }

  get launching(): boolean {
    return this.launchCount > 0;
  }

  onDidChange(listener: (services: ServiceHealth[]) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => { this.listeners.delete(listener); } };
  }

  /** Checks now (joining a check already under way); never rejects. */
  check(): Promise<ServiceHealth[]> {
    this.inFlight ??= this.runCheck().finally(() => { this.inFlight = undefined; });
    return this.inFlight;
  }

  /** Marks a launch as running until the returned handle is disposed. */
  beginLaunch(): Disposable {
    this.launchCount++;
    let done = false;
    return {
      dispose: () => {
        if (done) return;
        done = true;
        this.launchCount--;
      },
    };
  }

  /** Polls every `intervalMs` until the handle is disposed (the shortest interval asked for wins). */
  poll(intervalMs: number): Disposable {
    const id = this.nextDemand++;
    this.demands.set(id, intervalMs);
    this.reschedule();
    return { dispose: () => { if (this.demands.delete(id)) this.reschedule(); } };
  }

  private reschedule(): void {
    const wanted = this.demands.size > 0 ? Math.min(...this.demands.values()) : undefined;
    if (wanted === this.timerInterval) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.timerInterval = wanted;
    if (wanted !== undefined) this.timer = setInterval(() => { void this.check(); }, wanted);
  }

  private async runCheck(): Promise<ServiceHealth[]> {
    let fresh: ServiceHealth[];
    try {
      fresh = await this.probe();
    } catch (error) {
      // The probes do not reject; if one ever does, keep the last picture and say why in the log.
      this.logger.warn(`Stack health check failed: ${describeError(error)}`);
      return this.latestHealth ?? [];
    }
    const previous = new Map((this.latestHealth ?? []).map((s) => [s.id, s]));
    const now = new Date();
    const launching = this.launching;
    const services = fresh.map((service): ServiceHealth => {
      const shown = launching && service.state !== 'healthy' ? { ...service, state: 'starting' as const } : service;
      const before = previous.get(service.id);
      return { ...shown, since: before?.state === shown.state && before.since ? before.since : now };
    });
    for (const service of services) {
      const before = previous.get(service.id);
      if (before && before.state !== service.state) this.logger.info(`[stack] ${service.name}: ${before.state} → ${service.state} (${service.detail})`);
    }
    this.latestHealth = services;
    for (const listener of [...this.listeners]) {
      try {
        listener(services);
      } catch (error) {
        this.logger.error(`A stack health listener failed: ${describeError(error)}`);
      }
    }
    return services;
  }

  dispose(): void {
    this.demands.clear();
    this.reschedule();
    this.listeners.clear();
  }
}
