/**
 * The Airflow connections as the editor uses them: each named connection from the settings,
 * joined with its password or token from SecretStorage, becomes one AirflowClient, kept
 * while neither the setting nor the secret changes and made anew when one does. It also
 * remembers the active connection (the one the status bar shows) and the last known
 * version and health of each server, so the trees and the status bar agree.
 */
import * as vscode from 'vscode';
import { AirflowClient } from '../airflow/airflowClient';
import type { ServerStatus } from '../airflow/presentation';
import { checkServer } from '../airflow/serverCheck';
import type { AirflowConnection, Parsed } from '../shared/connections';
import { WorkbenchError } from '../shared/errors';
import { taggedLogger, type Logger } from '../shared/logger';
import { airflowTarget } from '../shared/credentials';
import { airflowClientConfig } from './airflowConfig';
import { Secrets } from './secrets';

export type { ServerStatus };
import { settings } from './settings';

/** What the editor layer calls on a server: the client's public surface. */
export type AirflowApi = Pick<
  AirflowClient,
  | 'serverInfo' | 'health' | 'listDags' | 'listAllDags' | 'getDag' | 'setPaused' | 'trigger' | 'listRuns' | 'getRun'
  | 'listTaskInstances' | 'getTaskLog' | 'clearTask' | 'listImportErrors' | 'listDatasets' | 'listDatasetEvents'
  | 'createDatasetEvent' | 'runsCreatedByEvent' | 'uiUrlForDag' | 'uiUrlForRun'
  | 'getDagStructure' | 'listTaskInstancesOfRuns' | 'listXComs' | 'getDagSource'
  | 'getXCom' | 'dryRunBackfill' | 'createBackfill' | 'listBackfills' | 'getBackfill' | 'pauseBackfill' | 'resumeBackfill'
  | 'cancelBackfill' | 'listBackfillRuns' | 'materializeAsset' | 'findDatasetByUri'
>;

/** Makes the client of one connection; tests of the editor layer could pass another. */
export type AirflowClientFactory = (config: ConstructorParameters<typeof AirflowClient>[0], logger: Logger) => AirflowApi;

export const createAirflowClient: AirflowClientFactory = (config, logger) => new AirflowClient(config, logger);

const ACTIVE_CONNECTION_KEY = 'kafkaAirflow.activeAirflowConnection';

export class AirflowConnections implements vscode.Disposable {
  private readonly clients = new Map<string, { signature: string; client: AirflowApi }>();
  private readonly statuses = new Map<string, ServerStatus>();
  /** The check under way per connection, with the setting and the generation of the secret it read. */
  private readonly checks = new Map<string, { signature: string; generation: number; promise: Promise<ServerStatus> }>();
  /**
   * Bumped per connection whenever its setting or secret changes: a check that started before
   * (and may have read no password or the old one) is neither shared nor allowed to set the status.
   */
  private readonly generations = new Map<string, number>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly statusChanged = new vscode.EventEmitter<string>();
  private readonly disposables: { dispose(): unknown }[] = [];
  private readonly log: Logger;

  /** Fires when a connection was added, removed or changed, or its secret changed: reload. */
  readonly onDidChange = this.changed.event;
  /** Fires with a connection name when its known version/health changed. */
  readonly onDidChangeStatus = this.statusChanged.event;

  constructor(
    private readonly secrets: Secrets,
    log: Logger,
    private readonly state: vscode.Memento,
    private readonly createClient: AirflowClientFactory = createAirflowClient,
  ) {
    this.log = taggedLogger(log, 'airflow');
    this.disposables.push(
      this.changed,
      this.statusChanged,
      settings.onDidChange(() => { this.forgetChanged(); }),
      secrets.onDidChange((event) => {
        const affected = this.list().value.find((c) => Secrets.isKeyOf(event.key, airflowTarget(c)));
        if (affected) {
          this.log.info(`Credentials of "${affected.name}" changed; signing in again`);
          this.forget(affected.name);
          this.changed.fire();
        }
      }),
    );
  }

  list(): Parsed<AirflowConnection[]> {
    return settings.airflowConnections();
  }

  find(name: string): AirflowConnection | undefined {
    return this.list().value.find((c) => c.name === name);
  }

