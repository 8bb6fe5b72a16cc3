/**
 * Lays out the DAG graph that shows (src/airflow/dagGraph.ts visibleGraph) with dagre
 * (@dagrejs/dagre): layered, left to right like Airflow's graph, expanded task groups as boxes
 * around what they hold (dagre's compound graphs), edges as point lists. It lives in the DAG
 * Graph webview's bundle only, so the library is loaded when that panel opens and never by the
 * extension host; the benchmark (bench/dag-graph.ts) runs it under Node. Sizes come from the
 * caller (the webview measures its text). No DOM here.
 */
import dagre from '@dagrejs/dagre';
import type { VisibleGraph, VisibleNode } from '../../../src/airflow/dagGraph';

export interface Point {
  x: number;
  y: number;
}

/** Positions are top-left corners; the graph starts at (0, 0). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: Map<string, Box>;
  /** Expanded groups, with room for their label above their content. */
  clusters: Map<string, Box>;
  edges: { from: string; to: string; points: Point[] }[];
}

export interface LayoutOptions {
  /** Height of a group's label band at the top of its box. */
  clusterLabelHeight: number;
  nodeSeparation: number;
  rankSeparation: number;
  margin: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { clusterLabelHeight: 20, nodeSeparation: 28, rankSeparation: 56, margin: 16 };

/**
 * Runs dagre on the visible graph. Dagre leaves no room for a group's label, so each box is
 * grown upwards by `clusterLabelHeight` afterwards; the node separation keeps that band clear of
 * the nodes above it.
 */
export function layoutGraph(graph: VisibleGraph, sizeOf: (node: VisibleNode) => { width: number; height: number }, options: LayoutOptions = DEFAULT_LAYOUT): GraphLayout {
  const compound = graph.clusters.length > 0;
  const g = new dagre.graphlib.Graph({ compound, multigraph: false, directed: true });
  g.setGraph({
    rankdir: 'LR',
    nodesep: options.nodeSeparation,
    ranksep: options.rankSeparation,
    edgesep: 12,
    marginx: options.margin,
    marginy: options.margin + (compound ? options.clusterLabelHeight : 0),
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const cluster of graph.clusters) g.setNode(cluster.id, {});
  for (const cluster of graph.clusters) if (cluster.parentId !== null) g.setParent(cluster.id, cluster.parentId);
  for (const node of graph.nodes) {
    g.setNode(node.id, { ...sizeOf(node) });
    if (compound && node.parentId !== null) g.setParent(node.id, node.parentId);
  }
  for (const [from, to] of graph.edges) g.setEdge(from, to);
  dagre.layout(g);

  const nodes = new Map<string, Box>();
  for (const node of graph.nodes) {
    const label = g.node(node.id) as { x: number; y: number; width: number; height: number };
    nodes.set(node.id, { x: label.x - label.width / 2, y: label.y - label.height / 2, width: label.width, height: label.height });
  }
  const clusters = new Map<string, Box>();
  for (const cluster of graph.clusters) {
    const label = g.node(cluster.id) as { x?: number; y?: number; width?: number; height?: number } | undefined;
    if (label?.x === undefined || label.y === undefined || label.width === undefined || label.height === undefined) continue;
    clusters.set(cluster.id, {
      x: label.x - label.width / 2,
      y: label.y - label.height / 2 - options.clusterLabelHeight,
      width: label.width,
      height: label.height + options.clusterLabelHeight,
    });
  }
  const edges = graph.edges.map(([from, to]) => {
    const label = g.edge(from, to) as { points?: Point[] } | undefined;
    return { from, to, points: label?.points?.map((p) => ({ x: p.x, y: p.y })) ?? [] };
  });
  const size = g.graph() as { width?: number; height?: number };
  return { width: Math.ceil(size.width ?? 0), height: Math.ceil(size.height ?? 0), nodes, clusters, edges };
}

/** A smooth SVG path through dagre's edge points: straight ends, quadratic curves through the middle points. */
export function edgePath(points: readonly Point[]): string {
  const first = points[0];
  if (!first) return '';
  const round = (n: number): string => String(Math.round(n * 10) / 10);
  let d = `M${round(first.x)},${round(first.y)}`;
  if (points.length === 2) {
    const last = points[1] as Point;
    return `${d}L${round(last.x)},${round(last.y)}`;
  }
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i] as Point;
    const next = points[i + 1] as Point;
    const end = i === points.length - 2 ? next : { x: (p.x + next.x) / 2, y: (p.y + next.y) / 2 };
    d += `Q${round(p.x)},${round(p.y)} ${round(end.x)},${round(end.y)}`;
  }
  return d;
}
