/**
 * The Schemas commands on the Kafka view's Schemas rows: open a version read-only in the
 * language of its type, compare two versions in the built-in diff editor, set the compatibility
 * level (global or per subject), register the open .avsc/.proto/.json file after the registry's
 * compatibility check (its reasons shown when it fails, nothing registered), delete a subject or
 * a version (soft, or permanently) behind a confirmation, and enter the registry's secret.
 */
import * as vscode from 'vscode';
import type { KafkaConnections } from '../config/kafkaConnections';
import type { SchemaRegistries } from '../config/schemaRegistries';
import type { Secrets } from '../config/secrets';
import {
  defaultSubjectFor,
  detectSchemaType,
  incompatibleMessage,
  schemaDocumentText,
  schemaFileExtension,
  schemaLanguageId,
  schemaTextProblem,
  schemaTypeLabel,
} from '../schemas/presentation';
import type { SubjectVersion } from '../schemas/registryClient';
import { COMPATIBILITY_LEVELS, SCHEMA_TYPES, type CompatibilityLevel, type SchemaType } from '../schemas/schemaKinds';
import { RegistryErrorCode, SchemaRegistryError } from '../schemas/registryErrors';
import { CommandId } from '../shared/commandIds';
import { schemaRegistrySecretNeeds } from '../shared/credentials';
import { CancelledError, describeError, WorkbenchError } from '../shared/errors';
import { isRecord } from '../shared/guards';
import type { KafkaNode, KafkaTreeProvider } from '../views/kafka/kafkaTree';
import type { SchemaVersionNode, SubjectNode } from '../views/kafka/schemaRows';
import { registerCommand } from './index';

export interface SchemaCommandDeps {
  log: vscode.LogOutputChannel;
  secrets: Secrets;
  connections: KafkaConnections;
  registries: SchemaRegistries;
  tree: KafkaTreeProvider;
}

/** The scheme of the read-only schema documents. */
export const SCHEMA_SCHEME = 'kafka-schema';

interface SchemaRef { connection: string; subject: string; version: number }

/** `kafka-schema:/<connection>/<subject>/v<version>.avsc` — the path gives the tab its title, the query the exact target. */
export function schemaUri(ref: SchemaRef, schemaType: SchemaType): vscode.Uri {
  const title = `${ref.subject} v${ref.version}${schemaFileExtension(schemaType)}`.replace(/[\\/]/g, '_');
  return vscode.Uri.from({ scheme: SCHEMA_SCHEME, path: `/${ref.connection.replace(/[\\/]/g, '_')}/${title}`, query: JSON.stringify(ref) });
}

function refOf(uri: vscode.Uri): SchemaRef {
  const parsed: unknown = JSON.parse(uri.query);
  if (isRecord(parsed) && typeof parsed['connection'] === 'string' && typeof parsed['subject'] === 'string' && typeof parsed['version'] === 'number') {
    return { connection: parsed['connection'], subject: parsed['subject'], version: parsed['version'] };
  }
  throw new WorkbenchError(`${uri.toString()} does not name a schema version. Open it from the Schemas rows of the Kafka view.`);
}

/** Serves the read-only documents: the registry's text of one version, pretty-printed. */
class SchemaDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly registries: SchemaRegistries) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const ref = refOf(uri);
    const version = await (await this.registries.client(ref.connection)).getSubjectVersion(ref.subject, ref.version);
    return schemaDocumentText(version.schemaType, version.schema);
  }
}

// ---------------------------------------------------------------- rows and picks

function asNode(value: unknown): KafkaNode | undefined {
  return isRecord(value) && typeof value['kind'] === 'string' && typeof value['key'] === 'string' ? (value as unknown as KafkaNode) : undefined;
}

/** The connection of a row, or the only connection with a registry, or the one picked. */
async function registryConnection(deps: SchemaCommandDeps, node: KafkaNode | undefined): Promise<string> {
  if (node && node.kind !== 'settingsProblem' && node.kind !== 'info') return node.kind === 'connection' ? node.connection.name : node.connectionName;
  const candidates = deps.registries.withRegistry();
  if (candidates.length === 0) {
    throw new WorkbenchError('No Kafka connection has a schema registry. Set one up from the Schemas row under a connection in the Kafka view (Connect to Local Stack sets up the stack\'s registry).', { actions: ['openSettings'] });
  }
  if (candidates.length === 1 && candidates[0]) return candidates[0].name;
  const picked = await vscode.window.showQuickPick(candidates.map((c) => ({ label: c.name, description: c.schemaRegistry?.url ?? '' })), { placeHolder: vscode.l10n.t('Which schema registry?'), ignoreFocusOut: true });
  if (!picked) throw new CancelledError();
  return picked.label;
}

