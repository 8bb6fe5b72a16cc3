/**
 * The host side of the Message Inspector. It owns an InspectorSource (the rows live here, in
 * the extension host), answers the webview's page requests (rows [from, to) of the filtered
 * view), applies filters, decodes one message for the detail pane, exports to JSON or CSV
 * through a save dialog, copies, and hands a message to the producer form ("Produce again").
 * Status goes to the webview at most every 100 ms while rows stream in. One panel per topic:
 * opening the same topic again brings its panel to the front.
 */
import { writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { exportRecord, recordsToCsv, recordsToJson } from '../kafka/export';
import type { KafkaRecord } from '../kafka/types';
import { describeError, userMessage, WorkbenchError } from '../shared/errors';
import { taggedLogger, type Logger } from '../shared/logger';
import type { HostToWebview, InspectorNotifications, InspectorOptions, InspectorPreset } from '../shared/protocol';
import { formatCount } from '../views/kafka/presentation';
import { clipboardText, describeRaw, formFromRecord, MAX_MESSAGES_LIMIT, parseInspectorMessage, type InspectorRequest } from './inspectorMessages';
import { detailOf, type InspectorSource } from './inspectorSource';
import type { ProducerTarget } from './producerPanel';
import { panelHtml } from './webviewHtml';

const STATUS_INTERVAL_MS = 100;

export interface InspectorPanelDeps {
  log: Logger;
  extensionUri: vscode.Uri;
  openProducer: (target: ProducerTarget) => void;
}

export interface InspectorOpenOptions {
  /** Identity of the panel: opening the same key again reveals it. */
  key: string;
  /** The panel's tab title. */
  title: string;
  createSource: () => InspectorSource;
  options: InspectorOptions;
  autoStart: boolean;
  /** The Kafka connection "Produce again" writes to. */
  connection?: string;
}

export class InspectorPanel implements vscode.Disposable {
  private static readonly panels = new Map<string, InspectorPanel>();

  private readonly panel: vscode.WebviewPanel;
  private readonly source: InspectorSource;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly log: Logger;
  private ready = false;
  private statusTimer: NodeJS.Timeout | undefined;
  private lastStatusAt = 0;
  private readonly unsubscribe: () => void;
  private topicOfPanel = '';

  /** Opens the inspector for `open.key`, or brings the open one to the front. */
  static show(deps: InspectorPanelDeps, open: InspectorOpenOptions): InspectorPanel {
    const existing = InspectorPanel.panels.get(open.key);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = new InspectorPanel(deps, open);
    InspectorPanel.panels.set(open.key, panel);
    return panel;
  }

  /** The open inspector panels, for tests and for closing them when a topic is deleted. */
  static openKeys(): string[] {
    return [...InspectorPanel.panels.keys()];
  }

  private constructor(private readonly deps: InspectorPanelDeps, private readonly open: InspectorOpenOptions) {
    this.log = taggedLogger(deps.log, 'inspector');
    this.source = open.createSource();
    this.panel = vscode.window.createWebviewPanel('kafkaAirflow.inspector', open.title, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webview')],
    });
    this.panel.webview.html = panelHtml(this.panel.webview, deps.extensionUri, 'inspector', open.title);
    this.unsubscribe = this.source.onDidChange(() => { this.scheduleStatus(); });
    this.disposables.push(
      this.panel.webview.onDidReceiveMessage((raw: unknown) => { this.receive(raw); }),
      this.panel.onDidDispose(() => { this.dispose(); }),
    );
  }

  private post(message: HostToWebview): void {
    if (!this.ready) return;
    this.panel.webview.postMessage(message).then(undefined, (error: unknown) => {
      this.log.warn(`Could not post to the inspector: ${describeError(error)}`);
    });
  }

  private notify<K extends keyof InspectorNotifications>(type: K, params: InspectorNotifications[K]): void {
    this.post({ kind: 'notification', type, params });
  }

  /** Posts the status now, or soon: at most one post per STATUS_INTERVAL_MS. */
  private scheduleStatus(): void {
    if (this.statusTimer) return;
    const wait = Math.max(0, this.lastStatusAt + STATUS_INTERVAL_MS - Date.now());
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      this.lastStatusAt = Date.now();
      this.notify('status', this.source.status());
    }, wait);
  }

  private receive(raw: unknown): void {
    const message = parseInspectorMessage(raw);
    if (!message) {
      this.log.warn(`Ignored a message from the inspector that is not in the protocol: ${describeRaw(raw)}`);
      return;
    }
    if (message.kind === 'ready') {
      this.ready = true;
      void this.sendPreset();
      return;
    }
    void this.answer(message);
  }

  private async sendPreset(): Promise<void> {
    try {
      const description = await this.source.describe();
      this.topicOfPanel = description.title;
      const preset: InspectorPreset = {
        sourceKind: description.kind,
        title: description.title,
        subtitle: description.subtitle,
        partitions: description.partitions,
        options: this.open.options,
        maxMessagesLimit: MAX_MESSAGES_LIMIT,
        canProduceAgain: description.canProduceAgain,
        autoStart: this.open.autoStart,
      };
      this.notify('preset', preset);
      this.notify('status', this.source.status());
    } catch (error) {
      this.log.warn(`Opening the inspector failed: ${describeError(error)}`);
      this.notify('preset', {
        sourceKind: 'kafka',
        title: this.open.title,
        subtitle: '',
        partitions: [],
        options: this.open.options,
        maxMessagesLimit: MAX_MESSAGES_LIMIT,
        canProduceAgain: false,
        autoStart: false,
      });
      this.notify('status', { ...this.source.status(), state: 'error', message: userMessage(error) });
    }
  }

  private async answer(request: InspectorRequest): Promise<void> {
    try {
      const result = await this.handle(request);
      this.post({ kind: 'response', id: request.id, ok: true, result });
    } catch (error) {
      this.log.warn(`${request.method} failed: ${describeError(error)}`);
      this.post({ kind: 'response', id: request.id, ok: false, error: userMessage(error) });
    }
  }

  private async handle(request: InspectorRequest): Promise<unknown> {
    switch (request.method) {
      case 'start':
        this.source.start(request.params);
        this.notify('status', this.source.status());
        return null;
      case 'stop':
        this.source.stop();
        return null;
      case 'rows':
        return this.source.rows(request.params.from, request.params.to);
      case 'setFilter':
        return this.source.setFilter(request.params);
      case 'detail':
        return detailOf(request.params.id, this.recordOf(request.params.id));
      case 'copy':
        await this.copy(request.params.id, request.params.what);
        return null;
      case 'export':
        return this.export(request.params.ids, request.params.format);
      case 'produceAgain': {
        const record = this.recordOf(request.params.id);
        this.deps.openProducer({
          ...(this.open.connection ? { connection: this.open.connection } : {}),
          topic: record.topic,
          form: formFromRecord(record),
          note: `An editable copy of ${record.topic} partition ${record.partition} offset ${formatCount(record.offset)}. Text in {{ }} is read as a placeholder.`,
        });
        return null;
      }
    }
  }

  private recordOf(id: number): KafkaRecord {
    const record = this.source.record(id);
    if (!record) throw new WorkbenchError('This message is no longer in the inspector (a new read started). Pick it again.');
    return record;
  }

  private async copy(id: number, what: 'key' | 'value' | 'row'): Promise<void> {
    const record = this.recordOf(id);
    const text = what === 'row' ? JSON.stringify(exportRecord(record), null, 2) : clipboardText(what === 'key' ? record.key : record.value);
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`Copied the ${what === 'row' ? 'message as JSON' : what} of ${record.topic} [${record.partition}] @ ${record.offset}`, 3000);
  }

  private async export(ids: number[] | 'filtered', format: 'json' | 'csv'): Promise<{ written: number; file: string } | null> {
    const records = [...this.source.records(ids)];
    if (records.length === 0) throw new WorkbenchError(ids === 'filtered' ? 'No message is shown, so there is nothing to export.' : 'Select the messages to export first.');
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    const base = (this.topicOfPanel || 'messages').replace(/[^\w.-]+/g, '_');
    const name = `${base}-${stamp}.${format}`;
    const target = await vscode.window.showSaveDialog({
      title: `Export ${formatCount(records.length)} message${records.length === 1 ? '' : 's'} as ${format.toUpperCase()}`,
      saveLabel: 'Export',
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
      filters: format === 'json' ? { JSON: ['json'] } : { CSV: ['csv'] },
    });
    if (!target) return null;
    const text = format === 'json' ? recordsToJson(records) : recordsToCsv(records);
    if (target.scheme === 'file') await writeFile(target.fsPath, text, 'utf8');
    else await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    this.log.info(`Exported ${records.length} messages to ${target.fsPath || target.toString()}`);
    return { written: records.length, file: target.fsPath || target.toString() };
  }

  dispose(): void {
    if (InspectorPanel.panels.get(this.open.key) === this) InspectorPanel.panels.delete(this.open.key);
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.unsubscribe();
    this.source.dispose();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
