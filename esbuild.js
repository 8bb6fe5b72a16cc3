// Builds the bundles of the extension: the extension host code (Node, CommonJS, `vscode`
// left external), the modules it loads on first use (each its own file beside it, see
// `lazyModules`, `kafkajsSpecifiers` and `lazyChunks`) and the webview code (browser, ESM).
// Type checking is not done here; it runs separately with `npm run typecheck` (tsc --noEmit for
// both halves).
//
//   node esbuild.js               development build with source maps
//   node esbuild.js --production  minified, no source maps (what the .vsix ships)
//   node esbuild.js --watch       rebuild on change (which modules the chunks of `lazyChunks` take
//                                 from the bundle is worked out at start: restart it after
//                                 changing what a chunk imports)
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

/**
 * Parts of the extension's own code that activation does not need: each is built as its own
 * file beside dist/extension.js and loaded on its first use. The source requires the entry with
 * `require()` inside a function (a top-level `import` would load it at activation again; the
 * build refuses it). Unlike `lazyModules`, a chunk holds only the modules dist/extension.js does
 * not: the modules it shares with the bundle (shared/errors with its error classes, the settings,
 * the Airflow client ...) it takes from the bundle, so there is one copy of each class and of each
 * module's state. Modules that two chunks share and the bundle does not are put in the bundle.
 */
const lazyChunks = [
  // The webview panels (src/panels/panelsChunk.ts, reached through src/panels/lazy.ts): loaded
  // when the first panel opens or a tab of one is restored.
  { entry: 'src/panels/panelsChunk.ts', out: 'panels' },
  // The Schema Registry client: used when a Schemas row expands or a schema'd message is read.
  { entry: 'src/schemas/registryClient.ts', out: 'registry' },
  // The Kafka client: KafkaService with its cluster reads, partition reader, producer and
  // codecs (fzstd, lz4js, snappyjs), made when a Kafka connection is first used.
  { entry: 'src/kafka/kafkaService.ts', out: 'kafka-client' },
  // The trace service and its history store, the Pipelines view's reader with the Spark
  // checkpoint parser and the trace through Spark: used when a trace or the Pipelines view loads.
  { entry: 'src/config/traceParts.ts', out: 'trace' },
  // The object store client (with aws4fetch) and the mail catcher client: used when the Stack
  // view's object store or mail rows load.
  { entry: 'src/objectstore/clients.ts', out: 'stack-clients' },
];

/** What a chunk's stand-in in a bundle does: load the chunk once, handing it the bundle's shared modules. */
function chunkStandIn(chunk, holder) {
  return `// ${chunk.entry}, loaded from ./${chunk.out}.js on first use (esbuild.js lazyChunks).
module.exports = ${holder}.chunk(${JSON.stringify(chunk.out)}, () => require(${JSON.stringify(`./${chunk.out}.js`)}));
`;
}

/** The module through which chunks reach dist/extension.js: its shared modules and the chunks already loaded. */
const HOLDER_SOURCE = `// The shared modules of dist/extension.js for its chunks (esbuild.js lazyChunks).
const loaded = {};
const holder = {
  modules: {},
  chunk(name, get) {
    if (!(name in loaded)) {
      const module = { exports: {} };
      get()(holder, module, module.exports);
      loaded[name] = module.exports;
    }
    return loaded[name];
  },
};
module.exports = holder;
`;

/**
 * kafkajs, ~280 KB, and the inner modules of it that src/kafka reads (kafkajsInternals.ts,
 * clusterReads.ts): one file, dist/kafkajs.js, loaded when the first Kafka client, request or
 * error class is used (the Kafka view's first listing, the Stack view's health check), not at
 * activation. Each specifier below gets an on-access stand-in in the bundle; a module that is a
 * function or class (kafkajs/src/cluster) gets one that can be called and constructed. The
 * build refuses a kafkajs specifier not listed here.
 */
