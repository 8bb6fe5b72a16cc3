/**
 * A client for the Confluent Schema Registry REST API over the runtime's built-in fetch: subjects,
 * versions, schemas by id, schema types, references, configuration (global and per subject),
 * compatibility tests, registration, lookup and deletion. It speaks only the Confluent API, so
 * it works the same against Confluent's registry, Apicurio's compatibility API (a base URL
 * ending in `/apis/ccompat/v7`), Karapace and the stack's local registry. Every failure is a
 * WorkbenchError that names the registry, the request and what to do; answers are validated
 * field by field, so a registry that answers something else says so instead of breaking later.
 */
import { describeError, explainNetworkError, systemErrorCode } from '../shared/errors';
import type { ErrorAction } from '../shared/errors';
import { sleep } from '../shared/guards';
import { silentLogger, type Logger } from '../shared/logger';
import { registryRemedy, SchemaRegistryAuthError, SchemaRegistryError, SchemaRegistryUnavailableError } from './registryErrors';
import { COMPATIBILITY_LEVELS, SCHEMA_TYPES, type CompatibilityLevel, type SchemaType } from './schemaKinds';

export { COMPATIBILITY_LEVELS, SCHEMA_TYPES, type CompatibilityLevel, type SchemaType };

export interface SchemaReference {
  /** The name the schema uses for it: an Avro full name, a .proto import path, a JSON Schema $ref. */
  name: string;
  subject: string;
  version: number;
}

/** A schema as the registry keeps it. */
export interface RegistrySchema {
  id: number;
  schemaType: SchemaType;
  schema: string;
  references?: SchemaReference[];
}

/** One version of a subject. */
export interface SubjectVersion extends RegistrySchema {
  subject: string;
  version: number;
}

/** A schema to register, test or look up. */
export interface SchemaInput {
  schema: string;
  /** Default AVRO (the registry's default too; it is sent only when not AVRO, as Confluent's clients do). */
  schemaType?: SchemaType;
  references?: SchemaReference[];
}

export interface CompatibilityResult {
  isCompatible: boolean;
  /** The registry's reasons when not compatible (asked for with verbose=true). */
  messages: string[];
}

export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string };

export interface SchemaRegistryClientOptions {
  /** e.g. http://127.0.0.1:8085, or https://host/apis/ccompat/v7 for Apicurio. */
  baseUrl: string;
  auth?: RegistryAuth;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  logger?: Logger;
  /** Offered with a refused-credentials error, e.g. the command that asks for the secret again. */
  reenterCredentialsAction?: ErrorAction;
  /** How many times a GET is tried when the connection drops or the registry answers 5xx (default 2). */
  tries?: number;
}

export const DEFAULT_REGISTRY_TIMEOUT_MS = 10_000;
/** The media types Confluent's own clients send and accept. */
const ACCEPT = 'application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5';
const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const RETRYABLE_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface RegistryRequest {
  method: Method;
  /** Below the base URL; segments already encoded with `segment()`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

/** One path segment, percent-encoded (subjects may hold `/`, `:` and spaces). */
export function segment(value: string | number): string {
  return encodeURIComponent(String(value));
}

/** A base URL without trailing slashes; throws a sentence for anything that is not http(s). */
export function normalizeRegistryUrl(raw: string): string {
  const trimmed = raw.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new SchemaRegistryUnavailableError(`"${raw}" is not a URL. Enter the registry's address, e.g. http://127.0.0.1:8085 (Apicurio: https://host/apis/ccompat/v7).`, { actions: ['openSettings'] });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SchemaRegistryUnavailableError(`The schema registry URL "${raw}" must start with http:// or https://.`, { actions: ['openSettings'] });
  }
  if (url.username || url.password) {
    throw new SchemaRegistryUnavailableError(`The schema registry URL "${url.host}" carries a user or password: remove them from the URL and choose basic authentication instead, so the password is kept in the editor's secret storage.`, { actions: ['openSettings'] });
  }
  return trimmed.replace(/\/+$/, '');
}

/** The Authorization header for `auth`, or undefined. */
export function authorizationHeader(auth: RegistryAuth | undefined): string | undefined {
  if (!auth || auth.kind === 'none') return undefined;
  if (auth.kind === 'basic') return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
  return `Bearer ${auth.token}`;
}

