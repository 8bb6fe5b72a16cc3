/**
 * Validation of Airflow's answers at the boundary: a zod schema per response, and one
 * function that turns a mismatch into an AirflowResponseError naming the server, the
 * endpoint, the field and what was found there, so nothing `undefined` travels further.
 */
import type * as z from 'zod/mini';
import { AirflowResponseError } from './errors';

/** ["dags", 3, "is_paused"] → "dags[3].is_paused" */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(the whole body)' : out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let current: unknown = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return { found: false, value: undefined };
    const record = current as Record<PropertyKey, unknown>;
    if (!(key in record)) return { found: false, value: undefined };
    current = record[key];
  }
  return { found: true, value: current };
}

/** A short, safe description of a JSON value for an error sentence. */
export function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  switch (typeof value) {
    case 'string': {
      const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return `the text ${JSON.stringify(shown)}`;
    }
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/**
 * Parses `body` with `schema`. On a mismatch throws an AirflowResponseError such as
 * `Airflow at http://x answered GET /api/v2/dags with data this extension does not
 * understand: field "dags[0].is_paused" should be boolean, found the text "yes".`
 */
export function parseResponse<S extends z.ZodMiniType>(
  schema: S,
  body: unknown,
  endpoint: string,
  serverUrl: string,
): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  const field = formatFieldPath(path);
  const at = valueAt(body, path);
  const found = at.found ? `found ${describeJsonValue(at.value)}` : 'it is missing';
  const expected = issue && 'expected' in issue && typeof issue.expected === 'string' ? `should be ${issue.expected}` : (issue?.message ?? 'is not valid');
  const more = result.error.issues.length > 1 ? ` (${result.error.issues.length - 1} more problem(s) in the log)` : '';
  return failResponse(
    `Airflow at ${serverUrl} answered ${endpoint} with data this extension does not understand: field "${field}" ${expected}, ${found}${more}. Check that the URL points at Airflow 2.9+ or 3.x and not at a proxy that rewrites answers.`,
    endpoint,
    result.error,
  );
}

function failResponse(message: string, endpoint: string, cause: unknown): never {
  throw new AirflowResponseError(message, endpoint, { cause });
}
