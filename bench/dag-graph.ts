/**
 * What the DAG Graph panel costs with a big DAG: a synthetic DAG of 200 tasks (18 task groups
 * of 10, six with a nested group, and 20 tasks outside groups) × 25 runs. No stack needed.
 * Measured, medians:
 * - in Node: the model (buildGraphModel), the visible graph and the dagre layout with every
 *   group closed (what the panel opens with above 40 tasks) and with every group open; the
 *   host's grid message for 25 runs × 200 tasks (runsView) and its size as JSON;
 * - in a real browser (Debian's chromium through Playwright, the production bundle of
 *   webview/src/dagGraph.ts as the .vsix ships it, with a stand-in for the editor's webview
 *   API): the first drawing of structure and runs, opening every group (layout and drawing),
 *   and a poll that changes the newest run's states (the recolouring every poll does), with the
 *   number of SVG elements and grid cells on the page.
 *
 *   node --import tsx bench/dag-graph.ts [--runs=9] [--no-browser] [--screenshot=file.png]
 */
import { build } from 'esbuild';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { buildGraphModel, visibleGraph, type VisibleNode } from '../src/airflow/dagGraph';
import type { DagRun, DagStructure, DagTask, TaskInstance } from '../src/airflow/types';
import { runsView, structureView } from '../src/panels/dagGraphView';
import type { DagGraphRunsView, DagGraphStructureView } from '../src/shared/protocol';
import { layoutGraph } from '../webview/src/lib/dagLayout';

const ROOT = path.resolve(__dirname, '..');
const runs = Number(/^--runs=(\d+)$/.exec(process.argv.find((a) => a.startsWith('--runs=')) ?? '')?.[1] ?? 9);
const withBrowser = !process.argv.includes('--no-browser');
const screenshot = process.argv.find((a) => a.startsWith('--screenshot='))?.slice('--screenshot='.length);
const TASKS = 200;
const RUNS = 25;
const GROUPS = 18;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Wall time, and the process's CPU time beside it (less swayed by other work on a shared machine). */
function time(label: string, work: () => unknown): number {
  work();
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    work();
    samples.push(performance.now() - started);
    const used = process.cpuUsage(cpuStarted);
    cpu.push((used.user + used.system) / 1000);
  }
  const result = median(samples);
  console.log(`${label.padEnd(70)} ${result.toFixed(1).padStart(8)} ms  (CPU ${median(cpu).toFixed(1)} ms)`);
  return result;
}

/** 200 tasks: start → 3 lanes of 6 groups (each: extract → 8 parallel steps → done; every third with the steps 5-8 in a nested group) → 19 report tasks. */
function syntheticDag(): DagStructure {
  const tasks: DagTask[] = [];
  const add = (taskId: string, downstream: string[]): void => {
    tasks.push({ taskId, displayName: taskId, operator: taskId.endsWith('.extract') ? 'SqlExecuteQueryOperator' : '@task', downstreamTaskIds: downstream, isMapped: false });
  };
  const group = (g: number): string => `lane${g % 3}_step${Math.floor(g / 3)}`;
  add('start', [0, 1, 2].map((g) => `${group(g)}.extract`));
  for (let g = 0; g < GROUPS; g++) {
    const id = group(g);
    const nested = g % 3 === 0;
    const steps = Array.from({ length: 8 }, (_, i) => (nested && i >= 4 ? `${id}.checks.step${i}` : `${id}.step${i}`));
    add(`${id}.extract`, steps);
    for (const step of steps) add(step, [`${id}.done`]);
    const next = g + 3 < GROUPS ? [`${group(g + 3)}.extract`] : Array.from({ length: 19 }, (_, i) => `report_${String(i).padStart(2, '0')}`).filter((_, i) => i % 3 === g % 3);
    add(`${id}.done`, next);
  }
  for (let i = 0; i < 19; i++) add(`report_${String(i).padStart(2, '0')}`, []);
  if (tasks.length !== TASKS) throw new Error(`the synthetic DAG has ${tasks.length} tasks, not ${TASKS}`);
  const groups = new Map<string, { groupId: string; label: string; parentId: string | null }>();
  const groupOfTask: Record<string, string> = {};
  for (const task of tasks) {
    const parts = task.taskId.split('.');
    let parent: string | null = null;
    for (let depth = 1; depth < parts.length; depth++) {
      const groupId = parts.slice(0, depth).join('.');
      if (!groups.has(groupId)) groups.set(groupId, { groupId, label: parts[depth - 1] ?? groupId, parentId: parent });
      parent = groupId;
    }
    if (parent !== null) groupOfTask[task.taskId] = parent;
  }
  return { dagId: 'synthetic_200_tasks', tasks, groups: [...groups.values()], groupOfTask, groupsFrom: 'structure' };
}