const kafkajsSpecifiers = [
  'kafkajs',
  'kafkajs/src/cluster',
  'kafkajs/src/loggers',
  'kafkajs/src/network/socketFactory',
  'kafkajs/src/protocol/requests/produce/v3/response',
  'kafkajs/src/protocol/requests/produce/v7/response',
  'kafkajs/src/protocol/requests/metadata',
  'kafkajs/src/protocol/requests/fetch',
  'kafkajs/src/protocol/decoder',
  'kafkajs/src/protocol/messageSet/decoder',
  'kafkajs/src/protocol/error',
  'kafkajs/src/protocol/requests/listOffsets',
  'kafkajs/src/protocol/requests/offsetFetch',
  'kafkajs/src/protocol/requests/findCoordinator',
  'kafkajs/src/protocol/requests/describeGroups',
  'kafkajs/src/protocol/requests/listGroups',
  'kafkajs/src/protocol/requests/describeConfigs',
];

/** The stand-in of one kafkajs specifier: reads, calls and `new` reach the module in dist/kafkajs.js. */
function kafkajsStandIn(specifier) {
  const real = require(specifier);
  const load = `let loaded;
const load = () => (loaded ??= require("./kafkajs.js")[${JSON.stringify(specifier)}]);`;
  if (typeof real === 'function') {
    return `// ${specifier}, loaded from ./kafkajs.js on first use (esbuild.js kafkajsSpecifiers).
${load}
module.exports = new Proxy(function () {}, {
  get: (_, key) => load()[key],
  has: (_, key) => key in load(),
  apply: (_, self, args) => Reflect.apply(load(), self, args),
  construct: (_, args) => Reflect.construct(load(), args),
});
`;
  }
  return exportsStandIn(`${specifier}, loaded from ./kafkajs.js on first access (esbuild.js kafkajsSpecifiers).`, Object.keys(real), load);
}

/**
 * A module whose exports are `names`, each read from `load()` (the real module) on first access:
 * the stand-in of a module that is an object of exports (kafkajs specifiers and on-access chunks).
 */
function exportsStandIn(comment, names, load) {
  return `// ${comment}
const names = ${JSON.stringify(names)};
${load}
module.exports = new Proxy({}, {
  get: (_, key) => (key === '__esModule' ? undefined : load()[key]),
  has: (_, key) => key in load(),
  ownKeys: () => names,
  getOwnPropertyDescriptor: (_, key) =>
    names.includes(key) ? { configurable: true, enumerable: true, get: () => load()[key] } : undefined,
});
`;
}

/** Points the imports of kafkajs (and the inner modules listed) at their stand-ins. */
const loadKafkajsLazily = {
  name: 'load-kafkajs-lazily',
  setup(build) {
    build.onResolve({ filter: /^kafkajs(\/.*)?$/ }, (args) => {
      if (args.namespace === 'kafkajs-entry') return undefined;
      if (!kafkajsSpecifiers.includes(args.path)) {
        return { errors: [{ text: `${args.path} is not in esbuild.js kafkajsSpecifiers, the kafkajs modules loaded on first use from dist/kafkajs.js: add it there (imported by ${args.importer})` }] };
      }
      return { path: args.path, namespace: 'kafkajs-lazy' };
    });
    build.onLoad({ filter: /.*/, namespace: 'kafkajs-lazy' }, (args) => ({ contents: kafkajsStandIn(args.path), loader: 'js' }));
    build.onResolve({ filter: /^\.\/kafkajs\.js$/, namespace: 'kafkajs-lazy' }, (args) => ({ path: args.path, external: true }));
  },
};

/** dist/kafkajs.js: each listed specifier's module, by specifier. */
const kafkajsEntry = {
  name: 'kafkajs-entry',
  setup(build) {
    build.onResolve({ filter: /^kaw-kafkajs-entry$/ }, (args) => ({ path: args.path, namespace: 'kafkajs-entry' }));
    build.onLoad({ filter: /.*/, namespace: 'kafkajs-entry' }, () => ({
      contents: `module.exports = {\n${kafkajsSpecifiers.map((s) => `  ${JSON.stringify(s)}: require(${JSON.stringify(s)}),`).join('\n')}\n};\n`,
      loader: 'js',
      resolveDir: __dirname,
    }));
  },
};

