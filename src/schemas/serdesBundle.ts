/**
 * The serdes of schema'd messages: Avro by avsc, Protobuf by protobufjs, JSON Schema by ajv
 * (no hand-written codec). They turn a payload into the workbench's JSON form and back, derive
 * a JSON Schema from an Avro or Protobuf schema (for the producer's completion, diagnostics
 * and validation, and for the test-data generator), and check a value against it.
 *
 * The JSON form, the same for every row and every export:
 * - Avro: records as objects, unions without their branch name where avsc can tell the
 *   branch from the value (a wrapped `{"branch": value}` otherwise), enums as their symbol,
 *   bytes and fixed as base64, decimal as a string of digits ("12.30", the schema's scale),
 *   timestamp-millis as ISO 8601 with milliseconds, timestamp-micros with microseconds
 *   ("2024-05-01T10:00:00.123456Z"), date as "YYYY-MM-DD", uuid as its string. long as a
 *   JSON number (exact up to 2^53).
 * - Protobuf: the proto3 JSON mapping with the field names of the .proto: 64-bit integers as
 *   strings, enums by name, bytes as base64, google.protobuf.Timestamp as RFC 3339
 *   ("2024-05-01T10:00:00Z", fraction only when non-zero), every field shown (defaults too).
 * - JSON Schema: the JSON as it is.
 *
 * Heavy (avsc + protobufjs + ajv, ~350 KB), so esbuild.js builds this file on its own
 * (dist/serdes.js) and serdes.ts requires it on first use.
 */
import * as avro from 'avsc';
import * as protobuf from 'protobufjs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { RegisteredSchema, SchemaReference, SchemaType } from './types';
import { childPointer, formatValueProblem, problemsFromAjv, type AjvErrorShape, type ValueProblem } from './valueCheck';
import { frame, wirePrefix } from './wire';
import { isoTime } from './isoTime';

/** A schema'd value that fails its schema: the messages say where and why. */
export class SchemaValueError extends Error {
  constructor(message: string, readonly problems: string[]) {
    super(message);
    this.name = 'SchemaValueError';
  }
}

/** A schema that cannot be compiled (malformed .avsc, .proto or JSON Schema, missing reference). */
export class SchemaCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaCompileError';
  }
}

export type JsonSchema = Record<string, unknown>;

export interface Serde {
  type: SchemaType;
  /** Protobuf: the message names in the order of the message indexes' first level; the others: one name or none. */
  messageNames: string[];
  /** Decodes a payload (after the wire header and indexes) into the JSON form. Throws with a reason. */
  decode(payload: Uint8Array, indexes?: readonly number[]): unknown;
  /** JSON.stringify(decode(payload, indexes)), made without the intermediate copy where the type allows: the inspector's path for every row. */
  decodeText(payload: Uint8Array, indexes?: readonly number[]): string;
  /** Checks a JSON-form value against the schema; [] when it fits, else one line per problem (`/address/zip: must be integer`). */
  validate(value: unknown, messageName?: string): string[];
  /** The same problems, each with the JSON Pointer of its field (for diagnostics on the field's range). */
  problems(value: unknown, messageName?: string): ValueProblem[];
  /** Encodes a JSON-form value; throws SchemaValueError when it does not fit. Returns the payload and, for Protobuf, the message indexes. */
  encode(value: unknown, messageName?: string): { payload: Uint8Array; indexes?: number[] };
  /** Encodes without the validation encode() does first: for generated values, which fit by construction. */
  encodeTrusted(value: unknown, messageName?: string): { payload: Uint8Array; indexes?: number[] };
  /**
   * encodeTrusted framed in the Confluent wire format under `schemaId` (magic byte, id, for
   * Protobuf the message indexes, then the payload), written once into one buffer: the
   * producer's path for generated values, many thousands a second.
   */
  frameTrusted(value: unknown, schemaId: number, messageName?: string): Buffer;
  /** A JSON Schema of the JSON form (for Protobuf, of `messageName`, default the first message). */
  jsonSchema(messageName?: string): JsonSchema;
}

/** Fetches a referenced schema (the subject version a reference names). */
export type ReferenceResolver = (reference: SchemaReference) => Promise<RegisteredSchema>;

// ---------------------------------------------------------------------------------------------
// JSON form helpers

/** Bytes as base64, for the JSON form. */
function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Replaces Buffers by base64 and avsc's record objects by plain objects. */
function jsonForm(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return base64(value);
  if (Array.isArray(value)) return value.map(jsonForm);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = jsonForm((value as Record<string, unknown>)[key]);
  return out;
}

const DECIMAL_TEXT = /^[-+]?\d+(\.\d+)?$/;
const ISO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;
const UUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Milliseconds and the sub-millisecond digits of an ISO 8601 time with a zone. */
function parseIsoTime(text: string): { ms: number; subMs: number } | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const fraction = (m[2] ?? '').padEnd(9, '0');
  const whole = Date.parse(`${m[1] as string}${m[3] as string}`);
  if (Number.isNaN(whole)) return undefined;
  return { ms: whole + Number(fraction.slice(0, 3)), subMs: Number(fraction.slice(3, 6)) };
}

