/**
 * Where a Python file defines its DAGs and tasks, read from its text (no Python needed): each
 * `@dag` function, `with DAG(...)` block and `DAG(...)` call with its line and DAG id, and
 * each `@task` function and operator call (`XxxOperator(task_id=...)`) with its line, task id
 * and the DAG it belongs to. The editor puts its CodeLens and diagnostics on these lines.
 * Comments and the contents of strings are masked first, so a `DAG(` inside a docstring or a
 * comment is not a definition. Ids computed at run time (f-strings, variables) stay undefined.
 */

export interface DagDefinition {
  /** The DAG id when the file spells it (a string literal, or the `@dag` function's name). */
  dagId: string | undefined;
  /** 1-based line of the definition (the decorator, the `with` or the call). */
  line: number;
  kind: 'decorator' | 'with' | 'call';
  /** Last 1-based line of its block (the `@dag` function's body, the `with` block); the file's end for a bare call. */
  endLine: number;
}

export interface TaskDefinition {
  /** The task id when the file spells it (a `task_id=` literal, or the `@task` function's name). */
  taskId: string | undefined;
  /** 1-based line of the decorator or of the operator's name. */
  line: number;
  /** "@task", "@task.bash", "BashOperator", … */
  operator: string;
  /** Index into `dags` of the DAG whose block holds it; the file's only DAG for a task outside any block. */
  dagIndex: number | undefined;
}

export interface DagFileOutline {
  dags: DagDefinition[];
  tasks: TaskDefinition[];
}

/** The text with comments and the contents of string literals replaced by spaces (same length, same lines). */
export function maskPython(text: string): string {
  const out = text.split('');
  let i = 0;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < text.length) {
    const ch = text[i];
    if (ch === '#') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      blank(i, stop);
      i = stop;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const triple = text.startsWith(ch.repeat(3), i);
      const quote = triple ? ch.repeat(3) : ch;
      let j = i + quote.length;
      while (j < text.length) {
        if (text[j] === '\\') { j += 2; continue; }
        if (!triple && text[j] === '\n') break; // unterminated: stop at the line's end
        if (text.startsWith(quote, j)) break;
        j++;
      }
      blank(i + quote.length, Math.min(j, text.length));
      i = Math.min(text.length, j + quote.length);
      continue;
    }
    i++;
  }
  return out.join('');
}

