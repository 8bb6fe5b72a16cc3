/**
 * Pure helpers of the Schemas rows and commands: which subjects belong to a topic (Confluent's
 * TopicNameStrategy and TopicRecordNameStrategy by name; RecordNameStrategy from the schema ids
 * found on the topic's messages), how a schema is shown (pretty JSON for Avro and JSON Schema,
 * the .proto text as it is, with the file extension that picks the editor's language), what
 * kind of schema a file holds, a local check of its text before it is sent, and the sentences
 * for rows and compatibility failures. No vscode: unit-tested.
 */
import type { CompatibilityLevel, SchemaType } from './registryClient';

export type SubjectStrategy = 'TopicNameStrategy' | 'TopicRecordNameStrategy' | 'RecordNameStrategy';

export interface TopicSubject {
  subject: string;
  /** key or value for TopicNameStrategy; undefined when a record name says which record, not which part. */
  part?: 'key' | 'value';
  strategy: SubjectStrategy;
}

/**
 * The subjects of `topic` among the registry's `subjects`: `<topic>-key` and `<topic>-value`
 * (TopicNameStrategy), `<topic>-<record full name>` (TopicRecordNameStrategy: a dotted name that
 * is not itself a key/value subject), and `recordSubjects`, the subjects of the schema ids found
 * on the topic's messages (RecordNameStrategy, whose subject is the record's name alone).
 */
export function subjectsOfTopic(topic: string, subjects: readonly string[], recordSubjects: readonly string[] = []): TopicSubject[] {
  const found: TopicSubject[] = [];
  const present = new Set(subjects);
  for (const part of ['key', 'value'] as const) {
    const subject = `${topic}-${part}`;
    if (present.has(subject)) found.push({ subject, part, strategy: 'TopicNameStrategy' });
  }
  const prefix = `${topic}-`;
  for (const subject of [...subjects].sort()) {
    if (!subject.startsWith(prefix)) continue;
    const record = subject.slice(prefix.length);
    if (record === 'key' || record === 'value' || /-(key|value)$/.test(record) || !record.includes('.')) continue;
    found.push({ subject, strategy: 'TopicRecordNameStrategy' });
  }
  for (const subject of [...new Set(recordSubjects)].sort()) {
    if (!found.some((f) => f.subject === subject)) found.push({ subject, strategy: 'RecordNameStrategy' });
  }
  return found;
}

/** The schema as a reader sees it: Avro and JSON Schema pretty-printed (the registry keeps them compact), Protobuf as it is. */
export function schemaDocumentText(schemaType: SchemaType, schema: string): string {
  if (schemaType === 'PROTOBUF') return schema.endsWith('\n') ? schema : `${schema}\n`;
  try {
    return `${JSON.stringify(JSON.parse(schema), null, 2)}\n`;
  } catch {
    return schema;
  }
}

/** The file extension of a schema type: it picks the language of the read-only document. */
export function schemaFileExtension(schemaType: SchemaType): '.avsc' | '.proto' | '.json' {
  return schemaType === 'AVRO' ? '.avsc' : schemaType === 'PROTOBUF' ? '.proto' : '.json';
}

/** The language id of a schema document (an Avro schema is JSON; .proto files get an installed Protobuf language if any). */
export function schemaLanguageId(schemaType: SchemaType): string {
  return schemaType === 'PROTOBUF' ? 'proto3' : 'json';
}

/** Words for a schema type: "Avro", "Protobuf", "JSON Schema". */
export function schemaTypeLabel(schemaType: SchemaType): string {
  return schemaType === 'AVRO' ? 'Avro' : schemaType === 'PROTOBUF' ? 'Protobuf' : 'JSON Schema';
}

