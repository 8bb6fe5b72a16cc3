/**
 * What the packaged extension weighs, against its targets: the .vsix size, the size of
 * dist/extension.js (what the editor parses at activation) and the modules that weigh most
 * in it (esbuild's metafile), and the time to require + activate() it, median of fresh
 * processes, beside an empty extension measured the same way in the same run.
 *
 * Activation runs outside the editor, with a STAND-IN for the `vscode` module
 * (bench/lib/vscodeStandIn.ts): it measures loading and wiring our code, not VS Code's own
 * work. The extension measured is the one inside the .vsix, extracted as the editor would.
 *
 *   npm run bench:bundle -- [--runs 21] [--vsix build/kafka-airflow-workbench.vsix] [--no-package]
 *
 * Without --no-package it first runs `npm run package`. Exits 1 when a target is missed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { ACTIVATION_MAX_MS, EXTENSION_BUNDLE_MAX_BYTES, MB, VSIX_MAX_BYTES, vsixPath } from '../test/package/budgets';
import { readVsix } from '../test/package/vsixFile';

const root = resolve(import.meta.dirname, '..');

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const mb = (bytes: number): string => `${(bytes / MB).toFixed(2)} MB`;
const kb = (bytes: number): string => `${(bytes / 1000).toFixed(0)} KB`;
const verdict = (ok: boolean): string => (ok ? 'within target' : 'OVER TARGET');

interface Probe {
  requireMs: number;
  activateMs: number;
  cpuMs: number;
  alsoLoaded: string[];
  unknown: string[];
}

/** The package of an input path in esbuild's metafile: `node_modules/@scope/name/x.js` → `@scope/name`, own code → `src/`. */
function owner(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return input.startsWith('src/') ? 'src/ (our code)' : input;
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? input);
}

