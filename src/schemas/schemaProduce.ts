/**
 * Producing schema'd messages: a subject's version picked, each value checked against its
 * schema and encoded in the Confluent wire format; or values generated from the subject.
 * Works on the producer's message streams (ProduceMessage iterables), so the form, template
 * files and the benchmark share it, with the same count, rate and cancel as any run.
 * No vscode import.
 */
import type { ProduceMessage } from '../kafka/types';
import { parseSchemaVersion, type SchemaChoice } from '../kafka/producerForm';
import { WorkbenchError } from '../shared/errors';
import { compileGenerator, type GeneratorOptions } from './generate';
import type { ResolvedSchema, SchemaCache } from './serdes';
import { frame } from './wire';

export { parseSchemaVersion, type SchemaChoice };

/** Looks the subject's version up (cached) with an error that says what to do. */
export async function schemaForProduce(cache: SchemaCache, choice: SchemaChoice): Promise<ResolvedSchema> {
  try {
    return await cache.bySubject(choice.subject, choice.version);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new WorkbenchError(`The subject ${choice.subject} (version ${choice.version}) cannot be used: ${why}`, { cause: error });
  }
}

/** Why a value does not fit, or encodes it in the wire format. */
export function encodeValue(schema: ResolvedSchema, value: unknown, messageName?: string): Buffer {
  try {
    const { payload, indexes } = schema.serde.encode(value, messageName);
    return frame(schema.id, payload, indexes);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new WorkbenchError(`${why} Fix the value, or pick another subject or version (${schema.subject ?? `id ${schema.id}`} v${schema.version ?? '?'}).`, { cause: error });
  }
}

/** Problems of a value's JSON text against the schema, one line each; [] when it fits. */
export function valueProblems(schema: ResolvedSchema, text: string, messageName?: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return [`The value is not JSON: ${error instanceof Error ? error.message : String(error)}`];
  }
  return schema.serde.validate(value, messageName);
}

function valueText(value: ProduceMessage['value']): string {
  if (value === null) return 'null';
  return typeof value === 'string' ? value : value.toString('utf8');
}

/** Encodes one message at a time: `json` checks and encodes each value (JSON text); `subject` generates each value from the schema. */
export type MessageEncoder = (message: ProduceMessage) => ProduceMessage;

/** An encoder of messages whose values are JSON text: each is checked and encoded; a value that does not fit throws, saying which message. */
export function jsonEncoder(schema: ResolvedSchema, messageName?: string): MessageEncoder {
  let index = 0;
  return (message) => {
    index++;
    let value: unknown;
    try {
      value = JSON.parse(valueText(message.value));
    } catch (error) {
      throw new WorkbenchError(`Message ${index}: the value is not JSON, and the subject ${schema.subject ?? ''} needs a value in its JSON form (${error instanceof Error ? error.message : String(error)}).`, { cause: error });
    }
    try {
      return { ...message, value: encodeValue(schema, value, messageName) };
    } catch (error) {
      throw new WorkbenchError(`Message ${index}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  };
}

/** A maker of values of the subject's schema (its JSON form). */
export function valueGenerator(schema: ResolvedSchema, messageName?: string, options: GeneratorOptions = {}): () => unknown {
  return compileGenerator(schema.serde.jsonSchema(messageName), options);
}

/**
 * An encoder that replaces each message's value by one generated from the schema (keys and
 * headers stay). The first value is checked against the schema, so a generator that cannot
 * honour a schema says so before anything is written; the rest are encoded directly.
 */
export function generatingEncoder(schema: ResolvedSchema, messageName?: string, options: GeneratorOptions = {}): MessageEncoder {
  const make = valueGenerator(schema, messageName, options);
  let first = true;
  return (message) => {
    const value = make();
    if (first) {
      first = false;
      const problems = schema.serde.validate(value, messageName);
      if (problems.length > 0) throw new WorkbenchError(`Test data generated from ${schema.subject ?? `schema id ${schema.id}`} does not fit its schema (${problems.join('; ')}): write the value yourself in the JSON mode.`);
    }
    return { ...message, value: schema.serde.frameTrusted(value, schema.id, messageName) };
  };
}

/** The messages of a stream, each through `encode` (runs too long to render up front). */
export async function* encodeStream(source: AsyncIterable<ProduceMessage>, encode: MessageEncoder): AsyncGenerator<ProduceMessage> {
  for await (const message of source) yield encode(message);
}
