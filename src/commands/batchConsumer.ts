/**
 * Start Batch Consumer and Produce and Run. The first picks topics (pre-selecting the topic
 * the command came from), batch size and max messages, triggers kafka_batch_consumer, follows
 * its tasks in a cancellable progress notification and ends with a summary (loaded rows,
 * dataset events, downstream runs and their states) with Open Trace / Show Run, or on failure
 * the failing task's log in an editor. The second produces N generated messages per chosen
 * data type to a topic, runs the consumer for it and opens the batch trace.
 */
import * as vscode from 'vscode';
import type { KafkaApi, KafkaConnections } from '../config/kafkaConnections';
import { settings } from '../config/settings';
import { DATA_TYPES, testDataMessages } from '../kafka/testData';
import type { ProduceMessage } from '../kafka/types';
import { CancelledError, WorkbenchError } from '../shared/errors';
import { taggedLogger } from '../shared/logger';
import { BatchConsumerService, describeSummary, type BatchSummary } from '../trace/batchConsumerService';
import { BATCH_CONSUMER_DAG_ID } from '../trace/traceModel';
import { CommandId } from '../shared/commandIds';
import { ContextKey } from '../shared/contextKeys';
import { markDone } from '../views/contextKeys';
import { registerCommand } from './index';
import type { TraceConnections } from '../config/traceConnections';
import { showTrace, type TraceCommandDeps } from './trace';

export interface BatchConsumerCommandDeps extends TraceCommandDeps {
  kafka: KafkaConnections;
}

export const DEFAULT_EVENTS_TOPIC = 'workbench.events';

/** A Kafka topic row from the Kafka view (or anything with these fields). */
function topicArg(arg: unknown): { connectionName: string; topic: string } | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const node = arg as { kind?: unknown; connectionName?: unknown; topic?: unknown };
  if (node.kind !== 'topic' || typeof node.connectionName !== 'string' || typeof node.topic !== 'object' || node.topic === null) return undefined;
  const name = (node.topic as { name?: unknown }).name;
  return typeof name === 'string' ? { connectionName: node.connectionName, topic: name } : undefined;
}

async function pickKafkaConnection(deps: BatchConsumerCommandDeps, preferred?: string): Promise<{ name: string; service: KafkaApi } | undefined> {
  const names = deps.kafka.list().value.map((c) => c.name);
  let name = preferred ?? (names.length === 1 ? names[0] : undefined);
  if (name === undefined) {
    if (names.length === 0) {
      throw new WorkbenchError(vscode.l10n.t('No Kafka connection is set up. Add one, or connect to the local stack.'), {
        actions: [{ title: vscode.l10n.t('Add Kafka Connection'), command: CommandId.addKafkaConnection }, { title: vscode.l10n.t('Connect to Local Stack'), command: CommandId.connectLocalStack }],
      });
    }
    name = await vscode.window.showQuickPick(names, { title: vscode.l10n.t('Kafka connection'), ignoreFocusOut: true });
    if (name === undefined) return undefined;
  }
  return { name, service: await deps.kafka.service(name) };
}

function wholeNumber(min: number, max: number): (value: string) => string | undefined {
  return (value) => {
    const n = Number(value.trim());
    return /^\d+$/.test(value.trim()) && n >= min && n <= max ? undefined : vscode.l10n.t('A whole number from {0} to {1}.', min, max);
  };
}

async function askNumber(title: string, prompt: string, value: number, min: number, max: number): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({ title, prompt, value: String(value), ignoreFocusOut: true, validateInput: wholeNumber(min, max) });
  return text === undefined ? undefined : Number(text.trim());
}

