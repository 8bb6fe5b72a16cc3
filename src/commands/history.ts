/**
 * The Message History commands: search by key or by text in the value (whole history, or
 * scoped to a topic, data type or day from its context menu) and clear the search; load the
 * next page of a list; retry a failed load; open one row as a read-only JSON document (a
 * click on the row, or from the palette by topic, partition and offset); open a topic, data
 * type, day, search or row in the Message Inspector.
 */
import * as vscode from 'vscode';
import type { HistoryDatabase } from '../config/historyConnection';
import type { HistoryCursor, HistoryFilter, HistorySearchMode } from '../history/types';
import { registerInspectorRestorer } from '../panels/inspectorRestore';
import { inspectorPanel } from '../panels/lazy';
import { CancelledError, WorkbenchError } from '../shared/errors';
import { taggedLogger } from '../shared/logger';
import type { HistoryDocuments } from '../views/history/historyDocuments';
import type { HistoryNode, HistoryScope, HistoryTreeProvider, ListNode } from '../views/history/historyTree';
import { scopeDescription, SEARCH_MODES } from '../history/presentation';
import { settings } from '../config/settings';
import { registerCommand } from './index';
import { CommandId } from '../shared/commandIds';

export interface HistoryCommandDeps {
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  database: HistoryDatabase;
  tree: HistoryTreeProvider;
  documents: HistoryDocuments;
}

const NODE_KINDS: readonly HistoryNode['kind'][] = ['problem', 'connection', 'failure', 'info', 'topic', 'dataType', 'day', 'search', 'row', 'loadMore'];

/** A tree row passed by VS Code as the command's argument, or undefined for anything else. */
function asNode(arg: unknown): HistoryNode | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const kind = (arg as { kind?: unknown }).kind;
  return typeof kind === 'string' && (NODE_KINDS as readonly string[]).includes(kind) ? (arg as HistoryNode) : undefined;
}

/** The part of the history a row stands for. */
function scopeOf(node: HistoryNode | undefined): HistoryScope {
  switch (node?.kind) {
    case 'topic': return { topic: node.topic };
    case 'dataType': return { topic: node.topic, dataType: node.dataType };
    case 'day': return { topic: node.topic, dataType: node.dataType, day: node.day };
    case 'search': return node.active.scope;
    default: return {};
  }
}

let lastMode: HistorySearchMode = 'keyOrValueContains';

/** "Search the message history in orders (1/2)": the steps' title. */
function searchTitle(where: string | undefined, step: number): string {
  return where ? vscode.l10n.t('Search the message history {0} ({1}/{2})', where, step, 2) : vscode.l10n.t('Search the message history ({0}/{1})', step, 2);
}

async function search({ tree }: HistoryCommandDeps, arg: unknown): Promise<void> {
  const scope = scopeOf(asNode(arg));
  const where = scopeDescription(scope);
  const modes = [...SEARCH_MODES].sort((a, b) => Number(b.mode === lastMode) - Number(a.mode === lastMode));
  const mode = await vscode.window.showQuickPick(
    modes.map((m) => ({ label: m.label, detail: m.detail, mode: m.mode })),
    { title: searchTitle(where, 1), placeHolder: vscode.l10n.t('How to match'), ignoreFocusOut: true },
  );
  if (!mode) throw new CancelledError();
  const previous = tree.search?.search.mode === mode.mode ? tree.search.search.text : '';
  const text = await vscode.window.showInputBox({
    title: searchTitle(where, 2),
    prompt: vscode.l10n.t('{0}: the text is taken literally (% and _ are not wildcards)', mode.label),
    value: previous,
    ignoreFocusOut: true,
    validateInput: (value) => (value === '' ? vscode.l10n.t('Type the key or the text to search for.') : undefined),
  });
  if (text === undefined) throw new CancelledError();
  lastMode = mode.mode;
  tree.setSearch({ search: { mode: mode.mode, text }, scope });
}

/** Asks for a topic, partition and offset and opens that message's history row. */
async function openByCoordinates({ database, documents }: HistoryCommandDeps): Promise<void> {
  const store = await database.store();
  const summary = await store.summary();
  const topics = [...new Set(summary.counts.map((c) => c.topic))];
  if (topics.length === 0) {
    throw new WorkbenchError(vscode.l10n.t('The message history is empty. Start the batch consumer: it loads every message it reads.'));
  }
  const topic = await vscode.window.showQuickPick(topics, { title: vscode.l10n.t('Open History Message ({0}/{1})', 1, 3), placeHolder: vscode.l10n.t('Topic'), ignoreFocusOut: true });
  if (topic === undefined) throw new CancelledError();
  const partition = await vscode.window.showInputBox({
    title: vscode.l10n.t('Open History Message ({0}/{1})', 2, 3), prompt: vscode.l10n.t('Partition of {0}', topic), value: '0', ignoreFocusOut: true,
    validateInput: (v) => (/^\d{1,9}$/.test(v.trim()) ? undefined : vscode.l10n.t('A partition is a whole number from 0.')),
  });
  if (partition === undefined) throw new CancelledError();
  const offset = await vscode.window.showInputBox({
    title: vscode.l10n.t('Open History Message ({0}/{1})', 3, 3), prompt: vscode.l10n.t('Offset in {0} partition {1}', topic, partition.trim()), ignoreFocusOut: true,
    validateInput: (v) => (/^\d{1,19}$/.test(v.trim()) ? undefined : vscode.l10n.t('An offset is a whole number from 0.')),
  });
  if (offset === undefined) throw new CancelledError();
  const row = await store.findByCoordinates(topic, Number(partition.trim()), offset.trim());
  if (!row) {
    throw new WorkbenchError(vscode.l10n.t('The history has no row for {0} partition {1} offset {2}: the batch consumer has not loaded that message (yet). Start the batch consumer, or check the coordinates.', topic, partition.trim(), offset.trim()));
  }
  await documents.open(row);
}

