/**
 * Reads back what a webview panel kept with setState, for reopening it after a window reload
 * (the WebviewPanelSerializers in src/panels). The state comes from the page's storage, so it is
 * checked like any input: a part that does not have the expected shape is dropped, never trusted.
 */
import type {
  InspectorHistorySearch,
  InspectorOptions,
  InspectorPageState,
  InspectorRestore,
  InspectorStartKind,
  ProducerCompression,
  ProducerForm,
  TracePageState,
  TraceRestore,
} from './protocol';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isPartitionList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((p) => Number.isInteger(p) && (p as number) >= 0);
}

const SEARCH_MODES: readonly InspectorHistorySearch['mode'][] = ['keyEquals', 'keyStartsWith', 'valueContains', 'keyOrValueContains'];
const START_KINDS: readonly InspectorStartKind[] = ['beginning', 'end', 'latest', 'offset', 'timestamp'];
const COMPRESSIONS: readonly ProducerCompression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** The message history scope of a restored inspector (as HistoryFilter), or undefined when malformed. */
function historyScopeOf(value: unknown): Extract<InspectorRestore, { kind: 'history' }>['scope'] | undefined {
  if (!isRecord(value)) return undefined;
  const scope: Extract<InspectorRestore, { kind: 'history' }>['scope'] = {};
  const { topic, dataType, day, partitions, search } = value;
  if (topic !== undefined) {
    if (typeof topic !== 'string') return undefined;
    scope.topic = topic;
  }
  if (dataType !== undefined) {
    if (typeof dataType !== 'string') return undefined;
    scope.dataType = dataType;
  }
  if (day !== undefined) {
    if (day !== null && (typeof day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(day))) return undefined;
    scope.day = day;
  }
  if (partitions !== undefined) {
    if (!isPartitionList(partitions)) return undefined;
    scope.partitions = partitions;
  }
  if (search !== undefined) {
    if (!isRecord(search) || typeof search['text'] !== 'string' || !SEARCH_MODES.includes(search['mode'] as InspectorHistorySearch['mode'])) return undefined;
    scope.search = { mode: search['mode'] as InspectorHistorySearch['mode'], text: search['text'] };
  }
  return scope;
}

/** What an inspector read, from its kept state; undefined when the state does not say. */
export function inspectorRestoreOf(state: unknown): InspectorRestore | undefined {
  if (!isRecord(state) || !isRecord(state['restore'])) return undefined;
  const restore = state['restore'];
  if (restore['kind'] === 'kafka') {
    const { connection, topic } = restore;
    return isNonEmptyString(connection) && isNonEmptyString(topic) ? { kind: 'kafka', connection, topic } : undefined;
  }
  if (restore['kind'] === 'history') {
    const scope = historyScopeOf(restore['scope']);
    if (!scope) return undefined;
    const startAt = restore['startAt'];
    if (startAt === undefined) return { kind: 'history', scope };
    if (!isRecord(startAt) || !isNonEmptyString(startAt['id']) || (startAt['timestamp'] !== null && typeof startAt['timestamp'] !== 'string')) return undefined;
    return { kind: 'history', scope, startAt: { id: startAt['id'], timestamp: startAt['timestamp'] } };
  }
  return undefined;
}

/** The inspector's start options from its kept state, or undefined when malformed. */
export function inspectorOptionsOf(value: unknown, maxMessagesLimit: number): InspectorOptions | undefined {
  if (!isRecord(value)) return undefined;
  const { start, startValue, partitions, maxMessages, follow, whenFull } = value;
  if (!START_KINDS.includes(start as InspectorStartKind) || typeof startValue !== 'string' || !isPartitionList(partitions)) return undefined;
  if (typeof maxMessages !== 'number' || !Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > maxMessagesLimit) return undefined;
  if (typeof follow !== 'boolean') return undefined;
  const options: InspectorOptions = { start: start as InspectorStartKind, startValue, partitions, maxMessages, follow };
  if (whenFull === 'keepNewest' || whenFull === 'stop') options.whenFull = whenFull;
  return options;
}

