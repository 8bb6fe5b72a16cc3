/**
 * Checks what the Backfill webview sends before the host acts on it: a known method, the form's
 * fields with their types, a run id. Anything else is dropped. Pure (no vscode), unit-tested.
 */
import type { BackfillForm, BackfillMethods, ReadyMessage, RequestOf } from '../shared/protocol';
import { isRecord } from '../shared/guards';
import { parseEnvelope } from '../shared/webviewMessages';

export type BackfillRequestMessage = RequestOf<BackfillMethods>;

const REPROCESS = new Set(['none', 'failed', 'completed']);

/** The form, if every field has its type; undefined otherwise. */
export function parseBackfillForm(params: unknown): BackfillForm | undefined {
  if (!isRecord(params)) return undefined;
  const { fromDate, toDate, reprocessBehavior, maxActiveRuns, runBackwards, unpause } = params;
  if (typeof fromDate !== 'string' || typeof toDate !== 'string' || typeof maxActiveRuns !== 'string') return undefined;
  if (typeof reprocessBehavior !== 'string' || !REPROCESS.has(reprocessBehavior)) return undefined;
  if (typeof runBackwards !== 'boolean' || typeof unpause !== 'boolean') return undefined;
  return { fromDate, toDate, reprocessBehavior: reprocessBehavior as BackfillForm['reprocessBehavior'], maxActiveRuns, runBackwards, unpause };
}

export function parseBackfillMessage(raw: unknown): ReadyMessage | BackfillRequestMessage | undefined {
  const envelope = parseEnvelope(raw);
  if (envelope?.kind !== 'request') return envelope;
  const { id, method, params } = envelope;
  switch (method) {
    case 'dryRun':
    case 'start': {
      const form = parseBackfillForm(params);
      return form ? { kind: 'request', id, method, params: form } : undefined;
    }
    case 'pause':
    case 'resume':
    case 'cancel':
      return { kind: 'request', id, method, params: null };
    case 'revealRun':
      return isRecord(params) && typeof params['runId'] === 'string' ? { kind: 'request', id, method, params: { runId: params['runId'] } } : undefined;
    default:
      return undefined;
  }
}