/** ISO 8601 as Date.toISOString writes it (UTC, milliseconds): Date.parse reads it exactly, without the general parse. */
const ISO_MILLIS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** UUID_TEXT, checked character by character (every generated or produced uuid passes here). */
function isUuidText(text: string): boolean {
  if (text.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = text.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!isHexDigit(c)) return false;
  }
  return true;
}

/** The wire prefix of a schema id (and message indexes), made once per id, not once per message. */
function prefixCache(indexes?: readonly number[]): (schemaId: number) => Uint8Array {
  let id = -1;
  let prefix: Uint8Array = new Uint8Array(0);
  return (schemaId) => {
    if (schemaId !== id) {
      prefix = wirePrefix(schemaId, indexes);
      id = schemaId;
    }
    return prefix;
  };
}

// ---------------------------------------------------------------------------------------------
// Avro

/** Bytes of a slab that framed Avro values are written into (see frameTrusted). */
const AVRO_SLAB_BYTES = 64 * 1024;

/** decimal on bytes or fixed: two's complement big-endian unscaled value ⇄ "123.45". */
class DecimalType extends avro.types.LogicalType {
  readonly scale: number;
  readonly precision: number;
  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts);
    const s = schema as { scale?: number; precision?: number };
    this.scale = s.scale ?? 0;
    this.precision = s.precision ?? 0;
  }
  private fixedSize(): number | undefined {
    const u = this.underlyingType as unknown as { typeName: string; size?: number };
    return u.typeName === 'fixed' ? u.size : undefined;
  }
  protected override _fromValue(buf: Buffer): string {
    let negative: boolean;
    let digits: string;
    if (buf.length > 0 && buf.length <= 6) {
      // Up to 48 bits: exact as a Number, and much faster than BigInt.
      const n = buf.readIntBE(0, buf.length);
      negative = n < 0;
      digits = String(Math.abs(n));
    } else {
      let n = 0n;
      for (const b of buf) n = (n << 8n) | BigInt(b);
      if (buf.length > 0 && ((buf[0] as number) & 0x80) !== 0) n -= 1n << BigInt(buf.length * 8);
      negative = n < 0n;
      digits = (negative ? -n : n).toString();
    }
    digits = digits.padStart(this.scale + 1, '0');
    const text = this.scale > 0 ? `${digits.slice(0, -this.scale)}.${digits.slice(-this.scale)}` : digits;
    return negative ? `-${text}` : text;
  }
  /**
   * The bytes of a decimal on bytes whose text has at most 14 significant digits (the usual
   * case, e.g. "-12.30"), read in one pass over the characters; null when the text is
   * anything else, for the general path below to accept or refuse. Same bytes as that path.
   */
  private smallBytes(text: string): Buffer | null {
    const length = text.length;
    let i = 0;
    let negative = false;
    const first = text.charCodeAt(0);
    if (first === 45 || first === 43) {
      negative = first === 45;
      i = 1;
    }
    let n = 0;
    let significant = 0;
    let wholeDigits = 0;
    let fractionDigits = -1;
    for (; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        if (fractionDigits >= 0) fractionDigits++;
        else wholeDigits++;
        if (n !== 0 || c !== 48) significant++;
        n = n * 10 + (c - 48);
      } else if (c === 46 && fractionDigits < 0 && wholeDigits > 0) {
        fractionDigits = 0;
      } else {
        return null;
      }
    }
    if (wholeDigits === 0 || fractionDigits === 0) return null;
    const fraction = Math.max(fractionDigits, 0);
    if (fraction > this.scale) return null;
    const digits = n === 0 ? 1 : significant + (this.scale - fraction);
    if (digits > 14 || (this.precision > 0 && digits > this.precision)) return null;
    const unscaled = n * 10 ** (this.scale - fraction);
    const signed = negative ? -unscaled : unscaled;
    let bytes = 1;
    while (bytes < 6 && (signed >= 2 ** (8 * bytes - 1) || signed < -(2 ** (8 * bytes - 1)))) bytes++;
    const out = Buffer.allocUnsafe(bytes);
    out.writeIntBE(signed, 0, bytes);
    return out;
  }
  protected override _toValue(value: unknown): Buffer | undefined {
    if (typeof value === 'string' && value.length > 0 && value.length <= 16 && this.fixedSize() === undefined) {
      const small = this.smallBytes(value);
      if (small !== null) return small;
    }
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string' || !DECIMAL_TEXT.test(text)) return undefined;
    const negative = text.startsWith('-');
    const [whole, fraction = ''] = text.replace(/^[-+]/, '').split('.') as [string, string?];
    if (fraction.length > this.scale) return undefined;
    const unscaled = (whole + fraction.padEnd(this.scale, '0')).replace(/^0+(?=\d)/, '');
    if (this.precision > 0 && unscaled.length > this.precision) return undefined;
    const size = this.fixedSize();
    if (size === undefined && unscaled.length <= 14) {
      // Fits 47 bits: the shortest two's complement bytes through a Number.
      const n = negative ? -Number(unscaled) : Number(unscaled);
      let length = 1;
      while (length < 6 && (n >= 2 ** (8 * length - 1) || n < -(2 ** (8 * length - 1)))) length++;
      const out = Buffer.allocUnsafe(length);
      out.writeIntBE(n, 0, length);
      return out;
    }
    let n = BigInt(unscaled);
    if (negative) n = -n;
    const bytes: number[] = [];
    let rest = n;
    do {
      bytes.unshift(Number(rest & 0xffn));
      rest >>= 8n;
    } while (!(rest === 0n && ((bytes[0] as number) & 0x80) === 0) && !(rest === -1n && ((bytes[0] as number) & 0x80) !== 0));
    if (size !== undefined) {
      if (bytes.length > size) return undefined;
      while (bytes.length < size) bytes.unshift(negative ? 0xff : 0);
    }
    return Buffer.from(bytes);
  }
  protected override _resolve(type: avro.Type): ((x: unknown) => unknown) | undefined {
    return avro.Type.isType(type, 'logical:decimal') ? (x: unknown) => x : undefined;
  }
}

