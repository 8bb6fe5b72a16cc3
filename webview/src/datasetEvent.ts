/**
 * The "Fire Dataset Event" form in its webview: pick the connection, pick or type the dataset
 * URI, write `extra` as a JSON object (checked as you type, with line and column), fire; then
 * the event and the runs it started, their states updating while the host watches them.
 * Built with vscode-elements in the editor's theme; every text from the server goes in
 * through textContent (dom.ts), never as HTML.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import '@vscode-elements/elements/dist/vscode-form-helper/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { parseJsonObject } from '../../src/shared/jsonObject';
import type {
  DatasetChoice,
  DatasetEventMethods,
  DatasetEventNotifications,
  DatasetEventPreset,
  FiredDatasetEvent,
  StartedRun,
  StartedRunsUpdate,
} from '../../src/shared/protocol';
import { formatTime, stateIcon, summarizeExtra } from '../../src/airflow/presentation';
import { adoptStyles, el, replaceChildren } from './lib/dom';
import { HostConnection } from './lib/host';

const STYLES = `
body { padding: 0 20px 24px; color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
main { max-width: 760px; }
h1 { font-size: 1.5em; font-weight: 600; margin: 18px 0 4px; }
h2 { font-size: 1.15em; font-weight: 600; margin: 0 0 6px; }
.lead { color: var(--vscode-descriptionForeground); margin: 0 0 16px; }
.field { display: flex; flex-direction: column; gap: 4px; margin-bottom: 14px; }
.field vscode-textfield, .field vscode-single-select, .field vscode-textarea { width: 100%; }
.row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.hint { color: var(--vscode-descriptionForeground); }
.hint.warn { color: var(--vscode-editorWarning-foreground); }
.problem { color: var(--vscode-errorForeground); white-space: pre-wrap; }
.alert { display: flex; gap: 6px; align-items: flex-start; padding: 8px 10px; margin: 10px 0; border-radius: 2px;
  border: 1px solid var(--vscode-inputValidation-errorBorder); background: var(--vscode-inputValidation-errorBackground); }
.alert[hidden], section[hidden] { display: none; }
.result { margin-top: 18px; padding: 12px 14px; border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); border-radius: 4px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0 12px; }
.facts dt { color: var(--vscode-descriptionForeground); }
.facts dd { margin: 0; font-family: var(--vscode-editor-font-family); overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin-top: 6px; }
th { text-align: left; font-weight: 600; color: var(--vscode-descriptionForeground); padding: 4px 8px; border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); }
td { padding: 4px 8px; vertical-align: middle; }
td.mono { font-family: var(--vscode-editor-font-family); overflow-wrap: anywhere; }
.state { display: inline-flex; gap: 4px; align-items: center; }
.watch { display: flex; gap: 8px; align-items: center; color: var(--vscode-descriptionForeground); min-height: 22px; }
a.link { color: var(--vscode-textLink-foreground); cursor: pointer; text-decoration: none; }
a.link:hover { text-decoration: underline; }
`;

const host = new HostConnection<DatasetEventMethods, DatasetEventNotifications>();

interface FormState {
  preset: DatasetEventPreset | undefined;
  /** The picked connection, kept here: the select's value lags until its options have rendered. */
  connection: string | null;
  datasets: DatasetChoice[];
  event: FiredDatasetEvent | undefined;
}
const state: FormState = { preset: undefined, connection: null, datasets: [], event: undefined };

// ---------------------------------------------------------------- the page

const connectionSelect = el('vscode-single-select', { id: 'connection' });
const uriField = el('vscode-textfield', { id: 'uri', placeholder: 'e.g. kafka://workbench/orders' });
const pickSelect = el('vscode-single-select', { id: 'pick', combobox: true });
const datasetsHint = el('span', { class: 'hint', id: 'datasets-hint' }, 'Loading the server\'s datasets…');
const consumersHint = el('div', { class: 'hint', id: 'consumers-hint' });
const extraField = el('vscode-textarea', { id: 'extra', monospace: true, rows: 8, resize: 'vertical' });
const extraProblem = el('div', { class: 'problem', id: 'extra-problem', role: 'status' });
const fireButton = el('vscode-button', { id: 'fire', icon: 'zap' }, 'Fire Event');
const errorText = el('span', { id: 'error-text' });
const errorBox = el('div', { class: 'alert', id: 'error', role: 'alert', hidden: true }, el('span', { class: 'codicon codicon-error' }), errorText);
const resultSection = el('section', { class: 'result', id: 'result', hidden: true });

