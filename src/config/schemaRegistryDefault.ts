/**
 * The schema registry the inspector and the producer look schemas up in, for a Kafka
 * connection: KAW_SCHEMA_REGISTRY_URL, else the local stack's registry (127.0.0.1:8085).
 * Lookups happen only when a key or value in the Confluent wire format appears (or a subject
 * is picked), so a topic of plain JSON never asks it. A registry connection of its own per
 * Kafka connection (URL and credentials) replaces this default where one is set.
 */
import { SchemaRegistryClient } from '../schemas/registryClient';
import type { SchemaSource } from '../schemas/types';
import type { Logger } from '../shared/logger';

export const LOCAL_SCHEMA_REGISTRY_URL = 'http://127.0.0.1:8085';

const clients = new Map<string, SchemaRegistryClient>();

/** The registry of a connection (one client per URL, shared by the windows). */
export function schemaSourceFor(_connection: string, log?: Logger): SchemaSource {
  const url = process.env['KAW_SCHEMA_REGISTRY_URL'] || LOCAL_SCHEMA_REGISTRY_URL;
  let client = clients.get(url);
  if (!client) {
    client = new SchemaRegistryClient({ baseUrl: url, ...(log ? { logger: log } : {}) });
    clients.set(url, client);
  }
  return client;
}