/** Triggers the consumer for `topics`, follows it with progress, and shows the summary. */
async function runBatchConsumer(
  deps: BatchConsumerCommandDeps,
  connections: TraceConnections,
  conf: { topics: string[]; batchSize?: number; maxMessages?: number },
  then: 'notify' | 'openTrace',
): Promise<BatchSummary> {
  const log = taggedLogger(deps.log, 'batch consumer');
  const [{ client }, store] = await Promise.all([connections.airflowClient(), connections.historyStore()]);
  const trace = await connections.traceService();
  const service = new BatchConsumerService(client, trace, store, log);
  const run = await service.start(conf);
  markDone(ContextKey.batchConsumerStarted);
  const summary = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Batch consumer {0}', run.runId), cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => {
        log.info(`Stopped following run ${run.runId}; it keeps running in Airflow`);
        abort.abort();
      });
      try {
        const result = await service.follow(run.runId, {
          signal: abort.signal,
          onProgress: (current, tasks) => {
            const running = tasks.filter((t) => t.state === 'running').map((t) => t.taskId);
            const done = tasks.filter((t) => t.state === 'success').length;
            progress.report({ message: running.length > 0 ? vscode.l10n.t('{0}: {1}/{2} task(s) done, running {3}', current.state, done, tasks.length, running.join(', ')) : vscode.l10n.t('{0}: {1}/{2} task(s) done', current.state, done, tasks.length) });
          },
        });
        progress.report({ message: vscode.l10n.t('{0}; waiting for the downstream runs to start…', result.run.state) });
        return await service.summarize(result, { signal: abort.signal });
      } finally {
        cancel.dispose();
      }
    },
  );
  const text = describeSummary(summary);
  log.info(text);
  for (const event of summary.events) log.info(`  dataset event #${event.id} on ${event.uri} (${event.count ?? '?'} messages)`);
  for (const r of summary.downstreamRuns) log.info(`  downstream run ${r.dagId} / ${r.runId}: ${r.state}`);
  const openTrace = (): void => { showTrace(deps, connections, { kind: 'batch', dagId: BATCH_CONSUMER_DAG_ID, runId: run.runId }); };
  const showRun = async (): Promise<void> => {
    await vscode.env.openExternal(vscode.Uri.parse(await client.uiUrlForRun(BATCH_CONSUMER_DAG_ID, run.runId)));
  };
  if (summary.failure) {
    const document = await vscode.workspace.openTextDocument({ language: 'log', content: `# ${BATCH_CONSUMER_DAG_ID} / ${run.runId} / ${summary.failure.taskId}\n${summary.failure.log}` });
    await vscode.window.showTextDocument(document, { preview: true });
  }
  if (then === 'openTrace') openTrace();
  const show = summary.run.state === 'success' ? vscode.window.showInformationMessage : vscode.window.showErrorMessage;
  const openTraceButton = vscode.l10n.t('Open Trace');
  const showRunButton = vscode.l10n.t('Show Run');
  show(text, openTraceButton, showRunButton).then(
    async (picked) => {
      if (picked === openTraceButton) openTrace();
      else if (picked === showRunButton) await showRun();
    },
    (error: unknown) => { log.warn(`The summary notification failed: ${String(error)}`); },
  );
  return summary;
}

async function startBatchConsumer(deps: BatchConsumerCommandDeps, connections: TraceConnections, arg: unknown): Promise<void> {
  const from = topicArg(arg);
  const kafka = await pickKafkaConnection(deps, from?.connectionName);
  if (!kafka) return;
  const topics = (await kafka.service.listTopics()).filter((t) => !t.internal).map((t) => t.name).sort();
  const preselected = from?.topic ?? (topics.includes(DEFAULT_EVENTS_TOPIC) ? DEFAULT_EVENTS_TOPIC : undefined);
  const picked = await vscode.window.showQuickPick(
    topics.map((name) => ({ label: name, picked: name === preselected })),
    { title: vscode.l10n.t('Start Batch Consumer: topics to read'), canPickMany: true, ignoreFocusOut: true },
  );
  if (!picked || picked.length === 0) return;
  const batchSize = await askNumber(vscode.l10n.t('Start Batch Consumer: batch size'), vscode.l10n.t('Messages per database transaction and offset commit'), 1000, 1, 100_000);
  if (batchSize === undefined) return;
  const maxMessages = await askNumber(vscode.l10n.t('Start Batch Consumer: max messages'), vscode.l10n.t('Stop after this many messages'), 10_000, 1, 10_000_000);
  if (maxMessages === undefined) return;
  await runBatchConsumer(deps, connections, { topics: picked.map((p) => p.label), batchSize, maxMessages }, 'notify');
}

