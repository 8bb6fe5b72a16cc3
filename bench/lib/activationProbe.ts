/**
 * One activation, in a fresh process: `node probe.cjs <extension folder>` requires
 * <folder>/dist/extension.js with the vscode STAND-IN (./vscodeStandIn.ts) as its `vscode`
 * module, calls activate() with a stand-in context, and prints one JSON line:
 * { requireMs, activateMs, cpuMs, alsoLoaded, unknown }: wall-clock times of the two steps,
 * the CPU time the process spent on both (less sensitive to a busy machine than wall-clock
 * time), the extension's other files that activation loaded, and the API members the
 * stand-in does not model. bench/bundle-weight.ts bundles this file to plain CommonJS and runs it,
 * so no TypeScript loader sits between the measurement and the bundle.
 */
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { join, relative, resolve } from 'node:path';
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

  const cpuMs = (since: NodeJS.CpuUsage): number => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const requireFromExtension = Module.createRequire(main);
  const extension = requireFromExtension(main) as Extension;
  const required = performance.now();
  await extension.activate(standIn.context(folder, packageJSON));
  const activated = performance.now();
  const cpu = cpuMs(cpuStart);
  // Files of the extension's own that activation loaded besides the bundle: the modules it
  // should load only on first use (esbuild.js lazyModules) must not be among them.
  const alsoLoaded = Object.keys(requireFromExtension.cache).filter((f) => f.startsWith(folder) && f !== main).map((f) => relative(folder, f));
  process.stdout.write(`${JSON.stringify({ requireMs: required - start, activateMs: activated - required, cpuMs: cpu, alsoLoaded, unknown: [...standIn.unknown] })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
