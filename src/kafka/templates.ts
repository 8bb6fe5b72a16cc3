/**
 * Message templates: the `*.kafka.json` files in a workspace (schema:
 * media/schemas/kafka-template.schema.json). Parses a file with positions (for CodeLens and
 * error locations), checks it, compiles each template once into render functions, and renders
 * N messages fast. Placeholders are resolved by looking names up, never by evaluating code.
 *
 * A file holds one template, or a list under "messages" with shared defaults:
 *
 *   { "topic": "orders", "key": "{{faker.string.uuid}}", "headers": { "source": "workbench" },
 *     "value": { "id": "{{uuid}}", "n": "{{seq}}", "name": "{{faker.person.fullName}}" },
 *     "count": 10, "ratePerSecond": 0, "partition": null, "dataType": "order" }
 *
 *   { "topic": "events", "headers": { ... }, "messages": [ { "value": ... }, { "topic": "other", ... } ] }
 *
 * Placeholders inside strings: {{faker.<module>.<method>}} with optional JSON-literal
 * arguments ({{faker.number.int(100)}}, {{faker.number.int({"min":1,"max":9})}}), {{seq}}
 * (1-based message number), {{uuid}}, {{now}} (ISO time), {{timestamp}} (ms), and
 * {{dataType:<type>}} (a whole generated test-data object). A string that is exactly one
 * placeholder becomes the placeholder's own value (a number stays a number); otherwise the
 * values are joined into the text. "dataType" alone, without "value", sends generated objects
 * of that type with their derived keys; with a "value" object, it adds "data_type" to it.
 */