async function openHistoryMessage(deps: HistoryCommandDeps, arg: unknown): Promise<void> {
  const node = asNode(arg);
  if (node?.kind === 'row') {
    await deps.documents.openById(node.row.id);
    return;
  }
  await openByCoordinates(deps);
}

function inspectorTitle(scope: HistoryFilter): string {
  const parts = [scope.topic, scope.dataType, scope.day === null ? 'no timestamp' : scope.day].filter((p): p is string => p !== undefined);
  const what = parts.length > 0 ? parts.join(' / ') : 'all topics';
  return scope.search ? `${what} · "${scope.search.text}"` : what;
}

function openInInspector(deps: HistoryCommandDeps, arg: unknown): void {
  const node = asNode(arg);
  let list: ListNode | undefined;
  if (node?.kind === 'row' || node?.kind === 'loadMore') {
    const parent = node.kind === 'loadMore' ? node.list : deps.tree.getParent(node);
    if (parent?.kind === 'day' || parent?.kind === 'search') list = parent;
  }
  const scopeNode = list ?? node;
  const scope: HistoryFilter = scopeNode?.kind === 'search'
    ? { ...scopeNode.active.scope, search: scopeNode.active.search }
    : scopeOf(scopeNode);
  const startAt = node?.kind === 'row' ? node.row.cursor : undefined;
  openHistoryInspector(deps, scope, startAt);
}

/** Opens (or, after a window reload, reopens in `restoredPanel`) the inspector of a history scope. */
function openHistoryInspector(deps: HistoryCommandDeps, scope: HistoryFilter, startAt: HistoryCursor | undefined, restoredPanel?: vscode.WebviewPanel): void {
  const connection = deps.database.connection().value;
  if (!connection) {
    throw new WorkbenchError(vscode.l10n.t('No history database is set. Set one, or connect to the local stack.'), {
      actions: [{ title: vscode.l10n.t('Set History Database'), command: CommandId.setHistoryConnection }],
    });
  }
  const title = inspectorTitle(scope);
  const { log, extensionUri, database } = deps;
  const { InspectorPanel, HistoryInspectorSource } = inspectorPanel();
  InspectorPanel.show(
    {
      log,
      extensionUri,
      openProducer: () => {
        throw new WorkbenchError(vscode.l10n.t("Produce again works from a topic's inspector: open the topic from the Kafka view."));
      },
    },
    {
      key: `history/${JSON.stringify(scope)}/${startAt?.id ?? ''}`,
      title: vscode.l10n.t('{0} · History', title),
      createSource: () => new HistoryInspectorSource({
        store: () => database.store(),
        scope,
        title,
        database: `${connection.database}@${connection.host}:${connection.port}`,
        ...(startAt ? { startAt } : {}),
        log: taggedLogger(log, 'history inspector'),
        maxBytes: settings.kafkaInspectorMemoryBytes(),
      }),
      // History is read newest first whatever the start kind; 'beginning' needs no value, so the form starts at once.
      options: { start: 'beginning', startValue: '', partitions: [], maxMessages: settings.kafkaInspectorMaxMessages(), follow: false },
      autoStart: true,
      restore: {
        kind: 'history',
        scope,
        ...(startAt ? { startAt: { timestamp: startAt.timestamp, id: startAt.id } } : {}),
      },
    },
    restoredPanel,
  );
}

export function registerHistoryCommands(deps: HistoryCommandDeps): vscode.Disposable[] {
  const { log, tree } = deps;
  return [
    registerCommand(log, CommandId.searchHistory, (arg) => search(deps, arg)),
    registerCommand(log, CommandId.searchHistoryIn, (arg) => search(deps, arg)),
    registerCommand(log, CommandId.clearHistorySearch, () => { tree.setSearch(undefined); }),
    registerCommand(log, CommandId.loadMoreHistory, (arg) => {
      const node = asNode(arg);
      if (node?.kind === 'loadMore' || node?.kind === 'day' || node?.kind === 'search') tree.loadMore(node);
    }),
    registerCommand(log, CommandId.retryHistoryLoad, (arg) => {
      const node = asNode(arg);
      if (node?.kind === 'failure') tree.retry(node);
      else tree.refresh();
    }),
    registerCommand(log, CommandId.openHistoryMessage, (arg) => openHistoryMessage(deps, arg)),
    registerCommand(log, CommandId.openHistoryInInspector, (arg) => { openInInspector(deps, arg); }),
    // After a window reload: the history inspectors open then, each with its scope.
    registerInspectorRestorer('history', log, (restore, panel) => {
      if (!deps.database.connection().value) {
        throw new WorkbenchError(vscode.l10n.t('This inspector read the message history, and no history database is set any more. Set one (Kafka Airflow: Set History Database) or connect to the local stack, then open the history again from the Message History view.'));
      }
      openHistoryInspector(deps, restore.scope, restore.startAt, panel);
    }),
  ];
}
