/**
 * Task logs as readable lines with time and level, whichever Airflow sent them:
 * Airflow 3 returns structured JSON events (timestamp, level, event, extra keys, exception
 * details); Airflow 2 returns text, inside a JSON string that holds Python's repr of
 * `[(host, text), …]`. Also reads the `end_of_log` flag out of Airflow 2's continuation token.
 */
import { inflateSync } from 'node:zlib';
import type { LogLine } from './types';

const LEVELS = new Set(['critical', 'fatal', 'error', 'warning', 'warn', 'info', 'debug', 'trace', 'exception']);

/** "2024-06-01T12:00:00.123+0000", "2024-06-01, 12:00:00 UTC" … → ISO-8601, or null. */
export function normalizeLogTime(raw: string): string | null {
  const cleaned = raw
    .trim()
    .replace(/^(\d{4}-\d\d-\d\d),?\s+/, '$1T')
    .replace(/,(\d+)/, '.$1')
    .replace(/\s*UTC$/, 'Z')
    .replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  const millis = Date.parse(cleaned);
  return Number.isNaN(millis) ? null : new Date(millis).toISOString();
}

/** `[time] {file.py:12} LEVEL - message` (Airflow 2's default log_format) and close variants. */
const TEXT_LINE = /^\[([^\]]{8,40})\]\s+(?:\{[^}]*\}\s+)?([A-Z]+)\s+-\s?(.*)$/;
/** ` INFO - message`: Airflow's own lines around the log, without a time. */
const UNTIMED_LINE = /^\s*([A-Z]+) - (.*)$/;

/** Airflow's `::group::Title` / `::endgroup::` fold markers: the title stays, the end marker goes. */
function withoutGroupMarker(text: string): string | undefined {
  if (text.startsWith('::endgroup::')) return undefined;
  return text.startsWith('::group::') ? text.slice('::group::'.length) : text;
}

/**
 * Splits Airflow 2 log text into lines. A line with Airflow's prefix gets its time and level;
 * a line without one (a traceback, a printed line) keeps the level of the line before it,
 * so a traceback reads as part of its ERROR.
 */
export function parseTextLog(text: string): LogLine[] {
  const lines: LogLine[] = [];
  let level: string | null = null;
  const physical = text.replace(/\r\n?/g, '\n').split('\n');
  if (physical.length > 0 && physical[physical.length - 1] === '') physical.pop();
  for (const raw of physical) {
    const match = TEXT_LINE.exec(raw);
    const levelWord = match?.[2]?.toLowerCase();
    const untimed = match ? null : UNTIMED_LINE.exec(raw);
    const untimedLevel = untimed?.[1]?.toLowerCase();
    if (match && levelWord !== undefined && LEVELS.has(levelWord)) {
      level = levelWord === 'warn' ? 'warning' : levelWord;
      const text = withoutGroupMarker(match[3] ?? '');
      if (text !== undefined) lines.push({ time: normalizeLogTime(match[1] ?? ''), level, text });
    } else if (untimed && untimedLevel !== undefined && LEVELS.has(untimedLevel)) {
      const text = withoutGroupMarker(untimed[2] ?? '');
      if (text !== undefined) lines.push({ time: null, level: null, text });
    } else if (raw.startsWith('*** ')) {
      // Airflow's own note about where the log was read from.
      lines.push({ time: null, level: null, text: raw });
    } else {
      lines.push({ time: null, level, text: raw });
    }
  }
  return lines;
}

/** Reads one Python string literal ('…' or "…") starting at `start`; returns its value and the index after it. */
function readPythonString(source: string, start: number): { value: string; end: number } | undefined {
  const quote = source[start];
  if (quote !== "'" && quote !== '"') return undefined;
  let value = '';
  let i = start + 1;
  while (i < source.length) {
    const ch = source[i] ?? '';
    if (ch === quote) return { value, end: i + 1 };
    if (ch !== '\\') {
      value += ch;
      i++;
      continue;
    }
    const next = source[i + 1];
    const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"', a: '\u0007', b: '\b', f: '\f', v: '\v', '0': '\0' };
    if (next !== undefined && next in simple && !(next === '0' && /[0-7]/.test(source[i + 2] ?? ''))) {
      value += simple[next] ?? '';
      i += 2;
    } else if (next === 'x' || next === 'u' || next === 'U') {
      const width = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = source.slice(i + 2, i + 2 + width);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) return undefined;
      value += String.fromCodePoint(parseInt(hex, 16));
      i += 2 + width;
    } else if (next !== undefined && /[0-7]/.test(next)) {
      const octal = /^[0-7]{1,3}/.exec(source.slice(i + 1))?.[0] ?? '0';
      value += String.fromCodePoint(parseInt(octal, 8));
      i += 1 + octal.length;
    } else {
      value += `\\${next ?? ''}`;
      i += 2;
    }
  }
  return undefined;
}

