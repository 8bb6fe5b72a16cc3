/**
 * Turns the bytes of a record's key, value and headers into what the inspector shows: the
 * text when the bytes are valid UTF-8, pretty-printed JSON when that text is JSON, and a hex
 * dump (offset, hex and ASCII columns) otherwise; plus a one-line preview. Pure and
 * browser-safe (Uint8Array in, strings out); never throws on any input.
 */
import { oneLine } from '../shared/visibleText';

export type DecodedKind = 'null' | 'empty' | 'json' | 'text' | 'binary';

export interface DecodedBytes {
  kind: DecodedKind;
  /** Bytes in the original. */
  size: number;
  /** The UTF-8 text, when the bytes are valid UTF-8. */
  text?: string;
  /** JSON.stringify(parsed, null, 2), when the text is JSON. */
  pretty?: string;
  /** The parsed JSON value, when the text is JSON. */
  json?: unknown;
  /** A hex dump, when the bytes are not valid UTF-8. */
  hex?: string;
  /** One line of at most `previewLength` characters for a table cell. */
  preview: string;
}

export interface DecodedHeader {
  key: string;
  value: DecodedBytes;
}

export interface DecodedRecordParts {
  key: DecodedBytes;
  value: DecodedBytes;
  headers: DecodedHeader[];
}

export const DEFAULT_PREVIEW_LENGTH = 160;
/** Hex dumps stop after this many bytes; the rest is counted, not shown. */
export const HEX_DUMP_LIMIT = 64 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The UTF-8 text of `bytes`, or undefined when they are not valid UTF-8. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * True for text a person can read: no control characters other than tab, newline and
 * carriage return. Valid UTF-8 full of NULs (a binary integer, say) is shown as hex.
 */
function isReadable(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
  return !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(text);
}

function toHexByte(value: number): string {
  return value.toString(16).padStart(2, '0');
}

/**
 * A classic hex dump, 16 bytes a line:
 * `00000000  7b 22 61 22 3a 31 7d 00  ff fe 41 42 43 44 45 46  |{"a":1}...ABCDEF|`
 */
export function hexDump(bytes: Uint8Array, limit = HEX_DUMP_LIMIT): string {
  const shown = Math.min(bytes.length, limit);
  const lines: string[] = [];
  for (let offset = 0; offset < shown; offset += 16) {
    const hex: string[] = [];
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      const index = offset + i;
      if (index < shown) {
        const b = bytes[index] as number;
        hex.push(toHexByte(b));
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else {
        hex.push('  ');
      }
    }
    const left = hex.slice(0, 8).join(' ');
    const right = hex.slice(8).join(' ');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${left}  ${right}  |${ascii}|`);
  }
  if (bytes.length > shown) lines.push(`… ${(bytes.length - shown).toLocaleString('en-US')} more bytes not shown`);
  return lines.join('\n');
}

/**
 * Collapses whitespace and cuts to `length` characters with an ellipsis. Invisible characters
 * stay (a byte order mark is not collapsed as a space), for the view to show as escapes.
 */
export function previewOf(text: string, length = DEFAULT_PREVIEW_LENGTH): string {
  const line = oneLine(text);
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}

function hexPreview(bytes: Uint8Array, length: number): string {
  const count = Math.min(bytes.length, Math.max(1, Math.floor((length - 8) / 3)));
  const hex = Array.from(bytes.subarray(0, count), toHexByte).join(' ');
  return `0x ${hex}${bytes.length > count ? ' …' : ''} (${bytes.length} bytes)`;
}

/** Parses text as JSON only when it looks like an object, array, string, number or literal. */
function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false };
  const first = trimmed[0] as string;
  if (!'{["-0123456789tfn'.includes(first)) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(trimmed) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Decodes one key, value or header value for display. */
export function decodeBytes(bytes: Uint8Array | null | undefined, previewLength = DEFAULT_PREVIEW_LENGTH): DecodedBytes {
  if (bytes === null || bytes === undefined) return { kind: 'null', size: 0, preview: '(null)' };
  if (bytes.length === 0) return { kind: 'empty', size: 0, text: '', preview: '(empty)' };
  const text = utf8Text(bytes);
  if (text === undefined || !isReadable(text)) {
    return { kind: 'binary', size: bytes.length, hex: hexDump(bytes), preview: hexPreview(bytes, previewLength) };
  }
  const parsed = parseJson(text);
  if (parsed.ok) {
    const pretty = JSON.stringify(parsed.value, null, 2);
    return { kind: 'json', size: bytes.length, text, json: parsed.value, pretty, preview: previewOf(text, previewLength) };
  }
  return { kind: 'text', size: bytes.length, text, preview: previewOf(text, previewLength) };
}

/** Decodes a record's key, value and headers. */
export function decodeRecordParts(
  record: { key: Uint8Array | null; value: Uint8Array | null; headers: readonly { key: string; value: Uint8Array | null }[] },
  previewLength = DEFAULT_PREVIEW_LENGTH,
): DecodedRecordParts {
  return {
    key: decodeBytes(record.key, previewLength),
    value: decodeBytes(record.value, previewLength),
    headers: record.headers.map((h) => ({ key: h.key, value: decodeBytes(h.value, previewLength) })),
  };
}

/** The headers as one preview line: `source=workbench, trace=0x 01 02 (2 bytes)`. */
export function headersPreview(headers: readonly { key: string; value: Uint8Array | null }[], length = DEFAULT_PREVIEW_LENGTH): string {
  if (headers.length === 0) return '';
  return previewOf(headers.map((h) => `${h.key}=${decodeBytes(h.value, 40).preview}`).join(', '), length);
}
