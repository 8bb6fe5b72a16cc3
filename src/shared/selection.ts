/**
 * The rows a tree command acts on. In a tree with `canSelectMany`, VS Code calls a row's
 * command with the row it was invoked on and the whole selection; the selection counts only
 * when it holds that row (a right-click outside the selection acts on that row alone).
 */
export function rowsToActOn<T>(clicked: T, selected: unknown, accept: (row: unknown) => row is T): T[] {
  if (Array.isArray(selected) && selected.includes(clicked)) {
    const rows = selected.filter(accept);
    return rows.length > 0 ? rows : [clicked];
  }
  return [clicked];
}

/** "a", "a and b", "a, b and c", "a, b, c and 4 more": names for a question, never a wall of text. */
export function nameList(names: readonly string[], shown = 5): string {
  const quoted = names.map((n) => `"${n}"`);
  if (quoted.length <= 1) return quoted.join('');
  if (quoted.length <= shown) return `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1) ?? ''}`;
  return `${quoted.slice(0, shown).join(', ')} and ${quoted.length - shown} more`;
}
