/**
 * The number on the DAGs view's icon (TreeView.badge): DAGs whose latest run failed.
 * Pure, so it is unit-tested; undefined means no badge.
 */

export interface Badge { value: number; tooltip: string }

/** DAGs whose latest run failed, named in the tooltip (the first five). */
export function failedRunsBadge(dagIds: readonly string[]): Badge | undefined {
  if (dagIds.length === 0) return undefined;
  const names = [...dagIds].sort();
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
  return { value: names.length, tooltip: `${names.length === 1 ? '1 DAG' : `${names.length} DAGs`} whose latest run failed: ${shown}` };
}
