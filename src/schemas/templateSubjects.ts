/**
 * Template files (`*.kafka.json`) that name a schema registry subject: the editor checks each
 * such template's value against the subject's schema and offers its field names and enum
 * symbols. A template's value holds placeholders ("{{seq}}" becomes a number), so the value
 * checked is message 1 as the template renders it, the same one the producer would encode; the
 * problems' JSON Pointers are then placed on the template's own text (a placeholder string
 * that renders to the wrong type is marked where it is written).
 *
 * Pure: no vscode. The schema comes in as a SubjectCheck (a compiled serde in practice).
 */
import { createScanner, getLocation, parseTree, type Node } from 'jsonc-parser/lib/esm/main.js';
import { compileTemplate, parseTemplateFile, TemplateError, type KafkaTemplate } from '../kafka/templates';
import { userMessage } from '../shared/errors';
import type { ResolvedSchema } from './serdes';
import { formatValueProblem, rangeOfPointer, type JsonSchemaObject, type TextRange, type ValueProblem } from './valueCheck';

/** A subject and version a template names. */
export interface SubjectRef {
  subject: string;
  version: number | 'latest';
}

/** What the check needs of a compiled subject version. */
export interface SubjectCheck {
  /** "orders-value v3", for messages. */
  label: string;
  problems(value: unknown): ValueProblem[];
  jsonSchema(): JsonSchemaObject;
}

export function subjectKey(ref: SubjectRef): string {
  return `${ref.subject}\u0000${ref.version}`;
}

/** A template of the file that names a subject, with its value's node (absent: values generated from the subject). */
export interface SubjectTemplate {
  template: KafkaTemplate;
  subject: SubjectRef;
  /** Where the "subject" string is, for problems about the subject itself (unknown, registry down). */
  subjectRange: TextRange;
}

function subjectNodeOf(root: Node | undefined, template: KafkaTemplate): Node | undefined {
  let node = root;
  if (template.location.path !== '$') {
    const index = template.index;
    const messages = node?.children?.find((p) => p.children?.[0]?.value === 'messages')?.children?.[1];
    node = messages?.children?.[index];
  }
  return node?.children?.find((p) => p.children?.[0]?.value === 'subject')?.children?.[1];
}

/** The templates of a file that name a subject (only a file that parses without problems has them). */
export function subjectTemplates(text: string): SubjectTemplate[] {
  const parsed = parseTemplateFile(text);
  const root = parseTree(text, [], { allowTrailingComma: true });
  return parsed.templates.flatMap((template) => {
    if (!template.subject) return [];
    const node = subjectNodeOf(root, template);
    const subjectRange = node ? { offset: node.offset, length: node.length } : { offset: template.location.offset, length: 1 };
    return [{ template, subject: template.subject, subjectRange }];
  });
}

/** A problem to show on the template file: where and what. */
export interface TemplateValueProblem extends TextRange {
  message: string;
  /** The problem's field, as a JSON Pointer into the value. */
  pointer: string;
}

/**
 * The problems of one template's value against its subject's schema, placed on the text. A
 * template whose placeholders do not compile has none here (the template check reports those).
 */
export function templateValueProblems(text: string, entry: SubjectTemplate, schema: SubjectCheck): TemplateValueProblem[] {
  const valueNode = entry.template.nodes.value;
  if (!valueNode) return [];
  let rendered: unknown;
  try {
    const message = compileTemplate(text, entry.template, { seed: 1 }).render(1);
    const raw = message.value;
    const valueText = raw === null ? 'null' : typeof raw === 'string' ? raw : raw.toString('utf8');
    rendered = JSON.parse(valueText);
  } catch (error) {
    if (error instanceof TemplateError || error instanceof SyntaxError) return [];
    throw error;
  }
  return schema.problems(rendered).map((p) => ({
    ...rangeOfPointer(valueNode, p.pointer, p.property),
    pointer: p.pointer,
    message: `${formatValueProblem(p)} (${schema.label})`,
  }));
}

/** Where the cursor is in a template's value: its subject, the path inside the value, and whether a field name is being typed. */
export interface ValuePlace {
  subject: SubjectRef;
  /** Object keys and list indexes from the value's top to the cursor's object (at a key) or value. */
  path: (string | number)[];
  /** True when typing a field name (in an object, at a key); false at a value. */
  atKey: boolean;
  /** The fields the object at the cursor already has (for a key). */
  present: string[];
  /** The key or value text under the cursor (quotes included), which a completion replaces; absent between tokens. */
  replace?: TextRange;
}

function propertyNode(node: Node | undefined, name: string): Node | undefined {
  if (node?.type !== 'object') return undefined;
  return node.children?.find((p) => p.children?.[0]?.value === name)?.children?.[1];
}

/** The node at a path under `node` (object keys, list indexes). */
function nodeAt(node: Node | undefined, path: readonly (string | number)[]): Node | undefined {
  let current = node;
  for (const step of path) {
    if (current?.type === 'object' && typeof step === 'string') current = propertyNode(current, step);
    else if (current?.type === 'array' && typeof step === 'number') current = current.children?.[step];
    else return undefined;
  }
  return current;
}

