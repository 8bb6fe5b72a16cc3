/**
 * Checks the producer form and turns it into a message template. Pure and browser-safe (no
 * vscode, no node:, no faker): the webview runs the same checks as the user types, and the
 * host runs them again before anything is sent. A problem names its field and, for the JSON
 * value, the line and column, so the form can point at it.
 *
 * The form becomes the text of a `*.kafka.json` template (src/kafka/templates.ts renders it),
 * with the value on its own lines so a line number in the template is a line number in the
 * form's value box.
 */
import { parseJsonValue, type JsonValueResult } from '../shared/jsonObject';
import type { ProducerCompression, ProducerForm } from '../shared/protocol';
import { formatCount } from './presentation';

export const MAX_COUNT = 10_000_000;
export const MAX_RATE = 10_000_000;
export const MAX_HEADERS = 100;

export type ProducerField = 'connection' | 'topic' | 'key' | 'headers' | 'partition' | 'value' | 'dataType' | 'count' | 'rate' | 'compression' | 'subject';

export interface FormProblem {
  field: ProducerField;
  message: string;
  /** For headers: the row. */
  row?: number;
  /** For the value: 1-based line and column. */
  line?: number;
  column?: number;
}

/** The subject (and version) a producer writes with. */
export interface SchemaChoice {
  subject: string;
  version: number | 'latest';
  /** Protobuf: the message to write (full name or simple name); default the schema's first message. */
  messageName?: string;
}

/** A version as typed: empty or "latest" for the latest, else a whole number from 1; undefined when it is neither. */
export function parseSchemaVersion(text: string | undefined): number | 'latest' | undefined {
  const t = (text ?? '').trim();
  if (t === '' || t.toLowerCase() === 'latest') return 'latest';
  return /^\d+$/.test(t) && Number(t) >= 1 ? Number(t) : undefined;
}

/** The form after checking: numbers are numbers, empty optional fields are undefined. */
export interface ProducePlan {
  connection: string;
  topic: string;
  key: string | undefined;
  headers: { key: string; value: string }[];
  partition: number | undefined;
  valueMode: 'json' | 'generate' | 'subject';
  value: string;
  dataType: string | undefined;
  /** The subject whose schema the values are written with (json and subject modes). */
  schema: SchemaChoice | undefined;
  count: number;
  ratePerSecond: number;
  compression: ProducerCompression;
}

export interface FormContext {
  /** Partition count of the chosen topic, when known. */
  partitions?: number;
  dataTypes: readonly string[];
  compressions: readonly string[];
}

/**
 * Checks that `text` is one JSON value (any kind). Placeholders such as {{seq}} go inside
 * strings, so a template is valid JSON before it is rendered.
 */
export function checkJson(text: string): JsonValueResult {
  if (text.trim() === '') {
    return { ok: false, message: 'The value is empty. Write a JSON value, e.g. {"id": "{{seq}}"}, or "text" in double quotes for plain text.', line: 1, column: 1 };
  }
  return parseJsonValue(text, 'The value');
}

