/**
 * SASL OAUTHBEARER (RFC 7628) for kafkajs, as our own authentication provider. kafkajs's
 * built-in one ignores the broker's answer, so a refused token looks like a success until
 * the broker drops the connection at the next request; this one reads the broker's error
 * (the JSON status RFC 7628 sends back), finishes the exchange as the RFC asks, forgets a
 * cached command token the broker refused, and fails with OAuthBearerRefusedError, which
 * src/kafka/kafkaErrors.ts turns into a sentence. The token itself comes from the connection:
 * a static token from SecretStorage or the token command (src/kafka/oauthToken.ts).
 */
import { KafkaJSNonRetriableError, type AuthenticationProviderArgs, type Authenticator, type Mechanism } from 'kafkajs';
import { describeError, WorkbenchError } from '../shared/errors';
import { bearerTokenProblem, forgetToken, jwtExpiresAt } from './oauthToken';

/** RFC 7628's separator (Control-A). */
const SEPARATOR = '\u0001';

/** What the broker said when it refused the token. */
export interface OAuthBearerRefusal {
  /** RFC 7628 status, e.g. "invalid_token" or "insufficient_scope". */
  status: string;
  /** The scope the broker asks for, when it says so. */
  scope?: string;
  /** The broker's error message at the end of the exchange. */
  brokerMessage?: string;
  /** The token's JWT exp claim (ms since the epoch), when it has one. */
  tokenExpiresAt?: number;
}

/** The broker refused the token. Not retried: the same token would be refused again. */
export class OAuthBearerRefusedError extends KafkaJSNonRetriableError {
  override readonly name: string = 'OAuthBearerRefusedError';

  constructor(readonly refusal: OAuthBearerRefusal) {
    super(`SASL OAUTHBEARER authentication failed: the broker refused the token (${refusal.status})`);
  }
}

/**
 * Getting the token failed (the token command failed, no token is stored). Not retried;
 * the WorkbenchError that says why is its originalError, which toKafkaError hands on.
 */
export class OAuthBearerTokenError extends KafkaJSNonRetriableError {
  override readonly name: string = 'OAuthBearerTokenError';

  constructor(readonly originalError: WorkbenchError) {
    super(originalError.message);
  }
}

/** Encodes a SASL message the way kafkajs's SaslAuthenticate request expects it: Kafka BYTES, an int32 length and the bytes. */
const saslBytes = (text: string): { encode: () => Buffer } => ({
  encode: () => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeInt32BE(bytes.length, 0);
    return Buffer.concat([length, bytes]);
  },
});

/** kafkajs hands the server's bytes length-prefixed (int32); returns them without the prefix. */
const rawServerBytes = {
  decode: (raw: Buffer): Buffer => {
    if (raw.length < 4) return Buffer.alloc(0);
    const length = raw.readInt32BE(0);
    return length <= 0 ? Buffer.alloc(0) : raw.subarray(4, 4 + length);
  },
  parse: (data: Buffer): Buffer => data,
};

/** The status and scope from the broker's RFC 7628 error JSON; the raw text as status when it is not JSON. */
function parseErrorChallenge(bytes: Buffer): Pick<OAuthBearerRefusal, 'status' | 'scope'> {
  const text = bytes.toString('utf8');
  try {
    const json = JSON.parse(text) as { status?: unknown; scope?: unknown };
    const status = typeof json.status === 'string' ? json.status : text;
    // Kafka writes the scope as a Java list: "[kafka, admin]".
    const scope = typeof json.scope === 'string' ? json.scope.replace(/^\[(.*)\]$/, '$1').trim() : '';
    return scope !== '' ? { status, scope } : { status };
  } catch {
    // Not the JSON RFC 7628 describes: show what the broker sent.
    return { status: text.slice(0, 200) };
  }
}

/** The kafkajs SASL option for OAUTHBEARER with `getToken` for the current token. */
export function oauthBearerMechanism(connectionName: string, getToken: () => Promise<string>): Mechanism {
  return {
    mechanism: 'oauthbearer',
    authenticationProvider: ({ host, port, logger, saslAuthenticate }: AuthenticationProviderArgs): Authenticator => ({
      authenticate: async (): Promise<void> => {
        let token: string;
        try {
          token = (await getToken()).trim();
        } catch (error) {
          throw new OAuthBearerTokenError(
            error instanceof WorkbenchError
              ? error
              : new WorkbenchError(`The OAuth token of the Kafka connection "${connectionName}" could not be had: ${describeError(error)}`, { cause: error }),
          );
        }
        const problem = bearerTokenProblem(token);
        if (problem !== undefined) {
          throw new OAuthBearerTokenError(new WorkbenchError(`The OAuth token of the Kafka connection "${connectionName}" ${problem} Store the token again.`, { actions: ['openSettings'] }));
        }
        const broker = `${host}:${port}`;
        logger.debug('Authenticate with SASL OAUTHBEARER', { broker });
        const initial = `n,,${SEPARATOR}auth=Bearer ${token}${SEPARATOR}${SEPARATOR}`;
        const challenge = await saslAuthenticate({ request: saslBytes(initial), response: rawServerBytes });
        if (challenge === undefined || challenge.length === 0) {
          logger.debug('SASL OAUTHBEARER authentication successful', { broker });
          return;
        }
        // RFC 7628 §3.2.2: an error JSON instead of success; the client answers with a lone %x01 and the server then fails the exchange.
        const refusal: OAuthBearerRefusal = parseErrorChallenge(challenge);
        try {
          await saslAuthenticate({ request: saslBytes(SEPARATOR), response: rawServerBytes });
        } catch (error) {
          refusal.brokerMessage = describeError(error);
        }
        const expiresAt = jwtExpiresAt(token);
        if (expiresAt !== undefined) refusal.tokenExpiresAt = expiresAt;
        forgetToken(token);
        logger.warn('SASL OAUTHBEARER token refused', { broker, status: refusal.status });
        throw new OAuthBearerRefusedError(refusal);
      },
    }),
  };
}
