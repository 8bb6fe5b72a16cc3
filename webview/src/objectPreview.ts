/**
 * The preview of a CSV or Parquet object (first 100 rows) in the inspector's virtual table:
 * a row number column and one column per field, every cell set through textContent (data is
 * never parsed as HTML). The host keeps the rows; the table asks for the ones in view.
 */
import type { ObjectPreviewInfo, ObjectPreviewMethods, ObjectPreviewNotifications, ObjectPreviewRow } from '../../src/shared/protocol';
import { adoptStyles, el, replaceChildren } from './lib/dom';
import { HostConnection } from './lib/host';
import { VIRTUAL_TABLE_CSS, VirtualTable, type Column } from './lib/virtualTable';

const STYLES = `
html, body { height: 100%; }
body { margin: 0; padding: 0 16px; color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size);
  display: flex; flex-direction: column; box-sizing: border-box; }
h1 { font-size: 1.3em; font-weight: 600; margin: 14px 0 2px; overflow-wrap: anywhere; }
.lead { color: var(--vscode-descriptionForeground); margin: 0 0 10px; }
.table-area { flex: 1; min-height: 200px; display: flex; flex-direction: column; padding-bottom: 12px; }
.table-area .vt { flex: 1; }
.vt-cell.mono { font-family: var(--vscode-editor-font-family); }
.vt-cell.num { text-align: right; color: var(--vscode-descriptionForeground); }
.alert { padding: 8px 10px; margin: 10px 0; border: 1px solid var(--vscode-inputValidation-errorBorder); background: var(--vscode-inputValidation-errorBackground); }
${VIRTUAL_TABLE_CSS}
`;

const host = new HostConnection<ObjectPreviewMethods, ObjectPreviewNotifications>();
const root = document.getElementById('root') ?? document.body;
let shownKey: string | undefined;

function formatBytes(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  if (bytes >= 1_000) return `${(bytes / 1_000).toFixed(1)} KB`;
  return `${bytes} B`;
}

function render(info: ObjectPreviewInfo): void {
  shownKey = info.key;
  const columns: Column<ObjectPreviewRow>[] = [
    { id: '#', title: '#', width: '56px', className: 'num', text: (r) => String(r.index + 1) },
    ...info.columns.map((name, i): Column<ObjectPreviewRow> => ({
      id: `c${i}`, title: name, width: 'minmax(90px, 1fr)', className: 'mono', text: (r) => r.cells[i] ?? '',
    })),
  ];
  const table = new VirtualTable<ObjectPreviewRow>({
    columns,
    rowHeight: 22,
    margin: 40,
    fetch: async (from, to) => {
      const page = await host.request('rows', { from, to });
      return { rows: page.rows, total: page.total, generation: 1 };
    },
    rowId: (row) => row.index,
    label: `First rows of ${info.key}`,
    onSelectionChange: () => undefined,
    onOpen: () => undefined,
    onError: (error) => { showFailure(error instanceof Error ? error.message : String(error)); },
    emptyText: () => 'The object has no rows.',
  });
  const total = info.totalRows === null ? '' : ` of ${info.totalRows.toLocaleString('en-US')}`;
  replaceChildren(root,
    el('h1', { id: 'preview-title' }, info.key),
    el('p', { class: 'lead', id: 'preview-summary' },
      `${info.format === 'parquet' ? 'Parquet' : 'CSV'} · ${formatBytes(info.bytes)} · first ${info.shown} rows${total} · ${info.columns.length} columns · s3://${info.bucket} at ${info.endpoint}`),
    el('div', { class: 'table-area' }, table.element),
  );
  table.setTotal(info.shown, 1);
}

function showFailure(message: string): void {
  replaceChildren(root, el('h1', {}, shownKey ?? 'Preview'), el('div', { class: 'alert', role: 'alert', id: 'preview-error' }, message));
}

adoptStyles(STYLES);
replaceChildren(root, el('p', { class: 'lead' }, 'Reading the object…'));
host.on('preview', (params) => { render(params); });
host.on('failed', (params) => {
  shownKey = params.key;
  showFailure(params.message);
});
host.ready();
