/**
 * Checking a value against a subject's schema, in the terms an editor needs: each problem names
 * the JSON Pointer of the field it is about (`/address/zip: must be integer`), the pointer is
 * found again in the JSON text to place a diagnostic on the field's own range, and the JSON
 * Schema derived from an Avro, Protobuf or JSON Schema (Serde.jsonSchema) says which field names
 * and enum symbols fit at a place of the value, for completion.
 *
 * Pure: no vscode, no serdes import (the ajv errors come in by their shape), so the producer
 * form, the template files and the unit tests share it.
 */
import type { Node } from 'jsonc-parser/lib/esm/main.js';

/** One reason a value does not fit its schema. */
export interface ValueProblem {
  /** JSON Pointer (RFC 6901) of the value the problem is about; '' for the whole value. */
  pointer: string;
  /** What is wrong there, e.g. "must be integer". */
  message: string;
  /** A property of the object at `pointer` that should not be there (its key is the place to mark). */
  property?: string;
}

/** At most this many problems of one value are reported: the first ones say enough. */
export const MAX_VALUE_PROBLEMS = 20;

/** `/address/zip: must be integer`; the whole value is "(value)". */
export function formatValueProblem(problem: ValueProblem): string {
  return `${problem.pointer === '' ? '(value)' : problem.pointer}: ${problem.message}`;
}

/** The pointer of a child: RFC 6901 escapes '~' as ~0 and '/' as ~1. */
export function childPointer(pointer: string, key: string | number): string {
  return `${pointer}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** The reference tokens of a pointer, unescaped; [] for ''. */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The shape of an ajv ErrorObject this module reads (ajv is in the serdes chunk, not here). */
export interface AjvErrorShape {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  message?: string;
  params: Record<string, unknown>;
  schema?: unknown;
  parentSchema?: unknown;
}

/**
 * Ajv's errors (allErrors) as problems a person reads: type errors of the branches of a union at
 * one place merged ("must be null or string"), the "must match a schema in anyOf" summary dropped
 * when the branches said more, the values an enum allows listed, the extra property named.
 */
export function problemsFromAjv(errors: readonly AjvErrorShape[] | null | undefined): ValueProblem[] {
  const list = errors ?? [];
  const types = new Map<string, string[]>();
  for (const e of list) {
    if (e.keyword !== 'type') continue;
    const wanted = e.params['type'];
    const names = Array.isArray(wanted) ? wanted.map(String) : [String(wanted)];
    const known = types.get(e.instancePath) ?? [];
    for (const n of names) if (!known.includes(n)) known.push(n);
    types.set(e.instancePath, known);
  }
  const out: ValueProblem[] = [];
  const seen = new Set<string>();
  const push = (p: ValueProblem): void => {
    const key = `${p.pointer}\u0000${p.property ?? ''}\u0000${p.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(p);
  };
  for (const e of list) {
    const pointer = e.instancePath;
    switch (e.keyword) {
      case 'type': {
        const names = types.get(pointer) ?? [];
        push({ pointer, message: `must be ${names.join(' or ')}` });
        break;
      }
      case 'anyOf':
      case 'oneOf': {
        // The branches' own errors at or under this place say more than the summary.
        const more = list.some((o) => o !== e && o.keyword !== 'anyOf' && o.keyword !== 'oneOf' && (o.instancePath === pointer || o.instancePath.startsWith(`${pointer}/`)));
        if (!more) push({ pointer, message: e.keyword === 'oneOf' && e.params['passingSchemas'] ? 'matches more than one branch of the union' : 'matches no branch of the union' });
        break;
      }
      case 'enum':
        push({ pointer, message: `must be one of ${JSON.stringify(e.params['allowedValues'])}` });
        break;
      case 'additionalProperties': {
        const property = String(e.params['additionalProperty']);
        push({ pointer, property, message: `has no field "${property}" in the schema` });
        break;
      }
      case 'required':
        push({ pointer, message: `must have the field "${String(e.params['missingProperty'])}"` });
        break;
      case 'not': {
        const both = (e.schema as { required?: string[] } | undefined)?.required;
        push({ pointer, message: both ? `only one of ${both.join(' and ')} may be set (they belong to one oneof)` : (e.message ?? 'does not fit') });
        break;
      }
      case 'pattern':
      case 'format': {
        // A pattern says little to a person; the derived schema's description says what is meant.
        const description = (e.parentSchema as { description?: unknown } | undefined)?.description;
        push({ pointer, message: typeof description === 'string' ? `must be ${description}` : (e.message ?? 'does not fit') });
        break;
      }
      default:
        push({ pointer, message: e.message ?? 'does not fit' });
    }
    if (out.length >= MAX_VALUE_PROBLEMS) break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Where a pointer is in the text

/** A stretch of the text: where a diagnostic goes. */
export interface TextRange {
  offset: number;
  length: number;
}

function childNode(node: Node, token: string): { value: Node; key?: Node } | undefined {
  if (node.type === 'object') {
    for (const p of node.children ?? []) {
      const [k, v] = p.children ?? [];
      if (k?.value === token && v) return { value: v, key: k };
    }
    return undefined;
  }
  if (node.type === 'array' && /^(0|[1-9]\d*)$/.test(token)) {
    const v = node.children?.[Number(token)];
    return v ? { value: v } : undefined;
  }
  return undefined;
}

/**
 * The range of the text to mark for a problem at `pointer` under `root` (the value's node in a
 * jsonc-parser tree). A leaf is marked whole; an object or list by the key that holds it (or its
 * first character), not its whole body; an extra property by its key. A pointer that goes
 * further than the text (a placeholder that becomes an object) marks the deepest node it reaches.
 */
export function rangeOfPointer(root: Node, pointer: string, property?: string): TextRange {
  let node = root;
  let key: Node | undefined;
  for (const token of pointerTokens(pointer)) {
    const next = childNode(node, token);
    if (!next) break;
    node = next.value;
    key = next.key;
  }
  if (property !== undefined) {
    const extra = childNode(node, property);
    if (extra?.key) return { offset: extra.key.offset, length: extra.key.length };
  }
  if (node.type === 'object' || node.type === 'array') {
    return key ? { offset: key.offset, length: key.length } : { offset: node.offset, length: 1 };
  }
  return { offset: node.offset, length: Math.max(1, node.length) };
}

// ---------------------------------------------------------------------------------------------
// What fits at a place of the value (completion)

export type JsonSchemaObject = Record<string, unknown>;

function asSchema(value: unknown): JsonSchemaObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as JsonSchemaObject : undefined;
}

/** Follows a local `$ref` (#/$defs/... or #/definitions/...) within `root`. */
function deref(root: JsonSchemaObject, schema: JsonSchemaObject, depth = 0): JsonSchemaObject {
  const ref = schema['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#') || depth > 32) return schema;
  let target: unknown = root;
  for (const token of pointerTokens(ref.slice(1))) target = asSchema(target)?.[token];
  const found = asSchema(target);
  return found ? deref(root, found, depth + 1) : schema;
}