async function pickVersion(deps: SchemaCommandDeps, connection: string, subject: string, placeHolder: string, exclude?: number): Promise<number> {
  const client = await deps.registries.client(connection);
  const versions = (await client.listVersions(subject)).filter((v) => v !== exclude).reverse();
  if (versions.length === 0) throw new WorkbenchError(`Subject "${subject}" has no other version to pick.`, { actions: [] });
  const picked = await vscode.window.showQuickPick(versions.map((v) => ({ label: `v${v}`, version: v })), { placeHolder, ignoreFocusOut: true });
  if (!picked) throw new CancelledError();
  return picked.version;
}

async function pickSubject(deps: SchemaCommandDeps, connection: string, placeHolder: string): Promise<string> {
  const subjects = await (await deps.registries.client(connection)).listSubjects();
  if (subjects.length === 0) throw new WorkbenchError('The registry has no subjects yet. Register a schema first.', { actions: [] });
  const picked = await vscode.window.showQuickPick([...subjects].sort(), { placeHolder, ignoreFocusOut: true });
  if (!picked) throw new CancelledError();
  return picked;
}

/** Opens a version's document with the language of its type, without showing it yet. */
async function loadDocument(deps: SchemaCommandDeps, ref: SchemaRef): Promise<{ document: vscode.TextDocument; version: SubjectVersion }> {
  const version = await (await deps.registries.client(ref.connection)).getSubjectVersion(ref.subject, ref.version);
  const document = await vscode.workspace.openTextDocument(schemaUri({ ...ref, version: version.version }, version.schemaType));
  const language = schemaLanguageId(version.schemaType);
  const languages = await vscode.languages.getLanguages();
  const chosen = languages.includes(language) ? language : version.schemaType === 'PROTOBUF' && languages.includes('proto') ? 'proto' : undefined;
  return { document: chosen && document.languageId !== chosen ? await vscode.languages.setTextDocumentLanguage(document, chosen) : document, version };
}

// ---------------------------------------------------------------- open and compare

async function openVersion(deps: SchemaCommandDeps, arg: unknown): Promise<void> {
  const node = asNode(arg);
  let ref: SchemaRef;
  if (node?.kind === 'schemaVersion') ref = { connection: node.connectionName, subject: node.subject, version: node.version };
  else if (node?.kind === 'subject') ref = { connection: node.connectionName, subject: node.subject, version: -1 };
  else {
    const connection = await registryConnection(deps, node);
    const subject = await pickSubject(deps, connection, vscode.l10n.t('Subject to open'));
    ref = { connection, subject, version: await pickVersion(deps, connection, subject, vscode.l10n.t('Version to open')) };
  }
  if (ref.version === -1) {
    const latest = await (await deps.registries.client(ref.connection)).getSubjectVersion(ref.subject, 'latest');
    ref = { ...ref, version: latest.version };
  }
  const { document } = await loadDocument(deps, ref);
  await vscode.window.showTextDocument(document, { preview: true });
}

async function compareVersions(deps: SchemaCommandDeps, arg: unknown, selected: unknown): Promise<void> {
  const node = asNode(arg);
  const chosen = (Array.isArray(selected) ? selected : []).map(asNode).filter((n): n is SchemaVersionNode => n?.kind === 'schemaVersion');
  let left: SchemaRef;
  let right: SchemaRef;
  const pair = chosen.length === 2 ? [...chosen].sort((x, y) => (x.subject === y.subject ? x.version - y.version : x.subject.localeCompare(y.subject))) : [];
  const [a, b] = pair;
  if (a && b) {
    left = { connection: a.connectionName, subject: a.subject, version: a.version };
    right = { connection: b.connectionName, subject: b.subject, version: b.version };
  } else {
    let base: SchemaRef;
    if (node?.kind === 'schemaVersion') base = { connection: node.connectionName, subject: node.subject, version: node.version };
    else {
      const connection = await registryConnection(deps, node);
      const subject = node?.kind === 'subject' ? node.subject : await pickSubject(deps, connection, vscode.l10n.t('Subject of the first version'));
      base = { connection, subject, version: (await (await deps.registries.client(connection)).getSubjectVersion(subject, 'latest')).version };
    }
    const other = await pickOther(deps, base);
    [left, right] = other.subject === base.subject && other.version > base.version ? [base, other] : [other, base];
  }
  const [leftDoc, rightDoc] = await Promise.all([loadDocument(deps, left), loadDocument(deps, right)]);
  const title = left.subject === right.subject
    ? `${left.subject}: v${left.version} ↔ v${right.version}`
    : `${left.subject} v${left.version} ↔ ${right.subject} v${right.version}`;
  await vscode.commands.executeCommand('vscode.diff', leftDoc.document.uri, rightDoc.document.uri, title, { preview: true });
}

