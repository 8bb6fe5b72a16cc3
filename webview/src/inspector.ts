/**
 * The Message Inspector in its webview: where to start reading (beginning, end and follow,
 * the latest N, an offset, a timestamp), which partitions, how many messages and what to do
 * when the memory bound is reached (keep the newest or stop; the status line shows the memory
 * held against the bound); a virtualized table of partition, offset, timestamp, key, value
 * preview, headers and size whose rows the host sends page by page; a detail pane with pretty
 * JSON, raw text, hex and headers; text search and a partition filter computed in the host;
 * pause and resume while following; export, copy and "Produce again". Every key, value and header is put in the page
 * with textContent, so a message holding <script> shows those characters and runs nothing;
 * bidirectional, zero-width and control characters show as styled `\u202E` escapes with a
 * note, and a missing key reads `(null)` as a missing value does (src/shared/inspectorDisplay.ts).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type {
  InspectorContent,
  InspectorDetail,
  InspectorMethods,
  InspectorNotifications,
  InspectorOptions,
  InspectorPageState,
  InspectorPreset,
  InspectorRestore,
  InspectorRow,
  InspectorStartKind,
  InspectorStatus,
  InspectorWhenFull,
} from '../../src/shared/protocol';
import { pipelineLines } from '../../src/history/pipeline';
import { cellOf, contentOf as shownContent, detailNote, headerValueOf, MAX_STYLED_ESCAPES, rowLabelOf, schemaColumnOf, wireHeading, wireLines } from '../../src/shared/inspectorDisplay';
import { inspectorPageStateOf } from '../../src/shared/panelState';
import { visibleLabel } from '../../src/shared/visibleText';
import { formatBytes, formatCount, formatTimestamp, parseTimestamp } from '../../src/kafka/presentation';
import { el, replaceChildren } from './lib/dom';
import { HostConnection } from './lib/host';
import { VIRTUAL_TABLE_CSS, VirtualTable, type Column } from './lib/virtualTable';
import { setParts, setVisibleText, VISIBLE_TEXT_CSS } from './lib/visibleText';

const ROW_HEIGHT = 22;

const STYLES = `
[hidden] { display: none !important; }
html, body { height: 100%; }
/* The editor's background, said outright: the page is otherwise transparent over it, and contrast checks (axe) would measure text against white. */
body { margin: 0; padding: 0; background: var(--vscode-editor-background); color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); overflow: hidden; }
#root { height: 100%; }
main { display: flex; flex-direction: column; height: 100%; box-sizing: border-box; padding: 8px 12px 6px; gap: 8px; }
header h1 { font-size: 1.3em; font-weight: 600; margin: 0; display: flex; gap: 8px; align-items: center; }
header .sub { color: var(--vscode-descriptionForeground); }
.bar { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: flex-end; }
.ctl { display: flex; flex-direction: column; gap: 2px; }
.ctl vscode-label { padding: 0; font-size: 0.92em; color: var(--vscode-descriptionForeground); }
.ctl.inline { flex-direction: row; align-items: center; gap: 6px; padding-bottom: 3px; }
#start-kind { width: 190px; } #start-value { width: 190px; } #max { width: 100px; } #when-full { width: 150px; } #search { width: 260px; }
#read-partitions, #show-partitions { width: 160px; }
.sep { width: 1px; align-self: stretch; background: var(--vscode-widget-border, var(--vscode-panel-border)); }
.problem { color: var(--vscode-errorForeground); font-size: 0.92em; }
.status { display: flex; gap: 8px; align-items: center; min-height: 20px; color: var(--vscode-descriptionForeground); }
.status.error { color: var(--vscode-errorForeground); }
.status .codicon { font-size: 14px; }
.status .notice { display: flex; gap: 4px; align-items: center; color: var(--vscode-editorInfo-foreground, var(--vscode-descriptionForeground)); }
.status .notice[hidden] { display: none; }
.status .memory { white-space: nowrap; }
.status .memory[hidden] { display: none; }
.work { display: flex; flex-direction: column; gap: 8px; flex: 1; min-height: 0; }
.table-area { display: flex; flex-direction: column; flex: 3; min-width: 0; min-height: 0; }
.detail { flex: 2; min-height: 0; display: flex; flex-direction: column; border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); }
/* Wide panels: the detail pane beside the table; narrow ones: below it, so the table keeps its width. */
@media (min-width: 1400px) { .work { flex-direction: row; } .detail { min-width: 380px; max-width: 45%; } }
#export-format { width: 80px; }
.detail[hidden] { display: none; }
.detail-head { padding: 6px 8px; border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); display: flex; flex-direction: column; gap: 6px; }
.detail-title { font-weight: 600; }
.detail-meta { color: var(--vscode-descriptionForeground); }
.detail-actions { display: flex; gap: 6px; flex-wrap: wrap; }
.pipeline { display: flex; flex-direction: column; gap: 4px; }
.pipeline-title { font-weight: 600; display: flex; gap: 6px; align-items: center; }
.pipeline-line { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.pipeline-line .label { color: var(--vscode-descriptionForeground); min-width: 6em; }
.pipeline-line .value { word-break: break-all; }
.tabs { display: flex; gap: 2px; border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); padding: 0 6px; }
.tab { background: none; border: none; color: var(--vscode-descriptionForeground); padding: 4px 8px; cursor: pointer; border-bottom: 2px solid transparent; font: inherit; }
.tab[aria-selected="true"] { color: var(--vscode-foreground); border-bottom-color: var(--vscode-focusBorder); }
.tab:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
.views { display: flex; gap: 4px; padding: 4px 8px; align-items: center; color: var(--vscode-descriptionForeground); }
.views button { background: none; border: 1px solid transparent; color: inherit; font: inherit; padding: 1px 6px; border-radius: 3px; cursor: pointer; }
.views button[aria-pressed="true"] { border-color: var(--vscode-focusBorder); color: var(--vscode-foreground); }
.views button[disabled] { opacity: 0.4; cursor: default; }
pre.content { flex: 1; margin: 0; padding: 6px 8px; overflow: auto; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size, inherit); white-space: pre-wrap; overflow-wrap: anywhere; user-select: text; }
.headers-table { border-collapse: collapse; margin: 6px 8px; font-family: var(--vscode-editor-font-family); }
.headers-table td { padding: 2px 8px 2px 0; vertical-align: top; white-space: pre-wrap; overflow-wrap: anywhere; }
.headers-table td.k { color: var(--vscode-symbolIcon-keyForeground, var(--vscode-descriptionForeground)); }
.kind { font-size: 0.85em; padding: 0 5px; border-radius: 8px; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
.vt-cell.binary { color: var(--vscode-charts-orange, var(--vscode-descriptionForeground)); }
.vt-cell.null { color: var(--vscode-disabledForeground, var(--vscode-descriptionForeground)); font-style: italic; }
.vt-cell.json { color: var(--vscode-foreground); }
.footer { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.spacer { flex: 1; }
pre.content.muted, .headers-table td.muted { color: var(--vscode-disabledForeground, var(--vscode-descriptionForeground)); font-style: italic; }
.detail-note { padding: 2px 8px; }
.wire-note { color: var(--vscode-descriptionForeground); }
.wire-note.failed { color: var(--vscode-errorForeground); }
.wire { flex: 1; overflow: auto; margin: 0; padding: 6px 8px; font-family: var(--vscode-editor-font-family); white-space: pre; }
.wire-part { border-left: 3px solid transparent; padding-left: 6px; }
.wire-magic { border-left-color: var(--vscode-charts-red, #f14c4c); }
.wire-schemaId { border-left-color: var(--vscode-charts-blue, #3794ff); }
.wire-indexes { border-left-color: var(--vscode-charts-purple, #b180d7); }
.wire-payload { border-left-color: var(--vscode-charts-green, #89d185); white-space: pre-wrap; overflow-wrap: anywhere; }
.schema-failed { color: var(--vscode-errorForeground); }
${VIRTUAL_TABLE_CSS}
${VISIBLE_TEXT_CSS}
`;

const host = new HostConnection<InspectorMethods, InspectorNotifications>();

interface PageState {
  preset: InspectorPreset | undefined;
  status: InspectorStatus | undefined;
  paused: boolean;
  /** The row count shown while paused. */
  frozenTotal: number;
  detail: InspectorDetail | undefined;
  tab: 'value' | 'key' | 'headers';
  view: 'pretty' | 'text' | 'hex' | 'bytes';
  selectedIds: number[];
}
/**
 * The choices of the selects, kept here: vscode-single-select and vscode-multi-select take
 * their options a moment after they are added, so their `value` lags behind a preset.
 */
const chosen = { start: 'beginning' as InspectorStartKind, read: [] as number[], show: [] as number[], format: 'json' as 'json' | 'csv', whenFull: 'keepNewest' as InspectorWhenFull };

const state: PageState = {
  preset: undefined, status: undefined, paused: false, frozenTotal: 0, detail: undefined, tab: 'value', view: 'pretty', selectedIds: [],
};

// ---------------------------------------------------------------- kept state (window reload)

/**
 * What the page keeps with setState: what it reads (from the host's preset) and where the user
 * was. VS Code keeps it across a window reload and the host's serializer reopens the panel from
 * it (src/panels/panelRestore.ts); this page then applies the rest when the preset arrives.
 */
let kept: InspectorPageState | undefined = inspectorPageStateOf(host.state, Number.MAX_SAFE_INTEGER);
/** The scroll position and cursor row to go back to once the restored read has its rows. */
let pendingPosition: { scrollTop: number; cursor: number } | undefined;
/** Set once the restored read started and its filter is applied: the position may be restored. */
let positionDue = false;
let scrollKeepTimer = 0;

function keep(patch: Partial<InspectorPageState>): void {
  if (!kept) return;
  kept = { ...kept, ...patch };
  host.state = kept;
}

function sameRestore(a: InspectorRestore, b: InspectorRestore): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Goes back to the kept scroll position and row once the rows are there (or the read ended). */
function restorePositionWhenReady(): void {
  const position = pendingPosition;
  const status = state.status;
  if (!positionDue || !position || !status) return;
  const settled = status.state !== 'loading';
  const enough = table.length * ROW_HEIGHT >= position.scrollTop + 2000 && table.length > position.cursor;
  if (!settled && !enough) return;
  pendingPosition = undefined;
  table.restorePosition(position.scrollTop, position.cursor);
}

// ---------------------------------------------------------------- controls

const title = el('h1', { id: 'title' });
const subtitle = el('div', { class: 'sub', id: 'subtitle' });
const startKind = el('vscode-single-select', { id: 'start-kind', 'aria-label': 'Start position' },
  el('vscode-option', { value: 'beginning' }, 'From the beginning'),
  el('vscode-option', { value: 'latest' }, 'Latest N per partition'),
  el('vscode-option', { value: 'end' }, 'New messages only (end)'),
  el('vscode-option', { value: 'offset' }, 'From offset'),
  el('vscode-option', { value: 'timestamp' }, 'From timestamp'),
);
const startValue = el('vscode-textfield', { id: 'start-value', 'aria-label': 'Start value' });
const startValueLabel = el('vscode-label', { for: 'start-value' }, 'Value');
const startValueBox = el('div', { class: 'ctl' }, startValueLabel, startValue);
const readPartitions = el('vscode-multi-select', { id: 'read-partitions', 'aria-label': 'Partitions to read' });
const maxField = el('vscode-textfield', { id: 'max', 'aria-label': 'Max messages' });
const whenFullSelect = el('vscode-single-select', { id: 'when-full', 'aria-label': 'When memory is full', title: 'What a read does when the messages it holds reach the memory bound (setting kafkaAirflow.kafka.inspectorMemoryMB)' },
  el('vscode-option', { value: 'keepNewest' }, 'Keep the newest'),
  el('vscode-option', { value: 'stop' }, 'Stop reading'),
);
const followBox = el('vscode-checkbox', { id: 'follow', label: 'Follow new messages' });
const startButton = el('vscode-button', { id: 'start', icon: 'play' }, 'Read');
const stopButton = el('vscode-button', { id: 'stop', icon: 'debug-stop', secondary: true, disabled: true }, 'Stop');
const optionsProblem = el('div', { class: 'problem', id: 'options-problem', role: 'alert' });

const searchField = el('vscode-textfield', { id: 'search', placeholder: 'Search key, value and headers', 'aria-label': 'Search' },
  el('span', { slot: 'content-before', class: 'codicon codicon-search' }));
const showPartitions = el('vscode-multi-select', { id: 'show-partitions', 'aria-label': 'Partitions to show' });
const pauseButton = el('vscode-button', { id: 'pause', icon: 'debug-pause', secondary: true, disabled: true }, 'Pause');
const formatSelect = el('vscode-single-select', { id: 'export-format', 'aria-label': 'Export format' },
  el('vscode-option', { value: 'json' }, 'JSON'),
  el('vscode-option', { value: 'csv' }, 'CSV'),
);
const exportSelectedButton = el('vscode-button', { id: 'export-selected', icon: 'export', secondary: true, disabled: true }, 'Export selected');
const exportFilteredButton = el('vscode-button', { id: 'export-filtered', icon: 'export', secondary: true, disabled: true }, 'Export all shown');

const statusIcon = el('span', { class: 'codicon codicon-circle-outline' });
const statusText = el('span', { id: 'status-text' }, 'Not reading yet.');
// A notice the read went on past (a partition's leader moved): information, not an error.
const noticeText = el('span', { id: 'status-notice-text' });
const statusNotice = el('span', { class: 'notice', id: 'status-notice', hidden: true }, el('span', { class: 'codicon codicon-info' }), noticeText);
// How much the host holds for the rows, against the memory bound.
const statusMemory = el('span', { class: 'memory', id: 'status-memory', hidden: true, title: 'Memory the messages take in the editor, and the bound (setting kafkaAirflow.kafka.inspectorMemoryMB)' });
const statusLine = el('div', { class: 'status', id: 'status', role: 'status', 'aria-live': 'polite' }, statusIcon, statusText, statusMemory, statusNotice);

// ---------------------------------------------------------------- detail pane

const detailTitle = el('div', { class: 'detail-title', id: 'detail-title' });
const detailMeta = el('div', { class: 'detail-meta', id: 'detail-meta' });
const copyValueButton = el('vscode-button', { id: 'copy-value', icon: 'copy', secondary: true }, 'Copy value');
const copyRowButton = el('vscode-button', { id: 'copy-row', icon: 'json', secondary: true }, 'Copy as JSON');
const produceAgainButton = el('vscode-button', { id: 'produce-again', icon: 'send', secondary: true }, 'Produce again');
const traceMessageButton = el('vscode-button', { id: 'trace-message', icon: 'git-commit', secondary: true, title: 'Follow this message through the batch consumer, the history and the downstream Airflow runs' }, 'Trace Message');
const closeDetailButton = el('vscode-button', { id: 'close-detail', icon: 'close', secondary: true, title: 'Close the detail pane' });
const tabButtons = {
  value: el('button', { class: 'tab', role: 'tab', id: 'tab-value' }, 'Value'),
  key: el('button', { class: 'tab', role: 'tab', id: 'tab-key' }, 'Key'),
  headers: el('button', { class: 'tab', role: 'tab', id: 'tab-headers' }, 'Headers'),
};
const viewButtons = {
  pretty: el('button', { id: 'view-pretty', type: 'button' }, 'Pretty JSON'),
  text: el('button', { id: 'view-text', type: 'button' }, 'Text'),
  hex: el('button', { id: 'view-hex', type: 'button' }, 'Hex'),
  bytes: el('button', { id: 'view-bytes', type: 'button', title: 'The Confluent wire format byte by byte: magic byte, schema id, message indexes, payload' }, 'Wire bytes'),
};
const viewBar = el('div', { class: 'views', role: 'toolbar', 'aria-label': 'Show as' }, el('span', {}, 'Show as'), viewButtons.pretty, viewButtons.text, viewButtons.hex, viewButtons.bytes);
/** A schema'd key or value: what it is, and why it was not decoded when it was not. */
const wireNote = el('div', { class: 'detail-note wire-note', id: 'detail-wire-note', role: 'note', hidden: true });
/** The byte view: one line per part of the wire format, each marked by its class. */
const wireArea = el('div', { class: 'wire', id: 'detail-wire', hidden: true, tabindex: 0 });
/** Says that hidden characters in the text below are shown as escapes; hidden when there are none. */
const hiddenNote = el('div', { class: 'hidden-note detail-note', id: 'detail-note', role: 'note', hidden: true });
const contentPre = el('pre', { class: 'content', id: 'detail-content', tabindex: 0 });
const headersArea = el('div', { id: 'detail-headers', hidden: true });
/** History rows only: the consumer run, dataset event and processing run of the message. */
const pipelineArea = el('div', { class: 'pipeline', id: 'detail-pipeline', hidden: true, role: 'group', 'aria-label': 'Pipeline' });
const detailPane = el('section', { class: 'detail', id: 'detail', hidden: true, 'aria-label': 'Message detail' },
  el('div', { class: 'detail-head' },
    el('div', { class: 'row' }, detailTitle),
    detailMeta,
    pipelineArea,
    el('div', { class: 'detail-actions' }, copyValueButton, copyRowButton, produceAgainButton, traceMessageButton, closeDetailButton),
  ),
  el('div', { class: 'tabs', role: 'tablist' }, tabButtons.value, tabButtons.key, tabButtons.headers),
  viewBar,
  hiddenNote,
  wireNote,
  contentPre,
  wireArea,
  headersArea,
);

// ---------------------------------------------------------------- the table

function kindClass(kind: InspectorRow['keyKind']): string | undefined {
  return kind === 'binary' ? 'binary' : kind === 'null' || kind === 'empty' ? 'null' : kind === 'json' ? 'json' : undefined;
}

const columns: Column<InspectorRow>[] = [
  { id: 'partition', title: 'Partition', width: '76px', className: 'num', text: (r) => String(r.partition) },
  { id: 'offset', title: 'Offset', width: '90px', className: 'num', text: (r) => formatCount(r.offset) },
  { id: 'timestamp', title: 'Timestamp', width: '214px', className: 'mono', text: (r) => formatTimestamp(r.timestamp) },
  { id: 'key', title: 'Key', width: 'minmax(70px, 1fr)', className: 'mono', text: (r) => r.key, cellClass: (r) => kindClass(r.keyKind), fill: (cell, r) => { setParts(cell, cellOf(r, 'key').parts); }, tooltip: (r) => cellOf(r, 'key').tooltip },
  { id: 'value', title: 'Value', width: 'minmax(120px, 4fr)', className: 'mono', text: (r) => r.value, cellClass: (r) => kindClass(r.valueKind), fill: (cell, r) => { setParts(cell, cellOf(r, 'value').parts); }, tooltip: (r) => cellOf(r, 'value').tooltip },
  { id: 'schema', title: 'Schema', width: 'minmax(170px, 2fr)', className: 'mono', text: (r) => schemaColumnOf(r).text, cellClass: (r) => (schemaColumnOf(r).failed ? 'schema-failed' : undefined), tooltip: (r) => schemaColumnOf(r).tooltip },
  { id: 'headers', title: 'Headers', width: '74px', className: 'num', text: (r) => (r.headers === 0 ? '' : String(r.headers)) },
  { id: 'size', title: 'Size', width: '72px', className: 'num', text: (r) => formatBytes(r.size) },
];

const table = new VirtualTable<InspectorRow>({
  columns,
  rowHeight: ROW_HEIGHT,
  margin: 40,
  fetch: async (from, to) => {
    const page = await host.request('rows', { from, to });
    return { rows: page.rows, total: state.paused ? Math.min(page.matched, state.frozenTotal) : page.matched, generation: page.generation };
  },
  rowId: (row) => row.id,
  label: 'Messages',
  rowLabel: (r) => rowLabelOf(r, { offset: formatCount(r.offset), timestamp: formatTimestamp(r.timestamp), size: formatBytes(r.size) }),
  onScroll: (scrollTop) => {
    window.clearTimeout(scrollKeepTimer);
    scrollKeepTimer = window.setTimeout(() => { if (!pendingPosition) keep({ scrollTop: Math.round(scrollTop) }); }, 200);
  },
  onSelectionChange: (row, ids) => {
    state.selectedIds = ids;
    updateButtons();
    if (!pendingPosition) keep({ cursor: table.cursorIndex });
    if (row) void showDetail(row.id);
  },
  onOpen: (row) => { void showDetail(row.id); },
  onError: (error) => { setStatusError(errorText(error)); },
  emptyText: () => emptyText(),
});

function emptyText(): string {
  const status = state.status;
  if (!status || status.state === 'idle') return 'Choose where to start and press Read.';
  if (status.loaded > 0 && status.matched === 0) return 'No message matches the search and partition filter.';
  if (status.state === 'loading' || status.state === 'following') return 'Waiting for messages…';
  return 'No messages in this range.';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------- layout

function renderPage(): void {
  const root = document.getElementById('root') ?? document.body;
  replaceChildren(root,
    el('main', {},
      el('header', {}, title, subtitle),
      el('div', { class: 'bar', role: 'group', 'aria-label': 'What to read' },
        el('div', { class: 'ctl' }, el('vscode-label', { for: 'start-kind' }, 'Start'), startKind),
        startValueBox,
        el('div', { class: 'ctl' }, el('vscode-label', { for: 'read-partitions' }, 'Read partitions'), readPartitions),
        el('div', { class: 'ctl' }, el('vscode-label', { for: 'max' }, 'Max messages'), maxField),
        el('div', { class: 'ctl' }, el('vscode-label', { for: 'when-full' }, 'When memory is full'), whenFullSelect),
        el('div', { class: 'ctl inline' }, followBox),
        el('div', { class: 'ctl inline' }, startButton, stopButton),
      ),
      optionsProblem,
      el('div', { class: 'bar', role: 'group', 'aria-label': 'What to show' },
        el('div', { class: 'ctl' }, el('vscode-label', { for: 'search' }, 'Search'), searchField),
        el('div', { class: 'ctl' }, el('vscode-label', { for: 'show-partitions' }, 'Show partitions'), showPartitions),
        el('div', { class: 'ctl inline' }, pauseButton),
      ),
      el('div', { class: 'work' },
        el('div', { class: 'table-area' }, table.element),
        detailPane,
      ),
      el('div', { class: 'footer' },
        statusLine,
        el('span', { class: 'spacer' }),
        el('vscode-label', { for: 'export-format' }, 'Export as'),
        formatSelect, exportSelectedButton, exportFilteredButton,
      ),
    ),
  );
}

// ---------------------------------------------------------------- options

function readOptions(): { ok: true; options: InspectorOptions } | { ok: false; message: string } {
  const start = chosen.start;
  const value = startValue.value.trim();
  const limit = state.preset?.maxMessagesLimit ?? 1_000_000;
  const maxText = maxField.value.trim().replace(/[_,]/g, '');
  if (!/^\d+$/.test(maxText) || Number(maxText) < 1 || Number(maxText) > limit) {
    return { ok: false, message: `Max messages must be a whole number from 1 to ${formatCount(limit)}.` };
  }
  if (start === 'latest' && (!/^\d+$/.test(value) || Number(value) < 1)) {
    return { ok: false, message: 'Give how many of the latest messages to read from each partition, e.g. 100.' };
  }
  if (start === 'offset' && !/^\d+$/.test(value)) {
    return { ok: false, message: 'Give the offset to start at: a whole number, e.g. 0 or 1500.' };
  }
  if (start === 'timestamp') {
    const parsed = parseTimestamp(value);
    if (!parsed.ok) return { ok: false, message: parsed.message };
  }
  const partitions = chosen.read;
  const all = state.preset?.partitions.length ?? 0;
  if (all > 0 && partitions.length === 0) return { ok: false, message: 'Pick at least one partition to read.' };
  return {
    ok: true,
    options: {
      start,
      startValue: value,
      partitions: partitions.length === all ? [] : partitions,
      maxMessages: Number(maxText),
      follow: followBox.checked || start === 'end',
      whenFull: chosen.whenFull,
    },
  };
}

function updateStartValue(): void {
  const kind = chosen.start;
  const labels: Partial<Record<InspectorStartKind, [string, string, string]>> = {
    latest: ['Messages per partition', '100', 'e.g. 100'],
    offset: ['Offset', '0', 'e.g. 0 or 1500'],
    timestamp: ['Time', '1h ago', '2024-05-01 12:00, …Z, or 2h ago'],
  };
  const entry = labels[kind];
  startValueBox.hidden = entry === undefined;
  if (entry) {
    const [label, value, placeholder] = entry;
    if (startValueLabel.textContent !== label) {
      startValueLabel.textContent = label;
      startValue.value = value;
    }
    startValue.placeholder = placeholder;
  }
  if (kind === 'end') followBox.checked = true;
  checkOptions();
}

function checkOptions(): boolean {
  const result = readOptions();
  optionsProblem.textContent = result.ok ? '' : result.message;
  startValue.invalid = !result.ok && /offset|time|latest|partition/i.test(result.message) && !startValueBox.hidden;
  maxField.invalid = !result.ok && result.message.startsWith('Max');
  return result.ok;
}

/** Starts a read; `restoring`: the first read after a window reload, which applies the kept filter and position. */
async function startReading(restoring = false): Promise<void> {
  const result = readOptions();
  if (!result.ok) {
    optionsProblem.textContent = result.message;
    return;
  }
  state.paused = false;
  closeDetail();
  try {
    await host.request('start', result.options);
    keep({ options: result.options });
    if (restoring) {
      if (searchField.value !== '' || chosen.show.length !== (state.preset?.partitions.length ?? 0)) await applyFilter();
      positionDue = true;
      restorePositionWhenReady();
    } else if (result.options.follow) table.followEnd();
  } catch (error) {
    setStatusError(errorText(error));
  }
}

// ---------------------------------------------------------------- filter

let filterTimer = 0;
/** Wait after a key before searching: a search of 100,000 messages takes ~15 ms in the host (bench/inspector.ts), so this only merges fast typing. */
const FILTER_DELAY_MS = 80;
function scheduleFilter(): void {
  window.clearTimeout(filterTimer);
  filterTimer = window.setTimeout(() => { void applyFilter(); }, FILTER_DELAY_MS);
}

async function applyFilter(): Promise<void> {
  const partitions = chosen.show;
  const all = state.preset?.partitions.length ?? 0;
  try {
    const shown = partitions.length === all ? [] : partitions;
    const result = await host.request('setFilter', { text: searchField.value, partitions: shown });
    state.frozenTotal = result.matched;
    table.setTotal(result.matched, result.generation);
    closeDetail();
    keep({ filterText: searchField.value, showPartitions: shown });
  } catch (error) {
    setStatusError(errorText(error));
  }
}

// ---------------------------------------------------------------- status

function setStatusError(message: string): void {
  statusLine.className = 'status error';
  statusIcon.className = 'codicon codicon-error';
  statusText.textContent = message;
}

function applyStatus(status: InspectorStatus): void {
  const previous = state.status;
  state.status = status;
  const running = status.state === 'loading' || status.state === 'following';
  startButton.disabled = running;
  stopButton.disabled = !running;
  pauseButton.disabled = status.state !== 'following' && !state.paused;
  const icons: Record<InspectorStatus['state'], string> = {
    idle: 'circle-outline', loading: 'loading codicon-modifier-spin', following: 'broadcast', done: 'pass', stopped: 'debug-stop', error: 'error',
  };
  statusLine.className = status.state === 'error' ? 'status error' : 'status';
  statusIcon.className = `codicon codicon-${icons[status.state]}`;
  const waiting = state.paused ? Math.max(0, status.matched - state.frozenTotal) : 0;
  statusText.textContent = state.paused
    ? `Paused: ${formatCount(waiting)} new matching messages wait. ${status.message}`
    : status.message;
  noticeText.textContent = status.notice ?? '';
  statusNotice.hidden = status.notice === undefined;
  statusMemory.hidden = status.state === 'idle';
  statusMemory.textContent = `· ${formatBytes(status.heldBytes)} of ${formatBytes(status.boundBytes)} held`;
  if (previous?.generation !== status.generation) {
    state.paused = false;
    updatePauseButton();
    closeDetail();
  }
  if (!state.paused) {
    state.frozenTotal = status.matched;
    table.setTotal(status.matched, status.generation, status.state === 'following');
  }
  updateButtons();
  restorePositionWhenReady();
}

function updatePauseButton(): void {
  pauseButton.textContent = state.paused ? 'Resume' : 'Pause';
  pauseButton.icon = state.paused ? 'debug-continue' : 'debug-pause';
}

function togglePause(): void {
  state.paused = !state.paused;
  updatePauseButton();
  const status = state.status;
  if (!state.paused && status) {
    state.frozenTotal = status.matched;
    table.setTotal(status.matched, status.generation, true);
    table.followEnd();
  }
  if (status) applyStatus(status);
}

function updateButtons(): void {
  const matched = state.status?.matched ?? 0;
  exportSelectedButton.disabled = state.selectedIds.length === 0;
  exportSelectedButton.textContent = state.selectedIds.length > 1 ? `Export ${formatCount(state.selectedIds.length)} selected` : 'Export selected';
  exportFilteredButton.disabled = matched === 0;
  exportFilteredButton.textContent = matched > 0 ? `Export all ${formatCount(matched)} shown` : 'Export all shown';
}

// ---------------------------------------------------------------- detail

async function showDetail(id: number): Promise<void> {
  try {
    const detail = await host.request('detail', { id });
    state.detail = detail;
    if (state.view === 'pretty' && detail.value.pretty === null) state.view = detail.value.kind === 'binary' ? 'hex' : 'text';
    else if (state.view !== 'hex' && state.view !== 'bytes' && detail.value.kind === 'binary') state.view = 'hex';
    renderDetail();
  } catch (error) {
    setStatusError(errorText(error));
  }
}

function closeDetail(): void {
  state.detail = undefined;
  detailPane.hidden = true;
}

function contentOf(detail: InspectorDetail): InspectorContent | undefined {
  return state.tab === 'value' ? detail.value : state.tab === 'key' ? detail.key : undefined;
}

function renderDetail(): void {
  const detail = state.detail;
  if (!detail) return;
  detailPane.hidden = false;
  setVisibleText(detailTitle, `${detail.topic} · partition ${detail.partition} · offset ${formatCount(detail.offset)}`);
  detailMeta.textContent = `${formatTimestamp(detail.timestamp)} · ${formatBytes(detail.size)} · ${detail.headers.length} header${detail.headers.length === 1 ? '' : 's'}`;
  produceAgainButton.hidden = !(state.preset?.canProduceAgain ?? false);
  const pipelineHidden = renderPipeline(detail);
  tabButtons.headers.textContent = `Headers (${detail.headers.length})`;
  for (const [name, button] of Object.entries(tabButtons)) button.setAttribute('aria-selected', String(name === state.tab));
  const content = contentOf(detail);
  viewBar.hidden = content === undefined;
  if (content === undefined) { wireArea.hidden = true; wireNote.hidden = true; }
  contentPre.hidden = content === undefined;
  headersArea.hidden = content !== undefined;
  if (!content) {
    let hidden = 0;
    const rows = detail.headers.map((h) => {
      const name = el('td', { class: 'k' });
      hidden += setVisibleText(name, h.key, MAX_STYLED_ESCAPES);
      const value = headerValueOf(h.value);
      hidden += value.count;
      const cell = el('td', { class: value.muted ? 'muted' : undefined });
      setParts(cell, value.parts);
      return el('tr', {}, name, cell);
    });
    replaceChildren(headersArea, detail.headers.length === 0
      ? el('p', { class: 'hint', style: 'padding: 6px 8px' }, 'This message has no headers.')
      : el('table', { class: 'headers-table' }, ...rows));
    showHiddenNote(hidden + pipelineHidden);
    return;
  }
  const wire = state.tab === 'key' ? detail.wire?.key : detail.wire?.value;
  wireNote.hidden = wire === undefined;
  wireNote.textContent = wire ? wireHeading(wire, state.tab === 'key' ? 'key' : 'value') : '';
  wireNote.classList.toggle('failed', wire?.error !== undefined);
  viewButtons.bytes.hidden = wire === undefined;
  if (wire && state.view === 'bytes') {
    for (const [name, button] of Object.entries(viewButtons)) button.setAttribute('aria-pressed', String(name === 'bytes'));
    contentPre.hidden = true;
    wireArea.hidden = false;
    replaceChildren(wireArea, ...wireLines(wire).map((line) => el('div', { class: `wire-part wire-${line.part}`, 'data-part': line.part }, line.text)));
    showHiddenNote(pipelineHidden);
    return;
  }
  wireArea.hidden = true;
  viewButtons.pretty.disabled = content.pretty === null;
  viewButtons.text.disabled = content.text === null;
  viewButtons.hex.disabled = content.kind === 'null';
  let view = state.view === 'bytes' ? 'pretty' : state.view;
  if (view === 'pretty' && content.pretty === null) view = content.text !== null ? 'text' : 'hex';
  if (view === 'text' && content.text === null) view = 'hex';
  for (const [name, button] of Object.entries(viewButtons)) button.setAttribute('aria-pressed', String(name === view));
  const shown = shownContent(content, state.tab === 'key' ? 'key' : 'value', view);
  const parts = content.truncated
    ? [...shown.parts, `\n\n… cut here: the ${state.tab} has ${formatBytes(content.bytes)}. Export the message to get all of it.`]
    : shown.parts;
  setParts(contentPre, parts);
  contentPre.classList.toggle('muted', shown.muted);
  contentPre.dataset['kind'] = content.kind;
  showHiddenNote(shown.count + pipelineHidden);
}

/** Shows or hides the line that says hidden characters are shown as escapes. */
function showHiddenNote(count: number): void {
  hiddenNote.hidden = count === 0;
  hiddenNote.textContent = detailNote(count);
}

/**
 * The "Pipeline" section of a history row, as text; hidden for Kafka records. Returns how
 * many hidden characters of DAG ids, run ids and the dataset URI it shows as escapes.
 */
function renderPipeline(detail: InspectorDetail): number {
  const pipeline = detail.pipeline;
  pipelineArea.hidden = pipeline === undefined;
  if (!pipeline) {
    replaceChildren(pipelineArea);
    return 0;
  }
  let hidden = 0;
  replaceChildren(pipelineArea,
    el('div', { class: 'pipeline-title' }, el('span', { class: 'codicon codicon-type-hierarchy' }), 'Pipeline'),
    ...pipelineLines(pipeline, formatTimestamp).map((line) => {
      const value = el('span', { class: 'value' });
      hidden += setVisibleText(value, line.text);
      const row = el('div', { class: 'pipeline-line', 'data-line': line.label.toLowerCase() },
        el('span', { class: 'label' }, line.label),
        value);
      if (line.run) {
        const { dagId, runId } = line.run;
        const shownRun = visibleLabel(`${dagId} / ${runId}`);
        const open = el('vscode-button', { icon: 'list-tree', secondary: true, 'aria-label': 'Open Run', title: `Open Run: show ${shownRun} with its tasks in the DAGs view` });
        open.addEventListener('click', () => { void run(() => host.request('openRun', { dagId, runId })); });
        const trace = el('vscode-button', { icon: 'git-commit', secondary: true, 'aria-label': 'Trace Message', title: `Trace Message: follow it through ${shownRun} and the runs after it; each step opens its run` });
        trace.addEventListener('click', () => { void run(() => host.request('traceMessage', { id: detail.id })); });
        row.append(open, trace);
      }
      return row;
    }));
  return hidden;
}

// ---------------------------------------------------------------- actions

async function exportRows(ids: number[] | 'filtered'): Promise<void> {
  try {
    const result = await host.request('export', { ids, format: chosen.format });
    if (result) {
      statusLine.className = 'status';
      statusIcon.className = 'codicon codicon-check';
      statusText.textContent = `Exported ${formatCount(result.written)} message${result.written === 1 ? '' : 's'} to ${result.file}.`;
    }
  } catch (error) {
    setStatusError(errorText(error));
  }
}

async function run(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    setStatusError(errorText(error));
  }
}

// ---------------------------------------------------------------- preset

function applyPreset(preset: InspectorPreset): void {
  state.preset = preset;
  // After a window reload the page's kept state names the same source: its options, filter and
  // position win over the preset's defaults.
  const previous = kept && preset.restore && sameRestore(kept.restore, preset.restore) ? kept : undefined;
  kept = preset.restore ? { ...previous, restore: preset.restore } : undefined;
  if (kept) host.state = kept;
  const options = previous?.options ?? preset.options;
  setVisibleText(title, preset.title);
  setVisibleText(subtitle, preset.subtitle);
  document.title = visibleLabel(preset.title);
  const picked = new Set(options.partitions);
  const all = options.partitions.length === 0;
  const shown = new Set(previous?.showPartitions ?? []);
  const showAll = shown.size === 0;
  replaceChildren(readPartitions, ...preset.partitions.map((p) => el('vscode-option', { value: String(p), selected: all || picked.has(p) }, `Partition ${p}`)));
  replaceChildren(showPartitions, ...preset.partitions.map((p) => el('vscode-option', { value: String(p), selected: showAll || shown.has(p) }, `Partition ${p}`)));
  chosen.start = options.start;
  chosen.read = all ? [...preset.partitions] : preset.partitions.filter((p) => picked.has(p));
  chosen.show = showAll ? [...preset.partitions] : preset.partitions.filter((p) => shown.has(p));
  startKind.value = options.start;
  updateStartValue();
  if (options.startValue !== '') startValue.value = options.startValue;
  maxField.value = String(options.maxMessages);
  followBox.checked = options.follow;
  chosen.whenFull = options.whenFull ?? 'keepNewest';
  whenFullSelect.value = chosen.whenFull;
  if (previous) {
    searchField.value = previous.filterText ?? '';
    state.tab = previous.tab ?? state.tab;
    state.view = previous.view ?? state.view;
    pendingPosition = { scrollTop: previous.scrollTop ?? 0, cursor: previous.cursor ?? -1 };
  }
  checkOptions();
  if (preset.autoStart || previous?.options) void startReading(previous !== undefined);
}

function isPreset(value: unknown): value is InspectorPreset {
  return typeof value === 'object' && value !== null && Array.isArray((value as InspectorPreset).partitions) && typeof (value as InspectorPreset).title === 'string';
}

function isStatus(value: unknown): value is InspectorStatus {
  return typeof value === 'object' && value !== null && typeof (value as InspectorStatus).matched === 'number' && typeof (value as InspectorStatus).generation === 'number';
}

function start(): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(STYLES);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  renderPage();
  updateButtons();

  startKind.addEventListener('change', () => {
    chosen.start = startKind.value as InspectorStartKind;
    updateStartValue();
  });
  readPartitions.addEventListener('change', () => {
    chosen.read = readPartitions.value.map(Number).filter((n) => Number.isInteger(n));
    checkOptions();
  });
  formatSelect.addEventListener('change', () => { chosen.format = formatSelect.value === 'csv' ? 'csv' : 'json'; });
  whenFullSelect.addEventListener('change', () => { chosen.whenFull = whenFullSelect.value === 'stop' ? 'stop' : 'keepNewest'; });
  startValue.addEventListener('input', checkOptions);
  maxField.addEventListener('input', checkOptions);
  startValue.addEventListener('keydown', (e) => { if (e.key === 'Enter') void startReading(); });
  startButton.addEventListener('click', () => { void startReading(); });
  stopButton.addEventListener('click', () => { void run(() => host.request('stop', {})); });
  searchField.addEventListener('input', scheduleFilter);
  showPartitions.addEventListener('change', () => {
    chosen.show = showPartitions.value.map(Number).filter((n) => Number.isInteger(n));
    void applyFilter();
  });
  pauseButton.addEventListener('click', togglePause);
  exportSelectedButton.addEventListener('click', () => { void exportRows(state.selectedIds); });
  exportFilteredButton.addEventListener('click', () => { void exportRows('filtered'); });
  copyValueButton.addEventListener('click', () => {
    const id = state.detail?.id;
    if (id !== undefined) void run(() => host.request('copy', { id, what: state.tab === 'key' ? 'key' : 'value' }));
  });
  copyRowButton.addEventListener('click', () => {
    const id = state.detail?.id;
    if (id !== undefined) void run(() => host.request('copy', { id, what: 'row' }));
  });
  produceAgainButton.addEventListener('click', () => {
    const id = state.detail?.id;
    if (id !== undefined) void run(() => host.request('produceAgain', { id }));
  });
  traceMessageButton.addEventListener('click', () => {
    const id = state.detail?.id;
    if (id !== undefined) void run(() => host.request('traceMessage', { id }));
  });
  closeDetailButton.addEventListener('click', closeDetail);
  for (const [name, button] of Object.entries(tabButtons)) {
    button.addEventListener('click', () => {
      state.tab = name as PageState['tab'];
      keep({ tab: state.tab });
      renderDetail();
    });
  }
  for (const [name, button] of Object.entries(viewButtons)) {
    button.addEventListener('click', () => {
      state.view = name as PageState['view'];
      keep({ view: state.view });
      renderDetail();
    });
  }

  host.on('preset', (params) => { if (isPreset(params)) applyPreset(params); });
  host.on('status', (params) => { if (isStatus(params)) applyStatus(params); });
  host.ready();
}

start();