/** The whole kept state of an inspector page, each part checked; undefined without a restore target. */
export function inspectorPageStateOf(state: unknown, maxMessagesLimit: number): InspectorPageState | undefined {
  const restore = inspectorRestoreOf(state);
  if (!restore || !isRecord(state)) return undefined;
  const page: InspectorPageState = { restore };
  const options = inspectorOptionsOf(state['options'], maxMessagesLimit);
  if (options) page.options = options;
  if (typeof state['filterText'] === 'string') page.filterText = state['filterText'];
  if (isPartitionList(state['showPartitions'])) page.showPartitions = state['showPartitions'];
  const { scrollTop, cursor, tab, view } = state;
  if (typeof scrollTop === 'number' && Number.isFinite(scrollTop) && scrollTop >= 0) page.scrollTop = scrollTop;
  if (typeof cursor === 'number' && Number.isInteger(cursor) && cursor >= -1) page.cursor = cursor;
  if (tab === 'value' || tab === 'key' || tab === 'headers') page.tab = tab;
  if (view === 'pretty' || view === 'text' || view === 'hex' || view === 'bytes') page.view = view;
  return page;
}

/** The traced message or run from a trace page's kept state; undefined when the state does not say. */
export function traceRestoreOf(state: unknown): TraceRestore | undefined {
  if (!isRecord(state) || !isRecord(state['restore'])) return undefined;
  const restore = state['restore'];
  if (restore['kind'] === 'batch') {
    const { dagId, runId } = restore;
    return isNonEmptyString(dagId) && isNonEmptyString(runId) ? { kind: 'batch', dagId, runId } : undefined;
  }
  if (restore['kind'] === 'message' && isRecord(restore['coordinates'])) {
    const { topic, partition, offset } = restore['coordinates'];
    if (!isNonEmptyString(topic) || !Number.isInteger(partition) || (partition as number) < 0 || typeof offset !== 'string' || !/^\d{1,19}$/.test(offset)) return undefined;
    const producedAt = restore['producedAt'];
    return {
      kind: 'message',
      coordinates: { topic, partition: partition as number, offset },
      ...(typeof producedAt === 'number' && Number.isFinite(producedAt) ? { producedAt } : {}),
    };
  }
  return undefined;
}

/** A trace page's kept state, checked; undefined without a restore target. */
export function tracePageStateOf(state: unknown): TracePageState | undefined {
  const restore = traceRestoreOf(state);
  if (!restore || !isRecord(state)) return undefined;
  const scrollY = state['scrollY'];
  return typeof scrollY === 'number' && Number.isFinite(scrollY) && scrollY >= 0 ? { restore, scrollY } : { restore };
}

/** The producer form as it was typed, from the page's kept state; undefined when malformed. */
export function producerFormOf(state: unknown): ProducerForm | undefined {
  if (!isRecord(state) || !isRecord(state['form'])) return undefined;
  const form = state['form'];
  const texts = ['connection', 'topic', 'key', 'partition', 'value', 'dataType', 'count', 'rate'] as const;
  for (const name of texts) {
    if (typeof form[name] !== 'string') return undefined;
  }
  const headers = form['headers'];
  if (!Array.isArray(headers) || !headers.every((h) => isRecord(h) && typeof h['key'] === 'string' && typeof h['value'] === 'string')) return undefined;
  if (form['valueMode'] !== 'json' && form['valueMode'] !== 'generate' && form['valueMode'] !== 'subject') return undefined;
  if (!COMPRESSIONS.includes(form['compression'] as ProducerCompression)) return undefined;
  const text = (name: typeof texts[number]): string => form[name] as string;
  return {
    connection: text('connection'),
    topic: text('topic'),
    key: text('key'),
    headers: (headers as { key: string; value: string }[]).map((h) => ({ key: h.key, value: h.value })),
    partition: text('partition'),
    valueMode: form['valueMode'],
    value: text('value'),
    dataType: text('dataType'),
    count: text('count'),
    rate: text('rate'),
    compression: form['compression'] as ProducerCompression,
    ...(typeof form['subject'] === 'string' ? { subject: form['subject'] } : {}),
    ...(typeof form['subjectVersion'] === 'string' ? { subjectVersion: form['subjectVersion'] } : {}),
  };
}

/** Where a restored producer form starts: the form as typed, less a connection no longer in the settings (with a note that says so). */
export function producerRestoreTarget(form: ProducerForm | undefined, connections: readonly string[]): { form?: Partial<ProducerForm>; note?: string } {
  if (!form) return {};
  if (form.connection === '' || connections.includes(form.connection)) return { form };
  const { connection, ...rest } = form;
  return {
    form: rest,
    note: `The Kafka connection "${connection}" this form was filled in for is no longer in the settings: pick another connection before sending.`,
  };
}
