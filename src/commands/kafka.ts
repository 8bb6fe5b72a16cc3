/**
 * The Kafka commands: the tree's context actions (create and delete topics, reset a stopped
 * group's offsets, copy a name, retry a failed connection, filter), the SASL password prompt,
 * and the entry points of the producer form and the Message Inspector, from the palette, from
 * a topic row, or from a template file's CodeLens.
 */
import * as vscode from 'vscode';
import type { KafkaConnections } from '../config/kafkaConnections';
import type { Secrets } from '../config/secrets';
import { kafkaSecretNeeds } from '../shared/credentials';
import type { OffsetResetTarget } from '../kafka/types';
import { CancelledError, describeError, WorkbenchError } from '../shared/errors';
import { registerInspectorRestorer } from '../panels/inspectorRestore';
import { inspectorPanel, producerPanel } from '../panels/lazy';
import { registerPanelRestorer } from '../panels/panelRestore';
import type { ProducerTarget } from '../panels/producerPanel';
import { PRODUCER_VIEW_TYPE } from '../panels/viewTypes';
import { producerFormOf, producerRestoreTarget } from '../shared/panelState';
import { visibleLabel } from '../shared/visibleText';
import { settings } from '../config/settings';
import type { SchemaRegistries } from '../config/schemaRegistries';
import { taggedLogger } from '../shared/logger';
import { nameList, rowsToActOn } from '../shared/selection';
import { KafkaTemplateCodeLensProvider } from '../views/kafka/templateCodeLens';
import { TemplateSubjectChecks } from '../views/kafka/templateSubjects';
import { produceFromTemplate } from './kafkaTemplates';
import type { KafkaNode, KafkaTreeProvider } from '../views/kafka/kafkaTree';
import {
  formatCount,
  formatTimestamp,
  groupCanReset,
  MAX_PARTITIONS,
  parseRetention,
  parseTimestamp,
  parseWholeNumber,
  plural,
  replicationProblem,
  topicNameProblem,
} from '../kafka/presentation';
import { registerCommand } from './index';
import { CommandId } from '../shared/commandIds';
import { isRecord } from '../shared/guards';
import { pickConnection, pickTopic } from './kafkaPicks';
import { ContextKey } from '../shared/contextKeys';
import { markDone } from '../views/contextKeys';

/** Where the producer form or the inspector should point when it opens. */
export interface TopicTarget {
  connection: string;
  topic?: string;
}

export interface KafkaCommandDeps {
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  secrets: Secrets;
  connections: KafkaConnections;
  tree: KafkaTreeProvider;
  /** The schema registry of each connection, for keys and values in the Confluent wire format. */
  registries: SchemaRegistries;
}

/** What the command handlers use besides the deps: the panel openers. */
interface KafkaActions extends KafkaCommandDeps {
  openProducer: (target: ProducerTarget, restoredPanel?: vscode.WebviewPanel) => void;
  /** `restoredPanel`: the tab VS Code kept across a window reload, to open the inspector in. */
  openInspector: (target: Required<TopicTarget>, restoredPanel?: vscode.WebviewPanel) => Promise<void>;
}

// ---------------------------------------------------------------- arguments from tree rows

/** The node a tree command was run on; the tree passes its own objects. */
function asNode(value: unknown): KafkaNode | undefined {
  return isRecord(value) && typeof value['kind'] === 'string' && typeof value['key'] === 'string' ? (value as unknown as KafkaNode) : undefined;
}

/** The connection name of any Kafka row. */
function connectionOf(node: KafkaNode | undefined): string | undefined {
  if (!node) return undefined;
  if (node.kind === 'connection') return node.connection.name;
  if (node.kind === 'settingsProblem' || node.kind === 'info') return undefined;
  return node.connectionName;
}

// ---------------------------------------------------------------- pickers

async function ask(options: vscode.InputBoxOptions): Promise<string> {
  const value = await vscode.window.showInputBox({ ignoreFocusOut: true, ...options });
  if (value === undefined) throw new CancelledError();
  return value.trim();
}

// ---------------------------------------------------------------- topics

