/**
 * How AirflowClient proves who it is: a JWT from `POST /auth/token` on Airflow 3 (renewed
 * before it expires and once on a 401), basic auth on Airflow 2, or a bearer token the user
 * pasted (both versions). The JWT's `exp` is read without verifying the signature: the client
 * only needs to know when to ask for a new one; the server does the verifying.
 */
import { WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { AuthStrategy } from './http';

/** Renew this long before `exp`, so a request never leaves with a token about to die. */
export const JWT_RENEW_MARGIN_MS = 60_000;

/** The `exp` claim of a JWT in epoch milliseconds, or undefined when the token has none or is not a JWT. */
export function jwtExpiryMs(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (typeof claims !== 'object' || claims === null) return undefined;
    const exp = (claims as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stands in when the connection has no password or token stored: the server's version and
 * health can still be read (they need none), and the first call that needs credentials fails
 * with `error`, which offers to enter them.
 */
export class MissingCredentialsAuth implements AuthStrategy {
  readonly description: string;

  constructor(private readonly error: Error & { readonly actions?: unknown }, readonly reenterTitle: string) {
    this.description = 'no stored credentials';
  }

  header(): Promise<string | undefined> {
    return Promise.reject(this.error);
  }

  renew(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

/** Basic auth (Airflow 2 with the basic_auth API backend). Nothing to renew. */
export class BasicAuth implements AuthStrategy {
  readonly description: string;
  readonly reenterTitle = 'Re-enter Password';
  private readonly value: string;

  constructor(username: string, password: string) {
    this.value = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
    this.description = `the credentials for user ${username}`;
  }

  header(): Promise<string | undefined> {
    return Promise.resolve(this.value);
  }

  renew(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

/** A bearer token the user pasted. It cannot be renewed: a 401 means "paste a new one". */
export class PastedTokenAuth implements AuthStrategy {
  readonly description = 'the pasted token';
  readonly reenterTitle = 'Re-enter Token';

  constructor(private readonly token: string) {}

  header(): Promise<string | undefined> {
    return Promise.resolve(`Bearer ${this.token}`);
  }

  renew(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

/**
 * Airflow 3's JWT: fetched with `requestToken` on first use, kept until `JWT_RENEW_MARGIN_MS`
 * before its `exp`, fetched again then or when the server answers 401. Concurrent callers
 * share one token request.
 */
export class JwtSessionAuth implements AuthStrategy {
  readonly description: string;
  readonly reenterTitle = 'Re-enter Password';
  private token: string | undefined;
  private expiresAtMs: number | undefined;
  private pending: Promise<string> | undefined;
  /** How many tokens were fetched: for tests and the log. */
  tokensIssued = 0;

  constructor(
    username: string,
    private readonly requestToken: () => Promise<string>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.description = `the credentials for user ${username}`;
  }

  async header(): Promise<string | undefined> {
    const fresh = this.token !== undefined && (this.expiresAtMs === undefined || this.expiresAtMs - this.now() > JWT_RENEW_MARGIN_MS);
    const token = fresh && this.token !== undefined ? this.token : await this.fetchToken();
    return `Bearer ${token}`;
  }

  async renew(): Promise<boolean> {
    this.token = undefined;
    await this.fetchToken();
    return true;
  }

  private fetchToken(): Promise<string> {
    this.pending ??= this.requestToken()
      .then((token) => {
        if (token.trim() === '') throw new WorkbenchError('Airflow issued an empty access token. Check the auth manager configuration of the server.');
        this.token = token;
        this.expiresAtMs = jwtExpiryMs(token);
        this.tokensIssued++;
        const left = this.expiresAtMs === undefined ? 'no expiry' : `expires in ${Math.round((this.expiresAtMs - this.now()) / 1000)} s`;
        this.logger.debug(`new access token (${left})`);
        return token;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}
