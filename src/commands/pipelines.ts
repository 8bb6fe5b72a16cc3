/**
 * The Pipelines view's commands: Refresh; Start Pipeline (the pipeline's DAGs one after the
 * other, each followed in a cancellable progress notification like the batch consumer, ending
 * with a summary of what moved, or the failing task's log); Open Stage (the topic in the
 * Message Inspector, the DAG's runs in the DAGs view, the table's newest rows in a read-only
 * document, the Message History view); Show Spark Log; Trace a Message of the pipeline's topic.
 */
import * as vscode from 'vscode';
import type { DagRun } from '../airflow/types';
import type { TraceConnections } from '../config/traceConnections';
import { describePipelineRun } from '../pipelines/pipelineRun';
import { PIPELINES, RECALLS_SPARK_DAG, type PipelineDefinition, type StageDefinition } from '../pipelines/pipelineModel';
import type { PipelineReading } from '../pipelines/pipelineReader';
import type { StackKind } from '../stack/launcher';
import { LOCAL_STACK_NAME } from '../stack/localStack';
import { NATIVE_SERVICES } from '../stack/serviceHealth';
import { BatchConsumerService } from '../trace/batchConsumerService';
import { CommandId, ViewFocusCommandId } from '../shared/commandIds';
import { WorkbenchError } from '../shared/errors';
import { taggedLogger } from '../shared/logger';
import type { PipelineNode, PipelinesTreeProvider } from '../views/pipelines/pipelinesTree';
import { registerCommand } from './index';
import { askCoordinates, showTrace, type TraceCommandDeps } from './trace';

export interface PipelineCommandDeps extends TraceCommandDeps {
  tree: PipelinesTreeProvider;
  /** The active bundled stack's kind: the native stack lists Spark, with its own log. */
  stackKind?: () => Promise<StackKind>;
}

function pipelineOf(arg: unknown): PipelineDefinition | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const node = arg as Partial<PipelineNode>;
  const id = (node as { pipeline?: { id?: unknown } }).pipeline?.id;
  return PIPELINES.find((p) => p.id === id);
}

function stageOf(arg: unknown): { pipeline: PipelineDefinition; stage: StageDefinition } | undefined {
  const pipeline = pipelineOf(arg);
  const id = (arg as { stage?: { stage?: { id?: unknown } } } | undefined)?.stage?.stage?.id;
  const stage = pipeline?.stages.find((s) => s.id === id);
  return pipeline && stage ? { pipeline, stage } : undefined;
}

async function pickPipeline(arg: unknown): Promise<PipelineDefinition | undefined> {
  const given = pipelineOf(arg);
  if (given) return given;
  const picked = await vscode.window.showQuickPick(PIPELINES.map((p) => ({ label: p.label, description: p.dags.join(' → '), detail: p.description, pipeline: p })), { title: vscode.l10n.t('Start Pipeline') });
  return picked?.pipeline;
}

async function readQuietly(deps: PipelineCommandDeps, connections: TraceConnections, pipeline: PipelineDefinition): Promise<PipelineReading | undefined> {
  try {
    return await connections.pipelineReader().read(pipeline);
  } catch (error) {
    deps.log.warn(`Pipelines: reading ${pipeline.id} for the summary failed: ${String(error)}`);
    return undefined;
  }
}