async function createTopic(deps: KafkaActions, preferred?: string): Promise<void> {
  const connection = await pickConnection(deps.connections, preferred);
  const service = await deps.connections.service(connection.name);
  const [existing, cluster] = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Reading {0}', connection.name) },
    () => Promise.all([service.listTopics(), service.describeCluster()]),
  );
  const names = existing.map((t) => t.name);
  const brokers = cluster.brokers.length;
  const step = (n: number): string => vscode.l10n.t('Create Topic on {0} ({1}/{2})', connection.name, n, 4);
  const name = await ask({
    title: step(1),
    prompt: vscode.l10n.t('Topic name (letters, digits, ".", "_" and "-")'),
    validateInput: (v) => topicNameProblem(v, names),
  });
  const partitions = await ask({
    title: step(2),
    prompt: vscode.l10n.t('Number of partitions (1 to {0}); more partitions let more consumers read in parallel', formatCount(MAX_PARTITIONS)),
    value: '3',
    validateInput: (v) => { const r = parseWholeNumber(v, 'The number of partitions', 1, MAX_PARTITIONS); return r.ok ? undefined : r.message; },
  });
  const replication = await ask({
    title: step(3),
    prompt: vscode.l10n.t('Replication factor (1 to {0}: the cluster has {1})', brokers, plural(brokers, 'broker')),
    value: String(Math.min(3, Math.max(1, brokers))),
    validateInput: (v) => replicationProblem(v, brokers),
  });
  const retentionText = await ask({
    title: step(4),
    prompt: vscode.l10n.t('Retention: how long messages are kept, e.g. 7d, 12h, 30m, "forever"; empty for the broker default'),
    placeHolder: vscode.l10n.t('broker default'),
    validateInput: (v) => { const r = parseRetention(v); return r.ok ? undefined : r.message; },
  });
  const retention = parseRetention(retentionText);
  const options = {
    name: name.trim(),
    partitions: Number(partitions.replace(/[_,]/g, '')),
    replicationFactor: Number(replication),
    ...(retention.ok && retention.value !== undefined ? { retentionMs: retention.value } : {}),
  };
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Creating topic {0} on {1}…', options.name, connection.name), cancellable: true },
    async (progress, token) => {
      // Cancel stops waiting for the partitions' leaders (minutes for thousands of partitions on
      // a busy cluster); the broker has the topic by then, so the view is refreshed either way.
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => { abort.abort(); });
      let reported = 0;
      try {
        await service.createTopic({
          ...options,
          signal: abort.signal,
          onLeaders: (led, total) => {
            const percent = Math.floor((100 * led) / total);
            progress.report({ message: vscode.l10n.t('{0} of {1} have a leader', formatCount(led), plural(total, 'partition')), increment: Math.max(0, percent - reported) });
            reported = Math.max(reported, percent);
          },
        });
      } catch (error) {
        if (error instanceof CancelledError) {
          deps.tree.refreshTopics(connection.name);
          void vscode.window.showInformationMessage(vscode.l10n.t("The topic {0} is created; stopped waiting for its partitions' leaders. Refresh the Kafka view in a moment to see them.", options.name));
        }
        throw error;
      } finally {
        cancel.dispose();
      }
    },
  );
  deps.log.info(`Created topic ${options.name} on ${connection.name} (${options.partitions} partitions, replication ${options.replicationFactor})`);
  deps.tree.refreshTopics(connection.name);
  const produce = vscode.l10n.t('Produce Test Messages');
  const inspect = vscode.l10n.t('Open Message Inspector');
  void vscode.window.showInformationMessage(
    vscode.l10n.t('Created the topic {0} with {1}.', options.name, plural(options.partitions, 'partition')), produce, inspect,
  ).then((picked) => {
    if (picked === produce) deps.openProducer({ connection: connection.name, topic: options.name });
    else if (picked === inspect) void deps.openInspector({ connection: connection.name, topic: options.name });
  });
}

type TopicNode = KafkaNode & { kind: 'topic' };
const isTopicNode = (value: unknown): value is TopicNode => asNode(value)?.kind === 'topic';

/**
 * Deletes the topic of the row, or every selected topic when the row is part of a selection
 * (one question naming how many and which; per cluster, with their message counts when known).
 */
