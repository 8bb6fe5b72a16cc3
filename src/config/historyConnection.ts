/**
 * The history database as the editor uses it: the `kafkaAirflow.history.connection` setting
 * joined with the password from SecretStorage becomes one MessageHistoryStore. The store is
 * kept while neither the setting, the password nor the request timeout changes; when one
 * does, the old store's pool is closed, listeners hear `onDidChange`, and the next call makes
 * a fresh store.
 */
import * as vscode from 'vscode';
import { MessageHistoryStore } from '../history/messageHistoryStore';
import type { HistoryStoreConfig } from '../history/types';
import type { HistoryConnection as HistoryConnectionSetting, Parsed } from '../shared/connections';
import { describeError, WorkbenchError } from '../shared/errors';
import { taggedLogger, type Logger } from '../shared/logger';
import { historyTarget } from '../shared/credentials';
import { Secrets } from './secrets';
import { settings } from './settings';
import { CommandId } from '../shared/commandIds';

/** What the editor layer calls on the history: the store's public surface. */
export type HistoryApi = Pick<MessageHistoryStore, 'summary' | 'page' | 'pageRows' | 'partitions' | 'get' | 'findByCoordinates' | 'probe' | 'dispose' | 'timeZone'>;

export type HistoryStoreFactory = (config: HistoryStoreConfig, logger: Logger) => HistoryApi;

export const createHistoryStore: HistoryStoreFactory = (config, logger) => new MessageHistoryStore(config, logger);

/** The machine's time zone, so the tree's days are the user's days. */
function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export class HistoryDatabase implements vscode.Disposable {
  private current: { signature: string; store: Promise<HistoryApi> } | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly disposables: { dispose(): unknown }[] = [];
  private readonly log: Logger;

  /** Fires when the connection, its password or the timeout changed: reload what was shown. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly secrets: Secrets,
    log: Logger,
    private readonly createStore: HistoryStoreFactory = createHistoryStore,
  ) {
    this.log = taggedLogger(log, 'history');
    this.disposables.push(
      this.changed,
      settings.onDidChange(() => {
        if (this.current && this.current.signature !== this.signature(this.connection().value)) {
          this.log.info('The history connection settings changed; connecting again');
          this.drop();
          this.changed.fire();
        }
      }),
      secrets.onDidChange((event) => {
        const connection = this.connection().value;
        if (!connection || !Secrets.isKeyOf(event.key, historyTarget(connection))) return;
        this.log.info('The history password changed; connecting again');
        this.drop();
        this.changed.fire();
      }),
    );
  }

  connection(): Parsed<HistoryConnectionSetting | undefined> {
    return settings.historyConnection();
  }

  private signature(connection: HistoryConnectionSetting | undefined): string {
    return JSON.stringify({ connection, timeoutMs: settings.requestTimeoutMs() });
  }

  /** The store of the configured database, made on first use; concurrent callers share it. */
  store(): Promise<HistoryApi> {
    const connection = this.connection().value;
    if (!connection) {
      return Promise.reject(new WorkbenchError('No history database is set. Set one, or connect to the local stack.', {
        actions: [{ title: 'Set History Database', command: CommandId.setHistoryConnection }],
      }));
    }
    const signature = this.signature(connection);
    if (this.current?.signature === signature) return this.current.store;
    this.drop();
    const store = this.makeStore(connection);
    const entry = { signature, store };
    this.current = entry;
    // A failed creation (no password stored) is not kept: the next call tries again.
    store.catch(() => {
      if (this.current === entry) this.current = undefined;
    });
    return store;
  }

  /** A store of its own, neither shared nor kept (Test Connection); the caller disposes it. */
  freshStore(): Promise<HistoryApi> {
    const connection = this.connection().value;
    if (!connection) {
      return Promise.reject(new WorkbenchError('No history database is set. Set one, or connect to the local stack.', {
        actions: [{ title: 'Set History Database', command: CommandId.setHistoryConnection }],
      }));
    }
    return this.makeStore(connection);
  }

  private async makeStore(connection: HistoryConnectionSetting): Promise<HistoryApi> {
    const lookup = await this.secrets.read(historyTarget(connection), 'password');
    if (lookup.kind !== 'found') {
      const message = lookup.kind === 'targetChanged'
        ? lookup.message
        : `No password is stored for the history database ${connection.database} at ${connection.host}:${connection.port}. Enter it to connect.`;
      throw new WorkbenchError(message, {
        actions: [{ title: 'Enter Password', command: CommandId.setHistoryConnection }],
      });
    }
    const password = lookup.value;
    this.log.info(`Using the history database ${connection.user}@${connection.host}:${connection.port}/${connection.database}`);
    return this.createStore(
      { ...connection, password, requestTimeoutMs: settings.requestTimeoutMs(), timeZone: localTimeZone() },
      this.log,
    );
  }

  /** Whether a store was made (and not dropped since): it connected or is connecting. */
  get connected(): boolean {
    return this.current !== undefined;
  }

  /** Closes the store so the next call connects afresh (Retry after a failure). */
  reconnect(): void {
    this.drop();
  }

  private drop(): void {
    const old = this.current;
    this.current = undefined;
    if (!old) return;
    old.store
      .then((s) => s.dispose())
      .catch((error: unknown) => { this.log.debug(`Closing the old history connection: ${describeError(error)}`); });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.drop();
  }
}
