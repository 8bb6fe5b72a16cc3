/**
 * What an untrusted folder's own settings files say, read as data. In Restricted Mode VS
 * Code hides the folder's values of restricted settings from the configuration API
 * altogether, so the views could not say which connections they are not using. This reads
 * `.vscode/settings.json` of each workspace folder (and the settings of a .code-workspace
 * file) through the editor's file system, keeps the values of the extension's restricted
 * settings, and reloads when those files change. Nothing read here is ever used to connect.
 */
import { parse } from 'jsonc-parser/lib/esm/main.js';
import * as vscode from 'vscode';
import { describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { SECTION } from './settings.keys';

const values = new Map<string, unknown>();

/** The folder's own value of `kafkaAirflow.<key>`, as last read (undefined when none). */
export function folderSettingValue(key: string): unknown {
  return values.get(`${SECTION}.${key}`);
}

function settingsOf(text: string, workspaceFile: boolean): Record<string, unknown> {
  const parsed: unknown = parse(text, [], { allowTrailingComma: true });
  if (typeof parsed !== 'object' || parsed === null) return {};
  const record = parsed as Record<string, unknown>;
  const inner = workspaceFile ? record['settings'] : record;
  return typeof inner === 'object' && inner !== null ? inner as Record<string, unknown> : {};
}

async function readIfThere(uri: vscode.Uri, log: Logger): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch (error) {
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return undefined;
    log.warn(`Could not read ${uri.toString()} to show its connections: ${describeError(error)}`);
    return undefined;
  }
}

async function reload(log: Logger): Promise<void> {
  const found = new Map<string, unknown>();
  const take = (settings: Record<string, unknown>): void => {
    for (const [key, value] of Object.entries(settings)) if (key.startsWith(`${SECTION}.`)) found.set(key, value);
  };
  const workspaceFile = vscode.workspace.workspaceFile;
  if (workspaceFile && workspaceFile.scheme !== 'untitled') {
    const text = await readIfThere(workspaceFile, log);
    if (text !== undefined) take(settingsOf(text, true));
  }
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const text = await readIfThere(vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json'), log);
    if (text !== undefined) take(settingsOf(text, false));
  }
  values.clear();
  for (const [key, value] of found) values.set(key, value);
}

/**
 * Reads the folder's settings now and whenever a settings file of the folder changes;
 * `changed` is called after each read. Only in an untrusted folder (a trusted one's values
 * come through the configuration API).
 */
export function watchFolderSettings(log: Logger, changed: () => void): vscode.Disposable {
  if (vscode.workspace.isTrusted) return new vscode.Disposable(() => undefined);
  const run = (): void => {
    reload(log).then(changed, (error: unknown) => { log.warn(`Reading the folder's settings failed: ${describeError(error)}`); });
  };
  run();
  const watcher = vscode.workspace.createFileSystemWatcher('**/{.vscode/settings.json,*.code-workspace}');
  return vscode.Disposable.from(
    watcher,
    watcher.onDidChange(run),
    watcher.onDidCreate(run),
    watcher.onDidDelete(run),
    vscode.workspace.onDidChangeWorkspaceFolders(run),
    vscode.workspace.onDidGrantWorkspaceTrust(() => { values.clear(); changed(); }),
  );
}
