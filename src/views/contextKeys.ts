/**
 * Sets the extension's context keys (names in src/shared/contextKeys.ts): which connections
 * are configured (enablement of the commands that need one), whether the local stack is in
 * use and healthy, and what the user really did, so the walkthrough's steps complete
 * themselves. Also opens the walkthrough once, on the first activation after install.
 */
import * as vscode from 'vscode';
import { WALKTHROUGH_ID, type ContextKey } from '../shared/contextKeys';
import { describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';

/** Sets one context key; a failure (the window is closing) is logged, never thrown. */
export function setContextKey(key: ContextKey, value: boolean, log?: Logger): void {
  vscode.commands.executeCommand('setContext', key, value).then(undefined, (error: unknown) => {
    log?.warn(`Could not set the context key ${key}: ${describeError(error)}`);
  });
}

/**
 * Marks something the walkthrough waits for as done in this window. The key goes false and
 * back to true, so a step the user unchecked by hand checks itself again when they redo it
 * (VS Code completes an `onContext` step when the key changes, not while it stays true).
 */
export function markDone(key: ContextKey): void {
  vscode.commands.executeCommand('setContext', key, false).then(
    () => { setContextKey(key, true); },
    () => { setContextKey(key, true); },
  );
}

/** Keeps a context key equal to `value()`, now and whenever one of `events` fires. */
export function syncContextKey(
  key: ContextKey,
  value: () => boolean,
  events: readonly vscode.Event<unknown>[],
  log?: Logger,
): vscode.Disposable {
  let last: boolean | undefined;
  const update = (): void => {
    let now: boolean;
    try {
      now = value();
    } catch (error) {
      log?.warn(`Could not work out the context key ${key}: ${describeError(error)}`);
      now = false;
    }
    if (now === last) return;
    last = now;
    setContextKey(key, now, log);
  };
  update();
  return vscode.Disposable.from(...events.map((event) => event(update)));
}

/** The id `workbench.action.openWalkthrough` takes: `<publisher>.<name>#<walkthrough id>`. */
export function walkthroughId(extensionId: string): string {
  return `${extensionId}#${WALKTHROUGH_ID}`;
}

export function openWalkthrough(extensionId: string): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openWalkthrough', walkthroughId(extensionId), false);
}

const WALKTHROUGH_SHOWN = 'kafkaAirflow.walkthroughShown';

/**
 * On the first activation in a profile, opens the walkthrough (unless the user turned off
 * `workbench.welcomePage.walkthroughs.openOnInstall`, VS Code's own switch for this).
 */
export function openWalkthroughOnFirstInstall(context: vscode.ExtensionContext, log: Logger): void {
  if (context.globalState.get<boolean>(WALKTHROUGH_SHOWN, false)) return;
  const wanted = vscode.workspace.getConfiguration('workbench.welcomePage').get<boolean>('walkthroughs.openOnInstall', true);
  context.globalState.update(WALKTHROUGH_SHOWN, true).then(
    () => (wanted ? openWalkthrough(context.extension.id) : undefined),
    (error: unknown) => { log.warn(`Could not remember that the walkthrough was shown: ${describeError(error)}`); },
  ).then(undefined, (error: unknown) => { log.warn(`Could not open the walkthrough: ${describeError(error)}`); });
}
