/**
 * How message-history rows read in the editor: the tree's labels ("2/1042 · order-17 ·
 * 12:00:10.123"), tooltips with a text preview of the value, day labels, the search
 * description, and the read-only JSON document of one row with its consumer run, dataset
 * event and processing run. Invisible and bidirectional characters in keys, values, topics
 * and ids show as `\u202E` escapes (the tooltip says so; the document uses JSON escapes, so
 * it still parses to the same data), and a missing key reads `(null)` as a missing value does.
 * Pure: no vscode, so the unit tests check every string.
 */
import { hexDump } from '../kafka/decode';
import type { HistoryContent, HistoryRow, HistoryRowSummary, HistorySchemaInfo, HistorySearch, HistorySearchMode } from './types';
import { oneLine, visibleJson, visibleLabel, visibleTooltip } from '../shared/visibleText';
import { formatBytes, formatCount } from '../kafka/presentation';

export { formatCount };

/** The search modes as the search command offers them. */
export const SEARCH_MODES: readonly { mode: HistorySearchMode; label: string; detail: string }[] = [
  { mode: 'keyOrValueContains', label: 'Key or value contains', detail: 'Case-insensitive, anywhere in the key or in the JSON or text value' },
  { mode: 'valueContains', label: 'Value contains', detail: 'Case-insensitive, anywhere in the JSON or text value' },
  { mode: 'keyEquals', label: 'Key is', detail: 'The whole key, exactly (case-sensitive)' },
  { mode: 'keyStartsWith', label: 'Key starts with', detail: 'A key prefix (case-sensitive)' },
];

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** The parts of a time in a time zone: year … millisecond. */
function partsIn(ms: number, timeZone: string): { date: string; time: string } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    time: `${get('hour')}:${get('minute')}:${get('second')}.${pad(((ms % 1000) + 1000) % 1000, 3)}`,
  };
}

/** "12:00:10.123", or "2025-03-01 12:00:10.123" with the date; "no timestamp" for null. */
export function formatHistoryTime(ms: number | null, timeZone: string, withDate: boolean): string {
  if (ms === null) return 'no timestamp';
  const { date, time } = partsIn(ms, timeZone);
  return withDate ? `${date} ${time}` : time;
}

/** The day (YYYY-MM-DD) of a time in a time zone. */
export function dayOf(ms: number, timeZone: string): string {
  return partsIn(ms, timeZone).date;
}

/** "2025-03-01", "2025-03-01 · today", "No message timestamp". */
export function dayLabel(day: string | null, today: string): string {
  if (day === null) return 'No message timestamp';
  return day === today ? `${day} · today` : day;
}

/** The row's label: `partition/offset · key · time` (the date too when no day node is above it). */
export function rowLabel(row: HistoryRowSummary, timeZone: string, withDate: boolean): string {
  const key = row.key === null ? '(null)' : visibleLabel(shorten(row.key, 40));
  const time = row.messageTimestamp === null
    ? `consumed ${formatHistoryTime(row.consumedAt, timeZone, true)}`
    : formatHistoryTime(row.messageTimestamp, timeZone, withDate);
  return `${row.partition}/${row.offset} · ${key} · ${time}`;
}

