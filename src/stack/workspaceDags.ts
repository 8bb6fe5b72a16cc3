/**
 * The stack's workspace DAG slots: $KAW_WORKSPACE_DAGS/1..N are symlinks the editor points at
 * workspace folders (kafkaAirflow.stack.dagFolders). Airflow 3 reads slot N as the bundle
 * workspace-N and Airflow 2 through $KAW_STATE/airflow2-dags/workspace-N, both configured once
 * when the stack starts, so linking a folder needs no restart. Every window on the machine
 * shares the slots: a window changes only slots that are free, dangling, or point into its own
 * workspace, and never links a folder that overlaps another slot's (Airflow would read its
 * files twice; Airflow 2 refuses a folder it meets twice). No vscode import.
 */
import { lstat, mkdir, readlink, rename, stat, symlink, unlink } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { WorkbenchError } from '../shared/errors';
import type { DagFolderLink } from '../airflow/importErrors';
import { runCommand } from './launcher';

/** Where the native stack keeps the slots and its Airflow venvs (`stack.sh env`). */
export interface StackDagPaths {
  /** The stack script (stack/native/stack.sh of the extension). */
  stackScript: string;
  /** $KAW_WORKSPACE_DAGS: slot N is `<this>/N`. */
  workspaceDags: string;
  slotCount: number;
  /** Airflow 2's DAG folder, with its links `workspace-N` to the slots. */
  airflow2DagsDir: string;
  /** Whether the running Airflow 3 was started with the slots as bundles (an older stack was not). */
  airflow3ReadsSlots: boolean;
  airflow3Venv: string;
}

/** The `export NAME=value` lines of `stack.sh env` as a map. */
export function parseStackEnv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined) values.set(match[1], match[2] ?? '');
  }
  return values;
}

/** The slot paths from `stack.sh env` output; a WorkbenchError naming what is missing otherwise. */
export function stackDagPathsFrom(stackScript: string, env: Map<string, string>): StackDagPaths {
  const need = (name: string): string => {
    const value = env.get(name);
    if (value === undefined || value === '') {
      throw new WorkbenchError(`\`${stackScript} env\` did not print ${name}: the stack scripts are older than the extension. Reinstall the extension.`);
    }
    return value;
  };
  const slotCount = Number(need('KAW_WORKSPACE_DAG_SLOTS'));
  return {
    stackScript,
    workspaceDags: need('KAW_WORKSPACE_DAGS'),
    slotCount: Number.isInteger(slotCount) && slotCount > 0 ? slotCount : 0,
    airflow2DagsDir: need('KAW_AIRFLOW2_DAGS_DIR'),
    airflow3ReadsSlots: env.get('KAW_AIRFLOW3_READS_WORKSPACE_DAGS') === '1',
    airflow3Venv: need('KAW_AIRFLOW3_VENV'),
  };
}

/** Asks the stack script where its slots are (about 0.3 s: it is bash sourcing its libraries). */
export async function readStackDagPaths(stackScript: string, signal?: AbortSignal): Promise<StackDagPaths> {
  const result = await runCommand({ command: 'bash', args: [stackScript, 'env'], cwd: resolve(stackScript, '..') }, () => undefined, signal);
  if (result.code !== 0) {
    throw new WorkbenchError(`\`bash ${stackScript} env\` failed (exit ${String(result.code)}): ${result.output.split('\n').filter((l) => l.trim() !== '').slice(-3).join(' ')}`);
  }
  return stackDagPathsFrom(stackScript, parseStackEnv(result.output));
}

export interface Slot {
  index: number;
  /** `$KAW_WORKSPACE_DAGS/<index>`. */
  path: string;
  /** Where the symlink points (absolute); undefined for a free slot. */
  target: string | undefined;
  /** False for a dangling link (its folder was deleted or renamed). */
  targetExists: boolean;
  /** Something other than a symlink sits there (made by hand): never touched. */
  foreign: boolean;
}

