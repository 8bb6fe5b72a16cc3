/**
 * The Schemas rows of the Kafka view: under each connection a "Schemas" folder (its registry's
 * subjects, each with type, latest version and compatibility level, and its versions below),
 * and under each topic the subjects that belong to it. Registry answers are kept per connection
 * until a refresh; a registry that fails shows the reason on the folder's row with its next
 * step, and never keeps the topics or groups from showing.
 */
import * as vscode from 'vscode';
import type { SchemaRegistries } from '../../config/schemaRegistries';
import { setUpRegistryAction } from '../../config/schemaRegistries';
import { listedRows, formatCount, MAX_TOPICS_SHOWN, plural } from '../../kafka/presentation';
import { schemaTypeLabel, subjectDescription, subjectsOfTopic, type SubjectSummary, type TopicSubject } from '../../schemas/presentation';
import type { CompatibilityLevel } from '../../schemas/registryClient';
import { loadSubjectSummaries } from '../../schemas/subjects';
import { CommandId } from '../../shared/commandIds';
import { describeError, userMessage, WorkbenchError, type ErrorAction } from '../../shared/errors';
import type { Logger } from '../../shared/logger';

interface Base { readonly key: string }
/** `row` lets Edit Connection and Test Connection act on the connection's registry. */
export interface SchemasFolderNode extends Base { kind: 'schemas'; connectionName: string; row: { kind: 'schemaRegistry'; name: string } }
export interface SubjectNode extends Base { kind: 'subject'; connectionName: string; subject: string; topicSubject?: TopicSubject }
export interface SchemaVersionNode extends Base { kind: 'schemaVersion'; connectionName: string; subject: string; version: number }
export interface SchemaProblemNode extends Base { kind: 'schemaProblem'; connectionName: string; message: string; actions: readonly ErrorAction[] }

export type SchemaNode = SchemasFolderNode | SubjectNode | SchemaVersionNode | SchemaProblemNode;

type Loaded<T> = { state: 'ok'; value: T } | { state: 'error'; error: unknown };

interface RegistryCache {
  subjects?: Promise<Loaded<string[]>>;
  globalLevel?: CompatibilityLevel;
  summaries: Map<string, Loaded<SubjectSummary>>;
  versions: Map<string, Promise<Loaded<number[]>>>;
  pending: Set<string>;
}

/** What the rows need from the Kafka tree that holds them. */
export interface SchemaRowsHost {
  intern<T extends SchemaNode>(node: T): T;
  redraw(keys: readonly string[]): void;
  info(key: string, text: string, icon: string): Base;
  filter(): string;
  timeoutMs(): number;
}

export class SchemaRows {
  private readonly caches = new Map<string, RegistryCache>();
  /**
   * Subjects seen on a topic's messages, by "<connection>\n<topic>": under RecordNameStrategy a
   * subject is the record's name and says nothing about the topic, so only the messages tell.
   * Kept across refreshes (what was read stays true); see noteSubjectsOnTopic.
   */
  private readonly seenOnTopics = new Map<string, Set<string>>();

  constructor(private readonly registries: SchemaRegistries, private readonly log: Logger, private readonly host: SchemaRowsHost) {}

  /** Drops what is known of one connection's registry (or all). */
  forget(connectionName?: string): void {
    if (connectionName === undefined) this.caches.clear();
    else this.caches.delete(connectionName);
  }

  /**
   * Records the subjects of the schema ids found on a topic's messages (the inspector and the
   * producer know them: GET /schemas/ids/{id}/versions). The topic's row shows them from then
   * on, marked RecordNameStrategy when their name does not say the topic.
   */
  noteSubjectsOnTopic(connectionName: string, topic: string, subjects: readonly string[]): void {
    const key = `${connectionName}\n${topic}`;
    const seen = this.seenOnTopics.get(key) ?? new Set<string>();
    const before = seen.size;
    for (const subject of subjects) seen.add(subject);
    this.seenOnTopics.set(key, seen);
    if (seen.size !== before) this.host.redraw([`kafka/${connectionName}/topics/${topic}`]);
  }

