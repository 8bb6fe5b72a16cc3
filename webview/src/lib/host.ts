/**
 * The webview side of the host protocol (src/shared/protocol.ts): sends `ready`, makes
 * typed requests that resolve with the host's reply, and dispatches notifications. Typed by
 * the same two types as the panel's PanelHost (src/panels/panelHost.ts), the panel's
 * `…Methods` and `…Notifications`, so a request or notification renamed on one side fails to
 * compile on the other (hostTypes.check.ts shows it).
 */
import type { HostToWebview, Methods, NotificationMessage, WebviewToHost } from '../../../src/shared/protocol';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export class HostConnection<M extends Methods, N extends object> {
  private readonly api = acquireVsCodeApi();
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, ((params: unknown) => void)[]>();

  constructor() {
    window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
      const message: HostToWebview = event.data;
      if (message.kind === 'response') {
        const waiter = this.pending.get(message.id);
        if (!waiter) return;
        this.pending.delete(message.id);
        if (message.ok) waiter.resolve(message.result);
        else waiter.reject(new Error(message.error));
      } else {
        this.dispatch(message);
      }
    });
  }

  /** Tells the host the page is ready; call once, after the listeners are in place. */
  ready(): void {
    this.api.postMessage({ kind: 'ready' });
  }

  request<K extends keyof M & string>(method: K, params: M[K][0]): Promise<M[K][1]> {
    const id = this.nextId++;
    return new Promise<M[K][1]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.api.postMessage({ kind: 'request', id, method, params });
    });
  }

  /** Calls `listener` with the params of every notification of this type the host posts. */
  on<K extends keyof N & string>(type: K, listener: (params: N[K]) => void): void {
    const list = this.listeners.get(type) ?? [];
    list.push(listener as (params: unknown) => void);
    this.listeners.set(type, list);
  }

  get state(): unknown {
    return this.api.getState();
  }

  set state(value: unknown) {
    this.api.setState(value);
  }

  private dispatch(message: NotificationMessage): void {
    for (const listener of this.listeners.get(message.type) ?? []) listener(message.params);
  }
}
