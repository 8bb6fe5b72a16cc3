/**
 * The clients of the stack's object store and mail catcher, as the Stack view uses them. Their
 * addresses come from the running stack (`stack.sh env`: KAW_S3_ENDPOINT, KAW_S3_BUCKET,
 * KAW_S3_ACCESS_KEY, KAW_MAIL_API_URL). The S3 secret key is kept in SecretStorage (bound to the
 * endpoint and access key): read once from the stack and stored, never put in the settings.
 */
import { objectStoreTarget } from '../shared/credentials';
import { WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type * as Clients from '../objectstore/clients';
import type { MailCatcherClient } from '../objectstore/mailpit';
import type { ObjectStoreClient } from '../objectstore/s3';
import { readStackEnv } from '../stack/stackEnv';
import type { Secrets } from './secrets';

/** The stack's addresses when `stack.sh env` does not name them (its defaults). */
export const STACK_SERVICE_DEFAULTS = {
  s3Endpoint: 'http://127.0.0.1:8333',
  s3Bucket: 'workbench',
  s3AccessKey: 'workbench',
  mailApiUrl: 'http://127.0.0.1:8025',
} as const;

const ENV_TTL_MS = 60_000;

export class StackServices {
  private env: { at: number; value: Promise<Record<string, string>> } | undefined;

  constructor(private readonly stackScript: string, private readonly secrets: Secrets, private readonly log: Logger) {}

  private stackEnv(): Promise<Record<string, string>> {
    if (!this.env || Date.now() - this.env.at > ENV_TTL_MS) {
      const value = readStackEnv(this.stackScript).catch((error: unknown) => {
        this.env = undefined;
        throw error;
      });
      this.env = { at: Date.now(), value };
    }
    return this.env.value;
  }

  /** The object store client: endpoint and bucket from the stack, secret key from SecretStorage (stored from the stack once). */
  async objectStore(): Promise<ObjectStoreClient> {
    const env = await this.stackEnv();
    const endpoint = env['KAW_S3_ENDPOINT'] ?? STACK_SERVICE_DEFAULTS.s3Endpoint;
    const accessKeyId = env['KAW_S3_ACCESS_KEY'] ?? STACK_SERVICE_DEFAULTS.s3AccessKey;
    const bucket = env['KAW_S3_BUCKET'] ?? STACK_SERVICE_DEFAULTS.s3Bucket;
    const target = objectStoreTarget(endpoint, accessKeyId);
    const stored = await this.secrets.read(target, 'secret key');
    let secretAccessKey = stored.kind === 'found' ? stored.value : undefined;
    if (secretAccessKey === undefined) {
      secretAccessKey = env['KAW_S3_SECRET_KEY'];
      if (!secretAccessKey) {
        throw new WorkbenchError(`No secret key is known for the object store at ${endpoint}: the stack's settings name none (KAW_S3_SECRET_KEY). Launch the local stack, then refresh the Stack view.`, { actions: ['showLog'] });
      }
      await this.secrets.store(target, secretAccessKey);
      this.log.info(`Stored the object store's secret key for ${endpoint} (${accessKeyId}) in the editor's secret storage`);
    }
    // The client (with aws4fetch) is loaded on first use, from its own file (esbuild.js lazyChunks).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use
    const { ObjectStoreClient: Client } = require('../objectstore/clients') as typeof Clients;
    return new Client({ endpoint, accessKeyId, secretAccessKey, bucket });
  }

  async mail(): Promise<MailCatcherClient> {
    const env = await this.stackEnv();
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see esbuild.js lazyChunks
    const { MailCatcherClient: Client } = require('../objectstore/clients') as typeof Clients;
    return new Client(env['KAW_MAIL_API_URL'] ?? STACK_SERVICE_DEFAULTS.mailApiUrl);
  }

  /** Forget the cached stack settings (after a launch, or when a read failed). */
  reset(): void {
    this.env = undefined;
  }
}
