/**
 * A virtualized table for the webviews: the host holds every row, the table asks it for the
 * rows in view plus a margin (`fetch(from, to)`), and only those exist in the DOM and in this
 * page's memory. Row elements are pooled and moved, so scrolling a million rows costs what
 * scrolling forty does. Cells are filled with textContent only: data is never parsed as HTML.
 * Keyboard: arrows, Page Up/Down, Home/End move the selection; Enter opens; Space adds or
 * removes the row; Ctrl/Cmd-click and Shift-click select several rows. A click or key on a row
 * still loading (the grid redraws after a search or a refresh) selects it when it arrives, so
 * it is not lost. A column may fill its cells itself (styled parts of text), still only
 * through DOM nodes and textContent.
 *
 * For screen readers it is an ARIA grid: the focusable viewport is the `grid` (its header row
 * inside it, sticky), `aria-rowcount` counts every row of the set and each pooled row carries the
 * `aria-rowindex` of the row it shows, so the virtual rows read as "row 5,001 of 100,001"; the row
 * under the keyboard cursor is the grid's `aria-activedescendant`, and each row has a label that
 * reads its cells with their column names. Focus shows with the theme's focus border, and in
 * high-contrast themes with the contrast border as well.
 */
import { el } from './dom';

export interface Column<R> {
  id: string;
  title: string;
  /** A CSS grid track size, e.g. "80px" or "minmax(120px, 2fr)". */
  width: string;
  /** Extra class of the cells (e.g. "num" to right-align). */
  className?: string;
  text: (row: R) => string;
  /** A class for one cell depending on the row (e.g. "binary"). */
  cellClass?: (row: R) => string | undefined;
  /** The cell's tooltip; the cell's text when absent. */
  tooltip?: (row: R) => string | undefined;
  /** Fills the cell itself (e.g. text with styled parts) instead of setting `text` as its textContent. */
  fill?: (cell: HTMLElement, row: R) => void;
}

export interface RowPage<R> {
  rows: R[];
  /** Rows in the whole (filtered) set. */
  total: number;
  /** Changes when positions changed meaning (new filter or run): caches start over. */
  generation: number;
}

export interface VirtualTableOptions<R> {
  columns: Column<R>[];
  rowHeight: number;
  /** Rows kept above and below the visible ones. */
  margin: number;
  fetch: (from: number, to: number) => Promise<RowPage<R>>;
  rowId: (row: R) => number;
  onSelectionChange: (selected: R | undefined, selectedIds: number[]) => void;
  onOpen: (row: R) => void;
  onError: (error: unknown) => void;
  emptyText: () => string;
  /** The grid's accessible name, e.g. "Messages". */
  label: string;
  /** What a screen reader reads for a row; by default each column's title and text. */
  rowLabel?: (row: R) => string;
  /** The user scrolled (to keep the position, e.g. with setState). */
  onScroll?: (scrollTop: number) => void;
}

let tableCount = 0;

export class VirtualTable<R> {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly sizer: HTMLElement;
  private readonly header: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly pool: HTMLElement[] = [];
  /** Only the rows of the current window: index → row. */
  private cache = new Map<number, R>();
  private total = 0;
  private generation = -1;
  private selected = new Set<number>();
  /** Index of the row with the keyboard focus (the last one clicked). */
  private cursor = -1;
  private anchor = -1;
  private inFlight = false;
  private wanted: { from: number; to: number } | undefined;
  private frame = 0;
  private stickToBottom = false;
  private readonly idPrefix = `vt${++tableCount}`;
  /**
   * A selection to make once its row exists: a kept position after a window reload, or a click
   * on a row still loading (the grid redraws after a search or a refresh; the click is not lost).
   */
  private pending: { index: number; toggle: boolean; range: boolean } | undefined;

