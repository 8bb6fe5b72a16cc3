/**
 * The host side of the producer form. The webview (webview/src/producer.ts) asks for a
 * cluster's topics, a preview of the first message, and to send; this side checks every
 * field again (src/kafka/producerForm.ts), turns the form into a template
 * (src/kafka/templates.ts), checks the topic and partition against the cluster, and runs
 * KafkaService.produce with progress notifications and a Cancel that stops the run and still
 * reports what was written. Only one form is open at a time; opening it again fills it anew.
 */
import * as vscode from 'vscode';
import { CommandId } from '../shared/commandIds';
import type { KafkaConnections } from '../config/kafkaConnections';
import { settings } from '../config/settings';
import { availableCompressions } from '../kafka/compression';
import { TemplateError } from '../kafka/templates';
import { DATA_TYPES } from '../kafka/testData';
import { CancelledError, userMessage, WorkbenchError } from '../shared/errors';
import { taggedLogger, type Logger } from '../shared/logger';
import type {
  ProducerChoice,
  ProducerForm,
  ProducerMethods,
  ProducerNotifications,
  ProducerPreset,
  ProducerPreview,
  ProducerRunResult,
} from '../shared/protocol';
import { formatCount } from '../kafka/presentation';
import { checkProducerForm, defaultForm, problemInForm, type ProducePlan } from '../kafka/producerForm';
import {
  COMPRESSIONS,
  compilePlan,
  encodeProblems,
  FormProblemsError,
  parseProducerMessage,
  summarizeRun,
} from './producerMessages';
import { PanelHost } from './panelHost';
import { PRODUCER_VIEW_TYPE } from './viewTypes';
import type { SchemaRegistries } from '../config/schemaRegistries';
import { RegistryErrorCode, SchemaRegistryError } from '../schemas/registryErrors';
import { SchemaCache, type ResolvedSchema } from '../schemas/serdes';
import { encodeStream, generatingEncoder, jsonEncoder, schemaForProduce, valueProblems, type MessageEncoder } from '../schemas/schemaProduce';

export { PRODUCER_VIEW_TYPE };

/** Runs of up to this many messages are rendered up front; longer ones stream. */
const RENDER_UP_FRONT = 100_000;

export interface ProducerPanelDeps {
  log: Logger;
  extensionUri: vscode.Uri;
  connections: KafkaConnections;
  /** The schema registry of each connection, for a subject picked in the form. */
  registries: SchemaRegistries;
  openInspector: (target: { connection: string; topic: string }) => Promise<void>;
  /** Called after a run wrote something, so the tree can refresh the topic's counts. */
  produced: (connection: string, topic: string) => void;
}

export interface ProducerTarget {
  connection?: string;
  topic?: string;
  /** A whole form to start from (e.g. "Produce again" from the inspector). */
  form?: Partial<ProducerForm>;
  note?: string;
}

export class ProducerPanel implements vscode.Disposable {
  private static current: ProducerPanel | undefined;

  private readonly host: PanelHost<ProducerMethods, ProducerNotifications>;
  private readonly log: Logger;
  private preset: ProducerPreset;
  private run: AbortController | undefined;
  /** Partition counts of topics seen, per connection: for the partition check. */
  private readonly partitionCounts = new Map<string, number>();
  /** Schemas of subjects picked while the form is open, per connection (looked up once each). */
  private readonly schemaCaches = new Map<string, SchemaCache>();

  /**
   * Opens the form (or brings it to the front) filled in for `target`. `restoredPanel`: the tab
   * VS Code kept across a window reload, to open the form in.
   */
  static show(deps: ProducerPanelDeps, target: ProducerTarget = {}, restoredPanel?: vscode.WebviewPanel): ProducerPanel {
    const existing = ProducerPanel.current;
    if (existing) {
      restoredPanel?.dispose();
      existing.applyTarget(target);
      existing.host.reveal();
      return existing;
    }
    ProducerPanel.current = new ProducerPanel(deps, target, restoredPanel);
    return ProducerPanel.current;
  }

  private constructor(private readonly deps: ProducerPanelDeps, target: ProducerTarget, restoredPanel?: vscode.WebviewPanel) {
    this.log = taggedLogger(deps.log, 'producer');
    this.preset = this.presetFor(target);
    this.host = new PanelHost<ProducerMethods, ProducerNotifications>({
      viewType: PRODUCER_VIEW_TYPE,
      ...(restoredPanel ? { restoredPanel } : {}),
      title: 'Produce Test Messages',
      entry: 'producer',
      extensionUri: deps.extensionUri,
      retainContextWhenHidden: true,
      log: this.log,
      name: 'the form',
      parse: parseProducerMessage,
      handlers: {
        listTopics: ({ connection }) => this.listTopics(connection),
        listSubjects: ({ connection }) => this.listSubjects(connection),
        listVersions: ({ connection, subject }) => this.listVersions(connection, subject),
        preview: ({ form }) => this.previewOf(form),
        send: ({ form }) => this.send(form),
        cancel: () => {
          this.run?.abort();
          return null;
        },
        openInspector: async (target) => {
          await this.deps.openInspector(target);
          return null;
        },
        traceMessage: async ({ topic, partition, offset }) => {
          await vscode.commands.executeCommand(CommandId.traceMessage, topic, partition, offset);
          return null;
        },
      },
      onReady: () => { this.host.notify('preset', this.preset); },
      // Form problems are an answer the form places on its fields, not a failure to log.
      expectedErrorText: (error) => (error instanceof FormProblemsError ? encodeProblems(error.problems) : undefined),
      onDispose: () => { this.dispose(); },
    });
    this.host.register(
      deps.connections.onDidChange(() => {
        this.partitionCounts.clear();
        this.preset = { ...this.preset, connections: this.connectionNames() };
        this.host.notify('preset', this.preset);
      }),
    );
  }