async function produceAndRun(deps: BatchConsumerCommandDeps, connections: TraceConnections, arg: unknown): Promise<void> {
  const from = topicArg(arg);
  const kafka = await pickKafkaConnection(deps, from?.connectionName);
  if (!kafka) return;
  const types = await vscode.window.showQuickPick(
    DATA_TYPES.map((t) => ({ label: t.id, description: t.label, detail: t.description, picked: t.id === 'order' })),
    { title: vscode.l10n.t('Produce and Run: data types'), canPickMany: true, ignoreFocusOut: true },
  );
  if (!types || types.length === 0) return;
  const count = await askNumber(vscode.l10n.t('Produce and Run: messages'), vscode.l10n.t('Messages to produce per data type'), 10, 1, 100_000);
  if (count === undefined) return;
  const topic = await vscode.window.showInputBox({
    title: vscode.l10n.t('Produce and Run: topic'), prompt: vscode.l10n.t('Topic to produce to; the batch consumer reads it'), value: from?.topic ?? DEFAULT_EVENTS_TOPIC,
    ignoreFocusOut: true, validateInput: (v) => (v.trim() === '' ? 'Give a topic name.' : undefined),
  });
  if (topic === undefined) return;
  // Producing to a missing topic would wait for metadata and fail late (or auto-create it with
  // broker defaults): say so at once and offer to create it.
  const topicName = topic.trim();
  const existing = await kafka.service.listTopics();
  if (!existing.some((t) => t.name === topicName)) {
    throw new WorkbenchError(vscode.l10n.t('Topic "{0}" does not exist on {1}. Create it with Create Topic, then run Produce and Run again.', topicName, kafka.name), {
      actions: [{ title: vscode.l10n.t('Create Topic'), command: CommandId.createTopic }, 'showLog'],
    });
  }
  const messages: ProduceMessage[] = types.flatMap((t) => {
    const type = DATA_TYPES.find((d) => d.id === t.label);
    return type ? testDataMessages(type.id, count) : [];
  });
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Producing {0} message(s) to {1}', messages.length, topic.trim()), cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => { abort.abort(); });
      try {
        return await kafka.service.produce(messages, {
          topic: topic.trim(), signal: abort.signal, idempotent: settings.kafkaIdempotentProducer(),
          onProgress: (p) => { progress.report({ message: vscode.l10n.t('{0}/{1} sent', p.sent, p.total) }); },
        });
      } finally {
        cancel.dispose();
      }
    },
  );
  if (result.cancelled) throw new CancelledError();
  if (result.failed > 0) {
    throw new WorkbenchError(vscode.l10n.t('{0} of {1} message(s) were not written to {2}: {3}. Fix that and try again.', result.failed, messages.length, topic.trim(), result.errors[0]?.message ?? vscode.l10n.t('unknown reason')), { actions: ['retry', 'showLog'] });
  }
  markDone(ContextKey.produced);
  deps.log.info(`[batch consumer] Produced ${result.sent} message(s) to ${topic.trim()} in ${Math.round(result.elapsedMs)} ms`);
  await runBatchConsumer(deps, connections, { topics: [topic.trim()], maxMessages: Math.max(10_000, result.sent * 2) }, 'openTrace');
}

export function registerBatchConsumerCommands(deps: BatchConsumerCommandDeps, connections: TraceConnections): vscode.Disposable[] {
  return [
    registerCommand(deps.log, CommandId.startBatchConsumer, (arg) => startBatchConsumer(deps, connections, arg)),
    registerCommand(deps.log, CommandId.produceAndRun, (arg) => produceAndRun(deps, connections, arg)),
    registerCommand(deps.log, CommandId.startBatchConsumerOnTopic, (arg) => startBatchConsumer(deps, connections, arg)),
    registerCommand(deps.log, CommandId.produceAndRunOnTopic, (arg) => produceAndRun(deps, connections, arg)),
  ];
}
