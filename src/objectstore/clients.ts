/**
 * The clients of the stack's object store (S3 API, signed with aws4fetch) and mail catcher:
 * one file loaded when the Stack view's object store or mail rows first load (esbuild.js
 * lazyChunks), not at activation. No vscode import.
 */
export { ObjectStoreClient } from './s3';
export { MailCatcherClient, mailDocumentText } from './mailpit';