  constructor(private readonly options: VirtualTableOptions<R>) {
    const template = options.columns.map((c) => c.width).join(' ');
    this.header = el('div', { class: 'vt-header', role: 'row', 'aria-rowindex': 1 },
      ...options.columns.map((c, i) => el('div', { class: `vt-cell ${c.className ?? ''}`, role: 'columnheader', title: c.title, 'aria-colindex': i + 1 }, c.title)));
    this.header.style.gridTemplateColumns = template;
    this.sizer = el('div', { class: 'vt-sizer' });
    this.empty = el('div', { class: 'vt-empty' });
    // The header row is the grid's row 1: the data rows' aria-rowindex start at 2.
    this.viewport = el('div', {
      class: 'vt-viewport', tabindex: 0, role: 'grid', 'aria-label': options.label,
      'aria-rowcount': 1, 'aria-colcount': options.columns.length, 'aria-multiselectable': 'true',
    }, this.header, this.sizer, this.empty);
    this.element = el('div', { class: 'vt' }, this.viewport);
    // Cells are as tall as a row, so descenders (the underscore of "order_id") are not clipped.
    this.element.style.setProperty('--vt-row-height', `${options.rowHeight}px`);
    this.viewport.addEventListener('scroll', () => {
      this.stickToBottom = this.atBottom();
      this.schedule();
      this.options.onScroll?.(this.viewport.scrollTop);
    }, { passive: true });
    this.viewport.addEventListener('keydown', (event) => { this.onKey(event); });
    new ResizeObserver(() => { this.schedule(); }).observe(this.viewport);
    this.updateEmpty();
  }

  /** How many rows the table shows now. */
  get length(): number {
    return this.total;
  }

  /** Ids of the selected rows. */
  get selectedIds(): number[] {
    return [...this.selected];
  }

  /** Index of the row with the keyboard cursor; -1 for none. */
  get cursorIndex(): number {
    return this.cursor;
  }

  get scrollTop(): number {
    return this.viewport.scrollTop;
  }

  /**
   * Goes back to a kept position: scrolls to `scrollTop` and, when `cursor` is a row, selects
   * it once it has loaded (which opens it, as a click does).
   */
  restorePosition(scrollTop: number, cursor: number): void {
    this.stickToBottom = false;
    this.viewport.scrollTop = Math.min(scrollTop, Math.max(0, this.contentHeight() - this.viewport.clientHeight));
    this.pending = cursor >= 0 && cursor < this.total ? { index: cursor, toggle: false, range: false } : undefined;
    this.schedule(true);
  }

  /** The height of the rows plus the header row. */
  private contentHeight(): number {
    return (this.total + 1) * this.options.rowHeight;
  }

  /** The height the rows are seen in: the viewport less its sticky header row. */
  private rowsHeight(): number {
    return Math.max(0, this.viewport.clientHeight - this.options.rowHeight);
  }

  /** Sets the row count; a new generation drops the cache, the selection and the scroll position. */
  setTotal(total: number, generation: number, follow = false): void {
    if (generation !== this.generation) {
      this.generation = generation;
      this.cache = new Map();
      this.selected.clear();
      this.cursor = -1;
      this.anchor = -1;
      this.pending = undefined;
      this.viewport.scrollTop = 0;
      this.options.onSelectionChange(undefined, []);
    }
    const grew = total > this.total;
    this.total = total;
    this.sizer.style.height = `${total * this.options.rowHeight}px`;
    this.viewport.setAttribute('aria-rowcount', String(total + 1));
    this.updateEmpty();
    if (follow && grew && this.stickToBottom) this.scrollToEnd();
    this.schedule(true);
  }

  /** Follow mode: keep the last row in view while rows arrive (until the user scrolls up). */
  followEnd(): void {
    this.stickToBottom = true;
    this.scrollToEnd();
  }

  scrollToEnd(): void {
    this.viewport.scrollTop = Math.max(0, this.contentHeight() - this.viewport.clientHeight);
  }

  focus(): void {
    this.viewport.focus();
  }

  /** Asks the host again for the rows in view (after the data behind them changed). */
  reload(): void {
    this.cache = new Map();
    this.schedule(true);
  }

  private atBottom(): boolean {
    return this.viewport.scrollTop + this.viewport.clientHeight >= this.viewport.scrollHeight - this.options.rowHeight;
  }

  private updateEmpty(): void {
    this.empty.hidden = this.total > 0;
    this.empty.textContent = this.total > 0 ? '' : this.options.emptyText();
  }