async function deleteTopics(deps: KafkaCommandDeps, arg: unknown, selected: unknown): Promise<void> {
  if (!isTopicNode(arg)) return;
  const rows = rowsToActOn(arg, selected, isTopicNode);
  const byConnection = new Map<string, string[]>();
  for (const row of rows) byConnection.set(row.connectionName, [...(byConnection.get(row.connectionName) ?? []), row.topic.name]);
  const services = new Map<string, Awaited<ReturnType<KafkaConnections['service']>>>();
  for (const connection of byConnection.keys()) services.set(connection, await deps.connections.service(connection));
  const [firstConnection = ''] = byConnection.keys();
  const firstTopic = rows[0]?.topic.name ?? '';
  let question: string;
  let detail: string;
  if (rows.length === 1) {
    // The count only adds to the question; without it the question is still right.
    const details = await services.get(firstConnection)?.describeTopic(firstTopic).catch((error: unknown) => {
      deps.log.warn(`Could not count the messages of ${firstTopic} before deleting it: ${describeError(error)}`);
      return undefined;
    });
    question = vscode.l10n.t('Delete the topic "{0}" from {1}?', firstTopic, firstConnection);
    detail = details
      ? vscode.l10n.t('The topic and its {0} will be removed from the cluster for good. Consumers reading it will fail.', plural(details.messageEstimate, 'message'))
      : vscode.l10n.t('The topic will be removed from the cluster for good. Consumers reading it will fail.');
  } else {
    const where = [...byConnection].map(([connection, topics]) => `${connection}: ${nameList(topics, 20)}`);
    question = byConnection.size === 1
      ? vscode.l10n.t('Delete {0} topics from {1}?', rows.length, firstConnection)
      : vscode.l10n.t('Delete {0} topics from {1} clusters?', rows.length, byConnection.size);
    detail = `${where.join('\n')}\n\n${vscode.l10n.t('The topics and their messages will be removed for good. Consumers reading them will fail.')}`;
  }
  const action = rows.length === 1 ? vscode.l10n.t('Delete Topic') : vscode.l10n.t('Delete {0} Topics', rows.length);
  const answer = await vscode.window.showWarningMessage(question, { modal: true, detail }, action);
  if (answer !== action) return;
  const deleted: string[] = [];
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: rows.length === 1 ? vscode.l10n.t('Deleting topic {0}…', firstTopic) : vscode.l10n.t('Deleting {0} topics…', rows.length), cancellable: rows.length > 1 },
      async (progress, token) => {
        for (const [connection, topics] of byConnection) {
          const service = services.get(connection);
          for (const topic of topics) {
            if (token.isCancellationRequested) return;
            progress.report({ message: topic, increment: 100 / rows.length });
            await service?.deleteTopic(topic);
            deps.log.info(`Deleted topic ${topic} on ${connection}`);
            deleted.push(topic);
          }
        }
      },
    );
  } catch (error) {
    if (deleted.length === 0) throw error;
    throw new WorkbenchError(vscode.l10n.t('Deleted {0}, then: {1}', nameList(deleted), describeError(error)), { cause: error, actions: ['showLog'] });
  } finally {
    for (const connection of byConnection.keys()) deps.tree.refreshTopics(connection);
  }
  const left = rows.length - deleted.length;
  void vscode.window.showInformationMessage(
    rows.length === 1
      ? vscode.l10n.t('Deleted the topic {0}.', firstTopic)
      : left > 0 ? vscode.l10n.t('Deleted {0}; stopped before the other {1}.', plural(deleted.length, 'topic'), left) : vscode.l10n.t('Deleted {0}.', plural(deleted.length, 'topic')),
  );
}

// ---------------------------------------------------------------- consumer groups