/** The version to compare with: another version of the same subject, or a version of another subject. */
async function pickOther(deps: SchemaCommandDeps, base: SchemaRef): Promise<SchemaRef> {
  const client = await deps.registries.client(base.connection);
  const versions = (await client.listVersions(base.subject)).filter((v) => v !== base.version).reverse();
  type Item = vscode.QuickPickItem & { version?: number };
  const items: Item[] = [
    ...versions.map((v): Item => ({ label: `v${v}`, description: base.subject, version: v })),
    { label: vscode.l10n.t('A version of another subject…'), description: '' },
  ];
  const picked = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Compare {0} v{1} with…', base.subject, base.version), ignoreFocusOut: true });
  if (!picked) throw new CancelledError();
  if (picked.version !== undefined) return { ...base, version: picked.version };
  const subject = await pickSubject(deps, base.connection, vscode.l10n.t('Subject to compare with'));
  return { connection: base.connection, subject, version: await pickVersion(deps, base.connection, subject, vscode.l10n.t('Version of {0}', subject)) };
}

// ---------------------------------------------------------------- compatibility level

async function setCompatibility(deps: SchemaCommandDeps, arg: unknown): Promise<void> {
  const node = asNode(arg);
  const connection = await registryConnection(deps, node);
  const subject = node?.kind === 'subject' ? node.subject : undefined;
  const client = await deps.registries.client(connection);
  const globalLevel = await client.getCompatibilityLevel();
  const own = subject === undefined ? globalLevel : await client.getSubjectCompatibilityLevel(subject);
  type Item = vscode.QuickPickItem & { level?: CompatibilityLevel };
  const items: Item[] = COMPATIBILITY_LEVELS.map((level) => ({ label: level, ...(level === own ? { description: vscode.l10n.t('current') } : {}), level }));
  if (subject !== undefined) items.push({ label: vscode.l10n.t('Follow the global level ({0})', globalLevel), ...(own === undefined ? { description: vscode.l10n.t('current') } : {}) });
  const picked = await vscode.window.showQuickPick(items, {
    placeHolder: subject === undefined ? vscode.l10n.t('Global compatibility level of the registry') : vscode.l10n.t('Compatibility level of {0}', subject),
    ignoreFocusOut: true,
  });
  if (!picked) throw new CancelledError();
  if (picked.level === undefined && subject !== undefined) {
    if (own !== undefined) await client.deleteSubjectCompatibilityLevel(subject);
    deps.log.info(`${connection}: subject ${subject} follows the global compatibility level (${globalLevel})`);
  } else if (picked.level !== undefined) {
    await client.setCompatibilityLevel(picked.level, subject);
    deps.log.info(`${connection}: compatibility of ${subject ?? 'the registry'} set to ${picked.level}`);
  }
  deps.tree.refreshSchemas(connection, subject);
  if (subject === undefined) deps.tree.refreshSchemas(connection);
}

// ---------------------------------------------------------------- register

/** The schema in the active editor, with its type (asked when the file does not say). */
async function activeSchema(): Promise<{ text: string; fileName: string; schemaType: SchemaType }> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) throw new WorkbenchError('Open the .avsc, .proto or .json schema file to register, then run this again.', { actions: [] });
  const text = editor.document.getText();
  const fileName = editor.document.uri.path.replace(/^.*\//, '');
  let schemaType = detectSchemaType(fileName, text);
  if (!schemaType) {
    const picked = await vscode.window.showQuickPick(SCHEMA_TYPES.map((type) => ({ label: schemaTypeLabel(type), type })), { placeHolder: vscode.l10n.t('What kind of schema is {0}?', fileName), ignoreFocusOut: true });
    if (!picked) throw new CancelledError();
    schemaType = picked.type;
  }
  const problem = schemaTextProblem(schemaType, text, fileName);
  if (problem) throw new WorkbenchError(problem, { actions: [] });
  return { text, fileName, schemaType };
}

