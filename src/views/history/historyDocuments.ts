/**
 * One message-history row as a read-only JSON document under the `kafkaAirflow-history:`
 * scheme: the message (key, value, headers; bytes as base64 and a hex dump) and its
 * journey (consumer run, dataset event, processing run). Opening a row fetches it first,
 * so a failure reaches the command wrapper as an actionable error; the document itself
 * re-reads the row when VS Code asks again (after a reload).
 */
import * as vscode from 'vscode';
import type { HistoryDatabase } from '../../config/historyConnection';
import type { HistoryRow } from '../../history/types';
import { describeError, userMessage, WorkbenchError } from '../../shared/errors';
import { taggedLogger, type Logger } from '../../shared/logger';
import { rowDocument, rowDocumentName } from '../../history/presentation';
import { CommandId } from '../../shared/commandIds';
import { Disposable } from '../../shared/disposable';

export const HISTORY_DOCUMENT_SCHEME = 'kafkaAirflow-history';

export function historyRowUri(row: Pick<HistoryRow, 'id' | 'topic' | 'partition' | 'offset'>): vscode.Uri {
  return vscode.Uri.from({ scheme: HISTORY_DOCUMENT_SCHEME, path: `/${rowDocumentName(row)}`, query: new URLSearchParams({ id: row.id }).toString() });
}

export class HistoryDocuments extends Disposable implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly log: Logger;

  constructor(private readonly database: HistoryDatabase, log: Logger) {
    super();
    this.log = taggedLogger(log, 'history row');
    this._register(
      vscode.workspace.registerTextDocumentContentProvider(HISTORY_DOCUMENT_SCHEME, this),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document.uri.scheme === HISTORY_DOCUMENT_SCHEME) this.texts.delete(document.uri.toString());
      }),
    );
  }

  /** Fetches the row with this id and shows it; throws a WorkbenchError when it is gone. */
  async openById(id: string): Promise<void> {
    const store = await this.database.store();
    const row = await store.get(id);
    if (!row) {
      throw new WorkbenchError(vscode.l10n.t('History row {0} is not in the database any more (deleted or the table was reset). Refresh the Message History view.', id), {
        actions: [{ title: vscode.l10n.t('Refresh'), command: CommandId.refreshAll }],
      });
    }
    await this.open(row);
  }

  /** Shows a row already fetched. */
  async open(row: HistoryRow): Promise<void> {
    const uri = historyRowUri(row);
    this.texts.set(uri.toString(), rowDocument(row));
    let document = await vscode.workspace.openTextDocument(uri);
    if (document.languageId !== 'json') document = await vscode.languages.setTextDocumentLanguage(document, 'json');
    await vscode.window.showTextDocument(document, { preview: true });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const cached = this.texts.get(uri.toString());
    if (cached !== undefined) return cached;
    const id = new URLSearchParams(uri.query).get('id');
    if (id === null) return '// This address does not name a history row. Open the row again from the Message History view.\n';
    try {
      const row = await (await this.database.store()).get(id);
      if (!row) return `// History row ${id} is not in the database any more. Refresh the Message History view.\n`;
      const text = rowDocument(row);
      this.texts.set(uri.toString(), text);
      return text;
    } catch (error) {
      this.log.warn(`Reading history row ${id} failed: ${describeError(error)}`);
      return `// ${userMessage(error)}\n`;
    }
  }

  override dispose(): void {
    super.dispose();
    this.texts.clear();
  }
}