async function resetGroupOffsets(deps: KafkaCommandDeps, arg: unknown): Promise<void> {
  const node = asNode(arg);
  if (node?.kind !== 'group') return;
  const { connectionName } = node;
  const { groupId } = node.group;
  const service = await deps.connections.service(connectionName);
  const details = await service.describeGroup(groupId);
  if (!groupCanReset(details.state)) {
    throw new WorkbenchError(
      vscode.l10n.t('The group "{0}" is {1} with {2}. Stop its consumers first: Kafka resets the offsets only of a group with no running consumer.', groupId, details.state, plural(details.members.length, 'member')),
      { actions: [{ title: vscode.l10n.t('Refresh'), command: CommandId.refreshKafkaItem, args: [node] }] },
    );
  }
  const topics = [...new Set(details.partitions.map((p) => p.topic))].sort();
  let topic: string;
  if (topics.length === 1 && topics[0] !== undefined) {
    topic = topics[0];
  } else if (topics.length > 1) {
    const picked = await vscode.window.showQuickPick(topics, { title: vscode.l10n.t('Reset Offsets of {0}', groupId), placeHolder: vscode.l10n.t('Which topic?'), ignoreFocusOut: true });
    if (picked === undefined) throw new CancelledError();
    topic = picked;
  } else {
    topic = (await pickTopic(deps.connections, connectionName, vscode.l10n.t('The group {0} has committed nothing yet: which topic should it start on?', groupId))).name;
  }
  const lagNow = details.partitions.filter((p) => p.topic === topic).reduce((sum, p) => sum + BigInt(p.lag), 0n);
  const choice = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('Earliest'), description: vscode.l10n.t('read everything still in the topic again'), target: 'earliest' as const },
      { label: vscode.l10n.t('Latest'), description: vscode.l10n.t('skip every message written so far'), target: 'latest' as const },
      { label: vscode.l10n.t('Timestamp…'), description: vscode.l10n.t('the first message at or after a point in time'), target: 'timestamp' as const },
    ],
    { title: vscode.l10n.t('Reset Offsets of {0} on {1}', groupId, topic), placeHolder: vscode.l10n.t('Where should the group start? (lag now: {0})', formatCount(lagNow.toString())), ignoreFocusOut: true },
  );
  if (!choice) throw new CancelledError();
  let target: OffsetResetTarget;
  let where: string;
  if (choice.target === 'timestamp') {
    const text = await ask({
      title: vscode.l10n.t('Reset Offsets of {0} on {1}', groupId, topic),
      prompt: vscode.l10n.t('Point in time: 2024-05-01 12:00 (local), 2024-05-01T10:00:00Z, milliseconds since 1970, or "2h ago"'),
      value: '1h ago',
      validateInput: (v) => { const r = parseTimestamp(v); return r.ok ? undefined : r.message; },
    });
    const parsed = parseTimestamp(text);
    if (!parsed.ok) throw new WorkbenchError(parsed.message);
    target = { kind: 'timestamp', timestamp: parsed.value };
    where = vscode.l10n.t('the first message at or after {0}', formatTimestamp(parsed.value));
  } else {
    target = { kind: choice.target };
    where = choice.target === 'earliest' ? vscode.l10n.t('the earliest offsets') : vscode.l10n.t('the latest offsets');
  }
  const reset = vscode.l10n.t('Reset Offsets');
  const answer = await vscode.window.showWarningMessage(
    vscode.l10n.t('Reset the offsets of "{0}" on {1} to {2}?', groupId, topic, where),
    { modal: true, detail: vscode.l10n.t('Its consumers will continue from there the next time they start.') },
    reset,
  );
  if (answer !== reset) return;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Resetting {0} on {1}…', groupId, topic) },
    () => service.resetGroupOffsets(groupId, topic, target),
  );
  const summary = result.map((p) => `${p.partition} → ${formatCount(p.offset)}`).join(', ');
  deps.log.info(`Reset ${groupId} on ${topic} to ${where}: ${summary}`);
  deps.tree.refreshNode(node);
  void vscode.window.showInformationMessage(vscode.l10n.t('The group {0} now starts {1} at: {2}.', groupId, topic, summary || vscode.l10n.t('no partitions')));
}

// ---------------------------------------------------------------- small actions

async function copyName(arg: unknown): Promise<void> {
  const node = asNode(arg);
  if (!node) return;
  let text: string | undefined;
  switch (node.kind) {
    case 'connection': text = node.connection.brokers.join(','); break;
    case 'topic': text = node.topic.name; break;
    case 'group': text = node.group.groupId; break;
    case 'partition': text = `${node.topic}:${node.info.partition}`; break;
    case 'groupPartition': text = `${node.lag.topic}:${node.lag.partition}`; break;
    default: text = undefined;
  }
  if (text === undefined) return;
  await vscode.env.clipboard.writeText(text);
  vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', text), 3000);
}

