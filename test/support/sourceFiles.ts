/**
 * The TypeScript files of a folder of this repository, for the unit tests that read the code
 * itself (layering, command ids, the manifest): each with its path from the repository root
 * (forward slashes) and its text.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.join(__dirname, '../..');

export interface SourceFile {
  /** Relative to the repository root, with forward slashes. */
  path: string;
  text: string;
}

/** Every .ts file under `dir` (relative to the repository root); none when it does not exist. */
export function sourceFiles(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(REPO_ROOT, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.ts')) out.push({ path: child, text: readFileSync(path.join(REPO_ROOT, child), 'utf8') });
    }
  };
  if (existsSync(path.join(REPO_ROOT, dir))) walk(dir);
  return out;
}