async function startPipeline(deps: PipelineCommandDeps, connections: TraceConnections, arg: unknown): Promise<void> {
  const pipeline = await pickPipeline(arg);
  if (!pipeline) return;
  if (pipeline.dags.length === 1 && pipeline.dags[0] === 'kafka_batch_consumer') {
    // The batch pipeline's own command asks for topics and batch size, then follows and sums up.
    await vscode.commands.executeCommand(CommandId.startBatchConsumer);
    return;
  }
  const log = taggedLogger(deps.log, 'pipelines');
  const [{ client }, store, trace] = await Promise.all([connections.airflowClient(), connections.historyStore(), connections.traceService()]);
  for (const dagId of pipeline.dags) {
    const dag = await client.getDag(dagId);
    if (dag.isPaused) {
      throw new WorkbenchError(vscode.l10n.t('The DAG {0} is paused, so its run would never start. Unpause it in the DAGs view, then start the pipeline again.', dagId), {
        actions: [{ title: vscode.l10n.t('Show in DAGs View'), command: CommandId.revealInDagsTree, args: [undefined, dagId] }],
      });
    }
  }
  const before = await readQuietly(deps, connections, pipeline);
  const runs: DagRun[] = [];
  let failure: { dagId: string; runId: string; taskId: string; log: string } | undefined;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Pipeline {0}', pipeline.label), cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => { log.info(`Stopped following pipeline ${pipeline.id}; its runs keep going in Airflow`); abort.abort(); });
      try {
        for (const [index, dagId] of pipeline.dags.entries()) {
          const service = new BatchConsumerService(client, trace, store, log, dagId);
          const run = await client.trigger(dagId, {});
          log.info(`Started ${dagId} run ${run.runId}`);
          const result = await service.follow(run.runId, {
            signal: abort.signal,
            onProgress: (current, tasks) => {
              const running = tasks.filter((t) => t.state === 'running').map((t) => t.taskId);
              const done = tasks.filter((t) => t.state === 'success').length;
              progress.report({ message: vscode.l10n.t('{0}/{1} {2}: {3}, {4}/{5} task(s) done{6}', index + 1, pipeline.dags.length, dagId, current.state, done, tasks.length, running.length > 0 ? vscode.l10n.t(', running {0}', running.join(', ')) : '') });
            },
          });
          runs.push(result.run);
          void deps.tree.refresh();
          if (result.run.state !== 'success') {
            const failed = await service.failedTaskLog(run.runId, result.tasks);
            if (failed) failure = { dagId, runId: run.runId, ...failed };
            return;
          }
        }
      } finally {
        cancel.dispose();
      }
    },
  );
  const after = await readQuietly(deps, connections, pipeline);
  await deps.tree.refresh();
  const summary = describePipelineRun(pipeline.label, runs, before, after, pipeline.dags.length);
  log.info(summary.text);
  if (failure) {
    const document = await vscode.workspace.openTextDocument({ language: 'log', content: `# ${failure.dagId} / ${failure.runId} / ${failure.taskId}\n${failure.log}` });
    await vscode.window.showTextDocument(document, { preview: true });
  }
  const show = summary.succeeded ? vscode.window.showInformationMessage : vscode.window.showErrorMessage;
  const showRuns = vscode.l10n.t('Show Runs');
  const traceOne = vscode.l10n.t('Trace a Message');
  show(summary.text, showRuns, traceOne).then(
    async (picked) => {
      const last = runs.at(-1);
      if (picked === showRuns && last) await vscode.commands.executeCommand(CommandId.revealInDagsTree, undefined, last.dagId, last.runId);
      else if (picked === traceOne) await tracePipelineMessage(deps, connections, pipeline);
    },
    (error: unknown) => { log.warn(`The summary notification failed: ${String(error)}`); },
  );
}

/** The newest rows of a table stage, as a read-only JSON document (product_recalls), or the Message History view. */
async function openTable(deps: PipelineCommandDeps, connections: TraceConnections, table: string): Promise<void> {
  if (table === 'message_history') {
    await vscode.commands.executeCommand(ViewFocusCommandId.history);
    return;
  }
  const rows = await (await connections.historyStore()).pipelines.newestRecalls(100);
  const content = JSON.stringify({ table, shown: rows.length, order: 'newest loaded first', rows }, null, 2);
  const document = await vscode.workspace.openTextDocument({ language: 'json', content });
  await vscode.window.showTextDocument(document, { preview: true });
  deps.log.info(`[pipelines] Opened the ${rows.length} newest row(s) of ${table}`);
}

/**
 * The Spark job's log: on the native stack, whose Stack view lists Spark, its `spark` log
 * (stack.sh logs spark: every job's driver log); on the Compose stack, which has no Spark
 * service, the newest Spark run's task log.
 */