async function filterTree(tree: KafkaTreeProvider): Promise<void> {
  const value = await vscode.window.showInputBox({
    title: vscode.l10n.t('Filter Topics and Consumer Groups'),
    prompt: vscode.l10n.t('Part of a name, or a pattern with * and ?; several terms separated by spaces match any of them. Empty clears the filter.'),
    value: tree.filter,
    placeHolder: vscode.l10n.t('e.g. orders  or  sensor.*'),
  });
  if (value === undefined) return;
  tree.setFilter(value);
}

/**
 * Asks for the secrets a connection needs (SASL password, OAuth token, client key
 * passphrase), naming the target each is bound to, so a password is never typed for a
 * target the user did not mean.
 */
async function enterPassword(deps: KafkaCommandDeps, arg: unknown): Promise<void> {
  const withSecrets = deps.connections.list().value.filter((c) => kafkaSecretNeeds(c).length > 0);
  let connection = typeof arg === 'string' ? withSecrets.find((c) => c.name === arg) : undefined;
  if (!connection) {
    if (withSecrets.length === 0) {
      throw new WorkbenchError(vscode.l10n.t('None of the Kafka connections needs a password, token or key passphrase. Add "saslMechanism" and "saslUsername" (or "clientKeyFile") to a connection in the settings.'), { actions: ['openSettings'] });
    }
    const picked = await vscode.window.showQuickPick(
      withSecrets.map((c) => ({ label: c.name, description: c.brokers.join(', '), detail: kafkaSecretNeeds(c).map((n) => n.what).join(', '), connection: c })),
      { placeHolder: vscode.l10n.t('Which connection?'), ignoreFocusOut: true },
    );
    if (!picked) throw new CancelledError();
    connection = picked.connection;
  }
  for (const need of kafkaSecretNeeds(connection)) {
    const value = await ask({
      title: vscode.l10n.t('{0} for {1}', `${need.what[0]?.toUpperCase() ?? ''}${need.what.slice(1)}`, connection.name),
      prompt: need.optional
        ? vscode.l10n.t("For {0}. Kept in the editor's secret storage, bound to this target, never in the settings. Leave empty if the key is not encrypted.", need.target.description)
        : vscode.l10n.t("For {0}. Kept in the editor's secret storage, bound to this target, never in the settings.", need.target.description),
      password: true,
    });
    if (value === '' && need.optional) {
      await deps.secrets.delete(need.target);
      continue;
    }
    await deps.secrets.store(need.target, value);
    deps.log.info(`Stored a new ${need.what} for "${connection.name}"`);
  }
  deps.connections.reconnect(connection.name);
}

async function openInspectorFromPalette(deps: KafkaActions, arg: unknown): Promise<void> {
  const given = isRecord(arg) && typeof arg['connection'] === 'string' && typeof arg['topic'] === 'string'
    ? { connection: arg['connection'], topic: arg['topic'] }
    : undefined;
  if (given) {
    await deps.openInspector(given);
    return;
  }
  const connection = await pickConnection(deps.connections);
  const topic = await pickTopic(deps.connections, connection.name, 'Which topic should the inspector read?');
  await deps.openInspector({ connection: connection.name, topic: topic.name });
}

/** The producer form and the inspector, opened from commands, tree rows, CodeLens and each other. */
function panelOpeners(deps: KafkaCommandDeps): Pick<KafkaActions, 'openProducer' | 'openInspector'> & { produced: (connection: string, topic: string) => void } {
  const { log, extensionUri, connections, tree, registries } = deps;
  const produced = (connection: string, topic: string): void => {
    tree.topicChanged(connection, topic);
    markDone(ContextKey.produced);
  };
  const openInspector = async ({ connection, topic }: Required<TopicTarget>, restoredPanel?: vscode.WebviewPanel): Promise<void> => {
    await pickConnection(connections, connection);
    const { InspectorPanel, KafkaInspectorSource } = inspectorPanel();
    InspectorPanel.show({ log, extensionUri, openProducer }, {
      key: `kafka/${connection}/${topic}`,
      title: vscode.l10n.t('{0} · Inspector', topic),
      createSource: () => new KafkaInspectorSource({ service: () => connections.service(connection), connection, topic, log: taggedLogger(log, `inspector ${topic}`), maxBytes: settings.kafkaInspectorMemoryBytes(), schemas: () => registries.source(connection, (subjects) => { tree.schemas.noteSubjectsOnTopic(connection, topic, subjects); }) }),
      options: { start: 'beginning', startValue: '', partitions: [], maxMessages: settings.kafkaInspectorMaxMessages(), follow: false },
      autoStart: true,
      connection,
      restore: { kind: 'kafka', connection, topic },
    }, restoredPanel);
  };
  const openProducer = (target: ProducerTarget, restoredPanel?: vscode.WebviewPanel): void => {
    producerPanel().show({ log, extensionUri, connections, registries, openInspector, produced }, target, restoredPanel);
  };
  return { openProducer, openInspector, produced };
}