/** The stand-in for an `on-access` module: its export names, each loading the real module when read. */
function onAccessStandIn(lazy) {
  const load = `let loaded;
const load = () => (loaded ??= require(${JSON.stringify(`./${lazy.out}.js`)}));`;
  return exportsStandIn(`${lazy.specifier}, loaded from ./${lazy.out}.js on first access (esbuild.js lazyModules).`, Object.keys(require(lazy.specifier)), load);
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

const chunkEntries = new Map(lazyChunks.map((c) => [path.resolve(__dirname, c.entry), c]));

/**
 * Points imports of a `lazyChunks` entry at its stand-in. In dist/extension.js (`shared` undefined)
 * the stand-in loads the chunk through the holder module; in a chunk (`shared` the set of
 * modules it takes from the bundle) it does the same through the holder the bundle handed it,
 * and every import of a shared module becomes a read of the bundle's copy.
 */
function loadChunksLazily(shared) {
  return {
    name: 'load-chunks-lazily',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.kawInner || args.namespace === 'lazy-module' || args.namespace === 'lazy-chunk') return undefined;
        if (args.kind === 'entry-point') {
          return args.path === 'kaw-extension-entry' ? { path: args.path, namespace: 'lazy-chunk' } : undefined;
        }
        const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { kawInner: true } });
        if (resolved.errors.length > 0 || resolved.external || !resolved.path) return undefined;
        const chunk = chunkEntries.get(resolved.path);
        if (chunk) {
          if (args.kind === 'import-statement') {
            return { errors: [{ text: `${chunk.entry} is loaded on first use (esbuild.js lazyChunks): require() it inside a function, or \`import type\` for its types (imported by ${args.importer})` }] };
          }
          return { path: chunk.out, namespace: 'lazy-chunk' };
        }
        const key = path.relative(__dirname, resolved.path).replaceAll(path.sep, '/');
        if (shared?.has(key) && !args.importer.includes(`${path.sep}node_modules${path.sep}`)) return { path: key, namespace: 'lazy-shared' };
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-chunk' }, (args) => {
        if (args.path === 'kaw-lazy-holder') return { contents: HOLDER_SOURCE, loader: 'js' };
        if (args.path === 'kaw-extension-entry') return { contents: extensionEntrySource(sharedByBundle), loader: 'js', resolveDir: __dirname };
        const chunk = lazyChunks.find((c) => c.out === args.path);
        return shared
          ? { contents: chunkStandIn(chunk, '__kawShared'), loader: 'js' }
          : { contents: `const holder = require('kaw-lazy-holder');\n${chunkStandIn(chunk, 'holder')}`, loader: 'js', resolveDir: __dirname };
      });
      build.onResolve({ filter: /^kaw-lazy-holder$/, namespace: 'lazy-chunk' }, () => ({ path: 'kaw-lazy-holder', namespace: 'lazy-chunk' }));
      build.onResolve({ filter: /^\.\/[\w-]+\.js$/, namespace: 'lazy-chunk' }, (args) => ({ path: args.path, external: true }));
      // `__kawShared` is the first parameter of the function a chunk file exports (see lazyChunkOptions' banner).
      build.onLoad({ filter: /.*/, namespace: 'lazy-shared' }, (args) => ({ contents: `module.exports = __kawShared.modules[${JSON.stringify(args.path)}];`, loader: 'js' }));
    },
  };
}

/**
 * The modules dist/extension.js hands to its chunks, by path, each read when a chunk first asks
 * (a `require()` in a getter: a module the bundle initializes late, such as src/kafka/oauthBearer.ts
 * that loads kafkajs, is not initialized at activation for it). ES modules come as their
 * namespace objects, CommonJS ones as their exports. Set by main() before the final build.
 */
let sharedByBundle = new Set();

