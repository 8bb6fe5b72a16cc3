/**
 * The first check every panel host makes of what its webview sends (src/shared/protocol.ts):
 * a `ready` handshake, or a request with a numeric id whose method and params the panel's own
 * parser then checks. Also a short text of a dropped message for the log. Pure: no vscode.
 */
import type { ReadyMessage } from './protocol';
import { isRecord } from './guards';

/** A request whose envelope is right; `method` and `params` are still unchecked. */
export interface UncheckedRequest {
  kind: 'request';
  id: number;
  method: unknown;
  params: unknown;
}

/** `ready`, a request envelope, or undefined for anything else. */
export function parseEnvelope(raw: unknown): ReadyMessage | UncheckedRequest | undefined {
  if (!isRecord(raw)) return undefined;
  if (raw['kind'] === 'ready') return { kind: 'ready' };
  if (raw['kind'] !== 'request' || typeof raw['id'] !== 'number') return undefined;
  return { kind: 'request', id: raw['id'], method: raw['method'], params: raw['params'] };
}

/** A short text of a message that is not in the protocol, for the log. */
export function describeRaw(raw: unknown): string {
  const text = JSON.stringify(raw) as string | undefined;
  return (text ?? String(raw)).slice(0, 200);
}
