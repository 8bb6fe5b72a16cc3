/**
 * A small S3 client for the stack's object store (SeaweedFS's S3 gateway, or any S3): list a
 * bucket one prefix level at a time (ListObjectsV2 with a delimiter, page by page), read an
 * object's size (HEAD) and a byte range of it (GET with Range). Requests are signed with AWS
 * Signature V4 by aws4fetch (a 6 KB dependency-free signer over fetch) instead of the AWS SDK's
 * S3 client (several MB of modules for the three calls used here). No vscode import: tests and
 * the editor use it as it is. Every failure is a WorkbenchError that names the store and says
 * what to do.
 */
import { AwsClient } from 'aws4fetch';
import { describeError, explainNetworkError, WorkbenchError } from '../shared/errors';

export interface ObjectStoreConfig {
  /** e.g. http://127.0.0.1:8333 */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  region?: string;
  timeoutMs?: number;
}

export interface StoredObject {
  key: string;
  size: number;
  lastModified: string | null;
}

/** One level of a bucket under a prefix: the "folders" (common prefixes) and the objects directly in it. */
export interface ObjectListing {
  prefix: string;
  prefixes: string[];
  objects: StoredObject[];
}

/** The five XML entities S3 escapes in keys. */
export function decodeXmlText(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-fA-F]+));/g, (_, name: string, dec?: string, hex?: string) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' } as Record<string, string>)[name] ?? '';
  });
}

function tagText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return match?.[1] === undefined ? undefined : decodeXmlText(match[1]);
}

function blocks(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1] ?? '');
}

/** One ListObjectsV2 answer → its objects, common prefixes and the token of the next page. Pure; unit-tested. */
export function parseListObjectsV2(xml: string): { objects: StoredObject[]; prefixes: string[]; nextToken: string | undefined } {
  if (!/<ListBucketResult[\s>]/.test(xml)) throw new Error(`not a ListBucketResult: ${xml.slice(0, 120)}`);
  const objects = blocks(xml, 'Contents').map((block): StoredObject => ({
    key: tagText(block, 'Key') ?? '',
    size: Number(tagText(block, 'Size') ?? '0'),
    lastModified: tagText(block, 'LastModified') ?? null,
  }));
  const prefixes = blocks(xml, 'CommonPrefixes').map((block) => tagText(block, 'Prefix') ?? '').filter((p) => p !== '');
  const truncated = tagText(xml, 'IsTruncated') === 'true';
  return { objects, prefixes, nextToken: truncated ? tagText(xml, 'NextContinuationToken') : undefined };
}

/** The `<Code>` and `<Message>` of an S3 error answer, for sentences. */
export function s3ErrorText(xml: string): string {
  const code = tagText(xml, 'Code');
  const message = tagText(xml, 'Message');
  if (!code && !message) return xml.trim().slice(0, 160) || 'an empty answer';
  return [code, message].filter(Boolean).join(': ');
}

export class ObjectStoreClient {
  private readonly aws: AwsClient;
  readonly endpoint: string;
  readonly bucket: string;
  private readonly timeoutMs: number;

  constructor(config: ObjectStoreConfig) {
    this.endpoint = config.endpoint.replace(/\/+$/, '');
    this.bucket = config.bucket;
    this.timeoutMs = config.timeoutMs ?? 15_000;
    this.aws = new AwsClient({ accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey, service: 's3', region: config.region ?? 'us-east-1' });
  }

  private objectUrl(key: string): string {
    return `${this.endpoint}/${encodeURIComponent(this.bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  private async request(url: string, init: RequestInit, what: string): Promise<Response> {
    let response: Response;
    try {
      response = await this.aws.fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const explained = explainNetworkError(error, 'The object store', this.endpoint);
      throw new WorkbenchError(explained ?? `The object store at ${this.endpoint} could not be reached to ${what} (${describeError(error)}). Check that it runs (Stack view) and its endpoint.`, { cause: error, actions: ['retry', 'showLog'] });
    }
    if (response.ok) return response;
    const body = await response.text();
    const detail = s3ErrorText(body);
    if (response.status === 403 || /SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied/.test(detail)) {
      throw new WorkbenchError(`The object store at ${this.endpoint} refused the credentials to ${what} (${response.status} ${detail}). Check the access key and secret of the stack (stack.sh env: KAW_S3_ACCESS_KEY, KAW_S3_SECRET_KEY).`, { actions: ['showLog'] });
    }
    if (response.status === 404) {
      throw new WorkbenchError(`The object store at ${this.endpoint} has no ${/NoSuchBucket/.test(detail) ? `bucket ${this.bucket}` : 'such object'} (${detail}). Refresh the Stack view: it may have been deleted.`, { actions: ['showLog'] });
    }
    throw new WorkbenchError(`The object store at ${this.endpoint} failed to ${what} (${response.status} ${detail}).`, { actions: ['retry', 'showLog'] });
  }

  /** One level under `prefix` ('' for the bucket's top): folders and objects, every page read. */
  async list(prefix = '', options: { maxKeys?: number } = {}): Promise<ObjectListing> {
    const listing: ObjectListing = { prefix, prefixes: [], objects: [] };
    let token: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const url = new URL(`${this.endpoint}/${encodeURIComponent(this.bucket)}`);
      url.searchParams.set('list-type', '2');
      url.searchParams.set('delimiter', '/');
      url.searchParams.set('max-keys', String(options.maxKeys ?? 1000));
      if (prefix) url.searchParams.set('prefix', prefix);
      if (token) url.searchParams.set('continuation-token', token);
      const response = await this.request(url.toString(), { method: 'GET' }, `list ${prefix || 'the bucket'}`);
      const parsed = parseListObjectsV2(await response.text());
      listing.prefixes.push(...parsed.prefixes);
      listing.objects.push(...parsed.objects.filter((o) => o.key !== prefix));
      token = parsed.nextToken;
      if (!token) break;
    }
    return listing;
  }

  /** The object's size in bytes. */
  async size(key: string): Promise<number> {
    const response = await this.request(this.objectUrl(key), { method: 'HEAD' }, `read the size of ${key}`);
    const length = Number(response.headers.get('content-length'));
    if (!Number.isFinite(length)) throw new WorkbenchError(`The object store at ${this.endpoint} gave no size for ${key}.`, { actions: ['showLog'] });
    return length;
  }

  /** Bytes [start, end) of the object (end exclusive), as S3's inclusive Range header asks. */
  async range(key: string, start: number, end: number): Promise<ArrayBuffer> {
    if (end <= start) return new ArrayBuffer(0);
    const response = await this.request(this.objectUrl(key), { method: 'GET', headers: { range: `bytes=${start}-${end - 1}` } }, `read ${key}`);
    return response.arrayBuffer();
  }

  /** The whole object, or its first `maxBytes`. */
  async read(key: string, maxBytes?: number): Promise<ArrayBuffer> {
    const headers: Record<string, string> = maxBytes === undefined ? {} : { range: `bytes=0-${maxBytes - 1}` };
    const response = await this.request(this.objectUrl(key), { method: 'GET', headers }, `read ${key}`);
    return response.arrayBuffer();
  }

  /** Puts an object (tests and examples; the editor only reads). */
  async put(key: string, body: Uint8Array | string, contentType = 'application/octet-stream'): Promise<void> {
    await this.request(this.objectUrl(key), { method: 'PUT', body, headers: { 'content-type': contentType } }, `write ${key}`);
  }

  async delete(key: string): Promise<void> {
    await this.request(this.objectUrl(key), { method: 'DELETE' }, `delete ${key}`);
  }
}