  private connectionNames(): string[] {
    return this.deps.connections.list().value.map((c) => c.name);
  }

  private presetFor(target: ProducerTarget): ProducerPreset {
    const connections = this.connectionNames();
    const previous = (this.preset as ProducerPreset | undefined)?.form.connection;
    const connection = target.connection && connections.includes(target.connection)
      ? target.connection
      : previous && connections.includes(previous) ? previous : connections[0] ?? '';
    const base = defaultForm(connection, target.topic ?? '');
    const available = new Set(availableCompressions());
    const compressions: ProducerChoice[] = COMPRESSIONS.map((id) => ({
      id,
      label: id === 'none' ? 'None' : id,
      description: available.has(id) ? '' : `not available: this editor's Node.js ${process.versions.node} has no ${id}`,
    }));
    return {
      connections,
      dataTypes: DATA_TYPES.map((d) => ({ id: d.id, label: d.label, description: d.description })),
      compressions,
      form: { ...base, ...target.form, connection: target.form?.connection ?? connection },
      note: target.note ?? '',
    };
  }

  private applyTarget(target: ProducerTarget): void {
    this.preset = this.presetFor(target);
    this.host.notify('preset', this.preset);
  }

  private async listTopics(connection: string): Promise<ProducerMethods['listTopics'][1]> {
    const service = await this.deps.connections.service(connection);
    const topics = (await service.listTopics()).filter((t) => !t.internal);
    for (const t of topics) this.partitionCounts.set(`${connection}\u0000${t.name}`, t.partitions);
    return { topics: topics.map((t) => ({ name: t.name, partitions: t.partitions })) };
  }

  /** The registry's subjects for the form's picker; a connection without a registry, or one that does not answer, says so instead of failing. */
  private async listSubjects(connection: string): Promise<ProducerMethods['listSubjects'][1]> {
    if (!this.deps.registries.registryOf(connection)) return { subjects: [], problem: `The Kafka connection "${connection}" has no schema registry: set one up to pick a subject.` };
    try {
      const client = await this.deps.registries.client(connection);
      return { subjects: (await client.listSubjects()).sort() };
    } catch (error) {
      return { subjects: [], problem: `The subjects could not be read: ${userMessage(error)}` };
    }
  }

  /** A subject's versions for the form's version picker, newest first; a subject the registry does not have says so instead of failing. */
  private async listVersions(connection: string, subject: string): Promise<ProducerMethods['listVersions'][1]> {
    if (!this.deps.registries.registryOf(connection)) return { versions: [] };
    const name = subject.trim();
    try {
      const client = await this.deps.registries.client(connection);
      return { versions: (await client.listVersions(name)).sort((a, b) => b - a) };
    } catch (error) {
      // A subject the registry does not have is said once, under the subject (the value check).
      if (error instanceof SchemaRegistryError && error.errorCode === RegistryErrorCode.subjectNotFound) return { versions: [] };
      return { versions: [], problem: `The versions of ${name} could not be read: ${userMessage(error)}` };
    }
  }

  private plan(form: ProducerForm): ProducePlan {
    const checked = checkProducerForm(form, {
      partitions: this.partitionCounts.get(`${form.connection}\u0000${form.topic.trim()}`),
      dataTypes: this.preset.dataTypes.map((d) => d.id),
      compressions: availableCompressions(),
    });
    if (!checked.ok) throw new FormProblemsError(checked.problems);
    return checked.plan;
  }

  /** The plan's subject version, compiled (cached per connection while the form is open); undefined without a subject. */
  private async schemaOf(plan: ProducePlan): Promise<ResolvedSchema | undefined> {
    if (!plan.schema) return undefined;
    let cache = this.schemaCaches.get(plan.connection);
    if (!cache) {
      cache = new SchemaCache(this.deps.registries.source(plan.connection));
      this.schemaCaches.set(plan.connection, cache);
    }
    try {
      return await schemaForProduce(cache, plan.schema);
    } catch (error) {
      throw new FormProblemsError([{ field: 'subject', message: error instanceof Error ? error.message : String(error) }]);
    }
  }

  /** How a plan with a subject writes each message: its value checked and encoded, or generated from the schema. */
  private encoderOf(plan: ProducePlan, schema: ResolvedSchema): MessageEncoder {
    return plan.valueMode === 'subject' ? generatingEncoder(schema) : jsonEncoder(schema);
  }

