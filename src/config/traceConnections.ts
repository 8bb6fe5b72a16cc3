/**
 * The connections a trace needs, made once in src/extension.ts and shared by the trace and
 * batch consumer commands: the active Airflow connection's client, a history store that also
 * answers per-run questions, and the TraceService over both.
 */
import type * as vscode from 'vscode';
import { CommandId } from '../shared/commandIds';
import { WorkbenchError } from '../shared/errors';
import { taggedLogger } from '../shared/logger';
import type { TraceHistoryStore } from '../trace/traceHistoryStore';
import type { TraceService } from '../trace/traceService';
import type { PipelineReader } from '../pipelines/pipelineReader';
import type { SparkTraceReader } from '../pipelines/sparkTrace';
import { LOCAL_STACK_NAME } from '../stack/localStack';
import type { AirflowApi, AirflowConnections } from './airflowConnections';
import type { KafkaApi, KafkaConnections } from './kafkaConnections';
import { settings } from './settings';
import { HistoryDatabase, type HistoryStoreFactory } from './historyConnection';
import type { Secrets } from './secrets';
import type * as TraceParts from './traceParts';

/** The trace and Pipelines readers, loaded on first use from their own file (esbuild.js lazyChunks). */
function traceParts(): typeof TraceParts {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see esbuild.js lazyChunks
  return require('./traceParts') as typeof TraceParts;
}

export interface TraceConnectionDeps {
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  secrets: Secrets;
  airflow: AirflowConnections;
  /** The Kafka connections; the trace through Spark reads the traced message's key, the Pipelines view the topics' end offsets. */
  kafka?: KafkaConnections;
}

/** The Airflow client, history store and trace service of the current connections. */
export class TraceConnections implements vscode.Disposable {
  private readonly history: HistoryDatabase;

  constructor(private readonly deps: TraceConnectionDeps) {
    // Its own HistoryDatabase (same settings and secret) whose store also answers per-run questions.
    const factory: HistoryStoreFactory = (config, logger) => new (traceParts().TraceHistoryStore)(config, logger);
    this.history = new HistoryDatabase(deps.secrets, taggedLogger(deps.log, 'trace'), factory);
  }

  async airflowClient(): Promise<{ name: string; client: AirflowApi }> {
    const connection = this.deps.airflow.active();
    if (!connection) {
      throw new WorkbenchError('No Airflow connection is set up. Add one, or connect to the local stack.', {
        actions: [{ title: 'Add Airflow Connection', command: CommandId.addAirflowConnection }, { title: 'Connect to Local Stack', command: CommandId.connectLocalStack }],
      });
    }
    return { name: connection.name, client: await this.deps.airflow.client(connection.name) };
  }

  async historyStore(): Promise<TraceHistoryStore> {
    const store = await this.history.store();
    if (!(store instanceof traceParts().TraceHistoryStore)) {
      // Only if someone passed another factory; the default store cannot answer per-run questions.
      throw new WorkbenchError('The history connection is not ready for tracing; reconnect it.', { actions: ['retry'] });
    }
    return store;
  }

  /** The Kafka connection of the pipelines: the local stack's when set up, else the only (or first) one. */
  async kafkaService(): Promise<KafkaApi> {
    const kafka = this.deps.kafka;
    const names = kafka?.list().value.map((c) => c.name) ?? [];
    const name = names.includes(LOCAL_STACK_NAME) ? LOCAL_STACK_NAME : names[0];
    if (!kafka || name === undefined) {
      throw new WorkbenchError('No Kafka connection is set up. Add one, or connect to the local stack.', {
        actions: [{ title: 'Add Kafka Connection', command: CommandId.addKafkaConnection }, { title: 'Connect to Local Stack', command: CommandId.connectLocalStack }],
      });
    }
    return kafka.service(name);
  }

  private sparkTrace(): SparkTraceReader {
    const { readCheckpoint, SparkTraceReader } = traceParts();
    return new SparkTraceReader({
      kafka: () => this.kafkaService(),
      store: async () => (await this.historyStore()).pipelines,
      readCheckpoint: () => readCheckpoint(settings.pipelinesSparkCheckpointDir()),
      logger: taggedLogger(this.deps.log, 'trace'),
    });
  }

  async traceService(): Promise<TraceService> {
    const [{ client }, store] = await Promise.all([this.airflowClient(), this.historyStore()]);
    return new (traceParts().TraceService)(client, store, store, taggedLogger(this.deps.log, 'trace'), this.sparkTrace());
  }

  /** Reads the Pipelines view's figures with the current connections and settings. */
  pipelineReader(): PipelineReader {
    return new (traceParts().PipelineReader)({
      kafka: () => this.kafkaService(),
      airflow: async () => (await this.airflowClient()).client,
      store: async () => (await this.historyStore()).pipelines,
      sourceApiUrl: settings.pipelinesSourceApiUrl(),
      sparkCheckpointDir: settings.pipelinesSparkCheckpointDir(),
      requestTimeoutMs: settings.requestTimeoutMs(),
      logger: taggedLogger(this.deps.log, 'pipelines'),
    });
  }

  dispose(): void {
    this.history.dispose();
  }
}
