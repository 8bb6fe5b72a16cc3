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
 * Heavy modules that activation does not need, so it does not parse or run them. Each is built
 * as its own CommonJS file beside dist/extension.js (`out`) and loaded from there on first use
 * (esbuild cannot split a CommonJS bundle, hence one entry each). Under tsx (tests,
 * benchmarks) the source's imports reach the modules themselves. Two ways to ask for one:
 * - `on-call`: the source requires it with `require()` or `import()` inside a function; a
 *   top-level `import` would load it at activation again, so the build refuses it.
 * - `on-access`: the source imports it as usual; the bundle holds a stand-in object with the
 *   module's export names whose members load the file when first read (`pg.Pool` in a
 *   function body loads pg when that function first runs). Its export names are read here.
 */
const lazyModules = [
  // @faker-js/faker, ~430 KB: test data and template placeholders (src/kafka/testData.ts).
  { specifier: './fakerBundle', entry: 'src/kafka/fakerBundle.ts', out: 'faker', kind: 'on-call' },
  // zstd as WebAssembly, ~240 KB, for Node 20 without zstd in node:zlib (src/kafka/compression.ts).
  { specifier: '@hpcc-js/wasm-zstd', entry: require.resolve('@hpcc-js/wasm-zstd'), out: 'zstd', kind: 'on-call' },
  // avsc + protobufjs + ajv, ~350 KB: the serdes of schema'd messages (src/schemas/serdesBundle.ts),
  // loaded when the first key or value in the Confluent wire format, or a subject, is met.
  { specifier: './serdesBundle', entry: 'src/schemas/serdesBundle.ts', out: 'serdes', kind: 'on-call' },
  // node-postgres, ~75 KB with its parts; loading it also builds a fetch Response (its
  // Cloudflare check), which loads Node's undici: most of activation's time before this.
  // Only Message History, trace and the stack's health check talk to PostgreSQL.
  { specifier: 'pg', entry: require.resolve('pg'), out: 'pg', kind: 'on-access' },
  // hyparquet, ~120 KB: the Parquet reader of the object preview (src/objectstore/preview.ts),
  // used only when a Parquet object is previewed. An ES module: its entry is given by path.
  { specifier: 'hyparquet', entry: path.join(__dirname, 'node_modules', 'hyparquet', 'src', 'index.js'), out: 'hyparquet', kind: 'on-call' },
];

/** The stand-in for an `on-access` module: its export names, each loading the real module when read. */
function onAccessStandIn(lazy) {
  const names = Object.keys(require(lazy.specifier));
  return `// ${lazy.specifier}, loaded from ./${lazy.out}.js on first access (esbuild.js lazyModules).
const names = ${JSON.stringify(names)};
let loaded;
const load = () => (loaded ??= require(${JSON.stringify(`./${lazy.out}.js`)}));
module.exports = new Proxy({}, {
  get: (_, key) => (key === '__esModule' ? undefined : load()[key]),
  has: (_, key) => key in load(),
  ownKeys: () => names,
  getOwnPropertyDescriptor: (_, key) =>
    names.includes(key) ? { configurable: true, enumerable: true, get: () => load()[key] } : undefined,
});
`;
}

/** Points the extension bundle's imports of a `lazyModules` entry at its own file. */
const loadLazily = {
  name: 'load-lazily',
  setup(build) {
    const bySpecifier = new Map(lazyModules.map((m) => [m.specifier, m]));
    const filter = new RegExp(`^(${lazyModules.map((m) => m.specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => {
      const lazy = bySpecifier.get(args.path);
      if (lazy.kind === 'on-call' && args.kind === 'import-statement') {
        return { errors: [{ text: `${args.path} is loaded on first use (esbuild.js lazyModules): import it with require() or import() inside a function, or \`import type\` for its types (imported by ${args.importer})` }] };
      }
      // A small CommonJS module in the bundle that requires the separate file when first used;
      // esbuild turns both require() and import() of it into a call of that module's wrapper.
      return { path: lazy.specifier, namespace: 'lazy-module' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-module' }, (args) => {
      const lazy = bySpecifier.get(args.path);
      return {
        contents: lazy.kind === 'on-access' ? onAccessStandIn(lazy) : `module.exports = require(${JSON.stringify(`./${lazy.out}.js`)});`,
        loader: 'js',
        resolveDir: __dirname,
      };
    });
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