function renderPage(): void {
  const root = document.getElementById('root') ?? document.body;
  extraField.value = '{\n  \n}';
  replaceChildren(
    root,
    el('main', {},
      el('h1', {}, 'Fire Dataset Event'),
      el('p', { class: 'lead' }, 'Creates a dataset event (an asset event in Airflow 3) as if a producing task had updated the dataset, and shows the runs it starts.'),
      el('div', { class: 'field' }, el('vscode-label', { for: 'connection' }, 'Airflow connection'), connectionSelect),
      el('div', { class: 'field' },
        el('vscode-label', { for: 'uri' }, 'Dataset URI'),
        uriField,
        el('div', { class: 'row' }, el('span', { class: 'hint' }, 'Or pick one of the server\'s datasets:'), datasetsHint),
        pickSelect,
        consumersHint,
      ),
      el('div', { class: 'field' },
        el('vscode-label', { for: 'extra' }, 'extra (a JSON object, may be empty)'),
        extraField,
        extraProblem,
      ),
      el('div', { class: 'row' }, fireButton),
      errorBox,
      resultSection,
    ),
  );
}

// ---------------------------------------------------------------- form behaviour

function showError(message: string | undefined): void {
  errorText.textContent = message ?? '';
  errorBox.hidden = message === undefined;
}

function option(value: string, label: string, selected: boolean, description?: string): HTMLElement {
  return el('vscode-option', { value, selected, description }, label);
}

function applyPreset(preset: DatasetEventPreset): void {
  const previousConnection = state.connection;
  state.preset = preset;
  state.connection = preset.connection;
  replaceChildren(connectionSelect, ...preset.connections.map((name) => option(name, name, name === preset.connection)));
  if (preset.connection) connectionSelect.value = preset.connection;
  if (preset.uri) uriField.value = preset.uri;
  if (preset.connections.length === 0) {
    datasetsHint.textContent = '';
    showError('No Airflow connection is configured. Run "Kafka Airflow: Add Airflow Connection" or "Connect to Local Stack" first.');
    return;
  }
  if (state.connection !== previousConnection || state.datasets.length === 0) void loadDatasets();
  else updateConsumers();
}

async function loadDatasets(): Promise<void> {
  const connection = state.connection;
  if (!connection) {
    datasetsHint.textContent = 'pick a connection first';
    return;
  }
  datasetsHint.textContent = 'loading…';
  datasetsHint.className = 'hint';
  try {
    const { datasets, server } = await host.request('listDatasets', { connection });
    if (state.connection !== connection) return; // another connection was picked meanwhile
    state.datasets = datasets;
    replaceChildren(
      pickSelect,
      option('', '— pick a dataset —', true),
      ...datasets.map((d) => option(d.uri, d.uri, d.uri === uriField.value.trim(), d.name !== d.uri ? d.name : undefined)),
    );
    datasetsHint.textContent = `${server} · ${datasets.length} dataset${datasets.length === 1 ? '' : 's'}`;
  } catch (error) {
    state.datasets = [];
    replaceChildren(pickSelect, option('', '— no datasets —', true));
    datasetsHint.textContent = error instanceof Error ? error.message : String(error);
    datasetsHint.className = 'hint warn';
  }
  updateConsumers();
}

function updateConsumers(): void {
  const uri = uriField.value.trim();
  const known = state.datasets.find((d) => d.uri === uri);
  consumersHint.className = 'hint';
  if (uri === '') consumersHint.textContent = '';
  else if (!known) {
    consumersHint.textContent = state.datasets.length > 0 ? 'This URI is not one of the server\'s datasets; Airflow will refuse it unless a DAG declares it.' : '';
    consumersHint.className = 'hint warn';
  } else if (known.consumingDags.length === 0) consumersHint.textContent = 'No DAG is scheduled on this dataset: the event will start no run.';
  else consumersHint.textContent = `Its events start: ${known.consumingDags.join(', ')}`;
}

/** Checks extra as you type; returns the message when it is not a JSON object. */
function checkExtra(): string | undefined {
  const result = parseJsonObject(extraField.value, 'extra');
  const message = result.ok ? undefined : result.message;
  extraProblem.textContent = message ?? '';
  extraField.invalid = message !== undefined;
  return message;
}

async function fire(): Promise<void> {
  showError(undefined);
  const connection = state.connection;
  const uri = uriField.value.trim();
  if (!connection) {
    showError('Pick an Airflow connection.');
    return;
  }
  if (uri === '') {
    uriField.invalid = true;
    showError('Give the dataset URI: pick one of the server\'s datasets or type it.');
    return;
  }
  uriField.invalid = false;
  const extraMessage = checkExtra();
  if (extraMessage) {
    showError(extraMessage);
    return;
  }
  fireButton.disabled = true;
  fireButton.textContent = 'Firing…';
  try {
    const event = await host.request('fire', { connection, uri, extraText: extraField.value });
    state.event = event;
    renderResult(event, { eventId: event.id, runs: [], watching: event.consumingDags.length > 0, note: event.consumingDags.length > 0 ? 'Waiting for the scheduler…' : 'No DAG is scheduled on this dataset, so this event starts no run.' });
  } catch (error) {
    showError(error instanceof Error ? error.message : String(error));
  } finally {
    fireButton.disabled = false;
    fireButton.textContent = 'Fire Event';
  }
}

