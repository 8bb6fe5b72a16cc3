/**
 * The Message History view: the history database → topic (count) → data type (count) → day
 * (count) → the rows of that day, newest first, a page at a time with "Load more…" fetching
 * the next keyset page. A search (title bar, or scoped to a topic, data type or day from its
 * context menu) adds a "Search" row listing the matching rows the same way. A load that
 * fails becomes a row with the cause and Retry (or the step that fixes it, such as
 * re-entering the password); every load is bounded by the store's timeouts, so no row spins
 * for ever.
 */
import * as vscode from 'vscode';
import { ContextKey } from '../../shared/contextKeys';
import { CommandId } from '../../shared/commandIds';
import type { HistoryApi, HistoryDatabase } from '../../config/historyConnection';
import type { HistoryCount, HistoryCursor, HistoryFilter, HistoryRowSummary, HistorySearch, HistorySummary } from '../../history/types';
import type { HistoryConnection } from '../../shared/connections';
import { describeError, userMessage, WorkbenchError, type ErrorAction } from '../../shared/errors';
import { taggedLogger, type Logger } from '../../shared/logger';
import { visibleLabel, visibleTooltip } from '../../shared/visibleText';
import { settingsProblemItem } from '../settingsProblemItem';
import {
  dayLabel,
  dayOf,
  formatCount,
  messageCount,
  rowLabel,
  rowTooltip,
  schemaSummary,
  scopeDescription,
  searchDescription,
} from '../../history/presentation';
import { Disposable } from '../../shared/disposable';

/** Rows per page in the tree. */
export const HISTORY_PAGE_SIZE = 50;
const SEARCH_CONTEXT_KEY = ContextKey.historySearched;

/** Where a search looks: the whole history, or one topic, data type or day. */
export interface HistoryScope {
  topic?: string;
  dataType?: string;
  day?: string | null;
}

export interface ActiveSearch {
  search: HistorySearch;
  scope: HistoryScope;
}

interface Base {
  /** Stable identity of the row: also its TreeItem id, so expansion survives refreshes. */
  readonly key: string;
}
export interface ProblemNode extends Base { kind: 'problem'; text: string }
/** `row` lets the shared Remove Connection command (src/commands/connections.ts) act on this row. */
export interface ConnectionNode extends Base { kind: 'connection'; connection: HistoryConnection; row: { kind: 'history'; name: string } }
export interface FailureNode extends Base { kind: 'failure'; message: string; actions: readonly ErrorAction[]; retryTarget: HistoryNode }
export interface InfoNode extends Base { kind: 'info'; text: string; icon: string }
export interface TopicNode extends Base { kind: 'topic'; topic: string; count: number }
export interface DataTypeNode extends Base { kind: 'dataType'; topic: string; dataType: string; count: number }
export interface DayNode extends Base { kind: 'day'; topic: string; dataType: string; day: string | null; count: number }
export interface SearchNode extends Base { kind: 'search'; active: ActiveSearch }
export interface RowNode extends Base { kind: 'row'; row: HistoryRowSummary; withDate: boolean }
export interface LoadMoreNode extends Base { kind: 'loadMore'; list: ListNode }

export type ListNode = DayNode | SearchNode;
export type HistoryNode =
  | ProblemNode | ConnectionNode | FailureNode | InfoNode | TopicNode | DataTypeNode | DayNode | SearchNode | RowNode | LoadMoreNode;

/** What the view knows about one list of rows (a day or the search). */
interface RowList {
  rows: HistoryRowSummary[];
  /** The cursor of the next page, or null when the oldest row is shown. */
  older: HistoryCursor | null;
  /** Whether the first page was loaded. */
  started: boolean;
  loading: Promise<void> | undefined;
  error: unknown;
}

type Loaded<T> = { state: 'ok'; value: T } | { state: 'error'; error: unknown };

function key(...parts: (string | null)[]): string {
  return `history:${JSON.stringify(parts)}`;
}

