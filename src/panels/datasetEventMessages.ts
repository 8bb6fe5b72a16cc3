/**
 * Checks what the Fire Dataset Event webview sends before the host acts on it: the kind, the
 * request id, a known method and string parameters. Anything else is dropped. Pure (no
 * vscode), so it is unit-tested.
 */
import type { DatasetEventMethods, ReadyMessage, RequestOf } from '../shared/protocol';
import { isRecord } from '../shared/guards';
import { parseEnvelope } from '../shared/webviewMessages';

export type DatasetEventRequest = RequestOf<DatasetEventMethods>;

function stringFields(params: unknown, names: readonly string[]): boolean {
  return isRecord(params) && names.every((name) => typeof params[name] === 'string');
}

/** Checks a message from the webview; anything else is dropped (and logged). */
export function parseWebviewMessage(raw: unknown): ReadyMessage | DatasetEventRequest | undefined {
  const envelope = parseEnvelope(raw);
  if (envelope?.kind !== 'request') return envelope;
  const { id, method, params } = envelope;
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

