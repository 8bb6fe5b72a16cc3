/**
 * The layering of the extension, checked on every import of every file under src/ and
 * webview/src/ (static, dynamic, type-only and require alike, read by TypeScript's own
 * pre-parser). Arrows point down: extension.ts → commands → panels → views → config → core
 * (src/kafka, airflow, history, stack, trace, pipelines, shared). The core and the webviews never import
 * vscode; the webviews import only the core; the one exception to "never upward" is the table
 * of command ids (src/shared/commandIds.ts), which imports nothing itself. eslint.config.mjs says the
 * same in `no-restricted-imports`, so an editor flags a violation as it is typed; this test
 * resolves paths, so it also catches what a pattern cannot see.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { sourceFiles, type SourceFile } from '../support/sourceFiles';

/** Lowest first; a file may import its own layer and the ones below it. */
const LAYERS = ['core', 'config', 'views', 'panels', 'commands', 'extension'] as const;
type Layer = (typeof LAYERS)[number] | 'webview';
const CORE_FOLDERS = ['kafka', 'airflow', 'history', 'stack', 'trace', 'pipelines', 'shared', 'schemas', 'objectstore'];
/** Importable from every layer of the extension: constants only, and it imports nothing. */
const COMMAND_IDS = 'src/shared/commandIds.ts';

function layerOf(file: string): Layer | undefined {
  if (file === 'src/extension.ts') return 'extension';
  if (file.startsWith('webview/src/')) return 'webview';
  const [top, folder] = file.split('/');
  if (top !== 'src' || folder === undefined) return undefined;
  if (CORE_FOLDERS.includes(folder)) return 'core';
  return (LAYERS as readonly string[]).includes(folder) && folder !== 'core' && folder !== 'extension' ? folder as Layer : undefined;
}

function rank(layer: Layer): number {
  return layer === 'webview' ? -1 : LAYERS.indexOf(layer);
}

/** The repository file a relative specifier names, as TypeScript's bundler resolution finds it. */
function resolve(from: string, specifier: string, exists: (file: string) => boolean): string | undefined {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  return [base, `${base}.ts`, `${base}/index.ts`].find((candidate) => candidate.endsWith('.ts') && exists(candidate));
}

/** Every import that breaks the layering, as "file: what it imports (why)". */
function layeringViolations(files: readonly SourceFile[]): string[] {
  const known = new Set(files.map((f) => f.path));
  const out: string[] = [];
  for (const file of files) {
    const layer = layerOf(file.path);
    if (layer === undefined) {
      out.push(`${file.path}: is in no layer; put it in one of src/{${[...CORE_FOLDERS, 'config', 'views', 'panels', 'commands'].join(',')}} or name its folder in this test`);
      continue;
    }
    const imports = ts.preProcessFile(file.text, true, true).importedFiles.map((i) => i.fileName);
    if (file.path === COMMAND_IDS && imports.length > 0) out.push(`${file.path}: imports ${imports.join(', ')} (the command id table is imported from every layer, so it imports nothing)`);
    for (const specifier of imports) {
      if (specifier === 'vscode') {
        if (layer === 'core' || layer === 'webview') out.push(`${file.path}: imports vscode (the ${layer === 'core' ? 'core services' : 'webviews'} never do)`);
        continue;
      }
      if (!specifier.startsWith('.')) continue;
      const target = resolve(file.path, specifier, (f) => known.has(f));
      if (target === undefined) continue;
      const targetLayer = layerOf(target);
      if (targetLayer === undefined) continue;
      if (layer === 'webview') {
        if (targetLayer !== 'webview' && targetLayer !== 'core') out.push(`${file.path}: imports ${target} (a webview imports only the core and src/shared)`);
        continue;
      }
      if (targetLayer === 'webview') {
        out.push(`${file.path}: imports ${target} (the extension host never imports webview code)`);
        continue;
      }
      if (rank(targetLayer) > rank(layer)) out.push(`${file.path}: imports ${target} (${layer} may not import ${targetLayer}: arrows point down)`);
    }
  }
  return out;
}

describe('layering', () => {
  it('finds each kind of violation in made-up files, and none in a tidy set', () => {
    const files: SourceFile[] = [
      { path: 'src/kafka/a.ts', text: "import * as vscode from 'vscode';\nimport type { T } from '../views/kafka/kafkaTree';\nexport const a = 1;" },
      { path: 'src/views/kafka/kafkaTree.ts', text: "import { x } from '../../commands/kafka';\nimport { CommandId } from '../../src/shared/commandIds';\nconst p = import('../../panels/p');" },
      { path: 'src/commands/kafka.ts', text: "import { a } from '../kafka/a';\nimport { v } from '../views/kafka/kafkaTree';" },
      { path: 'src/shared/commandIds.ts', text: "import { a } from '../kafka/a';" },
      { path: 'src/panels/p.ts', text: "const c = require('../config/c');" },
      { path: 'src/config/c.ts', text: "export * from '../views/kafka/kafkaTree';" },
      { path: 'src/extra/e.ts', text: '' },
      { path: 'webview/src/w.ts', text: "import { p } from '../../src/panels/p';\nimport { a } from '../../src/kafka/a';\nimport * as vscode from 'vscode';" },
    ];
    assert.deepEqual(layeringViolations(files), [
      'src/kafka/a.ts: imports vscode (the core services never do)',
      'src/kafka/a.ts: imports src/views/kafka/kafkaTree.ts (core may not import views: arrows point down)',
      'src/views/kafka/kafkaTree.ts: imports src/commands/kafka.ts (views may not import commands: arrows point down)',
      'src/views/kafka/kafkaTree.ts: imports src/panels/p.ts (views may not import panels: arrows point down)',
      'src/shared/commandIds.ts: imports ../kafka/a (the command id table is imported from every layer, so it imports nothing)',
      'src/config/c.ts: imports src/views/kafka/kafkaTree.ts (config may not import views: arrows point down)',
      'src/extra/e.ts: is in no layer; put it in one of src/{kafka,airflow,history,stack,trace,pipelines,shared,schemas,objectstore,config,views,panels,commands} or name its folder in this test',
      'webview/src/w.ts: imports src/panels/p.ts (a webview imports only the core and src/shared)',
      'webview/src/w.ts: imports vscode (the webviews never do)',
    ]);
  });

  it('holds in src/ and webview/src/', () => {
    const files = [...sourceFiles('src'), ...sourceFiles('webview/src')];
    assert.ok(files.length > 100, `read ${files.length} files`);
    assert.deepEqual(layeringViolations(files), []);
  });
});