async function chooseSubject(deps: SchemaCommandDeps, connection: string, fileName: string): Promise<string> {
  const subjects = [...await (await deps.registries.client(connection)).listSubjects()].sort();
  const suggested = defaultSubjectFor(fileName);
  type Item = vscode.QuickPickItem & { subject?: string };
  const items: Item[] = [
    { label: vscode.l10n.t('New subject…'), description: suggested },
    ...subjects.map((subject): Item => ({ label: subject, subject })),
  ];
  const picked = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Register {0} under which subject?', fileName), ignoreFocusOut: true });
  if (!picked) throw new CancelledError();
  if (picked.subject !== undefined) return picked.subject;
  const typed = await vscode.window.showInputBox({
    title: vscode.l10n.t('New subject'),
    prompt: vscode.l10n.t('Subject name. For a topic: <topic>-value or <topic>-key (TopicNameStrategy).'),
    value: suggested,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' ? vscode.l10n.t('Type a subject name.') : undefined),
  });
  if (typed === undefined) throw new CancelledError();
  return typed.trim();
}

async function registerFromFile(deps: SchemaCommandDeps, arg: unknown): Promise<void> {
  const node = asNode(arg);
  const schema = await activeSchema();
  const connection = await registryConnection(deps, node);
  const subject = node?.kind === 'subject' ? node.subject : await chooseSubject(deps, connection, schema.fileName);
  const client = await deps.registries.client(connection);
  const input = { schema: schema.text, schemaType: schema.schemaType };

  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Registering {0} under {1}…', schema.fileName, subject) }, async () => {
    // The registry's own check first, with its reasons (verbose); a subject without versions has nothing to check against.
    let level: CompatibilityLevel | undefined;
    try {
      const result = await client.testCompatibility(subject, input, 'latest');
      if (!result.isCompatible) {
        try {
          level = await client.getCompatibilityLevel(subject, { defaultToGlobal: true });
        } catch (error) {
          // The incompatibility is the news; the level only explains it, so its message goes without it.
          deps.log.warn(`${connection}: the compatibility level of ${subject} could not be read: ${describeError(error)}`);
        }
        const message = incompatibleMessage(subject, level, result.messages);
        deps.log.warn(message);
        throw new WorkbenchError(message, {
          actions: [{ title: 'Set Compatibility Level', command: CommandId.setSchemaCompatibility, args: [subjectArg(connection, subject)] }, 'showLog'],
        });
      }
    } catch (error) {
      const fresh = error instanceof SchemaRegistryError && (error.errorCode === RegistryErrorCode.subjectNotFound || error.errorCode === RegistryErrorCode.versionNotFound);
      if (!fresh) throw error;
    }
    const id = await client.register(subject, input);
    const registered = await client.lookup(subject, input);
    deps.log.info(`${connection}: registered ${schema.fileName} as ${subject} v${registered.version} (schema id ${id})`);
    deps.tree.refreshSchemas(connection, subject);
    void vscode.window.showInformationMessage(vscode.l10n.t('Registered {0} as {1} version {2} (schema id {3}).', schema.fileName, subject, registered.version, id), vscode.l10n.t('Open')).then(
      (picked) => { if (picked) void vscode.commands.executeCommand(CommandId.openSchemaVersion, versionArg(connection, subject, registered.version)); },
      () => undefined,
    );
  });
}

/** A row-shaped argument for a subject, so a command run from a notification acts on it. */
function subjectArg(connection: string, subject: string): SubjectNode {
  return { kind: 'subject', key: `kafka/${connection}/schemas/${subject}`, connectionName: connection, subject };
}

function versionArg(connection: string, subject: string, version: number): SchemaVersionNode {
  return { kind: 'schemaVersion', key: `kafka/${connection}/schemas/${subject}/v${version}`, connectionName: connection, subject, version };
}

// ---------------------------------------------------------------- delete

/** Asks soft or permanent; undefined when cancelled. */
async function confirmDelete(what: string, alreadySoftDeleted: boolean): Promise<'soft' | 'permanent' | undefined> {
  const soft = vscode.l10n.t('Delete');
  const permanent = vscode.l10n.t('Delete Permanently');
  const detail = vscode.l10n.t('Delete (soft) hides it: its schema ids still decode messages, and registering it again brings it back. Delete Permanently removes it and its ids for good; messages written with them can no longer be decoded.');
  const buttons = alreadySoftDeleted ? [permanent] : [soft, permanent];
  const answer = await vscode.window.showWarningMessage(vscode.l10n.t('Delete {0}?', what), { modal: true, detail }, ...buttons);
  return answer === soft ? 'soft' : answer === permanent ? 'permanent' : undefined;
}

