/**
 * The typed messages between the extension host and its webview panels. Type-only: both
 * the host (src/panels) and the browser code (webview/src) import it. Three kinds, as in
 * the best extension codebases: a `ready` handshake, requests from the webview with an id
 * and a typed reply, and notifications from the host.
 */

/** Every webview says this first; the host posts nothing before it. */
export interface ReadyMessage {
  kind: 'ready';
}

/** A request from the webview. `method` and `params` are typed per panel by `Methods`. */
export interface RequestMessage<M extends string = string, P = unknown> {
  kind: 'request';
  id: number;
  method: M;
  params: P;
}

/** The host's answer to one request: a result or an error sentence for the user. */
export type ResponseMessage<R = unknown> =
  | { kind: 'response'; id: number; ok: true; result: R }
  | { kind: 'response'; id: number; ok: false; error: string };

/** A message the host sends on its own (new rows, progress, theme of data changed). */
export interface NotificationMessage<T extends string = string, P = unknown> {
  kind: 'notification';
  type: T;
  params: P;
}

/** A panel's request table: method name → [params, result]. */
export type Methods = Record<string, [unknown, unknown]>;

export type WebviewToHost = ReadyMessage | RequestMessage;
export type HostToWebview = ResponseMessage | NotificationMessage;
