/**
 * Message template files (`*.kafka.json`) in the editor: a CodeLens "Produce" / "Produce ×N" /
 * "Open in Producer" above each template, and the file's problems (JSON syntax, unknown
 * fields, unknown placeholders or faker methods) as diagnostics with their exact place. The
 * JSON schema contributed in package.json adds completion and hover; this adds what a schema
 * cannot check. Parsing and compiling is src/kafka/templates.ts. A template's value checked
 * against the subject it names is templateSubjects.ts.
 */
import * as vscode from 'vscode';
import { compileTemplate, parseTemplateFile, TemplateError, type TemplateProblem } from '../../kafka/templates';
import { CommandId } from '../../shared/commandIds';
import { formatCount } from '../../kafka/presentation';
import { Disposable } from '../../shared/disposable';

export const TEMPLATE_GLOB = '**/*.kafka.json';

/** True for a document that is a message template file. */
export function isTemplateDocument(document: vscode.TextDocument): boolean {
  return document.uri.path.endsWith('.kafka.json');
}

function rangeOf(document: vscode.TextDocument, problem: { offset: number; length: number }): vscode.Range {
  const start = document.positionAt(problem.offset);
  const end = document.positionAt(problem.offset + Math.max(1, problem.length));
  return new vscode.Range(start, end);
}

/** Every problem of a template file: parse problems, then compile problems of each template. */
export function templateProblems(text: string): TemplateProblem[] {
  const parsed = parseTemplateFile(text);
  const problems = [...parsed.problems];
  for (const template of parsed.templates) {
    try {
      compileTemplate(text, template, { seed: 1 });
    } catch (error) {
      if (error instanceof TemplateError) problems.push(error.problem);
      else problems.push({ ...template.location, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return problems;
}

export class KafkaTemplateCodeLensProvider extends Disposable implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly diagnostics = this._register(vscode.languages.createDiagnosticCollection('Kafka message templates'));
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor() {
    super();
    this._register(
      vscode.workspace.onDidOpenTextDocument((d) => { this.check(d); }),
      vscode.workspace.onDidChangeTextDocument((e) => { this.schedule(e.document); }),
      vscode.workspace.onDidCloseTextDocument((d) => { this.diagnostics.delete(d.uri); }),
    );
    for (const document of vscode.workspace.textDocuments) this.check(document);
  }

  /** Registers the provider for template files; returns everything to dispose. */
  register(): { dispose(): unknown }[] {
    return [
      vscode.languages.registerCodeLensProvider({ pattern: TEMPLATE_GLOB }, this),
      this,
    ];
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!isTemplateDocument(document)) return [];
    const { templates } = parseTemplateFile(document.getText());
    return templates.flatMap((template) => {
      const position = document.positionAt(template.location.offset);
      const range = new vscode.Range(position, position);
      const args = (count: number): unknown[] => [document.uri, template.index, count];
      const lenses = [
        new vscode.CodeLens(range, {
          title: `$(send) ${vscode.l10n.t('Produce')}`,
          tooltip: vscode.l10n.t('Send 1 message to {0}', template.topic),
          command: CommandId.produceFromTemplate,
          arguments: args(1),
        }),
      ];
      if (template.count > 1) {
        lenses.push(new vscode.CodeLens(range, {
          title: vscode.l10n.t('Produce ×{0}', formatCount(template.count)),
          tooltip: template.ratePerSecond > 0
            ? vscode.l10n.t('Send {0} messages to {1} at {2} per second', formatCount(template.count), template.topic, formatCount(template.ratePerSecond))
            : vscode.l10n.t('Send {0} messages to {1}', formatCount(template.count), template.topic),
          command: CommandId.produceFromTemplate,
          arguments: args(template.count),
        }));
      }
      lenses.push(new vscode.CodeLens(range, {
        title: vscode.l10n.t('Open in Producer'),
        tooltip: vscode.l10n.t('Edit this template in the producer form before sending'),
        command: CommandId.produceFromTemplate,
        arguments: [document.uri, template.index, 'form'],
      }));
      return lenses;
    });
  }

  private schedule(document: vscode.TextDocument): void {
    if (!isTemplateDocument(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.check(document);
      this.changed.fire();
    }, 300));
  }

  private check(document: vscode.TextDocument): void {
    if (!isTemplateDocument(document)) return;
    const problems = templateProblems(document.getText());
    this.diagnostics.set(document.uri, problems.map((p) => {
      const diagnostic = new vscode.Diagnostic(rangeOf(document, p), p.message, vscode.DiagnosticSeverity.Error);
      diagnostic.source = 'Kafka template';
      return diagnostic;
    }));
  }

  override dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    super.dispose();
  }
}