async function deleteSubject(deps: SchemaCommandDeps, arg: unknown): Promise<void> {
  const node = asNode(arg);
  if (node?.kind !== 'subject') throw new WorkbenchError('Delete Subject works on a subject row of the Kafka view\'s Schemas folder.', { actions: [] });
  const client = await deps.registries.client(node.connectionName);
  const versions = await client.listVersions(node.subject);
  const mode = await confirmDelete(vscode.l10n.t('subject "{0}" ({1} versions)', node.subject, versions.length), false);
  if (!mode) throw new CancelledError();
  const deleted = await client.deleteSubject(node.subject);
  if (mode === 'permanent') await client.deleteSubject(node.subject, { permanent: true });
  deps.log.info(`${node.connectionName}: deleted subject ${node.subject} (${mode}; versions ${deleted.join(', ')})`);
  deps.tree.refreshSchemas(node.connectionName);
  void vscode.window.showInformationMessage(mode === 'permanent'
    ? vscode.l10n.t('Deleted subject {0} permanently.', node.subject)
    : vscode.l10n.t('Deleted subject {0} (soft: versions {1}).', node.subject, deleted.join(', ')));
}

async function deleteVersion(deps: SchemaCommandDeps, arg: unknown): Promise<void> {
  const node = asNode(arg);
  if (node?.kind !== 'schemaVersion') throw new WorkbenchError('Delete Schema Version works on a version row of the Kafka view\'s Schemas folder.', { actions: [] });
  const client = await deps.registries.client(node.connectionName);
  const mode = await confirmDelete(vscode.l10n.t('{0} version {1}', node.subject, node.version), false);
  if (!mode) throw new CancelledError();
  await client.deleteSubjectVersion(node.subject, node.version);
  if (mode === 'permanent') await client.deleteSubjectVersion(node.subject, node.version, { permanent: true });
  deps.log.info(`${node.connectionName}: deleted ${node.subject} v${node.version} (${mode})`);
  deps.tree.refreshSchemas(node.connectionName, node.subject);
  void vscode.window.showInformationMessage(vscode.l10n.t('Deleted {0} version {1}{2}.', node.subject, node.version, mode === 'permanent' ? vscode.l10n.t(' permanently') : ''));
}

// ---------------------------------------------------------------- secret

async function enterSecret(deps: SchemaCommandDeps, arg: unknown): Promise<void> {
  const candidates = deps.connections.list().value.filter((c) => schemaRegistrySecretNeeds(c).length > 0);
  let connection = typeof arg === 'string' ? candidates.find((c) => c.name === arg) : undefined;
  if (!connection) {
    if (candidates.length === 0) throw new WorkbenchError('No schema registry signs in with a password or token. Set one up with Edit Connection on a Schemas row.', { actions: ['openSettings'] });
    const picked = await vscode.window.showQuickPick(candidates.map((c) => ({ label: c.name, description: c.schemaRegistry?.url ?? '', connection: c })), { placeHolder: vscode.l10n.t('Which connection\'s registry?'), ignoreFocusOut: true });
    if (!picked) throw new CancelledError();
    connection = picked.connection;
  }
  for (const need of schemaRegistrySecretNeeds(connection)) {
    const value = await vscode.window.showInputBox({
      title: vscode.l10n.t('{0} for {1}', need.what, connection.name),
      prompt: vscode.l10n.t("For {0}. Kept in the editor's secret storage, bound to this target, never in the settings.", need.target.description),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v === '' ? vscode.l10n.t('Type the {0}.', need.what) : undefined),
    });
    if (value === undefined) throw new CancelledError();
    await deps.secrets.store(need.target, value);
    deps.log.info(`Stored a new ${need.what} for "${connection.name}"`);
  }
  deps.tree.refreshSchemas(connection.name);
}

export function registerSchemaCommands(deps: SchemaCommandDeps): vscode.Disposable[] {
  return [
    vscode.workspace.registerTextDocumentContentProvider(SCHEMA_SCHEME, new SchemaDocuments(deps.registries)),
    registerCommand(deps.log, CommandId.openSchemaVersion, (arg) => openVersion(deps, arg)),
    registerCommand(deps.log, CommandId.compareSchemaVersions, (arg, selected) => compareVersions(deps, arg, selected)),
    registerCommand(deps.log, CommandId.setSchemaCompatibility, (arg) => setCompatibility(deps, arg)),
    registerCommand(deps.log, CommandId.registerSchemaFromFile, (arg) => registerFromFile(deps, arg)),
    registerCommand(deps.log, CommandId.registerSchema, () => registerFromFile(deps, undefined)),
    registerCommand(deps.log, CommandId.deleteSchemaSubject, (arg) => deleteSubject(deps, arg)),
    registerCommand(deps.log, CommandId.deleteSchemaVersion, (arg) => deleteVersion(deps, arg)),
    registerCommand(deps.log, CommandId.enterSchemaRegistrySecret, (arg) => enterSecret(deps, arg)),
  ];
}