  /** Drops one subject's versions and summary (after a register or delete). */
  forgetSubject(connectionName: string, subject: string): void {
    const cache = this.caches.get(connectionName);
    if (!cache) return;
    cache.subjects = undefined;
    cache.summaries.delete(subject);
    cache.versions.delete(subject);
  }

  folder(connectionKey: string, connectionName: string): SchemasFolderNode {
    return this.host.intern<SchemasFolderNode>({ kind: 'schemas', key: `${connectionKey}/schemas`, connectionName, row: { kind: 'schemaRegistry', name: connectionName } });
  }

  // ---------------------------------------------------------------- children

  async children(node: SchemaNode): Promise<Base[]> {
    switch (node.kind) {
      case 'schemas': return this.subjectRows(node);
      case 'subject': return this.versionRows(node);
      default: return [];
    }
  }

  /** The subject rows under a topic, before its partitions; a registry failure is one row, not a failed topic. */
  async topicSubjectRows(connectionName: string, topicKey: string, topic: string): Promise<Base[]> {
    if (!this.registries.registryOf(connectionName)) return [];
    const loaded = await this.loadSubjects(connectionName);
    if (loaded.state === 'error') return [this.problem(connectionName, `${topicKey}#subjects`, loaded.error, 'Subjects unknown: ')];
    const seen = [...this.seenOnTopics.get(`${connectionName}\n${topic}`) ?? []].filter((subject) => loaded.value.includes(subject));
    const found = subjectsOfTopic(topic, loaded.value, seen);
    const rows = found.map((topicSubject) => this.host.intern<SubjectNode>({
      kind: 'subject', key: `${topicKey}#subject/${topicSubject.subject}`, connectionName, subject: topicSubject.subject, topicSubject,
    }));
    this.loadSummariesInBackground(connectionName, rows);
    return rows;
  }

  private async subjectRows(folder: SchemasFolderNode): Promise<Base[]> {
    const name = folder.connectionName;
    if (!this.registries.registryOf(name)) return [];
    const loaded = await this.loadSubjects(name);
    if (loaded.state === 'error') return [this.problem(name, `${folder.key}#failure`, loaded.error, '')];
    if (loaded.value.length === 0) {
      return [this.host.info(`${folder.key}#empty`, vscode.l10n.t('No subjects yet. Open an .avsc, .proto or .json schema and register it from this row.'), 'info')];
    }
    const filter = this.host.filter();
    const { shown, matching } = listedRows(loaded.value, (s) => s, filter, MAX_TOPICS_SHOWN);
    if (matching === 0) return [this.host.info(`${folder.key}#nomatch`, vscode.l10n.t('No subject matches "{0}".', filter), 'filter')];
    const rows: Base[] = shown.map((subject) => this.host.intern<SubjectNode>({ kind: 'subject', key: `${folder.key}/${subject}`, connectionName: name, subject }));
    if (matching > shown.length) rows.push(this.host.info(`${folder.key}#more`, vscode.l10n.t('{0} more subjects: use the filter (title bar) to narrow the list.', formatCount(matching - shown.length)), 'ellipsis'));
    this.loadSummariesInBackground(name, rows.filter((r): r is SubjectNode => (r as SchemaNode).kind === 'subject'));
    return rows;
  }

  private async versionRows(node: SubjectNode): Promise<Base[]> {
    const loaded = await this.loadVersions(node.connectionName, node.subject);
    if (loaded.state === 'error') return [this.problem(node.connectionName, `${node.key}#failure`, loaded.error, '')];
    return [...loaded.value].reverse().map((version) => this.host.intern<SchemaVersionNode>({
      kind: 'schemaVersion', key: `${node.key}/v${version}`, connectionName: node.connectionName, subject: node.subject, version,
    }));
  }

