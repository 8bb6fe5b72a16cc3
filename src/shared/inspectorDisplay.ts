/**
 * What the Message Inspector's webview puts on screen for a key, a value or a header: the
 * table's cells and their tooltips, the detail pane's text, and the note when hidden
 * characters (bidirectional controls, zero-width and control characters) are shown as
 * `\u202E`-style escapes. A missing key and a missing value read alike, `(null)` in a muted
 * style; an empty one `(empty)`. Pure, no DOM: the webview renders the parts with
 * textContent (webview/src/lib/visibleText.ts), and unit and integration tests check them.
 */
import { hiddenCharactersNote, visibleLabel, visibleParts, visibleTooltip, type VisiblePart } from './visibleText';
import type { InspectorContent, InspectorContentKind, InspectorRow, InspectorSchemaCell, InspectorWireView } from './protocol';

/** Escapes styled one by one in a text; after these the rest are escaped plain text. */
export const MAX_STYLED_ESCAPES = 2000;

/** Text as shown: its parts (plain text and escapes), how many escapes, and whether it is a muted placeholder. */
export interface ShownText {
  parts: VisiblePart[];
  count: number;
  /** `(null)`, `(empty)` and their longer forms: not data, shown muted. */
  muted: boolean;
}

/** A table cell: what it shows and its tooltip (escapes as text, plus the note). */
export interface ShownCell extends ShownText {
  tooltip: string;
}

function isPlaceholder(kind: InspectorContentKind): boolean {
  return kind === 'null' || kind === 'empty';
}

function shown(text: string, muted: boolean): ShownText {
  if (muted) return { parts: [text], count: 0, muted };
  const { parts, count } = visibleParts(text, MAX_STYLED_ESCAPES);
  return { parts, count, muted };
}

/** The key or value cell of a row (the row's preview comes from the host: `(null)` for both when missing). */
export function cellOf(row: InspectorRow, column: 'key' | 'value'): ShownCell {
  const text = column === 'key' ? row.key : row.value;
  const kind = column === 'key' ? row.keyKind : row.valueKind;
  const muted = isPlaceholder(kind);
  const { parts, count } = shown(text, muted);
  // Nearly every cell of a page has nothing to show: one regex test, and the text is its own tooltip.
  return { parts, count, muted, tooltip: count === 0 ? text : visibleTooltip(text) };
}

export type DetailView = 'pretty' | 'text' | 'hex';

/** The detail pane's text of a key or value in a view; the view must be one the content has. */
export function contentOf(content: InspectorContent, part: 'key' | 'value', view: DetailView): ShownText {
  if (content.kind === 'null') return shown(part === 'key' ? '(null: this message has no key)' : '(null: this message has no value, a tombstone)', true);
  if (content.kind === 'empty') return shown(`(empty: the ${part} has zero bytes)`, true);
  const text = view === 'pretty' ? content.pretty ?? '' : view === 'text' ? content.text ?? '' : content.hex;
  return shown(text, false);
}

/** A header's value in the detail pane: text, hex for bytes, `(null)` or `(empty)` muted. */
export function headerValueOf(value: InspectorContent): ShownText {
  if (value.kind === 'null') return shown('(null)', true);
  if (value.kind === 'empty') return shown('(empty)', true);
  return shown(value.kind === 'binary' ? value.hex : value.text ?? '', false);
}

/** The line above the detail text when it shows escapes; '' when there are none. */
export function detailNote(count: number): string {
  if (count === 0) return '';
  return `${hiddenCharactersNote(count)}. Copy and export keep the characters themselves, and search finds them as typed or as \\uXXXX.`;
}

/** How much of a key or value a row's screen-reader label reads. */
const LABEL_PREVIEW = 120;

function labelPart(text: string, kind: InspectorContentKind): string {
  if (kind === 'null') return 'none';
  if (kind === 'empty') return 'empty';
  const visible = visibleLabel(text);
  const cut = visible.length > LABEL_PREVIEW ? `${visible.slice(0, LABEL_PREVIEW)}…` : visible;
  return kind === 'binary' ? `bytes ${cut}` : cut;
}

/**
 * What a screen reader reads for a row of the table: every column by name, the key and value
 * cut to a preview, hidden characters as escapes (never read as nothing).
 * `formatted` are the table's own texts of offset, timestamp and size.
 */
export function rowLabelOf(row: InspectorRow, formatted: { offset: string; timestamp: string; size: string }): string {
  const headers = row.headers === 0 ? 'no headers' : row.headers === 1 ? '1 header' : `${row.headers} headers`;
  return `Partition ${row.partition}, offset ${formatted.offset}, ${formatted.timestamp}, key ${labelPart(row.key, row.keyKind)}, value ${labelPart(row.value, row.valueKind)}, ${headers}, ${formatted.size}`;
}

/** A schema cell as text: `orders-value v2 · id 7`, `id 7`, or `id 7: not decoded` when it failed. */
export function schemaCellText(cell: InspectorSchemaCell): string {
  const name = cell.subject !== undefined ? `${cell.subject} v${cell.version ?? '?'} · id ${cell.id}` : cell.id >= 0 ? `id ${cell.id}` : 'not in the wire format';
  return cell.error !== undefined ? `${name}: not decoded` : name;
}

/** The Schema column of a row: the value's schema, the key's when only the key is schema'd; '' for plain rows. */
export function schemaColumnOf(row: InspectorRow): { text: string; tooltip: string; failed: boolean } {
  const parts: string[] = [];
  const tips: string[] = [];
  if (row.valueSchema) {
    parts.push(schemaCellText(row.valueSchema));
    tips.push(`Value: ${row.valueSchema.type ?? 'schema'} ${schemaCellText(row.valueSchema)}${row.valueSchema.error ? `. ${row.valueSchema.error}` : ''}`);
  }
  if (row.keySchema) {
    if (!row.valueSchema) parts.push(`key: ${schemaCellText(row.keySchema)}`);
    tips.push(`Key: ${row.keySchema.type ?? 'schema'} ${schemaCellText(row.keySchema)}${row.keySchema.error ? `. ${row.keySchema.error}` : ''}`);
  }
  return { text: parts.join(''), tooltip: tips.join('\n'), failed: (row.valueSchema?.error ?? row.keySchema?.error) !== undefined };
}

/** The byte view's heading: what the bytes are and whether they were decoded. */
export function wireHeading(view: InspectorWireView, part: 'key' | 'value'): string {
  const what = `${view.type ?? 'Schema'} ${part}${view.subject !== undefined ? ` of ${view.subject} v${view.version ?? '?'}` : ''}${view.id >= 0 ? `, schema id ${view.id}` : ''}${view.indexes ? `, message indexes [${view.indexes.join(', ')}]` : ''}, ${view.bytes} bytes`;
  return view.error !== undefined ? `${what}. Not decoded: ${view.error}` : `${what}. Decoded: Pretty JSON and Text show the decoded value.`;
}

/** One line of the byte view per part: range, label, bytes. Text only (the webview sets it with textContent). */
export function wireLines(view: InspectorWireView): { part: string; text: string }[] {
  return view.parts.map((p) => ({ part: p.part, text: `${`[${p.from}, ${p.to})`.padEnd(14)} ${p.label.padEnd(32)} ${p.hex}` }));
}
