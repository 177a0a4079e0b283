/**
 * A lineage graph drawn as SVG: dagre (a maintained layout library) lays the DAG out left to
 * right (inputs flow into executions, executions into outputs), edge labels included, so no two
 * boxes or labels overlap at any size. Every node is a link to its page, named for people (a
 * file's name, a model's name and version, a dataset's role and rows, a run's name and state),
 * with the full name and digest on hover; edges carry their role; a node with neighbours the
 * graph does not show has a `+N` button, one whose neighbours can be hidden a `−` button.
 */
import dagre from '@dagrejs/dagre';
import { svg } from './dom.js';
import type { GraphArtifact, GraphModel, GraphNode } from './graph-model.js';

export const NODE_W = 190;
export const NODE_H = 46;

function shortType(type: string): string {
  return type.replace(/^mlmeta\./, '');
}

/** Names like `sequential_1_model@9bfecc6545e3` lose the digest suffix (the digest is on hover). */
function baseName(name: string): string {
  return name.replace(/@[0-9a-f]{8,}$/i, '');
}

/** The label a person reads: title and subtitle. */
export function artifactLabel(a: GraphArtifact, role: string | undefined): [string, string] {
  const kind = shortType(a.type);
  const fromUri = a.uri?.replace(/\/+$/, '').split('/').pop();
  const named = a.name && !/^(xxh3|sha256):/.test(a.name) ? baseName(a.name) : undefined;
  if (/Model$/.test(a.type)) {
    const version = a.version
      ? `v${a.version}`
      : (a.externalId?.replace(/^[a-z0-9]+:/, '').slice(0, 8) ?? '');
    return [`${named ?? fromUri ?? 'model'} ${version}`.trim(), `${kind} #${a.id}`];
  }
  if (/Dataset$/.test(a.type)) {
    const rows = a.rows !== undefined ? ` · ${a.rows.toLocaleString('en')} rows` : '';
    return [
      named ?? fromUri ?? (role ? `${role} data` : 'dataset'),
      `${role ? `${role} ` : ''}${kind}${rows}`,
    ];
  }
  return [fromUri ?? named ?? a.externalId?.slice(0, 20) ?? `#${a.id}`, `${kind} #${a.id}`];
}

function clip(text: string, max = 24): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export interface GraphLayout {
  width: number;
  height: number;
  /** Centre of each node, by key. */
  positions: Map<string, { x: number; y: number }>;
}

/** What a node's button does: show `count` more neighbours, or hide `count` nodes. */
export type NodeAction = { kind: 'expand' | 'collapse'; count: number } | undefined;

/** The label of a node: title, subtitle and the hover lines. */
function nodeText(
  node: GraphNode,
  roleOf: Map<string, string>,
): { title: string; sub: string; hover: string[] } {
  if (node.kind === 'execution') {
    const e = node.execution;
    return {
      title: e.name,
      sub: `${shortType(e.type)} · ${e.state}`,
      hover: [e.name, `${e.type} #${e.id}`, e.state],
    };
  }
  const a = node.artifact;
  const [title, sub] = artifactLabel(a, roleOf.get(node.key));
  return {
    title,
    sub,
    hover: [a.name ?? title, `${a.type} #${a.id}`, a.externalId ? `digest ${a.externalId}` : '', a.uri ?? ''],
  };
}

/**
 * Lays `model` out and draws it into `scene` (emptied first). `actionOf` says which button
 * each node gets; `onAction` is called when one is pressed.
 *
 * @example
 * const layout = drawLineage(scene, model, (key) => undefined, () => {});
 */