  /** The window of rows to have: visible plus the margin. */
  private window(): { first: number; last: number; from: number; to: number } {
    const { rowHeight, margin } = this.options;
    const first = Math.floor(this.viewport.scrollTop / rowHeight);
    const visible = Math.ceil(this.rowsHeight() / rowHeight) + 1;
    const last = Math.min(this.total, first + visible);
    return { first, last, from: Math.max(0, first - margin), to: Math.min(this.total, last + margin) };
  }

  private schedule(force = false): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
      this.ensureRows(force);
    });
  }

  /** Requests the rows of the window that are not in the cache; drops the rest. */
  private ensureRows(force: boolean): void {
    const { from, to } = this.window();
    for (const index of [...this.cache.keys()]) {
      if (index < from || index >= to) this.cache.delete(index);
    }
    let missingFrom = -1;
    let missingTo = -1;
    for (let i = from; i < to; i++) {
      if (!this.cache.has(i)) {
        if (missingFrom < 0) missingFrom = i;
        missingTo = i + 1;
      }
    }
    if (missingFrom < 0 && !force) return;
    this.wanted = missingFrom < 0 ? { from, to } : { from: missingFrom, to: missingTo };
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.inFlight || !this.wanted) return;
    const { from, to } = this.wanted;
    this.wanted = undefined;
    if (to <= from) return;
    this.inFlight = true;
    const generation = this.generation;
    try {
      const page = await this.options.fetch(from, to);
      if (page.generation !== generation) {
        // The set changed while the request was under way: start over with the new one.
        this.setTotal(page.total, page.generation);
      } else {
        const window = this.window();
        page.rows.forEach((row, i) => {
          const index = from + i;
          if (index >= window.from && index < window.to) this.cache.set(index, row);
        });
        if (page.total !== this.total) this.setTotal(page.total, page.generation);
        this.render();
        this.selectPending();
      }
    } catch (error) {
      this.options.onError(error);
    } finally {
      this.inFlight = false;
    }
    if (this.hasWanted()) void this.pump();
    else this.ensureRows(false);
  }

  /** Whether a request for more rows came in while one was under way. */
  private hasWanted(): boolean {
    return this.wanted !== undefined;
  }

  /** Makes the kept selection once its row has loaded. */
  private selectPending(): void {
    const pending = this.pending;
    if (!pending || !this.cache.has(pending.index)) return;
    this.pending = undefined;
    this.select(pending.index, pending.toggle, pending.range);
  }

  private rowLabel(row: R): string {
    if (this.options.rowLabel) return this.options.rowLabel(row);
    return this.options.columns.map((c) => `${c.title} ${c.text(row) || 'empty'}`).join(', ');
  }

  /** Places pooled row elements on the visible rows. */
  private render(): void {
    const { first, last } = this.window();
    let active: string | undefined;
    const needed = Math.max(0, last - first);
    while (this.pool.length < needed) this.pool.push(this.makeRow());
    for (let i = 0; i < this.pool.length; i++) {
      const rowEl = this.pool[i];
      if (!rowEl) continue;
      const index = first + i;
      if (i >= needed) {
        rowEl.hidden = true;
        continue;
      }
      rowEl.hidden = false;
      rowEl.style.transform = `translateY(${index * this.options.rowHeight}px)`;
      rowEl.dataset['index'] = String(index);
      rowEl.classList.toggle('odd', index % 2 === 1);
      rowEl.setAttribute('aria-rowindex', String(index + 2));
      rowEl.id = `${this.idPrefix}-row-${index}`;
      const row = this.cache.get(index);
      const cells = rowEl.children;
      if (!row) {
        rowEl.classList.add('loading');
        rowEl.classList.remove('selected', 'cursor');
        rowEl.removeAttribute('aria-selected');
        rowEl.setAttribute('aria-label', `Row ${index + 1}, loading`);
        for (let c = 0; c < cells.length; c++) {
          const cell = cells[c] as HTMLElement;
          cell.textContent = c === 0 ? '…' : '';
          cell.removeAttribute('title');
        }
        continue;
      }
      rowEl.classList.remove('loading');
      const id = this.options.rowId(row);
      rowEl.dataset['id'] = String(id);
      const isSelected = this.selected.has(id);
      rowEl.classList.toggle('selected', isSelected);
      rowEl.classList.toggle('cursor', index === this.cursor);
      if (index === this.cursor) active = rowEl.id;
      rowEl.setAttribute('aria-selected', String(isSelected));
      rowEl.setAttribute('aria-label', this.rowLabel(row));
      this.options.columns.forEach((column, c) => {
        const cell = cells[c] as HTMLElement | undefined;
        if (!cell) return;
        const text = column.text(row);
        if (column.fill) column.fill(cell, row);
        else if (cell.textContent !== text) cell.textContent = text;
        cell.className = `vt-cell ${column.className ?? ''} ${column.cellClass?.(row) ?? ''}`;
        const title = column.tooltip?.(row) ?? text;
        if (title.length > 0) cell.title = title.length > 500 ? `${title.slice(0, 500)}…` : title;
        else cell.removeAttribute('title');
      });
    }
    // The row under the keyboard cursor, for screen readers; none when it is scrolled away.
    if (active) this.viewport.setAttribute('aria-activedescendant', active);
    else this.viewport.removeAttribute('aria-activedescendant');
  }

  private makeRow(): HTMLElement {
    const row = el('div', { class: 'vt-row', role: 'row' },
      ...this.options.columns.map((c, i) => el('div', { class: `vt-cell ${c.className ?? ''}`, role: 'gridcell', 'aria-colindex': i + 1 })));
    row.style.gridTemplateColumns = this.options.columns.map((c) => c.width).join(' ');
    row.style.height = `${this.options.rowHeight}px`;
    row.addEventListener('click', (event) => {
      const index = Number(row.dataset['index']);
      const toggle = event.ctrlKey || event.metaKey;
      if (this.cache.has(index)) this.select(index, toggle, event.shiftKey);
      else if (index < this.total) this.pending = { index, toggle, range: event.shiftKey }; // selected as it loads
    });
    row.addEventListener('dblclick', () => {
      const item = this.cache.get(Number(row.dataset['index']));
      if (item) this.options.onOpen(item);
    });
    this.viewport.append(row);
    return row;
  }

  /** Selects the row at `index` (toggle adds or removes it; range extends from the anchor within the loaded rows). */
  select(index: number, toggle = false, range = false): void {
    this.pending = undefined; // the latest choice wins over one still waiting for its row
    const row = this.cache.get(index);
    if (!row) return;
    const id = this.options.rowId(row);
    if (range && this.anchor >= 0) {
      if (!toggle) this.selected.clear();
      const [a, b] = this.anchor < index ? [this.anchor, index] : [index, this.anchor];
      for (let i = a; i <= b; i++) {
        const r = this.cache.get(i);
        if (r) this.selected.add(this.options.rowId(r));
      }
    } else if (toggle) {
      if (this.selected.has(id)) this.selected.delete(id);
      else this.selected.add(id);
      this.anchor = index;
    } else {
      this.selected = new Set([id]);
      this.anchor = index;
    }
    this.cursor = index;
    this.render();
    this.options.onSelectionChange(this.selected.has(id) ? row : undefined, [...this.selected]);
  }

  private onKey(event: KeyboardEvent): void {
    const pageRows = Math.max(1, Math.floor(this.rowsHeight() / this.options.rowHeight) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: pageRows, PageUp: -pageRows };
    let target: number | undefined;
    if (event.key in moves) target = Math.max(0, this.cursor + (moves[event.key] ?? 0));
    else if (event.key === 'Home') target = 0;
    else if (event.key === 'End') target = this.total - 1;
    else if (event.key === 'Enter') {
      const row = this.cache.get(this.cursor);
      if (row) this.options.onOpen(row);
      return;
    } else if (event.key === ' ' && this.cursor >= 0) {
      event.preventDefault();
      this.select(this.cursor, true);
      return;
    } else return;
    event.preventDefault();
    target = Math.min(this.total - 1, target);
    if (target < 0) return;
    this.reveal(target);
    // The row may still be loading: it is selected as it arrives, however long that takes.
    if (this.cache.has(target)) this.select(target, false, event.shiftKey);
    else this.pending = { index: target, toggle: false, range: event.shiftKey };
  }

  private reveal(index: number): void {
    const { rowHeight } = this.options;
    const top = index * rowHeight;
    if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
    else if (top + rowHeight > this.viewport.scrollTop + this.rowsHeight()) {
      this.viewport.scrollTop = top + rowHeight - this.rowsHeight();
    }
    this.schedule();
  }
}