  private problem(connectionName: string, key: string, error: unknown, prefix: string): SchemaProblemNode {
    return this.host.intern<SchemaProblemNode>({
      kind: 'schemaProblem', key, connectionName, message: `${prefix}${userMessage(error)}`, actions: error instanceof WorkbenchError ? error.actions : [],
    });
  }

  // ---------------------------------------------------------------- loading

  private cache(name: string): RegistryCache {
    let cache = this.caches.get(name);
    if (!cache) {
      cache = { summaries: new Map(), versions: new Map(), pending: new Set() };
      this.caches.set(name, cache);
    }
    return cache;
  }

  /** Runs a registry call; never rejects. */
  private async call<T>(name: string, what: string, run: () => Promise<T>): Promise<Loaded<T>> {
    try {
      return { state: 'ok', value: await run() };
    } catch (error) {
      this.log.warn(`${name}: ${what} failed: ${describeError(error)}`);
      return { state: 'error', error };
    }
  }

  /** The subject names of a connection's registry, sorted (cached until a refresh). */
  loadSubjects(name: string): Promise<Loaded<string[]>> {
    const cache = this.cache(name);
    cache.subjects ??= this.call(name, 'listing subjects', async () => {
      const client = await this.registries.client(name);
      return [...await client.listSubjects()].sort((a, b) => a.localeCompare(b));
    });
    return cache.subjects;
  }

  private loadVersions(name: string, subject: string): Promise<Loaded<number[]>> {
    const cache = this.cache(name);
    let versions = cache.versions.get(subject);
    if (!versions) {
      versions = this.call(name, `listing the versions of ${subject}`, async () => (await this.registries.client(name)).listVersions(subject));
      cache.versions.set(subject, versions);
    }
    return versions;
  }

  /** Loads type, latest version and level of the rows not known yet, then redraws them at once. */
  private loadSummariesInBackground(name: string, rows: SubjectNode[]): void {
    const cache = this.cache(name);
    const wanted = rows.filter((row) => !cache.summaries.has(row.subject) && !cache.pending.has(row.subject));
    if (wanted.length === 0) return;
    const subjects = [...new Set(wanted.map((row) => row.subject))];
    for (const subject of subjects) cache.pending.add(subject);
    void this.call(name, `reading ${plural(subjects.length, 'subject')}`, async () => loadSubjectSummaries(await this.registries.client(name), subjects)).then((loaded) => {
      for (const subject of subjects) cache.pending.delete(subject);
      if (this.caches.get(name) !== cache) return;
      if (loaded.state === 'error') {
        for (const subject of subjects) cache.summaries.set(subject, loaded);
      } else {
        for (const result of loaded.value) {
          if ('summary' in result) {
            cache.summaries.set(result.subject, { state: 'ok', value: result.summary });
            cache.globalLevel = result.summary.globalLevel;
          } else cache.summaries.set(result.subject, { state: 'error', error: result.error });
        }
      }
      this.host.redraw([...wanted.map((row) => row.key), `kafka/${name}/schemas`]);
    });
  }

  /** The summary of a subject if loaded (no waiting): for commands that offer the current level. */
  summaryOf(name: string, subject: string): SubjectSummary | undefined {
    const loaded = this.caches.get(name)?.summaries.get(subject);
    return loaded?.state === 'ok' ? loaded.value : undefined;
  }

  // ---------------------------------------------------------------- items

