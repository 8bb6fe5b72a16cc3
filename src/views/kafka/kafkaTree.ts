/**
 * The Kafka view: connection → "Topics" (→ topic → partitions with leader, low/high offsets
 * and a message estimate) and "Consumer Groups" (→ group with state and total lag → committed
 * offset and lag per partition). A filter narrows topics and groups on clusters with many of
 * them. A connection that fails shows the cause as a row with Retry; every load is bounded by
 * a timeout, so no row spins for ever. Message counts and lags of the rows on show load in
 * the background in one batched call (KafkaService.describeTopics / describeGroups: a few
 * requests whatever the number of rows) and fill in the rows at once.
 */
import * as vscode from 'vscode';
import { ContextKey } from '../../shared/contextKeys';
import type { KafkaApi, KafkaConnections } from '../../config/kafkaConnections';
import type { GroupDetails, GroupPartitionLag, GroupSummary, PartitionInfo, TopicDetails, TopicSummary } from '../../kafka/types';
import type { KafkaConnection } from '../../shared/connections';
import { describeError, userMessage, WorkbenchError, type ErrorAction } from '../../shared/errors';
import { taggedLogger, type Logger } from '../../shared/logger';
import { CommandId } from '../../shared/commandIds';
import { settingsProblemItem } from '../settingsProblemItem';
import {
  compareNames,
  formatCount,
  groupCanReset,
  groupRowText,
  groupStateIcon,
  lagText,
  listedRows,
  MAX_TOPICS_SHOWN,
  nameFilter,
  partitionReplicaHealth,
  plural,
  replicaHealthIcon,
  topicRowText,
} from '../../kafka/presentation';
import { Disposable } from '../../shared/disposable';
import { RowRedraws } from '../../shared/rowRedraws';
import type { SchemaRegistries } from '../../config/schemaRegistries';
import { SchemaRows, type SchemaNode } from './schemaRows';

/** Extra time on top of the request timeout before a load is reported as hanging. */
const TIMEOUT_MARGIN_MS = 5_000;

interface Base {
  /** Stable identity of the row: also its TreeItem id, so expansion survives refreshes. */
  readonly key: string;
}
export interface SettingsProblemNode extends Base { kind: 'settingsProblem'; text: string }
/** `row` lets the shared Remove Connection command (src/commands/connections.ts) act on this row. */
export interface ConnectionNode extends Base { kind: 'connection'; connection: KafkaConnection; row: { kind: 'kafka'; name: string } }
export interface FailureNode extends Base { kind: 'failure'; connectionName: string; message: string; actions: readonly ErrorAction[]; retryTarget: KafkaNode }
export interface TopicsFolderNode extends Base { kind: 'topics'; connectionName: string }
export interface GroupsFolderNode extends Base { kind: 'groups'; connectionName: string }
export interface TopicNode extends Base { kind: 'topic'; connectionName: string; topic: TopicSummary }
export interface PartitionNode extends Base { kind: 'partition'; connectionName: string; topic: string; info: PartitionInfo }
export interface GroupNode extends Base { kind: 'group'; connectionName: string; group: GroupSummary }
export interface GroupPartitionNode extends Base { kind: 'groupPartition'; connectionName: string; groupId: string; lag: GroupPartitionLag }
export interface InfoNode extends Base { kind: 'info'; text: string; icon: string; tooltip?: string }

export type KafkaNode =
  | SettingsProblemNode | ConnectionNode | FailureNode | TopicsFolderNode | GroupsFolderNode
  | TopicNode | PartitionNode | GroupNode | GroupPartitionNode | InfoNode | SchemaNode;

const FILTER_CONTEXT_KEY = ContextKey.kafkaFiltered;

type Loaded<T> = { state: 'ok'; value: T } | { state: 'error'; error: unknown };

/** What the tree knows about one cluster; dropped on refresh. */
interface ClusterCache {
  topics?: Promise<Loaded<TopicSummary[]>>;
  groups?: Promise<Loaded<GroupSummary[]>>;
  topicDetails: Map<string, Loaded<TopicDetails>>;
  groupDetails: Map<string, Loaded<GroupDetails>>;
  /** Keys of detail loads under way, so each loads once. */
  pending: Set<string>;
}

function connectionKey(name: string): string {
  return `kafka/${name}`;
}