export function registerKafkaCommands(base: KafkaCommandDeps): { dispose(): unknown }[] {
  const openers = panelOpeners(base);
  const deps: KafkaActions = { ...base, ...openers };
  const { log, tree } = deps;
  const topicOf = (arg: unknown): TopicTarget | undefined => {
    const node = asNode(arg);
    return node?.kind === 'topic' ? { connection: node.connectionName, topic: node.topic.name } : undefined;
  };
  const codeLens = new KafkaTemplateCodeLensProvider();
  const subjectChecks = new TemplateSubjectChecks(deps.registries);
  return [
    // After a window reload: the inspectors of topics and the producer form open again.
    registerInspectorRestorer('kafka', log, async ({ connection, topic }, panel) => {
      if (!deps.connections.find(connection)) {
        throw new WorkbenchError(vscode.l10n.t('This inspector read the topic {0} on the Kafka connection "{1}", which is no longer in the settings. Add the connection again, or open the topic from another connection in the Kafka view.', visibleLabel(topic), visibleLabel(connection)));
      }
      await deps.openInspector({ connection, topic }, panel);
    }),
    registerPanelRestorer(PRODUCER_VIEW_TYPE, 'producer form', log, (panel, state) => {
      deps.openProducer(producerRestoreTarget(producerFormOf(state), deps.connections.list().value.map((c) => c.name)), panel);
    }),
    registerCommand(log, CommandId.produceTestMessages, (arg) => {
      const target: ProducerTarget = {};
      if (isRecord(arg)) {
        if (typeof arg['connection'] === 'string') target.connection = arg['connection'];
        if (typeof arg['topic'] === 'string') target.topic = arg['topic'];
      }
      deps.openProducer(target);
    }),
    registerCommand(log, CommandId.openMessageInspector, (arg) => openInspectorFromPalette(deps, arg)),
    registerCommand(log, CommandId.produceToTopic, (arg) => { deps.openProducer(topicOf(arg) ?? {}); }),
    registerCommand(log, CommandId.inspectTopic, async (arg) => {
      const target = topicOf(arg);
      if (target?.topic !== undefined) await deps.openInspector({ connection: target.connection, topic: target.topic });
    }),
    registerCommand(log, CommandId.createTopic, () => createTopic(deps)),
    registerCommand(log, CommandId.createTopicOnCluster, (arg) => createTopic(deps, connectionOf(asNode(arg)))),
    registerCommand(log, CommandId.deleteTopic, (arg, selected) => deleteTopics(deps, arg, selected)),
    registerCommand(log, CommandId.resetGroupOffsets, (arg) => resetGroupOffsets(deps, arg)),
    registerCommand(log, CommandId.copyKafkaName, (arg) => copyName(arg)),
    registerCommand(log, CommandId.filterKafka, () => filterTree(tree)),
    registerCommand(log, CommandId.clearKafkaFilter, () => { tree.setFilter(''); }),
    registerCommand(log, CommandId.retryKafkaConnection, (arg) => {
      const node = asNode(arg);
      if (node?.kind === 'failure') tree.retry(node);
    }),
    registerCommand(log, CommandId.refreshKafkaItem, (arg) => {
      const node = asNode(arg);
      if (node) tree.refreshNode(node);
      else tree.refresh();
    }),
    registerCommand(log, CommandId.enterKafkaPassword, (arg) => enterPassword(deps, arg)),
    registerCommand(log, CommandId.produceFromTemplate, (...args) => produceFromTemplate({ log, connections: deps.connections, registries: deps.registries, ...openers }, args)),
    ...codeLens.register(),
    ...subjectChecks.register(),
  ];
}
