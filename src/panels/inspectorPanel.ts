/**
 * The host side of the Message Inspector. It owns an InspectorSource (the rows live here, in
 * the extension host), answers the webview's page requests (rows [from, to) of the filtered
 * view), applies filters, decodes one message for the detail pane, exports to JSON or CSV
 * through a save dialog, copies, and hands a message to the producer form ("Produce again").
 * Status goes to the webview at most every 100 ms while rows stream in. The webview's
 * lifecycle (CSP page, protocol check, `ready`, replies, disposal) is the shared PanelHost's
 * (src/panels/panelHost.ts). One panel per topic: opening the same topic again brings its
 * panel to the front.
 */
import * as vscode from 'vscode';
import { CommandId } from '../shared/commandIds';
import { csvChunks, exportRecord, jsonChunks } from '../kafka/export';
import { writeChunks } from '../kafka/exportFile';
import type { KafkaRecord } from '../kafka/types';
import { CancelledError, describeError, userMessage, WorkbenchError } from '../shared/errors';
import { taggedLogger, type Logger } from '../shared/logger';
import type { InspectorMethods, InspectorNotifications, InspectorOptions, InspectorPreset, InspectorRestore } from '../shared/protocol';
import { visibleLabel } from '../shared/visibleText';
import { formatBytes, formatCount } from '../kafka/presentation';
import { clipboardText, formFromRecord, MAX_MESSAGES_LIMIT, parseInspectorMessage } from './inspectorMessages';
import { detailOf, type InspectorSource } from './inspectorSource';
import { PanelHost } from './panelHost';
import { registerInspectorRestorer, type InspectorRestorer } from './inspectorRestore';
import type { ProducerTarget } from './producerPanel';
import { INSPECTOR_VIEW_TYPE } from './viewTypes';

const STATUS_INTERVAL_MS = 100;
export { INSPECTOR_VIEW_TYPE };
export type { InspectorRestorer };

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
  /** What reopens the panel after a window reload (kept by the page). */
  restore: InspectorRestore;
}

export class InspectorPanel implements vscode.Disposable {
  private static readonly panels = new Map<string, InspectorPanel>();

  private readonly host: PanelHost<InspectorMethods, InspectorNotifications>;
  private readonly source: InspectorSource;
  private readonly log: Logger;
  private statusTimer: NodeJS.Timeout | undefined;
  private lastStatusAt = 0;
  private topicOfPanel = '';

  /**
   * Opens the inspector for `open.key`, or brings the open one to the front. `restoredPanel`:
   * the tab VS Code kept across a window reload, to open it in.
   */
  static show(deps: InspectorPanelDeps, open: InspectorOpenOptions, restoredPanel?: vscode.WebviewPanel): InspectorPanel {
    const existing = InspectorPanel.panels.get(open.key);
    if (existing) {
      restoredPanel?.dispose();
      existing.host.reveal();
      return existing;
    }
    const panel = new InspectorPanel(deps, open, restoredPanel);
    InspectorPanel.panels.set(open.key, panel);
    return panel;
  }

  /**
   * Gives the restorer of one kind (Kafka topic, history scope) to the one serializer of the
   * inspector's view type, registered with the first restorer; both are given during
   * activation, before VS Code restores panels.
   */
  static registerRestorer<K extends InspectorRestore['kind']>(kind: K, log: Logger, restorer: InspectorRestorer<K>): vscode.Disposable {
    return registerInspectorRestorer(kind, log, restorer);
  }

  /** The open inspector panels, for tests and for closing them when a topic is deleted. */
  static openKeys(): string[] {
    return [...InspectorPanel.panels.keys()];
  }

