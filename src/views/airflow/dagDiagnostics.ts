/**
 * Airflow's import errors in the Problems view, on the file and line a user fixes: the
 * active server's errors (mapped through the stack's folder links, or by relative path for a
 * remote server) and the local check's results for files saved since. For one file the local
 * check wins while the file is unchanged since it ran (it is the newer word); otherwise the
 * server's errors show. Each diagnostic carries Python's exception line as its message, every
 * traceback frame as related information (the places in the workspace are links) and, as its
 * code, a link to the whole traceback; it clears when the server or the check parses the file
 * cleanly. Duplicate DAG ids (twice in a file, or in another file) are warnings.
 */
import { readFile, stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import { outlineDagFile } from '../../airflow/dagSource';
import { importErrorDiagnostic, linkedWorkspaceFile, matchByRelativePath, parseTraceback, type ImportErrorDiagnostic } from '../../airflow/importErrors';
import type { DagCheckResult } from '../../stack/dagCheck';
import { taggedLogger, type Logger } from '../../shared/logger';
import type { DagServerState } from './dagServerState';
import { taskLogUri } from './taskLogDocuments';
import type { WorkspaceDagFolders } from './workspaceDagFolders';
import { Disposable } from '../../shared/disposable';

const LOCAL_SOURCE = 'Airflow local check';

interface LocalEntry {
  /** The file's modification time when it was checked. */
  mtimeMs: number;
  result: DagCheckResult;
}

/** A diagnostic before it meets a document: what the pure mapping says plus where it came from. */
interface PlannedDiagnostic {
  error?: ImportErrorDiagnostic;
  line: number;
  column?: number;
  message: string;
  severity: vscode.DiagnosticSeverity;
  source: string;
  connection: string;
}

export class DagDiagnostics extends Disposable implements vscode.Disposable {
  private readonly collection = this._register(vscode.languages.createDiagnosticCollection('airflow-dags'));
  private readonly local = new Map<string, LocalEntry>();
  private readonly log: Logger;
  private shownFiles = new Set<string>();
  private candidates: { files: string[]; readAt: number } | undefined;
  private rendering: Promise<void> = Promise.resolve();

  constructor(private readonly state: DagServerState, private readonly folders: WorkspaceDagFolders, log: Logger) {
    super();
    this.log = taggedLogger(log, 'dag diagnostics');
    this._register(
      state.onDidChange(() => { this.render(); }),
      folders.onDidChange(() => { this.render(); }),
      vscode.workspace.onDidCreateFiles(() => { this.candidates = undefined; }),
      vscode.workspace.onDidDeleteFiles((event) => {
        this.candidates = undefined;
        for (const uri of event.files) this.local.delete(uri.fsPath);
        this.render();
      }),
    );
  }

  /** Records a local check of `file` (made when the file had `mtimeMs`) and shows it. */
  setLocal(file: string, mtimeMs: number, result: DagCheckResult): void {
    this.local.set(file, { mtimeMs, result });
    this.render();
  }

  /** The diagnostics shown on a file now (for tests and Open Source). */
  diagnosticsOf(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.collection.get(uri) ?? [];
  }

  /** Where a server's import error is in the workspace, when it is. */
  async locate(error: { filename: string; bundleName?: string | null; stackTrace: string }): Promise<ImportErrorDiagnostic | undefined> {
    return importErrorDiagnostic(error, this.folders.links(), await this.candidateFiles());
  }

  /** Re-renders after whatever is rendering now (renders never overlap). */
  render(): void {
    this.rendering = this.rendering.then(() => this.renderNow()).catch((error: unknown) => {
      this.log.warn(`Showing Airflow's import errors failed: ${String(error)}`);
    });
  }

  /** Resolves when the renders asked for so far are done (tests and commands wait for it). */
  settled(): Promise<void> {
    return this.rendering;
  }

  private async candidateFiles(): Promise<string[]> {
    if (this.candidates && Date.now() - this.candidates.readAt < 60_000) return this.candidates.files;
    const uris = await vscode.workspace.findFiles('**/*.py', '**/{node_modules,.git,.venv,venv,site-packages,__pycache__}/**', 5000);
    this.candidates = { files: uris.filter((u) => u.scheme === 'file').map((u) => u.fsPath), readAt: Date.now() };
    return this.candidates.files;
  }

  private async renderNow(): Promise<void> {
    const links = this.folders.links();
    const candidates = this.state.importErrors.length > 0 ? await this.candidateFiles() : [];
    const connection = this.state.connectionName ?? 'Airflow';
    const planned = new Map<string, PlannedDiagnostic[]>();
    const add = (file: string, d: PlannedDiagnostic): void => {
      const list = planned.get(file) ?? [];
      list.push(d);
      planned.set(file, list);
    };
    for (const importError of this.state.importErrors) {
      const mapped = importErrorDiagnostic(importError, links, candidates);
      if (mapped) add(mapped.file, { error: mapped, line: mapped.line, ...(mapped.column === undefined ? {} : { column: mapped.column }), message: mapped.message, severity: vscode.DiagnosticSeverity.Error, source: `Airflow · ${connection}`, connection });
    }
    // The local check replaces the server's word on files unchanged since it ran.
    for (const [file, entry] of this.local) {
      const mtimeMs = await stat(file).then((s) => s.mtimeMs, () => undefined);
      if (mtimeMs === undefined) {
        this.local.delete(file);
        continue;
      }
      if (mtimeMs !== entry.mtimeMs) continue;
      planned.delete(file);
      planned.set(file, []);
      for (const error of entry.result.errors) {
        const mapped = importErrorDiagnostic({ filename: error.file, stackTrace: error.stackTrace }, links, [file]);
        if (mapped?.file === file) add(file, { error: mapped, line: mapped.line, ...(mapped.column === undefined ? {} : { column: mapped.column }), message: mapped.message, severity: vscode.DiagnosticSeverity.Error, source: LOCAL_SOURCE, connection: 'local check' });
      }
      for (const warning of entry.result.warnings) {
        const match = /^(.*):(\d+): ([\w.]+): (.*)$/s.exec(warning);
        if (match && match[1] === file) add(file, { line: Number(match[2]), message: `${match[3] ?? 'Warning'}: ${match[4] ?? ''}`, severity: vscode.DiagnosticSeverity.Warning, source: LOCAL_SOURCE, connection: 'local check' });
      }
    }
    const texts = new Map<string, string[]>();
    const linesOf = async (file: string): Promise<string[]> => {
      let lines = texts.get(file);
      if (!lines) {
        const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
        lines = (open ? open.getText() : await readFile(file, 'utf8').catch(() => '')).split('\n');
        texts.set(file, lines);
      }
      return lines;
    };
    const entries: [vscode.Uri, vscode.Diagnostic[] | undefined][] = [];
    for (const [file, list] of planned) {
      const lines = await linesOf(file);
      const diagnostics = list.map((d) => this.toDiagnostic(file, lines, d));
      diagnostics.push(...this.duplicateWarnings(file, lines));
      entries.push([vscode.Uri.file(file), diagnostics]);
    }
    // Duplicates on files without errors.
    for (const file of this.local.keys()) {
      if (planned.has(file)) continue;
      const warnings = this.duplicateWarnings(file, await linesOf(file));
      if (warnings.length > 0) entries.push([vscode.Uri.file(file), warnings]);
    }
    const nowShown = new Set(entries.map(([uri]) => uri.fsPath));
    for (const file of this.shownFiles) if (!nowShown.has(file)) entries.push([vscode.Uri.file(file), undefined]);
    this.shownFiles = nowShown;
    this.collection.set(entries);
  }

  private toDiagnostic(file: string, lines: readonly string[], planned: PlannedDiagnostic): vscode.Diagnostic {
    let line = planned.line;
    const hints = planned.error?.hints;
    if (planned.error && !planned.error.exact && hints && (hints.taskId || hints.dagId)) {
      // A cycle or a duplicate task: on the task's (else the DAG's) definition.
      const outline = outlineDagFile(lines.join('\n'));
      const dagIndex = hints.dagId ? outline.dags.findIndex((d) => d.dagId === hints.dagId) : -1;
      const task = [...outline.tasks].reverse().find((t) => t.taskId === hints.taskId && (dagIndex < 0 || t.dagIndex === dagIndex));
      line = task?.line ?? outline.dags[dagIndex]?.line ?? line;
    }
    const text = lines[line - 1] ?? '';
    const indent = text.length - text.trimStart().length;
    const startColumn = planned.column !== undefined ? indent + planned.column - 1 : indent;
    const range = new vscode.Range(line - 1, Math.min(startColumn, Math.max(0, text.length - 1)), line - 1, Math.max(text.length, startColumn + 1));
    const diagnostic = new vscode.Diagnostic(range, planned.message, planned.severity);
    diagnostic.source = planned.source;
    const error = planned.error;
    if (error) {
      const tracebackUri = taskLogUri({ kind: 'importError', connection: planned.connection, filename: file, stackTrace: error.stackTrace });
      diagnostic.code = { value: 'traceback', target: tracebackUri };
      diagnostic.relatedInformation = this.tracebackInformation(file, error, tracebackUri);
    }
    return diagnostic;
  }

  /** Every frame of the traceback, in order, each at its place (the workspace file, else the traceback's text). */
  private tracebackInformation(file: string, error: ImportErrorDiagnostic, tracebackUri: vscode.Uri): vscode.DiagnosticRelatedInformation[] {
    const parsed = parseTraceback(error.stackTrace);
    const textLines = error.stackTrace.split('\n');
    const links = this.folders.links();
    const candidates = this.candidates?.files ?? [file];
    const info: vscode.DiagnosticRelatedInformation[] = [
      new vscode.DiagnosticRelatedInformation(new vscode.Location(tracebackUri, new vscode.Position(0, 0)), `Traceback (most recent call last): open it for Airflow's whole text`),
    ];
    // Python's own frozen import machinery says nothing a user can open; every other frame is listed.
    const frames = parsed.frames.filter((frame) => !frame.file.startsWith('<frozen '));
    if (parsed.syntaxLocation) frames.push({ file: parsed.syntaxLocation.file, line: parsed.syntaxLocation.line });
    for (const frame of frames) {
      const mapped = linkedWorkspaceFile({ path: frame.file }, links) ?? (frame.file === error.file ? file : matchByRelativePath(frame.file, candidates));
      const where = mapped !== undefined
        ? new vscode.Location(vscode.Uri.file(mapped), new vscode.Position(frame.line - 1, 0))
        : new vscode.Location(tracebackUri, new vscode.Position(Math.max(0, textLines.findIndex((l) => l.includes(`"${frame.file}", line ${frame.line}`))), 0));
      const what = [`File "${frame.file}", line ${frame.line}`, frame.functionName ? `in ${frame.functionName}` : '', frame.code ? `: ${frame.code}` : ''].filter((p) => p !== '').join(' ');
      info.push(new vscode.DiagnosticRelatedInformation(where, what));
    }
    info.push(new vscode.DiagnosticRelatedInformation(new vscode.Location(tracebackUri, new vscode.Position(Math.max(0, textLines.length - 2), 0)), parsed.message));
    return info;
  }

  /** DAG ids defined twice in this file, or also in another file (by the local check or the server). */
  private duplicateWarnings(file: string, lines: readonly string[]): vscode.Diagnostic[] {
    const entry = this.local.get(file);
    if (!entry) return [];
    const outline = outlineDagFile(lines.join('\n'));
    const lineOf = (dagId: string, nth: 'first' | 'last'): number => {
      const found = outline.dags.filter((d) => d.dagId === dagId);
      return (nth === 'first' ? found[0] : found[found.length - 1])?.line ?? 1;
    };
    const warnings: vscode.Diagnostic[] = [];
    const warn = (line: number, message: string): void => {
      const text = lines[line - 1] ?? '';
      const indent = text.length - text.trimStart().length;
      const diagnostic = new vscode.Diagnostic(new vscode.Range(line - 1, indent, line - 1, Math.max(indent + 1, text.length)), message, vscode.DiagnosticSeverity.Warning);
      diagnostic.source = LOCAL_SOURCE;
      warnings.push(diagnostic);
    };
    for (const dagId of entry.result.duplicateDagIds) {
      warn(lineOf(dagId, 'first'), `DAG id '${dagId}' is defined more than once in this file: Airflow keeps the last definition and drops the others without an error.`);
    }
    const links = this.folders.links();
    for (const dag of entry.result.dags) {
      const elsewhere = [...this.local].find(([other, e]) => other !== file && e.result.dags.some((d) => d.dagId === dag.dagId))?.[0]
        ?? this.serverFileOf(dag.dagId, links, file);
      if (elsewhere !== undefined) {
        warn(lineOf(dag.dagId, 'first'), `DAG id '${dag.dagId}' is also defined in ${vscode.workspace.asRelativePath(elsewhere)}: Airflow keeps whichever file it parsed last, so the DAG flips between the two.`);
      }
    }
    return warnings;
  }

  /** The workspace file the active server has a DAG id in, when it is another file than `file`. */
  private serverFileOf(dagId: string, links: ReturnType<WorkspaceDagFolders['links']>, file: string): string | undefined {
    const dag = this.state.watched.get(dagId)?.dag;
    if (!dag) return undefined;
    const serverFile = (dag.relativeFileLoc && dag.bundleName ? linkedWorkspaceFile({ path: dag.relativeFileLoc, bundleName: dag.bundleName }, links) : undefined)
      ?? (dag.fileLoc ? linkedWorkspaceFile({ path: dag.fileLoc }, links) : undefined);
    return serverFile !== undefined && serverFile !== file ? serverFile : undefined;
  }
}
