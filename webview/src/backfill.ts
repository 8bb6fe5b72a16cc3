/**
 * The Backfill panel in its webview (Airflow 3): the form (date range, reprocess behaviour, max
 * active runs, run backwards, unpause), "Dry Run" listing the logical dates that would run, then
 * "Start Backfill" and the progress (runs done, running, failed, each run with its state) with
 * Pause, Resume and Cancel. Built with vscode-elements in the editor's theme; every text from
 * the server goes in through textContent (dom.ts), never as HTML.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { BackfillForm, BackfillMethods, BackfillNotifications, BackfillPreset, BackfillStatus } from '../../src/shared/protocol';
import { stateIcon } from '../../src/airflow/presentation';
import { adoptStyles, el, replaceChildren } from './lib/dom';
import { HostConnection } from './lib/host';

const STYLES = `
body { padding: 0 20px 24px; color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
main { max-width: 760px; }
h1 { font-size: 1.5em; font-weight: 600; margin: 18px 0 4px; }
h2 { font-size: 1.15em; font-weight: 600; margin: 0 0 6px; }
.lead { color: var(--vscode-descriptionForeground); margin: 0 0 16px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 0 16px; }
.field { display: flex; flex-direction: column; gap: 4px; margin-bottom: 14px; }
.field vscode-textfield, .field vscode-single-select { width: 100%; }
.row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-bottom: 10px; }
.hint { color: var(--vscode-descriptionForeground); }
.alert { display: flex; gap: 6px; align-items: flex-start; padding: 8px 10px; margin: 10px 0; border-radius: 2px;
  border: 1px solid var(--vscode-inputValidation-errorBorder); background: var(--vscode-inputValidation-errorBackground); }
.warn { border: 1px solid var(--vscode-inputValidation-warningBorder); background: var(--vscode-inputValidation-warningBackground); padding: 8px 10px; margin: 10px 0; }
.alert[hidden], section[hidden], .warn[hidden], form[hidden] { display: none; }
.result { margin-top: 18px; padding: 12px 14px; border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); border-radius: 4px; }
.counts { display: flex; gap: 18px; margin: 8px 0 12px; font-size: 1.1em; }
.counts b { font-weight: 600; }
ul.dates { margin: 6px 0; padding-left: 20px; font-family: var(--vscode-editor-font-family); columns: 3; }
table { border-collapse: collapse; width: 100%; margin-top: 6px; }
th { text-align: left; font-weight: 600; color: var(--vscode-descriptionForeground); padding: 4px 8px; border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); }
td { padding: 4px 8px; vertical-align: middle; font-family: var(--vscode-editor-font-family); }
.state { display: inline-flex; gap: 4px; align-items: center; }
a.link { color: var(--vscode-textLink-foreground); cursor: pointer; text-decoration: none; }
a.link:hover { text-decoration: underline; }
`;

const host = new HostConnection<BackfillMethods, BackfillNotifications>();

let preset: BackfillPreset | undefined;

const title = el('h1', {}, 'Backfill');
const lead = el('p', { class: 'lead' });
const fromField = el('vscode-textfield', { id: 'from-date', placeholder: 'YYYY-MM-DD' });
const toField = el('vscode-textfield', { id: 'to-date', placeholder: 'YYYY-MM-DD' });
const reprocessRadios = {
  none: el('vscode-radio', { id: 'reprocess-none', name: 'reprocess', value: 'none', label: 'Missing runs only', checked: true }),
  failed: el('vscode-radio', { id: 'reprocess-failed', name: 'reprocess', value: 'failed', label: 'Missing and failed runs' }),
  completed: el('vscode-radio', { id: 'reprocess-completed', name: 'reprocess', value: 'completed', label: 'All runs, also completed ones' }),
};
const reprocessGroup = el('vscode-radio-group', { id: 'reprocess', variant: 'vertical' }, reprocessRadios.none, reprocessRadios.failed, reprocessRadios.completed);
const maxField = el('vscode-textfield', { id: 'max-active-runs', type: 'number', min: 1, max: 1000 });
const backwardsBox = el('vscode-checkbox', { id: 'run-backwards', label: 'Run backwards (newest logical date first)' });
const unpauseBox = el('vscode-checkbox', { id: 'unpause', label: 'Unpause the DAG first (a paused DAG\'s backfill runs stay queued)', checked: true });
const pausedNote = el('div', { class: 'warn', id: 'paused-note', hidden: true });
const dryRunButton = el('vscode-button', { id: 'dry-run', secondary: true, icon: 'list-unordered' }, 'Dry Run');
const startButton = el('vscode-button', { id: 'start', icon: 'run-all' }, 'Start Backfill');
const errorText = el('span', { id: 'error-text' });
const errorBox = el('div', { class: 'alert', id: 'error', role: 'alert', hidden: true }, el('span', { class: 'codicon codicon-error' }), errorText);
const dryRunSection = el('section', { class: 'result', id: 'dry-run-result', hidden: true });
const form = el('form', { id: 'form' });
const progressSection = el('section', { class: 'result', id: 'progress', hidden: true });

function renderPage(): void {
  const root = document.getElementById('root') ?? document.body;
  maxField.value = '3';
  replaceChildren(form,
    el('div', { class: 'grid' },
      el('div', { class: 'field' }, el('vscode-label', { for: 'from-date' }, 'From (first logical date)'), fromField),
      el('div', { class: 'field' }, el('vscode-label', { for: 'to-date' }, 'To (last logical date, included)'), toField),
      el('div', { class: 'field' }, el('vscode-label', { for: 'max-active-runs' }, 'Max active runs'), maxField),
      el('div', { class: 'field' }),
      el('div', { class: 'field' }, el('vscode-label', { for: 'reprocess' }, 'Reprocess runs that already exist'), reprocessGroup),
    ),
    el('div', { class: 'row' }, backwardsBox),
    el('div', { class: 'row' }, unpauseBox),
    pausedNote,
    el('div', { class: 'row' }, dryRunButton, startButton),
  );
  replaceChildren(root, el('main', {}, title, lead, form, errorBox, dryRunSection, progressSection));
}

function showError(message: string | undefined): void {
  errorText.textContent = message ?? '';
  errorBox.hidden = message === undefined;
}

function formValues(): BackfillForm {
  const reprocess = reprocessRadios.completed.checked ? 'completed' : reprocessRadios.failed.checked ? 'failed' : 'none';
  return {
    fromDate: fromField.value,
    toDate: toField.value,
    reprocessBehavior: reprocess,
    maxActiveRuns: maxField.value,
    runBackwards: backwardsBox.checked,
    unpause: unpauseBox.checked,
  };
}

function applyPreset(next: BackfillPreset): void {
  preset = next;
  title.textContent = `Backfill ${next.dagId}`;
  lead.textContent = `Runs ${next.dagId} (schedule ${next.schedule ?? 'none'}) once per logical date in a range, on ${next.connection}. A dry run lists the dates first; nothing starts until you press Start Backfill.`;
  fromField.value = next.fromDate;
  toField.value = next.toDate;
  pausedNote.hidden = !next.isPaused;
  pausedNote.textContent = next.isPaused ? `${next.dagId} is paused. Its backfill runs wait queued until it is unpaused.` : '';
  form.hidden = next.backfillId !== null;
  dryRunSection.hidden = true;
  if (next.backfillId === null) progressSection.hidden = true;
  showError(next.schedule === null ? `${next.dagId} has no schedule, so it has no logical dates to backfill. Give it a schedule such as "@daily".` : undefined);
}

async function busy<T>(button: HTMLElement, work: () => Promise<T>): Promise<T | undefined> {
  button.setAttribute('disabled', '');
  showError(undefined);
  try {
    return await work();
  } catch (error) {
    showError(error instanceof Error ? error.message : String(error));
    return undefined;
  } finally {
    button.removeAttribute('disabled');
  }
}

async function dryRun(): Promise<void> {
  const result = await busy(dryRunButton, () => host.request('dryRun', formValues()));
  if (!result) return;
  replaceChildren(dryRunSection,
    el('h2', {}, 'Dry run'),
    el('p', { id: 'dry-run-note' }, result.note),
    result.dates.length > 0 ? el('ul', { class: 'dates', id: 'dry-run-dates' }, ...result.dates.map((date) => el('li', {}, date.replace(/T00:00:00(\.0+)?(Z|\+00:00)$/, '')))) : null,
  );
  dryRunSection.hidden = false;
}

async function startBackfill(): Promise<void> {
  const status = await busy(startButton, () => host.request('start', formValues()));
  if (!status) return;
  form.hidden = true;
  dryRunSection.hidden = true;
  renderStatus(status);
}

async function control(action: 'pause' | 'resume' | 'cancel', button: HTMLElement): Promise<void> {
  const status = await busy(button, () => host.request(action, null));
  if (status) renderStatus(status);
}

function renderStatus(status: BackfillStatus): void {
  const doneCount = status.succeeded + status.failed;
  const bar = el('vscode-progress-bar', { value: status.total > 0 ? doneCount : 0, max: Math.max(1, status.total), indeterminate: status.total === 0 && status.watching });
  const buttons: HTMLElement[] = [];
  if (status.state === 'running') {
    const pause = el('vscode-button', { id: 'pause', secondary: true, icon: 'debug-pause' }, 'Pause');
    pause.addEventListener('click', () => { void control('pause', pause); });
    buttons.push(pause);
  }
  if (status.state === 'paused') {
    const resume = el('vscode-button', { id: 'resume', secondary: true, icon: 'debug-continue' }, 'Resume');
    resume.addEventListener('click', () => { void control('resume', resume); });
    buttons.push(resume);
  }
  if (status.state !== 'completed') {
    const cancel = el('vscode-button', { id: 'cancel', secondary: true, icon: 'debug-stop' }, 'Cancel');
    cancel.addEventListener('click', () => { void control('cancel', cancel); });
    buttons.push(cancel);
  }
  const rows = status.runs.map((run) => {
    const { icon } = stateIcon(run.state);
    const link = el('a', { class: 'link', title: 'Show this run in the DAGs view' }, run.runId);
    link.addEventListener('click', () => {
      host.request('revealRun', { runId: run.runId }).catch((error: unknown) => { showError(error instanceof Error ? error.message : String(error)); });
    });
    return el('tr', { 'data-state': run.state },
      el('td', {}, (run.logicalDate ?? '').replace(/T00:00:00(\.0+)?(Z|\+00:00)$/, '')),
      el('td', {}, el('span', { class: 'state' }, el('span', { class: `codicon codicon-${icon.replace(/~spin$/, '')}` }), run.state)),
      el('td', {}, link),
    );
  });
  replaceChildren(progressSection,
    el('h2', {}, `Backfill ${status.id} · ${status.range}`),
    el('p', { class: 'hint' }, `Reprocess ${status.reprocessBehavior} · max ${status.maxActiveRuns} active runs · ${status.state}`),
    bar,
    el('div', { class: 'counts', id: 'counts', 'data-state': status.state },
      el('span', {}, el('b', { id: 'count-done' }, String(doneCount)), ` of ${status.total} done`),
      el('span', {}, el('b', { id: 'count-running' }, String(status.running)), ' running'),
      el('span', {}, el('b', { id: 'count-queued' }, String(status.queued)), ' queued'),
      el('span', {}, el('b', { id: 'count-failed' }, String(status.failed)), ' failed'),
    ),
    el('p', { id: 'progress-note' }, status.note),
    buttons.length > 0 ? el('div', { class: 'row' }, ...buttons) : null,
    rows.length > 0 ? el('table', { id: 'runs' }, el('thead', {}, el('tr', {}, el('th', {}, 'Logical date'), el('th', {}, 'State'), el('th', {}, 'Run'))), el('tbody', {}, ...rows)) : null,
  );
  progressSection.hidden = false;
}

function isPreset(value: unknown): value is BackfillPreset {
  return typeof value === 'object' && value !== null && typeof (value as BackfillPreset).dagId === 'string';
}

function isStatus(value: unknown): value is BackfillStatus {
  return typeof value === 'object' && value !== null && typeof (value as BackfillStatus).id === 'number' && Array.isArray((value as BackfillStatus).runs);
}

function start(): void {
  adoptStyles(STYLES);
  renderPage();
  form.addEventListener('submit', (event) => { event.preventDefault(); });
  dryRunButton.addEventListener('click', () => { void dryRun(); });
  startButton.addEventListener('click', () => { void startBackfill(); });
  host.on('preset', (params) => { if (isPreset(params)) applyPreset(params); });
  host.on('status', (params) => {
    if (!isStatus(params) || (preset && params.dagId !== preset.dagId)) return;
    form.hidden = true;
    renderStatus(params);
  });
  host.ready();
}

start();
