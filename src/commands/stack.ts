/**
 * Launch Stack, Stop Stack, Stack Logs and Open Airflow UI. Launch picks the Compose stack
 * when a Docker engine answers and the native stack otherwise, shows progress per service
 * line as the launcher reports it, and afterwards points the extension's connections at the
 * stack (credentials into SecretStorage).
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { StackLauncher, type StackKind } from '../stack/launcher';
import { localStack } from '../stack/localStack';
import { CancelledError, WorkbenchError } from '../shared/errors';
import { connectLocalStack, type ConnectionCommandDeps } from './connections';
import { registerCommand } from './index';
import { CommandId } from './ids';

export interface StackCommandDeps extends ConnectionCommandDeps {
  extensionUri: vscode.Uri;
  /** The extension's global storage folder: the Compose .env with generated secrets lives there. */
  storageUri: vscode.Uri;
  /** Remembers which kind of stack was launched, so Stop and Logs act on the same one. */
  lastKind: () => StackKind | undefined;
  setLastKind: (kind: StackKind | undefined) => Thenable<void>;
}

function launcherFor(deps: StackCommandDeps): StackLauncher {
  return new StackLauncher({
    stackDir: vscode.Uri.joinPath(deps.extensionUri, 'stack').fsPath,
    composeEnvFile: vscode.Uri.joinPath(deps.storageUri, 'compose.env').fsPath,
  }, deps.log);
}

/** A progress message from one line of launcher output: the stack scripts print "==> ..." / "[service] ..." lines. */
function progressText(line: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- strips the ANSI colour codes the scripts print
  const trimmed = line.replace(/\u001b\[[0-9;]*m/g, '').trim();
  if (trimmed === '') return undefined;
  return trimmed.length > 120 ? `${trimmed.slice(0, 117)}…` : trimmed;
}

async function launchStack(deps: StackCommandDeps): Promise<void> {
  const launcher = launcherFor(deps);
  const choice = await launcher.choose();
  if (choice.kind === undefined) {
    throw new WorkbenchError(`The bundled stack cannot start on this machine. ${choice.reasons.join(' ')}`, { actions: ['showLog'] });
  }
  const kind = choice.kind;
  if (kind === 'native') {
    deps.log.info(`Launching the native stack: ${choice.reasons.join(' ')}`);
  } else {
    await launcher.ensureComposeEnv(localStack.historyPassword);
  }
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Launching the ${kind} stack`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const subscription = token.onCancellationRequested(() => { abort.abort(); });
      try {
        await launcher.up(kind, (line) => {
          deps.log.info(`[stack] ${line}`);
          const text = progressText(line);
          if (text) progress.report({ message: text });
        }, abort.signal);
      } finally {
        subscription.dispose();
      }
      if (abort.signal.aborted) throw new CancelledError('Stack launch cancelled');
    },
  );
  await deps.setLastKind(kind);
  await connectLocalStack(deps, true);
  const open = await vscode.window.showInformationMessage(
    `The ${kind} stack is up: Kafka ${localStack.kafka.brokers.join(', ')}, Airflow ${localStack.airflow.url}, PostgreSQL ${localStack.history.host}:${localStack.history.port}. The extension is connected to it.`,
    'Open Airflow UI',
  );
  if (open) await vscode.env.openExternal(vscode.Uri.parse(localStack.airflow.url));
}

async function stopStack(deps: StackCommandDeps): Promise<void> {
  const launcher = launcherFor(deps);
  const kind = deps.lastKind() ?? (await launcher.choose()).kind ?? 'native';
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Stopping the ${kind} stack` },
    (progress) => launcher.down(kind, (line) => {
      deps.log.info(`[stack] ${line}`);
      const text = progressText(line);
      if (text) progress.report({ message: text });
    }),
  );
  deps.refreshAll();
  void vscode.window.showInformationMessage(`The ${kind} stack is stopped.`);
}

async function stackLogs(deps: StackCommandDeps): Promise<void> {
  const launcher = launcherFor(deps);
  const kind = deps.lastKind() ?? (await launcher.choose()).kind ?? 'native';
  const spec = launcher.commandFor(kind, 'logs');
  if (!existsSync(spec.cwd)) throw new WorkbenchError(`The stack files are missing at ${spec.cwd}. Reinstall the extension.`);
  const terminal = vscode.window.createTerminal({ name: `Stack logs (${kind})`, shellPath: spec.command, shellArgs: spec.args, cwd: spec.cwd });
  terminal.show();
}

export function registerStackCommands(deps: StackCommandDeps): vscode.Disposable[] {
  return [
    registerCommand(deps.log, CommandId.launchStack, () => launchStack(deps)),
    registerCommand(deps.log, CommandId.stopStack, () => stopStack(deps)),
    registerCommand(deps.log, CommandId.stackLogs, () => stackLogs(deps)),
    registerCommand(deps.log, CommandId.openAirflowUi, () => vscode.env.openExternal(vscode.Uri.parse(localStack.airflow.url))),
  ];
}
