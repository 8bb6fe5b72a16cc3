/**
 * One activation, in a fresh process: `node probe.cjs <extension folder>` requires
 * <folder>/dist/extension.js with the vscode STAND-IN (./vscodeStandIn.ts) as its `vscode`
 * module, calls activate() with a stand-in context, and prints one JSON line:
 * { requireMs, activateMs, unknown } where `unknown` lists the API members the stand-in
 * does not model. bench/bundle-weight.ts bundles this file to plain CommonJS and runs it,
 * so no TypeScript loader sits between the measurement and the bundle.
 */
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createVscodeStandIn } from './vscodeStandIn';

interface Extension {
  activate(context: unknown): unknown;
}

interface ModuleLoader {
  _load(request: string, parent: unknown, isMain: boolean): unknown;
}

async function main(): Promise<void> {
  if (!process.argv[2]) throw new Error('usage: node probe.cjs <extension folder with package.json and dist/extension.js>');
  const folder = resolve(process.argv[2]);
  const standIn = createVscodeStandIn();
  const loader = Module as unknown as ModuleLoader;
  const load = loader._load.bind(loader);
  loader._load = (request, parent, isMain) => (request === 'vscode' ? standIn.module : load(request, parent, isMain));
  const packageJSON = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { main?: string };
  const main = join(folder, packageJSON.main ?? 'dist/extension.js');

  const start = performance.now();
  const extension = (Module.createRequire(main))(main) as Extension;
  const required = performance.now();
  await extension.activate(standIn.context(folder, packageJSON));
  const activated = performance.now();
  process.stdout.write(`${JSON.stringify({ requireMs: required - start, activateMs: activated - required, unknown: [...standIn.unknown] })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