/** The schema and every branch of its unions and allOf, references followed. */
function alternatives(root: JsonSchemaObject, schema: JsonSchemaObject, depth = 0): JsonSchemaObject[] {
  const s = deref(root, schema);
  if (depth > 16) return [s];
  const out = [s];
  for (const keyword of ['anyOf', 'oneOf', 'allOf']) {
    const branches = s[keyword];
    if (Array.isArray(branches)) for (const b of branches) { const one = asSchema(b); if (one) out.push(...alternatives(root, one, depth + 1)); }
  }
  return out;
}

/** The schemas that apply at `path` (object keys and list indexes) of a value of `root`. */
export function schemasAt(root: JsonSchemaObject, path: readonly (string | number)[]): JsonSchemaObject[] {
  let current = alternatives(root, root);
  for (const step of path) {
    const next: JsonSchemaObject[] = [];
    for (const s of current) {
      if (typeof step === 'number') {
        const items = asSchema(s['items']);
        if (items) next.push(...alternatives(root, items));
      } else {
        const property = asSchema(asSchema(s['properties'])?.[step]);
        if (property) next.push(...alternatives(root, property));
        else {
          const extra = asSchema(s['additionalProperties']);
          if (extra) next.push(...alternatives(root, extra));
        }
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

export interface FieldSuggestion {
  name: string;
  /** The field's type as the schema says it, e.g. "integer", "string | null", "Address". */
  detail: string;
  description?: string;
  required: boolean;
}

function typeLabel(root: JsonSchemaObject, schema: JsonSchemaObject): string {
  const s = deref(root, schema);
  if (typeof s['title'] === 'string') return s['title'];
  if (Array.isArray(s['enum'])) return `enum ${s['enum'].map((v) => JSON.stringify(v)).join(' | ')}`;
  const union = Array.isArray(s['anyOf']) ? s['anyOf'] : Array.isArray(s['oneOf']) ? s['oneOf'] : undefined;
  if (union) return union.map((b) => { const one = asSchema(b); return one ? typeLabel(root, one) : '?'; }).join(' | ');
  if (typeof s['format'] === 'string') return `${typeof s['type'] === 'string' ? s['type'] : 'string'} (${s['format']})`;
  if (s['type'] === 'array') { const items = asSchema(s['items']); return `${items ? typeLabel(root, items) : 'any'}[]`; }
  if (s['type'] === 'object' && asSchema(s['additionalProperties'])) return `map of ${typeLabel(root, s['additionalProperties'] as JsonSchemaObject)}`;
  return typeof s['type'] === 'string' ? s['type'] : Array.isArray(s['type']) ? s['type'].join(' | ') : 'any';
}

/** The fields an object at `path` may have, in schema order, without those already in `present`. */
export function fieldSuggestions(root: JsonSchemaObject, path: readonly (string | number)[], present: readonly string[] = []): FieldSuggestion[] {
  const out: FieldSuggestion[] = [];
  const seen = new Set(present);
  for (const s of schemasAt(root, path)) {
    const properties = asSchema(s['properties']);
    if (!properties) continue;
    const required = Array.isArray(s['required']) ? s['required'] as string[] : [];
    for (const [name, raw] of Object.entries(properties)) {
      const schema = asSchema(raw);
      if (seen.has(name) || !schema) continue;
      seen.add(name);
      const description = deref(root, schema)['description'] ?? schema['description'];
      out.push({ name, detail: typeLabel(root, schema), required: required.includes(name), ...(typeof description === 'string' ? { description } : {}) });
    }
  }
  return out;
}

/** The values the schema names at `path`: enum symbols, const, true/false, null. */
export function valueSuggestions(root: JsonSchemaObject, path: readonly (string | number)[]): unknown[] {
  const out: unknown[] = [];
  const add = (v: unknown): void => { if (!out.some((o) => JSON.stringify(o) === JSON.stringify(v))) out.push(v); };
  for (const s of schemasAt(root, path)) {
    if (Array.isArray(s['enum'])) for (const v of s['enum']) add(v);
    if ('const' in s) add(s['const']);
    const types = Array.isArray(s['type']) ? s['type'] : [s['type']];
    if (types.includes('boolean')) { add(true); add(false); }
    if (types.includes('null')) add(null);
  }
  return out;
}
