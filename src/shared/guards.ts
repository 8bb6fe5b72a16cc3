/**
 * Small pure checks and waits that several layers share: whether a parsed value is a plain
 * object, and a sleep that an AbortSignal ends early. Pure: no vscode, no DOM.
 */

/** A plain object (not null, not an array): what JSON.parse gives for `{…}`. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Waits `ms` milliseconds, or less when `signal` aborts (it resolves then too: the caller
 * checks the signal and says it was cancelled where that matters).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) { resolve(); return; }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