/** 25 runs, oldest first in time: most succeeded, one failed part-way, the newest running (`progress` of its tasks done). */
function syntheticRuns(structure: DagStructure, progress: number): { runs: DagRun[]; instances: Map<string, TaskInstance[]> } {
  const order = buildGraphModel(structure).tasks.map((task) => task.taskId);
  const runList: DagRun[] = [];
  const instances = new Map<string, TaskInstance[]>();
  for (let r = 0; r < RUNS; r++) {
    const start = new Date(Date.UTC(2026, 0, 1, r)).toISOString();
    const runId = `scheduled__${start}`;
    const newest = r === RUNS - 1;
    const failed = r === 10;
    runList.push({ dagId: structure.dagId, runId, state: newest ? 'running' : failed ? 'failed' : 'success', runType: 'scheduled', logicalDate: start, startDate: start, endDate: newest ? null : start, durationSeconds: 60, conf: {} });
    instances.set(runId, order.map((taskId, i): TaskInstance => {
      let state: string | null = 'success';
      if (failed && i === 90) state = 'failed';
      else if (failed && i > 90) state = 'upstream_failed';
      else if (newest) state = i < progress ? 'success' : i < progress + 4 ? 'running' : i < progress + 8 ? 'queued' : null;
      return { dagId: structure.dagId, runId, taskId, mapIndex: -1, state, tryNumber: state === null ? 0 : 1, startDate: start, endDate: start, durationSeconds: 1, operator: '@task' };
    }));
  }
  return { runs: runList, instances };
}

/** The size the webview gives a node, estimated from its label (the webview measures its text). */
function estimatedSize(node: VisibleNode): { width: number; height: number } {
  const label = node.id.split('.').pop() ?? node.id;
  return { width: Math.min(280, Math.max(96, label.length * 7 + 40, 170)), height: 38 };
}

