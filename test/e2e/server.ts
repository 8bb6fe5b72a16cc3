// Where the e2e code-server lives and how global setup/teardown and the tests
// find each other (through environment variables set by global setup).
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** The editors scripts/code-server.sh installs (KAW_CODE_SERVER): VS Code 1.100 on Node 20, VS Code 1.139 on Node 24. */
export const EDITORS = ['floor', 'current'] as const;
export type EditorName = (typeof EDITORS)[number];

/** The editor of this run: KAW_CODE_SERVER, `current` when unset. */
export function editorName(): EditorName {
  const value = process.env.KAW_CODE_SERVER ?? 'current';
  if (!(EDITORS as readonly string[]).includes(value)) {
    throw new Error(`KAW_CODE_SERVER=${value} is not an editor: use current (VS Code 1.139, Node 24) or floor (VS Code 1.100, Node 20)`);
  }
  return value as EditorName;
}

/** The editor whose run writes the README's screenshots (media/screenshots). */
export const README_SCREENSHOT_EDITOR: EditorName = 'current';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const e2eDir = path.join(repoRoot, 'test', 'e2e');
/** Screenshots and logs of this run, one folder per editor (two runs do not overwrite each other's). */
export const artifactsDir = path.join(e2eDir, 'artifacts', editorName());
export const workspaceDir = path.join(e2eDir, 'workspace');
export const settingsFile = path.join(e2eDir, 'settings.json');
export const script = path.join(repoRoot, 'scripts', 'code-server.sh');
export const defaultVsix = path.join(repoRoot, 'build', 'kafka-airflow-workbench.vsix');

/**
 * What global setup started, handed to the tests and to global teardown through
 * environment variables (not a file: two runs in one clone must not mix up their
 * servers). Global setup and teardown run in Playwright's main process, and the
 * test workers inherit its environment.
 */
export interface ServerState {
  url: string;
  port: number;
  profileDir: string;
}

export function saveState(state: ServerState): void {
  process.env.KAW_E2E_URL = state.url;
  process.env.KAW_E2E_SERVER_PORT = String(state.port);
  process.env.KAW_E2E_SERVER_PROFILE = state.profileDir;
}

export function loadState(): ServerState | undefined {
  const { KAW_E2E_URL: url, KAW_E2E_SERVER_PORT: port, KAW_E2E_SERVER_PROFILE: profileDir } = process.env;
  if (!url || !port || !profileDir) return undefined;
  return { url, port: Number(port), profileDir };
}

export function clearState(): void {
  delete process.env.KAW_E2E_URL;
  delete process.env.KAW_E2E_SERVER_PORT;
  delete process.env.KAW_E2E_SERVER_PROFILE;
}

/** URL of the running code-server (set by global setup). */
export function serverUrl(): string {
  const url = process.env.KAW_E2E_URL;
  if (!url) throw new Error('code-server is not running: run the tests through `npx playwright test`');
  return url;
}

/** Directory of pid files and logs of scripts/code-server.sh. */
export function runDir(): string {
  const cache = process.env.KAW_CACHE ?? path.join(os.homedir(), '.cache', 'kafka-airflow-workbench');
  return process.env.KAW_RUN_DIR ?? path.join(cache, 'run');
}

/** True when nothing listens on 127.0.0.1:port. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => { resolve(false); });
    srv.listen(port, '127.0.0.1', () => { srv.close(() => { resolve(true); }); });
  });
}

/** The first free port from `start` on (tries 50). */
export async function freePort(start: number): Promise<number> {
  for (let port = start; port < start + 50; port++) {
    if (await portIsFree(port)) return port;
  }
  throw new Error(`no free port in ${start}..${start + 49}`);
}

/** Run scripts/code-server.sh for this run's editor, with its output shown; throws when it fails. */
export function runScript(args: string[], timeoutMs: number): string {
  const res = spawnSync('bash', [script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, KAW_CODE_SERVER: editorName() },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: timeoutMs,
  });
  if (res.error) throw res.error;
  if (res.status !== 0) {
    throw new Error(`scripts/code-server.sh ${args.join(' ')} failed (exit ${res.status ?? res.signal})`);
  }
  return res.stdout.trim();
}
