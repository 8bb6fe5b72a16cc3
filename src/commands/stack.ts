/**
 * Launch Stack, Stop Stack, Stack Logs, Show Logs (of one service) and Open Airflow UI.
 * Launch picks the Compose stack when a Docker engine answers and the native stack
 * otherwise, shows progress per service ("Kafka healthy · PostgreSQL healthy · Airflow 3
 * scheduler starting…") from the health monitor while the script's output goes to the log
 * channel, can be cancelled, ends after LAUNCH_TIMEOUT_MS with a message naming the services
 * that are not healthy, and afterwards points the extension's connections at the stack
 * (credentials into SecretStorage).
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { COMPOSE_SERVICES } from '../stack/composePs';
import { probeStack } from '../stack/healthMonitor';
import type { StackKind, StackLauncher } from '../stack/launcher';
import { launcherFor, type StackHealth } from '../config/stackHealth';
import { localStack } from '../stack/localStack';
import { NATIVE_SERVICES, type ServiceHealth } from '../stack/serviceHealth';
import { launchTimeoutMessage, progressMessage, summarizeStack } from '../stack/stackSummary';
import { CancelledError, describeError, WorkbenchError, type ErrorAction } from '../shared/errors';
import { connectLocalStack, type ConnectionCommandDeps } from './connections';
import { registerCommand } from './index';
import { CommandId } from '../shared/commandIds';

/** How long Launch Stack waits for every service (a first native launch installs Kafka and two Airflows). */
export const LAUNCH_TIMEOUT_MS = 20 * 60_000;
/** How often the services are probed while a launch runs. */
const LAUNCH_POLL_MS = 2000;
/** After the script reports success, how long the probes may take to agree. */
const CONFIRM_TIMEOUT_MS = 60_000;

export interface StackCommandDeps extends ConnectionCommandDeps {
  extensionUri: vscode.Uri;
  /** The extension's global storage folder: the Compose .env with generated secrets lives there. */
  storageUri: vscode.Uri;
  /** Remembers which kind of stack was launched, so Stop and Logs act on the same one. */
  lastKind: () => StackKind | undefined;
  setLastKind: (kind: StackKind | undefined) => Thenable<void>;
}

/** Show Logs for one service opens its log; the button names the first service that is not healthy. */
function showLogsAction(services: readonly ServiceHealth[]): ErrorAction[] {
  const first = summarizeStack(services).notHealthy[0];
  return first ? [{ title: vscode.l10n.t('Show {0} Logs', first.name), command: CommandId.stackServiceLogs, args: [first.logsTarget] }, 'showLog'] : ['showLog'];
}

