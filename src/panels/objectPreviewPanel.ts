/**
 * The preview of a CSV or Parquet object of the stack's object store: its first 100 rows in
 * the inspector's virtual table (webview/src/objectPreview.ts), one panel per object. The host
 * reads the rows (src/objectstore/preview.ts) and hands the table the ones it scrolls to.
 */
import type * as vscode from 'vscode';
import type { ObjectStoreClient } from '../objectstore/s3';
import { previewObject, type TablePreview } from '../objectstore/preview';
import { describeError, userMessage } from '../shared/errors';
import { isRecord } from '../shared/guards';
import { taggedLogger, type Logger } from '../shared/logger';
import type { ObjectPreviewMethods, ObjectPreviewNotifications, ReadyMessage, RequestOf } from '../shared/protocol';
import { parseEnvelope } from '../shared/webviewMessages';
import { PanelHost } from './panelHost';

export interface ObjectPreviewDeps {
  log: Logger;
  extensionUri: vscode.Uri;
}

/** Checks what the preview page sends: only `rows` with two whole numbers. */
export function parseObjectPreviewMessage(raw: unknown): ReadyMessage | RequestOf<ObjectPreviewMethods> | undefined {
  const envelope = parseEnvelope(raw);
  if (envelope?.kind !== 'request') return envelope;
  const { id, method, params } = envelope;
  if (method !== 'rows' || !isRecord(params)) return undefined;
  const { from, to } = params;
  if (!Number.isInteger(from) || !Number.isInteger(to)) return undefined;
  return { kind: 'request', id, method, params: { from: from as number, to: to as number } };
}

export class ObjectPreviewPanel implements vscode.Disposable {
  private static readonly panels = new Map<string, ObjectPreviewPanel>();
  private readonly host: PanelHost<ObjectPreviewMethods, ObjectPreviewNotifications>;
  private preview: TablePreview | undefined;
  private failure: string | undefined;

  static show(deps: ObjectPreviewDeps, store: ObjectStoreClient, key: string): ObjectPreviewPanel {
    const id = `${store.endpoint}/${store.bucket}/${key}`;
    const existing = ObjectPreviewPanel.panels.get(id);
    if (existing) {
      existing.host.reveal();
      void existing.load(store);
      return existing;
    }
    const panel = new ObjectPreviewPanel(deps, store, key, id);
    ObjectPreviewPanel.panels.set(id, panel);
    return panel;
  }

  private constructor(private readonly deps: ObjectPreviewDeps, store: ObjectStoreClient, private readonly key: string, private readonly id: string) {
    const log = taggedLogger(deps.log, 'object preview');
    this.host = new PanelHost<ObjectPreviewMethods, ObjectPreviewNotifications>({
      viewType: 'kafkaAirflow.objectPreview',
      title: key.split('/').pop() ?? key,
      entry: 'objectPreview',
      extensionUri: deps.extensionUri,
      retainContextWhenHidden: false,
      log,
      name: 'the object preview',
      parse: parseObjectPreviewMessage,
      handlers: {
        rows: ({ from, to }) => {
          const rows = this.preview?.rows ?? [];
          const start = Math.max(0, from);
          return { rows: rows.slice(start, Math.max(start, to)).map((cells, i) => ({ index: start + i, cells })), total: rows.length };
        },
      },
      onReady: () => { this.post(); },
      onDispose: () => { this.dispose(); },
    });
    void this.load(store);
  }

  private async load(store: ObjectStoreClient): Promise<void> {
    try {
      this.preview = await previewObject(store, this.key);
      this.failure = undefined;
    } catch (error) {
      this.deps.log.warn(`Preview of ${this.key} failed: ${describeError(error)}`);
      this.failure = userMessage(error);
    }
    this.post(store);
  }

  private lastStore: ObjectStoreClient | undefined;

  private post(store?: ObjectStoreClient): void {
    if (store) this.lastStore = store;
    if (this.failure !== undefined) {
      this.host.notify('failed', { key: this.key, message: this.failure });
      return;
    }
    const preview = this.preview;
    if (!preview || !this.lastStore) return;
    this.host.notify('preview', {
      key: this.key,
      bucket: this.lastStore.bucket,
      endpoint: this.lastStore.endpoint,
      format: preview.format,
      columns: preview.columns,
      shown: preview.rows.length,
      totalRows: preview.totalRows,
      bytes: preview.bytes,
    });
  }

  dispose(): void {
    ObjectPreviewPanel.panels.delete(this.id);
    this.host.dispose();
  }
}