/** `<title>` of an HTML page, if any. */
function htmlTitle(text: string): string | undefined {
  const match = /<title[^>]*>([^<]{1,120})<\/title>/i.exec(text);
  return match?.[1]?.trim().replace(/\s+/g, ' ');
}

export function looksLikeHtml(text: string, contentType: string): boolean {
  return /html/i.test(contentType) || /^\s*<(!doctype|html|head|body)/i.test(text);
}

/** What a body that is not the API's JSON looks like: "an HTML page titled "Sign in"". */
export function describeRegistryBody(text: string, contentType: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return 'an empty body';
  if (looksLikeHtml(trimmed, contentType)) {
    const title = htmlTitle(trimmed);
    return title ? `an HTML page titled "${title}"` : 'an HTML page';
  }
  const firstLine = trimmed.split('\n', 1)[0] ?? '';
  const shown = firstLine.length > 80 ? `${firstLine.slice(0, 80)}…` : firstLine;
  return `${contentType || 'a body'} starting with ${JSON.stringify(shown)}`;
}

/** Confluent's error body `{"error_code": 40401, "message": "..."}`, if that is what the text is. */
export function parseRegistryErrorBody(text: string): { errorCode: number | undefined; message: string | undefined } {
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body === 'object' && body !== null) {
      const record = body as Record<string, unknown>;
      const code = record['error_code'];
      const message = record['message'];
      return {
        errorCode: typeof code === 'number' && Number.isInteger(code) ? code : undefined,
        message: typeof message === 'string' && message !== '' ? message : undefined,
      };
    }
  } catch {
    // not JSON: the caller describes the body instead
  }
  return { errorCode: undefined, message: undefined };
}

function fail(what: string, endpoint: string, baseUrl: string): never {
  throw new SchemaRegistryUnavailableError(
    `The schema registry at ${baseUrl} answered ${endpoint} with ${what}, which is not the Confluent Schema Registry API. Check the URL (Apicurio: end it with /apis/ccompat/v7).`,
    { actions: ['openSettings', 'showLog'] },
  );
}

function asRecord(value: unknown, endpoint: string, baseUrl: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('something that is not an object', endpoint, baseUrl);
  return value as Record<string, unknown>;
}

function intField(record: Record<string, unknown>, field: string, endpoint: string, baseUrl: string): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(`an object whose "${field}" is not a whole number`, endpoint, baseUrl);
  return value;
}

function stringField(record: Record<string, unknown>, field: string, endpoint: string, baseUrl: string): string {
  const value = record[field];
  if (typeof value !== 'string') fail(`an object whose "${field}" is not a string`, endpoint, baseUrl);
  return value;
}

/** The schema type field: absent means AVRO (Confluent leaves it out for Avro). */
export function parseSchemaType(value: unknown): SchemaType | undefined {
  if (value === undefined || value === null) return 'AVRO';
  return typeof value === 'string' && (SCHEMA_TYPES as readonly string[]).includes(value.toUpperCase()) ? value.toUpperCase() as SchemaType : undefined;
}

function schemaTypeField(record: Record<string, unknown>, endpoint: string, baseUrl: string): SchemaType {
  const type = parseSchemaType(record['schemaType']);
  if (!type) fail(`an unknown schemaType ${JSON.stringify(record['schemaType'])}`, endpoint, baseUrl);
  return type;
}

function referencesField(record: Record<string, unknown>, endpoint: string, baseUrl: string): SchemaReference[] | undefined {
  const value = record['references'];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) fail('"references" that is not a list', endpoint, baseUrl);
  if (value.length === 0) return undefined;
  return value.map((item) => {
    const ref = asRecord(item, endpoint, baseUrl);
    return { name: stringField(ref, 'name', endpoint, baseUrl), subject: stringField(ref, 'subject', endpoint, baseUrl), version: intField(ref, 'version', endpoint, baseUrl) };
  });
}

/** A /subjects/{s}/versions/{v} answer (also the body of a lookup). */
export function parseSubjectVersion(body: unknown, endpoint: string, baseUrl: string): SubjectVersion {
  const record = asRecord(body, endpoint, baseUrl);
  const references = referencesField(record, endpoint, baseUrl);
  return {
    subject: stringField(record, 'subject', endpoint, baseUrl),
    version: intField(record, 'version', endpoint, baseUrl),
    id: intField(record, 'id', endpoint, baseUrl),
    schemaType: schemaTypeField(record, endpoint, baseUrl),
    schema: stringField(record, 'schema', endpoint, baseUrl),
    ...(references ? { references } : {}),
  };
}