/**
 * The keys of the object that starts at `offset`, read token by token: in half-typed text the
 * parser's recovery can hand a nested object's keys to its parent, the scanner does not.
 */
/** jsonc-parser's SyntaxKind values (a const enum, which this build cannot read from the package). */
const TOKEN = { openBrace: 1, closeBrace: 2, openBracket: 3, closeBracket: 4, colon: 6, string: 10, eof: 17 } as const;

function keysOf(text: string, offset: number): string[] {
  const scanner = createScanner(text, true);
  scanner.setPosition(offset);
  const keys: string[] = [];
  let depth = 0;
  let pending: string | undefined;
  for (let kind: number = scanner.scan(); kind !== TOKEN.eof; kind = scanner.scan()) {
    if (kind === TOKEN.openBrace || kind === TOKEN.openBracket) depth++;
    else if (kind === TOKEN.closeBrace || kind === TOKEN.closeBracket) {
      depth--;
      if (depth <= 0) break;
    } else if (kind === TOKEN.colon && depth === 1 && pending !== undefined) keys.push(pending);
    pending = depth === 1 && kind === TOKEN.string ? scanner.getTokenValue() : undefined;
  }
  return keys;
}

/** The subject and version a template object names, read from a tree that may be half typed. */
function subjectOf(template: Node | undefined): SubjectRef | undefined {
  const subject = propertyNode(template, 'subject')?.value as unknown;
  if (typeof subject !== 'string' || subject.trim() === '') return undefined;
  const version = propertyNode(template, 'subjectVersion')?.value as unknown;
  return { subject: subject.trim(), version: typeof version === 'number' && Number.isInteger(version) && version >= 1 ? version : 'latest' };
}

/**
 * The place in the value of a template that names a subject at `offset`, or undefined when the
 * cursor is elsewhere. Reads a text that is half typed (a key without its value does not parse
 * as a template file, and that is exactly when a field name is completed).
 */
export function valuePlaceAt(text: string, offset: number): ValuePlace | undefined {
  const location = getLocation(text, offset);
  const full = location.path;
  let prefix: (string | number)[];
  if (full[0] === 'value') prefix = ['value'];
  else if (full[0] === 'messages' && typeof full[1] === 'number' && full[2] === 'value') prefix = full.slice(0, 3);
  else return undefined;
  if (full.length === prefix.length && location.isAtPropertyKey) return undefined;
  const root = parseTree(text, [], { allowTrailingComma: true });
  const template = prefix.length === 1 ? root : nodeAt(root, prefix.slice(0, 2));
  const subject = subjectOf(template);
  if (!subject) return undefined;
  const inner = full.slice(prefix.length);
  const under = location.previousNode;
  const replace = under && under.type !== 'object' && under.type !== 'array' && offset > under.offset && offset <= under.offset + under.length
    ? { replace: { offset: under.offset, length: under.length } }
    : {};
  if (location.isAtPropertyKey) {
    // The last step is the key being typed (maybe ''); the object is its parent.
    const objectPath = inner.slice(0, -1);
    const typing = inner[inner.length - 1];
    const object = nodeAt(nodeAt(template, ['value']), objectPath);
    const present = object?.type === 'object' ? keysOf(text, object.offset).filter((k) => k !== typing) : [];
    return { subject, path: objectPath, atKey: true, present, ...replace };
  }
  return { subject, path: inner, atKey: false, present: [], ...replace };
}

/** A compiled subject version as the template check takes it. */
export function subjectCheckOf(schema: ResolvedSchema): SubjectCheck {
  return {
    label: `${schema.subject ?? `schema id ${schema.id}`} v${schema.version ?? '?'}`,
    problems: (value) => schema.serde.problems(value),
    jsonSchema: () => schema.serde.jsonSchema(),
  };
}

/** What the first registry that had a subject gave, or what each one said when none had it. */
export type FirstFound<T> = { ok: true; value: T; registry: string } | { ok: false; message: string };

/**
 * Asks each registry in turn (`registries`: the Kafka connections' names, in their order) until one
 * gives the subject: a template names a topic, not a cluster. A registry that lacks the subject or
 * does not answer passes to the next; when none gives it, the message names each registry and what
 * it said.
 */
export async function firstRegistryWith<T>(registries: readonly string[], subject: string, ask: (registry: string) => Promise<T>): Promise<FirstFound<T>> {
  const said: { registry: string; why: string }[] = [];
  for (const registry of registries) {
    try {
      return { ok: true, value: await ask(registry), registry };
    } catch (error) {
      said.push({ registry, why: userMessage(error) });
    }
  }
  const [only] = said;
  if (!only) return { ok: false, message: `No Kafka connection has a schema registry, so the value cannot be checked against ${subject}. Set one up on the Kafka connection (its schema registry URL), or connect to the local stack.` };
  if (said.length === 1) return { ok: false, message: `${only.why} (registry of the Kafka connection "${only.registry}")` };
  return { ok: false, message: `None of the ${said.length} registries could give ${subject}. ${said.map((s) => `Registry of "${s.registry}": ${s.why}`).join(' ')}` };
}