/** timestamp-millis: long ⇄ "2024-05-01T10:00:00.123Z". */
class TimestampMillisType extends avro.types.LogicalType {
  protected override _fromValue(ms: number): string {
    return isoTime(ms);
  }
  protected override _toValue(value: unknown): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (value instanceof Date) return value.getTime();
    if (typeof value !== 'string') return undefined;
    if (value.length === 24 && ISO_MILLIS_UTC.test(value)) {
      const ms = Date.parse(value);
      return Number.isNaN(ms) ? undefined : ms;
    }
    return parseIsoTime(value)?.ms;
  }
  protected override _resolve(type: avro.Type): ((x: unknown) => unknown) | undefined {
    return avro.Type.isType(type, 'logical:timestamp-millis') ? (x: unknown) => x : undefined;
  }
}

/** timestamp-micros: long ⇄ "2024-05-01T10:00:00.123456Z". */
class TimestampMicrosType extends avro.types.LogicalType {
  protected override _fromValue(micros: number): string {
    const ms = Math.floor(micros / 1000);
    const sub = String(micros - ms * 1000).padStart(3, '0');
    return isoTime(ms).replace('Z', `${sub}Z`);
  }
  protected override _toValue(value: unknown): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (typeof value !== 'string') return undefined;
    const parsed = parseIsoTime(value);
    return parsed ? parsed.ms * 1000 + parsed.subMs : undefined;
  }
  protected override _resolve(type: avro.Type): ((x: unknown) => unknown) | undefined {
    return avro.Type.isType(type, 'logical:timestamp-micros') ? (x: unknown) => x : undefined;
  }
}

const DAY_MS = 86_400_000;

/** date: int days since 1970-01-01 ⇄ "2024-05-01". */
class DateType extends avro.types.LogicalType {
  protected override _fromValue(days: number): string {
    return new Date(days * DAY_MS).toISOString().slice(0, 10);
  }
  protected override _toValue(value: unknown): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (typeof value !== 'string' || !DATE_TEXT.test(value)) return undefined;
    const ms = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(ms) ? undefined : ms / DAY_MS;
  }
  protected override _resolve(type: avro.Type): ((x: unknown) => unknown) | undefined {
    return avro.Type.isType(type, 'logical:date') ? (x: unknown) => x : undefined;
  }
}

/** uuid: a string that must be a UUID. */
class UuidType extends avro.types.LogicalType {
  protected override _fromValue(text: string): string {
    return text;
  }
  protected override _toValue(value: unknown): string | undefined {
    return typeof value === 'string' && isUuidText(value) ? value : undefined;
  }
  protected override _resolve(type: avro.Type): ((x: unknown) => unknown) | undefined {
    return avro.Type.isType(type, 'logical:uuid', 'string') ? (x: unknown) => x : undefined;
  }
}

const LOGICAL_TYPES = {
  decimal: DecimalType,
  'timestamp-millis': TimestampMillisType,
  'timestamp-micros': TimestampMicrosType,
  date: DateType,
  uuid: UuidType,
} as unknown as Record<string, new (schema: avro.Schema, opts?: unknown) => avro.types.LogicalType>;

interface AvroTypeShape {
  typeName: string;
  name?: string;
  fields?: { name: string; type: AvroTypeShape; defaultValue(): unknown }[];
  types?: AvroTypeShape[];
  itemsType?: AvroTypeShape;
  valuesType?: AvroTypeShape;
  symbols?: string[];
  size?: number;
  underlyingType?: AvroTypeShape;
  scale?: number;
  precision?: number;
  branchName?: string;
}

type FromJson = (value: unknown) => unknown;

/**
 * Compiles the conversion of the JSON form into what avsc encodes (base64 text into Buffers
 * for bytes and fixed); undefined when the type holds no bytes, so most values pass as they are.
 */
function avroFromJson(type: AvroTypeShape, seen = new Map<AvroTypeShape, FromJson | undefined | null>()): FromJson | undefined {
  if (seen.has(type)) {
    const known = seen.get(type);
    // null: being compiled (a recursive record); convert through a late lookup.
    return known === null ? (v) => (seen.get(type) ?? ((x: unknown) => x))(v) : known;
  }
  seen.set(type, null);
  const result = compileFromJson(type, seen);
  seen.set(type, result);
  return result;
}

