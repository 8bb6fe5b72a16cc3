/**
 * The HTTP layer under AirflowClient: the runtime's built-in fetch with a timeout per request,
 * bounded retries with exponential backoff and jitter (network errors and 5xx, never 4xx),
 * the Authorization header from an AuthStrategy (renewed once on a 401), and the mapping of
 * every failure to a WorkbenchError that names the server, the endpoint and what to do.
 */
import { describeError, explainNetworkError, systemErrorCode, WorkbenchError } from '../shared/errors';
import { sleep } from '../shared/guards';
import type { Logger } from '../shared/logger';
import { AirflowAuthError, AirflowNotFoundError, AirflowResponseError, reenterCredentialsAction } from './errors';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
export type QueryValue = string | number | boolean | null | undefined | readonly (string | number)[];

export interface AirflowRequest {
  method: HttpMethod;
  /** Path below the base URL, e.g. `/api/v2/dags`; ids already percent-encoded. */
  path: string;
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  accept?: string;
  /** Send the Authorization header (default true). Detection and token requests do not. */
  authenticated?: boolean;
  /**
   * Whether repeating the request after a lost answer is harmless. GET/PUT/PATCH/DELETE are;
   * a POST (trigger, create event) is not, so it is only retried when the connection was
   * refused before anything was sent.
   */
  idempotent?: boolean;
  /**
   * Stop reading the answer past this many bytes (a large XCom): the response then has
   * `tooLarge` set and an empty text, and the connection is closed without reading the rest.
   */
  maxBytes?: number;
}

export interface AirflowResponse {
  status: number;
  contentType: string;
  text: string;
  /** "GET /api/v2/dags" — for messages. */
  endpoint: string;
  /** Set when the body was larger than `maxBytes`: the bytes announced (Content-Length) or read before stopping. */
  tooLarge?: { bytesAtLeast: number };
}

/** Reads a body up to `maxBytes`; past that stops reading (the rest is never transferred) and says how far it got. */
async function readBounded(response: Response, maxBytes: number): Promise<{ text: string } | { tooLarge: { bytesAtLeast: number } }> {
  const announced = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(announced) && announced > maxBytes) {
    await response.body?.cancel();
    return { tooLarge: { bytesAtLeast: announced } };
  }
  if (!response.body) return { text: await response.text() };
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Uint8Array[] = [];
  let read = 0;
  for (;;) {
    const next = await reader.read() as { done: true; value?: undefined } | { done: false; value: Uint8Array };
    if (next.done) break;
    const value = next.value;
    read += value.byteLength;
    if (read > maxBytes) {
      await reader.cancel();
      return { tooLarge: { bytesAtLeast: read } };
    }
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks).toString('utf8') };
}

/** Supplies the Authorization header and renews it when the server says 401. */
export interface AuthStrategy {
  /** The header value, or undefined to send none. */
  header(): Promise<string | undefined>;
  /** Called once on a 401; true when new credentials were obtained and the request should be repeated. */
  renew(): Promise<boolean>;
  /** "the credentials for user admin", "the pasted token" — for the 401/403 sentence. */
  readonly description: string;
  /** What the user should do: the title of the action that asks for the secret again. */
  readonly reenterTitle: string;
}

export interface RetryPolicy {
  /** Total tries including the first (default 3). */
  tries: number;
  /** First backoff in ms; doubles each retry, with jitter (default 300). */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { tries: 3, baseDelayMs: 300, maxDelayMs: 4000 };
export const DEFAULT_TIMEOUT_MS = 15_000;

/** Network failures worth another try. A timeout is not among them: it already waited long. */
const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);
/** Failures where the request surely never reached the server, so even a POST may be repeated. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * Exponential backoff with "equal jitter": a random wait in [c/2, c] where
 * c = min(max, base·2^retry), so clients that failed together do not retry together.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || (error.name === 'AbortError' && /timeout/i.test(error.message)));
}

/** `<title>` of an HTML page, if any. */
function htmlTitle(text: string): string | undefined {
  const match = /<title[^>]*>([^<]{1,120})<\/title>/i.exec(text);
  return match?.[1]?.trim().replace(/\s+/g, ' ');
}

/** What a body looks like, for sentences like "it answered an HTML page titled "Login"". */
export function describeBody(text: string, contentType: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return 'an empty body';
  if (/html/i.test(contentType) || /^<(!doctype|html)/i.test(trimmed)) {
    const title = htmlTitle(trimmed);
    return title ? `an HTML page titled "${title}"` : 'an HTML page';
  }
  const firstLine = trimmed.split('\n', 1)[0] ?? '';
  const shown = firstLine.length > 80 ? `${firstLine.slice(0, 80)}…` : firstLine;
  return `${contentType || 'a body'} starting with ${JSON.stringify(shown)}`;
}

