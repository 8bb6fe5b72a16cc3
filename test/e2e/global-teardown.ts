// Stops the code-server of global setup and keeps its logs in test/e2e/artifacts/logs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { artifactsDir, clearState, loadState, runDir, runScript } from './server';

export default function globalTeardown(): void {
  const state = loadState();
  if (!state) return;
  try {
    runScript(['stop', '--port', String(state.port)], 60_000);
  } finally {
    const logs = path.join(artifactsDir, 'logs');
    fs.rmSync(logs, { recursive: true, force: true });
    fs.mkdirSync(logs, { recursive: true });
    const serverLog = path.join(runDir(), `code-server-${state.port}.log`);
    if (fs.existsSync(serverLog)) fs.copyFileSync(serverLog, path.join(logs, 'code-server.log'));
    // VS Code's own logs (extension host, window...) from the profile.
    const vscodeLogs = path.join(state.profileDir, 'data', 'logs');
    if (fs.existsSync(vscodeLogs)) fs.cpSync(vscodeLogs, path.join(logs, 'vscode'), { recursive: true });
    if (!process.env.KAW_E2E_KEEP_PROFILE) fs.rmSync(state.profileDir, { recursive: true, force: true });
    clearState();
  }
}
