/**
 * package.json is the product's face: these checks keep it and the code in step (every
 * declared command has a handler id and the reverse, ids and settings under the prefix,
 * every view has welcome content, tree-only commands are hidden from the palette).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CommandId, COMMAND_PREFIX } from '../../src/shared/commandIds';
import { SettingKey } from '../../src/config/settings.keys';
import { sourceFiles } from '../support/sourceFiles';
import { ContextKey, WALKTHROUGH_ID } from '../../src/shared/contextKeys';

interface Manifest {
  engines: { vscode: string };
  capabilities?: {
    untrustedWorkspaces?: { supported: boolean | 'limited'; description?: string; restrictedConfigurations?: string[] };
    virtualWorkspaces?: boolean | { supported: boolean | 'limited'; description?: string };
  };
  activationEvents: string[];
  files: string[];
  devDependencies: Record<string, string>;
  contributes: {
    commands: { command: string; title: string; category: string; enablement?: string }[];
    keybindings: { command: string; key: string; mac?: string; when?: string }[];
    views: Record<string, { id: string; name: string }[]>;
    viewsWelcome: { view: string; contents: string }[];
    walkthroughs: {
      id: string;
      title: string;
      description: string;
      steps: { id: string; title: string; description: string; media: { image?: string; markdown?: string; altText?: string }; completionEvents?: string[] }[];
    }[];
    configuration: { properties: Record<string, { description?: string; markdownDescription?: string; scope?: string }> };
    menus: Record<string, { command: string; when?: string }[]> & { commandPalette: { command: string; when: string }[]; 'view/item/context': { command: string; when?: string }[] };
  };
}

const root = join(import.meta.dirname, '..', '..');
/** package.json as written: user-facing strings are `%key%` references into package.nls.json. */
const raw: unknown = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nls = JSON.parse(readFileSync(join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
const NLS_REF = /^%([\w.-]+)%$/;
/** Every `%key%` string of a value, with where it is. */
function nlsRefs(value: unknown, at = ''): { key: string; at: string }[] {
  if (typeof value === 'string') {
    const key = NLS_REF.exec(value)?.[1];
    return key === undefined ? [] : [{ key, at }];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => nlsRefs(v, `${at}[${i}]`));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => nlsRefs(v, `${at}.${k}`));
  return [];
}
/** package.json as VS Code shows it: each `%key%` replaced by its English text. */
function resolveNls(value: unknown): unknown {
  if (typeof value === 'string') {
    const key = NLS_REF.exec(value)?.[1];
    return key === undefined ? value : nls[key] ?? value;
  }
  if (Array.isArray(value)) return value.map(resolveNls);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveNls(v)]));
  return value;
}
const manifest = resolveNls(raw) as Manifest;

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

  it('has the six views, each with welcome content', () => {
    const views = Object.values(manifest.contributes.views).flat().map((v) => v.id);
    assert.deepEqual(views, ['kafkaAirflow.kafka', 'kafkaAirflow.dags', 'kafkaAirflow.datasets', 'kafkaAirflow.history', 'kafkaAirflow.pipelines', 'kafkaAirflow.stack']);
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

  describe('walkthrough', () => {
    const walkthrough = manifest.contributes.walkthroughs.find((w) => w.id === WALKTHROUGH_ID);
    const commands = new Set(manifest.contributes.commands.map((c) => c.command));
    const contextKeys = new Set<string>(Object.values(ContextKey));

    it('walks launch stack → produce → batch consumer → trace → dataset event', () => {
      assert.ok(walkthrough, `no walkthrough with the id ${WALKTHROUGH_ID} (the code opens that one)`);
      assert.deepEqual(walkthrough.steps.map((s) => s.id), ['launchStack', 'produceTestMessages', 'startBatchConsumer', 'traceMessage', 'fireDatasetEvent']);
    });

    it('gives every step a button that runs a contributed command', () => {
      for (const step of walkthrough?.steps ?? []) {
        const links = [...step.description.matchAll(/\]\(command:([\w.]+)\)/g)].map((m) => m[1] ?? '');
        assert.ok(links.length > 0, `step ${step.id} has no command link`);
        for (const id of links) assert.ok(commands.has(id), `step ${step.id} links to ${id}, which is not a contributed command`);
      }
    });

    it('completes every step on a command that exists or a context key the extension sets', () => {
      for (const step of walkthrough?.steps ?? []) {
        assert.ok((step.completionEvents ?? []).length > 0, `step ${step.id} has no completion event (it would complete on a button click only)`);
        for (const event of step.completionEvents ?? []) {
          const [kind, value = ''] = event.split(/:(.*)/s);
          if (kind === 'onCommand') assert.ok(commands.has(value), `step ${step.id}: ${value} is not a contributed command`);
          else if (kind === 'onContext') assert.ok(contextKeys.has(value), `step ${step.id}: ${value} is not a key in src/shared/contextKeys.ts`);
          else assert.fail(`step ${step.id}: unexpected completion event ${event}`);
        }
      }
    });

    it('shows an image that exists and is packaged, with a text for screen readers', () => {
      for (const step of walkthrough?.steps ?? []) {
        const image = step.media.image ?? '';
        assert.ok(existsSync(join(root, image)), `step ${step.id}: ${image} does not exist`);
        const packaged = manifest.files.some((glob) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`).test(image));
        assert.ok(packaged, `step ${step.id}: ${image} is not in package.json "files", so the .vsix would lack it`);
        assert.ok((step.media.altText ?? '').length > 20, `step ${step.id} has no altText`);
      }
    });

    it('has a command that opens it again', () => {
      assert.ok(commands.has(CommandId.openWalkthrough));
    });
  });

  describe('enablement, menus and keybindings', () => {
    /** Commands that work in every state: they set things up, open what is there, or say what is wrong. */
    const ALWAYS_AVAILABLE = new Set<string>([
      CommandId.showLog, CommandId.openSettings, CommandId.openReadme, CommandId.openWalkthrough, CommandId.refreshAll, CommandId.showConnections,
      CommandId.addKafkaConnection, CommandId.addAirflowConnection, CommandId.setHistoryConnection, CommandId.connectLocalStack,
      // The stack commands act on the stack on this machine, which may run without being connected here.
      CommandId.launchStack, CommandId.stopStack, CommandId.stackLogs, CommandId.openAirflowUi,
    ]);
    const paletteWhen = new Map(manifest.contributes.menus.commandPalette.map((c) => [c.command, c.when]));

    it('gives every command an enablement or a palette "when", except the few that work in every state', () => {
      for (const command of manifest.contributes.commands) {
        const gated = command.enablement !== undefined || paletteWhen.has(command.command);
        if (ALWAYS_AVAILABLE.has(command.command)) assert.ok(!gated, `${command.command} is listed as always available but is gated`);
        else assert.ok(gated, `${command.command} has neither "enablement" nor a commandPalette "when": where can it work?`);
      }
    });

    it('gates the commands that need a connection on the context key for it', () => {
      const enablement = new Map(manifest.contributes.commands.map((c) => [c.command, c.enablement ?? '']));
      for (const id of [CommandId.produceTestMessages, CommandId.openMessageInspector, CommandId.createTopic, CommandId.filterKafka]) {
        assert.match(enablement.get(id) ?? '', new RegExp(ContextKey.kafkaConfigured.replace(/\./g, '\\.')), id);
      }
      for (const id of [CommandId.filterDags, CommandId.fireDatasetEvent]) assert.match(enablement.get(id) ?? '', /kafkaAirflow\.airflowConfigured/, id);
      for (const id of [CommandId.searchHistory, CommandId.openHistoryMessage]) assert.match(enablement.get(id) ?? '', /kafkaAirflow\.historyConfigured/, id);
      for (const id of [CommandId.startBatchConsumer, CommandId.produceAndRun]) {
        for (const key of [ContextKey.kafkaConfigured, ContextKey.airflowConfigured, ContextKey.historyConfigured]) assert.ok(enablement.get(id)?.includes(key), `${id} needs ${key}`);
      }
    });

    it('reads only context keys the extension sets (or VS Code\'s own)', () => {
      const ours = new Set<string>(Object.values(ContextKey));
      const clauses = [
        ...manifest.contributes.commands.map((c) => c.enablement ?? ''),
        ...Object.values(manifest.contributes.menus).flat().map((m) => m.when ?? ''),
        ...manifest.contributes.keybindings.map((k) => k.when ?? ''),
      ];
      for (const clause of clauses) {
        // `view == kafkaAirflow.kafka` names a view (a value), not a key.
        const keys = clause.replace(/\b(view|focusedView)\s*(==|=~)\s*\S+/g, '').match(/kafkaAirflow\.[\w.]+/g) ?? [];
        for (const key of keys) assert.ok(ours.has(key), `"${clause}" reads ${key}, which src/shared/contextKeys.ts does not list`);
      }
    });

    it('binds open inspector, produce and refresh to chords under Ctrl+Alt+K, only while a view of ours has focus', () => {
      const bound = new Map(manifest.contributes.keybindings.map((k) => [k.command, k]));
      for (const id of [CommandId.openMessageInspector, CommandId.produceTestMessages, CommandId.refreshAll]) {
        const binding = bound.get(id);
        assert.ok(binding, `${id} has no keybinding`);
        assert.match(binding.key, /^ctrl\+alt\+k [a-z]$/, `${id}: ${binding.key}`);
        assert.match(binding.mac ?? '', /^cmd\+alt\+k [a-z]$/, `${id}: mac ${String(binding.mac)}`);
        assert.match(binding.when ?? '', /focusedView (==|=~) /, `${id} is bound outside our views`);
      }
      const keys = manifest.contributes.keybindings.map((k) => k.key);
      assert.equal(new Set(keys).size, keys.length, 'two commands share a chord');
      const commands = new Set(manifest.contributes.commands.map((c) => c.command));
      for (const binding of manifest.contributes.keybindings) assert.ok(commands.has(binding.command), `${binding.command} is bound but not contributed`);
    });
  });

  describe('localisation (package.nls.json)', () => {
    const refs = nlsRefs(raw);

    it('resolves every %key% of package.json in package.nls.json, and has no unused key', () => {
      const missing = refs.filter((r) => !(r.key in nls)).map((r) => `${r.at}: %${r.key}%`);
      assert.deepEqual(missing, [], 'references with no English text');
      const used = new Set(refs.map((r) => r.key));
      assert.deepEqual(Object.keys(nls).filter((k) => !used.has(k)), [], 'keys in package.nls.json nothing uses');
      for (const [key, text] of Object.entries(nls)) assert.ok(text.trim() !== '', `${key} is empty`);
    });

    it('writes no hard-coded user-facing text in the manifest: titles, names, descriptions and welcome texts are all keys', () => {
      const c = (raw as { contributes: Manifest['contributes'] & { viewsContainers: Record<string, { title: string }[]> } }).contributes;
      const texts: [string, string | undefined][] = [
        ...c.commands.flatMap((x): [string, string | undefined][] => [[`${x.command} title`, x.title], [`${x.command} category`, x.category]]),
        ...Object.values(c.views).flat().map((v): [string, string] => [`view ${v.id}`, v.name]),
        ...Object.values(c.viewsContainers).flat().map((v): [string, string] => ['view container', v.title]),
        ...c.viewsWelcome.map((w): [string, string] => [`welcome of ${w.view}`, w.contents]),
        ...c.walkthroughs.flatMap((w) => [[`walkthrough ${w.id}`, w.title], ...w.steps.flatMap((st) => [[`step ${st.id}`, st.title], [`step ${st.id}`, st.description], [`step ${st.id} altText`, st.media.altText]])] as [string, string | undefined][]),
        ...Object.entries(c.configuration.properties).map(([k, v]): [string, string | undefined] => [k, v.markdownDescription ?? v.description]),
      ];
      for (const [what, text] of texts) assert.match(text ?? '', NLS_REF, `${what} is hard-coded: "${String(text)}"`);
    });

    it('ships package.nls.json in the .vsix', () => {
      assert.ok(manifest.files.includes('package.nls.json'));
    });
  });
});
