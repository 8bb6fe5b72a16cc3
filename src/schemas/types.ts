/**
 * The small lookup interface the serdes, the inspector and the producer need from a registry.
 * SchemaRegistryClient (src/schemas/registryClient.ts) fits it; so does any other client that
 * speaks the Confluent API. Plain types, no code.
 */
import type { RegistrySchema, SchemaReference, SchemaType, SubjectVersion } from './registryClient';

export type { RegistrySchema, SchemaReference, SchemaType, SubjectVersion };

/** A schema as the serdes take it (the id is not needed to compile one). */
export type RegisteredSchema = Omit<RegistrySchema, 'id'> & { id?: number };

export interface SchemaSource {
  getSchemaById(id: number): Promise<RegistrySchema>;
  getSubjectVersion(subject: string, version: number | 'latest'): Promise<SubjectVersion>;
  /** GET /schemas/ids/{id}/versions: the subjects and versions registered with this id (for the subject and version columns). */
  getSchemaVersions?(id: number): Promise<{ subject: string; version: number }[]>;
}
