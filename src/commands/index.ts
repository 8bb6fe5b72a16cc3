/**
 * The one way commands are registered. The wrapper checks the id prefix, logs every run,
 * and turns a thrown error into a log line with the whole cause chain plus a notification
 * with the next step (Retry, Open Settings, Show Log or a command the error names). A thrown
 * error never disappears and never becomes an unhandled rejection.
 */
import * as vscode from 'vscode';
import { CancelledError, describeError, userMessage, WorkbenchError, type ErrorAction } from '../shared/errors';
import { COMMAND_PREFIX, type CommandId } from '../shared/commandIds';

export type CommandHandler = (...args: unknown[]) => unknown;

/** The buttons of an error notification, in the display language. */
const actionTitle = (action: 'retry' | 'openSettings' | 'showLog'): string =>
  ({ retry: vscode.l10n.t('Retry'), openSettings: vscode.l10n.t('Open Settings'), showLog: vscode.l10n.t('Show Log') })[action];

/** Shows an error with its actions and carries out the one the user picks. Never rejects. */
export function showActionableError(
  log: vscode.LogOutputChannel,
  error: unknown,
  retry?: () => unknown,
): void {
  const actions: readonly ErrorAction[] =
    error instanceof WorkbenchError ? error.actions : ['showLog'];
  const offered = actions.filter((a) => a !== 'retry' || retry !== undefined);
  const titles = offered.map((a) => (typeof a === 'string' ? actionTitle(a) : a.title));
  vscode.window.showErrorMessage(userMessage(error), ...titles).then(
    async (picked) => {
      const action = offered[titles.indexOf(picked ?? '')];
      if (action === undefined) return;
      if (action === 'retry') await retry?.();
      else if (action === 'showLog') log.show(true);
      else if (action === 'openSettings') {
        await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:kafka-airflow-workbench.kafka-airflow-workbench');
      } else await vscode.commands.executeCommand(action.command, ...(action.args ?? []));
    },
    (failure: unknown) => { log.error(`Could not show an error notification: ${describeError(failure)}`); },
  );
}

/** Runs `handler` with logging and actionable errors; the returned promise never rejects. */
export async function runWithErrorHandling(
  log: vscode.LogOutputChannel,
  label: string,
  handler: () => unknown,
  retry?: () => unknown,
): Promise<unknown> {
  const started = performance.now();
  log.debug(`${label}: started`);
  try {
    const result: unknown = await handler();
    log.debug(`${label}: done in ${Math.round(performance.now() - started)} ms`);
    return result;
  } catch (error) {
    if (error instanceof CancelledError) {
      log.info(`${label}: cancelled`);
      return undefined;
    }
    log.error(`${label} failed: ${describeError(error)}`);
    showActionableError(log, error, retry);
    return undefined;
  }
}

export function registerCommand(
  log: vscode.LogOutputChannel,
  id: CommandId,
  handler: CommandHandler,
): vscode.Disposable {
  if (!id.startsWith(COMMAND_PREFIX)) {
    throw new Error(`Command id ${id} does not start with ${COMMAND_PREFIX}`);
  }
  const run = (...args: unknown[]): Promise<unknown> =>
    runWithErrorHandling(log, id, () => handler(...args), () => vscode.commands.executeCommand(id, ...args));
  return vscode.commands.registerCommand(id, run);
}