/** The entry of dist/extension.js: src/extension.ts, and the shared modules given to the holder. */
function extensionEntrySource(shared) {
  return [
    `export * from './src/extension';`,
    `import holder from 'kaw-lazy-holder';`,
    ...[...shared].map((key) => `Object.defineProperty(holder.modules, ${JSON.stringify(key)}, { enumerable: true, get: () => require(${JSON.stringify(`./${key}`)}) });`),
    '',
  ].join('\n');
}

/** @type {import('esbuild').BuildOptions} */
const extensionOptions = {
  entryPoints: { extension: 'kaw-extension-entry' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outdir: 'dist',
  absWorkingDir: __dirname,
  external: ['vscode'],
  // Prefer a package's ESM build ("module") where it has one: jsonc-parser's "main" is a UMD
  // bundle whose inner require('./impl/…') calls esbuild cannot follow (activation would fail
  // with "Cannot find module './impl/format'"). Packages with "exports" are not affected.
  mainFields: ['module', 'main'],
  sourcemap: !production,
  sourcesContent: false,
  minify: production,
  logLevel: 'silent',
  plugins: [problemReporter, loadLazily, loadKafkajsLazily, loadChunksLazily(undefined)],
};

/** The chunks of `lazyChunks`, each a file whose export is a function of the bundle's holder, `module` and `exports`. */
function lazyChunkOptions(shared) {
  return {
    ...extensionOptions,
    entryPoints: Object.fromEntries(lazyChunks.map((c) => [c.out, c.entry])),
    banner: { js: '// Loaded on first use by dist/extension.js, which hands it its shared modules (esbuild.js lazyChunks).\nmodule.exports = function (__kawShared, module, exports) {' },
    footer: { js: '};' },
    plugins: [problemReporter, loadLazily, loadKafkajsLazily, loadChunksLazily(shared)],
  };
}

const isFile = (input) => !/^[\w-]+:/.test(input);

/**
 * Which modules the chunks take from dist/extension.js: every module a chunk reaches that the
 * bundle holds too, and every one that two chunks reach (the bundle then holds it). From one
 * trial build of each, not written.
 */
async function sharedModules() {
  sharedByBundle = new Set();
  const quiet = (o) => ({ ...o, write: false, metafile: true, plugins: o.plugins.filter((p) => p !== problemReporter) });
  const [bundle, chunks] = await Promise.all([esbuild.build(quiet(extensionOptions)), esbuild.build(quiet(lazyChunkOptions(new Set())))]);
  const inBundle = new Set(Object.keys(bundle.metafile.inputs).filter(isFile));
  const chunkOf = new Map();
  for (const [output, { inputs }] of Object.entries(chunks.metafile.outputs)) {
    for (const input of Object.keys(inputs).filter(isFile)) chunkOf.set(input, [...(chunkOf.get(input) ?? []), output]);
  }
  // Our own modules only. A library a chunk uses keeps its own copy there, tree-shaken to what the
  // chunk uses (handing over a library's namespace would keep all of it in the bundle: zod/mini
  // whole is 330 kB more); the libraries the chunks use hold no state that the bundle reads.
  const candidates = [...chunkOf.keys()].filter((input) => !input.includes('node_modules/'));
  const entries = new Set(lazyChunks.map((c) => c.entry));
  return new Set(candidates.filter((input) => !entries.has(input) && (inBundle.has(input) || (chunkOf.get(input)?.length ?? 0) >= 2)));
}

/** @type {import('esbuild').BuildOptions} */
const lazyModuleOptions = {
  ...extensionOptions,
  entryPoints: { ...Object.fromEntries(lazyModules.map((m) => [m.out, m.entry])), kafkajs: 'kaw-kafkajs-entry' },
  outfile: undefined,
  outdir: 'dist',
  plugins: [problemReporter, kafkajsEntry],
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
  // The chunks' shared modules first: the final bundle hands them over (see extensionEntrySource).
  const shared = await sharedModules();
  sharedByBundle = shared;
  const options = [extensionOptions, lazyChunkOptions(shared), lazyModuleOptions, ...(webviewOptions.entryPoints.length > 0 ? [webviewOptions] : [])];
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
      const names = ['extension', 'lazy-chunks', 'lazy-modules', 'webview'];
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
