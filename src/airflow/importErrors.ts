/**
 * Airflow import errors where the code is: a Python traceback (as Airflow stores it for a DAG
 * file that failed to load, or as the local check prints it) becomes the file, line and
 * message an editor diagnostic needs, and a path as the server sees it (an absolute `fileloc`,
 * a bundle-relative `filename`, a frame of a traceback) becomes a workspace file. Pure: the
 * vscode layer passes the folder links and the workspace's Python files in.
 */

/** One `File "…", line N, in …` entry of a traceback. */
export interface TracebackFrame {
  file: string;
  /** 1-based. */
  line: number;
  /** The function (`<module>` for top-level code); undefined for a SyntaxError's location. */
  functionName?: string;
  /** The source line Python printed under the frame, trimmed. */
  code?: string;
}

export interface ParsedTraceback {
  /** Frames of the last exception in the chain, outermost first. */
  frames: TracebackFrame[];
  /**
   * Where a SyntaxError (or IndentationError, TabError) points, when it is one. Python prints
   * the line without its indentation, so `column` (1-based) counts from the line's first
   * non-blank character: the editor adds the line's own indentation.
   */
  syntaxLocation?: { file: string; line: number; column?: number };
  /** The exception line, e.g. "NameError: name 'x' is not defined" (the first line of a message without a traceback). */
  message: string;
  /** "NameError", "AirflowDagCycleException", …; undefined when the text does not say. */
  exceptionType?: string;
}

const FRAME = /^\s*File "(.+)", line (\d+)(?:, in (.+))?\s*$/;
const CHAIN = /^(During handling of the above exception, another exception occurred|The above exception was the direct cause of the following exception):\s*$/;
const EXCEPTION_LINE = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/;

/** Reads a Python traceback as Airflow stores it (any of its chained sections; the last one counts). */
export function parseTraceback(text: string): ParsedTraceback {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  // The last section of a chained traceback is the exception that reached Airflow.
  let start = 0;
  lines.forEach((line, index) => { if (CHAIN.test(line)) start = index + 1; });
  const section = lines.slice(start);
  const frames: TracebackFrame[] = [];
  let syntaxLocation: ParsedTraceback['syntaxLocation'];
  // Index of the first line after the last frame (and its code and caret lines).
  let afterFrames = 0;
  for (let i = 0; i < section.length; i++) {
    const frame = FRAME.exec(section[i] ?? '');
    if (!frame) continue;
    const entry: TracebackFrame = { file: frame[1] ?? '', line: Number(frame[2]) };
    if (frame[3] !== undefined) entry.functionName = frame[3].trim();
    let end = i + 1;
    const next = section[i + 1];
    if (next !== undefined && /^\s{4,}\S/.test(next) && !FRAME.test(next)) {
      entry.code = next.trim();
      end = i + 2;
      while (end < section.length && /^\s+[\^~]+\s*$/.test(section[end] ?? '')) end++;
    }
    if (frame[3] === undefined) {
      // A SyntaxError's own location: `File "x.py", line 6`, then the code and a caret line.
      const caret = section[i + 2];
      const column = next !== undefined && caret !== undefined && /^\s*\^+\s*$/.test(caret) ? caretColumn(next, caret) : undefined;
      syntaxLocation = { file: entry.file, line: entry.line, ...(column === undefined ? {} : { column }) };
    } else {
      frames.push(entry);
    }
    afterFrames = end;
  }
  // The exception line: the first line at the margin after the frames (or the first line of a
  // message that has no traceback, as Airflow stores a cycle error).
  const isMargin = (l: string): boolean => l.trim() !== '' && !/^\s/.test(l) && !/^Traceback \(most recent call last\):/.test(l);
  const message = section.slice(afterFrames).find(isMargin)?.trim() ?? lines.find((l) => l.trim() !== '')?.trim() ?? 'Airflow could not import the file';
  const exception = EXCEPTION_LINE.exec(message.split(' ')[0]?.replace(/:$/, '') ?? '');
  const parsed: ParsedTraceback = { frames, message };
  if (syntaxLocation) parsed.syntaxLocation = syntaxLocation;
  const type = exception?.[1];
  if (type !== undefined && /(Error|Exception|Exit|Interrupt|Warning|Found|Timeout)$/.test(type)) parsed.exceptionType = type.split('.').pop() ?? type;
  return parsed;
}