/** Rejects when `promise` has not settled after `ms`, with a sentence naming what hung. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new WorkbenchError(vscode.l10n.t('{0} did not answer within {1} s. Check that the brokers run and are reachable, or raise kafkaAirflow.requestTimeoutSeconds.', what, Math.round(ms / 1000)), {
        actions: ['retry', 'openSettings'],
      }));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => { clearTimeout(timer); });
}

/** One entry of a batched load: the item's details, its own error, or the batch's error. */
function entryOf<T>(batch: Loaded<Map<string, T | WorkbenchError>>, key: string, what: string): Loaded<T> {
  if (batch.state === 'error') return batch;
  const value = batch.value.get(key);
  if (value === undefined) return { state: 'error', error: new WorkbenchError(vscode.l10n.t('The cluster did not answer for {0}. Refresh the view to ask again.', what), { actions: ['retry'] }) };
  return value instanceof WorkbenchError ? { state: 'error', error: value } : { state: 'ok', value };
}

export class KafkaTreeProvider extends Disposable implements vscode.TreeDataProvider<KafkaNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<KafkaNode | KafkaNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly caches = new Map<string, ClusterCache>();
  /** Whether each cluster answered its last load, for the connection row's icon. */
  private readonly statuses = new Map<string, 'ok' | 'error'>();
  /** The topics of each cluster as last listed, for descriptions without waiting. */
  private readonly loadedTopics = new Map<string, TopicSummary[]>();
  /** One object per key, so a background update can refresh exactly the row on screen. */
  private readonly nodes = new Map<string, KafkaNode>();
  private readonly parents = new Map<string, KafkaNode | undefined>();
  private readonly log: Logger;
  private view: vscode.TreeView<KafkaNode> | undefined;
  private filterText = '';
  /** Background redraws of rows that show their children wait until those rows are collapsed (see RowRedraws). */
  private readonly redraws = new RowRedraws();
  /** The Schemas folder under each connection and the subjects under each topic. */
  readonly schemas: SchemaRows;

  constructor(
    private readonly connections: KafkaConnections,
    log: Logger,
    private readonly timeoutMs: () => number,
    private readonly showInternalTopics: () => boolean,
    registries: SchemaRegistries,
  ) {
    super();
    this.log = taggedLogger(log, 'kafka view');
    this.schemas = new SchemaRows(registries, this.log, {
      intern: (node) => this.intern(node),
      redraw: (keys) => { this.redrawRowsLater(keys); },
      info: (key, text, icon) => this.info(key, text, icon),
      filter: () => this.filterText,
      timeoutMs: () => this.timeoutMs(),
    });
    this._register(
      this.changed,
      registries.onDidChange((name) => {
        if (name === undefined) {
          this.schemas.forget();
          for (const connection of this.connections.list().value) this.redrawLater(`${connectionKey(connection.name)}/schemas`);
        } else this.refreshSchemas(name);
      }),
      connections.onDidChange((name) => {
        if (name === undefined) this.refresh();
        else this.refreshConnection(name);
      }),
    );
  }

  /** Creates the tree view; the provider keeps it to show the filter in its description. */
  createView(id: string): vscode.TreeView<KafkaNode> {
    // Several topics can be selected for Delete Topics; other row commands act on the row they are run on.
    this.view = vscode.window.createTreeView(id, { treeDataProvider: this, showCollapseAll: true, canSelectMany: true });
    this._register(
      this.view,
      this.view.onDidExpandElement(({ element }) => { this.redraws.listed(element.key); }),
      this.view.onDidCollapseElement(({ element }) => {
        // What a background load learned about the row while it showed its children.
        if (this.redraws.collapsed(element.key)) this.changed.fire(element);
      }),
    );
    this.showFilter();
    return this.view;
  }

  // ---------------------------------------------------------------- refresh and filter

  refresh(): void {
    this.redraws.refreshed();
    this.schemas.forget();
    this.caches.clear();
    this.loadedTopics.clear();
    this.changed.fire(undefined);
  }

  /** Reloads one cluster (Retry, after create/delete, after a reset). */
  refreshConnection(name: string): void {
    this.schemas.forget(name);
    this.caches.delete(name);
    this.loadedTopics.delete(name);
    this.redraws.refreshed(connectionKey(name));
    const node = this.nodes.get(connectionKey(name));
    this.changed.fire(node ?? undefined);
  }

  /** Reloads the Schemas folder of a connection (after a register, delete or level change). */
  refreshSchemas(name: string, subject?: string): void {
    if (subject === undefined) this.schemas.forget(name);
    else this.schemas.forgetSubject(name, subject);
    const folder = this.nodes.get(`${connectionKey(name)}/schemas`);
    if (folder) this.changed.fire(folder);
    // Topic rows show their subjects too: redraw the topics that are open.
    const topics = this.nodes.get(`${connectionKey(name)}/topics`);
    if (topics) this.changed.fire(topics);
  }

  /** Reloads what is under a row: its cluster's cache entries below it are dropped. */
  refreshNode(node: KafkaNode): void {
    if (node.kind === 'schemas' || node.kind === 'schemaProblem') {
      this.refreshSchemas(node.connectionName);
      return;
    }
    if (node.kind === 'subject' || node.kind === 'schemaVersion') {
      this.refreshSchemas(node.connectionName, node.subject);
      return;
    }
    if (node.kind === 'connection' || node.kind === 'failure' || node.kind === 'settingsProblem' || node.kind === 'info') {
      if (node.kind === 'connection') this.refreshConnection(node.connection.name);
      else if (node.kind === 'failure') this.retry(node);
      else this.refresh();
      return;
    }
    const cache = this.caches.get(node.connectionName);
    if (cache) {
      if (node.kind === 'topics') {
        cache.topics = undefined;
        cache.topicDetails.clear();
      } else if (node.kind === 'groups') {
        cache.groups = undefined;
        cache.groupDetails.clear();
      } else if (node.kind === 'topic' || node.kind === 'partition') {
        cache.topicDetails.delete(node.kind === 'topic' ? node.topic.name : node.topic);
      } else {
        cache.groupDetails.delete(node.kind === 'group' ? node.group.groupId : node.groupId);
      }
    }
    this.changed.fire(node.kind === 'partition' || node.kind === 'groupPartition' ? this.parents.get(node.key) ?? undefined : node);
  }

  /** After a produce run: the topic's counts and partitions reload (the topic may be new). */
  topicChanged(connectionName: string, topic: string): void {
    const cache = this.caches.get(connectionName);
    if (!cache) return;
    const known = this.loadedTopics.get(connectionName)?.some((t) => t.name === topic) ?? false;
    if (!known) {
      this.refreshTopics(connectionName);
      return;
    }
    // Load the new counts first, then redraw the row (loadTopicDetails does).
    cache.topicDetails.delete(topic);
    void this.loadTopicDetails(connectionName, topic);
  }

  /** Reloads the topic list of a cluster (after a topic was created or deleted). */
  refreshTopics(connectionName: string): void {
    const cache = this.caches.get(connectionName);
    const folder = this.nodes.get(`${connectionKey(connectionName)}/topics`);
    if (!cache || !folder) {
      this.refreshConnection(connectionName);
      return;
    }
    cache.topics = undefined;
    cache.topicDetails.clear();
    this.changed.fire(folder);
  }

  /** Retry of a failure row: a fresh connection, then the row that failed loads again. */
  retry(node: FailureNode): void {
    this.connections.reconnect(node.connectionName);
    this.caches.delete(node.connectionName);
    this.changed.fire(node.retryTarget);
  }

  get filter(): string {
    return this.filterText;
  }

  setFilter(text: string): void {
    this.filterText = text.trim();
    this.showFilter();
    this.changed.fire(undefined);
  }

  private showFilter(): void {
    const active = this.filterText !== '';
    void vscode.commands.executeCommand('setContext', FILTER_CONTEXT_KEY, active);
    if (!this.view) return;
    this.view.description = active ? `filter: ${this.filterText}` : undefined;
    this.view.message = active
      ? `Showing topics and consumer groups that match "${this.filterText}". Clear the filter (title bar) to see all.`
      : undefined;
  }

  // ---------------------------------------------------------------- data for commands

  /** The topics of a cluster as last loaded (or loads them): for pickers and checks. */
  async topics(connectionName: string): Promise<TopicSummary[]> {
    const loaded = await this.loadTopics(connectionName);
    if (loaded.state === 'error') throw loaded.error;
    return loaded.value;
  }

  // ---------------------------------------------------------------- TreeDataProvider

  getParent(node: KafkaNode): KafkaNode | undefined {
    return this.parents.get(node.key);
  }

  async getChildren(parent?: KafkaNode): Promise<KafkaNode[]> {
    // The editor lists only expanded rows: from now on this row shows its children.
    if (parent) this.redraws.listed(parent.key);
    const children = await this.childrenOf(parent);
    for (const child of children) this.parents.set(child.key, parent);
    return children;
  }

  private async childrenOf(parent?: KafkaNode): Promise<KafkaNode[]> {
    if (!parent) return this.roots();
    switch (parent.kind) {
      case 'connection': return this.connectionChildren(parent);
      case 'topics': return this.topicRows(parent);
      case 'groups': return this.groupRows(parent);
      case 'topic': return this.partitionRows(parent);
      case 'group': return this.groupPartitionRows(parent);
      case 'schemas':
      case 'subject': return this.schemas.children(parent) as Promise<KafkaNode[]>;
      default: return [];
    }
  }

  private roots(): KafkaNode[] {
    const { value, problems } = this.connections.list();
    const live = new Set(value.map((c) => c.name));
    for (const name of [...this.caches.keys()]) if (!live.has(name)) this.caches.delete(name);
    return [
      ...problems.map((text, i) => this.intern<SettingsProblemNode>({ kind: 'settingsProblem', key: `problem/${i}/${text}`, text })),
      ...value.map((connection) => this.intern<ConnectionNode>({
        kind: 'connection', key: connectionKey(connection.name), connection, row: { kind: 'kafka', name: connection.name },
      })),
    ];
  }

  private async connectionChildren(node: ConnectionNode): Promise<KafkaNode[]> {
    const name = node.connection.name;
    const topics = await this.loadTopics(name);
    // The registry is a server of its own: its folder shows even when the brokers do not answer.
    const schemas = this.schemas.folder(node.key, name);
    if (topics.state === 'error') return [this.failure(name, topics.error, node), schemas];
    return [
      this.intern<TopicsFolderNode>({ kind: 'topics', key: `${node.key}/topics`, connectionName: name }),
      this.intern<GroupsFolderNode>({ kind: 'groups', key: `${node.key}/groups`, connectionName: name }),
      schemas,
    ];
  }

  private async topicRows(folder: TopicsFolderNode): Promise<KafkaNode[]> {
    const name = folder.connectionName;
    const loaded = await this.loadTopics(name);
    if (loaded.state === 'error') return [this.failure(name, loaded.error, folder)];
    if (loaded.value.length === 0) {
      return [this.info(`${folder.key}#empty`, vscode.l10n.t("No topics yet. Create one from this row's context menu, or produce to a new topic."), 'info')];
    }
    const { shown, matching } = listedRows(loaded.value, (t) => t.name, this.filterText, MAX_TOPICS_SHOWN);
    if (matching === 0) {
      return [this.info(`${folder.key}#nomatch`, vscode.l10n.t('No topic matches "{0}".', this.filterText), 'filter')];
    }
    const topicRows = shown.map((topic) => this.intern<TopicNode>({
      kind: 'topic', key: `${folder.key}/${topic.name}`, connectionName: name, topic,
    }));
    const rows: KafkaNode[] = [...topicRows];
    if (matching > shown.length) {
      rows.push(this.info(`${folder.key}#more`, vscode.l10n.t('{0} more topics: use the filter (title bar) to narrow the list.', formatCount(matching - shown.length)), 'ellipsis'));
    }
    this.loadTopicDetailsInBackground(name, topicRows);
    return rows;
  }

  private async groupRows(folder: GroupsFolderNode): Promise<KafkaNode[]> {
    const name = folder.connectionName;
    const loaded = await this.loadGroups(name);
    if (loaded.state === 'error') return [this.failure(name, loaded.error, folder)];
    if (loaded.value.length === 0) {
      return [this.info(`${folder.key}#empty`, vscode.l10n.t('No consumer groups. A group appears once a consumer commits offsets.'), 'info')];
    }
    const { shown, matching } = listedRows(loaded.value, (g) => g.groupId, this.filterText, MAX_TOPICS_SHOWN);
    if (matching === 0) return [this.info(`${folder.key}#nomatch`, vscode.l10n.t('No consumer group matches "{0}".', this.filterText), 'filter')];
    const groupRows = shown.map((group) => this.intern<GroupNode>({
      kind: 'group', key: `${folder.key}/${group.groupId}`, connectionName: name, group,
    }));
    const rows: KafkaNode[] = [...groupRows];
    if (matching > shown.length) {
      rows.push(this.info(`${folder.key}#more`, vscode.l10n.t('{0} more consumer groups: use the filter (title bar) to narrow the list.', formatCount(matching - shown.length)), 'ellipsis'));
    }
    this.loadGroupDetailsInBackground(name, groupRows);
    return rows;
  }

  private async partitionRows(node: TopicNode): Promise<KafkaNode[]> {
    const [details, subjects] = await Promise.all([
      this.loadTopicDetails(node.connectionName, node.topic.name),
      this.schemas.topicSubjectRows(node.connectionName, node.key, node.topic.name) as Promise<KafkaNode[]>,
    ]);
    if (details.state === 'error') return [...subjects, this.failure(node.connectionName, details.error, node)];
    return [...subjects, ...details.value.partitionInfo.map((info) => this.intern<PartitionNode>({
      kind: 'partition', key: `${node.key}/${info.partition}`, connectionName: node.connectionName, topic: node.topic.name, info,
    }))];
  }

  private async groupPartitionRows(node: GroupNode): Promise<KafkaNode[]> {
    const details = await this.loadGroupDetails(node.connectionName, node.group.groupId);
    if (details.state === 'error') return [this.failure(node.connectionName, details.error, node)];
    if (details.value.partitions.length === 0) {
      return [this.info(`${node.key}#none`, vscode.l10n.t('This group has committed no offsets.'), 'info')];
    }
    return details.value.partitions.map((lag) => this.intern<GroupPartitionNode>({
      kind: 'groupPartition', key: `${node.key}/${lag.topic}/${lag.partition}`, connectionName: node.connectionName, groupId: node.group.groupId, lag,
    }));
  }

  // ---------------------------------------------------------------- loading

  private cache(name: string): ClusterCache {
    let cache = this.caches.get(name);
    if (!cache) {
      cache = { topicDetails: new Map(), groupDetails: new Map(), pending: new Set() };
      this.caches.set(name, cache);
    }
    return cache;
  }

  /** Calls the service with a bound on the time it may take; never rejects. */
  private async call<T>(name: string, what: string, run: (service: KafkaApi) => Promise<T>): Promise<Loaded<T>> {
    const connection = this.connections.find(name);
    const where = connection ? `Kafka at ${connection.brokers.join(', ')}` : `Kafka connection "${name}"`;
    try {
      const value = await withTimeout(
        this.connections.service(name).then(run),
        this.timeoutMs() + TIMEOUT_MARGIN_MS,
        `${where} (${what})`,
      );
      return { state: 'ok', value };
    } catch (error) {
      this.log.warn(`${name}: ${what} failed: ${describeError(error)}`);
      return { state: 'error', error };
    }
  }

  private loadTopics(name: string): Promise<Loaded<TopicSummary[]>> {
    const cache = this.cache(name);
    if (!cache.topics) {
      const showInternal = this.showInternalTopics();
      cache.topics = this.call(name, 'listing topics', (s) => s.listTopics()).then((loaded) => {
        this.setStatus(name, loaded.state);
        // A failure is kept (so a redraw does not knock again) until Retry or Refresh drops the cache.
        if (loaded.state === 'error') return loaded;
        const sorted = loaded.value
          .filter((t) => showInternal || !t.internal)
          .sort((a, b) => compareNames(a.name, b.name));
        if (this.caches.get(name) === cache) {
          const before = this.loadedTopics.get(name)?.length;
          this.loadedTopics.set(name, sorted);
          // The Topics row shows the count: redraw it once this load has returned.
          if (before !== undefined && before !== sorted.length) this.redrawLater(`${connectionKey(name)}/topics`);
        }
        return { state: 'ok', value: sorted };
      });
    }
    return cache.topics;
  }

  private loadGroups(name: string): Promise<Loaded<GroupSummary[]>> {
    const cache = this.cache(name);
    if (!cache.groups) {
      cache.groups = this.call(name, 'listing consumer groups', (s) => s.listGroups()).then((loaded) => {
        if (loaded.state === 'error') return loaded;
        return { state: 'ok', value: [...loaded.value].sort((a, b) => compareNames(a.groupId, b.groupId)) };
      });
    }
    return cache.groups;
  }

  private async loadTopicDetails(name: string, topic: string): Promise<Loaded<TopicDetails>> {
    const cache = this.cache(name);
    const known = cache.topicDetails.get(topic);
    if (known?.state === 'ok') return known;
    const loaded = await this.call(name, `describing topic ${topic}`, (s) => s.describeTopic(topic));
    if (this.caches.get(name) === cache) {
      cache.topicDetails.set(topic, loaded);
      // The topic's row shows the message count: redraw it now that it is known.
      this.redrawLater(`${connectionKey(name)}/topics/${topic}`);
    }
    return loaded;
  }

  private async loadGroupDetails(name: string, groupId: string): Promise<Loaded<GroupDetails>> {
    const cache = this.cache(name);
    const known = cache.groupDetails.get(groupId);
    if (known?.state === 'ok') return known;
    const loaded = await this.call(name, `describing group ${groupId}`, (s) => s.describeGroup(groupId));
    if (this.caches.get(name) === cache) {
      cache.groupDetails.set(groupId, loaded);
      this.redrawLater(`${connectionKey(name)}/groups/${groupId}`);
    }
    return loaded;
  }

  /** Loads the details of the rows not known yet in one batched call, then redraws them at once. */
  private loadTopicDetailsInBackground(name: string, rows: TopicNode[]): void {
    const cache = this.cache(name);
    const wanted = rows.filter((row) => !cache.topicDetails.has(row.topic.name) && !cache.pending.has(`t:${row.topic.name}`));
    if (wanted.length === 0) return;
    for (const row of wanted) cache.pending.add(`t:${row.topic.name}`);
    void this.call(name, `describing ${plural(wanted.length, 'topic')}`, (s) => s.describeTopics(wanted.map((row) => row.topic.name))).then((loaded) => {
      for (const row of wanted) cache.pending.delete(`t:${row.topic.name}`);
      if (this.caches.get(name) !== cache) return;
      for (const row of wanted) cache.topicDetails.set(row.topic.name, entryOf(loaded, row.topic.name, `topic ${row.topic.name}`));
      this.redrawRowsLater(wanted.map((row) => row.key));
    });
  }

  /** Loads the offsets and lags of the rows not known yet in one batched call, then redraws them at once. */
  private loadGroupDetailsInBackground(name: string, rows: GroupNode[]): void {
    const cache = this.cache(name);
    const wanted = rows.filter((row) => !cache.groupDetails.has(row.group.groupId) && !cache.pending.has(`g:${row.group.groupId}`));
    if (wanted.length === 0) return;
    for (const row of wanted) cache.pending.add(`g:${row.group.groupId}`);
    void this.call(name, `describing ${plural(wanted.length, 'consumer group')}`, (s) => s.describeGroups(wanted.map((row) => row.group.groupId))).then((loaded) => {
      for (const row of wanted) cache.pending.delete(`g:${row.group.groupId}`);
      if (this.caches.get(name) !== cache) return;
      for (const row of wanted) cache.groupDetails.set(row.group.groupId, entryOf(loaded, row.group.groupId, `consumer group ${row.group.groupId}`));
      this.redrawRowsLater(wanted.map((row) => row.key));
    });
  }

  /**
   * Remembers whether the cluster answered, for the connection row's icon. It survives
   * refreshes, so a reload that ends as before redraws nothing; a change redraws the row
   * after the current load has returned, or, when the row is expanded (its topics were loaded
   * to list its children), once it is collapsed: see RowRedraws.
   */
  private setStatus(name: string, state: 'ok' | 'error'): void {
    if (this.statuses.get(name) === state) return;
    this.statuses.set(name, state);
    this.redrawLater(connectionKey(name));
  }

  /**
   * Redraws a row with what a background load learned, after the current load has returned; a
   * row that shows its children is redrawn only once collapsed (see RowRedraws: redrawing it
   * now would leave the editor drawing rows the view no longer knows).
   */
  private redrawLater(key: string): void {
    this.redrawRowsLater([key]);
  }

  /** Redraws several rows with one event, after the current load has returned (rows showing their children: once collapsed). */
  private redrawRowsLater(keys: readonly string[]): void {
    setTimeout(() => {
      const nodes = this.redraws.take(keys).map((key) => this.nodes.get(key)).filter((node): node is KafkaNode => node !== undefined);
      if (nodes.length > 0) this.changed.fire(nodes);
    }, 0);
  }

  // ---------------------------------------------------------------- rows

  /** Returns the one object of this key, updated with the new fields. */
  private intern<T extends KafkaNode>(fresh: T): T {
    const existing = this.nodes.get(fresh.key);
    if (existing && existing.kind === fresh.kind) {
      Object.assign(existing, fresh);
      return existing as T;
    }
    this.nodes.set(fresh.key, fresh);
    return fresh;
  }

  private failure(connectionName: string, error: unknown, retryTarget: KafkaNode): FailureNode {
    return this.intern<FailureNode>({
      kind: 'failure',
      key: `${retryTarget.key}#failure`,
      connectionName,
      message: userMessage(error),
      actions: error instanceof WorkbenchError ? error.actions : [],
      retryTarget,
    });
  }

  private info(key: string, text: string, icon: string): InfoNode {
    return this.intern<InfoNode>({ kind: 'info', key, text, icon });
  }

  getTreeItem(node: KafkaNode): vscode.TreeItem {
    switch (node.kind) {
      case 'settingsProblem': return settingsProblemItem(node.text);
      case 'connection': return this.connectionItem(node);
      case 'failure': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.id = node.key;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        item.tooltip = new vscode.MarkdownString().appendText(node.message).appendMarkdown('\n\n*Retry* reconnects and loads again.');
        item.contextValue = 'kafkaFailure';
        const commandAction = node.actions.find((a): a is Exclude<ErrorAction, string> => typeof a !== 'string');
        item.command = commandAction
          ? { title: commandAction.title, command: commandAction.command, arguments: [...(commandAction.args ?? [])] }
          : { title: vscode.l10n.t('Retry'), command: CommandId.retryKafkaConnection, arguments: [node] };
        return item;
      }
      case 'topics': return this.topicsFolderItem(node);
      case 'groups': return this.groupsFolderItem(node);
      case 'topic': return this.topicItem(node);
      case 'partition': return this.partitionItem(node);
      case 'group': return this.groupItem(node);
      case 'groupPartition': return this.groupPartitionItem(node);
      case 'schemas':
      case 'subject':
      case 'schemaVersion':
      case 'schemaProblem': return this.schemas.item(node);
      case 'info': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = node.key;
        item.iconPath = new vscode.ThemeIcon(node.icon, new vscode.ThemeColor('descriptionForeground'));
        item.tooltip = node.tooltip ?? node.text;
        item.contextValue = 'kafkaInfo';
        return item;
      }
    }
  }

  private connectionItem(node: ConnectionNode): vscode.TreeItem {
    const { connection } = node;
    const item = new vscode.TreeItem(connection.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.key;
    const status = this.statuses.get(connection.name) ?? 'unknown';
    item.description = connection.brokers.join(', ');
    const security = `${connection.ssl ? 'TLS' : 'plaintext'}${connection.saslMechanism === 'none' ? '' : `, SASL ${connection.saslMechanism} as ${connection.saslUsername ?? '?'}`}`;
    item.tooltip = new vscode.MarkdownString()
      .appendMarkdown(`**${escapeMd(connection.name)}**\n\n`)
      .appendText(`Brokers: ${connection.brokers.join(', ')}\nSecurity: ${security}`)
      .appendText(status === 'error' ? '\nLast attempt to connect failed.' : status === 'ok' ? '\nConnected.' : '');
    item.iconPath = status === 'error'
      ? new vscode.ThemeIcon('server', new vscode.ThemeColor('errorForeground'))
      : status === 'ok'
        ? new vscode.ThemeIcon('server', new vscode.ThemeColor('testing.iconPassed'))
        : new vscode.ThemeIcon('server');
    item.contextValue = 'connection.kafka';
    return item;
  }

  private topicsFolderItem(node: TopicsFolderNode): vscode.TreeItem {
    const item = new vscode.TreeItem(vscode.l10n.t('Topics'), vscode.TreeItemCollapsibleState.Expanded);
    item.id = node.key;
    item.iconPath = new vscode.ThemeIcon('list-unordered', new vscode.ThemeColor('charts.blue'));
    const topics = this.peekTopics(node.connectionName);
    if (topics) {
      const passes = nameFilter(this.filterText);
      const matching = topics.filter((t) => passes(t.name)).length;
      item.description = this.filterText === '' ? plural(topics.length, 'topic') : `${formatCount(matching)} of ${plural(topics.length, 'topic')}`;
    }
    item.contextValue = 'kafkaTopics';
    return item;
  }

  private groupsFolderItem(node: GroupsFolderNode): vscode.TreeItem {
    const item = new vscode.TreeItem(vscode.l10n.t('Consumer Groups'), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.key;
    item.iconPath = new vscode.ThemeIcon('organization', new vscode.ThemeColor('charts.purple'));
    item.contextValue = 'kafkaGroups';
    return item;
  }

  /** Topics already loaded (no waiting), for descriptions. */
  private peekTopics(name: string): TopicSummary[] | undefined {
    return this.loadedTopics.get(name);
  }

  private topicItem(node: TopicNode): vscode.TreeItem {
    const { topic } = node;
    const details = this.caches.get(node.connectionName)?.topicDetails.get(topic.name);
    const text = topicRowText(topic, details?.state === 'ok' ? details.value : undefined, details?.state === 'error' ? details.error : undefined);
    const item = new vscode.TreeItem(text.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.key;
    item.description = text.description;
    item.tooltip = new vscode.MarkdownString().appendMarkdown(`**${escapeMd(text.title)}**\n\n`).appendText(text.tooltip);
    const mark = replicaHealthIcon(text.health);
    item.iconPath = mark
      ? new vscode.ThemeIcon(mark.icon, new vscode.ThemeColor(mark.color))
      : new vscode.ThemeIcon('symbol-event', new vscode.ThemeColor('charts.blue'));
    item.contextValue = topic.internal ? 'kafkaTopic.internal' : 'kafkaTopic';
    return item;
  }

  private partitionItem(node: PartitionNode): vscode.TreeItem {
    const { info } = node;
    const item = new vscode.TreeItem(`Partition ${info.partition}`, vscode.TreeItemCollapsibleState.None);
    item.id = node.key;
    const health = partitionReplicaHealth(info);
    const leader = info.leader >= 0 ? `leader ${info.leader}` : 'no leader';
    const offsets = health.health === 'offline' ? [`replicas ${info.replicas.join(', ')}`] : [`offsets ${formatCount(info.low)}–${formatCount(info.high)}`, plural(info.messages, 'msg')];
    item.description = [health.health === 'offline' ? health.mark : leader, ...(health.health === 'underReplicated' ? [health.mark] : []), ...offsets].join(' · ');
    item.tooltip = new vscode.MarkdownString()
      .appendMarkdown(`**${escapeMd(node.topic)} / partition ${info.partition}**\n\n`)
      .appendText(`Leader: ${info.leader >= 0 ? `broker ${info.leader}` : 'none (offline)'}\nReplicas: ${info.replicas.join(', ')}\nIn sync: ${info.isr.join(', ')}\n${health.explanation}\n`)
      .appendText(health.health === 'offline'
        ? vscode.l10n.t('Offsets: unknown while the partition has no leader')
        : `Start offset (low): ${formatCount(info.low)}\nEnd offset (high): ${formatCount(info.high)}\nMessages (estimate): ${formatCount(info.messages)}`);
    const mark = replicaHealthIcon(health.health);
    item.iconPath = mark
      ? new vscode.ThemeIcon(mark.icon, new vscode.ThemeColor(mark.color))
      : new vscode.ThemeIcon('symbol-array', new vscode.ThemeColor('descriptionForeground'));
    item.contextValue = 'kafkaPartition';
    return item;
  }

  private groupItem(node: GroupNode): vscode.TreeItem {
    const { group } = node;
    const details = this.caches.get(node.connectionName)?.groupDetails.get(group.groupId);
    const text = groupRowText(group, details?.state === 'ok' ? details.value : undefined);
    const item = new vscode.TreeItem(text.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.key;
    const { icon, color } = groupStateIcon(group.state);
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.description = text.description;
    item.tooltip = new vscode.MarkdownString().appendMarkdown(`**${escapeMd(text.title)}**\n\n`).appendText(text.tooltip);
    item.contextValue = groupCanReset(group.state) ? 'kafkaGroup.stopped' : 'kafkaGroup.active';
    return item;
  }

  private groupPartitionItem(node: GroupPartitionNode): vscode.TreeItem {
    const { lag } = node;
    const item = new vscode.TreeItem(`${lag.topic} / ${lag.partition}`, vscode.TreeItemCollapsibleState.None);
    item.id = node.key;
    const { text, behind } = lagText(lag.lag);
    item.description = vscode.l10n.t('committed {0} · end {1} · {2}', lag.committed === null ? vscode.l10n.t('none') : formatCount(lag.committed), formatCount(lag.high), text);
    item.tooltip = [
      vscode.l10n.t('{0}, partition {1}', lag.topic, lag.partition),
      vscode.l10n.t('Committed offset: {0}', lag.committed === null ? vscode.l10n.t('none (the group has not committed here)') : formatCount(lag.committed)),
      vscode.l10n.t('End offset: {0}', formatCount(lag.high)),
      vscode.l10n.t('Lag: {0}', formatCount(lag.lag)),
    ].join('\n');
    item.iconPath = new vscode.ThemeIcon(behind ? 'arrow-down' : 'check', new vscode.ThemeColor(behind ? 'charts.orange' : 'testing.iconPassed'));
    item.contextValue = 'kafkaGroupPartition';
    return item;
  }
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