function compileFromJson(type: AvroTypeShape, seen: Map<AvroTypeShape, FromJson | undefined | null>): FromJson | undefined {
  switch (type.typeName) {
    case 'bytes':
    case 'fixed':
      return (value) => (typeof value === 'string' ? Buffer.from(value, 'base64') : value);
    case 'record':
    case 'error': {
      const fields = (type.fields ?? []).map((f) => [f.name, avroFromJson(f.type, seen)] as const).filter((f): f is readonly [string, FromJson] => f[1] !== undefined);
      if (fields.length === 0) return undefined;
      return (value) => {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
        const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
        for (const [name, convert] of fields) if (name in out) out[name] = convert(out[name]);
        return out;
      };
    }
    case 'array': {
      const item = avroFromJson(type.itemsType as AvroTypeShape, seen);
      return item && ((value) => (Array.isArray(value) ? value.map(item) : value));
    }
    case 'map': {
      const each = avroFromJson(type.valuesType as AvroTypeShape, seen);
      return each && ((value) => (value === null || typeof value !== 'object' ? value : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, each(v)]))));
    }
    case 'union:unwrapped': {
      const branches = (type.types ?? []).map((b) => [b, avroFromJson(b, seen)] as const);
      if (branches.every(([, c]) => c === undefined)) return undefined;
      return (value) => {
        for (const [branch, convert] of branches) {
          const converted = convert ? convert(value) : value;
          if ((branch as unknown as avro.Type).isValid(converted)) return converted;
        }
        return value;
      };
    }
    case 'union:wrapped': {
      const byName = new Map((type.types ?? []).map((b) => [b.branchName ?? b.name ?? b.typeName, avroFromJson(b, seen)]));
      if ([...byName.values()].every((c) => c === undefined)) return undefined;
      return (value) => {
        if (value === null || typeof value !== 'object') return value;
        const [name] = Object.keys(value);
        const convert = name === undefined ? undefined : byName.get(name);
        return convert && name !== undefined ? { [name]: convert((value as Record<string, unknown>)[name]) } : value;
      };
    }
    default:
      return undefined;
  }
}

/**
 * Whether avsc's decoded values of a type already stringify to its JSON form: no bytes or
 * fixed (Buffers, base64 in the JSON form) and no wrapped union anywhere in it. Records
 * stringify as their fields (avsc's record classes add nothing of their own), and the logical
 * types above decode to text.
 */
function avroJsonAsDecoded(root: AvroTypeShape): boolean {
  const seen = new Set<AvroTypeShape>();
  const plain = (type: AvroTypeShape): boolean => {
    if (seen.has(type)) return true;
    seen.add(type);
    switch (type.typeName) {
      case 'bytes':
      case 'fixed':
      case 'union:wrapped':
        return false;
      case 'record':
      case 'error':
        return (type.fields ?? []).every((f) => plain(f.type));
      case 'array':
        return plain(type.itemsType as AvroTypeShape);
      case 'map':
        return plain(type.valuesType as AvroTypeShape);
      case 'union:unwrapped':
        return (type.types ?? []).every(plain);
      case 'logical:decimal':
      case 'logical:timestamp-millis':
      case 'logical:timestamp-micros':
      case 'logical:date':
      case 'logical:uuid':
        return true;
      default:
        return !type.typeName.startsWith('logical:');
    }
  };
  return plain(root);
}

/** The JSON Schema of an Avro type's JSON form; named types go to $defs. */
function avroJsonSchema(root: AvroTypeShape): JsonSchema {
  const defs: Record<string, JsonSchema> = {};
  const of = (type: AvroTypeShape): JsonSchema => {
    switch (type.typeName) {
      case 'null': return { type: 'null' };
      case 'boolean': return { type: 'boolean' };
      case 'int': return { type: 'integer', minimum: -2147483648, maximum: 2147483647 };
      // avsc reads and writes longs as JavaScript numbers, exact within ±2^52.
      case 'long': return { type: 'integer', minimum: -4503599627370496, maximum: 4503599627370496, description: 'long (exact within ±2^52 here)' };
      case 'float':
      case 'double': return { type: 'number' };
      case 'string': return { type: 'string' };
      case 'bytes': return { type: 'string', contentEncoding: 'base64', description: 'bytes, as base64' };
      case 'fixed': return { type: 'string', contentEncoding: 'base64', description: `${type.size ?? 0} bytes, as base64`, 'x-fixed-size': type.size ?? 0 };
      case 'enum': return { enum: [...(type.symbols ?? [])] };
      case 'array': return { type: 'array', items: of(type.itemsType as AvroTypeShape) };
      case 'map': return { type: 'object', additionalProperties: of(type.valuesType as AvroTypeShape) };
      case 'record':
      case 'error': {
        const name = type.name ?? 'record';
        if (!(name in defs)) {
          defs[name] = {};
          const properties: Record<string, JsonSchema> = {};
          const required: string[] = [];
          for (const field of type.fields ?? []) {
            properties[field.name] = of(field.type);
            if (field.defaultValue() === undefined) required.push(field.name);
          }
          Object.assign(defs[name], { type: 'object', title: name, properties, required, additionalProperties: false });
        }
        return { $ref: `#/$defs/${name}` };
      }
      case 'union:unwrapped': return { anyOf: (type.types ?? []).map(of) };
      case 'union:wrapped': return {
        oneOf: (type.types ?? []).map((b) => (b.typeName === 'null' ? { type: 'null' } : {
          type: 'object', properties: { [b.branchName ?? b.name ?? b.typeName]: of(b) }, required: [b.branchName ?? b.name ?? b.typeName], additionalProperties: false,
        })),
      };
      case 'logical:decimal': return { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$', description: `decimal(${type.precision ?? 0}, ${type.scale ?? 0}), as a string`, 'x-decimal': { precision: type.precision ?? 0, scale: type.scale ?? 0 } };
      case 'logical:timestamp-millis':
      case 'logical:timestamp-micros': return { type: 'string', format: 'date-time', pattern: ISO_TIME.source, description: `${type.typeName.slice(8)}, as ISO 8601 text` };
      case 'logical:date': return { type: 'string', format: 'date', pattern: DATE_TEXT.source };
      case 'logical:uuid': return { type: 'string', format: 'uuid', pattern: UUID_TEXT.source };
      default:
        return type.typeName.startsWith('logical:') && type.underlyingType ? of(type.underlyingType) : {};
    }
  };
  const top = of(root);
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...top, $defs: defs };
}

