/**
 * A lineage graph as trees hanging from one node: upstream follows where things came from
 * (artifact ← the run that output it ← that run's inputs ...), downstream what was made from
 * them. A node reached a second time is listed with `seen: true` and not expanded again.
 */
import {
  type Artifact,
  type Event,
  type Execution,
  INPUT_EVENT_TYPES,
  type LineageGraph,
  OUTPUT_EVENT_TYPES,
} from '@mlmeta/core/read';

export type NodeKey = { kind: 'artifact'; id: number } | { kind: 'execution'; id: number };

export interface TreeNode {
  kind: 'artifact' | 'execution';
  id: number;
  /** The event that links this node to its parent: its type and role (event path). */
  via?: { event: string; role?: string };
  seen?: boolean;
  children: TreeNode[];
}

const isInput = (e: Event) => (INPUT_EVENT_TYPES as readonly string[]).includes(e.type);
const isOutput = (e: Event) => (OUTPUT_EVENT_TYPES as readonly string[]).includes(e.type);
const role = (e: Event) => e.path.map((s) => ('key' in s ? s.key : String(s.index))).join('.') || undefined;

/** The tree of `direction` from `start`, at most `depth` event hops deep. */
export function lineageTree(
  graph: LineageGraph,
  start: NodeKey,
  direction: 'upstream' | 'downstream',
  depth: number,
): TreeNode[] {
  const byArtifact = new Map<number, Event[]>();
  const byExecution = new Map<number, Event[]>();
  for (const e of graph.events) {
    byArtifact.set(e.artifactId, [...(byArtifact.get(e.artifactId) ?? []), e]);
    byExecution.set(e.executionId, [...(byExecution.get(e.executionId) ?? []), e]);
  }
  const known = {
    artifact: new Set(graph.artifacts.map((a) => a.id)),
    execution: new Set(graph.executions.map((e) => e.id)),
  };
  const visited = new Set<string>([`${start.kind}:${start.id}`]);
  const expand = (node: NodeKey, left: number): TreeNode[] => {
    if (left <= 0) return [];
    const edges =
      node.kind === 'artifact'
        ? (byArtifact.get(node.id) ?? []).filter(direction === 'upstream' ? isOutput : isInput)
        : (byExecution.get(node.id) ?? []).filter(direction === 'upstream' ? isInput : isOutput);
    const children: TreeNode[] = [];
    for (const e of edges.sort((a, b) => a.id - b.id)) {
      const next: NodeKey =
        node.kind === 'artifact'
          ? { kind: 'execution', id: e.executionId }
          : { kind: 'artifact', id: e.artifactId };
      if (!known[next.kind].has(next.id)) continue;
      const key = `${next.kind}:${next.id}`;
      const via = { event: e.type, ...(role(e) ? { role: role(e) } : {}) };
      if (visited.has(key)) {
        children.push({ ...next, via, seen: true, children: [] });
        continue;
      }
      visited.add(key);
      children.push({ ...next, via, children: expand(next, left - 1) });
    }
    return children;
  };
  return expand(start, depth);
}

export interface Labeler {
  artifact(a: Artifact): string;
  execution(e: Execution): string;
}

/** Box-drawing lines for trees, one node per line. */
export function renderTree(
  graph: LineageGraph,
  roots: TreeNode[],
  label: Labeler,
  direction: 'upstream' | 'downstream',
): string[] {
  const artifacts = new Map(graph.artifacts.map((a) => [a.id, a]));
  const executions = new Map(graph.executions.map((e) => [e.id, e]));
  const lines: string[] = [];
  const relation = (node: TreeNode) => {
    const r = node.via?.role ? ` ${node.via.role}` : '';
    if (node.kind === 'execution') return direction === 'upstream' ? 'produced by' : `input${r} to`;
    return direction === 'upstream' ? `input${r}:` : `output${r}:`;
  };
  const walk = (nodes: TreeNode[], indent: string) => {
    nodes.forEach((node, i) => {
      const last = i === nodes.length - 1;
      const text =
        node.kind === 'artifact'
          ? label.artifact(artifacts.get(node.id)!)
          : label.execution(executions.get(node.id)!);
      lines.push(
        `${indent}${last ? '└─ ' : '├─ '}${relation(node)} ${text}${node.seen ? ' (shown above)' : ''}`,
      );
      walk(node.children, indent + (last ? '   ' : '│  '));
    });
  };
  walk(roots, '');
  return lines;
}