async function inBrowser(structure: DagGraphStructureView, first: DagGraphRunsView, later: DagGraphRunsView): Promise<void> {
  const bundle = await build({
    entryPoints: [path.join(ROOT, 'webview/src/dagGraph.ts')], bundle: true, platform: 'browser', format: 'esm', target: 'es2022',
    minify: true, write: false, logLevel: 'silent',
  });
  const code = bundle.outputFiles[0]?.text ?? '';
  console.log(`${'production bundle of the webview (dist/webview/dagGraph.js)'.padEnd(70)} ${(code.length / 1000).toFixed(1).padStart(8)} kB`);
  const browser = await chromium.launch({ executablePath: process.env.KAW_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // A dark theme's variables, as the editor sets them on a webview's page.
    const theme = {
      foreground: '#cccccc', descriptionForeground: '#9d9d9d', 'editor-background': '#1f1f1f', 'sideBar-background': '#181818',
      'widget-border': '#454545', focusBorder: '#0078d4', 'font-family': 'sans-serif', 'font-size': '13px',
      'testing-iconPassed': '#73c991', 'testing-iconFailed': '#f14c4c', 'testing-iconErrored': '#f14c4c', 'testing-iconQueued': '#cca700',
      'testing-iconUnset': '#848484', 'testing-iconSkipped': '#848484', 'charts-blue': '#3794ff', 'charts-yellow': '#cca700', 'charts-purple': '#b180d7',
      'button-background': '#0078d4', 'button-foreground': '#ffffff', 'button-secondaryBackground': '#313131', 'button-secondaryForeground': '#cccccc',
      'dropdown-background': '#313131', 'dropdown-foreground': '#cccccc',
    };
    const css = `:root { ${Object.entries(theme).map(([k, v]) => `--vscode-${k}: ${v};`).join(' ')} } body { background: #1f1f1f; }`;
    await page.route('http://dag-graph.bench/**', async (route) => {
      const url = route.request().url();
      if (url.endsWith('/dagGraph.js')) await route.fulfill({ contentType: 'text/javascript', body: code });
      // The panel's Content Security Policy (src/panels/webviewHtml.ts), with this page's nonce.
      else await route.fulfill({ contentType: 'text/html', body: `<!DOCTYPE html><html><head>
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-bench'; font-src 'none'; script-src 'nonce-bench'">
        <style nonce="bench">${css}</style><script nonce="bench">
        window.__sent = []; let state;
        window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__sent.push(m), getState: () => state, setState: (s) => { state = s; } });
        </script></head><body><div id="root"></div><script type="module" nonce="bench" src="/dagGraph.js"></script></body></html>` });
    });
    await page.goto('http://dag-graph.bench/');
    // Page-side code as text: this file is type-checked without the DOM's types.
    await page.waitForFunction('window.__sent.some((m) => m.kind === "ready")');
    /** Posts a notification as the host does and returns how long the page took to handle it (synchronously). */
    const post = async (type: string, params: unknown): Promise<number> => {
      await page.evaluate(`window.__next = ${JSON.stringify({ kind: 'notification', type, params })}`);
      return Number(await page.evaluate(`(() => {
        const started = performance.now();
        window.dispatchEvent(new MessageEvent('message', { data: window.__next }));
        return performance.now() - started;
      })()`));
    };
    const firstDraw = (await post('structure', structure)) + (await post('runs', first));
    const count = (): Promise<{ svg: number; nodes: number; cells: number }> => page.evaluate<{ svg: number; nodes: number; cells: number }>(`({
      svg: document.querySelectorAll('svg *').length,
      nodes: document.querySelectorAll('svg .node').length,
      cells: document.querySelectorAll('td.cell').length,
    })`);
    const closed = await count();
    console.log(`${'browser: first drawing, groups closed (structure + runs messages)'.padEnd(70)} ${firstDraw.toFixed(1).padStart(8)} ms`);
    console.log(`  ${closed.nodes} nodes, ${closed.svg} SVG elements, ${closed.cells} grid cells`);
    /** Clicks a toolbar button and returns how long the page took (layout and drawing are synchronous). */
    const click = async (label: string): Promise<number> => Number(await page.evaluate(`(() => {
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent === ${JSON.stringify(label)});
      const started = performance.now();
      button.click();
      return performance.now() - started;
    })()`));
    // Opening every group: a new layout the first time, the kept one after (closing and opening again).
    const expandFirst = await click('Expand Groups');
    const open = await count();
    console.log(`${'browser: open every group the first time (dagre layout + drawing)'.padEnd(70)} ${expandFirst.toFixed(1).padStart(8)} ms`);
    console.log(`  ${open.nodes} nodes, ${open.svg} SVG elements, ${open.cells} grid cells`);
    const again: number[] = [];
    for (let i = 0; i < runs; i++) {
      await click('Collapse Groups');
      again.push(await click('Expand Groups'));
    }
    console.log(`${'browser: open every group again (kept layout, drawing only)'.padEnd(70)} ${median(again).toFixed(1).padStart(8)} ms`);
    const polls: number[] = [];
    for (let i = 0; i < runs; i++) polls.push(await post('runs', i % 2 === 0 ? later : first));
    console.log(`${'browser: a poll that changes the newest run (recolour graph and grid)'.padEnd(70)} ${median(polls).toFixed(1).padStart(8)} ms`);
    if (screenshot) {
      await page.screenshot({ path: screenshot });
      console.log(`screenshot: ${screenshot}`);
    }
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const structure = syntheticDag();
  const model = buildGraphModel(structure);
  console.log(`synthetic DAG: ${structure.tasks.length} tasks, ${structure.groups.length} task groups, ${model.edges.length} dependencies; ${RUNS} runs; medians of ${runs}`);
  console.log(`load average at the start: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  time('model: buildGraphModel', () => buildGraphModel(structure));
  const closed = visibleGraph(model, new Set());
  const open = visibleGraph(model, new Set(structure.groups.map((g) => g.groupId)));
  time(`layout, groups closed (${closed.nodes.length} nodes, ${closed.edges.length} edges): visibleGraph + dagre`, () => layoutGraph(visibleGraph(model, new Set()), estimatedSize));
  time(`layout, groups open (${open.nodes.length} nodes in ${open.clusters.length} boxes): visibleGraph + dagre`, () => layoutGraph(visibleGraph(model, new Set(structure.groups.map((g) => g.groupId))), estimatedSize));
  const taskIds = structure.tasks.map((task) => task.taskId);
  const first = syntheticRuns(structure, 60);
  const later = syntheticRuns(structure, 64);
  const status = { watching: true, error: null };
  time(`host: grid message for ${RUNS} runs × ${TASKS} tasks (runsView)`, () => runsView(taskIds, first.runs, first.instances, status));
  const firstView = runsView(taskIds, first.runs, first.instances, status);
  const laterView = runsView(taskIds, later.runs, later.instances, status);
  console.log(`${'host: that message as JSON'.padEnd(70)} ${(JSON.stringify(firstView).length / 1000).toFixed(1).padStart(8)} kB`);
  const view = structureView(structure, 'bench', { apiVersion: 'v2', version: '3.3.2', uiUrl: 'http://bench' });
  console.log(`${'host: the structure message as JSON'.padEnd(70)} ${(JSON.stringify(view).length / 1000).toFixed(1).padStart(8)} kB`);
  if (withBrowser) await inBrowser(view, firstView, laterView);
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
