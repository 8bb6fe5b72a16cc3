/**
 * Trace Message and the batch trace: resolves the Airflow and history connections into a
 * TraceService, opens the timeline panel (src/panels/tracePanel.ts) for a message — from the
 * palette (asks for topic, partition, offset), a history row, or arguments (topic, partition,
 * offset) — or for a consumer run, and carries out the panel's step actions (run in the
 * Airflow UI, task log in an editor, history row document).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { settings } from '../config/settings';
import type { TraceConnectionDeps, TraceConnections } from '../config/traceConnections';
import { registerPanelRestorer } from '../panels/panelRestore';
import type { TracePanelDeps, TraceTarget } from '../panels/tracePanel';
import { tracePanel } from '../panels/lazy';
import { TRACE_VIEW_TYPE } from '../panels/viewTypes';
import { WorkbenchError } from '../shared/errors';
import { traceRestoreOf } from '../shared/panelState';
import type { MessageCoordinates, TraceLink } from '../trace/traceModel';
import { CommandId } from '../shared/commandIds';
import { ContextKey } from '../shared/contextKeys';
import { markDone } from '../views/contextKeys';
import { registerCommand, showActionableError } from './index';

export type TraceCommandDeps = TraceConnectionDeps;

async function openLink(deps: TraceCommandDeps, connections: TraceConnections, link: TraceLink): Promise<void> {
  switch (link.kind) {
    case 'run': {
      const { client } = await connections.airflowClient();
      const url = await client.uiUrlForRun(link.dagId, link.runId);
      await vscode.env.openExternal(vscode.Uri.parse(url));
      return;
    }
    case 'taskLog': {
      const { client } = await connections.airflowClient();
      const log = await client.getTaskLog(link.dagId, link.runId, link.taskId, link.tryNumber);
      const text = log.lines.map((l) => [l.time, l.level, l.text].filter((p) => p !== null && p !== '').join(' ')).join('\n');
      const document = await vscode.workspace.openTextDocument({ language: 'log', content: `# ${link.dagId} / ${link.runId} / ${link.taskId} (try ${link.tryNumber})\n${text}` });
      await vscode.window.showTextDocument(document, { preview: true });
      return;
    }
    case 'historyRow':
      // The history commands accept a row node; only `kind` and `row.id` are read.
      await vscode.commands.executeCommand(CommandId.openHistoryMessage, { kind: 'row', row: { id: link.rowId } });
      return;
    case 'tableRow': {
      const row = await (await connections.historyStore()).pipelines.recallByKey(link.key);
      if (!row) throw new WorkbenchError(vscode.l10n.t('{0} has no row {1} (any more).', link.table, link.key), { actions: [] });
      await showJson({ table: link.table, row });
      return;
    }
    case 'sparkCheckpoint': {
      const dir = settings.pipelinesSparkCheckpointDir();
      const read = async (name: string): Promise<string> => readFile(join(dir, name, String(link.batchId)), 'utf8').catch((error: unknown) => `(${error instanceof Error ? error.message : String(error)})`);
      const [offsets, commits] = await Promise.all([read('offsets'), read('commits')]);
      const document = await vscode.workspace.openTextDocument({ language: 'plaintext', content: `# ${join(dir, 'offsets', String(link.batchId))}\n${offsets}\n\n# ${join(dir, 'commits', String(link.batchId))}\n${commits}\n` });
      await vscode.window.showTextDocument(document, { preview: true });
      return;
    }
    case 'message':
      showTrace(deps, connections, { kind: 'message', coordinates: { topic: link.topic, partition: link.partition, offset: link.offset } });
      return;
  }
}

async function showJson(value: unknown): Promise<void> {
  const document = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(value, null, 2) });
  await vscode.window.showTextDocument(document, { preview: true });
}

export function tracePanelDeps(deps: TraceCommandDeps, connections: TraceConnections): TracePanelDeps {
  return {
    log: deps.log,
    extensionUri: deps.extensionUri,
    traceService: () => connections.traceService(),
    openLink: (link) => openLink(deps, connections, link),
    showError: (error) => { showActionableError(deps.log, error); },
  };
}

export function showTrace(deps: TraceCommandDeps, connections: TraceConnections, target: TraceTarget): void {
  tracePanel().show(tracePanelDeps(deps, connections), target);
}

/** Coordinates from a history row node, from (topic, partition, offset) arguments, or undefined. */
export function coordinatesFromArgs(args: readonly unknown[]): MessageCoordinates | undefined {
  const [first, second, third] = args;
  if (typeof first === 'object' && first !== null) {
    const row = (first as { kind?: unknown; row?: unknown }).row;
    if ((first as { kind?: unknown }).kind === 'row' && typeof row === 'object' && row !== null) {
      const { topic, partition, offset } = row as Record<string, unknown>;
      if (typeof topic === 'string' && typeof partition === 'number' && typeof offset === 'string') return { topic, partition, offset };
    }
    return undefined;
  }
  if (typeof first === 'string' && typeof second === 'number' && (typeof third === 'string' || typeof third === 'number')) {
    return { topic: first, partition: second, offset: String(third) };
  }
  return undefined;
}

/** Asks for topic, partition and offset; `topic` is the first answer's default. */
export async function askCoordinates(defaultTopic = 'workbench.events'): Promise<MessageCoordinates | undefined> {
  const topic = await vscode.window.showInputBox({ title: vscode.l10n.t('Trace Message ({0}/{1})', 1, 3), prompt: vscode.l10n.t('Topic of the message'), value: defaultTopic, ignoreFocusOut: true, validateInput: (v) => (v.trim() === '' ? vscode.l10n.t('Give a topic name.') : undefined) });
  if (topic === undefined) return undefined;
  const partition = await vscode.window.showInputBox({ title: vscode.l10n.t('Trace Message ({0}/{1})', 2, 3), prompt: vscode.l10n.t('Partition'), value: '0', ignoreFocusOut: true, validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : vscode.l10n.t('A partition is a whole number, 0 or more.')) });
  if (partition === undefined) return undefined;
  const offset = await vscode.window.showInputBox({ title: vscode.l10n.t('Trace Message ({0}/{1})', 3, 3), prompt: vscode.l10n.t('Offset'), ignoreFocusOut: true, validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : vscode.l10n.t('An offset is a whole number, 0 or more.')) });
  if (offset === undefined) return undefined;
  return { topic: topic.trim(), partition: Number(partition.trim()), offset: offset.trim() };
}

export function registerTraceCommands(deps: TraceCommandDeps, connections: TraceConnections): vscode.Disposable[] {
  const traceMessage = async (...args: unknown[]): Promise<void> => {
    const coordinates = coordinatesFromArgs(args) ?? await askCoordinates();
    if (!coordinates) return;
    showTrace(deps, connections, { kind: 'message', coordinates });
    markDone(ContextKey.traced);
  };
  return [
    registerCommand(deps.log, CommandId.traceMessage, traceMessage),
    registerCommand(deps.log, CommandId.traceHistoryRow, traceMessage),
    // After a window reload: each trace opens again and loads afresh.
    registerPanelRestorer(TRACE_VIEW_TYPE, 'trace', deps.log, (panel, state) => {
      const target = traceRestoreOf(state);
      if (!target) throw new WorkbenchError(vscode.l10n.t('This tab was kept from an earlier session without saying what it traced. Run Trace Message again.'));
      tracePanel().show(tracePanelDeps(deps, connections), target, panel);
    }),
  ];
}
