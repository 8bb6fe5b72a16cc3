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

  /** The keys of the children last recorded for `parentKey`, or undefined when none were. */
  childKeys(parentKey: string): readonly string[] | undefined {
    return this.children.get(parentKey);
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


/**
 * Children loaded for rows about to be announced as changed, handed to VS Code's next request
 * for them. When a row is announced, VS Code's extension host forgets the rows under it at
 * once and knows them again only when the row's children have been read: a row under it that
 * the user expands in between (a run under its DAG, while the DAG refreshes because a backfill
 * or a run is active) is answered with no children and stays empty ("No tree item with id …
 * found" in the extension host log). Loading first makes that gap the time of one message
 * instead of the server's answers. An entry is used once, and only while fresh: a row VS Code
 * did not ask again for (it was collapsed) loads anew when opened.
 */
export class PreloadedChildren<N> {
  private readonly entries = new Map<string, { at: number; children: Promise<N[]> }>();

  constructor(private readonly maxAgeMs = 10_000, private readonly now: () => number = () => performance.now()) {}

  put(key: string, children: Promise<N[]>): void {
    this.entries.set(key, { at: this.now(), children });
  }

  /** The children loaded for `key` (in flight or done), once; undefined when none or stale. */
  take(key: string): Promise<N[]> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    return this.now() - entry.at <= this.maxAgeMs ? entry.children : undefined;
  }

  drop(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface ReloadSteps<N extends KeyedNode> {
  /** Whether the row shows its children now (only those are loaded ahead). */
  isExpanded: (node: N) => boolean;
  /** The keys of the children VS Code was last given for the row (undefined when none). */
  childKeys: (node: N) => readonly string[] | undefined;
  /** Reads the row's children (a failure should be a failure row; a rejection announces the row). */
  load: (node: N) => Promise<N[]>;
  preloads: PreloadedChildren<N>;
  /** Tells VS Code the rows changed (the tree's change event). */
  announce: (nodes: N[]) => void;
}

export interface ReloadOptions {
  /**
   * A refresh because something runs, not because the rows themselves changed: an expanded row
   * whose children are the same rows as before (same keys, same order) is not announced; its
   * children are, each with what it shows expanded read ahead. So a run whose DAG is refreshed
   * while a backfill runs is never forgotten by VS Code, even for a moment.
   */
  keepUnchangedRows?: boolean;
}

function sameKeys(before: readonly string[] | undefined, after: readonly KeyedNode[]): boolean {
  return before !== undefined && before.length === after.length && after.every((node, index) => node.key === before[index]);
}

/**
 * Reloads rows without leaving their expanded children unknown to VS Code while the server
 * answers: the children of each expanded row are read first and kept in `preloads`, then the
 * rows are announced; VS Code's request for their children is answered from there at once.
 */
export async function reloadThenAnnounce<N extends KeyedNode>(nodes: readonly N[], steps: ReloadSteps<N>, options: ReloadOptions = {}): Promise<void> {
  const expanded = nodes.filter((node) => steps.isExpanded(node));
  const before = new Map(expanded.map((node) => [node.key, steps.childKeys(node)]));
  const loads = new Map<string, Promise<N[]>>();
  for (const node of expanded) {
    const children = steps.load(node);
    steps.preloads.put(node.key, children);
    loads.set(node.key, children);
  }
  // Settled, not all: a load that fails still announces its row (VS Code then gets the failure).
  const settled = await Promise.allSettled(loads.values());
  const results = new Map([...loads.keys()].map((key, index) => [key, settled[index]]));
  const announced: N[] = [];
  const underUnchanged: N[] = [];
  for (const node of nodes) {
    const result = results.get(node.key);
    if (options.keepUnchangedRows && result?.status === 'fulfilled' && sameKeys(before.get(node.key), result.value)) {
      // VS Code keeps the rows it has: it will not ask for these children, so drop them.
      steps.preloads.drop(node.key);
      underUnchanged.push(...result.value);
    } else {
      announced.push(node);
    }
  }
  if (underUnchanged.length > 0) await reloadThenAnnounce(underUnchanged, steps);
  if (announced.length > 0) steps.announce(announced);
}
