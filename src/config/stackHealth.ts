/**
 * The stack health the Stack view, the status bar and the stack commands share, made once in
 * src/extension.ts: which kind of stack to probe (the last launched, else Compose when a Docker
 * engine answers, else native) and its health monitor.
 */
import * as vscode from 'vscode';
import { probeStack, StackHealthMonitor } from '../stack/healthMonitor';
import { StackLauncher, type StackKind } from '../stack/launcher';

export interface StackHealthDeps {
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  /** The extension's global storage folder: the Compose .env with generated secrets lives there. */
  storageUri: vscode.Uri;
  /** Which kind of stack was launched last, if any. */
  lastKind: () => StackKind | undefined;
}

/** The launcher of the bundled stack (stack/ in the extension, the Compose .env in its storage). */
export function launcherFor(deps: Pick<StackHealthDeps, 'extensionUri' | 'storageUri' | 'log'>): StackLauncher {
  return new StackLauncher({
    stackDir: vscode.Uri.joinPath(deps.extensionUri, 'stack').fsPath,
    composeEnvFile: vscode.Uri.joinPath(deps.storageUri, 'compose.env').fsPath,
  }, deps.log);
}

/**
 * The stack health the Stack view and the status bar show: the last launched kind, else
 * Compose when a Docker engine answers (asked once per session), else the native stack.
 */
export class StackHealth implements vscode.Disposable {
  readonly monitor: StackHealthMonitor;
  private readonly launcher: StackLauncher;
  private detected: Promise<StackKind> | undefined;
  private knownKind: StackKind | undefined;

  constructor(private readonly deps: StackHealthDeps) {
    this.launcher = launcherFor(deps);
    this.monitor = new StackHealthMonitor(async () => probeStack(await this.kind(), this.launcher.stackPaths), deps.log);
  }

  async kind(): Promise<StackKind> {
    const last = this.deps.lastKind();
    if (last) return (this.knownKind = last);
    this.detected ??= this.launcher.dockerEngineAnswers().then((docker) => (docker ? 'compose' : 'native'), () => 'native' as const);
    return (this.knownKind = await this.detected);
  }

  /** "native stack" / "Compose stack" once known. */
  kindLabel(): string {
    const kind = this.deps.lastKind() ?? this.knownKind;
    return kind === 'compose' ? 'Compose stack' : kind === 'native' ? 'native stack' : 'local stack';
  }

  dispose(): void {
    this.monitor.dispose();
  }
}
