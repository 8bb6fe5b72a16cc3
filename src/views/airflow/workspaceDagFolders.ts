/**
 * The workspace's DAG folders on the local stack: keeps the stack's workspace DAG slots
 * pointing at the folders named by kafkaAirflow.stack.dagFolders (default `dags` of each
 * workspace folder, when it exists), so the running Airflows read them with no restart. Runs
 * again when the setting, the workspace folders or trust change, and on every poll (another
 * window, `stack.sh reset`). In Restricted Mode nothing of the workspace is linked (this
 * window's links are removed), and the DAGs view says that trusting the folder enables it.
 * Knows, for any file, whether and how the stack reads it (bundle, slot path), which is what
 * the local check, Test and the import-error mapping need.
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import * as vscode from 'vscode';
import type { DagFolderLink } from '../../airflow/importErrors';
import { settings } from '../../config/settings';
import { describeError } from '../../shared/errors';
import { taggedLogger, type Logger } from '../../shared/logger';
import {
  applySlotPlan, planSlots, readSlots, readStackDagPaths, slotLinks, type Slot, type StackDagPaths,
} from '../../stack/workspaceDags';
import { Disposable } from '../../shared/disposable';

/** One folder of this window that the stack reads. */
export interface LinkedFolder {
  /** As the editor knows it (file URIs of the workspace are under this path). */
  folder: string;
  /** Its real path (what the slot points at). */
  realFolder: string;
  slot: number;
  bundleName: string;
  /** The slot's path: the folder as Airflow sees it. */
  slotPath: string;
}

/** How the stack reads one workspace file. */
export interface StackFile {
  linked: LinkedFolder;
  /** The file's path relative to its folder. */
  relativePath: string;
  /** The file as Airflow 3 sees it (under the slot). */
  serverPath: string;
}

/** How long what `stack.sh env` said is used before asking again. */
const PATHS_MAX_AGE_MS = 60_000;

