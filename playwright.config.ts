// Playwright end-to-end tests of the extension in a real VS Code (code-server),
// driven in Debian's chromium. No browser is downloaded: see test/e2e/README.md.
// KAW_CODE_SERVER picks the editor: current (code-server 4.139.1 = VS Code 1.139, Node 24; the
// default) or floor (code-server 4.100.3 = VS Code 1.100, Node 20). `npm test` runs both.
import { defineConfig } from '@playwright/test';
import { editorName } from './test/e2e/server';

/** Debian's chromium; KAW_CHROMIUM overrides it. */
export const chromiumPath = process.env.KAW_CHROMIUM ?? '/usr/bin/chromium';

/** Each editor's results in their own files, so the runs of both in `npm test` keep theirs. */
const editor = editorName();
/**
 * This run's own folder for traces and failure screenshots: Playwright empties its output
 * folder when it starts, so two runs at once in one clone must not share one (global setup
 * removes the folders of runs that have ended). Set in the main process; workers inherit it.
 */
const runId = (process.env.KAW_E2E_RUN_ID ??= String(process.pid));

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: `test/e2e/artifacts/${editor}/test-results/${runId}`,
  globalSetup: './test/e2e/global-setup.ts',
  globalTeardown: './test/e2e/global-teardown.ts',
  // One code-server, one browser at a time: code-server on 2 cores is slow.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  timeout: 180_000,
  expect: { timeout: 60_000 },
  reporter: [
    ['list'],
    ['html', { outputFolder: `test/e2e/artifacts/${editor}/report`, open: 'never' }],
    // Read by scripts/summarize-tests.mjs for the one closing line of `npm test`.
    ['junit', { outputFile: `build/test-results/e2e-${editor}.xml` }],
  ],
  // All tests share one code-server and its profile, so what one test connects
  // stays for the next. foundation.spec.ts checks the pristine state (welcome
  // texts, nothing connected), so it runs first, as its own project; the other
  // spec files run after it (and are skipped if it fails: nothing else can work).
  projects: [
    { name: 'foundation', testMatch: 'foundation.spec.ts' },
    { name: 'features', testIgnore: 'foundation.spec.ts', dependencies: ['foundation'] },
  ],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1600, height: 1000 },
    actionTimeout: 60_000,
    navigationTimeout: 120_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
});
