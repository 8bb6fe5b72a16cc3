/**
 * Stable node objects for the Airflow trees: one object per key (the key is also the row's
 * TreeItem id), so a refresh keeps expansion and selection and a single row can be refreshed
 * or revealed; the subtree of a row whose children were replaced is forgotten. Pure (no
 * vscode), so it is unit-tested.
 */

/** Every node has a key unique in its tree (also its TreeItem id) and knows its parent. */
export interface KeyedNode {
  readonly key: string;
  readonly parent: KeyedNode | undefined;
}

/**
 * Keeps one object per key, so VS Code sees the same element across refreshes, and forgets
 * the subtree of a row whose children were replaced.
 */
export class NodeStore<N extends KeyedNode> {
  private readonly nodes = new Map<string, N>();
  private readonly children = new Map<string, string[]>();

  get(key: string): N | undefined {
    return this.nodes.get(key);
  }

  /** The node with `key`, made by `create` the first time and updated by `update` after. */
  obtain<T extends N>(key: string, create: () => T, update?: (existing: T) => void): T {
    const existing = this.nodes.get(key) as T | undefined;
    if (existing) {
      update?.(existing);
      return existing;
    }
    const node = create();
    this.nodes.set(key, node);
    return node;
  }

  /** Records the children of `parentKey` (undefined = root) and drops nodes no longer under it. */
  setChildren(parentKey: string | undefined, nodes: readonly N[]): N[] {
    const slot = parentKey ?? '';
    const keep = new Set(nodes.map((n) => n.key));
    for (const old of this.children.get(slot) ?? []) {
      if (!keep.has(old)) this.drop(old);
    }
    this.children.set(slot, nodes.map((n) => n.key));
    return [...nodes];
  }

  private drop(key: string): void {
    for (const child of this.children.get(key) ?? []) this.drop(child);
    this.children.delete(key);
    this.nodes.delete(key);
  }

  clear(): void {
    this.nodes.clear();
    this.children.clear();
  }

  /** Every node the store holds now (the rows loaded so far). */
  values(): IterableIterator<N> {
    return this.nodes.values();
  }

  get size(): number {
    return this.nodes.size;
  }
}

/** The nodes that have no ancestor in the list (refreshing an ancestor reloads its subtree). */
export function topmost<N extends KeyedNode>(nodes: readonly N[]): N[] {
  const keys = new Set(nodes.map((n) => n.key));
  return nodes.filter((node) => {
    for (let p = node.parent; p; p = p.parent) if (keys.has(p.key)) return false;
    return true;
  });
}