/** The 1-based column a caret line points at, counted from the code's first non-blank character. */
function caretColumn(codeLine: string, caretLine: string): number {
  const codeIndent = codeLine.length - codeLine.trimStart().length;
  const caret = caretLine.indexOf('^');
  return Math.max(1, caret - codeIndent + 1);
}

/** Where in the DAG file an error belongs, and the rest of the traceback's places. */
export interface ErrorLocation {
  /** 1-based line in the DAG file; 1 when no frame of the traceback is in it. */
  line: number;
  /** 1-based column from the line's first non-blank character, when Python said (SyntaxError). */
  column?: number;
  /** True when a frame or a SyntaxError location named the DAG file (else the line is a guess). */
  exact: boolean;
  /** Frames outside the DAG file (helpers it imports), innermost last, for related information. */
  otherFrames: TracebackFrame[];
}

/**
 * The line of the traceback's last frame inside the DAG file (or its SyntaxError location).
 * `isDagFile` says whether a frame's path is the DAG file (the server names it by its own path).
 */
export function locateInDagFile(parsed: ParsedTraceback, isDagFile: (framePath: string) => boolean): ErrorLocation {
  const otherFrames = parsed.frames.filter((frame) => !isDagFile(frame.file) && !isPythonInternal(frame.file));
  if (parsed.syntaxLocation && isDagFile(parsed.syntaxLocation.file)) {
    const { line, column } = parsed.syntaxLocation;
    return { line, ...(column === undefined ? {} : { column }), exact: true, otherFrames };
  }
  const inFile = parsed.frames.filter((frame) => isDagFile(frame.file));
  const last = inFile[inFile.length - 1];
  if (last) return { line: last.line, exact: true, otherFrames };
  return { line: 1, exact: false, otherFrames };
}

/** Frames of Python or Airflow themselves (importlib, site-packages), never the user's code. */
export function isPythonInternal(path: string): boolean {
  return path.startsWith('<') || /[/\\](site|dist)-packages[/\\]/.test(path) || /[/\\]lib[/\\]python3\.\d+[/\\]/.test(path);
}

/** What an error message names, so the editor can put it on a task or DAG line. */
export interface ErrorHints {
  dagId?: string;
  taskId?: string;
}

/** DAG and task ids named by Airflow's errors without a traceback (cycles, duplicate task ids). */
export function errorHints(message: string): ErrorHints {
  const hints: ErrorHints = {};
  const cycle = /Cycle detected in (?:DAG|Dag|dag):\s*([^\s.]+(?:\.[^\s.]+)*?)\.\s*Faulty task:\s*(\S+)/.exec(message);
  if (cycle) {
    hints.dagId = cycle[1] ?? '';
    hints.taskId = (cycle[2] ?? '').replace(/[.,]$/, '');
    return hints;
  }
  const duplicateTask = /Task id '([^']+)' has already been added to the (?:DAG|Dag)/.exec(message);
  if (duplicateTask) hints.taskId = duplicateTask[1] ?? '';
  const dag = /(?:DAG|Dag) (?:id )?'([^']+)'/.exec(message);
  if (dag) hints.dagId = dag[1] ?? '';
  return hints;
}

// ---------------------------------------------------------------- paths: server → workspace

/**
 * A workspace folder that an Airflow server reads, and the paths under which the server sees
 * it: the stack's slot link ($KAW_WORKSPACE_DAGS/N, Airflow 3's bundle workspace-N) and
 * Airflow 2's link to the slot ($KAW_STATE/airflow2-dags/workspace-N).
 */
export interface DagFolderLink {
  /** The workspace folder (absolute). */
  folder: string;
  /** Absolute paths under which servers see the folder. */
  serverPaths: string[];
  /** The Airflow 3 bundle that reads it (e.g. "workspace-1"). */
  bundleName?: string;
}

function normalize(path: string): string {
  return path.replace(/\\/g, '/').replace(/\/+$/, '');
}

function joinPath(folder: string, relative: string): string {
  return `${normalize(folder)}/${relative.replace(/\\/g, '/').replace(/^\.?\//, '')}`;
}

/** The part of `path` under `prefix` (both absolute), or undefined. */
function under(path: string, prefix: string): string | undefined {
  const p = normalize(path);
  const root = normalize(prefix);
  return p.startsWith(`${root}/`) ? p.slice(root.length + 1) : undefined;
}

