/**
 * Which background redraws of a tree's rows may go to the editor now.
 *
 * Redrawing a row (onDidChangeTreeData with the row) makes the extension host forget the rows
 * under it at once and ask the editor to list them again. When the editor is still taking in
 * the list it asked for a moment before (a row just expanded: its children came back and are
 * being drawn), it does not ask again: it draws the rows of that first answer, which the
 * extension host no longer knows. Those rows are then dead — expanding one shows nothing
 * ("No tree item with id … found" in the extension host log), redrawing one does nothing. That
 * happened to the Kafka view: expanding a connection loads its topics, which tells whether the
 * cluster answered, and the connection row was redrawn for its icon; its Topics and Schemas rows
 * were dead, so a subject registered from the Schemas row never showed under it.
 *
 * So what a background load learns about a row that shows its children (its icon, its
 * description) waits until the row is collapsed, when the redraw is safe; rows without shown
 * children (collapsed folders, leaves) are redrawn at once. An explicit refresh (a command,
 * the Refresh button) redraws the row anyway and clears what waited for it. A row counts as
 * showing its children from the moment the editor asks for them (it asks only for expanded rows)
 * until it is collapsed. Pure: no vscode, so the unit tests check it.
 */
export class RowRedraws {
  private readonly open = new Set<string>();
  private readonly waiting = new Set<string>();

  /** The editor asked for the children of `key`: the row is expanded. */
  listed(key: string): void {
    this.open.add(key);
  }

  /** The row was collapsed. Returns whether a redraw waited for it: redraw it now. */
  collapsed(key: string): boolean {
    this.open.delete(key);
    return this.waiting.delete(key);
  }

  /** Of the rows a background load wants redrawn, those that may be redrawn now; the others wait until collapsed. */
  take(keys: readonly string[]): string[] {
    const now: string[] = [];
    for (const key of keys) {
      if (this.open.has(key)) this.waiting.add(key);
      else now.push(key);
    }
    return now;
  }

  /** An explicit refresh redraws `key` (or every row): nothing waits for it any more. */
  refreshed(key?: string): void {
    if (key === undefined) this.waiting.clear();
    else this.waiting.delete(key);
  }

  /** Whether a redraw of `key` waits for the row to be collapsed. */
  isWaiting(key: string): boolean {
    return this.waiting.has(key);
  }
}