/** The table's styles; the panel adds them to its stylesheet. */
export const VIRTUAL_TABLE_CSS = `
.vt { display: flex; flex-direction: column; min-height: 0; min-width: 0; flex: 1; overflow: hidden; border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); }
.vt-header { display: grid; position: sticky; top: 0; z-index: 1; box-sizing: border-box; height: var(--vt-row-height, 22px); background: var(--vscode-editorGroupHeader-tabsBackground, var(--vscode-sideBar-background, var(--vscode-editor-background))); border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border, transparent)); font-weight: 600; }
.vt-header .vt-cell { line-height: calc(var(--vt-row-height, 22px) - 1px); }
.vt-viewport { position: relative; overflow: auto; flex: 1; min-height: 120px; outline: none; }
.vt-viewport:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
.vt-sizer { width: 1px; }
/* Below the sticky header row: row i is at header + i × row height. */
.vt-row { position: absolute; top: var(--vt-row-height, 22px); left: 0; right: 0; display: grid; align-items: center; cursor: default; will-change: transform; }
.vt-row[hidden] { display: none; }
.vt-row.odd { background: var(--vscode-tree-tableOddRowsBackground, transparent); }
.vt-row:hover { background: var(--vscode-list-hoverBackground); }
.vt-row.selected { background: var(--vscode-list-inactiveSelectionBackground); color: var(--vscode-list-inactiveSelectionForeground, inherit); }
.vt-viewport:focus .vt-row.selected { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground, inherit); }
.vt-row.cursor { outline: 1px solid var(--vscode-list-focusOutline, transparent); outline-offset: -1px; }
.vt-viewport:focus .vt-row.cursor { outline: 1px solid var(--vscode-list-focusOutline, var(--vscode-focusBorder)); }
/* High-contrast themes draw focus and selection as borders, not as background colours. */
body.vscode-high-contrast .vt-viewport:focus-visible, body.vscode-high-contrast-light .vt-viewport:focus-visible { outline: 1px solid var(--vscode-contrastActiveBorder, var(--vscode-focusBorder)); }
body.vscode-high-contrast .vt-row.selected, body.vscode-high-contrast-light .vt-row.selected { outline: 1px dotted var(--vscode-contrastActiveBorder, var(--vscode-focusBorder)); outline-offset: -1px; }
body.vscode-high-contrast .vt-row.cursor, body.vscode-high-contrast-light .vt-row.cursor { outline: 1px dashed var(--vscode-contrastActiveBorder, var(--vscode-focusBorder)); outline-offset: -1px; }
body.vscode-high-contrast .vt-viewport:focus .vt-row.cursor, body.vscode-high-contrast-light .vt-viewport:focus .vt-row.cursor { outline: 2px solid var(--vscode-focusBorder); outline-offset: -2px; }
@media (forced-colors: active) { .vt-viewport:focus .vt-row.cursor { outline: 2px solid Highlight; } .vt-row.selected { outline: 1px dotted Highlight; } }
.vt-row.loading { color: var(--vscode-descriptionForeground); }
.vt-cell { padding: 0 6px; overflow: hidden; white-space: pre; text-overflow: ellipsis; min-width: 0; line-height: var(--vt-row-height, 22px); }
.vt-cell.num { text-align: right; font-variant-numeric: tabular-nums; }
.vt-cell.mono { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size, inherit); }
.vt-empty { position: absolute; inset: var(--vt-row-height, 22px) 0 0 0; display: flex; align-items: center; justify-content: center; color: var(--vscode-descriptionForeground); padding: 20px; text-align: center; white-space: pre-wrap; }
.vt-empty[hidden] { display: none; }
`;
