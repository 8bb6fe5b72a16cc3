/**
 * The logging surface the services need. The editor's LogOutputChannel satisfies it as it
 * is; tests and benchmarks pass `consoleLogger` or `silentLogger`. Services never import vscode.
 */
export interface Logger {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(error: string | Error, ...args: unknown[]): void;
}

/** A logger that drops everything: for tests that assert on results, not on logs. */
export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Prefixes every line with a component tag, e.g. `[kafka]`, so one channel stays readable. */
export function taggedLogger(logger: Logger, tag: string): Logger {
  const prefix = `[${tag}] `;
  return {
    trace: (m, ...a) => { logger.trace(prefix + m, ...a); },
    debug: (m, ...a) => { logger.debug(prefix + m, ...a); },
    info: (m, ...a) => { logger.info(prefix + m, ...a); },
    warn: (m, ...a) => { logger.warn(prefix + m, ...a); },
    error: (e, ...a) => { logger.error(typeof e === 'string' ? prefix + e : e, ...a); },
  };
}
