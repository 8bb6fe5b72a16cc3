/**
 * The one serializer of the inspector's view type and the restorers of its kinds (Kafka topic,
 * history scope). Both are given during activation, before VS Code restores panels; the
 * inspector itself loads when a tab is restored or first opened (esbuild.js lazyChunks).
 */
import * as vscode from 'vscode';
import { WorkbenchError } from '../shared/errors';
import { taggedLogger, type Logger } from '../shared/logger';
import { inspectorRestoreOf } from '../shared/panelState';
import type { InspectorRestore } from '../shared/protocol';
import { registerPanelRestorer } from './panelRestore';
import { INSPECTOR_VIEW_TYPE } from './viewTypes';

/** Reopens an inspector of one kind (Kafka topic, history scope) in a panel kept across a window reload. */
export type InspectorRestorer<K extends InspectorRestore['kind']> = (restore: Extract<InspectorRestore, { kind: K }>, panel: vscode.WebviewPanel) => void | Promise<void>;

const restorers = new Map<InspectorRestore['kind'], (restore: InspectorRestore, panel: vscode.WebviewPanel) => void | Promise<void>>();
let serializer: vscode.Disposable | undefined;

/**
 * Gives the restorer of one kind to the one serializer of the inspector's view type,
 * registered with the first restorer.
 */
export function registerInspectorRestorer<K extends InspectorRestore['kind']>(kind: K, log: Logger, restorer: InspectorRestorer<K>): vscode.Disposable {
  restorers.set(kind, restorer as (restore: InspectorRestore, panel: vscode.WebviewPanel) => void | Promise<void>);
  serializer ??= registerPanelRestorer(INSPECTOR_VIEW_TYPE, 'inspector', taggedLogger(log, 'inspector'), async (panel, state) => {
    const restore = inspectorRestoreOf(state);
    const restoreKind = restore ? restorers.get(restore.kind) : undefined;
    if (!restore || !restoreKind) throw new WorkbenchError('This tab was kept from an earlier session without saying what it read. Open the topic or the history again.');
    await restoreKind(restore, panel);
  });
  return new vscode.Disposable(() => {
    restorers.delete(kind);
    if (restorers.size === 0) {
      serializer?.dispose();
      serializer = undefined;
    }
  });
}