function shorten(text: string, max: number): string {
  const line = oneLine(text);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * How a row's key and value were read from the Confluent wire format, for its description:
 * "value schema id 7", "key schema id 3 · value schema id 7", "value schema id 9 · not
 * decoded" when the bytes were kept; undefined for a row not in the wire format.
 */
export function schemaSummary(schema: HistorySchemaInfo): string | undefined {
  const parts: string[] = [];
  if (schema.keySchemaId !== null) parts.push(`key schema id ${schema.keySchemaId}`);
  if (schema.valueSchemaId !== null) parts.push(`value schema id ${schema.valueSchemaId}`);
  if (schema.error !== null) parts.push('not decoded');
  return parts.length === 0 ? undefined : parts.join(' · ');
}

/** The tooltip lines on the schema: ids the batch consumer decoded with, or why it kept the bytes. */
function schemaLines(schema: HistorySchemaInfo): string[] {
  const lines: string[] = [];
  const ids = [
    schema.keySchemaId === null ? undefined : `key ${schema.keySchemaId}`,
    schema.valueSchemaId === null ? undefined : `value ${schema.valueSchemaId}`,
  ].filter((p): p is string => p !== undefined);
  if (ids.length > 0) {
    lines.push(`Schema registry id: ${ids.join(', ')} (${schema.error === null ? 'decoded from the Confluent wire format' : 'in the Confluent wire format'})`);
  }
  if (schema.error !== null) lines.push(`Not decoded, kept as bytes: ${schema.error}`);
  return lines;
}

/**
 * The row's tooltip, plain text: where it came from, when, and a preview of the value; hidden
 * characters as escapes with a note at the end.
 */
export function rowTooltip(row: HistoryRowSummary, timeZone: string): string {
  const lines = [
    `${row.topic} · partition ${row.partition} · offset ${row.offset}`,
    `Key: ${row.key ?? '(null)'}${row.keyKind === 'bytes' ? ' (binary)' : ''}`,
    `Data type: ${row.dataType}`,
    `Message time: ${formatHistoryTime(row.messageTimestamp, timeZone, true)}`,
    `Consumed: ${formatHistoryTime(row.consumedAt, timeZone, true)}`,
    `Processed: ${row.processedAt === null ? 'not yet' : formatHistoryTime(row.processedAt, timeZone, true)}`,
    ...schemaLines(row.schema),
    '',
    ...(row.valueKind === 'null' ? ['Value: (null)'] : [`Value (${row.valueKind}, ${formatBytes(row.valueSize)}):`, row.valuePreview]),
    '',
    'Click to open the whole row.',
  ];
  return visibleTooltip(lines.join('\n'));
}

export function searchDescription(search: HistorySearch): string {
  const label = SEARCH_MODES.find((m) => m.mode === search.mode)?.label ?? search.mode;
  return `${label.toLowerCase()} "${search.text}"`;
}

/** Where a search is scoped: "in orders / order / 2025-03-01", or "" for the whole history. */
export function scopeDescription(scope: { topic?: string; dataType?: string; day?: string | null }): string {
  const parts = [scope.topic, scope.dataType, scope.day === null ? 'no timestamp' : scope.day].filter((p): p is string => p !== undefined);
  return parts.length === 0 ? '' : `in ${parts.join(' / ')}`;
}

function contentForDocument(content: HistoryContent): unknown {
  switch (content.kind) {
    case 'null': return null;
    case 'json': return content.json;
    case 'text': return content.text;
    case 'bytes': return { base64: content.bytes.toString('base64'), bytes: content.bytes.length, hex: hexDump(content.bytes, 4096).split('\n') };
  }
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/**
 * The read-only document of one row: the message (key, value, headers; bytes as base64 and
 * a hex dump), then the journey: consumer run, dataset event, processing run.
 */
export function rowDocument(row: HistoryRow): string {
  const document = {
    topic: row.topic,
    partition: row.partition,
    offset: row.offset,
    messageTimestamp: isoOrNull(row.messageTimestamp),
    dataType: row.dataType,
    keyKind: row.key.kind,
    key: contentForDocument(row.key),
    valueKind: row.value.kind,
    value: contentForDocument(row.value),
    headers: row.headers.map((h) => ({
      key: h.key,
      value: h.value === null || typeof h.value === 'string' ? h.value : { base64: h.value.toString('base64'), bytes: h.value.length },
    })),
    schema: { keySchemaId: row.schema.keySchemaId, valueSchemaId: row.schema.valueSchemaId, error: row.schema.error },
    consumer: { dagId: row.consumerDagId, runId: row.consumerRunId, consumedAt: isoOrNull(row.consumedAt) },
    datasetEvent: { uri: row.datasetUri },
    processing: row.processedAt === null && row.processedByRunId === null
      ? { state: 'not processed yet' }
      : { dagId: row.processedByDagId, runId: row.processedByRunId, processedAt: isoOrNull(row.processedAt) },
    historyRowId: row.id,
  };
  // Hidden characters in strings as JSON escapes: the document reads as it parses.
  return `${visibleJson(JSON.stringify(document, null, 2))}\n`;
}

/** A file name for the row's document: "orders-2@1042.json" (safe characters only). */
export function rowDocumentName(row: { topic: string; partition: number; offset: string }): string {
  return `${row.topic.replace(/[^\w.-]/g, '_')}-${row.partition}@${row.offset}.json`;
}

/** "1,234 messages". */
export function messageCount(count: number): string {
  return `${formatCount(count)} ${count === 1 ? 'message' : 'messages'}`;
}