function makeAjv(): Ajv {
  return new Ajv({ strict: false, allErrors: true, validateFormats: false, verbose: true });
}

function ajvProblems(errors: ErrorObject[] | null | undefined): ValueProblem[] {
  return problemsFromAjv(errors as AjvErrorShape[] | null | undefined);
}

/** Names of Avro named types in a schema text, for references. */
async function avroRegistry(schema: RegisteredSchema, resolve: ReferenceResolver, registry: Record<string, avro.Type>, seen: Set<string>): Promise<void> {
  for (const reference of schema.references ?? []) {
    const key = `${reference.subject}/${reference.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const referenced = await resolve(reference);
    await avroRegistry(referenced, resolve, registry, seen);
    avro.Type.forSchema(parseJsonSchemaText(referenced.schema, 'Avro'), { registry, logicalTypes: LOGICAL_TYPES, wrapUnions: 'auto' });
  }
}

function parseJsonSchemaText(text: string, what: string): avro.Schema {
  try {
    return JSON.parse(text) as avro.Schema;
  } catch (error) {
    throw new SchemaCompileError(`The ${what} schema is not valid JSON: ${(error as Error).message}`);
  }
}

async function avroSerde(schema: RegisteredSchema, resolve: ReferenceResolver): Promise<Serde> {
  const registry: Record<string, avro.Type> = {};
  await avroRegistry(schema, resolve, registry, new Set());
  let type: avro.Type;
  try {
    type = avro.Type.forSchema(parseJsonSchemaText(schema.schema, 'Avro'), { registry, logicalTypes: LOGICAL_TYPES, wrapUnions: 'auto' });
  } catch (error) {
    if (error instanceof SchemaCompileError) throw error;
    throw new SchemaCompileError(`The Avro schema does not compile: ${(error as Error).message}`);
  }
  const shape = type as unknown as AvroTypeShape;
  const json = avroJsonSchema(shape);
  const convert = avroFromJson(shape);
  const fromJson: FromJson = convert ?? ((v) => v);
  let validator: ValidateFunction | undefined;
  const problems = (value: unknown): ValueProblem[] => {
    validator ??= makeAjv().compile(json);
    if (validator(value)) {
      // What a JSON Schema cannot say (a decimal's precision, a fixed's size): avsc's own check.
      const found: ValueProblem[] = [];
      type.isValid(fromJson(value), { errorHook: (path: string[]) => { found.push({ pointer: path.reduce<string>((p, k) => childPointer(p, k), ''), message: 'does not fit the Avro type' }); } });
      return found;
    }
    return ajvProblems(validator.errors);
  };
  const validate = (value: unknown): string[] => problems(value).map(formatValueProblem);
  const encodeTrusted = (value: unknown): { payload: Uint8Array } => ({ payload: type.toBuffer(fromJson(value)) });
  const decodeAvro = (payload: Uint8Array): unknown => {
    const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    let decoded: { value: unknown; offset: number };
    try {
      decoded = type.decode(buf, 0);
    } catch (error) {
      // Reading past the end hands the logical types nothing to convert: say what that means.
      throw new Error(`Truncated, or not written with this schema: the Avro payload of ${buf.length} bytes does not decode (${(error as Error).message}).`, { cause: error });
    }
    const { value, offset } = decoded;
    if (offset < 0) throw new Error(`Truncated: the Avro payload ends before the value does (${buf.length} bytes).`);
    if (offset !== buf.length) throw new Error(`The Avro value ends after ${offset} of the payload's ${buf.length} bytes: the bytes were not written with this schema.`);
    return value;
  };
  const plainJson = avroJsonAsDecoded(shape);
  // Framed values are written straight into a slab after their prefix and handed out as slices
  // of it: one write per value, no per-value allocation or copy (toBuffer allocates and copies,
  // framing copies again). A value that does not fit in what is left starts a new slab.
  const prefixOf = prefixCache();
  let slab = Buffer.allocUnsafe(0);
  let used = 0;
  const frameTrusted = (value: unknown, schemaId: number): Buffer => {
    const prefix = prefixOf(schemaId);
    const avroValue = fromJson(value);
    for (let attempt = 0; ; attempt++) {
      const start = used + prefix.length;
      if (start < slab.length) {
        slab.set(prefix, used);
        const end: number = type.encode(avroValue, slab, start);
        if (end >= 0) {
          const out = slab.subarray(used, end);
          used = end;
          return out;
        }
        // encode() answers how many bytes were missing: a new slab with room for this value.
        const needed = slab.length - end - start;
        if (attempt > 0) throw new Error(`The Avro value needs ${needed} bytes and did not fit a slab made for it.`);
        slab = Buffer.allocUnsafe(Math.max(AVRO_SLAB_BYTES, prefix.length + needed));
      } else {
        slab = Buffer.allocUnsafe(AVRO_SLAB_BYTES);
      }
      used = 0;
    }
  };
  return {
    type: 'AVRO',
    messageNames: shape.name ? [shape.name] : [],
    decode(payload) {
      return jsonForm(decodeAvro(payload));
    },
    decodeText(payload) {
      const value = decodeAvro(payload);
      return JSON.stringify(plainJson ? value : jsonForm(value));
    },
    validate,
    problems,
    encode(value) {
      const problems = validate(value);
      if (problems.length > 0) throw new SchemaValueError(`The value does not match the Avro schema${shape.name ? ` ${shape.name}` : ''}: ${problems.join('; ')}.`, problems);
      return encodeTrusted(value);
    },
    encodeTrusted,
    frameTrusted,
    jsonSchema: () => json,
  };
}