export interface ServerPath {
  /** The path as the server sent it: absolute (fileloc, v1 import error, traceback frame) or bundle-relative (v2 import error). */
  path: string;
  /** The bundle the relative path is in (Airflow 3). */
  bundleName?: string | null;
}

/**
 * The workspace file a server path is, through the folder links: the bundle and its relative
 * path, or an absolute path under a link (or under the workspace folder itself, as the local
 * check reports). Undefined when no link covers it.
 */
export function linkedWorkspaceFile(server: ServerPath, links: readonly DagFolderLink[]): string | undefined {
  const { path, bundleName } = server;
  const absolute = path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path);
  if (!absolute) {
    const link = bundleName ? links.find((l) => l.bundleName === bundleName) : undefined;
    return link ? joinPath(link.folder, path) : undefined;
  }
  for (const link of links) {
    for (const prefix of [...link.serverPaths, link.folder]) {
      const rest = under(path, prefix);
      if (rest !== undefined) return joinPath(link.folder, rest);
    }
  }
  return undefined;
}

/**
 * A remote server's file matched to a workspace file by relative path: the workspace file
 * whose path ends with the longest tail of the server's path (at least the file name), when
 * exactly one file has that tail. `candidates` are the workspace's Python files (absolute).
 */
export function matchByRelativePath(serverPath: string, candidates: readonly string[]): string | undefined {
  const parts = normalize(serverPath).split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) return undefined;
  const normalized = candidates.map((c) => ({ original: c, path: normalize(c) }));
  for (let take = parts.length; take >= 1; take--) {
    const tail = `/${parts.slice(parts.length - take).join('/')}`;
    const matches = normalized.filter((c) => c.path.endsWith(tail));
    if (matches.length === 1) return matches[0]?.original;
    if (matches.length > 1) return undefined; // ambiguous: a longer tail did not decide, a shorter one will not either
  }
  return undefined;
}

/** The workspace file for a server path: through a link first, else by relative path. */
export function workspaceFileFor(server: ServerPath, links: readonly DagFolderLink[], candidates: readonly string[]): string | undefined {
  return linkedWorkspaceFile(server, links) ?? matchByRelativePath(server.path, candidates);
}

// ---------------------------------------------------------------- one error, ready for a diagnostic

export interface ImportErrorDiagnostic {
  /** The workspace file the error is on. */
  file: string;
  line: number;
  column?: number;
  exact: boolean;
  message: string;
  /** The whole traceback as Airflow stored it. */
  stackTrace: string;
  hints: ErrorHints;
  /** Frames in other workspace files (helpers), mapped, innermost last. */
  relatedFrames: { file: string; line: number; functionName?: string }[];
}

/**
 * One import error (server or local check) as a diagnostic on its workspace file, or
 * undefined when the file is not in the workspace. Frames in the traceback are mapped the
 * same way, so the line is found whatever path the server used for the file.
 */
export function importErrorDiagnostic(
  error: { filename: string; bundleName?: string | null; stackTrace: string },
  links: readonly DagFolderLink[],
  candidates: readonly string[],
): ImportErrorDiagnostic | undefined {
  const file = workspaceFileFor({ path: error.filename, bundleName: error.bundleName ?? null }, links, candidates);
  if (file === undefined) return undefined;
  const parsed = parseTraceback(error.stackTrace);
  const toWorkspace = (framePath: string): string | undefined =>
    linkedWorkspaceFile({ path: framePath }, links) ?? (normalize(framePath) === normalize(error.filename) ? file : matchByRelativePath(framePath, candidates));
  const location = locateInDagFile(parsed, (framePath) => toWorkspace(framePath) === file);
  const relatedFrames = location.otherFrames.flatMap((frame) => {
    const mapped = toWorkspace(frame.file);
    return mapped === undefined ? [] : [{ file: mapped, line: frame.line, ...(frame.functionName ? { functionName: frame.functionName } : {}) }];
  });
  return {
    file,
    line: location.line,
    ...(location.column === undefined ? {} : { column: location.column }),
    exact: location.exact,
    message: parsed.message,
    stackTrace: error.stackTrace,
    hints: errorHints(parsed.message),
    relatedFrames,
  };
}