/** A /schemas/ids/{id} answer: it has no id field of its own, so the id asked for is given. */
export function parseSchemaById(body: unknown, id: number, endpoint: string, baseUrl: string): RegistrySchema {
  const record = asRecord(body, endpoint, baseUrl);
  const references = referencesField(record, endpoint, baseUrl);
  return { id, schemaType: schemaTypeField(record, endpoint, baseUrl), schema: stringField(record, 'schema', endpoint, baseUrl), ...(references ? { references } : {}) };
}

/** A compatibility answer: `is_compatible` and, with verbose=true, `messages`. */
export function parseCompatibility(body: unknown, endpoint: string, baseUrl: string): CompatibilityResult {
  const record = asRecord(body, endpoint, baseUrl);
  const value = record['is_compatible'];
  if (typeof value !== 'boolean') fail('an object whose "is_compatible" is not true or false', endpoint, baseUrl);
  const messages = Array.isArray(record['messages']) ? record['messages'].map((m) => (typeof m === 'string' ? m : JSON.stringify(m))) : [];
  return { isCompatible: value, messages };
}

function stringList(body: unknown, endpoint: string, baseUrl: string): string[] {
  if (!Array.isArray(body) || !body.every((item) => typeof item === 'string')) fail('something that is not a list of names', endpoint, baseUrl);
  return body;
}

function intList(body: unknown, endpoint: string, baseUrl: string): number[] {
  if (!Array.isArray(body) || !body.every((item) => typeof item === 'number' && Number.isInteger(item))) fail('something that is not a list of numbers', endpoint, baseUrl);
  return body as number[];
}

/** A config answer: `compatibilityLevel` (GET) or `compatibility` (PUT's echo). */
export function parseCompatibilityLevel(body: unknown, endpoint: string, baseUrl: string): CompatibilityLevel {
  const record = asRecord(body, endpoint, baseUrl);
  const value = record['compatibilityLevel'] ?? record['compatibility'];
  if (typeof value !== 'string' || !(COMPATIBILITY_LEVELS as readonly string[]).includes(value.toUpperCase())) {
    fail(`an unknown compatibility level ${JSON.stringify(value)}`, endpoint, baseUrl);
  }
  return value.toUpperCase() as CompatibilityLevel;
}

function versionSegment(version: number | 'latest'): string {
  if (version === 'latest') return 'latest';
  if (!Number.isInteger(version) || version < 1) throw new SchemaRegistryError(`Version ${version} is not a version number: versions count from 1, or use "latest".`, { status: 0, errorCode: undefined, registryMessage: '', endpoint: '' });
  return String(version);
}

function schemaBody(input: SchemaInput): Record<string, unknown> {
  const body: Record<string, unknown> = { schema: input.schema };
  if (input.schemaType && input.schemaType !== 'AVRO') body['schemaType'] = input.schemaType;
  if (input.references && input.references.length > 0) body['references'] = input.references;
  return body;
}

export class SchemaRegistryClient {
  readonly baseUrl: string;
  private readonly auth: RegistryAuth | undefined;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly reenterAction: ErrorAction | undefined;
  private readonly tries: number;

  constructor(options: SchemaRegistryClientOptions) {
    this.baseUrl = normalizeRegistryUrl(options.baseUrl);
    this.auth = options.auth;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS;
    this.logger = options.logger ?? silentLogger;
    this.reenterAction = options.reenterCredentialsAction;
    this.tries = Math.max(1, options.tries ?? 2);
  }

  // ---- Subjects and versions ----

  /** Subject names; `deleted` includes soft-deleted ones, `prefix` filters by name prefix. */
  async listSubjects(options: { deleted?: boolean; prefix?: string } = {}): Promise<string[]> {
    const { body, endpoint } = await this.json({ method: 'GET', path: '/subjects', query: { deleted: options.deleted || undefined, subjectPrefix: options.prefix } });
    return stringList(body, endpoint, this.baseUrl);
  }

  async listVersions(subject: string, options: { deleted?: boolean } = {}): Promise<number[]> {
    const { body, endpoint } = await this.json({ method: 'GET', path: `/subjects/${segment(subject)}/versions`, query: { deleted: options.deleted || undefined } });
    return intList(body, endpoint, this.baseUrl);
  }