/** The heaviest packages in dist/extension.js, from a fresh production build's metafile. */
function heaviestModules(): [string, number][] {
  execFileSync(process.execPath, ['esbuild.js', '--production', '--metafile'], { cwd: root, stdio: 'pipe' });
  const meta = JSON.parse(readFileSync(join(root, 'build', 'esbuild-meta', 'extension.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const output = meta.outputs['dist/extension.js'];
  if (!output) throw new Error('the metafile has no dist/extension.js');
  const byOwner = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) byOwner.set(owner(input), (byOwner.get(owner(input)) ?? 0) + bytesInOutput);
  return [...byOwner.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
}

async function main(): Promise<void> {
  const runs = Number(argument('runs', '21'));
  const path = resolve(argument('vsix', vsixPath(root)));
  if (!process.argv.includes('--no-package')) {
    console.log('Packaging (npm run package)…');
    execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: 'pipe' });
  }

  const vsix = readVsix(path);
  const entry = (name: string): number => vsix.entries.find((e) => e.name === `extension/${name}`)?.size ?? 0;
  const bundleBytes = entry('dist/extension.js');
  console.log(`\n${path}`);
  console.log(`  .vsix                 ${mb(vsix.bytes)} (${vsix.entries.length} files)   target < ${mb(VSIX_MAX_BYTES)}: ${verdict(vsix.bytes < VSIX_MAX_BYTES)}`);
  console.log(`  dist/extension.js     ${mb(bundleBytes)}   target < ${mb(EXTENSION_BUNDLE_MAX_BYTES)}: ${verdict(bundleBytes < EXTENSION_BUNDLE_MAX_BYTES)}`);
  for (const e of vsix.entries.filter((x) => /^extension\/dist\/[^/]+\.js$/.test(x.name) && !x.name.endsWith('/extension.js'))) {
    console.log(`  ${e.name.slice('extension/'.length).padEnd(21)} ${mb(e.size)}   loaded on first use`);
  }
  if (!process.argv.includes('--vsix')) {
    console.log('  heaviest in dist/extension.js (esbuild metafile, build/esbuild-meta/extension.json):');
    for (const [name, bytes] of heaviestModules()) console.log(`    ${name.padEnd(24)} ${kb(bytes)}`);
  }

  // The extension as installed (package.json and dist/ from the .vsix), an empty extension
  // built the same way, and the probe as plain CommonJS.
  const work = mkdtempSync(join(tmpdir(), 'kaw-bundle-weight-'));
  try {
    const installed = join(work, 'installed');
    for (const e of vsix.entries.filter((x) => x.name === 'extension/package.json' || x.name.startsWith('extension/dist/'))) {
      const file = join(installed, e.name.slice('extension/'.length));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, vsix.read(e.name));
    }
    const empty = join(work, 'empty');
    mkdirSync(join(empty, 'dist'), { recursive: true });
    writeFileSync(join(empty, 'package.json'), JSON.stringify({ name: 'empty', main: './dist/extension.js' }));
    const common: BuildOptions = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, external: ['vscode'], logLevel: 'error' };
    await build({ ...common, stdin: { contents: 'export function activate(_context) {}\nexport function deactivate() {}\n', loader: 'ts' }, outfile: join(empty, 'dist', 'extension.js') });
    const probe = join(work, 'probe.cjs');
    await build({ ...common, minify: false, entryPoints: [join(root, 'bench', 'lib', 'activationProbe.ts')], outfile: probe });

    const measure = (folder: string): Probe => JSON.parse(execFileSync(process.execPath, [probe, folder], { encoding: 'utf8' })) as Probe;
    const results: Record<'empty' | 'extension', Probe[]> = { empty: [], extension: [] };
    measure(empty);
    measure(installed); // warm the file cache once, not counted
    console.log(`\nActivation: require + activate() in ${runs} fresh processes each, alternating (vscode is a stand-in); medians:`);
    for (let i = 0; i < runs; i++) {
      results.empty.push(measure(empty));
      results.extension.push(measure(installed));
    }
    const summary = (probes: Probe[]): { require: number; activate: number; total: number; cpu: number } => ({
      require: median(probes.map((p) => p.requireMs)),
      activate: median(probes.map((p) => p.activateMs)),
      total: median(probes.map((p) => p.requireMs + p.activateMs)),
      cpu: median(probes.map((p) => p.cpuMs)),
    });
    const ext = summary(results.extension);
    const none = summary(results.empty);
    const row = (name: string, s: ReturnType<typeof summary>): string =>
      `  ${name.padEnd(18)} require ${s.require.toFixed(1).padStart(6)} ms   activate ${s.activate.toFixed(1).padStart(6)} ms   total ${s.total.toFixed(1).padStart(6)} ms   (CPU ${s.cpu.toFixed(1).padStart(6)} ms)`;
    console.log(row('empty extension', none));
    console.log(row('this extension', ext));
    console.log(`  difference         ${(ext.total - none.total).toFixed(1)} ms (${(ext.total / Math.max(none.total, 0.001)).toFixed(0)}× the empty extension); target total < ${ACTIVATION_MAX_MS} ms: ${verdict(ext.total < ACTIVATION_MAX_MS)}`);
    console.log(`  load average       ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores (wall-clock times grow on a busy machine; CPU times much less)`);
    const alsoLoaded = [...new Set(results.extension.flatMap((p) => p.alsoLoaded))];
    console.log(`  loaded at activation besides dist/extension.js: ${alsoLoaded.length > 0 ? `${alsoLoaded.join(', ')} (meant for first use)` : 'nothing'}`);
    const unknown = [...new Set(results.extension.flatMap((p) => p.unknown))];
    if (unknown.length > 0) console.log(`  note: activation used API members the stand-in does not model (answered with no-ops): ${unknown.join(', ')}`);

    const ok = vsix.bytes < VSIX_MAX_BYTES && bundleBytes < EXTENSION_BUNDLE_MAX_BYTES && ext.total < ACTIVATION_MAX_MS && alsoLoaded.length === 0;
    process.exitCode = ok ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
