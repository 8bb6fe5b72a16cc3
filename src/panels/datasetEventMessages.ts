/**
 * Checks what the Fire Dataset Event webview sends before the host acts on it: the kind, the
 * request id, a known method and string parameters. Anything else is dropped. Pure (no
 * vscode), so it is unit-tested.
 */
import type { DatasetEventMethods } from '../shared/protocol';

export type DatasetEventRequest = { [M in keyof DatasetEventMethods]: { kind: 'request'; id: number; method: M; params: DatasetEventMethods[M][0] } }[keyof DatasetEventMethods];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringFields(params: unknown, names: readonly string[]): boolean {
  return isRecord(params) && names.every((name) => typeof params[name] === 'string');
}

/** Checks a message from the webview; anything else is dropped (and logged). */
export function parseWebviewMessage(raw: unknown): { kind: 'ready' } | DatasetEventRequest | undefined {
  if (!isRecord(raw)) return undefined;
  if (raw['kind'] === 'ready') return { kind: 'ready' };
  if (raw['kind'] !== 'request' || typeof raw['id'] !== 'number') return undefined;
  const { id, method, params } = raw;
  switch (method) {
    case 'listDatasets':
      return stringFields(params, ['connection']) ? { kind: 'request', id, method, params: params as DatasetEventMethods['listDatasets'][0] } : undefined;
    case 'fire':
      return stringFields(params, ['connection', 'uri', 'extraText']) ? { kind: 'request', id, method, params: params as DatasetEventMethods['fire'][0] } : undefined;
    case 'revealRun':
    case 'openRunInAirflowUi':
      return stringFields(params, ['connection', 'dagId', 'runId']) ? { kind: 'request', id, method, params: params as DatasetEventMethods['revealRun'][0] } : undefined;
    default:
      return undefined;
  }
}