export function drawLineage(
  scene: SVGGElement,
  model: GraphModel,
  actionOf: (key: string) => NodeAction,
  onAction: (key: string, action: NonNullable<NodeAction>) => void,
): GraphLayout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 60, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const key of model.nodes.keys()) g.setNode(key, { width: NODE_W, height: NODE_H });
  const roleOf = new Map<string, string>();
  for (const edge of model.edges.values()) {
    const artifact = edge.from.startsWith('a') ? edge.from : edge.to;
    if (edge.role && !roleOf.has(artifact)) roleOf.set(artifact, edge.role);
    g.setEdge(edge.from, edge.to, {
      label: edge.role,
      width: edge.role ? edge.role.length * 6.5 + 6 : 0,
      height: edge.role ? 14 : 0,
    });
  }
  dagre.layout(g);
  const { width = 0, height = 0 } = g.graph();
  scene.replaceChildren();

  const edgeLayer = svg('g', { class: 'edges' });
  const labelLayer = svg('g', { class: 'edge-labels' });
  const nodeLayer = svg('g', { class: 'nodes' });
  scene.append(edgeLayer, labelLayer, nodeLayer);
  for (const edge of g.edges()) {
    const drawn = g.edge(edge) as {
      points?: { x: number; y: number }[];
      label?: string;
      x?: number;
      y?: number;
    };
    const d = (drawn.points ?? [])
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`)
      .join(' ');
    edgeLayer.append(
      svg('path', {
        class: 'edge',
        d,
        'marker-end': 'url(#arrow)',
        'data-edge': `${edge.v}>${edge.w}`,
        'data-from': edge.v,
        'data-to': edge.w,
      }),
    );
    if (drawn.label && drawn.x !== undefined && drawn.y !== undefined) {
      labelLayer.append(
        svg(
          'text',
          {
            class: 'edge-label',
            x: drawn.x,
            y: drawn.y + 4,
            'text-anchor': 'middle',
            'data-edge': `${edge.v}>${edge.w}`,
          },
          drawn.label,
        ),
      );
    }
  }

  const positions = new Map<string, { x: number; y: number }>();
  for (const node of model.nodes.values()) {
    const { x, y } = g.node(node.key);
    positions.set(node.key, { x, y });
    const text = nodeText(node, roleOf);
    const isExecution = node.kind === 'execution';
    const href = isExecution ? `/runs/${node.execution.id}` : `/artifacts/${node.artifact.id}`;
    const state = isExecution ? ` state-${node.execution.state.toLowerCase()}` : '';
    const group = svg('g', { class: 'node-group', 'data-group': node.key });
    const link = svg('a', { href, class: `node node-${node.kind}${state}`, 'data-node': node.key });
    link.append(
      svg('title', {}, text.hover.filter((line) => line !== '').join('\n')),
      svg('rect', {
        class: 'node-box',
        x: x - NODE_W / 2,
        y: y - NODE_H / 2,
        width: NODE_W,
        height: NODE_H,
        rx: isExecution ? 18 : 4,
      }),
      svg('text', { x, y: y - 4, 'text-anchor': 'middle', class: 'node-title' }, clip(text.title)),
      svg('text', { x, y: y + 13, 'text-anchor': 'middle', class: 'node-sub' }, clip(text.sub, 30)),
    );
    group.append(link);
    const action = actionOf(node.key);
    if (action) group.append(actionButton(node.key, text.title, x, y, action, onAction));
    nodeLayer.append(group);
  }
  return { width: Math.max(width, 1), height: Math.max(height, 1), positions };
}

/** The `+N` / `−` button on a node's top right corner, a real button for keyboards too. */
function actionButton(
  key: string,
  title: string,
  x: number,
  y: number,
  action: NonNullable<NodeAction>,
  onAction: (key: string, action: NonNullable<NodeAction>) => void,
): SVGGElement {
  const expand = action.kind === 'expand';
  const label = expand ? `+${action.count}` : '−';
  const w = 10 + label.length * 7;
  const cx = x + NODE_W / 2 - w / 2 - 4;
  const cy = y - NODE_H / 2;
  const what = expand
    ? `show ${action.count} more neighbour${action.count === 1 ? '' : 's'} of ${title}`
    : `hide ${action.count} node${action.count === 1 ? '' : 's'} beyond ${title}`;
  const button = svg(
    'g',
    {
      class: `node-action ${expand ? 'expand' : 'collapse'}`,
      role: 'button',
      tabindex: 0,
      'aria-label': what,
      'data-action': action.kind,
      'data-for': key,
    },
    svg('title', {}, what),
    svg('rect', { x: cx - w / 2, y: cy - 8, width: w, height: 16, rx: 8 }),
    svg('text', { x: cx, y: cy + 4, 'text-anchor': 'middle' }, label),
  );
  const press = (event: Event) => {
    event.preventDefault();
    event.stopPropagation();
    onAction(key, action);
  };
  button.addEventListener('click', press);
  button.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') press(event);
  });
  return button;
}
