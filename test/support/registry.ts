/**
 * The native stack's schema registry for integration tests: its URL (KAW_SCHEMA_REGISTRY_URL
 * points the tests at another registry) and a first request that says how to start it.
 */
import { SchemaRegistryClient } from '../../src/schemas/registryClient';

export const REGISTRY_URL = process.env['KAW_SCHEMA_REGISTRY_URL'] || 'http://127.0.0.1:8085';

/** A client of REGISTRY_URL. */
export function nativeRegistry(): SchemaRegistryClient {
  return new SchemaRegistryClient({ baseUrl: REGISTRY_URL });
}

/** Throws with the start command when the registry does not answer (for a test's `before`). */
export async function requireRegistry(registry: SchemaRegistryClient): Promise<void> {
  try {
    await registry.getSchemaTypes();
  } catch (error) {
    throw new Error(`The schema registry at ${REGISTRY_URL} does not answer (${error instanceof Error ? error.message : String(error)}): start the stack with \`bash stack/native/stack.sh up\`.`, { cause: error });
  }
}
