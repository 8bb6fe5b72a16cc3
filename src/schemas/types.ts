/**
 * The vocabulary of schemas as the Confluent Schema Registry API speaks it, and the small
 * lookup interface the serdes, the inspector and the producer need. Any registry client
 * (src/schemas/registryClient.ts, or a test's) fits SchemaSource. Plain types, no code.
 */

export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON';

export interface SchemaReference {
  /** The name the schema uses for it: an Avro full name, a .proto import path, a JSON Schema $ref. */
  name: string;
  subject: string;
  version: number;
}

/** A schema as GET /schemas/ids/{id} (or a subject version) gives it. */
export interface RegisteredSchema {
  id?: number;
  schemaType: SchemaType;
  schema: string;
  references?: SchemaReference[];
}

/** A registered version of a subject (GET /subjects/{subject}/versions/{version}). */
export interface SubjectVersion extends RegisteredSchema {
  id: number;
  subject: string;
  version: number;
}

/** The lookups the serdes need. getVersionsById is optional: without it the subject and version columns stay empty. */
export interface SchemaSource {
  getSchemaById(id: number): Promise<RegisteredSchema>;
  getSubjectVersion(subject: string, version: number | 'latest'): Promise<SubjectVersion>;
  /** GET /schemas/ids/{id}/versions: the subjects and versions registered with this id. */
  getVersionsById?(id: number): Promise<{ subject: string; version: number }[]>;
}