  async getSubjectVersion(subject: string, version: number | 'latest', options: { deleted?: boolean } = {}): Promise<SubjectVersion> {
    const { body, endpoint } = await this.json({ method: 'GET', path: `/subjects/${segment(subject)}/versions/${versionSegment(version)}`, query: { deleted: options.deleted || undefined } });
    return parseSubjectVersion(body, endpoint, this.baseUrl);
  }

  /** Ids of the schemas that reference this version. */
  async getReferencedBy(subject: string, version: number | 'latest'): Promise<number[]> {
    const { body, endpoint } = await this.json({ method: 'GET', path: `/subjects/${segment(subject)}/versions/${versionSegment(version)}/referencedby` });
    return intList(body, endpoint, this.baseUrl);
  }

  // ---- Schemas by id ----

  async getSchemaById(id: number, options: { subject?: string } = {}): Promise<RegistrySchema> {
    const { body, endpoint } = await this.json({ method: 'GET', path: `/schemas/ids/${this.schemaId(id)}`, query: { subject: options.subject } });
    return parseSchemaById(body, id, endpoint, this.baseUrl);
  }

  /** The subjects that hold the schema with this id. */
  async getSchemaSubjects(id: number, options: { deleted?: boolean } = {}): Promise<string[]> {
    const { body, endpoint } = await this.json({ method: 'GET', path: `/schemas/ids/${this.schemaId(id)}/subjects`, query: { deleted: options.deleted || undefined } });
    return stringList(body, endpoint, this.baseUrl);
  }

  /** The (subject, version) pairs that hold the schema with this id. */
  async getSchemaVersions(id: number, options: { deleted?: boolean } = {}): Promise<{ subject: string; version: number }[]> {
    const { body, endpoint } = await this.json({ method: 'GET', path: `/schemas/ids/${this.schemaId(id)}/versions`, query: { deleted: options.deleted || undefined } });
    if (!Array.isArray(body)) fail('something that is not a list', endpoint, this.baseUrl);
    return body.map((item) => {
      const record = asRecord(item, endpoint, this.baseUrl);
      return { subject: stringField(record, 'subject', endpoint, this.baseUrl), version: intField(record, 'version', endpoint, this.baseUrl) };
    });
  }

  /** The schema types the registry supports, e.g. ["AVRO", "JSON", "PROTOBUF"]. */
  async getSchemaTypes(): Promise<string[]> {
    const { body, endpoint } = await this.json({ method: 'GET', path: '/schemas/types' });
    return stringList(body, endpoint, this.baseUrl);
  }

  // ---- Configuration ----

  /**
   * The compatibility level of a subject (its own, or with `defaultToGlobal` the global one when
   * it has none) or, without a subject, the global level.
   */
  async getCompatibilityLevel(subject?: string, options: { defaultToGlobal?: boolean } = {}): Promise<CompatibilityLevel> {
    const path = subject === undefined ? '/config' : `/config/${segment(subject)}`;
    const { body, endpoint } = await this.json({ method: 'GET', path, query: { defaultToGlobal: subject !== undefined && options.defaultToGlobal ? true : undefined } });
    return parseCompatibilityLevel(body, endpoint, this.baseUrl);
  }

  /** The subject's own level, or undefined when it follows the global one (error 40408 / 40401 on Confluent). */
  async getSubjectCompatibilityLevel(subject: string): Promise<CompatibilityLevel | undefined> {
    try {
      return await this.getCompatibilityLevel(subject);
    } catch (error) {
      if (error instanceof SchemaRegistryError && (error.errorCode === 40408 || error.errorCode === 40401)) return undefined;
      throw error;
    }
  }

  async setCompatibilityLevel(level: CompatibilityLevel, subject?: string): Promise<CompatibilityLevel> {
    const path = subject === undefined ? '/config' : `/config/${segment(subject)}`;
    const { body, endpoint } = await this.json({ method: 'PUT', path, body: { compatibility: level } });
    return parseCompatibilityLevel(body, endpoint, this.baseUrl);
  }

  /** Removes the subject's own level: it follows the global one again. */
  async deleteSubjectCompatibilityLevel(subject: string): Promise<void> {
    await this.json({ method: 'DELETE', path: `/config/${segment(subject)}` });
  }

