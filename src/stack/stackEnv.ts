/**
 * The native stack's settings as `stack.sh env` prints them (`export KAW_S3_ENDPOINT=…` lines):
 * the object store's endpoint, bucket and credentials, the mail catcher's API. Read by running
 * the script (it only prints), parsed here. No vscode import.
 */
import { execFile } from 'node:child_process';
import { WorkbenchError } from '../shared/errors';

/** `export NAME=value` lines (value plain or quoted) → NAME → value. Pure; unit-tested. */
export function parseStackEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    let value = (match[2] ?? '').trim();
    if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) value = value.slice(1, -1);
    env[match[1] as string] = value;
  }
  return env;
}

/** Runs `bash stack.sh env` and parses it. */
export function readStackEnv(stackScript: string, timeoutMs = 15_000): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    execFile('bash', [stackScript, 'env'], { timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new WorkbenchError(`Could not read the stack's settings (${stackScript} env): ${stderr.trim().split('\n').pop() ?? error.message}. Launch the local stack first.`, { cause: error, actions: ['showLog'] }));
        return;
      }
      resolve(parseStackEnv(stdout));
    });
  });
}
