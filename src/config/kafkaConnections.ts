/**
 * The Kafka connections as the editor uses them: each named connection from the settings,
 * joined with its SASL password from SecretStorage and the text of its CA file, becomes one
 * KafkaService. A service is kept while neither its settings entry, its secret nor its CA
 * file path changes; when one does, the old service is disposed (its admin, producer and
 * consumers disconnect) and the next call makes a fresh one.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import type { KafkaService } from '../kafka/kafkaService';
import type { KafkaConnectionConfig } from '../kafka/types';
import type { KafkaConnection, Parsed } from '../shared/connections';
import { describeError, WorkbenchError } from '../shared/errors';
import { taggedLogger, type Logger } from '../shared/logger';
import { kafkaSecretNeeds } from '../shared/credentials';
import { kafkaServiceConfig } from './kafkaConfig';
import { Secrets } from './secrets';
import { settings } from './settings';

/** What the editor layer calls on a cluster: KafkaService's public surface. */
export type KafkaApi = Pick<
  KafkaService,
  | 'describeCluster' | 'listTopics' | 'describeTopic' | 'describeTopics' | 'createTopic' | 'deleteTopic' | 'listGroups'
  | 'describeGroup' | 'describeGroups' | 'resetGroupOffsets' | 'produce' | 'browse' | 'dispose'
>;

/** Makes the service of one connection; the extension passes `new KafkaService(...)`. */
export type KafkaServiceFactory = (config: KafkaConnectionConfig, logger: Logger) => KafkaApi;


/** Where a CA file named in the settings is: `~` is the home folder, a relative path is in the first workspace folder. */
export function resolveCaPath(caFile: string, workspaceFolder: string | undefined): string {
  if (caFile === '~' || caFile.startsWith('~/')) return join(homedir(), caFile.slice(1));
  if (isAbsolute(caFile) || workspaceFolder === undefined) return caFile;
  return join(workspaceFolder, caFile);
}

export class KafkaConnections implements vscode.Disposable {
  private readonly services = new Map<string, { signature: string; service: Promise<KafkaApi> }>();
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  private readonly disposables: { dispose(): unknown }[] = [];
  private readonly log: Logger;

  /** Fires with a connection name when its service was dropped (settings or secret changed), or undefined for all. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly secrets: Secrets,
    log: Logger,
    private readonly createService: KafkaServiceFactory,
  ) {
    this.log = taggedLogger(log, 'kafka');
    this.disposables.push(
      this.changed,
      settings.onDidChange(() => { this.dropChanged(); }),
      secrets.onDidChange((event) => {
        const affected = this.list().value.find((c) => kafkaSecretNeeds(c).some((need) => Secrets.isKeyOf(event.key, need.target)));
        if (affected) {
          this.log.info(`The password of "${affected.name}" changed; connecting again`);
          this.drop(affected.name);
          this.changed.fire(affected.name);
        }
      }),
    );
  }

  list(): Parsed<KafkaConnection[]> {
    return settings.kafkaConnections();
  }

  find(name: string): KafkaConnection | undefined {
    return this.list().value.find((c) => c.name === name);
  }

  /** The connection to use when a command was not started from a tree row: the only one, or undefined. */
  only(): KafkaConnection | undefined {
    const all = this.list().value;
    return all.length === 1 ? all[0] : undefined;
  }

  /** The service of a connection, made on first use. Concurrent callers share one. */
  service(name: string): Promise<KafkaApi> {
    const connection = this.find(name);
    if (!connection) {
      return Promise.reject(new WorkbenchError(`There is no Kafka connection named "${name}" in the settings any more. Refresh the view or add the connection again.`, {
        actions: ['openSettings'],
      }));
    }
    const signature = JSON.stringify(connection);
    const cached = this.services.get(name);
    if (cached?.signature === signature) return cached.service;
    if (cached) this.disposeService(name, cached.service);
    const service = this.makeService(connection);
    this.services.set(name, { signature, service });
    // A failed creation (no password, unreadable CA file) is not cached: the next call tries again.
    service.catch(() => {
      if (this.services.get(name)?.service === service) this.services.delete(name);
    });
    return service;
  }

  /** A service of its own for one connection, neither shared nor kept (Test Connection); the caller disposes it. */
  freshService(name: string): Promise<KafkaApi> {
    const connection = this.find(name);
    if (!connection) {
      return Promise.reject(new WorkbenchError(`There is no Kafka connection named "${name}" in the settings any more. Refresh the view or add the connection again.`, {
        actions: ['openSettings'],
      }));
    }
    return this.makeService(connection);
  }

  private async makeService(connection: KafkaConnection): Promise<KafkaApi> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const config = await kafkaServiceConfig(connection, {
      secrets: this.secrets,
      requestTimeoutMs: settings.requestTimeoutMs(),
      resolveFile: (file, setting) => this.filePath(file, connection.name, setting),
      ...(vscode.workspace.isTrusted && folder !== undefined ? { cwd: folder } : {}),
    });
    this.log.info(`Connecting to "${connection.name}" (${connection.brokers.join(', ')})`);
    return this.createService(config, taggedLogger(this.log, connection.name));
  }

  /**
   * Where a file named in a connection is. A relative path is in the first workspace folder,
   * so in an untrusted folder it is refused: the folder could supply a CA that trusts a
   * broker the user never chose.
   */
  private filePath(file: string, connectionName: string, setting: string): string {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const path = resolveCaPath(file, folder);
    if (!vscode.workspace.isTrusted && folder !== undefined && path !== file && !file.startsWith('~')) {
      throw new WorkbenchError(`Kafka connection "${connectionName}": "${setting}" is the relative path ${file}, which would be read from this folder, and the folder is not trusted. Trust the folder, or give an absolute path.`, {
        actions: [{ title: 'Manage Workspace Trust', command: 'workbench.trust.manage' }, 'openSettings'],
      });
    }
    return path;
  }

  /** Drops the service of one connection so the next call connects afresh (Retry). */
  /** Whether a client for `name` was made (and not dropped since): it connected or is connecting. */
  connected(name: string): boolean {
    return this.services.has(name);
  }

  reconnect(name: string): void {
    this.drop(name);
    this.changed.fire(name);
  }

  private drop(name: string): void {
    const cached = this.services.get(name);
    if (!cached) return;
    this.services.delete(name);
    this.disposeService(name, cached.service);
  }

  private disposeService(name: string, service: Promise<KafkaApi>): void {
    service
      .then((s) => s.dispose())
      .catch((error: unknown) => { this.log.debug(`Closing the old connection of "${name}": ${describeError(error)}`); });
  }

  /** Drops the services whose settings entry changed or disappeared. */
  private dropChanged(): void {
    const current = new Map(this.list().value.map((c) => [c.name, JSON.stringify(c)]));
    let any = false;
    for (const [name, { signature }] of [...this.services]) {
      if (current.get(name) !== signature) {
        this.drop(name);
        any = true;
      }
    }
    if (any) this.changed.fire(undefined);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    for (const name of [...this.services.keys()]) this.drop(name);
  }
}
