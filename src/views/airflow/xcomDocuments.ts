/**
 * A task instance's XComs as a read-only JSON document under the `kafkaAirflow-xcom:` scheme,
 * read from Airflow when it opens (and again when it is opened once more), so the DAG graph
 * can show them without writing a file.
 */
import * as vscode from 'vscode';
import type { AirflowConnections } from '../../config/airflowConnections';
import { describeError, userMessage } from '../../shared/errors';
import { taggedLogger, type Logger } from '../../shared/logger';
import { XCOM_SCHEME, xcomAddressFromQuery, xcomAddressToUriParts, xcomDocumentText, type XComAddress } from './xcomAddress';
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
      const entries = await client.listXComs(address.dagId, address.runId, address.taskId, { mapIndex: address.mapIndex });
      return xcomDocumentText(address, entries, new Date().toISOString());
    } catch (error) {
      this.log.warn(`Reading the XComs of ${address.dagId}/${address.runId}/${address.taskId} failed: ${describeError(error)}`);
      return `// Could not read the XComs of ${address.taskId} in run ${address.runId}: ${userMessage(error)}\n// Open them again from the DAG graph to retry.\n`;
    }
  }
}