  /** The connection the status bar shows: the one picked last, else the first. */
  active(): AirflowConnection | undefined {
    const connections = this.list().value;
    const picked = this.state.get<string>(ACTIVE_CONNECTION_KEY);
    return connections.find((c) => c.name === picked) ?? connections[0];
  }

  async setActive(name: string): Promise<void> {
    await this.state.update(ACTIVE_CONNECTION_KEY, name);
    this.statusChanged.fire(name);
  }

  /** The client of a connection, signed in with the secret from SecretStorage. */
  async client(name: string): Promise<AirflowApi> {
    const connection = this.find(name);
    if (!connection) {
      throw new WorkbenchError(`There is no Airflow connection named "${name}" in the settings any more. Refresh the view.`, {
        actions: ['openSettings'],
      });
    }
    const signature = JSON.stringify(connection);
    const cached = this.clients.get(name);
    if (cached?.signature === signature) return cached.client;

    const config = await airflowClientConfig(connection, this.secrets, settings.requestTimeoutMs());
    const client = this.createClient(config, taggedLogger(this.log, name));
    this.clients.set(name, { signature, client });
    return client;
  }

  /** A client of its own for one connection, not kept (Test Connection): it signs in afresh. */
  async freshClient(name: string): Promise<AirflowApi> {
    const connection = this.find(name);
    if (!connection) {
      throw new WorkbenchError(`There is no Airflow connection named "${name}" in the settings any more. Refresh the view.`, {
        actions: ['openSettings'],
      });
    }
    const config = await airflowClientConfig(connection, this.secrets, settings.requestTimeoutMs());
    return this.createClient(config, taggedLogger(this.log, name));
  }

  /** The last known version and health of a server (no network). */
  status(name: string): ServerStatus {
    return this.statuses.get(name) ?? { kind: 'unknown' };
  }

  /**
   * Asks the server for its version and health and remembers the answer. Concurrent callers
   * share one request, unless the connection's setting or secret changed since it started:
   * then a new check signs in with the new credentials and the old answer is dropped.
   * Never rejects: a failure becomes an `error` status.
   */
  checkStatus(name: string): Promise<ServerStatus> {
    const generation = this.generations.get(name) ?? 0;
    const signature = JSON.stringify(this.find(name) ?? null);
    const running = this.checks.get(name);
    if (running?.generation === generation && running.signature === signature) return running.promise;
    const previous = this.statuses.get(name);
    this.setStatus(name, previous ? { kind: 'checking', previous } : { kind: 'checking' });
    const check = checkServer(name, () => this.client(name), this.log).then((status) => {
      if (this.checks.get(name)?.promise === check) this.checks.delete(name);
      const current = (this.generations.get(name) ?? 0) === generation && JSON.stringify(this.find(name) ?? null) === signature;
      if (!current) {
        this.log.info(`Dropped the answer of "${name}" to a check that started before its settings or credentials changed`);
      } else if (this.find(name)) {
        this.setStatus(name, status);
      }
      return status;
    });
    this.checks.set(name, { signature, generation, promise: check });
    return check;
  }

  /** Remembers that a request to the server failed or succeeded, without asking it again. */
  noteUnreachable(name: string, error: unknown): void {
    this.setStatus(name, { kind: 'error', error, checkedAt: Date.now() });
  }

  private setStatus(name: string, status: ServerStatus): void {
    this.statuses.set(name, status);
    this.statusChanged.fire(name);
  }

  private forget(name: string): void {
    this.generations.set(name, (this.generations.get(name) ?? 0) + 1);
    this.clients.delete(name);
    this.statuses.delete(name);
    this.statusChanged.fire(name);
  }

  /** Drops the clients whose settings entry changed or disappeared. */
  private forgetChanged(): void {
    const current = new Map(this.list().value.map((c) => [c.name, JSON.stringify(c)]));
    let any = false;
    for (const [name, { signature }] of [...this.clients]) {
      if (current.get(name) !== signature) {
        this.forget(name);
        any = true;
      }
    }
    for (const name of [...this.statuses.keys()]) {
      if (!current.has(name)) {
        this.statuses.delete(name);
        any = true;
      }
    }
    if (any || current.size !== this.clients.size) this.changed.fire();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.clients.clear();
  }
}