import { randomUUID } from 'node:crypto';
import type { Faker } from '@faker-js/faker';
import { parseTree, type Node, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import { WorkbenchError } from '../shared/errors';
import { explainJsonError } from '../shared/jsonObject';
import { topicNameProblem } from './kafkaErrors';
import { createFaker, DATA_TYPE_IDS, isDataType, TestDataGenerator, type DataType } from './testData';
import type { Compression, ProduceMessage } from './types';

/** Faker modules a template may call. Anything else (fakerCore, helpers.multiple with functions, ...) is refused. */
export const ALLOWED_FAKER_MODULES = [
  'airline', 'animal', 'book', 'color', 'commerce', 'company', 'database', 'datatype', 'date', 'finance', 'food', 'git',
  'hacker', 'helpers', 'image', 'internet', 'location', 'lorem', 'music', 'number', 'person', 'phone', 'science',
  'string', 'system', 'vehicle', 'word',
] as const;

/** Methods refused even in allowed modules: they take functions or run faker's own template language. */
const REFUSED_METHODS = new Set(['constructor', 'fake', 'multiple', 'maybe', 'mustache', 'uniqueArray', 'unique']);

const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Where something is in the file: 1-based line and column, and the JSON path. */
export interface TemplateLocation {
  path: string;
  line: number;
  column: number;
  offset: number;
  length: number;
}

/** A problem in a template file, with its place (for diagnostics and error messages). */
export interface TemplateProblem extends TemplateLocation {
  message: string;
}

export class TemplateError extends WorkbenchError {
  constructor(
    readonly problem: TemplateProblem,
    fileName?: string,
  ) {
    super(`${fileName ? `${fileName}:` : ''}${problem.line}:${problem.column}: ${problem.message} (at ${problem.path})`);
    this.name = 'TemplateError';
  }
}

/** One template of a file, with its defaults applied. */
export interface KafkaTemplate {
  /** 0-based position in the file: 0 for a single template, the list index for "messages". */
  index: number;
  topic: string;
  count: number;
  ratePerSecond: number;
  partition: number | null;
  dataType?: DataType;
  compression?: Compression;
  /** A schema registry subject: values are checked against it and written in the Confluent wire format; without a value, generated from it. */
  subject?: { subject: string; version: number | 'latest' };
  /** Where the template's object starts, for a CodeLens above it. */
  location: TemplateLocation;
  /** The JSON nodes to compile. */
  nodes: { key?: Node; headers?: Node; value?: Node };
  /** The template's parts as plain JSON, for display. */
  raw: { key?: unknown; headers?: unknown; value?: unknown };
}

export interface ParsedTemplateFile {
  templates: KafkaTemplate[];
  problems: TemplateProblem[];
}

/** Line starts of a text, to turn offsets into lines and columns. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

class Locator {
  private readonly starts: number[];
  constructor(text: string) {
    this.starts = lineStarts(text);
  }

  at(offset: number, length: number, path: string): TemplateLocation {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { path, line: lo + 1, column: offset - (this.starts[lo] as number) + 1, offset, length };
  }

  node(node: Node, path: string): TemplateLocation {
    return this.at(node.offset, node.length, path);
  }
}

function property(node: Node | undefined, name: string): Node | undefined {
  if (node?.type !== 'object') return undefined;
  for (const p of node.children ?? []) {
    const [k, v] = p.children ?? [];
    if (k?.value === name) return v;
  }
  return undefined;
}

function plain(node: Node | undefined): unknown {
  if (!node) return undefined;
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const p of node.children ?? []) {
        const [k, v] = p.children ?? [];
        if (k && typeof k.value === 'string') out[k.value] = plain(v);
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(plain);
    default:
      return node.value as unknown;
  }
}

function childPath(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

const TEMPLATE_KEYS = new Set(['$schema', 'topic', 'key', 'headers', 'value', 'count', 'ratePerSecond', 'partition', 'dataType', 'compression', 'subject', 'subjectVersion', 'messages', 'description']);

/** Parses and checks a template file; problems carry line, column and JSON path. */
export function parseTemplateFile(text: string): ParsedTemplateFile {
  const locator = new Locator(text);
  const problems: TemplateProblem[] = [];
  const parseErrors: ParseError[] = [];
  const root = parseTree(text, parseErrors, { allowTrailingComma: true, disallowComments: false });
  for (const e of parseErrors) {
    problems.push({ ...locator.at(e.offset, e.length, '$'), message: `JSON syntax error: ${explainJsonError(e.error)}.` });
  }
  if (!root || parseErrors.length > 0) return { templates: [], problems };
  if (root.type !== 'object') {
    problems.push({ ...locator.node(root, '$'), message: 'A template file holds one JSON object: a template, or { "topic": ..., "messages": [ ... ] }.' });
    return { templates: [], problems };
  }

  const problem = (node: Node, path: string, message: string): void => {
    problems.push({ ...locator.node(node, path), message });
  };
  for (const p of root.children ?? []) {
    const k = p.children?.[0];
    if (k && typeof k.value === 'string' && !TEMPLATE_KEYS.has(k.value)) problem(k, childPath('$', k.value), `Unknown field "${k.value}". Template fields: ${[...TEMPLATE_KEYS].filter((x) => x !== '$schema').join(', ')}.`);
  }

  const read = (node: Node, path: string, defaults: Partial<KafkaTemplate> & { headersNode?: Node }, index: number): KafkaTemplate | undefined => {
    const before = problems.length;
    const topicNode = property(node, 'topic');
    let topic = defaults.topic ?? '';
    if (topicNode) {
      if (typeof topicNode.value === 'string') topic = topicNode.value;
      else problem(topicNode, childPath(path, 'topic'), '"topic" must be a string.');
    }
    if (topic === '') problem(topicNode ?? node, childPath(path, 'topic'), 'Give the "topic" to produce to.');
    else {
      const nameProblem = topicNameProblem(topic);
      if (nameProblem) problem(topicNode ?? node, childPath(path, 'topic'), nameProblem);
    }
    const intField = (name: string, fallback: number, min: number, max: number): number => {
      const n = property(node, name);
      if (!n || n.type === 'null') return fallback;
      if (typeof n.value !== 'number' || !Number.isInteger(n.value) || n.value < min || n.value > max) {
        problem(n, childPath(path, name), `"${name}" must be a whole number from ${min} to ${max.toLocaleString('en-US')}.`);
        return fallback;
      }
      return n.value;
    };
    const count = intField('count', defaults.count ?? 1, 1, 10_000_000);
    const ratePerSecond = intField('ratePerSecond', defaults.ratePerSecond ?? 0, 0, 10_000_000);
    const partitionNode = property(node, 'partition');
    const partition = partitionNode && partitionNode.type !== 'null' ? intField('partition', 0, 0, 1_000_000) : (defaults.partition ?? null);
    let dataType = defaults.dataType;
    const dataTypeNode = property(node, 'dataType');
    if (dataTypeNode && dataTypeNode.type !== 'null') {
      if (typeof dataTypeNode.value === 'string' && isDataType(dataTypeNode.value)) dataType = dataTypeNode.value;
      else problem(dataTypeNode, childPath(path, 'dataType'), `"dataType" must be one of ${DATA_TYPE_IDS.join(', ')}.`);
    }
    let compression = defaults.compression;
    const compressionNode = property(node, 'compression');
    if (compressionNode) {
      if (typeof compressionNode.value === 'string' && (COMPRESSIONS as readonly string[]).includes(compressionNode.value)) compression = compressionNode.value as Compression;
      else problem(compressionNode, childPath(path, 'compression'), `"compression" must be one of ${COMPRESSIONS.join(', ')}.`);
    }
    const headersNode = property(node, 'headers') ?? defaults.headersNode;
    if (headersNode && headersNode.type !== 'object' && headersNode.type !== 'null') problem(headersNode, childPath(path, 'headers'), '"headers" must be an object of name → text.');
    const keyNode = property(node, 'key');
    const valueNode = property(node, 'value');
    let subject: KafkaTemplate['subject'];
    const subjectNode = property(node, 'subject');
    if (subjectNode && subjectNode.type !== 'null') {
      const versionNode = property(node, 'subjectVersion');
      const version = versionNode === undefined || versionNode.type === 'null' ? 'latest' : typeof versionNode.value === 'number' && Number.isInteger(versionNode.value) && versionNode.value >= 1 ? versionNode.value : versionNode.value === 'latest' ? 'latest' : undefined;
      if (typeof subjectNode.value !== 'string' || subjectNode.value.trim() === '') problem(subjectNode, childPath(path, 'subject'), '"subject" must be the name of a schema registry subject, e.g. "orders-value".');
      else if (version === undefined) problem(versionNode ?? subjectNode, childPath(path, 'subjectVersion'), '"subjectVersion" must be a version number from 1 or "latest".');
      else subject = { subject: subjectNode.value.trim(), version };
    }
    if (!valueNode && !dataType && !subject) problem(node, path, 'Give a "value" (any JSON), a "dataType" to send generated test data, or a "subject" to send test data generated from its schema.');
    if (problems.length > before) return undefined;
    const template: KafkaTemplate = {
      index,
      topic,
      count,
      ratePerSecond,
      partition,
      location: locator.node(node, path),
      nodes: {},
      raw: {},
    };
    if (dataType) template.dataType = dataType;
    if (compression) template.compression = compression;
    if (subject) template.subject = subject;
    if (keyNode) {
      template.nodes.key = keyNode;
      template.raw.key = plain(keyNode);
    }
    if (headersNode && headersNode.type === 'object') {
      template.nodes.headers = headersNode;
      template.raw.headers = plain(headersNode);
    }
    if (valueNode) {
      template.nodes.value = valueNode;
      template.raw.value = plain(valueNode);
    }
    return template;
  };

  const messagesNode = property(root, 'messages');
  const templates: KafkaTemplate[] = [];
  if (messagesNode) {
    if (messagesNode.type !== 'array' || (messagesNode.children ?? []).length === 0) {
      problem(messagesNode, '$.messages', '"messages" must be a list of one or more templates.');
      return { templates, problems };
    }
    const defaults: Partial<KafkaTemplate> & { headersNode?: Node } = {};
    const topicNode = property(root, 'topic');
    if (typeof topicNode?.value === 'string') defaults.topic = topicNode.value;
    const headersNode = property(root, 'headers');
    if (headersNode) defaults.headersNode = headersNode;
    const rate = property(root, 'ratePerSecond');
    if (typeof rate?.value === 'number') defaults.ratePerSecond = rate.value;
    const compression = property(root, 'compression');
    if (typeof compression?.value === 'string' && (COMPRESSIONS as readonly string[]).includes(compression.value)) defaults.compression = compression.value as Compression;
    const dataType = property(root, 'dataType');
    if (typeof dataType?.value === 'string' && isDataType(dataType.value)) defaults.dataType = dataType.value;
    (messagesNode.children ?? []).forEach((child, i) => {
      const path = `$.messages[${i}]`;
      if (child.type !== 'object') {
        problem(child, path, 'Each entry of "messages" is a template object.');
        return;
      }
      const t = read(child, path, defaults, i);
      if (t) templates.push(t);
    });
  } else {
    const t = read(root, '$', {}, 0);
    if (t) templates.push(t);
  }
  return { templates, problems };
}

// ---------------------------------------------------------------------------------------
// Compiling and rendering

interface RenderContext {
  seq: number;
  faker: Faker;
  now: number;
  generators: Map<DataType, TestDataGenerator>;
}

type Render = (ctx: RenderContext) => unknown;

interface Placeholder {
  text: string;
  render: Render;
}

interface PlaceholderMatch {
  index: number;
  length: number;
  expression: string;
}

/**
 * Finds the {{ ... }} placeholders of a string. Arguments may hold JSON objects, lists and
 * strings with braces ({{faker.number.int({"min":1,"max":9})}}), so this scans with a bracket
 * depth instead of a regular expression. A "{{" without its "}}" is reported.
 */
function findPlaceholders(raw: string): PlaceholderMatch[] | { unclosedAt: number } {
  const found: PlaceholderMatch[] = [];
  let from = 0;
  for (let start = raw.indexOf('{{', from); start !== -1; start = raw.indexOf('{{', from)) {
    let depth = 0;
    let inString = false;
    let end = -1;
    for (let j = start + 2; j < raw.length; j++) {
      const c = raw[j];
      if (inString) {
        if (c === '\\') j++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{' || c === '[' || c === '(') depth++;
      else if (c === '}' && depth === 0 && raw[j + 1] === '}') {
        end = j + 2;
        break;
      } else if (c === '}' || c === ']' || c === ')') depth = Math.max(0, depth - 1);
    }
    if (end === -1) return { unclosedAt: start };
    found.push({ index: start, length: end - start, expression: raw.slice(start + 2, end - 2).trim() });
    from = end;
  }
  return found;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length] as number;
}

function suggestion(wrong: string, options: readonly string[]): string {
  const best = options
    .map((o) => ({ o, d: editDistance(wrong.toLowerCase(), o.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  if (best && best.d <= Math.max(2, Math.floor(wrong.length / 3))) return ` Did you mean "${best.o}"?`;
  const prefix = options.find((o) => o.length >= 3 && (wrong.toLowerCase().startsWith(o.toLowerCase()) || o.toLowerCase().startsWith(wrong.toLowerCase())));
  return prefix ? ` Did you mean "${prefix}"?` : '';
}

/** The callable methods of a faker module (own and inherited, not the Object ones). */
export function fakerMethods(faker: Faker, module: string): string[] {
  const target = (faker as unknown as Record<string, unknown>)[module];
  if (typeof target !== 'object' || target === null) return [];
  const names = new Set<string>();
  for (let proto: object | null = target; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name.startsWith('_') || REFUSED_METHODS.has(name)) continue;
      if (typeof (target as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names].sort();
}

/** Compiles the expression inside {{ }}; throws a message (without location) when it is not allowed. */
function compilePlaceholder(expression: string, faker: Faker, seeded: boolean): Render {
  switch (expression) {
    case 'seq':
      return (ctx) => ctx.seq;
    case 'uuid':
      return seeded ? (ctx) => ctx.faker.string.uuid() : () => randomUUID();
    case 'now': {
      // Many messages share a millisecond: format each millisecond once.
      let lastMs = Number.NaN;
      let lastIso = '';
      return (ctx) => {
        if (ctx.now !== lastMs) {
          lastMs = ctx.now;
          lastIso = new Date(ctx.now).toISOString();
        }
        return lastIso;
      };
    }
    case 'timestamp':
      return (ctx) => ctx.now;
    default:
      break;
  }
  const dataTypeMatch = /^dataType\s*:\s*(.+)$/.exec(expression);
  if (dataTypeMatch) {
    const type = (dataTypeMatch[1] as string).trim();
    if (!isDataType(type)) throw new Error(`unknown data type "${type}" in {{${expression}}}. Data types: ${DATA_TYPE_IDS.join(', ')}.${suggestion(type, DATA_TYPE_IDS)}`);
    return (ctx) => generatorFor(ctx, type).next(ctx.seq).value;
  }
  const call = /^faker\.([A-Za-z]+)\.([A-Za-z0-9]+)\s*(?:\(([\s\S]*)\))?$/.exec(expression);
  if (!call) {
    const known = ['seq', 'uuid', 'now', 'timestamp', 'dataType:<type>', 'faker.<module>.<method>'];
    throw new Error(`unknown placeholder {{${expression}}}. Placeholders: ${known.map((k) => `{{${k}}}`).join(', ')}.${suggestion(expression, ['seq', 'uuid', 'now', 'timestamp'])}`);
  }
  const module = call[1] as string;
  const method = call[2] as string;
  if (!(ALLOWED_FAKER_MODULES as readonly string[]).includes(module)) {
    throw new Error(`faker has no module "${module}" that templates may use.${suggestion(module, ALLOWED_FAKER_MODULES)} Modules: ${ALLOWED_FAKER_MODULES.join(', ')}.`);
  }
  const methods = fakerMethods(faker, module);
  if (!methods.includes(method)) {
    const hint = suggestion(method, methods);
    throw new Error(`faker.${module} has no method "${method}".${hint === '' ? ` Its methods: ${methods.join(', ')}.` : hint}`);
  }
  let args: unknown[] = [];
  const argText = call[3]?.trim() ?? '';
  if (argText !== '') {
    try {
      args = JSON.parse(`[${argText}]`) as unknown[];
    } catch {
      throw new Error(`the arguments of {{${expression}}} are not JSON literals: write numbers, "strings", true/false, null, [lists] or {"objects"}.`);
    }
  }
  return (ctx) => {
    const target = (ctx.faker as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>)[module] as Record<string, (...a: unknown[]) => unknown>;
    const fn = target[method] as (...a: unknown[]) => unknown;
    const result = fn.apply(target, args);
    return result instanceof Date ? result.toISOString() : result;
  };
}

function generatorFor(ctx: RenderContext, type: DataType): TestDataGenerator {
  let generator = ctx.generators.get(type);
  if (!generator) {
    generator = new TestDataGenerator(type, { now: () => ctx.now }, ctx.faker);
    ctx.generators.set(type, generator);
  }
  return generator;
}

/** JSON.stringify is typed as always returning a string; it returns undefined for functions and symbols. */
function stringifyOrUndefined(value: unknown): string | undefined {
  const json: unknown = JSON.stringify(value);
  return typeof json === 'string' ? json : undefined;
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null) return String(value);
  return stringifyOrUndefined(value) ?? '';
}

class Compiler {
  constructor(
    private readonly locator: Locator,
    private readonly faker: Faker,
    private readonly fileName: string | undefined,
    private readonly seeded: boolean,
  ) {}

  fail(node: Node, path: string, message: string, offsetInNode = 0, length = node.length): never {
    throw new TemplateError({ ...this.locator.at(node.offset + offsetInNode, length, path), message }, this.fileName);
  }

  /** A string node: constant, one whole placeholder (native value) or text with placeholders. */
  compileString(node: Node, path: string, raw: string): Render & { constant?: true } {
    const parts: (string | Placeholder)[] = [];
    let last = 0;
    const matches = findPlaceholders(raw);
    if (!Array.isArray(matches)) {
      this.fail(node, path, 'a placeholder opened with "{{" is not closed with "}}".', 1 + matches.unclosedAt, 2);
    }
    for (const match of matches) {
      const { index, expression } = match;
      const text = raw.slice(index, index + match.length);
      if (index > last) parts.push(raw.slice(last, index));
      let render: Render;
      try {
        render = compilePlaceholder(expression, this.faker, this.seeded);
      } catch (error) {
        // +1 for the opening quote; exact for strings without escapes.
        this.fail(node, path, error instanceof Error ? error.message : String(error), 1 + index, match.length);
      }
      parts.push({ text, render: this.guard(render, node, path, text) });
      last = index + match.length;
    }
    if (parts.length === 0) return Object.assign(() => raw, { constant: true as const });
    if (last < raw.length) parts.push(raw.slice(last));
    if (parts.length === 1 && typeof parts[0] !== 'string') return (parts[0] as Placeholder).render;
    return (ctx) => {
      let out = '';
      for (const part of parts) out += typeof part === 'string' ? part : textOf(part.render(ctx));
      return out;
    };
  }

  /** Wraps a placeholder so a failure while rendering names the placeholder, its place and the message number. */
  guard(render: Render, node: Node, path: string, text: string): Render {
    return (ctx) => {
      try {
        return render(ctx);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return this.fail(node, path, `${text} failed for message ${ctx.seq}: ${reason}`);
      }
    };
  }

  compile(node: Node, path: string): Render {
    switch (node.type) {
      case 'string':
        return this.compileString(node, path, node.value as string);
      case 'object': {
        const entries = (node.children ?? []).flatMap((p) => {
          const [k, v] = p.children ?? [];
          if (!k || !v || typeof k.value !== 'string') return [];
          return [[k.value, this.compile(v, childPath(path, k.value))] as const];
        });
        return (ctx) => {
          const out: Record<string, unknown> = {};
          for (const [k, render] of entries) out[k] = render(ctx);
          return out;
        };
      }
      case 'array': {
        const items = (node.children ?? []).map((child, i) => this.compile(child, childPath(path, i)));
        return (ctx) => items.map((render) => render(ctx));
      }
      default: {
        const value = node.value as unknown;
        return () => value;
      }
    }
  }
}

/** JSON text of a rendered placeholder value (NaN and Infinity become null, as JSON.stringify does). */
function jsonText(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return stringifyOrUndefined(value) ?? 'null';
}

type JsonPart = string | ((ctx: RenderContext) => string);

/**
 * Compiles a JSON node straight into JSON text: constant parts are serialized once, so a
 * message costs only its placeholders and one string concatenation (no object to stringify).
 */
function compileJsonText(compiler: Compiler, node: Node, path: string, injectDataType?: DataType): (ctx: RenderContext) => string {
  const parts: JsonPart[] = [];
  const walk = (n: Node, p: string, inject?: DataType): void => {
    switch (n.type) {
      case 'object': {
        const props = (n.children ?? []).flatMap((prop) => {
          const [k, v] = prop.children ?? [];
          return k && v && typeof k.value === 'string' ? [[k.value, v] as const] : [];
        });
        parts.push('{');
        let first = true;
        if (inject && !props.some(([k]) => k === 'data_type')) {
          parts.push(`"data_type":${JSON.stringify(inject)}`);
          first = false;
        }
        for (const [k, v] of props) {
          parts.push(`${first ? '' : ','}${JSON.stringify(k)}:`);
          first = false;
          walk(v, childPath(p, k));
        }
        parts.push('}');
        break;
      }
      case 'array':
        parts.push('[');
        (n.children ?? []).forEach((child, i) => {
          if (i > 0) parts.push(',');
          walk(child, childPath(p, i));
        });
        parts.push(']');
        break;
      case 'string': {
        const render = compiler.compileString(n, p, n.value as string);
        if (render.constant) parts.push(JSON.stringify(n.value));
        else parts.push((ctx) => jsonText(render(ctx)));
        break;
      }
      default:
        parts.push(JSON.stringify(n.value));
    }
  };
  walk(node, path, injectDataType);
  const merged: JsonPart[] = [];
  for (const part of parts) {
    const last = merged[merged.length - 1];
    if (typeof part === 'string' && typeof last === 'string') merged[merged.length - 1] = last + part;
    else merged.push(part);
  }
  if (merged.length === 1 && typeof merged[0] === 'string') {
    const constant = merged[0];
    return () => constant;
  }
  return (ctx) => {
    let out = '';
    for (const part of merged) out += typeof part === 'string' ? part : part(ctx);
    return out;
  };
}

export interface RenderOptions {
  /** Makes faker's output reproducible. */
  seed?: number;
  /** Clock in ms for {{now}}, {{timestamp}} and generated produced_at; default Date.now. */
  now?: () => number;
  /** Used in error messages: "orders.kafka.json:12:15: ...". */
  fileName?: string;
}

/** A template ready to render: `render(seq)` makes message number `seq` (1-based). */
export interface CompiledTemplate {
  template: KafkaTemplate;
  render(seq: number): ProduceMessage;
  /** Messages 1..count (default: the template's count). */
  renderMany(count?: number): ProduceMessage[];
  /** The same, one at a time, for KafkaService.produce of very long runs. */
  iterate(count?: number): AsyncIterable<ProduceMessage>;
}

/** Compiles one template of a parsed file; throws a TemplateError naming the placeholder and its line and column. */
export function compileTemplate(text: string, template: KafkaTemplate, options: RenderOptions = {}): CompiledTemplate {
  const faker = createFaker(options.seed);
  const compiler = new Compiler(new Locator(text), faker, options.fileName, options.seed !== undefined);
  const base = template.location.path;
  const keyRender = template.nodes.key && template.nodes.key.type !== 'null' ? compiler.compile(template.nodes.key, childPath(base, 'key')) : undefined;
  const headerRenders = (template.nodes.headers?.children ?? []).flatMap((p) => {
    const [k, v] = p.children ?? [];
    if (!k || !v || typeof k.value !== 'string') return [];
    return [[k.value, compiler.compile(v, childPath(childPath(base, 'headers'), k.value))] as const];
  });
  const valueNode = template.nodes.value;
  const valuePath = childPath(base, 'value');
  // A string value is sent as its text; any other JSON value as JSON text.
  const valueText = valueNode && valueNode.type !== 'string' ? compileJsonText(compiler, valueNode, valuePath, template.dataType) : undefined;
  const valueRender = valueNode && valueNode.type === 'string' ? compiler.compile(valueNode, valuePath) : undefined;
  const generators = new Map<DataType, TestDataGenerator>();
  const clock = options.now ?? (() => Date.now());
  const { dataType } = template;

  const render = (seq: number): ProduceMessage => {
    const ctx: RenderContext = { seq, faker, now: clock(), generators };
    let key: string | null = null;
    let value: string | null = null;
    if (valueText) {
      value = valueText(ctx);
    } else if (valueRender) {
      const rendered = valueRender(ctx);
      value = rendered === null ? null : textOf(rendered);
    } else if (dataType) {
      const generated = generatorFor(ctx, dataType).next(seq);
      value = JSON.stringify(generated.value);
      key = generated.key;
    }
    if (keyRender) {
      const k = keyRender(ctx);
      key = k === null ? null : textOf(k);
    }
    const message: ProduceMessage = { key, value };
    if (headerRenders.length > 0 || dataType) {
      const headers: Record<string, string> = {};
      for (const [name, h] of headerRenders) headers[name] = textOf(h(ctx));
      if (dataType && !('data_type' in headers)) headers['data_type'] = dataType;
      message.headers = headers;
    }
    if (template.partition !== null) message.partition = template.partition;
    return message;
  };

  return {
    template,
    render,
    renderMany(count = template.count) {
      const out = new Array<ProduceMessage>(count);
      for (let i = 0; i < count; i++) out[i] = render(i + 1);
      return out;
    },
    iterate(count = template.count) {
      return {
        async *[Symbol.asyncIterator]() {
          for (let i = 1; i <= count; i++) {
            yield render(i);
            // Let the event loop breathe every so often on very long runs.
            if (i % 10_000 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
          }
        },
      };
    },
  };
}

/** Parses a file and compiles all its templates; throws the first problem as a TemplateError. */
export function loadTemplates(text: string, options: RenderOptions = {}): CompiledTemplate[] {
  const parsed = parseTemplateFile(text);
  const first = parsed.problems[0];
  if (first) throw new TemplateError(first, options.fileName);
  return parsed.templates.map((t) => compileTemplate(text, t, options));
}