async function launchStack(deps: StackCommandDeps, health: StackHealth): Promise<void> {
  const launcher = launcherFor(deps);
  const choice = await launcher.choose();
  if (choice.kind === undefined) {
    throw new WorkbenchError(vscode.l10n.t('The bundled stack cannot start on this machine. {0}', choice.reasons.join(' ')), { actions: ['showLog'] });
  }
  const kind = choice.kind;
  if (kind === 'native') {
    deps.log.info(`Launching the native stack: ${choice.reasons.join(' ')}`);
  } else {
    await launcher.ensureComposeEnv(localStack.historyPassword);
  }
  // The monitor probes the kind being launched from now on.
  await deps.setLastKind(kind);
  const { monitor } = health;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Launching the {0} stack', kind), cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const launchTimer = { expired: false };
      let reportedPercent = 0;
      const report = (services: ServiceHealth[]): void => {
        const summary = summarizeStack(services);
        const percent = summary.total === 0 ? 0 : Math.round((100 * summary.healthy) / summary.total);
        progress.report({ message: progressMessage(services), increment: Math.max(0, percent - reportedPercent) });
        reportedPercent = Math.max(reportedPercent, percent);
      };
      const timer = setTimeout(() => { launchTimer.expired = true; abort.abort(); }, LAUNCH_TIMEOUT_MS);
      const handles = [
        monitor.beginLaunch(),
        monitor.onDidChange(report),
        monitor.poll(LAUNCH_POLL_MS),
        token.onCancellationRequested(() => { abort.abort(); }),
      ];
      deps.refreshAll();
      void monitor.check();
      let failure: unknown;
      try {
        await launcher.up(kind, (line) => { deps.log.info(`[stack] ${line}`); }, abort.signal);
      } catch (error) {
        failure = error;
      } finally {
        clearTimeout(timer);
        for (const handle of handles) handle.dispose();
        // Show the real states again (a launch shows "starting" for all that is not healthy yet).
        void monitor.check();
      }
      if (launchTimer.expired) {
        const services = await probeStack(kind, launcher.stackPaths);
        throw new WorkbenchError(launchTimeoutMessage(services, LAUNCH_TIMEOUT_MS / 60_000), { actions: showLogsAction(services) });
      }
      if (abort.signal.aborted) {
        deps.log.info('Stack launch cancelled: services that already started keep running; Stop Stack stops them.');
        throw new CancelledError('Stack launch cancelled');
      }
      if (failure !== undefined) {
        // The script failed: say which services are not healthy, and offer the first one's log.
        const services = await probeStack(kind, launcher.stackPaths);
        const notHealthy = summarizeStack(services).notHealthy.map((s) => `${s.name} (${s.state}: ${s.detail})`);
        const message = failure instanceof Error ? failure.message : describeError(failure);
        throw new WorkbenchError(
          notHealthy.length > 0 ? vscode.l10n.t('{0} Not healthy: {1}.', message, notHealthy.join(', ')) : message,
          { cause: failure, actions: [...showLogsAction(services).filter((a) => a !== 'showLog'), 'showLog', 'retry'] },
        );
      }
      progress.report({ message: vscode.l10n.t('confirming every service answers…') });
      const services = await confirmHealthy(kind, launcher, token);
      report(services);
    },
  );
  const services = await monitor.check();
  const summary = summarizeStack(services);
  if (summary.notHealthy.length > 0) {
    const names = summary.notHealthy.map((s) => `${s.name} (${s.state}: ${s.detail})`).join(', ');
    const message = summary.notHealthy.length === 1
      ? vscode.l10n.t('The {0} stack script finished, but {1} is not healthy. The other services are connected.', kind, names)
      : vscode.l10n.t('The {0} stack script finished, but {1} are not healthy. The other services are connected.', kind, names);
    deps.log.warn(message);
    const first = summary.notHealthy[0];
    void vscode.window.showWarningMessage(message, vscode.l10n.t('Show Logs')).then((pick) => {
      if (pick && first) void vscode.commands.executeCommand(CommandId.stackServiceLogs, first.logsTarget);
    });
  }
  await connectLocalStack(deps, true);
  const open = await vscode.window.showInformationMessage(
    vscode.l10n.t(
      'The {0} stack is up ({1}/{2} services healthy): Kafka {3}, Airflow {4}, PostgreSQL {5}. The extension is connected to it.',
      kind, summary.healthy, summary.total, localStack.kafka.brokers.join(', '), localStack.airflow.url, `${localStack.history.host}:${localStack.history.port}`,
    ),
    vscode.l10n.t('Open Airflow UI'),
  );
  if (open) await vscode.env.openExternal(vscode.Uri.parse(localStack.airflow.url));
}

/** Probes until every service is healthy or CONFIRM_TIMEOUT_MS passed; returns the last result. */
async function confirmHealthy(kind: StackKind, launcher: StackLauncher, token: vscode.CancellationToken): Promise<ServiceHealth[]> {
  const deadline = Date.now() + CONFIRM_TIMEOUT_MS;
  for (;;) {
    const services = await probeStack(kind, launcher.stackPaths);
    if (summarizeStack(services).notHealthy.length === 0 || Date.now() > deadline || token.isCancellationRequested) return services;
    await new Promise((resolve) => setTimeout(resolve, LAUNCH_POLL_MS));
  }
}