// ---------------------------------------------------------------------------------------------
// Protobuf

const TIMESTAMP = '.google.protobuf.Timestamp';

/** Adds a well-known type file (google/protobuf/*.proto) that protobufjs ships. */
function addWellKnown(root: protobuf.Root, file: string): boolean {
  const common = (protobuf as unknown as { common: { get(file: string): protobuf.INamespace | null } }).common;
  const json = common.get(file);
  if (!json) return false;
  root.addJSON(json.nested ?? {});
  return true;
}

async function addProtoFile(root: protobuf.Root, name: string, text: string, references: readonly SchemaReference[], resolve: ReferenceResolver, seen: Set<string>): Promise<protobuf.IParserResult> {
  const refs = new Map(references.map((r) => [r.name, r]));
  let parsed: protobuf.IParserResult;
  try {
    parsed = protobuf.parse(text, new protobuf.Root(), { keepCase: true });
  } catch (error) {
    throw new SchemaCompileError(`The Protobuf schema ${name} does not parse: ${(error as Error).message}`);
  }
  for (const file of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
    if (seen.has(file)) continue;
    seen.add(file);
    const reference = refs.get(file);
    if (reference) {
      const referenced = await resolve(reference);
      await addProtoFile(root, file, referenced.schema, referenced.references ?? [], resolve, seen);
    } else if (!addWellKnown(root, file)) {
      throw new SchemaCompileError(`The Protobuf schema ${name} imports "${file}", which is neither a reference of the schema nor a well-known type: register it as a reference.`);
    }
  }
  try {
    protobuf.parse(text, root, { keepCase: true });
  } catch (error) {
    throw new SchemaCompileError(`The Protobuf schema ${name} does not parse: ${(error as Error).message}`);
  }
  return parsed;
}

/** Message types of a namespace in declaration order (the order of the message indexes). */
function messagesOf(ns: protobuf.NamespaceBase): protobuf.Type[] {
  return ns.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
}

function timestampToJson(value: { seconds?: string | number; nanos?: number }): string {
  const seconds = Number(value.seconds ?? 0);
  const nanos = value.nanos ?? 0;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (nanos === 0) return `${base}Z`;
  const digits = String(nanos).padStart(9, '0');
  const fraction = digits.endsWith('000000') ? digits.slice(0, 3) : digits.endsWith('000') ? digits.slice(0, 6) : digits;
  return `${base}.${fraction}Z`;
}

function timestampFromJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const m = ISO_TIME.exec(value);
  if (!m) return value;
  const seconds = Math.floor(Date.parse(`${m[1] as string}${m[3] as string}`) / 1000);
  return { seconds, nanos: Number((m[2] ?? '').padEnd(9, '0')) };
}

/** Walks a message's JSON form, converting Timestamp fields with `convert`. */
function mapTimestamps(type: protobuf.Type, value: unknown, convert: (v: unknown) => unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  // Fields in the order of the .proto (protobufjs puts repeated and map fields first).
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) if (field.name in source) out[field.name] = source[field.name];
  for (const key of Object.keys(source)) if (!(key in out)) out[key] = source[key];
  for (const field of type.fieldsArray) {
    const child = field.resolvedType;
    if (!(child instanceof protobuf.Type) || !(field.name in out)) continue;
    const apply = (v: unknown): unknown => (child.fullName === TIMESTAMP ? convert(v) : mapTimestamps(child, v, convert));
    const current = out[field.name];
    if (field.repeated && Array.isArray(current)) out[field.name] = current.map(apply);
    else if (field.map && current && typeof current === 'object') out[field.name] = Object.fromEntries(Object.entries(current).map(([k, v]) => [k, apply(v)]));
    else if (current !== null && current !== undefined) out[field.name] = apply(current);
  }
  return out;
}