  // ---- Compatibility, registration, lookup ----

  /**
   * Whether `input` could be registered under `subject`: against one version (default the
   * latest), or `all` versions the level considers. The registry's reasons come back in
   * `messages` (verbose). A subject without versions answers 40401 on Confluent's registry:
   * that reaches the caller as a SchemaRegistryError with that code.
   */
  async testCompatibility(subject: string, input: SchemaInput, version: number | 'latest' | 'all' = 'latest'): Promise<CompatibilityResult> {
    const path = version === 'all' ? `/compatibility/subjects/${segment(subject)}/versions` : `/compatibility/subjects/${segment(subject)}/versions/${versionSegment(version)}`;
    const { body, endpoint } = await this.json({ method: 'POST', path, query: { verbose: true }, body: schemaBody(input) });
    return parseCompatibility(body, endpoint, this.baseUrl);
  }

  /** Registers `input` under `subject` (a new version, or the existing one if it is already there) and returns the schema id. */
  async register(subject: string, input: SchemaInput, options: { normalize?: boolean } = {}): Promise<number> {
    const { body, endpoint } = await this.json({ method: 'POST', path: `/subjects/${segment(subject)}/versions`, query: { normalize: options.normalize || undefined }, body: schemaBody(input) });
    return intField(asRecord(body, endpoint, this.baseUrl), 'id', endpoint, this.baseUrl);
  }

  /** The version of `subject` that holds exactly this schema (error 40403 when none does). */
  async lookup(subject: string, input: SchemaInput, options: { deleted?: boolean; normalize?: boolean } = {}): Promise<SubjectVersion> {
    const { body, endpoint } = await this.json({ method: 'POST', path: `/subjects/${segment(subject)}`, query: { deleted: options.deleted || undefined, normalize: options.normalize || undefined }, body: schemaBody(input) });
    return parseSubjectVersion(body, endpoint, this.baseUrl);
  }

  // ---- Deletion ----

  /** Deletes a subject (soft, or `permanent` after a soft delete); returns the versions deleted. */
  async deleteSubject(subject: string, options: { permanent?: boolean } = {}): Promise<number[]> {
    const { body, endpoint } = await this.json({ method: 'DELETE', path: `/subjects/${segment(subject)}`, query: { permanent: options.permanent || undefined } });
    return intList(body, endpoint, this.baseUrl);
  }

  /** Deletes one version (soft, or `permanent` after a soft delete); returns its number. */
  async deleteSubjectVersion(subject: string, version: number | 'latest', options: { permanent?: boolean } = {}): Promise<number> {
    const { body, endpoint } = await this.json({ method: 'DELETE', path: `/subjects/${segment(subject)}/versions/${versionSegment(version)}`, query: { permanent: options.permanent || undefined } });
    if (typeof body !== 'number' || !Number.isInteger(body)) fail('something that is not a version number', endpoint, this.baseUrl);
    return body;
  }

  // ---- HTTP ----

  private schemaId(id: number): string {
    if (!Number.isInteger(id) || id < 0) throw new SchemaRegistryError(`${id} is not a schema id: ids are whole numbers from 0 up.`, { status: 0, errorCode: undefined, registryMessage: '', endpoint: '' });
    return String(id);
  }

  /** The absolute URL of a request. */
  url(path: string, query?: RegistryRequest['query']): string {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    return url.toString();
  }

  private async json(request: RegistryRequest): Promise<{ body: unknown; endpoint: string }> {
    const endpoint = `${request.method} ${request.path}`;
    const { status, text, contentType } = await this.send(request, endpoint);
    if (status >= 200 && status < 300) {
      if (looksLikeHtml(text, contentType) && !/json/i.test(contentType)) fail(describeRegistryBody(text, contentType), endpoint, this.baseUrl);
      try {
        return { body: text.trim() === '' ? null : JSON.parse(text) as unknown, endpoint };
      } catch (error) {
        throw new SchemaRegistryUnavailableError(
          `The schema registry at ${this.baseUrl} answered ${endpoint} with ${describeRegistryBody(text, contentType)} instead of JSON. A proxy or login page may be in front of it: check the URL.`,
          { cause: error, actions: ['openSettings', 'showLog'] },
        );
      }
    }
    throw this.statusError(status, text, contentType, endpoint);
  }