async function stopStack(deps: StackCommandDeps, health: StackHealth): Promise<void> {
  const launcher = launcherFor(deps);
  const kind = deps.lastKind() ?? (await launcher.choose()).kind ?? 'native';
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Stopping the {0} stack', kind) },
    (progress) => launcher.down(kind, (line) => {
      deps.log.info(`[stack] ${line}`);
      // eslint-disable-next-line no-control-regex -- strips the ANSI colour codes the scripts print
      const text = line.replace(/\u001b\[[0-9;]*m/g, '').trim();
      if (text) progress.report({ message: text.length > 120 ? `${text.slice(0, 117)}…` : text });
    }),
  );
  deps.refreshAll();
  void health.monitor.check();
  void vscode.window.showInformationMessage(vscode.l10n.t('The {0} stack is stopped.', kind));
}

function openLogTerminal(launcher: StackLauncher, kind: StackKind, title: string, service?: string): void {
  const spec = launcher.commandFor(kind, 'logs', service);
  if (!existsSync(spec.cwd)) throw new WorkbenchError(vscode.l10n.t('The stack files are missing at {0}. Reinstall the extension.', spec.cwd));
  const terminal = vscode.window.createTerminal({ name: title, shellPath: spec.command, shellArgs: spec.args, cwd: spec.cwd });
  terminal.show();
}

async function stackLogs(deps: StackCommandDeps): Promise<void> {
  const launcher = launcherFor(deps);
  const kind = deps.lastKind() ?? (await launcher.choose()).kind ?? 'native';
  openLogTerminal(launcher, kind, `Stack logs (${kind})`);
}

/** The log names a service row or an error's button may pass; anything else is refused. */
function knownLogTarget(kind: StackKind, target: string): { target: string; name: string } | undefined {
  const services: readonly { id: string; name: string; logsTarget?: string }[] = kind === 'compose'
    ? [...COMPOSE_SERVICES, { id: 'schema-registry', name: 'Schema Registry' }, { id: 'kafka-ui', name: 'Kafka UI' }]
    : NATIVE_SERVICES;
  const found = services.find((s) => (s.logsTarget ?? s.id) === target);
  return found ? { target, name: found.name } : undefined;
}

/** Show Logs on a Stack view row (the row's service), or from an error's button (a log name). */
async function serviceLogs(deps: StackCommandDeps, health: StackHealth, arg: unknown): Promise<void> {
  const kind = await health.kind();
  let target: string | undefined;
  if (typeof arg === 'string') target = arg;
  else if (typeof arg === 'object' && arg !== null && typeof (arg as { logsTarget?: unknown }).logsTarget === 'string') {
    target = (arg as { logsTarget: string }).logsTarget;
  } else {
    const services = health.monitor.latest ?? (await health.monitor.check());
    const picked = await vscode.window.showQuickPick(
      services.map((s) => ({ label: s.name, description: `${s.state} · ${s.detail}`, target: s.logsTarget })),
      { title: vscode.l10n.t('Show the log of which service?') },
    );
    if (!picked) throw new CancelledError();
    target = picked.target;
  }
  const known = knownLogTarget(kind, target);
  if (!known) throw new WorkbenchError(vscode.l10n.t('"{0}" is not a service of the {1} stack, so it has no log to show. Use Stack Logs for all of them.', target, kind));
  openLogTerminal(launcherFor(deps), kind, vscode.l10n.t('Logs: {0} ({1})', known.name, kind), known.target);
}

export function registerStackCommands(deps: StackCommandDeps, health: StackHealth): vscode.Disposable[] {
  return [
    registerCommand(deps.log, CommandId.launchStack, () => launchStack(deps, health)),
    registerCommand(deps.log, CommandId.stopStack, () => stopStack(deps, health)),
    registerCommand(deps.log, CommandId.stackLogs, () => stackLogs(deps)),
    registerCommand(deps.log, CommandId.stackServiceLogs, (arg) => serviceLogs(deps, health, arg)),
    registerCommand(deps.log, CommandId.openAirflowUi, () => vscode.env.openExternal(vscode.Uri.parse(localStack.airflow.url))),
  ];
}