// ---------------------------------------------------------------- the result

function stateCell(runState: string | null): HTMLElement {
  const { icon, color } = stateIcon(runState);
  const [name, modifier] = icon.split('~');
  const glyph = el('span', { class: `codicon codicon-${name ?? 'circle'}${modifier === 'spin' ? ' codicon-modifier-spin' : ''}`, 'aria-hidden': 'true' });
  if (color) glyph.style.color = `var(--vscode-${color.replace(/\./g, '-')})`;
  return el('span', { class: 'state', 'data-state': runState ?? 'none' }, glyph, runState ?? 'no state yet');
}

function runRow(event: FiredDatasetEvent, run: StartedRun): HTMLElement {
  const reveal = el('a', { class: 'link', href: '#', title: 'Show this run in the DAGs view' }, run.runId);
  reveal.addEventListener('click', (e) => {
    e.preventDefault();
    host.request('revealRun', { connection: event.connection, dagId: run.dagId, runId: run.runId }).catch((error: unknown) => {
      showError(error instanceof Error ? error.message : String(error));
    });
  });
  const open = el('vscode-button', { secondary: true, icon: 'link-external', title: 'Open this run in the Airflow UI' }, 'Airflow UI');
  open.addEventListener('click', () => {
    host.request('openRunInAirflowUi', { connection: event.connection, dagId: run.dagId, runId: run.runId }).catch((error: unknown) => {
      showError(error instanceof Error ? error.message : String(error));
    });
  });
  return el('tr', { class: 'run', 'data-dag': run.dagId, 'data-state': run.state ?? 'none' },
    el('td', {}, stateCell(run.state)),
    el('td', { class: 'mono' }, run.dagId),
    el('td', { class: 'mono' }, reveal),
    el('td', {}, open),
  );
}

function renderResult(event: FiredDatasetEvent, update: StartedRunsUpdate): void {
  resultSection.hidden = false;
  const watch = el('div', { class: 'watch', id: 'watch' },
    update.watching ? el('vscode-progress-ring', { 'aria-label': 'watching' }) : el('span', { class: 'codicon codicon-check' }),
    el('span', { id: 'watch-note' }, update.note),
  );
  const runs = update.runs.length === 0
    ? el('p', { class: 'hint', id: 'no-runs' }, update.watching ? 'No run has started yet.' : 'No run was started.')
    : el('table', { id: 'runs' },
        el('thead', {}, el('tr', {}, el('th', {}, 'State'), el('th', {}, 'DAG'), el('th', {}, 'Run (click to show it in the DAGs view)'), el('th', {}, ''))),
        el('tbody', {}, ...update.runs.map((run) => runRow(event, run))),
      );
  replaceChildren(
    resultSection,
    el('h2', { id: 'event-title' }, `Event #${event.id} fired`),
    el('dl', { class: 'facts' },
      el('dt', {}, 'Dataset'), el('dd', {}, event.uri),
      el('dt', {}, 'Time'), el('dd', {}, formatTime(event.timestamp)),
      el('dt', {}, 'Connection'), el('dd', {}, event.connection),
      el('dt', {}, 'extra'), el('dd', {}, summarizeExtra(event.extra, 200)),
      el('dt', {}, 'Consumers'), el('dd', {}, event.consumingDags.join(', ') || '—'),
    ),
    el('h2', {}, 'Runs it started'),
    watch,
    runs,
  );
}

// ---------------------------------------------------------------- start

function isPreset(value: unknown): value is DatasetEventPreset {
  return typeof value === 'object' && value !== null && Array.isArray((value as DatasetEventPreset).connections);
}

function isRunsUpdate(value: unknown): value is StartedRunsUpdate {
  return typeof value === 'object' && value !== null && typeof (value as StartedRunsUpdate).eventId === 'number' && Array.isArray((value as StartedRunsUpdate).runs);
}

function start(): void {
  adoptStyles(STYLES);
  renderPage();

  connectionSelect.addEventListener('change', () => {
    state.connection = connectionSelect.value || null;
    state.datasets = [];
    void loadDatasets();
  });
  pickSelect.addEventListener('change', () => {
    if (pickSelect.value) {
      uriField.value = pickSelect.value;
      uriField.invalid = false;
    }
    updateConsumers();
  });
  uriField.addEventListener('input', updateConsumers);
  extraField.addEventListener('input', () => { checkExtra(); });
  fireButton.addEventListener('click', () => { void fire(); });

  host.on('preset', (params) => {
    if (isPreset(params)) applyPreset(params);
  });
  host.on('runs', (params) => {
    if (isRunsUpdate(params) && state.event?.id === params.eventId) renderResult(state.event, params);
  });
  host.ready();
}

start();
