/**
 * Producing from a template file's CodeLens: renders the template (src/kafka/templates.ts),
 * sends it with KafkaService.produce under a cancellable progress notification, and reports
 * the partitions and offsets written, with an action that opens the inspector on the topic.
 * "Open in Producer" copies the template into the producer form instead.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { KafkaConnections } from '../config/kafkaConnections';
import { settings } from '../config/settings';
import { compileTemplate, parseTemplateFile, TemplateError, type KafkaTemplate } from '../kafka/templates';
import { CancelledError, userMessage, WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { ProducerForm } from '../shared/protocol';
import type { ProducerTarget } from '../panels/producerPanel';
import { summarizeRun } from '../panels/producerMessages';
import { formatCount, plural } from '../kafka/presentation';
import { CommandId } from '../shared/commandIds';
import { pickConnection } from './kafkaPicks';
import type { SchemaRegistries } from '../config/schemaRegistries';
import { SchemaCache } from '../schemas/serdes';
import { generatingEncoder, jsonEncoder, schemaForProduce } from '../schemas/schemaProduce';

export interface TemplateCommandDeps {
  log: Logger;
  connections: KafkaConnections;
  /** Each Kafka connection's own schema registry (a template may name a subject). */
  registries: SchemaRegistries;
  openProducer: (target: ProducerTarget) => void;
  openInspector: (target: { connection: string; topic: string }) => Promise<void>;
  produced: (connection: string, topic: string) => void;
}

/** The arguments a CodeLens passes: the file, the template's index, and a count or "form". */
export function parseTemplateArgs(args: readonly unknown[]): { uri: vscode.Uri; index: number; count: number | 'form' } | undefined {
  const [uri, index, count] = args;
  if (!(uri instanceof vscode.Uri) || typeof index !== 'number' || !Number.isInteger(index) || index < 0) return undefined;
  if (count === 'form') return { uri, index, count };
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) return undefined;
  return { uri, index, count };
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The producer form filled in from a template's parts. */
export function formFromTemplate(template: KafkaTemplate): Partial<ProducerForm> {
  const headers = template.raw.headers && typeof template.raw.headers === 'object'
    ? Object.entries(template.raw.headers as Record<string, unknown>).map(([key, value]) => ({ key, value: text(value) }))
    : [];
  const form: Partial<ProducerForm> = {
    topic: template.topic,
    key: text(template.raw.key),
    headers,
    partition: template.partition === null ? '' : String(template.partition),
    count: String(template.count),
    rate: template.ratePerSecond > 0 ? String(template.ratePerSecond) : '',
    compression: template.compression ?? 'none',
  };
  if (template.raw.value !== undefined) {
    form.valueMode = 'json';
    form.value = JSON.stringify(template.raw.value, null, 2);
  } else if (template.dataType) {
    form.valueMode = 'generate';
    form.dataType = template.dataType;
  } else if (template.subject) {
    form.valueMode = 'subject';
  }
  if (template.subject) {
    form.subject = template.subject.subject;
    form.subjectVersion = template.subject.version === 'latest' ? '' : String(template.subject.version);
  }
  return form;
}

async function documentText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

