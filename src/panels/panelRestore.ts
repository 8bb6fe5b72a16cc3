/**
 * Reopening panels after a window reload: VS Code keeps each panel's tab and what its page
 * stored with setState, and hands both to the serializer registered for the panel's view type
 * (activation event `onWebviewPanel:<viewType>`). The restorer rebuilds the panel from that
 * state; when it cannot (the state is from an older page, the connection was removed), the tab
 * gets a page that says why and what to do, never a blank one.
 */
import * as vscode from 'vscode';
import { describeError, userMessage } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { notePageHtml } from './webviewHtml';

/** Rebuilds a panel in `panel` from its page's kept `state`; throws a WorkbenchError that says why it cannot. */
export type PanelRestorer = (panel: vscode.WebviewPanel, state: unknown) => void | Promise<void>;

/** Registers the serializer of `viewType`; `what` names the panel in the note ("inspector"). */
export function registerPanelRestorer(viewType: string, what: string, log: Logger, restore: PanelRestorer): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(viewType, {
    deserializeWebviewPanel: async (panel, state: unknown) => {
      try {
        await restore(panel, state);
      } catch (error) {
        log.warn(`Reopening the ${what} "${panel.title}" after the reload failed: ${describeError(error)}`);
        showRestoreNote(panel, what, userMessage(error));
      }
    },
  });
}

/** Puts the note "this panel could not be reopened" with the reason in `panel`. */
export function showRestoreNote(panel: vscode.WebviewPanel, what: string, reason: string): void {
  panel.webview.options = { enableScripts: false };
  panel.webview.html = notePageHtml(panel.webview, panel.title, `This ${what} could not be reopened`, [
    reason,
    'Close this tab; everything else kept working.',
  ]);
}