function wholeNumber(text: string): number | undefined {
  const t = text.trim().replace(/[_,]/g, '');
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

/** Checks every field; returns the plan, or all problems at once. */
export function checkProducerForm(form: ProducerForm, context: FormContext): { ok: true; plan: ProducePlan } | { ok: false; problems: FormProblem[] } {
  const problems: FormProblem[] = [];
  const topic = form.topic.trim();
  if (form.connection.trim() === '') problems.push({ field: 'connection', message: 'Pick the Kafka connection to produce to.' });
  if (topic === '') problems.push({ field: 'topic', message: 'Give the topic to produce to.' });
  else if (topic.length > 249 || /[^a-zA-Z0-9._-]/.test(topic) || topic === '.' || topic === '..') {
    problems.push({ field: 'topic', message: `"${topic}" is not a topic name: use letters, digits, ".", "_" and "-" (at most 249).` });
  }

  let partition: number | undefined;
  if (form.partition.trim() !== '') {
    partition = wholeNumber(form.partition);
    if (partition === undefined) {
      problems.push({ field: 'partition', message: 'The partition is a whole number from 0; leave it empty to let the partitioner choose by key.' });
    } else if (context.partitions !== undefined && partition >= context.partitions) {
      problems.push({
        field: 'partition',
        message: `The topic ${topic} has ${context.partitions === 1 ? 'only partition 0' : `partitions 0 to ${context.partitions - 1}`}; partition ${partition} does not exist.`,
      });
    }
  }

  const headers: { key: string; value: string }[] = [];
  const names = new Set<string>();
  if (form.headers.length > MAX_HEADERS) problems.push({ field: 'headers', message: `At most ${MAX_HEADERS} headers.` });
  form.headers.forEach((header, row) => {
    const key = header.key.trim();
    if (key === '' && header.value === '') return;
    if (key === '') {
      problems.push({ field: 'headers', row, message: `Header ${row + 1} has a value but no name.` });
      return;
    }
    if (names.has(key)) {
      problems.push({ field: 'headers', row, message: `The header "${key}" is given twice.` });
      return;
    }
    names.add(key);
    headers.push({ key, value: header.value });
  });

  const subject = (form.subject ?? '').trim();
  const version = parseSchemaVersion(form.subjectVersion);
  if (version === undefined) problems.push({ field: 'subject', message: 'The version is a whole number from 1, or empty for the latest.' });
  if (form.valueMode === 'subject' && subject === '') problems.push({ field: 'subject', message: 'Give the subject to generate test data from, e.g. orders-value.' });
  if (form.valueMode === 'json') {
    const json = checkJson(form.value);
    if (!json.ok) problems.push({ field: 'value', message: json.message, line: json.line, column: json.column });
  } else if (form.valueMode === 'subject') {
    // values come from the subject's schema
  } else if (!context.dataTypes.includes(form.dataType)) {
    problems.push({ field: 'dataType', message: `Pick a data type: ${context.dataTypes.join(', ')}.` });
  }

  const count = wholeNumber(form.count);
  if (count === undefined || count < 1 || count > MAX_COUNT) {
    problems.push({ field: 'count', message: `Count is a whole number from 1 to ${formatCount(MAX_COUNT)}.` });
  }
  const rate = form.rate.trim() === '' ? 0 : wholeNumber(form.rate);
  if (rate === undefined || rate > MAX_RATE) {
    problems.push({ field: 'rate', message: `Rate is a number of messages per second up to ${formatCount(MAX_RATE)}; empty or 0 sends as fast as possible.` });
  }
  if (!context.compressions.includes(form.compression)) {
    problems.push({ field: 'compression', message: `Compression ${form.compression} is not available here; choose ${context.compressions.join(', ')}.` });
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    plan: {
      connection: form.connection.trim(),
      topic,
      key: form.key === '' ? undefined : form.key,
      headers,
      partition,
      valueMode: form.valueMode,
      value: form.value,
      dataType: form.valueMode === 'generate' ? form.dataType : undefined,
      schema: subject !== '' && form.valueMode !== 'generate' ? { subject, version: version ?? 'latest' } : undefined,
      count: count ?? 1,
      ratePerSecond: rate ?? 0,
      compression: form.compression,
    },
  };
}

/** The first line of the value in the template text (1-based). */
export const VALUE_FIRST_LINE = 2;

/**
 * The plan as the text of a template file. The value's text is copied verbatim on its own
 * lines starting at VALUE_FIRST_LINE, so template positions map back to the value box.
 */
export function templateText(plan: ProducePlan): string {
  const rest: Record<string, unknown> = { topic: plan.topic, count: plan.count, ratePerSecond: plan.ratePerSecond };
  if (plan.key !== undefined) rest['key'] = plan.key;
  if (plan.headers.length > 0) rest['headers'] = Object.fromEntries(plan.headers.map((h) => [h.key, h.value]));
  if (plan.partition !== undefined) rest['partition'] = plan.partition;
  if (plan.dataType !== undefined) rest['dataType'] = plan.dataType;
  const tail = JSON.stringify(rest).slice(1, -1);
  if (plan.valueMode === 'json') return `{"value":\n${plan.value}\n,${tail}}`;
  // Values generated from a subject replace this null after rendering keys and headers.
  if (plan.valueMode === 'subject') return `{"value":\nnull\n,${tail}}`;
  return `{\n${tail}}`;
}

/**
 * Where a problem the template engine found (by JSON path and position in templateText)
 * belongs in the form.
 */
export function problemInForm(problem: { path: string; line: number; column: number; message: string }, plan: ProducePlan): FormProblem {
  const message = problem.message;
  if (problem.path.startsWith('$.value')) {
    return { field: 'value', message: `Value, line ${problem.line - VALUE_FIRST_LINE + 1}, column ${problem.column}: ${message}`, line: problem.line - VALUE_FIRST_LINE + 1, column: problem.column };
  }
  if (problem.path.startsWith('$.key')) return { field: 'key', message: `Key: ${message}` };
  const header = /^\$\.headers(?:\.([A-Za-z_$][\w$]*)|\["((?:[^"\\]|\\.)*)"\])/.exec(problem.path);
  if (header) {
    const name = header[1] ?? (JSON.parse(`"${header[2] ?? ''}"`) as string);
    const row = plan.headers.findIndex((h) => h.key === name);
    return { field: 'headers', message: `Header "${name}": ${message}`, ...(row >= 0 ? { row } : {}) };
  }
  if (problem.path.startsWith('$.topic')) return { field: 'topic', message };
  if (problem.path.startsWith('$.partition')) return { field: 'partition', message };
  if (problem.path.startsWith('$.count')) return { field: 'count', message };
  if (problem.path.startsWith('$.ratePerSecond')) return { field: 'rate', message };
  if (problem.path.startsWith('$.dataType')) return { field: 'dataType', message };
  return { field: plan.valueMode === 'json' ? 'value' : 'dataType', message };
}

/** A starting form: orders-like JSON with placeholders, 100 messages, as fast as possible. */
export function defaultForm(connection: string, topic = ''): ProducerForm {
  return {
    connection,
    topic,
    key: 'order-{{seq}}',
    headers: [{ key: 'source', value: 'kafka-airflow-workbench' }],
    partition: '',
    valueMode: 'json',
    value: JSON.stringify({
      data_type: 'order',
      order_id: '{{seq}}',
      customer: '{{faker.person.fullName}}',
      email: '{{faker.internet.email}}',
      amount: '{{faker.finance.amount}}',
      created_at: '{{now}}',
    }, null, 2),
    dataType: 'order',
    count: '100',
    rate: '',
    compression: 'none',
  };
}