function inside(file: string, folder: string): string | undefined {
  const rel = relative(folder, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : undefined;
}

export class WorkspaceDagFolders extends Disposable implements vscode.Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires after a sync changed what is linked or what the view should say. */
  readonly onDidChange = this.changed.event;
  private readonly log: Logger;
  private paths: StackDagPaths | undefined;
  private pathsError: string | undefined;
  /** When `stack.sh env` was last asked (it is asked again after a minute: the stack may have restarted). */
  private pathsReadAt = Number.NEGATIVE_INFINITY;
  private linked: LinkedFolder[] = [];
  private otherLinks: DagFolderLink[] = [];
  private problemList: string[] = [];
  private syncing: Promise<void> | undefined;
  private again = false;
  private lastSignature = '';
  /** Restricted Mode: whether the workspace has DAG folders that would be linked if trusted. */
  private restrictedFolders = false;

  constructor(private readonly stackScript: string, log: Logger) {
    super();
    this.log = taggedLogger(log, 'dag folders');
    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('kafkaAirflow.stack.dagFolders')) void this.sync();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => { void this.sync(); }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => { void this.sync(); }),
    );
  }

  /** The folders of this window the stack reads now. */
  get folders(): readonly LinkedFolder[] {
    return this.linked;
  }

  /** Why some folders are not linked (overlaps, no free slot, missing folders, no stack). */
  get problems(): readonly string[] {
    return this.problemList;
  }

  /** The stack's paths, once known (the local check and Test need its venv). */
  get stackPaths(): StackDagPaths | undefined {
    return this.paths;
  }

  /** Links for mapping server paths to workspace files: this window's folders first, then other windows'. */
  links(): DagFolderLink[] {
    const mine = this.linked.map((l): DagFolderLink => ({
      folder: l.folder,
      serverPaths: [l.slotPath, ...(this.paths ? [join(this.paths.airflow2DagsDir, `workspace-${l.slot}`)] : []), ...(l.realFolder !== l.folder ? [l.realFolder] : [])],
      bundleName: l.bundleName,
    }));
    return [...mine, ...this.otherLinks];
  }

  /** How the stack reads `file`, when it is in one of this window's linked folders. */
  stackFile(file: string): StackFile | undefined {
    for (const linked of this.linked) {
      const rel = inside(file, linked.folder);
      if (rel !== undefined) return { linked, relativePath: rel, serverPath: join(linked.slotPath, rel) };
    }
    return undefined;
  }

  /** The message the DAGs view shows above its rows, or undefined for none. */
  viewMessage(): string | undefined {
    if (!vscode.workspace.isTrusted) {
      if (!this.restrictedFolders) return undefined;
      return 'Restricted Mode: the workspace\'s DAG folders are not linked to the local stack, checked, tested or run. Trust the folder to enable it.';
    }
    if (this.linked.length > 0 && this.paths && !this.paths.airflow3ReadsSlots) {
      return 'The running Airflow 3 was started before it read workspace DAG folders: stop and launch the stack once to have it read them.';
    }
    return this.problemList[0];
  }

  /** Brings the slots in line with the settings (one sync at a time; a request during one runs again after it). */
  sync(): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      try {
        do {
          this.again = false;
          await this.syncOnce();
        } while (this.askedAgain());
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  /** Whether a sync was asked for while one ran (it runs once more). */
  private askedAgain(): boolean {
    return this.again;
  }

  private async wantedFolders(problems: string[]): Promise<{ folder: string; realFolder: string }[]> {
    const wanted: { folder: string; realFolder: string }[] = [];
    for (const workspaceFolder of vscode.workspace.workspaceFolders ?? []) {
      if (workspaceFolder.uri.scheme !== 'file') continue;
      const root = workspaceFolder.uri.fsPath;
      const { folders, explicit } = settings.stackDagFolders(workspaceFolder.uri);
      for (const entry of folders) {
        const folder = resolve(root, entry);
        try {
          if (!(await stat(folder)).isDirectory()) throw new Error('not a folder');
          wanted.push({ folder, realFolder: await realpath(folder) });
        } catch {
          if (explicit) problems.push(`${folder} (kafkaAirflow.stack.dagFolders of ${workspaceFolder.name}) is not a folder: create it or fix the setting.`);
        }
      }
    }
    return wanted;
  }

  private async syncOnce(): Promise<void> {
    const problems: string[] = [];
    const trusted = vscode.workspace.isTrusted;
    const wanted = trusted ? await this.wantedFolders(problems) : [];
    // In Restricted Mode nothing is linked; the view still says what trusting would enable.
    this.restrictedFolders = !trusted && (await this.wantedFolders([])).length > 0;
    if (Date.now() - this.pathsReadAt > PATHS_MAX_AGE_MS) {
      this.pathsReadAt = Date.now();
      try {
        this.paths = await readStackDagPaths(this.stackScript, AbortSignal.timeout(20_000));
        this.pathsError = undefined;
      } catch (error) {
        const message = describeError(error);
        if (message !== this.pathsError) this.log.warn(`The stack's workspace DAG slots are unknown, so no folder is linked: ${message}`);
        this.pathsError = message;
      }
    }
    const paths = this.paths;
    if (!paths) {
      if (wanted.length > 0) problems.push('The workspace\'s DAG folders are not linked: the stack script did not say where its slots are (see the log).');
      this.publish([], [], problems);
      return;
    }
    const roots = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => r)));
    const owned = (target: string): boolean => [...roots, ...realRoots].some((root) => target === root || target.startsWith(root.endsWith(sep) ? root : root + sep));
    let slots: Slot[];
    try {
      slots = await readSlots(paths);
      const plan = planSlots(slots, wanted.map((w) => w.realFolder), owned);
      problems.push(...plan.problems);
      if (plan.link.length > 0 || plan.unlink.length > 0) {
        await applySlotPlan(paths, plan);
        for (const { index, target } of plan.link) this.log.info(`Workspace DAG slot ${index} → ${target} (Airflow 3 bundle workspace-${index})`);
        for (const index of plan.unlink) this.log.info(`Workspace DAG slot ${index} freed`);
        slots = await readSlots(paths);
      }
    } catch (error) {
      problems.push(`The workspace's DAG folders could not be linked: ${describeError(error)}`);
      this.publish([], [], problems);
      return;
    }
    const linked: LinkedFolder[] = [];
    for (const w of wanted) {
      const slot = slots.find((s) => s.target === w.realFolder && s.targetExists);
      if (slot) linked.push({ folder: w.folder, realFolder: w.realFolder, slot: slot.index, bundleName: `workspace-${slot.index}`, slotPath: slot.path });
    }
    const others = slotLinks(paths, slots.filter((s) => !linked.some((l) => l.slot === s.index)));
    this.publish(linked, others, problems);
  }

  private publish(linked: LinkedFolder[], others: DagFolderLink[], problems: string[]): void {
    const signature = JSON.stringify([linked, others, problems, vscode.workspace.isTrusted, this.restrictedFolders, this.paths?.airflow3ReadsSlots]);
    this.linked = linked;
    this.otherLinks = others;
    this.problemList = problems;
    if (signature === this.lastSignature) return;
    this.lastSignature = signature;
    for (const problem of problems) this.log.warn(problem);
    this.changed.fire();
  }
}