const PROTO_INT32 = new Set(['int32', 'sint32', 'sfixed32']);
const PROTO_UINT32 = new Set(['uint32', 'fixed32']);
const PROTO_64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);

function protoJsonSchema(root: protobuf.Type): JsonSchema {
  const defs: Record<string, JsonSchema> = {};
  const scalar = (field: protobuf.Field): JsonSchema => {
    const t = field.type;
    if (PROTO_INT32.has(t)) return { type: 'integer', minimum: -2147483648, maximum: 2147483647 };
    if (PROTO_UINT32.has(t)) return { type: 'integer', minimum: 0, maximum: 4294967295 };
    if (PROTO_64.has(t)) return { anyOf: [{ type: 'integer' }, { type: 'string', pattern: t.startsWith('u') || t === 'fixed64' ? '^\\d+$' : '^-?\\d+$' }], description: `${t}, as a string of digits` };
    if (t === 'float' || t === 'double') return { type: 'number' };
    if (t === 'bool') return { type: 'boolean' };
    if (t === 'string') return { type: 'string' };
    if (t === 'bytes') return { type: 'string', contentEncoding: 'base64', description: 'bytes, as base64' };
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) return { enum: Object.keys(resolved.values) };
    if (resolved instanceof protobuf.Type) return message(resolved);
    return {};
  };
  const message = (type: protobuf.Type): JsonSchema => {
    if (type.fullName === TIMESTAMP) return { type: 'string', format: 'date-time', pattern: ISO_TIME.source, description: 'google.protobuf.Timestamp, as RFC 3339 text' };
    const name = type.fullName.slice(1);
    if (!(name in defs)) {
      defs[name] = {};
      const properties: Record<string, JsonSchema> = {};
      for (const field of type.fieldsArray) {
        const one = scalar(field);
        properties[field.name] = field.map ? { type: 'object', additionalProperties: one } : field.repeated ? { type: 'array', items: one } : one;
      }
      const oneofs = type.oneofsArray.filter((o) => o.fieldsArray.length > 1 && !o.name.startsWith('_'));
      const exclusive = oneofs.flatMap((o) => o.fieldsArray.flatMap((a, i) => o.oneof.slice(i + 1).map((b) => ({ not: { required: [a.name, b] } }))));
      Object.assign(defs[name], {
        type: 'object',
        title: name,
        properties,
        additionalProperties: false,
        ...(exclusive.length > 0 ? { allOf: exclusive } : {}),
        ...(oneofs.length > 0 ? { 'x-oneofs': oneofs.map((o) => o.oneof) } : {}),
      });
    }
    return { $ref: `#/$defs/${name}` };
  };
  const top = message(root);
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...top, $defs: defs };
}

async function protobufSerde(schema: RegisteredSchema, resolve: ReferenceResolver): Promise<Serde> {
  const root = new protobuf.Root();
  const parsed = await addProtoFile(root, 'of this id', schema.schema, schema.references ?? [], resolve, new Set());
  try {
    root.resolveAll();
  } catch (error) {
    throw new SchemaCompileError(`The Protobuf schema does not resolve: ${(error as Error).message}`);
  }
  // The main file's own messages, in order, from a parse of that file alone.
  const ownRoot = parsed.root;
  const ownNs = parsed.package ? ownRoot.lookup(parsed.package) : ownRoot;
  const topNames = ownNs instanceof protobuf.Namespace || ownNs instanceof protobuf.Root ? messagesOf(ownNs).map((t) => t.fullName) : [];
  const top = topNames.map((n) => root.lookupType(n));
  if (top.length === 0) throw new SchemaCompileError('The Protobuf schema defines no message.');
  const byIndexes = (indexes: readonly number[]): protobuf.Type => {
    let type = top[indexes[0] ?? 0];
    for (const i of indexes.slice(1)) type = type ? messagesOf(type)[i] : undefined;
    if (!type) throw new Error(`The message indexes [${indexes.join(', ')}] name no message of the schema (it has ${top.length} top-level message${top.length === 1 ? '' : 's'}).`);
    return type;
  };
  const indexesOf = (name: string | undefined): { type: protobuf.Type; indexes: number[] } => {
    if (name === undefined) return { type: top[0] as protobuf.Type, indexes: [0] };
    const wanted = name.startsWith('.') ? name : `.${name}`;
    const walk = (types: protobuf.Type[], path: number[]): { type: protobuf.Type; indexes: number[] } | undefined => {
      for (let i = 0; i < types.length; i++) {
        const t = types[i] as protobuf.Type;
        if (t.fullName === wanted || t.name === name) return { type: t, indexes: [...path, i] };
        const inner = walk(messagesOf(t), [...path, i]);
        if (inner) return inner;
      }
      return undefined;
    };
    const found = walk(top, []);
    if (!found) throw new SchemaValueError(`The Protobuf schema has no message ${name}.`, [`no message ${name}`]);
    return found;
  };
  const schemas = new Map<protobuf.Type, { json: JsonSchema; check?: ValidateFunction }>();
  const jsonOf = (type: protobuf.Type): { json: JsonSchema; check?: ValidateFunction } => {
    let entry = schemas.get(type);
    if (!entry) {
      entry = { json: protoJsonSchema(type) };
      schemas.set(type, entry);
    }
    return entry;
  };
  const problems = (value: unknown, messageName?: string): ValueProblem[] => {
    const entry = jsonOf(indexesOf(messageName).type);
    entry.check ??= makeAjv().compile(entry.json);
    return entry.check(value) ? [] : ajvProblems(entry.check.errors);
  };
  const validate = (value: unknown, messageName?: string): string[] => problems(value, messageName).map(formatValueProblem);
  const encodeTrusted = (value: unknown, messageName?: string): { payload: Uint8Array; indexes: number[] } => {
    const { type, indexes } = indexesOf(messageName);
    const message = type.fromObject(mapTimestamps(type, value, timestampFromJson) as Record<string, unknown>);
    return { payload: type.encode(message).finish(), indexes };
  };
  const decode = (payload: Uint8Array, indexes: readonly number[] = [0]): unknown => {
    const type = byIndexes(indexes);
    let message: protobuf.Message;
    try {
      message = type.decode(payload);
    } catch (error) {
      throw new Error(`The Protobuf payload does not decode as ${type.fullName.slice(1)}: ${(error as Error).message}`, { cause: error });
    }
    const object = type.toObject(message, { longs: String, enums: String, bytes: String, defaults: true, arrays: true, objects: true });
    return mapTimestamps(type, object, (v) => timestampToJson(v as { seconds?: string; nanos?: number }));
  };
  return {
    type: 'PROTOBUF',
    messageNames: top.map((t) => t.fullName.slice(1)),
    decode,
    decodeText: (payload, indexes) => JSON.stringify(decode(payload, indexes)),
    validate,
    problems,
    encode(value, messageName) {
      const problems = validate(value, messageName);
      if (problems.length > 0) throw new SchemaValueError(`The value does not match the Protobuf message ${indexesOf(messageName).type.fullName.slice(1)}: ${problems.join('; ')}.`, problems);
      return encodeTrusted(value, messageName);
    },
    encodeTrusted,
    frameTrusted: (value, schemaId, messageName) => {
      const { payload, indexes } = encodeTrusted(value, messageName);
      return frame(schemaId, payload, indexes);
    },
    jsonSchema: (messageName) => jsonOf(indexesOf(messageName).type).json,
  };
}