  private async previewOf(form: ProducerForm): Promise<ProducerPreview> {
    const plan = this.plan({ ...form, count: '1' });
    const schema = await this.schemaOf(plan);
    const rendered = compilePlan(plan).render(1);
    if (schema && plan.valueMode === 'json') {
      const problems = valueProblems(schema, typeof rendered.value === 'string' ? rendered.value : String(rendered.value));
      if (problems.length > 0) throw new FormProblemsError(problems.slice(0, 8).map((message) => ({ field: 'value' as const, message: `${message} (${schema.subject ?? `schema id ${schema.id}`} v${schema.version ?? '?'})` })));
    }
    let message = rendered;
    let schemaLine: string | undefined;
    if (schema) {
      const bytes = this.encoderOf(plan, schema)(rendered).value as Buffer;
      schemaLine = `${schema.schemaType} ${schema.subject ?? ''} v${schema.version ?? '?'} (schema id ${schema.id}): ${bytes.length} bytes in the Confluent wire format.`;
      message = { ...rendered, value: JSON.stringify(schema.serde.decode(bytes.subarray(schema.schemaType === 'PROTOBUF' ? 6 : 5), schema.schemaType === 'PROTOBUF' ? [0] : undefined)) };
    }
    const text = (v: string | Buffer | null | undefined): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : v.toString('utf8'));
    const value = text(message.value) ?? '';
    let pretty = value;
    try {
      pretty = JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      // Plain text stays as it is.
    }
    return {
      ...(schemaLine ? { schema: schemaLine } : {}),
      key: text(message.key),
      value: pretty,
      headers: Object.entries(message.headers ?? {}).map(([key, v]) => ({ key, value: text(v) ?? '' })),
    };
  }

  private async send(form: ProducerForm): Promise<ProducerRunResult> {
    if (this.run) throw new WorkbenchError('A run is still going. Wait for it or cancel it first.');
    const plan = this.plan(form);
    const compiled = compilePlan(plan);
    const schema = await this.schemaOf(plan);
    const service = await this.deps.connections.service(plan.connection);
    // The topic must exist and the partition must be one of its partitions.
    const details = await service.describeTopic(plan.topic);
    this.partitionCounts.set(`${plan.connection}\u0000${plan.topic}`, details.partitions);
    if (plan.partition !== undefined && plan.partition >= details.partitions) {
      throw new FormProblemsError([{
        field: 'partition',
        message: `The topic ${plan.topic} has ${details.partitions === 1 ? 'only partition 0' : `partitions 0 to ${details.partitions - 1}`}; partition ${plan.partition} does not exist.`,
      }]);
    }
    // Render before starting the clock for runs that fit in memory; stream longer ones.
    let messages: Parameters<typeof service.produce>[0];
    try {
      messages = plan.count <= RENDER_UP_FRONT ? compiled.renderMany(plan.count) : compiled.iterate(plan.count);
      // With a subject, every value is checked and encoded before the run starts (when it fits in memory), so a bad one writes nothing.
      if (schema) {
        const encode = this.encoderOf(plan, schema);
        messages = Array.isArray(messages) ? messages.map(encode) : encodeStream(messages, encode);
      }
    } catch (error) {
      if (error instanceof TemplateError) throw new FormProblemsError([problemInForm(error.problem, plan)]);
      if (schema && error instanceof WorkbenchError) throw new FormProblemsError([{ field: plan.valueMode === 'subject' ? 'subject' : 'value', message: `Nothing was sent. ${error.message}` }]);
      throw error;
    }
    const controller = new AbortController();
    this.run = controller;
    this.log.info(`Producing ${formatCount(plan.count)} messages to ${plan.topic} on ${plan.connection}${plan.ratePerSecond > 0 ? ` at ${plan.ratePerSecond}/s` : ''}, compression ${plan.compression}`);
    try {
      const result = await service.produce(messages, {
        topic: plan.topic,
        idempotent: settings.kafkaIdempotentProducer(),
        compression: plan.compression,
        ratePerSecond: plan.ratePerSecond,
        signal: controller.signal,
        onProgress: (progress) => { this.host.notify('progress', { ...progress, ratePerSecond: Math.round(progress.ratePerSecond) }); },
      });
      const summary = summarizeRun(plan.connection, result, plan.count);
      this.host.notify('progress', { total: plan.count, sent: result.sent, failed: result.failed, ratePerSecond: summary.ratePerSecond, elapsedMs: result.elapsedMs });
      if (result.sent > 0) this.deps.produced(plan.connection, plan.topic);
      this.log.info(summary.summary);
      return summary;
    } catch (error) {
      if (error instanceof CancelledError) throw new WorkbenchError('Cancelled before anything was written.');
      throw error;
    } finally {
      this.run = undefined;
    }
  }

  dispose(): void {
    if (ProducerPanel.current === this) ProducerPanel.current = undefined;
    this.run?.abort();
    this.host.dispose();
  }
}
