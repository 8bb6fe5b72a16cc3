/**
 * Errors that carry a cause a user can act on. Services throw WorkbenchError with a
 * sentence that names the system, the address and what to do; the command wrapper shows
 * that sentence and offers the actions listed in `actions`.
 */

/**
 * What the notification offers next to the message: a built-in action, or a command to
 * run (for example "Re-enter Password" running the command that asks for it again).
 */
export type ErrorAction =
  | 'retry'
  | 'openSettings'
  | 'showLog'
  | { title: string; command: string; args?: readonly unknown[] };

export interface WorkbenchErrorOptions {
  cause?: unknown;
  actions?: readonly ErrorAction[];
}

export class WorkbenchError extends Error {
  readonly actions: readonly ErrorAction[];

  constructor(message: string, options: WorkbenchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WorkbenchError';
    this.actions = options.actions ?? ['showLog'];
  }
}

/** Raised when a user cancels a long operation; the command wrapper logs it and shows nothing. */
export class CancelledError extends Error {
  constructor(message = 'Cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

interface NodeSystemError {
  code?: unknown;
  errno?: unknown;
  syscall?: unknown;
}

/** The `code` of a Node system error (ECONNREFUSED, ENOTFOUND, ...) anywhere in the cause chain. */
export function systemErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (typeof current === 'object') {
      const code = (current as NodeSystemError).code;
      if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
      const withCause = current as { cause?: unknown; errors?: unknown };
      if (Array.isArray(withCause.errors) && withCause.errors.length > 0) {
        const inner = systemErrorCode(withCause.errors[0]);
        if (inner) return inner;
      }
      current = withCause.cause;
    } else {
      break;
    }
  }
  return undefined;
}

/**
 * Turns a low-level network failure into a sentence that names the system and address and
 * says what to check. `what` is e.g. "Kafka", `where` e.g. "127.0.0.1:9092".
 */
export function explainNetworkError(error: unknown, what: string, where: string): string | undefined {
  switch (systemErrorCode(error)) {
    case 'ECONNREFUSED':
      return `${what} at ${where} refused the connection. Is it running? Start the local stack or check the address in the settings.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${what} host in ${where} could not be resolved. Check the host name in the settings.`;
    case 'ETIMEDOUT':
      return `${what} at ${where} did not answer in time. Check the address, a firewall or VPN, or raise kafkaAirflow.requestTimeoutSeconds.`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `${what} at ${where} closed the connection. If it uses TLS, enable TLS for this connection.`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${what} at ${where} cannot be reached from this machine. Check the network or VPN.`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return `${what} at ${where} presented a certificate this machine does not trust. Set a CA file for the connection.`;
    default:
      return undefined;
  }
}

/** One line for the log with the whole cause chain: "message ← cause ← cause". */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      parts.push(current.message || current.name);
      current = current.cause;
    } else {
      parts.push(typeof current === 'string' ? current : JSON.stringify(current));
      break;
    }
  }
  return parts.join(' ← ');
}

/** The message to show a user: a WorkbenchError's own sentence, otherwise the error's message. */
export function userMessage(error: unknown): string {
  if (error instanceof WorkbenchError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return String(error);
}
