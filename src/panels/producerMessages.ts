/**
 * The producer form's messages from the webview, checked before the host acts on them; the
 * form turned into a compiled template; and a produce result summed up per partition for the
 * form and for notifications. Pure: no vscode, so all of it is unit tested.
 */
import { compileTemplate, parseTemplateFile, TemplateError, type CompiledTemplate } from '../kafka/templates';
import type { ProduceResult } from '../kafka/types';
import { WorkbenchError } from '../shared/errors';
import type { ProducerCompression, ProducerForm, ProducerMethods, ProducerRunResult, ReadyMessage, RequestOf } from '../shared/protocol';
import { isRecord } from '../shared/guards';
import { parseEnvelope } from '../shared/webviewMessages';
import { formatCount, plural } from '../kafka/presentation';
import { problemInForm, templateText, type FormProblem, type ProducePlan } from '../kafka/producerForm';

/** Records and errors listed in the result table; the counts cover all of them. */
export const RESULT_ROWS = 100;
export const RESULT_ERRORS = 50;

export type ProducerRequest = RequestOf<ProducerMethods>;

export const COMPRESSIONS: readonly ProducerCompression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Checks that a value from the webview is a whole ProducerForm. */
export function isProducerForm(value: unknown): value is ProducerForm {
  if (!isRecord(value)) return false;
  const strings = ['connection', 'topic', 'key', 'partition', 'value', 'dataType', 'count', 'rate'];
  return strings.every((k) => typeof value[k] === 'string')
    && (value['valueMode'] === 'json' || value['valueMode'] === 'generate' || value['valueMode'] === 'subject')
    && (value['subject'] === undefined || typeof value['subject'] === 'string')
    && (value['subjectVersion'] === undefined || typeof value['subjectVersion'] === 'string')
    && typeof value['compression'] === 'string' && (COMPRESSIONS as readonly string[]).includes(value['compression'])
    && Array.isArray(value['headers'])
    && (value['headers'] as unknown[]).every((h) => isRecord(h) && typeof h['key'] === 'string' && typeof h['value'] === 'string');
}

/** Checks a message from the webview; anything else is dropped (and logged). */
export function parseProducerMessage(raw: unknown): ReadyMessage | ProducerRequest | undefined {
  const envelope = parseEnvelope(raw);
  if (envelope?.kind !== 'request') return envelope;
  const { id, method, params } = envelope;
  switch (method) {
    case 'listTopics':
    case 'listSubjects':
      return isRecord(params) && typeof params['connection'] === 'string' ? { kind: 'request', id, method, params: { connection: params['connection'] } } : undefined;
    case 'listVersions':
      return isRecord(params) && typeof params['connection'] === 'string' && typeof params['subject'] === 'string' && params['subject'].trim() !== ''
        ? { kind: 'request', id, method, params: { connection: params['connection'], subject: params['subject'] } }
        : undefined;
    case 'preview':
    case 'send':
      return isRecord(params) && isProducerForm(params['form']) ? { kind: 'request', id, method, params: { form: params['form'] } } : undefined;
    case 'cancel':
      return { kind: 'request', id, method, params: {} };
    case 'openInspector':
      return isRecord(params) && typeof params['connection'] === 'string' && typeof params['topic'] === 'string'
        ? { kind: 'request', id, method, params: { connection: params['connection'], topic: params['topic'] } }
        : undefined;
    case 'traceMessage': {
      if (!isRecord(params)) return undefined;
      const { topic, partition, offset } = params;
      return typeof topic === 'string' && topic !== '' && typeof partition === 'number' && Number.isInteger(partition) && partition >= 0
        && typeof offset === 'string' && /^\d+$/.test(offset)
        ? { kind: 'request', id, method, params: { topic, partition, offset } }
        : undefined;
    }
    default:
      return undefined;
  }
}

/** A form problem travels to the webview as the error text of a response, prefixed so the form can place it. */
export class FormProblemsError extends WorkbenchError {
  constructor(readonly problems: FormProblem[]) {
    super(problems.map((p) => p.message).join('\n'));
    this.name = 'FormProblemsError';
  }
}

/** Encodes form problems in the response error: `FORM:` + JSON, read by the webview. */
export function encodeProblems(problems: FormProblem[]): string {
  return `FORM:${JSON.stringify(problems)}`;
}

/** Sums a produce result per partition and keeps the first rows and errors. */
export function summarizeRun(connection: string, result: ProduceResult, total: number): ProducerRunResult {
  const byPartition = new Map<number, { count: number; first: bigint; last: bigint }>();
  for (const record of result.records) {
    const offset = BigInt(record.offset);
    const entry = byPartition.get(record.partition);
    if (!entry) byPartition.set(record.partition, { count: 1, first: offset, last: offset });
    else {
      entry.count++;
      if (offset < entry.first) entry.first = offset;
      if (offset > entry.last) entry.last = offset;
    }
  }
  const seconds = result.elapsedMs / 1000;
  const ratePerSecond = seconds > 0 ? Math.round(result.sent / seconds) : result.sent;
  const parts = [`${plural(result.sent, 'message')} written to ${result.topic}`];
  if (result.failed > 0) parts.push(`${formatCount(result.failed)} not written`);
  if (result.cancelled) parts.push('cancelled');
  const summary = `${parts.join(', ')} in ${(result.elapsedMs / 1000).toFixed(2)} s (${formatCount(ratePerSecond)} msgs/s).`;
  return {
    connection,
    topic: result.topic,
    total,
    sent: result.sent,
    failed: result.failed,
    cancelled: result.cancelled,
    elapsedMs: result.elapsedMs,
    ratePerSecond,
    partitions: [...byPartition.entries()]
      .sort(([a], [b]) => a - b)
      .map(([partition, e]) => ({ partition, count: e.count, firstOffset: e.first.toString(), lastOffset: e.last.toString() })),
    records: result.records.slice(0, RESULT_ROWS).map((r) => ({ index: r.index, partition: r.partition, offset: r.offset })),
    errors: result.errors.slice(0, RESULT_ERRORS),
    errorsTotal: result.errors.length,
    summary,
  };
}

/** Compiles the plan's template; a TemplateError becomes a problem placed on its field. */
export function compilePlan(plan: ProducePlan): CompiledTemplate {
  const text = templateText(plan);
  const parsed = parseTemplateFile(text);
  const first = parsed.problems[0];
  if (first) throw new FormProblemsError([problemInForm(first, plan)]);
  const template = parsed.templates[0];
  if (!template) throw new WorkbenchError('The form did not make a template. Check the value.');
  try {
    return compileTemplate(text, template, { fileName: undefined });
  } catch (error) {
    if (error instanceof TemplateError) throw new FormProblemsError([problemInForm(error.problem, plan)]);
    throw error;
  }
}