/** 1-based line of an offset. */
function lineAt(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** Offset of the `)` closing the `(` at `open` in masked code, or the text's end. */
function closingParen(masked: string, open: number): number {
  let depth = 0;
  for (let i = open; i < masked.length; i++) {
    const ch = masked[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return masked.length;
}

/** Offset of the `(` enclosing `offset`, or -1. */
function enclosingParen(masked: string, offset: number): number {
  let depth = 0;
  for (let i = offset - 1; i >= 0; i--) {
    const ch = masked[i];
    if (ch === ')' || ch === ']' || ch === '}') depth++;
    else if (ch === '(' || ch === '[' || ch === '{') {
      if (depth === 0) return ch === '(' ? i : -1;
      depth--;
    }
  }
  return -1;
}

const STRING_LITERAL = /^\s*([rRuU]?)("""|'''|"|')/;

/** The value of a plain string literal starting at `offset` of the original text (no f-strings). */
function literalAt(text: string, offset: number): string | undefined {
  const match = STRING_LITERAL.exec(text.slice(offset, offset + 8));
  if (!match) return undefined;
  const quote = match[2] ?? '"';
  const start = offset + match[0].length;
  const end = text.indexOf(quote, start);
  if (end < 0) return undefined;
  const raw = text.slice(start, end);
  if (raw.includes('\n') && quote.length === 1) return undefined;
  return match[1]?.toLowerCase() === 'r' ? raw : raw.replace(/\\(['"\\])/g, '$1');
}

/** `name=<literal>` among the top-level arguments of the call whose `(` is at `open`. */
function keywordLiteral(text: string, masked: string, open: number, name: string): string | undefined {
  const close = closingParen(masked, open);
  const pattern = new RegExp(`\\b${name}\\s*=\\s*`, 'g');
  const args = masked.slice(open, close);
  for (const match of args.matchAll(pattern)) {
    const at = open + match.index;
    if (enclosingParen(masked, at) !== open) continue; // nested call's argument
    return literalAt(text, at + match[0].length);
  }
  return undefined;
}

/** The first positional argument of the call at `open`, when it is a plain string literal. */
function firstPositionalLiteral(text: string, masked: string, open: number): string | undefined {
  const rest = masked.slice(open + 1);
  const first = /^\s*(\S)/.exec(rest);
  if (!first || first[1] === ')' || /^\s*\w+\s*=/.test(rest)) return undefined;
  return literalAt(text, open + 1);
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Last line (1-based) of the block opened by the statement on `line`: the following lines indented deeper. */
function blockEnd(lines: readonly string[], line: number, fromLine: number): number {
  const indent = indentOf(lines[line - 1] ?? '');
  let end = fromLine;
  for (let l = fromLine + 1; l <= lines.length; l++) {
    const text = lines[l - 1] ?? '';
    if (text.trim() === '') continue;
    if (indentOf(text) <= indent) break;
    end = l;
  }
  return end;
}

interface Decorated {
  /** Offset of the `@`. */
  at: number;
  name: string;
  /** Offset of the decorator's `(`, or -1 without arguments. */
  open: number;
  functionName: string | undefined;
  /** 1-based line of the `def`. */
  defLine: number;
}

/** Each decorator matching `names`, with the function it decorates. */
function decorators(text: string, masked: string, lineStarts: readonly number[], names: RegExp): Decorated[] {
  const found: Decorated[] = [];
  const pattern = /^[ \t]*@((?:\w+\.)*\w+(?:\.\w+)*)[ \t]*(\()?/gm;
  for (const match of masked.matchAll(pattern)) {
    const name = match[1] ?? '';
    if (!names.test(name)) continue;
    const at = match.index + match[0].indexOf('@');
    const open = match[2] ? match.index + match[0].length - 1 : -1;
    const after = open >= 0 ? closingParen(masked, open) + 1 : at + match[0].length;
    const def = /^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)/m.exec(masked.slice(after));
    const defOffset = def ? after + def.index : -1;
    found.push({ at, name, open, functionName: def?.[1], defLine: defOffset >= 0 ? lineAt(lineStarts, defOffset) : lineAt(lineStarts, at) });
  }
  return found;
}

/** The DAGs and tasks a Python file defines, in the order of the file. */
export function outlineDagFile(text: string): DagFileOutline {
  const masked = maskPython(text);
  const lines = text.split('\n');
  const lineStarts: number[] = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);

  const dags: DagDefinition[] = [];
  for (const d of decorators(text, masked, lineStarts, /^(?:\w+\.)*dag$/)) {
    const dagId = (d.open >= 0 ? keywordLiteral(text, masked, d.open, 'dag_id') : undefined) ?? d.functionName;
    const line = lineAt(lineStarts, d.at);
    dags.push({ dagId, line, kind: 'decorator', endLine: blockEnd(lines, d.defLine, d.defLine) });
  }
  for (const match of masked.matchAll(/(^|[^\w.@])((?:\w+\.)*DAG)\s*\(/gm)) {
    const nameStart = match.index + (match[1] ?? '').length;
    const before = masked.slice(Math.max(0, nameStart - 12), nameStart);
    if (/\b(def|class)\s+$/.test(before)) continue;
    const open = nameStart + match[0].length - (match[1] ?? '').length - 1;
    const line = lineAt(lineStarts, nameStart);
    const dagId = firstPositionalLiteral(text, masked, open) ?? keywordLiteral(text, masked, open, 'dag_id');
    const lineText = masked.slice(lineStarts[line - 1] ?? 0, nameStart);
    const isWith = /^\s*(async\s+)?with\s/.test(lineText);
    const closeLine = lineAt(lineStarts, closingParen(masked, open));
    dags.push({ dagId, line, kind: isWith ? 'with' : 'call', endLine: isWith ? blockEnd(lines, line, closeLine) : lines.length });
  }
  dags.sort((a, b) => a.line - b.line);

  const dagOf = (line: number): number | undefined => {
    let best: number | undefined;
    dags.forEach((dag, index) => {
      if (dag.kind !== 'call' && line > dag.line && line <= dag.endLine) best = index; // innermost wins (later start)
    });
    if (best === undefined && dags.length === 1) return 0;
    return best;
  };

  const tasks: TaskDefinition[] = [];
  const taskDecorators = decorators(text, masked, lineStarts, /^(?:\w+\.)*task(?:\.\w+)*$/).filter((d) => !/(^|\.)task_group$/.test(d.name));
  const decoratorCalls = new Set(taskDecorators.filter((d) => d.open >= 0).map((d) => d.open));
  for (const d of taskDecorators) {
    const taskId = (d.open >= 0 ? keywordLiteral(text, masked, d.open, 'task_id') : undefined) ?? d.functionName;
    const line = lineAt(lineStarts, d.at);
    tasks.push({ taskId, line, operator: `@${d.name.replace(/^(?:\w+\.)*?(task(?:\.\w+)*)$/, '$1')}`, dagIndex: dagOf(line) });
  }
  for (const match of masked.matchAll(/\btask_id\s*=\s*/g)) {
    const at = match.index;
    const open = enclosingParen(masked, at);
    if (open < 0 || decoratorCalls.has(open)) continue;
    const callee = /((?:\w+\.)*\w+)\s*$/.exec(masked.slice(Math.max(0, open - 200), open));
    const name = callee?.[1];
    if (!name || /^(dict|default_args|partial)$/.test(name) || /(^|\.)task(\.\w+)*$/.test(name)) continue;
    let nameEnd = open;
    while (nameEnd > 0 && /\s/.test(masked[nameEnd - 1] ?? '')) nameEnd--;
    const line = lineAt(lineStarts, nameEnd - name.length);
    // BashOperator.partial(task_id=…).expand(…), my_task.override(task_id=…)(): the class or task before it.
    const segments = name.split('.');
    let operator = segments.pop() ?? name;
    if ((operator === 'partial' || operator === 'override') && segments.length > 0) operator = segments.pop() ?? operator;
    tasks.push({ taskId: literalAt(text, at + match[0].length), line, operator, dagIndex: dagOf(line) });
  }
  tasks.sort((a, b) => a.line - b.line);
  return { dags, tasks };
}

/** Whether the text looks like it defines a DAG (the cheap test before an outline). */
export function mayDefineDag(text: string): boolean {
  return /\bDAG\s*\(|@(?:\w+\.)*dag\b/.test(text);
}
