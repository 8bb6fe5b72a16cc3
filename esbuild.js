// Builds the two bundles of the extension: the extension host code (Node, CommonJS,
// `vscode` left external) and the webview code (browser, ESM). Type checking is not done
// here; it runs separately with `npm run typecheck` (tsc --noEmit for both halves).
//
//   node esbuild.js               development build with source maps
//   node esbuild.js --production  minified, no source maps (what the .vsix ships)
//   node esbuild.js --watch       rebuild on change
'use strict';

const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

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

async function main() {
  const options = webviewOptions.entryPoints.length > 0 ? [extensionOptions, webviewOptions] : [extensionOptions];
  const contexts = await Promise.all(options.map((o) => esbuild.context(o)));
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
    return;
  }
  try {
    await Promise.all(contexts.map((ctx) => ctx.rebuild()));
  } finally {
    await Promise.all(contexts.map((ctx) => ctx.dispose()));
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
