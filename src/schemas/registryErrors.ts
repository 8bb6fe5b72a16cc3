/**
 * The errors the schema registry client throws: each a WorkbenchError whose message names the
 * registry, the request and what to do. Confluent's error codes (the `error_code` of the
 * body, which Apicurio's and Karapace's compatibility APIs and the stack's own registry answer
 * too) become sentences a user can act on; the code stays on the error for callers that
 * branch on it (a subject that does not exist yet is not a failure when registering).
 */
import { WorkbenchError, type ErrorAction } from '../shared/errors';

/** Confluent Schema Registry's error codes (its REST API reference, "Errors"). */
export const RegistryErrorCode = {
  unauthorized: 40101,
  forbidden: 40301,
  subjectNotFound: 40401,
  versionNotFound: 40402,
  schemaNotFound: 40403,
  subjectSoftDeleted: 40404,
  subjectNotSoftDeleted: 40405,
  versionSoftDeleted: 40406,
  versionNotSoftDeleted: 40407,
  subjectCompatibilityNotConfigured: 40408,
  subjectModeNotConfigured: 40409,
  incompatibleSchema: 409,
  /** Newer registries answer an incompatible schema with 40901 (still HTTP 409). */
  incompatibleSchemaDetailed: 40901,
  invalidSchema: 42201,
  invalidVersion: 42202,
  invalidCompatibilityLevel: 42203,
  invalidMode: 42204,
  operationNotPermitted: 42205,
  referenceExists: 42206,
  backendStore: 50001,
  operationTimeout: 50002,
  forwarding: 50003,
} as const;

/** What the registry said and what the user should do about it, for the codes that have a remedy. */
const REMEDIES: Readonly<Record<number, string>> = {
  [RegistryErrorCode.subjectNotFound]: 'Check the subject name, or refresh the Schemas view: it may have been deleted.',
  [RegistryErrorCode.versionNotFound]: 'Check the version, or refresh the Schemas view: it may have been deleted.',
  [RegistryErrorCode.schemaNotFound]: 'The message names a schema id this registry does not have: check that the connection uses the registry the producer wrote to.',
  [RegistryErrorCode.subjectSoftDeleted]: 'The subject was deleted (soft). Delete it permanently, or register a new version to bring it back.',
  [RegistryErrorCode.subjectNotSoftDeleted]: 'A subject must be deleted (soft) before it can be deleted permanently.',
  [RegistryErrorCode.versionSoftDeleted]: 'The version was deleted (soft). Delete it permanently, or register it again.',
  [RegistryErrorCode.versionNotSoftDeleted]: 'A version must be deleted (soft) before it can be deleted permanently.',
  [RegistryErrorCode.subjectCompatibilityNotConfigured]: 'The subject has no compatibility level of its own; it follows the global one.',
  [RegistryErrorCode.subjectModeNotConfigured]: 'The subject has no mode of its own; it follows the global one.',
  [RegistryErrorCode.incompatibleSchema]: 'The new schema is not compatible with the earlier versions under the subject\'s compatibility level: change the schema, or the level.',
  [RegistryErrorCode.incompatibleSchemaDetailed]: 'The new schema is not compatible with the earlier versions under the subject\'s compatibility level: change the schema, or the level.',
  [RegistryErrorCode.invalidSchema]: 'Fix the schema text (the registry\'s message says where) and try again.',
  [RegistryErrorCode.invalidVersion]: 'A version is a number from 1 up, or "latest".',
  [RegistryErrorCode.invalidCompatibilityLevel]: 'Use one of BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE, NONE.',
  [RegistryErrorCode.invalidMode]: 'Use one of READWRITE, READONLY, IMPORT.',
  [RegistryErrorCode.operationNotPermitted]: 'The registry or subject is in a mode that does not allow this (READONLY or IMPORT).',
  [RegistryErrorCode.referenceExists]: 'Other schemas reference this one: delete or change them first.',
  [RegistryErrorCode.backendStore]: 'The registry could not reach its storage: check its log and retry.',
  [RegistryErrorCode.operationTimeout]: 'The registry timed out: retry in a moment.',
  [RegistryErrorCode.forwarding]: 'The registry could not forward the request to its leader: retry in a moment.',
};

/** The remedy sentence for a Confluent error code, if there is one. */
export function registryRemedy(errorCode: number | undefined): string | undefined {
  return errorCode === undefined ? undefined : REMEDIES[errorCode];
}

/** The registry answered with an error status: `errorCode` is Confluent's, when the body had one. */
export class SchemaRegistryError extends WorkbenchError {
  readonly status: number;
  readonly errorCode: number | undefined;
  /** The registry's own message, without ours around it. */
  readonly registryMessage: string;
  readonly endpoint: string;

  constructor(message: string, details: { status: number; errorCode: number | undefined; registryMessage: string; endpoint: string },
    options: { cause?: unknown; actions?: readonly ErrorAction[] } = {}) {
    super(message, { cause: options.cause, actions: options.actions ?? ['showLog'] });
    this.name = 'SchemaRegistryError';
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.registryMessage = details.registryMessage;
    this.endpoint = details.endpoint;
  }
}

/** 401 or 403: the credentials were refused (or lack the permission). */
export class SchemaRegistryAuthError extends SchemaRegistryError {
  constructor(message: string, details: { status: number; errorCode: number | undefined; registryMessage: string; endpoint: string },
    options: { cause?: unknown; actions?: readonly ErrorAction[] } = {}) {
    super(message, details, options);
    this.name = 'SchemaRegistryAuthError';
  }
}

/**
 * No usable answer: refused, unreachable, timed out, or something that is not the registry's
 * API (an HTML page from a proxy or login wall, a body that is not JSON).
 */
export class SchemaRegistryUnavailableError extends WorkbenchError {
  constructor(message: string, options: { cause?: unknown; actions?: readonly ErrorAction[] } = {}) {
    super(message, { cause: options.cause, actions: options.actions ?? ['retry', 'showLog'] });
    this.name = 'SchemaRegistryUnavailableError';
  }
}
