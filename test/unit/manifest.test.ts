/**
 * package.json is the product's face: these checks keep it and the code in step (every
 * declared command has a handler id and the reverse, ids and settings under the prefix,
 * every view has welcome content, tree-only commands are hidden from the palette).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CommandId, COMMAND_PREFIX } from '../../src/commands/ids';
import { SettingKey } from '../../src/config/settings.keys';
import { sourceFiles } from '../support/sourceFiles';

interface Manifest {
  engines: { vscode: string };
  capabilities?: {
    untrustedWorkspaces?: { supported: boolean | 'limited'; description?: string; restrictedConfigurations?: string[] };
    virtualWorkspaces?: boolean | { supported: boolean | 'limited'; description?: string };
  };
  activationEvents: string[];
  devDependencies: Record<string, string>;
  contributes: {
    commands: { command: string; title: string; category: string }[];
    views: Record<string, { id: string; name: string }[]>;
    viewsWelcome: { view: string; contents: string }[];
    configuration: { properties: Record<string, { description?: string; markdownDescription?: string; scope?: string }> };
    menus: { commandPalette: { command: string; when: string }[]; 'view/item/context': { command: string }[] };
  };
}

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;

/** The text of every .ts file under src/, by path relative to the repository. */
function sources(): Map<string, string> {
  return new Map(sourceFiles('src').map((f) => [f.path, f.text]));
}

/** Every `CommandId.x` that some module under src/ passes to registerCommand, as often as it does. */
function registrations(): string[] {
  const found: string[] = [];
  for (const text of sources().values()) {
    for (const match of text.matchAll(/registerCommand\(\s*[^,()]+,\s*CommandId\.(\w+)/g)) {
      const key = match[1] ?? '';
      found.push(key in CommandId ? CommandId[key as keyof typeof CommandId] : `CommandId.${key} (not in ids.ts)`);
    }
  }
  return found;
}

function registeredIds(): Set<string> {
  return new Set(registrations());
}

describe('package.json', () => {
  it('declares exactly the commands the code registers', () => {
    const declared = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(declared, Object.values(CommandId).sort());
    assert.deepEqual([...registeredIds()].sort(), declared);
  });

  it('registers every command once, through the one wrapper, so the check above sees them all', () => {
    const registered = registrations();
    assert.deepEqual(registered.filter((id, i) => registered.indexOf(id) !== i), [], 'registered twice');
    const direct = [...sources()].filter(([path, text]) => path !== 'src/commands/index.ts' && /commands\.registerCommand\(|registerTextEditorCommand\(/.test(text)).map(([path]) => path);
    assert.deepEqual(direct, [], 'register commands with registerCommand from src/commands/index.ts');
    const calls = [...sources().values()].reduce((n, text) => n + [...text.matchAll(/(?<!function )\bregisterCommand\(/g)].length, 0);
    // One call per command, plus the wrapper's own call to vscode.commands.registerCommand.
    assert.equal(calls, registered.length + 1, 'a registerCommand call whose id is not written as CommandId.x');
  });

  it('puts every command under the prefix and the "Kafka Airflow" category', () => {
    for (const command of manifest.contributes.commands) {
      assert.ok(command.command.startsWith(COMMAND_PREFIX), command.command);
      assert.equal(command.category, 'Kafka Airflow', command.command);
    }
  });

  it('has the five views, each with welcome content', () => {
    const views = Object.values(manifest.contributes.views).flat().map((v) => v.id);
    assert.deepEqual(views, ['kafkaAirflow.kafka', 'kafkaAirflow.dags', 'kafkaAirflow.datasets', 'kafkaAirflow.history', 'kafkaAirflow.stack']);
    for (const view of views) {
      assert.ok(manifest.contributes.viewsWelcome.some((w) => w.view === view && w.contents.length > 20), `${view} has no welcome view`);
    }
  });

  it('declares every setting the code reads, with a description', () => {
    const declared = Object.keys(manifest.contributes.configuration.properties).sort();
    assert.deepEqual(declared, Object.values(SettingKey).map((k) => `kafkaAirflow.${k}`).sort());
    for (const [key, value] of Object.entries(manifest.contributes.configuration.properties)) {
      assert.ok(value.description ?? value.markdownDescription, `${key} has no description`);
    }
  });

  it('activates only on its own views and commands (generated from contributions), on template files, on Python files and to restore its panels', () => {
    // Views and commands activate the extension on their own (VS Code derives those events);
    // the explicit events let the Produce CodeLens appear in a workspace with templates, and the
    // DAG CodeLens, the local check and the workspace DAG folders work once a Python file opens.
    assert.deepEqual(manifest.activationEvents, [
      'workspaceContains:**/*.kafka.json',
      'onLanguage:python',
      // Panels kept across a window reload wake the extension to restore them (src/panels/panelRestore.ts).
      'onWebviewPanel:kafkaAirflow.inspector',
      'onWebviewPanel:kafkaAirflow.trace',
      'onWebviewPanel:kafkaAirflow.producer',
    ]);
  });

  it('hides context-menu-only commands from the palette', () => {
    for (const { command } of manifest.contributes.menus['view/item/context']) {
      assert.ok(
        manifest.contributes.menus.commandPalette.some((c) => c.command === command && c.when === 'false'),
        `${command} is shown in the palette but needs a tree item`,
      );
    }
  });

  it('targets VS Code 1.100 with matching API types', () => {
    assert.equal(manifest.engines.vscode, '^1.100.0');
    assert.equal(manifest.devDependencies['@types/vscode'], '1.100.0');
  });

  it('gives every setting an explicit scope', () => {
    for (const [key, value] of Object.entries(manifest.contributes.configuration.properties)) {
      assert.ok(value.scope !== undefined, `${key} has no "scope"`);
    }
  });

  it('supports untrusted workspaces in a limited way and restricts every setting that says where credentials go', () => {
    const untrusted = manifest.capabilities?.untrustedWorkspaces;
    assert.equal(untrusted?.supported, 'limited');
    assert.ok((untrusted.description ?? '').length > 40, 'says what Restricted Mode does');
    const restricted = new Set(untrusted.restrictedConfigurations ?? []);
    for (const key of [
      SettingKey.kafkaConnections, SettingKey.airflowConnections, SettingKey.historyConnection, SettingKey.connectOnStartup,
      // Which folders the local stack runs DAGs from, and whether saved files are parsed: only a trusted folder decides.
      SettingKey.stackDagFolders, SettingKey.dagsCheckOnSave,
    ]) {
      assert.ok(restricted.has(`kafkaAirflow.${key}`), `kafkaAirflow.${key} is not a restricted configuration`);
    }
    for (const key of restricted) assert.ok(key in manifest.contributes.configuration.properties, `${key} is not a declared setting`);
    const virtual = manifest.capabilities?.virtualWorkspaces;
    assert.ok(typeof virtual === 'object' && virtual.supported === 'limited' && (virtual.description ?? '') !== '', 'virtual workspaces declared with a description');
  });
});
