/**
 * A DAG file's source as the server has it (REST `dagSources`), as a read-only Python document
 * under the `kafkaAirflow-source:` scheme: for DAGs and import errors whose file is not in the
 * workspace (a remote Airflow). An import error is shown on it as a diagnostic at its line.
 */
import * as vscode from 'vscode';
import { Disposable } from '../../shared/disposable';

export const SOURCE_SCHEME = 'kafkaAirflow-source';

export class DagSourceDocuments extends Disposable implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  private readonly diagnostics = this._register(vscode.languages.createDiagnosticCollection('airflow-dag-sources'));

  constructor() {
    super();
    this._register(
      vscode.workspace.registerTextDocumentContentProvider(SOURCE_SCHEME, this),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document.uri.scheme !== SOURCE_SCHEME) return;
        this.texts.delete(document.uri.toString());
        this.diagnostics.delete(document.uri);
      }),
    );
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '# The source is no longer loaded: open it again from the DAGs view.\n';
  }

  /**
   * Opens `source` read-only, titled after the server's file, at `line` (1-based); an `error`
   * message becomes a diagnostic on that line.
   */
  async open(connection: string, serverFile: string, source: string, line = 1, error?: string): Promise<vscode.TextEditor> {
    const name = serverFile.split(/[/\\]/).pop() ?? serverFile;
    const uri = vscode.Uri.from({ scheme: SOURCE_SCHEME, path: `/${connection.replace(/[/\\]/g, '_')}/${name}`, query: JSON.stringify({ c: connection, f: serverFile }) });
    this.texts.set(uri.toString(), source);
    this.changed.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    const python = await vscode.languages.setTextDocumentLanguage(document, 'python');
    const position = new vscode.Position(Math.max(0, line - 1), 0);
    if (error) {
      const text = python.lineAt(Math.min(position.line, python.lineCount - 1));
      const diagnostic = new vscode.Diagnostic(text.range, error, vscode.DiagnosticSeverity.Error);
      diagnostic.source = `Airflow · ${connection}`;
      this.diagnostics.set(uri, [diagnostic]);
    } else {
      this.diagnostics.delete(uri);
    }
    return vscode.window.showTextDocument(python, { selection: new vscode.Range(position, position), preview: true });
  }
}
