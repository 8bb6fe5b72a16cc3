/**
 * The Message Inspector's messages from the webview, checked before the host acts on them,
 * and the small conversions the panel makes of a record (clipboard text, an editable copy
 * for the producer form). Pure: no vscode, so the checks are unit tested.
 */
import { decodeBytes } from '../kafka/decode';
import type { KafkaRecord } from '../kafka/types';
import { WorkbenchError } from '../shared/errors';
import type { InspectorFilter, InspectorMethods, InspectorOptions, InspectorStartKind, ProducerForm, ReadyMessage, RequestOf } from '../shared/protocol';
import { isRecord } from '../shared/guards';
import { parseEnvelope } from '../shared/webviewMessages';

/** Most rows one page request may ask for. */
export const MAX_PAGE_ROWS = 1000;
/** The largest "max messages" the form accepts. */
export const MAX_MESSAGES_LIMIT = 1_000_000;

export type InspectorRequest = RequestOf<InspectorMethods>;

const START_KINDS: readonly InspectorStartKind[] = ['beginning', 'end', 'latest', 'offset', 'timestamp'];

function isPartitionList(value: unknown): value is number[] {
  return Array.isArray(value) && value.length <= 100_000 && value.every((p) => typeof p === 'number' && Number.isInteger(p) && p >= 0);
}

export function isInspectorOptions(value: unknown): value is InspectorOptions {
  return isRecord(value)
    && typeof value['start'] === 'string' && (START_KINDS as readonly string[]).includes(value['start'])
    && typeof value['startValue'] === 'string'
    && isPartitionList(value['partitions'])
    && typeof value['maxMessages'] === 'number' && Number.isInteger(value['maxMessages']) && value['maxMessages'] >= 1 && value['maxMessages'] <= MAX_MESSAGES_LIMIT
    && typeof value['follow'] === 'boolean'
    && (value['whenFull'] === undefined || value['whenFull'] === 'keepNewest' || value['whenFull'] === 'stop');
}

function isFilter(value: unknown): value is InspectorFilter {
  return isRecord(value) && typeof value['text'] === 'string' && value['text'].length <= 10_000 && isPartitionList(value['partitions']);
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** Checks a message from the webview; anything else is dropped (and logged). */
export function parseInspectorMessage(raw: unknown): ReadyMessage | InspectorRequest | undefined {
  const envelope = parseEnvelope(raw);
  if (envelope?.kind !== 'request') return envelope;
  const { id, method, params } = envelope;
  // Every inspector request carries an object of params, even `stop`.
  if (!isRecord(params)) return undefined;
  switch (method) {
    case 'start':
      return isInspectorOptions(params) ? { kind: 'request', id, method, params } : undefined;
    case 'stop':
      return { kind: 'request', id, method, params: {} };
    case 'rows': {
      const { from, to } = params;
      return isId(from) && isId(to) && to >= from ? { kind: 'request', id, method, params: { from, to: Math.min(to, from + MAX_PAGE_ROWS) } } : undefined;
    }
    case 'setFilter':
      return isFilter(params) ? { kind: 'request', id, method, params: { text: params.text, partitions: params.partitions } } : undefined;
    case 'detail':
    case 'produceAgain':
    case 'traceMessage':
      return isId(params['id']) ? { kind: 'request', id, method, params: { id: params['id'] } } : undefined;
    case 'openRun': {
      const { dagId, runId } = params;
      return typeof dagId === 'string' && dagId !== '' && typeof runId === 'string' && runId !== ''
        ? { kind: 'request', id, method, params: { dagId, runId } }
        : undefined;
    }
    case 'copy': {
      const what = params['what'];
      return isId(params['id']) && (what === 'key' || what === 'value' || what === 'row')
        ? { kind: 'request', id, method, params: { id: params['id'], what } }
        : undefined;
    }
    case 'export': {
      const { ids, format } = params;
      const idsOk = ids === 'filtered' || (Array.isArray(ids) && ids.every(isId));
      return idsOk && (format === 'json' || format === 'csv')
        ? { kind: 'request', id, method, params: { ids, format } }
        : undefined;
    }
    default:
      return undefined;
  }
}

/** Text of a key or value for the clipboard: the text when it is UTF-8, a hex dump otherwise. */
export function clipboardText(bytes: Uint8Array | null): string {
  const decoded = decodeBytes(bytes);
  if (decoded.kind === 'null') return '';
  return decoded.kind === 'binary' ? decoded.hex ?? '' : decoded.text ?? '';
}

/** An editable copy of a record for the producer form; binary parts cannot be edited as text. */
export function formFromRecord(record: KafkaRecord): Partial<ProducerForm> {
  const value = decodeBytes(record.value);
  const key = decodeBytes(record.key);
  if (value.kind === 'binary' || key.kind === 'binary') {
    throw new WorkbenchError(`The ${value.kind === 'binary' ? 'value' : 'key'} of this message is binary (not UTF-8 text), and the producer form edits text and JSON. Export the message to keep its bytes.`);
  }
  const headers = record.headers.map((h) => {
    const decoded = decodeBytes(h.value);
    if (decoded.kind === 'binary') throw new WorkbenchError(`The header "${h.key}" of this message is binary, and the producer form edits text. Export the message to keep its bytes.`);
    return { key: h.key, value: decoded.text ?? '' };
  });
  let valueText: string;
  if (value.kind === 'json') valueText = value.pretty ?? 'null';
  else if (value.kind === 'null') valueText = 'null';
  else valueText = JSON.stringify(value.text ?? '');
  return {
    topic: record.topic,
    key: key.text ?? '',
    headers,
    partition: String(record.partition),
    valueMode: 'json',
    value: valueText,
    count: '1',
    rate: '',
  };
}