export async function produceFromTemplate(deps: TemplateCommandDeps, args: readonly unknown[]): Promise<void> {
  const parsedArgs = parseTemplateArgs(args);
  if (!parsedArgs) {
    throw new WorkbenchError(vscode.l10n.t('Run "Produce" from the CodeLens above a template in a *.kafka.json file.'));
  }
  const { uri, index, count } = parsedArgs;
  const fileName = basename(uri.fsPath || uri.path);
  const source = await documentText(uri);
  const parsed = parseTemplateFile(source);
  const problem = parsed.problems[0];
  if (problem) {
    throw new WorkbenchError(`${fileName}:${problem.line}:${problem.column}: ${problem.message}`, {
      actions: [{ title: vscode.l10n.t('Show Problems'), command: 'workbench.actions.view.problems' }],
    });
  }
  const template = parsed.templates.find((t) => t.index === index);
  if (!template) throw new WorkbenchError(vscode.l10n.t('{0} changed: its template #{1} is gone. Run the CodeLens again.', fileName, index + 1));

  if (count === 'form') {
    deps.openProducer({ topic: template.topic, form: formFromTemplate(template), note: parsed.templates.length > 1 ? vscode.l10n.t('Copied from {0} (template {1}).', fileName, index + 1) : vscode.l10n.t('Copied from {0}.', fileName) });
    return;
  }

  let compiled;
  try {
    compiled = compileTemplate(source, template, { fileName });
  } catch (error) {
    if (error instanceof TemplateError) throw new WorkbenchError(error.message, { actions: [{ title: vscode.l10n.t('Show Problems'), command: 'workbench.actions.view.problems' }] });
    throw error;
  }
  const connection = await pickConnection(deps.connections);
  const service = await deps.connections.service(connection.name);
  await service.describeTopic(template.topic).catch((error: unknown) => {
    throw new WorkbenchError(userMessage(error), {
      cause: error,
      actions: [{ title: vscode.l10n.t('Create Topic'), command: CommandId.createTopic }, 'retry'],
    });
  });
  let messages = compiled.renderMany(count);
  if (template.subject) {
    // Values checked against the subject's schema and encoded (or generated from it) before anything is sent.
    const schema = await schemaForProduce(new SchemaCache(deps.registries.source(connection.name)), template.subject);
    const encode = template.raw.value !== undefined || template.dataType ? jsonEncoder(schema) : generatingEncoder(schema);
    try {
      messages = messages.map(encode);
    } catch (error) {
      throw new WorkbenchError(`${fileName}: nothing was sent. ${userMessage(error)}`, { cause: error });
    }
  }
  const controller = new AbortController();
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Producing {0} to {1}', plural(count, 'message'), template.topic), cancellable: true },
    async (progress, token) => {
      token.onCancellationRequested(() => { controller.abort(); });
      let reported = 0;
      return service.produce(messages, {
        topic: template.topic,
        idempotent: settings.kafkaIdempotentProducer(),
        ...(template.compression ? { compression: template.compression } : {}),
        ratePerSecond: template.ratePerSecond,
        signal: controller.signal,
        onProgress: (p) => {
          const done = p.sent + p.failed;
          progress.report({
            increment: ((done - reported) / Math.max(1, p.total)) * 100,
            message: p.failed > 0
              ? vscode.l10n.t('{0} of {1} sent, {2} failed · {3} msgs/s', formatCount(p.sent), formatCount(p.total), formatCount(p.failed), formatCount(Math.round(p.ratePerSecond)))
              : vscode.l10n.t('{0} of {1} sent · {2} msgs/s', formatCount(p.sent), formatCount(p.total), formatCount(Math.round(p.ratePerSecond))),
          });
          reported = done;
        },
      });
    },
  ).then(undefined, (error: unknown) => {
    if (error instanceof CancelledError) throw new CancelledError();
    throw error;
  });
  const summary = summarizeRun(connection.name, result, count);
  if (result.sent > 0) deps.produced(connection.name, template.topic);
  deps.log.info(`${fileName}: ${summary.summary}`);
  const where = summary.partitions
    .map((p) => vscode.l10n.t('partition {0}: {1} (offsets {2}–{3})', p.partition, formatCount(p.count), formatCount(p.firstOffset), formatCount(p.lastOffset)))
    .join('; ');
  const inspect = vscode.l10n.t('Open Message Inspector');
  const showLog = vscode.l10n.t('Show Log');
  const firstError = result.errors.length > 0 ? ` ${vscode.l10n.t('First error: {0}', result.errors[0]?.message ?? '')}` : '';
  const message = `${summary.summary}${where ? ` ${where}.` : ''}${firstError}`;
  const show = result.failed > 0 ? vscode.window.showWarningMessage(message, inspect, showLog) : vscode.window.showInformationMessage(message, inspect);
  void show.then((picked) => {
    if (picked === inspect) void deps.openInspector({ connection: connection.name, topic: template.topic });
    else if (picked === showLog) void vscode.commands.executeCommand(CommandId.showLog);
  });
}