  item(node: SchemaNode): vscode.TreeItem {
    switch (node.kind) {
      case 'schemas': return this.folderItem(node);
      case 'subject': return this.subjectItem(node);
      case 'schemaVersion': return this.versionItem(node);
      case 'schemaProblem': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.id = node.key;
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
        item.tooltip = node.message;
        item.contextValue = 'kafkaSchemaProblem';
        const action = node.actions.find((a): a is Exclude<ErrorAction, string> => typeof a !== 'string');
        item.command = action
          ? { title: action.title, command: action.command, arguments: [...(action.args ?? [])] }
          : { title: vscode.l10n.t('Refresh'), command: CommandId.refreshKafkaItem, arguments: [{ kind: 'schemas', key: `kafka/${node.connectionName}/schemas`, connectionName: node.connectionName }] };
        return item;
      }
    }
  }

  private folderItem(node: SchemasFolderNode): vscode.TreeItem {
    const registry = this.registries.registryOf(node.connectionName);
    const item = new vscode.TreeItem(vscode.l10n.t('Schemas'), registry ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = node.key;
    item.iconPath = new vscode.ThemeIcon('symbol-structure', new vscode.ThemeColor('charts.green'));
    if (!registry) {
      item.description = vscode.l10n.t('no registry · click to set one up');
      item.tooltip = vscode.l10n.t('This Kafka connection has no schema registry. Set one up: its URL (Confluent, Karapace, or Apicurio\'s /apis/ccompat/v7) and how to sign in.');
      const action = setUpRegistryAction(node.connectionName) as Exclude<ErrorAction, string>;
      item.command = { title: action.title, command: action.command, arguments: [...(action.args ?? [])] };
      item.contextValue = 'kafkaSchemas.unset';
      return item;
    }
    const cache = this.caches.get(node.connectionName);
    const parts = [registry.url];
    if (cache?.globalLevel) parts.push(cache.globalLevel);
    item.description = parts.join(' · ');
    item.tooltip = new vscode.MarkdownString().appendText(`Schema registry: ${registry.url}\nSign-in: ${registry.auth === 'none' ? 'none' : registry.auth === 'basic' ? `basic, as ${registry.username ?? '?'}` : 'bearer token'}`)
      .appendText(cache?.globalLevel ? `\nGlobal compatibility: ${cache.globalLevel}` : '');
    item.contextValue = 'kafkaSchemas';
    return item;
  }

  private subjectItem(node: SubjectNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.subject, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.key;
    const loaded = this.caches.get(node.connectionName)?.summaries.get(node.subject);
    const strategy = node.topicSubject ? `${node.topicSubject.part ? `${node.topicSubject.part} · ` : ''}${node.topicSubject.strategy}` : undefined;
    const tooltip: string[] = [node.subject];
    if (loaded?.state === 'ok') {
      item.description = strategy ? `${subjectDescription(loaded.value)} · ${strategy}` : subjectDescription(loaded.value);
      tooltip.push(`${schemaTypeLabel(loaded.value.schemaType)}, ${plural(loaded.value.versions, 'version')}, latest v${loaded.value.latestVersion} (schema id ${loaded.value.latestId})`,
        `Compatibility: ${loaded.value.ownLevel ?? `${loaded.value.globalLevel} (the global level)`}`);
    } else if (loaded?.state === 'error') {
      item.description = userMessage(loaded.error);
      tooltip.push(userMessage(loaded.error));
    } else if (strategy) item.description = strategy;
    if (strategy) tooltip.push(`Subject of this topic by ${node.topicSubject?.strategy ?? ''}`);
    item.tooltip = tooltip.join('\n');
    item.iconPath = new vscode.ThemeIcon(loaded?.state === 'error' ? 'warning' : 'symbol-class', new vscode.ThemeColor(loaded?.state === 'error' ? 'list.warningForeground' : 'charts.green'));
    item.contextValue = 'kafkaSubject';
    return item;
  }

  private versionItem(node: SchemaVersionNode): vscode.TreeItem {
    const item = new vscode.TreeItem(`v${node.version}`, vscode.TreeItemCollapsibleState.None);
    item.id = node.key;
    const summary = this.summaryOf(node.connectionName, node.subject);
    if (summary?.latestVersion === node.version) item.description = vscode.l10n.t('latest · id {0}', summary.latestId);
    item.tooltip = vscode.l10n.t('{0} version {1}: click to open it read-only', node.subject, node.version);
    item.iconPath = new vscode.ThemeIcon('versions', new vscode.ThemeColor('descriptionForeground'));
    item.contextValue = 'kafkaSchemaVersion';
    item.command = { title: vscode.l10n.t('Open Schema Version'), command: CommandId.openSchemaVersion, arguments: [node] };
    return item;
  }
}
