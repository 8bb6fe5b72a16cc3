/**
 * Schemas looked up once and compiled once: a SchemaCache holds, per schema id, the compiled
 * serde with the subject and version the id is registered under, or the reason it cannot be
 * had (unknown id, registry down, schema that does not compile). One lookup per id for the
 * life of the cache (an inspector window keeps one), however many rows carry the id; a
 * failed lookup is kept too, so a registry that is down is asked once, not once per row.
 *
 * The serdes (avsc, protobufjs, ajv) are loaded on the first lookup, not at activation: see
 * serdesBundle.ts and esbuild.js' lazyModules. No vscode import.
 */
import { userMessage } from '../shared/errors';
import type * as SerdesBundle from './serdesBundle';
import type { Serde } from './serdesBundle';
import type { RegisteredSchema, SchemaSource, SchemaType } from './types';

let serdesBundle: typeof SerdesBundle | undefined;

/** avsc, protobufjs and ajv, loaded on first use (dist/serdes.js in the extension). */
export function loadSerdes(): typeof SerdesBundle {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see serdesBundle.ts
  serdesBundle ??= require('./serdesBundle') as typeof SerdesBundle;
  return serdesBundle;
}

export interface ResolvedSchema {
  id: number;
  schemaType: SchemaType;
  /** The subject and version the id is registered under (the first, when several); absent when the registry does not say. */
  subject?: string;
  version?: number;
  /** Every subject and version the id is registered under, as the registry lists them (see subjectFor). */
  registeredAs?: readonly SubjectAndVersion[];
  serde: Serde;
}

export interface SubjectAndVersion {
  subject: string;
  version: number;
}

/**
 * The subject to name for a schema id read from `topic`'s key or value. One schema (one id) can be
 * registered under several subjects, so the id alone does not say which; the serializers' subject
 * name strategies do: TopicNameStrategy (`<topic>-value`, the default), TopicRecordNameStrategy
 * (`<topic>-<record name>`), then RecordNameStrategy (the record name alone, no -key/-value
 * suffix). Without a match, the registry's first.
 */
export function subjectFor(registeredAs: readonly SubjectAndVersion[], topic: string | undefined, part: 'key' | 'value'): SubjectAndVersion | undefined {
  if (topic !== undefined) {
    const exact = registeredAs.find((s) => s.subject === `${topic}-${part}`);
    if (exact) return exact;
    const other = part === 'key' ? '-value' : '-key';
    const topicRecord = registeredAs.find((s) => s.subject.startsWith(`${topic}-`) && !s.subject.endsWith(other));
    if (topicRecord) return topicRecord;
  }
  const record = registeredAs.find((s) => !s.subject.endsWith('-key') && !s.subject.endsWith('-value'));
  return record ?? registeredAs[0];
}

export type SchemaLookup = { ok: true; schema: ResolvedSchema } | { ok: false; reason: string };

/** Compiles a schema, fetching its references from `source`. */
export async function compileWith(source: SchemaSource, schema: RegisteredSchema): Promise<Serde> {
  const { compileSchema } = loadSerdes();
  return compileSchema(schema, (reference) => source.getSubjectVersion(reference.subject, reference.version));
}

export class SchemaCache {
  private readonly settled = new Map<number, SchemaLookup>();
  private readonly pending = new Map<number, Promise<SchemaLookup>>();
  private readonly subjects = new Map<string, Promise<ResolvedSchema>>();
  /** Lookups of schema ids started (each is one GET /schemas/ids/{id}, plus its versions). */
  lookups = 0;

  /** `warn` hears what the cache worked around: a registry that would not list the subjects of an id (the id still decodes, the subject column stays blank). */
  constructor(readonly source: SchemaSource, private readonly warn?: (message: string) => void) {}

  /** The lookup of `id` if it has ended; undefined while it runs or before it started. */
  peek(id: number): SchemaLookup | undefined {
    return this.settled.get(id);
  }

  /** Looks `id` up (once) and compiles its schema; never rejects. */
  lookup(id: number): Promise<SchemaLookup> {
    const done = this.settled.get(id);
    if (done) return Promise.resolve(done);
    let running = this.pending.get(id);
    if (!running) {
      this.lookups++;
      running = this.resolve(id).then((result) => {
        this.settled.set(id, result);
        this.pending.delete(id);
        return result;
      });
      this.pending.set(id, running);
    }
    return running;
  }

  private async resolve(id: number): Promise<SchemaLookup> {
    try {
      const [schema, versions] = await Promise.all([
        this.source.getSchemaById(id),
        this.versionsOf(id),
      ]);
      const serde = await compileWith(this.source, schema);
      const first = versions[0];
      return { ok: true, schema: { id, schemaType: schema.schemaType, ...(first ? { subject: first.subject, version: first.version } : {}), registeredAs: versions, serde } };
    } catch (error) {
      return { ok: false, reason: `Schema id ${id}: ${userMessage(error)}` };
    }
  }

  /** The subjects and versions `id` is registered under; a registry that cannot say (an older one, a proxy, an outage) still decodes the id, and the reason goes to `warn`. */
  private async versionsOf(id: number): Promise<SubjectAndVersion[]> {
    if (!this.source.getSchemaVersions) return [];
    try {
      return await this.source.getSchemaVersions(id);
    } catch (error) {
      this.warn?.(`Schema id ${id} decodes, but the registry did not list the subjects it is registered under, so its subject column stays blank: ${userMessage(error)}`);
      return [];
    }
  }

  /** A subject's version (or latest), compiled; cached per subject and version for the life of the cache (latest too). */
  bySubject(subject: string, version: number | 'latest'): Promise<ResolvedSchema> {
    const key = `${subject}\u0000${version}`;
    let running = this.subjects.get(key);
    if (!running) {
      running = (async () => {
        const found = await this.source.getSubjectVersion(subject, version);
        const serde = await compileWith(this.source, found);
        const resolved: ResolvedSchema = { id: found.id, schemaType: found.schemaType, subject: found.subject, version: found.version, serde };
        if (!this.settled.has(found.id)) this.settled.set(found.id, { ok: true, schema: resolved });
        return resolved;
      })();
      running.catch(() => { this.subjects.delete(key); });
      this.subjects.set(key, running);
    }
    return running;
  }
}