// ---------------------------------------------------------------------------------------------
// JSON Schema

async function jsonSerde(schema: RegisteredSchema, resolve: ReferenceResolver): Promise<Serde> {
  const json = parseJsonSchemaText(schema.schema, 'JSON') as unknown as JsonSchema;
  const ajv = makeAjv();
  const seen = new Set<string>();
  const addRefs = async (refs: readonly SchemaReference[]): Promise<void> => {
    for (const reference of refs) {
      if (seen.has(reference.name)) continue;
      seen.add(reference.name);
      const referenced = await resolve(reference);
      ajv.addSchema(parseJsonSchemaText(referenced.schema, 'JSON') as object, reference.name);
      await addRefs(referenced.references ?? []);
    }
  };
  await addRefs(schema.references ?? []);
  let check: ValidateFunction;
  try {
    check = ajv.compile(json);
  } catch (error) {
    throw new SchemaCompileError(`The JSON Schema does not compile: ${(error as Error).message}`);
  }
  const problems = (value: unknown): ValueProblem[] => (check(value) ? [] : ajvProblems(check.errors));
  const validate = (value: unknown): string[] => problems(value).map(formatValueProblem);
  const encodeTrusted = (value: unknown): { payload: Uint8Array } => ({ payload: Buffer.from(JSON.stringify(value), 'utf8') });
  const decode = (payload: Uint8Array): unknown => {
    const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new Error(`The payload is not JSON: ${(error as Error).message}`, { cause: error });
    }
    const problems = validate(value);
    if (problems.length > 0) throw new SchemaValueError(`The JSON does not match its schema: ${problems.join('; ')}.`, problems);
    return value;
  };
  return {
    type: 'JSON',
    messageNames: typeof json['title'] === 'string' ? [json['title']] : [],
    decode,
    decodeText: (payload) => JSON.stringify(decode(payload)),
    validate,
    problems,
    encode(value) {
      const problems = validate(value);
      if (problems.length > 0) throw new SchemaValueError(`The value does not match the JSON Schema: ${problems.join('; ')}.`, problems);
      return encodeTrusted(value);
    },
    encodeTrusted,
    frameTrusted: (value, schemaId) => frame(schemaId, encodeTrusted(value).payload),
    jsonSchema: () => json,
  };
}

/** Compiles a registered schema (fetching its references through `resolve`). Throws SchemaCompileError for a schema that does not compile. */
export async function compileSchema(schema: RegisteredSchema, resolve: ReferenceResolver): Promise<Serde> {
  switch (schema.schemaType) {
    case 'AVRO': return avroSerde(schema, resolve);
    case 'PROTOBUF': return protobufSerde(schema, resolve);
    case 'JSON': return jsonSerde(schema, resolve);
    default: throw new SchemaCompileError(`Unknown schema type ${String(schema.schemaType)}: the workbench reads AVRO, PROTOBUF and JSON.`);
  }
}

/** The JSON text of the JSON form: stable (keys in schema order) and readable. */
export function jsonText(value: unknown, pretty = false): string {
  return pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
}
