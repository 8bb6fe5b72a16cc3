/**
 * Template files (`*.kafka.json`) that name a schema registry subject, in the editor: each such
 * template's value is checked against the subject's schema as you type (diagnostics on the
 * field's own range, `/address/zip: must be integer`), and the field names and enum symbols of
 * the JSON Schema derived from the Avro, Protobuf or JSON Schema are offered as completions.
 *
 * A CompletionItemProvider, not a schema handed to the JSON language: a template file that
 * carries "$schema" (the project's examples do) gets that schema alone from the JSON language,
 * so an associated schema would never reach it; a placeholder ("{{seq}}" where an integer goes)
 * would be an error to the JSON language, while this check reads message 1 as rendered, the
 * value the producer sends. The pure parts are src/schemas/templateSubjects.ts and valueCheck.ts.
 *
 * The schemas come from the first registry that has the subject, in the order of the Kafka
 * connections (a template names a topic, not a cluster), looked up once per subject version and
 * kept for half a minute, so a version registered meanwhile is seen on the next check.
 */
import * as vscode from 'vscode';
import type { SchemaRegistries } from '../../config/schemaRegistries';
import { SchemaCache } from '../../schemas/serdes';
import { schemaForProduce } from '../../schemas/schemaProduce';
import { firstRegistryWith, subjectCheckOf, subjectKey, subjectTemplates, templateValueProblems, valuePlaceAt, type SubjectCheck, type SubjectRef } from '../../schemas/templateSubjects';
import { fieldSuggestions, valueSuggestions } from '../../schemas/valueCheck';
import { Disposable } from '../../shared/disposable';
import { userMessage } from '../../shared/errors';
import { isTemplateDocument, TEMPLATE_GLOB } from './templateCodeLens';

/** How long a looked-up subject version is kept before the registry is asked again. */
const SCHEMA_TTL_MS = 30_000;
/** Pause after the last keystroke before a file is checked again. */
const CHECK_DELAY_MS = 400;

export const SUBJECT_DIAGNOSTIC_SOURCE = 'Schema subject';

type Lookup = { ok: true; check: SubjectCheck } | { ok: false; message: string };

export class TemplateSubjectChecks extends Disposable implements vscode.CompletionItemProvider {
  private readonly diagnostics = this._register(vscode.languages.createDiagnosticCollection('Kafka template subjects'));
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Per document, the number of the latest check, so an older one that ends later is dropped. */
  private readonly generations = new Map<string, number>();
  /** Per Kafka connection, its registry's looked-up subject versions and since when. */
  private readonly caches = new Map<string, { cache: SchemaCache; since: number }>();

