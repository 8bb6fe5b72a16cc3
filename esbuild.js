// Builds the bundles of the extension: the extension host code (Node, CommonJS, `vscode`
// left external), the modules it loads on first use (each its own file beside it, see
// `lazyModules`) and the webview code (browser, ESM). Type checking is not done here; it
// runs separately with `npm run typecheck` (tsc --noEmit for both halves).
//
//   node esbuild.js               development build with source maps
//   node esbuild.js --production  minified, no source maps (what the .vsix ships)
//   node esbuild.js --watch       rebuild on change
//   node esbuild.js --metafile    also writes build/esbuild-meta/*.json for `esbuild --analyze`
//                                 or https://esbuild.github.io/analyze/
'use strict';

const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const writeMetafile = process.argv.includes('--metafile');

/** Prints build problems in the `file:line:col: error: text` form the editor's problem matcher reads. */
const problemReporter = {
  name: 'problem-reporter',
  setup(build) {
    build.onStart(() => console.log(`[esbuild] ${build.initialOptions.outfile ?? build.initialOptions.outdir}: build started`));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log(`[esbuild] build finished with ${result.errors.length} error(s)`);
    });
  },
};

/** Copies the codicon font and stylesheet next to the webview bundle so panels load them from the extension's own folder. */
const copyCodicons = {
  name: 'copy-codicons',
  setup(build) {
    build.onEnd(() => {
      const from = path.join(__dirname, 'node_modules', '@vscode', 'codicons', 'dist');
      const to = path.join(__dirname, 'dist', 'webview');
      if (!fs.existsSync(from)) return;
      fs.mkdirSync(to, { recursive: true });
      for (const file of ['codicon.css', 'codicon.ttf']) {
        fs.copyFileSync(path.join(from, file), path.join(to, file));
      }
    });
  },
};

/**
 * Heavy modules that only some commands need, so activation does not parse them. Each is
 * built as its own CommonJS file beside dist/extension.js (`out`), and the extension bundle
 * loads that file where the source asks for `specifier` with a `require()` or `import()`
 * inside a function; under tsx (tests, benchmarks) the same call reaches the module itself.
 * esbuild cannot split a CommonJS bundle, hence one entry each. A top-level `import` of one
 * of them would load it at activation again, so the build refuses it.
 */
const lazyModules = [
  // @faker-js/faker, ~430 KB: test data and template placeholders (src/kafka/testData.ts).
  { specifier: './fakerBundle', entry: 'src/kafka/fakerBundle.ts', out: 'faker' },
  // zstd as WebAssembly, ~240 KB, for Node 20 without zstd in node:zlib (src/kafka/compression.ts).
  { specifier: '@hpcc-js/wasm-zstd', entry: require.resolve('@hpcc-js/wasm-zstd'), out: 'zstd' },
];

/** Points the extension bundle's lazy `require()`/`import()` of a `lazyModules` entry at its own file. */
const loadLazily = {
  name: 'load-lazily',
  setup(build) {
    const bySpecifier = new Map(lazyModules.map((m) => [m.specifier, m]));
    const filter = new RegExp(`^(${lazyModules.map((m) => m.specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => {
      const lazy = bySpecifier.get(args.path);
      if (args.kind === 'import-statement') {
        return { errors: [{ text: `${args.path} is loaded on first use (esbuild.js lazyModules): import it with require() or import() inside a function, or \`import type\` for its types (imported by ${args.importer})` }] };
      }
      // A small CommonJS module in the bundle that requires the separate file when first used;
      // esbuild turns both require() and import() of it into a call of that module's wrapper.
      return { path: lazy.out, namespace: 'lazy-module' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-module' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`./${args.path}.js`)});`,
      loader: 'js',
      resolveDir: __dirname,
    }));
    build.onResolve({ filter: /^\.\/[\w-]+\.js$/, namespace: 'lazy-module' }, (args) => ({ path: args.path, external: true }));
  },
};

/** @type {import('esbuild').BuildOptions} */
const extensionOptions = {
  entryPoints: ['src/extension.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: 'dist/extension.js',
  external: ['vscode'],
  // Prefer a package's ESM build ("module") where it has one: jsonc-parser's "main" is a UMD
  // bundle whose inner require('./impl/…') calls esbuild cannot follow (activation would fail
  // with "Cannot find module './impl/format'"). Packages with "exports" are not affected.
  mainFields: ['module', 'main'],
  sourcemap: !production,
  sourcesContent: false,
  minify: production,
  logLevel: 'silent',
  plugins: [problemReporter, loadLazily],
};

/** @type {import('esbuild').BuildOptions} */
const lazyModuleOptions = {
  ...extensionOptions,
  entryPoints: Object.fromEntries(lazyModules.map((m) => [m.out, m.entry])),
  outfile: undefined,
  outdir: 'dist',
  plugins: [problemReporter],
};

/** @type {import('esbuild').BuildOptions} */
const webviewOptions = {
  // Every top-level file in webview/src is the entry of one panel; shared code lives in webview/src/lib.
  entryPoints: fs
    .readdirSync(path.join(__dirname, 'webview', 'src'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join('webview', 'src', f)),
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  outdir: 'dist/webview',
  sourcemap: production ? false : 'inline',
  minify: production,
  logLevel: 'silent',
  plugins: [problemReporter, copyCodicons],
};

/** Deletes the source maps a development build left in dist/, so a production build holds none. */
function removeSourceMaps(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) removeSourceMaps(file);
    else if (entry.name.endsWith('.map')) fs.rmSync(file);
  }
}

async function main() {
  if (production) removeSourceMaps(path.join(__dirname, 'dist'));
  const options = [extensionOptions, lazyModuleOptions, ...(webviewOptions.entryPoints.length > 0 ? [webviewOptions] : [])];
  if (writeMetafile) for (const o of options) o.metafile = true;
  const contexts = await Promise.all(options.map((o) => esbuild.context(o)));
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
    return;
  }
  try {
    const results = await Promise.all(contexts.map((ctx) => ctx.rebuild()));
    if (writeMetafile) {
      const dir = path.join(__dirname, 'build', 'esbuild-meta');
      fs.mkdirSync(dir, { recursive: true });
      const names = ['extension', 'lazy-modules', 'webview'];
      results.forEach((result, i) => fs.writeFileSync(path.join(dir, `${names[i]}.json`), JSON.stringify(result.metafile)));
      console.log(`[esbuild] metafiles in ${path.relative(process.cwd(), dir)}/`);
    }
  } finally {
    await Promise.all(contexts.map((ctx) => ctx.dispose()));
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
