// Starts code-server with the extension's .vsix installed, before all e2e tests.
// It builds nothing: KAW_VSIX (default build/kafka-airflow-workbench.vsix) must exist.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  artifactsDir, clearState, defaultVsix, editorName, freePort, portIsFree, repoRoot, runScript,
  saveState, settingsFile, workspaceDir,
} from './server';

const INSTALL_TIMEOUT_MS = 20 * 60_000; // a cold code-server install on 2 cores

/** Removes the output folders (named by the pid of their Playwright process) of runs that have ended. */
function removeEndedRuns(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (error) {
      alive = (error as NodeJS.ErrnoException).code === 'EPERM'; // ESRCH: no such process
    }
    if (!alive) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

export default async function globalSetup(): Promise<void> {
  const vsix = path.resolve(repoRoot, process.env.KAW_VSIX ?? defaultVsix);
  if (!fs.existsSync(vsix)) {
    throw new Error(`no extension package at ${vsix}: build it (npm run package) or set KAW_VSIX`);
  }
  // The editor of this run (KAW_CODE_SERVER), set for the workers and the scripts they run.
  const editor = editorName();
  process.env.KAW_CODE_SERVER = editor;
  fs.mkdirSync(artifactsDir, { recursive: true });
  removeEndedRuns(path.join(artifactsDir, 'test-results'));
  fs.mkdirSync(workspaceDir, { recursive: true });
  clearState();

  // The browser (Debian's chromium) and code-server itself, installed when missing.
  if (!process.env.KAW_CHROMIUM) runScript(['browser'], INSTALL_TIMEOUT_MS);
  runScript(['install'], INSTALL_TIMEOUT_MS);
  const [codeServer, vscode, node] = runScript(['version'], 60_000).split(' ');
  console.log(`[e2e] editor "${editor}": code-server ${codeServer ?? '?'} = VS Code ${vscode ?? '?'}, Node.js ${node ?? '?'}`);

  // KAW_E2E_PORT is taken as given (a code-server of ours there is replaced);
  // otherwise the first free port from 18080 on.
  const wanted = process.env.KAW_E2E_PORT ? Number(process.env.KAW_E2E_PORT) : undefined;
  if (wanted !== undefined && !(await portIsFree(wanted))) {
    console.warn(`[e2e] port ${wanted} is busy; code-server.sh replaces it if it is ours`);
  }
  const port = wanted ?? (await freePort(18080));
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaw-e2e-profile-'));

  const started = Date.now();
  const out = runScript(
    ['start', '--port', String(port), '--vsix', vsix, '--settings', settingsFile,
      '--workspace', workspaceDir, '--profile-dir', profileDir],
    INSTALL_TIMEOUT_MS,
  );
  const url = out.split('\n').pop() ?? `http://127.0.0.1:${port}/`;
  saveState({ url, port, profileDir });
  console.log(`[e2e] code-server ready at ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s (vsix ${vsix})`);
}
