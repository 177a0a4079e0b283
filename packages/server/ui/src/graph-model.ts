/**
 * The lineage graph the page holds, apart from its drawing: nodes and edges merged from the
 * server's answers (the first graph, then each expanded node's neighbours), collapsing a node
 * (its neighbours go, and whatever then hangs on nothing the user started from), how many of a
 * node's neighbours are not shown, and the path between two nodes.
 */
import type { GraphView } from './types.js';

export type GraphArtifact = GraphView['artifacts'][number];
export type GraphExecution = GraphView['executions'][number];

export type GraphNode =
  | { key: string; kind: 'artifact'; artifact: GraphArtifact }
  | { key: string; kind: 'execution'; execution: GraphExecution };

export interface GraphEdge {
  key: string;
  from: string;
  to: string;
  role: string;
}

/** Output-like events point execution → artifact; input-like, artifact → execution. */
function isOutput(eventType: string): boolean {
  return /OUTPUT/.test(eventType);
}

export class GraphModel {
  readonly nodes = new Map<string, GraphNode>();
  readonly edges = new Map<string, GraphEdge>();
  truncated = false;

  /** `roots`: the nodes the user started from; collapsing never removes them. */
  constructor(
    view: GraphView,
    readonly roots: Set<string>,
  ) {
    this.merge(view);
  }

  /** Adds the nodes and edges of `view`; returns the keys of the nodes that were new. */
  merge(view: GraphView): string[] {
    const added: string[] = [];
    for (const artifact of view.artifacts) {
      const key = `a${artifact.id}`;
      if (!this.nodes.has(key)) added.push(key);
      this.nodes.set(key, { key, kind: 'artifact', artifact });
    }
    for (const execution of view.executions) {
      const key = `e${execution.id}`;
      if (!this.nodes.has(key)) added.push(key);
      this.nodes.set(key, { key, kind: 'execution', execution });
    }
    for (const event of view.events) {
      const a = `a${event.artifactId}`;
      const e = `e${event.executionId}`;
      if (!this.nodes.has(a) || !this.nodes.has(e)) continue;
      const [from, to] = isOutput(event.type) ? [e, a] : [a, e];
      const key = `${from}>${to}`;
      const known = this.edges.get(key);
      if (!known || (!known.role && event.role)) this.edges.set(key, { key, from, to, role: event.role });
    }
    this.truncated ||= view.truncated;
    return added;
  }

  neighbours(key: string): Set<string> {
    const out = new Set<string>();
    for (const edge of this.edges.values()) {
      if (edge.from === key) out.add(edge.to);
      if (edge.to === key) out.add(edge.from);
    }
    return out;
  }

  /** Neighbours the store has that the graph does not show. */
  hiddenNeighbours(key: string): number {
    const node = this.nodes.get(key);
    if (!node) return 0;
    const degree = node.kind === 'artifact' ? node.artifact.degree : node.execution.degree;
    return Math.max(0, degree - this.neighbours(key).size);
  }

  /** What collapsing `key` would remove: its neighbours, then whatever is cut off from the roots. */
  collapsible(key: string): Set<string> {
    const gone = new Set([...this.neighbours(key)].filter((n) => !this.roots.has(n)));
    if (gone.size === 0) return gone;
    const reached = new Set<string>();
    const queue = [...this.roots].filter((r) => this.nodes.has(r) && !gone.has(r));
    for (const r of queue) reached.add(r);
    const adjacency = this.adjacency();
    while (queue.length > 0) {
      const at = queue.shift()!;
      // The collapsed node's own edges to what it hides are not a way back.
      for (const next of adjacency.get(at) ?? []) {
        if (reached.has(next) || gone.has(next)) continue;
        reached.add(next);
        queue.push(next);
      }
    }
    for (const node of this.nodes.keys()) if (!reached.has(node)) gone.add(node);
    gone.delete(key);
    return gone;
  }

  /** Removes what collapsing `key` hides; returns how many nodes went. */
  collapse(key: string): number {
    const gone = this.collapsible(key);
    for (const node of gone) this.nodes.delete(node);
    for (const [edgeKey, edge] of this.edges) {
      if (gone.has(edge.from) || gone.has(edge.to)) this.edges.delete(edgeKey);
    }
    return gone.size;
  }

  private adjacency(directed = false): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const add = (a: string, b: string) => {
      const list = out.get(a) ?? [];
      list.push(b);
      out.set(a, list);
    };
    for (const edge of this.edges.values()) {
      add(edge.from, edge.to);
      if (!directed) add(edge.to, edge.from);
    }
    return out;
  }

  /**
   * The shortest path from `a` to `b` as node keys: along the edges' direction when one leads
   * there (either way round), else ignoring direction (two models from one dataset); empty when
   * they are not connected.
   */
  path(a: string, b: string): string[] {
    const search = (from: string, to: string, adjacency: Map<string, string[]>) => {
      const previous = new Map<string, string>([[from, from]]);
      const queue = [from];
      while (queue.length > 0) {
        const at = queue.shift()!;
        if (at === to) {
          const path = [to];
          while (path[0] !== from) path.unshift(previous.get(path[0]!)!);
          return path;
        }
        for (const next of adjacency.get(at) ?? []) {
          if (previous.has(next)) continue;
          previous.set(next, at);
          queue.push(next);
        }
      }
      return [];
    };
    const directed = this.adjacency(true);
    const forward = search(a, b, directed);
    if (forward.length > 0) return forward;
    const backward = search(b, a, directed);
    if (backward.length > 0) return backward.reverse();
    return search(a, b, this.adjacency());
  }

  /** Edge keys along a path of node keys (in either direction). */
  pathEdges(path: string[]): Set<string> {
    const out = new Set<string>();
    for (let i = 1; i < path.length; i++) {
      const [x, y] = [path[i - 1]!, path[i]!];
      if (this.edges.has(`${x}>${y}`)) out.add(`${x}>${y}`);
      if (this.edges.has(`${y}>${x}`)) out.add(`${y}>${x}`);
    }
    return out;
  }
}