  constructor(private readonly registries: SchemaRegistries) {
    super();
    this._register(
      vscode.workspace.onDidOpenTextDocument((d) => { this.schedule(d, 0); }),
      vscode.workspace.onDidChangeTextDocument((e) => { this.schedule(e.document, CHECK_DELAY_MS); }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.diagnostics.delete(d.uri);
        this.generations.delete(d.uri.toString());
      }),
      registries.onDidChange(() => {
        this.caches.clear();
        for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
      }),
    );
    for (const document of vscode.workspace.textDocuments) this.schedule(document, 0);
  }

  register(): { dispose(): unknown }[] {
    return [vscode.languages.registerCompletionItemProvider({ pattern: TEMPLATE_GLOB }, this, '"'), this];
  }

  /**
   * The subject version, compiled, from the first registry (in the order of the Kafka connections)
   * that has the subject: a template names a topic, not a cluster, and two clusters seldom share
   * a subject. A registry that lacks the subject or does not answer passes to the next; when none
   * has it, the message names each registry and what it said.
   */
  private async lookup(ref: SubjectRef): Promise<Lookup> {
    const now = Date.now();
    const found = await firstRegistryWith(this.registries.withRegistry().map((c) => c.name), ref.subject, async (name) => {
      let kept = this.caches.get(name);
      if (!kept || now - kept.since > SCHEMA_TTL_MS) {
        kept = { cache: new SchemaCache(this.registries.source(name)), since: now };
        this.caches.set(name, kept);
      }
      return subjectCheckOf(await schemaForProduce(kept.cache, ref));
    });
    return found.ok ? { ok: true, check: found.value } : { ok: false, message: found.message };
  }

  private schedule(document: vscode.TextDocument, delay: number): void {
    if (!isTemplateDocument(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.check(document).catch((error: unknown) => {
        // A check that breaks leaves one diagnostic that says so, not an unhandled rejection.
        this.diagnostics.set(document.uri, [new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), `The template's subject could not be checked: ${userMessage(error)}`, vscode.DiagnosticSeverity.Warning)]);
      });
    }, delay));
  }

  /** Checks every template of the file that names a subject; exposed for tests through the diagnostics it sets. */
  private async check(document: vscode.TextDocument): Promise<void> {
    const key = document.uri.toString();
    const generation = (this.generations.get(key) ?? 0) + 1;
    this.generations.set(key, generation);
    const text = document.getText();
    const entries = subjectTemplates(text);
    if (entries.length === 0) {
      this.diagnostics.delete(document.uri);
      return;
    }
    const lookups = new Map<string, Promise<Lookup>>();
    const found: vscode.Diagnostic[] = [];
    for (const entry of entries) {
      const id = subjectKey(entry.subject);
      if (!lookups.has(id)) lookups.set(id, this.lookup(entry.subject));
      const lookup = await (lookups.get(id) as Promise<Lookup>);
      if (this.generations.get(key) !== generation || document.isClosed) return;
      if (!lookup.ok) {
        found.push(this.diagnostic(document, entry.subjectRange, lookup.message, vscode.DiagnosticSeverity.Warning));
        continue;
      }
      for (const problem of templateValueProblems(text, entry, lookup.check)) {
        const diagnostic = this.diagnostic(document, problem, problem.message, vscode.DiagnosticSeverity.Error);
        diagnostic.code = problem.pointer === '' ? '/' : problem.pointer;
        found.push(diagnostic);
      }
    }
    this.diagnostics.set(document.uri, found);
  }

  private diagnostic(document: vscode.TextDocument, range: { offset: number; length: number }, message: string, severity: vscode.DiagnosticSeverity): vscode.Diagnostic {
    const diagnostic = new vscode.Diagnostic(
      new vscode.Range(document.positionAt(range.offset), document.positionAt(range.offset + Math.max(1, range.length))),
      message,
      severity,
    );
    diagnostic.source = SUBJECT_DIAGNOSTIC_SOURCE;
    return diagnostic;
  }

  async provideCompletionItems(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.CompletionItem[]> {
    if (!isTemplateDocument(document)) return [];
    const text = document.getText();
    const place = valuePlaceAt(text, document.offsetAt(position));
    if (!place) return [];
    const lookup = await this.lookup(place.subject);
    if (!lookup.ok || token.isCancellationRequested) return [];
    const schema = lookup.check.jsonSchema();
    const range = place.replace
      ? new vscode.Range(document.positionAt(place.replace.offset), document.positionAt(place.replace.offset + place.replace.length))
      : undefined;
    if (place.atKey) {
      return fieldSuggestions(schema, place.path, place.present).map((field, i) => {
        const item = new vscode.CompletionItem({ label: field.name, description: field.detail }, vscode.CompletionItemKind.Field);
        item.insertText = new vscode.SnippetString().appendText(`"${field.name}": `).appendTabstop(0);
        item.filterText = `"${field.name}"`;
        item.detail = `${field.detail}${field.required ? '' : ' (optional)'} · ${lookup.check.label}`;
        if (field.description) item.documentation = field.description;
        // Schema order, required fields first.
        item.sortText = `${field.required ? 0 : 1}${String(i).padStart(4, '0')}`;
        if (range) item.range = range;
        return item;
      });
    }
    return valueSuggestions(schema, place.path).map((value) => {
      const json = JSON.stringify(value);
      const item = new vscode.CompletionItem(json, typeof value === 'string' ? vscode.CompletionItemKind.EnumMember : vscode.CompletionItemKind.Value);
      item.insertText = json;
      item.filterText = json;
      item.detail = lookup.check.label;
      if (range) item.range = range;
      return item;
    });
  }

  override dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    super.dispose();
  }
}
