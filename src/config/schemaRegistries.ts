/**
 * The schema registries as the editor uses them: each Kafka connection's `schemaRegistry`
 * entry, joined with its password or token from SecretStorage (read under the key of the
 * target it was saved for), becomes one SchemaRegistryClient. A client is kept while neither
 * the entry nor the secret changes; the inspector, the producer and the Schemas rows ask here.
 */
import * as vscode from 'vscode';
import type * as RegistryClientModule from '../schemas/registryClient';
import type { RegistryAuth, SchemaRegistryClient } from '../schemas/registryClient';
import type { SchemaSource } from '../schemas/types';
import type { KafkaConnection, SchemaRegistryConnection } from '../shared/connections';
import { schemaRegistrySecretNeeds, schemaRegistryTarget } from '../shared/credentials';
import { WorkbenchError, type ErrorAction } from '../shared/errors';
import { taggedLogger, type Logger } from '../shared/logger';
import { CommandId } from '../shared/commandIds';
import type { KafkaConnections } from './kafkaConnections';
import { Secrets } from './secrets';
import { settings } from './settings';

/** The action that asks for the registry's password or token of a Kafka connection again. */
export function enterRegistrySecretAction(connectionName: string, registry: SchemaRegistryConnection): ErrorAction {
  return { title: registry.auth === 'bearer' ? 'Enter Registry Token' : 'Enter Registry Password', command: CommandId.enterSchemaRegistrySecret, args: [connectionName] };
}

/** The action that sets up (or edits) the schema registry of a Kafka connection. */
export function setUpRegistryAction(connectionName: string): ErrorAction {
  return { title: 'Set Up Schema Registry', command: CommandId.editConnection, args: [{ row: { kind: 'schemaRegistry', name: connectionName } }] };
}

export class SchemaRegistries implements vscode.Disposable {
  private readonly clients = new Map<string, { signature: string; client: SchemaRegistryClient }>();
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  private readonly disposables: { dispose(): unknown }[] = [];
  private readonly log: Logger;

  /** Fires with a Kafka connection's name when its registry entry or secret changed, or undefined for all. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly secrets: Secrets, log: Logger, private readonly kafka: KafkaConnections) {
    this.log = taggedLogger(log, 'schemas');
    this.disposables.push(
      this.changed,
      settings.onDidChange(() => {
        this.clients.clear();
        this.changed.fire(undefined);
      }),
      secrets.onDidChange((event) => {
        const affected = this.kafka.list().value.find((c) => schemaRegistrySecretNeeds(c).some((need) => Secrets.isKeyOf(event.key, need.target)));
        if (affected) {
          this.clients.delete(affected.name);
          this.changed.fire(affected.name);
        }
      }),
    );
  }

  /** The registry entry of a Kafka connection, if it has one. */
  registryOf(connectionName: string): SchemaRegistryConnection | undefined {
    return this.kafka.find(connectionName)?.schemaRegistry;
  }

  /** The Kafka connections that have a registry. */
  withRegistry(): KafkaConnection[] {
    return this.kafka.list().value.filter((c) => c.schemaRegistry !== undefined);
  }

  /** The client of a connection's registry; throws a sentence with the next step when it has none or its secret is missing. */
  async client(connectionName: string): Promise<SchemaRegistryClient> {
    const connection = this.kafka.find(connectionName);
    if (!connection) {
      throw new WorkbenchError(`There is no Kafka connection named "${connectionName}" in the settings any more. Refresh the view.`, { actions: ['openSettings'] });
    }
    const registry = connection.schemaRegistry;
    if (!registry) {
      throw new WorkbenchError(`The Kafka connection "${connectionName}" has no schema registry. Set one up: its URL and how to sign in.`, { actions: [setUpRegistryAction(connectionName), 'openSettings'] });
    }
    const auth = await this.auth(connectionName, registry);
    const signature = JSON.stringify([registry, auth, settings.requestTimeoutMs()]);
    const cached = this.clients.get(connectionName);
    if (cached?.signature === signature) return cached.client;
    // The client is loaded on first use, from its own file (esbuild.js lazyChunks).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use
    const { SchemaRegistryClient: Client } = require('../schemas/registryClient') as typeof RegistryClientModule;
    const client = new Client({
      baseUrl: registry.url,
      auth,
      timeoutMs: settings.requestTimeoutMs(),
      logger: taggedLogger(this.log, connectionName),
      ...(registry.auth === 'none' ? {} : { reenterCredentialsAction: enterRegistrySecretAction(connectionName, registry) }),
    });
    this.clients.set(connectionName, { signature, client });
    return client;
  }

  /**
   * What the inspector and the producer look schemas up in for a Kafka connection: its own
   * registry's client, asked for on each lookup (so a new secret or URL is used at once). A
   * connection without a registry answers each lookup with the sentence that says to set one
   * up, which the inspector shows as the row's reason. `onSubjects` hears the subjects of each
   * schema id looked up (the topic's RecordNameStrategy subjects).
   */
  source(connectionName: string, onSubjects?: (subjects: string[]) => void): SchemaSource {
    return {
      getSchemaById: async (id) => (await this.client(connectionName)).getSchemaById(id),
      getSubjectVersion: async (subject, version) => (await this.client(connectionName)).getSubjectVersion(subject, version),
      getSchemaVersions: async (id) => {
        const versions = await (await this.client(connectionName)).getSchemaVersions(id);
        onSubjects?.(versions.map((v) => v.subject));
        return versions;
      },
    };
  }

  /** A client of its own, not kept (Test Connection). */
  async freshClient(connectionName: string): Promise<SchemaRegistryClient> {
    this.clients.delete(connectionName);
    const client = await this.client(connectionName);
    this.clients.delete(connectionName);
    return client;
  }

  private async auth(connectionName: string, registry: SchemaRegistryConnection): Promise<RegistryAuth> {
    const target = schemaRegistryTarget(connectionName, registry);
    if (registry.auth === 'none' || !target) return { kind: 'none' };
    const what = registry.auth === 'bearer' ? 'schema registry token' : 'schema registry password';
    const lookup = await this.secrets.read(target, what);
    if (lookup.kind !== 'found' || lookup.value === '') {
      const message = lookup.kind === 'targetChanged' ? lookup.message : `No ${what} is stored for the Kafka connection "${connectionName}" (${target.description}). Enter it to read its schemas.`;
      throw new WorkbenchError(message, { actions: [enterRegistrySecretAction(connectionName, registry)] });
    }
    return registry.auth === 'bearer' ? { kind: 'bearer', token: lookup.value } : { kind: 'basic', username: registry.username ?? '', password: lookup.value };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