/**
 * The server's own explanation from an error body: FastAPI's `detail` (string, object or a
 * list of validation problems) on Airflow 3, connexion's `title`/`detail` on Airflow 2.
 */
export function errorDetail(text: string, contentType: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return describeBody(text, contentType);
  }
  if (typeof parsed !== 'object' || parsed === null) return describeBody(text, contentType);
  const body = parsed as Record<string, unknown>;
  const detail = body['detail'];
  let sentence: string | undefined;
  if (typeof detail === 'string') sentence = detail;
  else if (Array.isArray(detail)) {
    sentence = detail
      .map((item: unknown) => {
        if (typeof item !== 'object' || item === null) return JSON.stringify(item);
        const problem = item as { loc?: unknown; msg?: unknown };
        const where = Array.isArray(problem.loc) ? problem.loc.map(String).join('.') : '';
        return `${where ? `${where}: ` : ''}${typeof problem.msg === 'string' ? problem.msg : JSON.stringify(item)}`;
      })
      .join('; ');
  } else if (detail !== undefined && detail !== null) sentence = JSON.stringify(detail);
  const title = typeof body['title'] === 'string' ? body['title'] : undefined;
  if (title && sentence && !sentence.startsWith(title)) sentence = `${title}: ${sentence}`;
  sentence ??= title ?? JSON.stringify(parsed);
  return sentence.length > 300 ? `${sentence.slice(0, 300)}…` : sentence;
}

/**
 * Whether to ask a server for uncompressed answers: one on this machine (loopback), where
 * gzip only costs CPU on both sides (a page of 100 DAGs is 124 KB of JSON, which Airflow 3
 * compresses in its one API worker when asked; Node's fetch asks by default). A server
 * elsewhere is asked for gzip, which saves the network more than it costs.
 */
