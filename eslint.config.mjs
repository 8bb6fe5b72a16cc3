// Lint rules for the extension, the webview code and the tests: typescript-eslint's strict,
// type-aware presets plus the house rules (no default exports, type-only imports, no console
// in shipped code) and the layering (below).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The layering: arrows point down, extension.ts → commands → panels → views → config → core
// (src/kafka, airflow, history, stack, trace, shared, schemas). The core and the webviews never import
// vscode, so they run in node:test and in the browser; nothing imports a layer above its own.
// The table of command ids (src/shared/commandIds.ts) is in the core and imports nothing.
// test/unit/layering.test.ts checks the same on resolved paths.
const DAGRE = { name: '@dagrejs/dagre', message: 'Lay out the DAG graph in its webview (webview/src/lib/dagLayout.ts), never in the extension host.' };
const NO_VSCODE = { name: 'vscode', message: 'The core and the webviews never import vscode: take what is needed as an argument, or put this code in the vscode layer.' };
/** A pattern for relative imports of the named top folders of src/. */
function upward(folders, who) {
  return {
    regex: `^(\\.\\./)+(src/)?(${folders.map((f) => f).join('|')})(/|$)`,
    message: `${who} may not import ${folders.join(', ')}: arrows point down (extension → commands → panels → views → config → core). Move the shared part down instead.`,
  };
}
const layer = (files, paths, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { paths, patterns }] } });

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'test/e2e/artifacts/**', 'stack/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    languageOptions: { globals: globals.node },
    rules: {
      'no-console': 'error',
      // The DAG graph's layout library belongs to its webview bundle, loaded when that panel opens.
      'no-restricted-imports': ['error', { paths: [DAGRE] }],
    },
  },
  layer(['src/{kafka,airflow,history,stack,trace,pipelines,shared,schemas,objectstore}/**/*.ts'], [DAGRE, NO_VSCODE], [upward(['config', 'views', 'panels', 'commands', 'extension'], 'The core')]),
  layer(['src/config/**/*.ts'], [DAGRE], [upward(['views', 'panels', 'commands', 'extension'], 'src/config')]),
  layer(['src/views/**/*.ts'], [DAGRE], [upward(['panels', 'commands', 'extension'], 'src/views')]),
  layer(['src/panels/**/*.ts'], [DAGRE], [upward(['commands', 'extension'], 'src/panels')]),
  layer(['src/commands/**/*.ts'], [DAGRE], [upward(['extension'], 'src/commands')]),
  layer(['webview/**/*.ts'], [NO_VSCODE], [upward(['config', 'views', 'panels', 'commands', 'extension'], 'A webview')]),
  {
    files: ['webview/**/*.ts'],
    languageOptions: { globals: globals.browser },
    rules: { 'no-console': 'error' },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts', 'playwright.config.ts'],
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      'no-restricted-syntax': 'off',
    },
  },
);