const AVRO_TOP_TYPES = new Set(['record', 'enum', 'fixed', 'array', 'map', 'null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/**
 * The kind of schema a file holds: .avsc is Avro, .proto Protobuf; a .json file is JSON Schema
 * unless its content is plainly an Avro schema (a record, enum or fixed without "$schema").
 * Undefined when neither the name nor the content says.
 */
export function detectSchemaType(fileName: string, text: string): SchemaType | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.avsc')) return 'AVRO';
  if (lower.endsWith('.proto')) return 'PROTOBUF';
  if (/^\s*(syntax|package|message|import)\b/m.test(text) && !/^\s*[{[]/.test(text)) return 'PROTOBUF';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return lower.endsWith('.json') ? 'JSON' : undefined;
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const record = parsed as Record<string, unknown>;
    if (record['$schema'] !== undefined || record['properties'] !== undefined) return 'JSON';
    if (typeof record['type'] === 'string' && AVRO_TOP_TYPES.has(record['type']) && (record['name'] !== undefined || record['fields'] !== undefined || record['symbols'] !== undefined)) return 'AVRO';
  }
  if (Array.isArray(parsed)) return 'AVRO';
  return lower.endsWith('.json') ? 'JSON' : undefined;
}

/** Line and column (from 1) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * The offset where `text` stops being JSON, for the line and column of the sentence (the
 * runtime's own message does not always give a position). JSON.parse stays the judge of
 * whether it is JSON; this only walks the text to find where it went wrong.
 */
class JsonStop extends Error {
  constructor(readonly offset: number) {
    super(`not JSON at ${offset}`);
  }
}

export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = (): void => { while (i < text.length && ' \t\n\r'.includes(text[i] ?? '')) i++; };
  const fail = (): never => { throw new JsonStop(i); };
  const literal = (word: string): void => { if (text.startsWith(word, i)) i += word.length; else fail(); };
  const string = (): void => {
    if (text[i] !== '"') fail();
    i++;
    while (i < text.length && text[i] !== '"') {
      const ch = text.charCodeAt(i);
      if (ch < 0x20) fail();
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail();
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail();
      }
    }
    if (ch === '"') { string(); return; }
    if (ch === 't') { literal('true'); return; }
    if (ch === 'f') { literal('false'); return; }
    if (ch === 'n') { literal('null'); return; }
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!number) fail();
    i += number?.[0].length ?? 0;
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (error) {
    if (error instanceof JsonStop) return Math.min(error.offset, text.length);
    throw error;
  }
}

/**
 * What is wrong with a schema's text before the registry sees it, or undefined: an Avro or JSON
 * schema must be JSON (the sentence gives the line and column), a .proto file must declare
 * something. The registry's own check (42201 Invalid schema) covers the rest.
 */
export function schemaTextProblem(schemaType: SchemaType, text: string, fileName: string): string | undefined {
  if (text.trim() === '') return `${fileName} is empty: write the ${schemaTypeLabel(schemaType)} schema first.`;
  if (schemaType === 'PROTOBUF') {
    if (!/\b(message|enum|service)\s+\w+/.test(text)) return `${fileName} declares no message, enum or service: it is not a Protobuf schema.`;
    return undefined;
  }
  try {
    JSON.parse(text);
    return undefined;
  } catch {
    const offset = jsonErrorOffset(text);
    const { line, column } = lineColumn(text, Math.max(0, offset));
    const found = offset >= text.length ? 'the text ends too early' : `unexpected ${JSON.stringify(text.slice(offset, offset + 1))}`;
    return `${fileName} is not valid JSON at line ${line}, column ${column} (${found}), so it is not ${schemaType === 'AVRO' ? 'an Avro' : 'a JSON'} schema. Fix it and register again.`;
  }
}

export interface SubjectSummary {
  schemaType: SchemaType;
  latestVersion: number;
  latestId: number;
  versions: number;
  /** The subject's own level, or undefined when it follows the global one. */
  ownLevel: CompatibilityLevel | undefined;
  globalLevel: CompatibilityLevel;
}

/** A subject row's description: "Avro · v3 · BACKWARD" (the level is marked when it is the global one). */
export function subjectDescription(summary: SubjectSummary): string {
  const level = summary.ownLevel ?? `${summary.globalLevel} (global)`;
  return `${schemaTypeLabel(summary.schemaType)} · v${summary.latestVersion} · ${level}`;
}

/** The sentence when the registry finds a new schema incompatible, with its reasons one per line. */
export function incompatibleMessage(subject: string, level: CompatibilityLevel | undefined, messages: readonly string[]): string {
  const under = level ? ` under ${level}` : '';
  const reasons = messages.length > 0 ? messages.map((m) => `• ${m}`).join('\n') : '• (the registry gave no reasons)';
  return `The schema is not compatible with subject "${subject}"${under}. Nothing was registered. The registry says:\n${reasons}`;
}

/** The subject a file would get by default: the name of the file without extension, then -value (TopicNameStrategy for a topic of that name). */
export function defaultSubjectFor(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.(avsc|proto|json)$/i, '');
  return `${base}-value`;
}

/** Runs `work` on each item with at most `limit` at once; results in the items' order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
