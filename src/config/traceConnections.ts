/**
 * The connections a trace needs, made once in src/extension.ts and shared by the trace and
 * batch consumer commands: the active Airflow connection's client, a history store that also
 * answers per-run questions, and the TraceService over both.
 */
import type * as vscode from 'vscode';
import { CommandId } from '../shared/commandIds';
import { WorkbenchError } from '../shared/errors';
import { taggedLogger } from '../shared/logger';
import { TraceHistoryStore } from '../trace/traceHistoryStore';
import { TraceService } from '../trace/traceService';
import type { AirflowApi, AirflowConnections } from './airflowConnections';
import { HistoryDatabase, type HistoryStoreFactory } from './historyConnection';
import type { Secrets } from './secrets';

export interface TraceConnectionDeps {
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  secrets: Secrets;
  airflow: AirflowConnections;
}

/** The Airflow client, history store and trace service of the current connections. */
export class TraceConnections implements vscode.Disposable {
  private readonly history: HistoryDatabase;

  constructor(private readonly deps: TraceConnectionDeps) {
    // Its own HistoryDatabase (same settings and secret) whose store also answers per-run questions.
    const factory: HistoryStoreFactory = (config, logger) => new TraceHistoryStore(config, logger);
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
    if (!(store instanceof TraceHistoryStore)) {
      // Only if someone passed another factory; the default store cannot answer per-run questions.
      throw new WorkbenchError('The history connection is not ready for tracing; reconnect it.', { actions: ['retry'] });
    }
    return store;
  }

  async traceService(): Promise<TraceService> {
    const [{ client }, store] = await Promise.all([this.airflowClient(), this.historyStore()]);
    return new TraceService(client, store, store, taggedLogger(this.deps.log, 'trace'));
  }

  dispose(): void {
    this.history.dispose();
  }
}