export function asksUncompressed(baseUrl: string): boolean {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

export interface AirflowHttpOptions {
  timeoutMs?: number;
  retry?: RetryPolicy;
  logger: Logger;
  /** The name of the Airflow connection these requests belong to: the "Re-enter Password" action of a 401/403 asks for its secret. */
  connectionName?: string;
}

export class AirflowHttp {
  /** Set once the server's version is known (the auth scheme depends on it). */
  auth: AuthStrategy | undefined;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly logger: Logger;
  private readonly connectionName: string | undefined;
  /** Ask for answers without compression (see asksUncompressed). */
  uncompressed: boolean;

  constructor(readonly baseUrl: string, options: AirflowHttpOptions) {
    this.uncompressed = asksUncompressed(baseUrl);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.logger = options.logger;
    this.connectionName = options.connectionName;
  }

  /** The absolute URL of `path` with `query`; arrays become repeated parameters. */
  url(path: string, query?: Record<string, QueryValue>): string {
    const url = new URL(this.baseUrl.replace(/\/+$/, '') + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, String(item));
      else url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  /**
   * Sends the request and returns the answer whatever its status; throws a WorkbenchError
   * only when no answer came (refused, unreachable, timed out) after the allowed retries.
   * Repeats once with renewed credentials on a 401 (or a 403 about the token).
   */
  async send(request: AirflowRequest): Promise<AirflowResponse> {
    const authenticated = request.authenticated ?? true;
    let response = await this.sendWithRetries(request, authenticated ? await this.auth?.header() : undefined);
    // Airflow 3 answers 401 "Token Expired" for an expired JWT and 403 "Invalid JWT token" for
    // one it cannot verify (e.g. after a restart with a new secret): both deserve one new token.
    const stale = response.status === 401 || (response.status === 403 && /token/i.test(response.text));
    if (stale && authenticated && this.auth && (await this.auth.renew())) {
      this.logger.debug(`${response.endpoint}: 401, repeating once with renewed credentials`);
      response = await this.sendWithRetries(request, await this.auth.header());
    }
    return response;
  }

  /** Sends and checks the status: 2xx returns the answer, anything else throws a WorkbenchError. */
  async sendOk(request: AirflowRequest): Promise<AirflowResponse> {
    const response = await this.send(request);
    this.assertOk(response);
    return response;
  }

  /** Sends, checks the status and parses the JSON body (still to be validated by the caller). */
  async json(request: AirflowRequest): Promise<{ body: unknown; endpoint: string }> {
    const response = await this.sendOk({ accept: 'application/json', ...request });
    return { body: this.parseJson(response), endpoint: response.endpoint };
  }

  /** The body as JSON, or an AirflowResponseError saying what came instead (an HTML page…). */
  parseJson(response: AirflowResponse): unknown {
    try {
      if (response.text.trim() === '') throw new Error('empty body');
      return JSON.parse(response.text) as unknown;
    } catch (error) {
      throw new AirflowResponseError(
        `Airflow at ${this.baseUrl} answered ${response.endpoint} with ${describeBody(response.text, response.contentType)} instead of JSON. A proxy or login page may be in front of Airflow: check the URL.`,
        response.endpoint,
        { cause: error },
      );
    }
  }

  /** Throws the WorkbenchError that fits a non-2xx status. */
  assertOk(response: AirflowResponse): void {
    const { status, endpoint } = response;
    if (status >= 200 && status < 300) return;
    const detail = errorDetail(response.text, response.contentType);
    if (status === 401 || status === 403) {
      // Airflow 2 answers a wrong password with 403, Airflow 3 a bad token with 403: both are "refused".
      const what = this.auth?.description ?? 'the request';
      const hint = status === 403 ? ' Check them, and that the user has a role that may do this.' : '';
      throw new AirflowAuthError(
        `Airflow at ${this.baseUrl} refused ${what} (${status} on ${endpoint}: ${detail}).${hint}`,
        status,
        this.baseUrl,
        { actions: [reenterCredentialsAction(this.auth?.reenterTitle ?? 'Re-enter Password', this.connectionName), 'showLog'] },
      );
    }
    if (status === 404) {
      throw new AirflowNotFoundError(`Airflow at ${this.baseUrl} found nothing at ${endpoint}: ${detail.replace(/[.\s]+$/, '')}. Check the id, or refresh the view: it may have been deleted.`);
    }
    if (status >= 500) {
      throw new WorkbenchError(`Airflow at ${this.baseUrl} failed on ${endpoint} (${status}): ${detail}. Its logs say more; retry in a moment.`, { actions: ['retry', 'showLog'] });
    }
    throw new WorkbenchError(`Airflow at ${this.baseUrl} rejected ${endpoint} (${status}): ${detail}`, { actions: ['showLog'] });
  }

  private async sendWithRetries(request: AirflowRequest, authorization: string | undefined): Promise<AirflowResponse> {
    const endpoint = `${request.method} ${request.path}`;
    const idempotent = request.idempotent ?? request.method !== 'POST';
    const url = this.url(request.path, request.query);
    const headers: Record<string, string> = { accept: request.accept ?? 'application/json' };
    if (this.uncompressed) headers['accept-encoding'] = 'identity';
    if (authorization) headers['authorization'] = authorization;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);

    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        const response = await fetch(url, { method: request.method, headers, body, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'follow' });
        const bounded = request.maxBytes !== undefined && response.status >= 200 && response.status < 300
          ? await readBounded(response, request.maxBytes)
          : { text: await response.text() };
        const text = 'text' in bounded ? bounded.text : '';
        const millis = Math.round(performance.now() - started);
        this.logger.trace(`${endpoint} → ${response.status} in ${millis} ms`);
        if (response.status >= 500 && idempotent && attempt < this.retry.tries) {
          const wait = backoffDelay(attempt - 1, this.retry);
          this.logger.debug(`${endpoint} → ${response.status}; try ${attempt + 1} of ${this.retry.tries} in ${wait} ms`);
          await sleep(wait);
          continue;
        }
        const answer: AirflowResponse = { status: response.status, contentType: response.headers.get('content-type') ?? '', text, endpoint };
        if ('tooLarge' in bounded) answer.tooLarge = bounded.tooLarge;
        return answer;
      } catch (error) {
        if (isTimeout(error)) {
          throw new WorkbenchError(
            `Airflow at ${this.baseUrl} did not answer ${endpoint} within ${this.timeoutMs < 1000 ? `${this.timeoutMs} ms` : `${Math.round(this.timeoutMs / 1000)} s`}. Check that it is running and not overloaded, or raise kafkaAirflow.requestTimeoutSeconds.`,
            { cause: error, actions: ['retry', 'openSettings', 'showLog'] },
          );
        }
        const code = systemErrorCode(error);
        const retryable = code !== undefined && RETRYABLE_CODES.has(code) && (idempotent || NOT_SENT_CODES.has(code));
        if (retryable && attempt < this.retry.tries) {
          const wait = backoffDelay(attempt - 1, this.retry);
          this.logger.debug(`${endpoint} failed (${code}); try ${attempt + 1} of ${this.retry.tries} in ${wait} ms`);
          await sleep(wait);
          continue;
        }
        const explained = explainNetworkError(error, 'Airflow', this.baseUrl);
        throw new WorkbenchError(
          explained ?? `Airflow at ${this.baseUrl} could not be reached for ${endpoint}: ${describeError(error)}. Check the URL and that the server is running.`,
          { cause: error, actions: ['retry', 'openSettings', 'showLog'] },
        );
      }
    }
  }
}