/** Whether `path` (followed through symlinks) is a directory. */
async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** The slots as they are on disk now. */
export async function readSlots(paths: Pick<StackDagPaths, 'workspaceDags' | 'slotCount'>): Promise<Slot[]> {
  const slots: Slot[] = [];
  for (let index = 1; index <= paths.slotCount; index++) {
    const path = join(paths.workspaceDags, String(index));
    let target: string | undefined;
    let foreign = false;
    try {
      const info = await lstat(path);
      if (info.isSymbolicLink()) target = resolve(paths.workspaceDags, await readlink(path));
      else foreign = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const targetExists = target !== undefined && (await isDirectory(path));
    slots.push({ index, path, target, targetExists, foreign });
  }
  return slots;
}

/** The folder links for mapping server paths (src/airflow/importErrors.ts): one per linked slot. */
export function slotLinks(paths: Pick<StackDagPaths, 'airflow2DagsDir'>, slots: readonly Slot[]): DagFolderLink[] {
  return slots.flatMap((slot) => slot.target === undefined || !slot.targetExists ? [] : [{
    folder: slot.target,
    serverPaths: [slot.path, join(paths.airflow2DagsDir, `workspace-${slot.index}`)],
    bundleName: `workspace-${slot.index}`,
  }]);
}

export interface SlotPlan {
  /** Slots to point at a folder (new or moved). */
  link: { index: number; target: string }[];
  /** Slots to free. */
  unlink: number[];
  /** Folders that were not linked, and why, in sentences a user can act on. */
  problems: string[];
  /** Each wanted folder's slot after the plan. */
  slotOf: Map<string, number>;
}

function isInside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

/**
 * What to change so that exactly the `wanted` folders of this window are linked: wanted
 * folders already in a slot stay; slots of this window (`owned`) that are no longer wanted,
 * and dangling slots, are freed; the rest get free slots in order. A folder inside or around
 * another slot's folder is refused, as is one more than there are slots.
 */
export function planSlots(slots: readonly Slot[], wanted: readonly string[], owned: (target: string) => boolean): SlotPlan {
  const plan: SlotPlan = { link: [], unlink: [], problems: [], slotOf: new Map() };
  const unique = [...new Set(wanted)];
  const taken = new Map<number, string>(); // slots that stay linked after the plan
  const free: number[] = [];
  for (const slot of slots) {
    if (slot.foreign) continue;
    if (slot.target === undefined) free.push(slot.index);
    else if (!slot.targetExists || (owned(slot.target) && !unique.includes(slot.target))) {
      plan.unlink.push(slot.index);
      free.push(slot.index);
    } else {
      taken.set(slot.index, slot.target);
      if (unique.includes(slot.target)) plan.slotOf.set(slot.target, slot.index);
    }
  }
  for (const folder of unique) {
    if (plan.slotOf.has(folder)) continue;
    const overlap = [...taken.entries()].find(([, target]) => isInside(folder, target) || isInside(target, folder));
    if (overlap) {
      const [index, target] = overlap;
      plan.problems.push(isInside(folder, target)
        ? `${folder} is inside ${target}, which workspace DAG slot ${index} already links: Airflow reads it from there. Remove one of the two from kafkaAirflow.stack.dagFolders.`
        : `${folder} contains ${target}, which workspace DAG slot ${index} already links: Airflow would read those files twice. Remove one of the two from kafkaAirflow.stack.dagFolders.`);
      continue;
    }
    const index = free.shift();
    if (index === undefined) {
      const inUse = [...taken.entries()].map(([i, target]) => `${i}: ${target}`).join('; ');
      plan.problems.push(`${folder} is not linked: all ${slots.length} workspace DAG slots of the stack are in use (${inUse}). Remove a folder from kafkaAirflow.stack.dagFolders here or in the window that linked it.`);
      continue;
    }
    plan.unlink = plan.unlink.filter((i) => i !== index);
    plan.link.push({ index, target: folder });
    plan.slotOf.set(folder, index);
    taken.set(index, folder);
  }
  return plan;
}

/** Carries out a plan: each link replaced atomically (a new symlink renamed over the old one). */
export async function applySlotPlan(paths: Pick<StackDagPaths, 'workspaceDags'>, plan: SlotPlan): Promise<void> {
  await mkdir(paths.workspaceDags, { recursive: true });
  for (const index of plan.unlink) {
    const path = join(paths.workspaceDags, String(index));
    try {
      if ((await lstat(path)).isSymbolicLink()) await unlink(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  for (const { index, target } of plan.link) {
    const path = join(paths.workspaceDags, String(index));
    const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
    await symlink(target, temporary, 'dir');
    try {
      await rename(temporary, path);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw new WorkbenchError(`Could not link workspace DAG slot ${index} (${path}) to ${target}: ${(error as Error).message}`, { cause: error });
    }
  }
}