export class HistoryTreeProvider extends Disposable implements vscode.TreeDataProvider<HistoryNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<HistoryNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly log: Logger;
  private summary: Promise<Loaded<HistorySummary>> | undefined;
  private readonly lists = new Map<string, RowList>();
  private readonly nodes = new Map<string, HistoryNode>();
  private readonly parents = new Map<string, HistoryNode>();
  /**
   * The time zone of the last loaded summary: the days and times of the rows are in it. The
   * machine's zone until then, read on first use: the first Intl.DateTimeFormat in a process
   * takes about 10 ms, which activation should not spend.
   */
  private loadedTimeZone: string | undefined;
  private get timeZone(): string {
    return (this.loadedTimeZone ??= Intl.DateTimeFormat().resolvedOptions().timeZone);
  }
  private set timeZone(zone: string) {
    this.loadedTimeZone = zone;
  }
  private view: vscode.TreeView<HistoryNode> | undefined;
  private activeSearch: ActiveSearch | undefined;

  constructor(private readonly database: HistoryDatabase, log: Logger) {
    super();
    this.log = taggedLogger(log, 'history view');
    this._register(this.changed, database.onDidChange(() => { this.refresh(); }));
  }

  createView(id: string): vscode.TreeView<HistoryNode> {
    this.view = vscode.window.createTreeView(id, { treeDataProvider: this, showCollapseAll: true });
    this._register(this.view);
    this.showSearch();
    return this.view;
  }

  // ---------------------------------------------------------------- refresh, search, paging

  refresh(): void {
    this.summary = undefined;
    this.lists.clear();
    this.nodes.clear();
    this.parents.clear();
    this.changed.fire(undefined);
  }

  get search(): ActiveSearch | undefined {
    return this.activeSearch;
  }

  setSearch(search: ActiveSearch | undefined): void {
    this.activeSearch = search;
    for (const listKey of [...this.lists.keys()]) {
      if (this.nodes.get(listKey)?.kind === 'search') this.lists.delete(listKey);
    }
    this.showSearch();
    this.changed.fire(undefined);
    if (search) void this.revealSearch();
  }

  private showSearch(): void {
    const active = this.activeSearch;
    void vscode.commands.executeCommand('setContext', SEARCH_CONTEXT_KEY, active !== undefined);
    if (!this.view) return;
    this.view.description = active ? `search: ${visibleLabel(active.search.text)}` : undefined;
  }

  private async revealSearch(): Promise<void> {
    // Expand the connection so the search row shows; ignore a view that is not open.
    const connection = [...this.nodes.values()].find((n) => n.kind === 'connection');
    if (!connection || !this.view?.visible) return;
    try {
      await this.view.reveal(connection, { expand: true, select: false, focus: false });
    } catch (error) {
      this.log.debug(`Could not reveal the search results: ${describeError(error)}`);
    }
  }

  /** Fetches the next page of a day or of the search ("Load more…"). */
  loadMore(node: LoadMoreNode | ListNode): void {
    const list = node.kind === 'loadMore' ? node.list : node;
    const state = this.lists.get(list.key);
    if (!state?.started || state.loading || state.older === null) return;
    this.load(list, state, state.older);
  }

  /** Retry of a failure row: the summary or the page that failed loads again. */
  retry(node: FailureNode): void {
    const target = node.retryTarget;
    if (target.kind === 'day' || target.kind === 'search') {
      const state = this.lists.get(target.key);
      if (state && state.rows.length > 0 && state.older !== null) {
        state.error = undefined;
        this.load(target, state, state.older);
        return;
      }
      this.lists.delete(target.key);
      this.changed.fire(target);
      return;
    }
    this.database.reconnect();
    this.refresh();
  }

  private load(list: ListNode, state: RowList, after: HistoryCursor | undefined): void {
    state.error = undefined;
    const loading = this.fetchPage(list, after).then(
      (page) => {
        state.rows.push(...page.rows);
        state.older = page.older;
      },
      (error: unknown) => {
        this.log.warn(`Loading rows of ${list.key} failed: ${describeError(error)}`);
        state.error = error;
      },
    ).finally(() => {
      state.loading = undefined;
      state.started = true;
      // The first page is awaited by getChildren; a further page redraws the list.
      if (after) this.changed.fire(list);
    });
    state.loading = loading;
    const more = this.nodes.get(`${list.key}/more`);
    if (more) this.changed.fire(more);
  }

  private async fetchPage(list: ListNode, after: HistoryCursor | undefined): Promise<{ rows: HistoryRowSummary[]; older: HistoryCursor | null }> {
    const store = await this.database.store();
    const filter: HistoryFilter = list.kind === 'day'
      ? { topic: list.topic, dataType: list.dataType, day: list.day }
      : { ...list.active.scope, search: list.active.search };
    return store.page({ ...filter, limit: HISTORY_PAGE_SIZE, ...(after ? { after } : {}) });
  }

  private loadSummary(): Promise<Loaded<HistorySummary>> {
    this.summary ??= this.database.store()
      .then((store: HistoryApi) => store.summary())
      .then(
        (value): Loaded<HistorySummary> => {
          this.timeZone = value.timeZone;
          return { state: 'ok', value };
        },
        (error: unknown): Loaded<HistorySummary> => {
          this.log.warn(`Loading the history summary failed: ${describeError(error)}`);
          return { state: 'error', error };
        },
      );
    return this.summary;
  }

  // ---------------------------------------------------------------- children

  getParent(node: HistoryNode): HistoryNode | undefined {
    return this.parents.get(node.key);
  }

  async getChildren(node?: HistoryNode): Promise<HistoryNode[]> {
    if (!node) return this.rootChildren();
    let children: HistoryNode[];
    switch (node.kind) {
      case 'connection': children = await this.connectionChildren(node); break;
      case 'topic': children = await this.topicChildren(node); break;
      case 'dataType': children = await this.dataTypeChildren(node); break;
      case 'day':
      case 'search':
        children = await this.listChildren(node);
        break;
      default:
        children = [];
    }
    for (const child of children) this.parents.set(child.key, node);
    return children;
  }

  private rootChildren(): HistoryNode[] {
    const { value, problems } = this.database.connection();
    const nodes: HistoryNode[] = problems.map((text, i) => this.intern<ProblemNode>({ kind: 'problem', key: key('problem', String(i)), text }));
    if (value) {
      nodes.push(this.intern<ConnectionNode>({
        kind: 'connection',
        key: key('connection'),
        connection: value,
        row: { kind: 'history', name: value.database },
      }));
    }
    return nodes;
  }

  private async connectionChildren(node: ConnectionNode): Promise<HistoryNode[]> {
    const loaded = await this.loadSummary();
    if (loaded.state === 'error') return [this.failure(loaded.error, node)];
    const summary = loaded.value;
    const nodes: HistoryNode[] = [];
    if (this.activeSearch) {
      nodes.push(this.intern<SearchNode>({ kind: 'search', key: key('search', JSON.stringify(this.activeSearch)), active: this.activeSearch }));
    }
    if (summary.total === 0) {
      nodes.push(this.info(key('empty'), vscode.l10n.t('No messages in the history yet. Start the batch consumer: it loads every message it reads.'), 'info'));
      return nodes;
    }
    const topics = new Map<string, number>();
    for (const c of summary.counts) topics.set(c.topic, (topics.get(c.topic) ?? 0) + c.count);
    for (const [topic, count] of topics) {
      nodes.push(this.intern<TopicNode>({ kind: 'topic', key: key('topic', topic), topic, count }, (n) => { n.count = count; }));
    }
    return nodes;
  }

  private async countsOf(topic: string, dataType?: string): Promise<HistoryCount[] | { failure: unknown }> {
    const loaded = await this.loadSummary();
    if (loaded.state === 'error') return { failure: loaded.error };
    return loaded.value.counts.filter((c) => c.topic === topic && (dataType === undefined || c.dataType === dataType));
  }

  private async topicChildren(node: TopicNode): Promise<HistoryNode[]> {
    const counts = await this.countsOf(node.topic);
    if (!Array.isArray(counts)) return [this.failure(counts.failure, node)];
    const types = new Map<string, number>();
    for (const c of counts) types.set(c.dataType, (types.get(c.dataType) ?? 0) + c.count);
    return [...types].map(([dataType, count]) => this.intern<DataTypeNode>(
      { kind: 'dataType', key: key('type', node.topic, dataType), topic: node.topic, dataType, count },
      (n) => { n.count = count; },
    ));
  }

  private async dataTypeChildren(node: DataTypeNode): Promise<HistoryNode[]> {
    const counts = await this.countsOf(node.topic, node.dataType);
    if (!Array.isArray(counts)) return [this.failure(counts.failure, node)];
    return counts.map((c) => this.intern<DayNode>(
      { kind: 'day', key: key('day', c.topic, c.dataType, c.day), topic: c.topic, dataType: c.dataType, day: c.day, count: c.count },
      (n) => { n.count = c.count; },
    ));
  }

  private async listChildren(list: ListNode): Promise<HistoryNode[]> {
    let state = this.lists.get(list.key);
    if (!state) {
      state = { rows: [], older: null, started: false, loading: undefined, error: undefined };
      this.lists.set(list.key, state);
      this.load(list, state, undefined);
    }
    if (!state.started) await state.loading;
    const withDate = list.kind === 'search';
    const nodes: HistoryNode[] = state.rows.map((row) => this.intern<RowNode>(
      { kind: 'row', key: `${list.key}/row/${row.id}`, row, withDate },
      (n) => { n.row = row; },
    ));
    if (state.error !== undefined) {
      nodes.push(this.failure(state.error, list));
    } else if (state.older !== null) {
      nodes.push(this.intern<LoadMoreNode>({ kind: 'loadMore', key: `${list.key}/more`, list }));
    } else if (state.rows.length === 0) {
      nodes.push(this.info(`${list.key}/none`, list.kind === 'search' ? vscode.l10n.t('No message matches this search.') : vscode.l10n.t('No messages here any more. Refresh the view.'), 'info'));
    }
    return nodes;
  }

  private intern<T extends HistoryNode>(fresh: T, update?: (existing: T) => void): T {
    const existing = this.nodes.get(fresh.key) as T | undefined;
    if (existing && existing.kind === fresh.kind) {
      update?.(existing);
      return existing;
    }
    this.nodes.set(fresh.key, fresh);
    return fresh;
  }

  private failure(error: unknown, retryTarget: HistoryNode): FailureNode {
    const node: FailureNode = {
      kind: 'failure',
      key: `${retryTarget.key}/failure`,
      message: userMessage(error),
      actions: error instanceof WorkbenchError ? error.actions : [],
      retryTarget,
    };
    this.nodes.set(node.key, node);
    return node;
  }

  private info(nodeKey: string, text: string, icon: string): InfoNode {
    return this.intern<InfoNode>({ kind: 'info', key: nodeKey, text, icon });
  }

  // ---------------------------------------------------------------- items

  getTreeItem(node: HistoryNode): vscode.TreeItem {
    switch (node.kind) {
      case 'problem': return settingsProblemItem(node.text, node.key);
      case 'connection': {
        const { connection } = node;
        const item = new vscode.TreeItem(connection.database, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.key;
        item.description = `${connection.user}@${connection.host}:${connection.port}`;
        item.tooltip = `${connection.ssl
          ? vscode.l10n.t('PostgreSQL {0}:{1}, database {2}, user {3}, TLS', connection.host, connection.port, connection.database, connection.user)
          : vscode.l10n.t('PostgreSQL {0}:{1}, database {2}, user {3}', connection.host, connection.port, connection.database, connection.user)}\n${vscode.l10n.t('The message_history table the batch consumer fills.')}`;
        item.iconPath = new vscode.ThemeIcon('database');
        item.contextValue = 'connection.history';
        return item;
      }
      case 'failure': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.id = node.key;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        const commandAction = node.actions.find((a): a is Exclude<ErrorAction, string> => typeof a !== 'string');
        item.tooltip = `${node.message}\n\n${commandAction ? vscode.l10n.t('Click: {0}. The Retry button loads again.', commandAction.title) : vscode.l10n.t('Click to try again. The Retry button loads again.')}`;
        item.contextValue = 'historyFailure';
        item.command = commandAction
          ? { title: commandAction.title, command: commandAction.command, arguments: [...(commandAction.args ?? [])] }
          : { title: vscode.l10n.t('Retry'), command: CommandId.retryHistoryLoad, arguments: [node] };
        return item;
      }
      case 'info': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = node.key;
        item.iconPath = new vscode.ThemeIcon(node.icon, new vscode.ThemeColor('descriptionForeground'));
        item.tooltip = node.text;
        item.contextValue = 'historyInfo';
        return item;
      }
      case 'topic': {
        const item = new vscode.TreeItem(visibleLabel(node.topic), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.key;
        item.description = formatCount(node.count);
        item.tooltip = visibleTooltip(`Topic ${node.topic}: ${messageCount(node.count)} in the history`);
        item.iconPath = new vscode.ThemeIcon('symbol-event');
        item.contextValue = 'historyTopic';
        return item;
      }
      case 'dataType': {
        const item = new vscode.TreeItem(visibleLabel(node.dataType), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.key;
        item.description = formatCount(node.count);
        item.tooltip = visibleTooltip(`Data type ${node.dataType} in ${node.topic}: ${messageCount(node.count)}`);
        item.iconPath = new vscode.ThemeIcon('symbol-class');
        item.contextValue = 'historyDataType';
        return item;
      }
      case 'day': {
        const today = dayOf(Date.now(), this.timeZone);
        const item = new vscode.TreeItem(dayLabel(node.day, today), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.key;
        item.description = formatCount(node.count);
        item.tooltip = visibleTooltip(node.day === null
          ? `${messageCount(node.count)} of ${node.dataType} in ${node.topic} without a message timestamp, newest loaded first`
          : `${messageCount(node.count)} of ${node.dataType} in ${node.topic} on ${node.day} (${this.timeZone}), newest first`);
        item.iconPath = new vscode.ThemeIcon('calendar');
        item.contextValue = 'historyDay';
        return item;
      }
      case 'search': {
        const { search, scope } = node.active;
        const item = new vscode.TreeItem(visibleLabel(`Search: ${searchDescription(search)}`), vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.key;
        item.description = visibleLabel(scopeDescription(scope));
        item.tooltip = visibleTooltip(`Rows whose ${searchDescription(search)}${scope.topic === undefined ? '' : ` ${scopeDescription(scope)}`}, newest first. Clear the search from the title bar.`);
        item.iconPath = new vscode.ThemeIcon('search');
        item.contextValue = 'historySearch';
        return item;
      }
      case 'row': {
        const item = new vscode.TreeItem(rowLabel(node.row, this.timeZone, node.withDate), vscode.TreeItemCollapsibleState.None);
        item.id = node.key;
        // A search lists rows of all topics: it names each row's topic and data type. The schema
        // ids say the value was read from the wire format (and with which schema).
        const description = [node.withDate ? `${node.row.topic} · ${node.row.dataType}` : undefined, schemaSummary(node.row.schema)]
          .filter((part): part is string => part !== undefined).join(' · ');
        item.description = description === '' ? undefined : visibleLabel(description);
        // A plain string: the value preview is data and shows as text, never as Markdown.
        item.tooltip = rowTooltip(node.row, this.timeZone);
        item.iconPath = new vscode.ThemeIcon(ROW_ICONS[node.row.valueKind]);
        item.contextValue = 'historyRow';
        item.command = { title: vscode.l10n.t('Open'), command: CommandId.openHistoryMessage, arguments: [node] };
        return item;
      }
      case 'loadMore': {
        const state = this.lists.get(node.list.key);
        const loading = state?.loading !== undefined;
        const item = new vscode.TreeItem(loading ? vscode.l10n.t('Loading…') : vscode.l10n.t('Load more…'), vscode.TreeItemCollapsibleState.None);
        item.id = node.key;
        item.description = state ? `${formatCount(state.rows.length)}${node.list.kind === 'day' ? ` of ${formatCount(node.list.count)}` : ''} shown` : undefined;
        item.iconPath = new vscode.ThemeIcon(loading ? 'loading~spin' : 'fold-down');
        item.tooltip = vscode.l10n.t('Load the next {0} older messages', HISTORY_PAGE_SIZE);
        item.contextValue = 'historyLoadMore';
        item.command = { title: vscode.l10n.t('Load More'), command: CommandId.loadMoreHistory, arguments: [node] };
        return item;
      }
    }
  }
}

const ROW_ICONS: Record<HistoryRowSummary['valueKind'], string> = {
  json: 'json',
  text: 'symbol-string',
  bytes: 'file-binary',
  null: 'circle-slash',
};