/**
 * Airflow 2's JSON log endpoint puts `str([(host, text), …])` into `content`. Returns the texts
 * joined, or undefined when `content` is not in that form (then it is plain text).
 */
export function unwrapPythonLogChunks(content: string): string | undefined {
  const source = content.trim();
  if (!source.startsWith('[(') || !source.endsWith(')]')) return undefined;
  const texts: string[] = [];
  let i = 1;
  const skipSpace = (): void => {
    while (i < source.length && /\s/.test(source[i] ?? '')) i++;
  };
  while (i < source.length) {
    skipSpace();
    if (source[i] === ']') return texts.join('\n');
    if (source[i] !== '(') return undefined;
    i++;
    skipSpace();
    const host = readPythonString(source, i);
    if (!host) return undefined;
    i = host.end;
    skipSpace();
    if (source[i] !== ',') return undefined;
    i++;
    skipSpace();
    const text = readPythonString(source, i);
    if (!text) return undefined;
    texts.push(text.value);
    i = text.end;
    skipSpace();
    if (source[i] !== ')') return undefined;
    i++;
    skipSpace();
    if (source[i] === ',') i++;
  }
  return undefined;
}

interface ExceptionFrame {
  filename?: unknown;
  lineno?: unknown;
  name?: unknown;
}

interface ExceptionDetail {
  exc_type?: unknown;
  exc_value?: unknown;
  frames?: unknown;
}

function tracebackLines(detail: unknown): string[] {
  if (!Array.isArray(detail)) return [];
  const lines: string[] = [];
  for (const exception of detail as ExceptionDetail[]) {
    if (typeof exception !== 'object') continue;
    lines.push('Traceback (most recent call last):');
    if (Array.isArray(exception.frames)) {
      for (const frame of exception.frames as ExceptionFrame[]) {
        lines.push(`  File "${String(frame.filename)}", line ${String(frame.lineno)}, in ${String(frame.name)}`);
      }
    }
    lines.push(`${String(exception.exc_type)}: ${String(exception.exc_value)}`);
  }
  return lines;
}

/**
 * Keys of a structured event not shown as key=value: those with their own place (time, level,
 * text, traceback), the source location, and the task's identity, which Airflow 3 repeats on
 * every line of a task's log (the log tab already says whose log it is).
 */
const NOT_SHOWN_AS_EXTRA = new Set([
  'timestamp', 'event', 'level', 'logger', 'error_detail', 'sort_key', 'filename', 'lineno',
  'dag_id', 'task_id', 'run_id', 'ti_id', 'map_index', 'try_number',
]);

function formatExtra(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * One Airflow 3 structured log event → lines: the event text followed by its extra keys as
 * key=value (as the Airflow UI shows them), then a traceback when it carries exception detail.
 * `::group::`/`::endgroup::` markers become a plain title / nothing.
 */
export function structuredEventLines(entry: Record<string, unknown>): LogLine[] {
  const rawEvent = typeof entry['event'] === 'string' ? entry['event'] : JSON.stringify(entry['event'] ?? '');
  const event = withoutGroupMarker(rawEvent);
  if (event === undefined) return [];
  const time = typeof entry['timestamp'] === 'string' ? normalizeLogTime(entry['timestamp']) ?? entry['timestamp'] : null;
  const levelRaw = typeof entry['level'] === 'string' ? entry['level'].toLowerCase() : null;
  const level = levelRaw === 'warn' ? 'warning' : levelRaw;
  const extras = Object.entries(entry)
    .filter(([key]) => !NOT_SHOWN_AS_EXTRA.has(key))
    .map(([key, value]) => `${key}=${formatExtra(value)}`);
  const text = [event, ...extras].join(' ');
  const lines: LogLine[] = text.split('\n').map((part, index) => ({ time: index === 0 ? time : null, level, text: part }));
  for (const line of tracebackLines(entry['error_detail'])) lines.push({ time: null, level, text: line });
  return lines;
}

/**
 * The metadata inside a log continuation token (itsdangerous URLSafeSerializer: base64url JSON,
 * zlib-compressed when prefixed with "."; then "." and a signature). Read without verifying:
 * only to learn `end_of_log`. Undefined when the token is not in that form.
 */
export function decodeLogToken(token: string): Record<string, unknown> | undefined {
  const lastDot = token.lastIndexOf('.');
  if (lastDot <= 0) return undefined;
  let payload = token.slice(0, lastDot);
  const compressed = payload.startsWith('.');
  if (compressed) payload = payload.slice(1);
  try {
    const bytes = Buffer.from(payload, 'base64url');
    const json = (compressed ? inflateSync(bytes) : bytes).toString('utf8');
    const parsed = JSON.parse(json) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
