/**
 * A task instance's XComs as a read-only JSON document under the `kafkaAirflow-xcom:` scheme,
 * read from Airflow when it opens (and again when it is opened once more), so the DAG graph
 * can show them without writing a file.
 */
import * as vscode from 'vscode';
import type { AirflowConnections } from '../../config/airflowConnections';
import { describeError, userMessage } from '../../shared/errors';
import { taggedLogger, type Logger } from '../../shared/logger';
import { formatBytes, oneXComDocumentText, XCOM_SCHEME, xcomAddressFromQuery, xcomAddressToUriParts, xcomDocumentText, type XComAddress } from './xcomAddress';
import { DEFAULT_XCOM_MAX_BYTES } from '../../airflow/airflowClient';
import { Disposable } from '../../shared/disposable';

export class XComDocuments extends Disposable implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly log: Logger;

  constructor(private readonly connections: AirflowConnections, log: Logger) {
    super();
    this.log = taggedLogger(log, 'xcoms');
    this._register(this.changed, vscode.workspace.registerTextDocumentContentProvider(XCOM_SCHEME, this));
  }

  /** URIs whose value was too large to read without asking (see openOne). */
  private readonly tooLarge = new Map<string, number>();

  /**
   * Opens one XCom: its value is read (asynchronously, up to 1 MB) when the document opens; a
   * larger one is not downloaded, and the user is asked whether to read it whole.
   */
  async openOne(address: XComAddress): Promise<void> {
    const uri = vscode.Uri.from({ scheme: XCOM_SCHEME, ...xcomAddressToUriParts({ ...address, full: false }) });
    await this.open({ ...address, full: false });
    const size = this.tooLarge.get(uri.toString());
    if (size === undefined) return;
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('XCom "{0}" is at least {1}. Read it whole?', address.key ?? '', formatBytes(size)),
      { modal: true, detail: vscode.l10n.t('Values over {0} are not downloaded without asking: a large value takes a while to download and to show.', formatBytes(DEFAULT_XCOM_MAX_BYTES)) },
      vscode.l10n.t('Open Anyway'),
    );
    if (choice) {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Reading XCom "{0}"…', address.key ?? '') }, () => this.open({ ...address, full: true }));
    }
  }

  /** Opens (or reads again and shows) the XComs of a task instance in an editor tab. */
  async open(address: XComAddress): Promise<void> {
    const uri = vscode.Uri.from({ scheme: XCOM_SCHEME, ...xcomAddressToUriParts(address) });
    const already = vscode.workspace.textDocuments.some((document) => document.uri.toString() === uri.toString());
    let document = await vscode.workspace.openTextDocument(uri);
    if (already) this.changed.fire(uri);
    if (document.languageId !== 'json') document = await vscode.languages.setTextDocumentLanguage(document, 'json');
    await vscode.window.showTextDocument(document, { preview: false });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const address = xcomAddressFromQuery(uri.query);
    if (!address) return '// This XCom address is not one this extension wrote. Open the XComs again from the DAG graph.\n';
    try {
      const client = await this.connections.client(address.connection);
      if (address.key !== undefined) {
        const maxBytes = address.full ? Number.POSITIVE_INFINITY : DEFAULT_XCOM_MAX_BYTES;
        const read = await client.getXCom(address.dagId, address.runId, address.taskId, address.key, { mapIndex: address.mapIndex, maxBytes });
        if ('tooLarge' in read) this.tooLarge.set(uri.toString(), read.bytesAtLeast);
        else this.tooLarge.delete(uri.toString());
        return oneXComDocumentText(address, read, DEFAULT_XCOM_MAX_BYTES);
      }
      const entries = await client.listXComs(address.dagId, address.runId, address.taskId, { mapIndex: address.mapIndex });
      return xcomDocumentText(address, entries, new Date().toISOString());
    } catch (error) {
      this.log.warn(`Reading the XComs of ${address.dagId}/${address.runId}/${address.taskId} failed: ${describeError(error)}`);
      return `// Could not read the XComs of ${address.taskId} in run ${address.runId}: ${userMessage(error)}\n// Open them again from the DAG graph to retry.\n`;
    }
  }
}