  private constructor(private readonly deps: InspectorPanelDeps, private readonly open: InspectorOpenOptions, restoredPanel?: vscode.WebviewPanel) {
    this.log = taggedLogger(deps.log, 'inspector');
    this.source = open.createSource();
    this.host = new PanelHost<InspectorMethods, InspectorNotifications>({
      viewType: INSPECTOR_VIEW_TYPE,
      ...(restoredPanel ? { restoredPanel } : {}),
      title: visibleLabel(open.title),
      entry: 'inspector',
      extensionUri: deps.extensionUri,
      retainContextWhenHidden: true,
      log: this.log,
      name: 'the inspector',
      parse: parseInspectorMessage,
      handlers: {
        start: (options) => {
          this.source.start(options);
          this.host.notify('status', this.source.status());
          return null;
        },
        stop: () => {
          this.source.stop();
          return null;
        },
        rows: ({ from, to }) => this.source.rows(from, to),
        setFilter: (filter) => this.source.setFilter(filter),
        detail: ({ id }) => detailOf(id, this.recordOf(id), this.source.pipeline?.(id), this.source.wire?.(id)),
        copy: async ({ id, what }) => {
          await this.copy(id, what);
          return null;
        },
        export: ({ ids, format }) => this.export(ids, format),
        produceAgain: ({ id }) => {
          this.produceAgain(id);
          return null;
        },
        traceMessage: async ({ id }) => {
          const record = this.recordOf(id);
          await vscode.commands.executeCommand(CommandId.traceMessage, record.topic, record.partition, record.offset);
          return null;
        },
        openRun: async ({ dagId, runId }) => {
          // No connection name: the command uses the active Airflow connection.
          await vscode.commands.executeCommand(CommandId.revealInDagsTree, undefined, dagId, runId);
          return null;
        },
      },
      onReady: () => { void this.sendPreset(); },
      onDispose: () => { this.dispose(); },
    });
    // Disposed with the panel, in this order: no new status after the source's last change.
    const unsubscribe = this.source.onDidChange(() => { this.scheduleStatus(); });
    this.host.register(
      { dispose: unsubscribe },
      { dispose: () => { if (this.statusTimer) clearTimeout(this.statusTimer); } },
      this.source,
    );
  }

  /** Posts the status now, or soon: at most one post per STATUS_INTERVAL_MS. */
  private scheduleStatus(): void {
    if (this.statusTimer) return;
    const wait = Math.max(0, this.lastStatusAt + STATUS_INTERVAL_MS - Date.now());
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      this.lastStatusAt = Date.now();
      this.host.notify('status', this.source.status());
    }, wait);
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
        restore: this.open.restore,
      };
      this.host.notify('preset', preset);
      this.host.notify('status', this.source.status());
    } catch (error) {
      this.log.warn(`Opening the inspector failed: ${describeError(error)}`);
      this.host.notify('preset', {
        sourceKind: 'kafka',
        title: this.open.title,
        subtitle: '',
        partitions: [],
        options: this.open.options,
        maxMessagesLimit: MAX_MESSAGES_LIMIT,
        canProduceAgain: false,
        autoStart: false,
        restore: this.open.restore,
      });
      this.host.notify('status', { ...this.source.status(), state: 'error', message: userMessage(error) });
    }
  }

  /** "Produce again": an editable copy of the message in the producer form. */
  private produceAgain(id: number): void {
    const record = this.recordOf(id);
    this.deps.openProducer({
      ...(this.open.connection ? { connection: this.open.connection } : {}),
      topic: record.topic,
      form: formFromRecord(record),
      note: `An editable copy of ${record.topic} partition ${record.partition} offset ${formatCount(record.offset)}. Text in {{ }} is read as a placeholder.`,
    });
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
    const chunks = format === 'json' ? jsonChunks(records) : csvChunks(records);
    if (target.scheme === 'file') {
      // Streamed chunk by chunk: a million rows export in the memory of one chunk, not of the whole file.
      await vscode.window.withProgress({
        location: vscode.ProgressLocation.Notification,
        title: `Exporting ${formatCount(records.length)} message${records.length === 1 ? '' : 's'} to ${target.fsPath}`,
        cancellable: true,
      }, async (progress, token) => {
        const controller = new AbortController();
        const cancel = token.onCancellationRequested(() => { controller.abort(); });
        try {
          await writeChunks(target.fsPath, chunks, {
            signal: controller.signal,
            onProgress: ({ bytes }) => { progress.report({ message: `${formatBytes(bytes)} written` }); },
          });
        } catch (error) {
          if (error instanceof CancelledError) throw new WorkbenchError('The export was cancelled; the partial file was removed.');
          throw error;
        } finally {
          cancel.dispose();
        }
      });
    } else {
      // Another file system (remote, virtual): vscode.workspace.fs takes the whole file at once.
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode([...chunks].join('')));
    }
    this.log.info(`Exported ${records.length} messages to ${target.fsPath || target.toString()}`);
    return { written: records.length, file: target.fsPath || target.toString() };
  }

  dispose(): void {
    if (InspectorPanel.panels.get(this.open.key) === this) InspectorPanel.panels.delete(this.open.key);
    // The host disposes the panel and what was registered on it: the status timer and the source.
    this.host.dispose();
  }
}
