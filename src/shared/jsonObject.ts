/**
 * Checks text a user typed as a JSON object (a DAG run's `conf`, a dataset event's `extra`)
 * and says where it is wrong: "line 3, column 7: a property name in double quotes was
 * expected". Used by the extension host before it sends anything to Airflow, by the
 * dataset-event form in the webview for instant feedback, and by the producer form's check of
 * its JSON value (src/kafka/producerForm.ts). Pure: no vscode, no DOM.
 */
// The ESM build: the package's "main" is a UMD bundle whose inner require() calls a bundler
// cannot follow (the extension host would fail with "Cannot find module './impl/format'").
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser/lib/esm/main.js';

/** Where and why text is not what was asked for: a sentence and its 1-based line and column. */
export interface JsonProblem {
  ok: false;
  message: string;
  line: number;
  column: number;
}

export type JsonObjectResult = { ok: true; value: Record<string, unknown> } | JsonProblem;
export type JsonValueResult = { ok: true; value: unknown } | JsonProblem;

/** By the names printParseErrorCode gives (ParseErrorCode is a const enum, not usable here). */
const EXPLANATIONS: Record<string, string> = {
  InvalidSymbol: 'this is not a JSON value (text needs double quotes)',
  InvalidNumberFormat: 'this number is not written as JSON numbers are',
  PropertyNameExpected: 'a property name in double quotes was expected',
  ValueExpected: 'a value was expected',
  ColonExpected: 'a colon (:) was expected after the property name',
  CommaExpected: 'a comma was expected between two entries',
  CloseBraceExpected: 'a closing brace } was expected',
  CloseBracketExpected: 'a closing bracket ] was expected',
  EndOfFileExpected: 'the text goes on after the JSON value ended',
  InvalidCommentToken: 'JSON does not allow comments',
  UnexpectedEndOfComment: 'a comment is not closed (and JSON does not allow comments)',
  UnexpectedEndOfString: 'a string is not closed with a double quote',
  UnexpectedEndOfNumber: 'a number ends too early',
  InvalidUnicode: 'a \\u escape needs four hex digits',
  InvalidEscapeCharacter: 'this backslash escape is not valid in JSON',
  InvalidCharacter: 'this character must be escaped inside a string',
};

/** A sentence for a jsonc-parser error code ("a closing brace } was expected"). */
export function explainJsonError(code: Parameters<typeof printParseErrorCode>[0]): string {
  return EXPLANATIONS[printParseErrorCode(code)] ?? 'this is not valid JSON';
}

/** 1-based line and column of a 0-based offset in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split(/\r\n|\r|\n/);
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

/**
 * Parses `text` as one JSON value of any kind (strict: no comments, no trailing commas).
 * `what` starts the message, e.g. "The value is not valid JSON: line 3, column 7: …".
 */
export function parseJsonValue(text: string, what: string): JsonValueResult {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first !== undefined) {
    const { line, column } = lineAndColumn(text, first.offset);
    const explanation = explainJsonError(first.error);
    return { ok: false, line, column, message: `${what} is not valid JSON: line ${line}, column ${column}: ${explanation}.` };
  }
  return { ok: true, value };
}

/**
 * Parses `text` as one JSON object. Blank text is the empty object. `what` names the value
 * in the messages, e.g. "extra" or "conf".
 */
export function parseJsonObject(text: string, what: string): JsonObjectResult {
  if (text.trim() === '') return { ok: true, value: {} };
  const parsed = parseJsonValue(text, what);
  if (!parsed.ok) return parsed;
  const { value } = parsed;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      line: 1,
      column: 1,
      message: `${what} must be a JSON object like {"key": "value"}, not ${describeKind(value)}.`,
    };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