  /** The error for a non-2xx answer. */
  private statusError(status: number, text: string, contentType: string, endpoint: string): Error {
    const { errorCode, message } = parseRegistryErrorBody(text);
    const registryMessage = message ?? describeRegistryBody(text, contentType);
    const details = { status, errorCode, registryMessage, endpoint };
    const said = errorCode === undefined ? `${status}: ${registryMessage}` : `${status}, error ${errorCode}: ${registryMessage}`;
    if (status === 401 || status === 403) {
      const what = !this.auth || this.auth.kind === 'none'
        ? 'a request without credentials. It needs them: edit the registry connection and choose basic authentication or a bearer token.'
        : `the ${this.auth.kind === 'basic' ? `password of user "${this.auth.username}"` : 'bearer token'}. ${status === 403 ? 'Check the credentials, and that they may do this.' : 'Enter them again.'}`;
      const actions: ErrorAction[] = this.reenterAction ? [this.reenterAction, 'showLog'] : ['openSettings', 'showLog'];
      return new SchemaRegistryAuthError(`The schema registry at ${this.baseUrl} refused ${what} (${endpoint} → ${said})`, details, { actions });
    }
    if (errorCode === undefined && message === undefined && looksLikeHtml(text, contentType)) {
      return new SchemaRegistryUnavailableError(
        `The schema registry at ${this.baseUrl} answered ${endpoint} with ${status} and ${describeRegistryBody(text, contentType)}, not the registry's API. A proxy or another server may be at this address: check the URL (Apicurio: end it with /apis/ccompat/v7).`,
        { actions: ['openSettings', 'showLog'] },
      );
    }
    const remedy = registryRemedy(errorCode) ?? (status === 404 ? 'Check the name or id, and that the URL is the registry\'s API (Apicurio: end it with /apis/ccompat/v7).' : status >= 500 ? 'The registry\'s log says more; retry in a moment.' : undefined);
    const sentence = `The schema registry at ${this.baseUrl} rejected ${endpoint} (${said.replace(/[.\s]+$/, '')}).${remedy ? ` ${remedy}` : ''}`;
    return new SchemaRegistryError(sentence, details, { actions: status >= 500 ? ['retry', 'showLog'] : ['showLog'] });
  }

  private async send(request: RegistryRequest, endpoint: string): Promise<{ status: number; text: string; contentType: string }> {
    const url = this.url(request.path, request.query);
    const headers: Record<string, string> = { accept: ACCEPT };
    const authorization = authorizationHeader(this.auth);
    if (authorization) headers['authorization'] = authorization;
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    if (body !== undefined) headers['content-type'] = CONTENT_TYPE;
    const tries = request.method === 'GET' ? this.tries : 1;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        const response = await fetch(url, { method: request.method, headers, body, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'follow' });
        const text = await response.text();
        this.logger.trace(`${endpoint} → ${response.status} in ${Math.round(performance.now() - started)} ms`);
        if (response.status >= 500 && attempt < tries) {
          await sleep(200 * attempt);
          continue;
        }
        return { status: response.status, text, contentType: response.headers.get('content-type') ?? '' };
      } catch (error) {
        if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
          const seconds = this.timeoutMs < 1000 ? `${this.timeoutMs} ms` : `${Math.round(this.timeoutMs / 1000)} s`;
          throw new SchemaRegistryUnavailableError(
            `The schema registry at ${this.baseUrl} did not answer ${endpoint} within ${seconds}. Check that it is running and not overloaded, or raise kafkaAirflow.requestTimeoutSeconds.`,
            { cause: error, actions: ['retry', 'openSettings', 'showLog'] },
          );
        }
        const code = systemErrorCode(error);
        if (code !== undefined && RETRYABLE_CODES.has(code) && attempt < tries) {
          this.logger.debug(`${endpoint} failed (${code}); trying again`);
          await sleep(200 * attempt);
          continue;
        }
        const explained = explainNetworkError(error, 'The schema registry', this.baseUrl);
        throw new SchemaRegistryUnavailableError(
          explained ?? `The schema registry at ${this.baseUrl} could not be reached for ${endpoint}: ${describeError(error)}. Check the URL and that the registry is running.`,
          { cause: error, actions: ['retry', 'openSettings', 'showLog'] },
        );
      }
    }
  }
}