async function showSparkLog(deps: PipelineCommandDeps, connections: TraceConnections): Promise<void> {
  const kind = deps.stackKind ? await deps.stackKind() : 'native';
  if (kind === 'native' && (NATIVE_SERVICES as readonly { logsTarget: string }[]).some((s) => s.logsTarget === 'spark')) {
    await vscode.commands.executeCommand(CommandId.stackServiceLogs, 'spark');
    return;
  }
  const { client } = await connections.airflowClient();
  const run = (await client.listRuns(RECALLS_SPARK_DAG, { limit: 1, offset: 0 })).items[0];
  if (!run) throw new WorkbenchError(vscode.l10n.t('{0} has not run yet, so there is no Spark log. Start the pipeline first.', RECALLS_SPARK_DAG), { actions: [] });
  const tasks = await client.listTaskInstances(RECALLS_SPARK_DAG, run.runId);
  const task = tasks.find((t) => /spark|submit/i.test(t.taskId)) ?? tasks[0];
  if (!task) throw new WorkbenchError(vscode.l10n.t('Run {0} of {1} has no task yet.', run.runId, RECALLS_SPARK_DAG), { actions: ['retry'] });
  const log = await client.getTaskLog(RECALLS_SPARK_DAG, run.runId, task.taskId, Math.max(1, task.tryNumber));
  const text = log.lines.map((l) => [l.time, l.level, l.text].filter((p) => p !== null && p !== '').join(' ')).join('\n');
  const document = await vscode.workspace.openTextDocument({ language: 'log', content: `# ${RECALLS_SPARK_DAG} / ${run.runId} / ${task.taskId} (try ${task.tryNumber})\n${text}` });
  await vscode.window.showTextDocument(document, { preview: true });
  deps.log.info(`[pipelines] Opened the Spark log of ${run.runId}`);
}

async function openStage(deps: PipelineCommandDeps, connections: TraceConnections, arg: unknown): Promise<void> {
  const found = stageOf(arg);
  if (!found) return;
  const { stage } = found;
  switch (stage.kind) {
    case 'topic': {
      const topic = stage.topics?.[0] ?? '';
      const names = deps.kafka?.list().value.map((c) => c.name) ?? [];
      const connection = names.includes(LOCAL_STACK_NAME) ? LOCAL_STACK_NAME : names[0];
      if (connection === undefined) throw new WorkbenchError(vscode.l10n.t('No Kafka connection is set up. Add one, or connect to the local stack.'), { actions: [{ title: vscode.l10n.t('Connect to Local Stack'), command: CommandId.connectLocalStack }] });
      // The Kafka view's topic row, as Inspect Topic reads it (kind, key, connection, topic name).
      await vscode.commands.executeCommand(CommandId.inspectTopic, { kind: 'topic', key: `pipelines:${connection}:${topic}`, connectionName: connection, topic: { name: topic } });
      return;
    }
    case 'sourceApi':
    case 'sparkJob':
    case 'consumerDag':
      if (stage.dagId) await vscode.commands.executeCommand(CommandId.revealInDagsTree, undefined, stage.dagId);
      return;
    case 'table':
      await openTable(deps, connections, stage.table ?? '');
      return;
  }
}

async function tracePipelineMessage(deps: PipelineCommandDeps, connections: TraceConnections, pipeline: PipelineDefinition | undefined): Promise<void> {
  const topic = pipeline?.stages.find((s) => s.kind === 'topic')?.topics?.[0];
  const coordinates = await askCoordinates(topic);
  if (!coordinates) return;
  showTrace(deps, connections, { kind: 'message', coordinates });
}

export function registerPipelineCommands(deps: PipelineCommandDeps, connections: TraceConnections): vscode.Disposable[] {
  return [
    registerCommand(deps.log, CommandId.refreshPipelines, () => deps.tree.refresh()),
    registerCommand(deps.log, CommandId.startPipeline, (arg) => startPipeline(deps, connections, arg)),
    registerCommand(deps.log, CommandId.openPipelineStage, (arg) => openStage(deps, connections, arg)),
    registerCommand(deps.log, CommandId.showSparkLog, () => showSparkLog(deps, connections)),
    registerCommand(deps.log, CommandId.tracePipelineMessage, (arg) => tracePipelineMessage(deps, connections, pipelineOf(arg) ?? PIPELINES[0])),
    registerCommand(deps.log, CommandId.startPipelineFromView, (arg) => startPipeline(deps, connections, arg)),
    registerCommand(deps.log, CommandId.showSparkLogFromView, () => showSparkLog(deps, connections)),
    registerCommand(deps.log, CommandId.tracePipelineMessageFromView, (arg) => tracePipelineMessage(deps, connections, pipelineOf(arg) ?? PIPELINES[0])),
  ];
}

