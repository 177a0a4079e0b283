/**
 * A lineage subgraph drawn as SVG: dagre (a maintained layout library) lays the DAG out left to
 * right (inputs flow into executions, executions into outputs); every node is a link to its
 * page, named for people (a file's name, a model's name and version, a dataset's role and rows,
 * a run's name and state), with the full name and digest on hover; edges carry their role.
 */
import dagre from '@dagrejs/dagre';
import { svg } from './dom.js';
import type { LineageView } from './types.js';

const NODE_W = 190;
const NODE_H = 46;

function shortType(type: string): string {
  return type.replace(/^mlmeta\./, '');
}

/** Names like `sequential_1_model@9bfecc6545e3` lose the digest suffix (the digest is on hover). */
function baseName(name: string): string {
  return name.replace(/@[0-9a-f]{8,}$/i, '');
}

type GraphArtifact = LineageView['graph']['artifacts'][number];

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

/** Output-like events point execution → artifact; input-like, artifact → execution. */
function isOutput(eventType: string): boolean {
  return /OUTPUT/.test(eventType);
}

/**
 * The SVG for `graph`, with `focusId` (an artifact) highlighted.
 *
 * @example
 * container.append(lineageSvg(view.graph, view.artifact.id));
 */
export function lineageSvg(graph: LineageView['graph'], focusId: number): SVGSVGElement {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 60, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const a of graph.artifacts) g.setNode(`a${a.id}`, { width: NODE_W, height: NODE_H });
  for (const e of graph.executions) g.setNode(`e${e.id}`, { width: NODE_W, height: NODE_H });
  const edges = new Set<string>();
  const roleOf = new Map<number, string>();
  for (const event of graph.events) {
    const a = `a${event.artifactId}`;
    const e = `e${event.executionId}`;
    if (!g.hasNode(a) || !g.hasNode(e)) continue;
    if (event.role && !roleOf.has(event.artifactId)) roleOf.set(event.artifactId, event.role);
    const [from, to] = isOutput(event.type) ? [e, a] : [a, e];
    if (edges.has(`${from}>${to}`)) continue;
    edges.add(`${from}>${to}`);
    g.setEdge(from, to, {
      label: event.role,
      width: event.role ? event.role.length * 6.5 : 0,
      height: event.role ? 14 : 0,
    });
  }
  dagre.layout(g);
  const { width = 0, height = 0 } = g.graph();

  const root = svg('svg', {
    class: 'lineage',
    viewBox: `0 0 ${Math.max(width, 1)} ${Math.max(height, 1)}`,
    // As wide as its card; as tall as the graph needs, up to most of a screen (then zoom).
    width: '100%',
    height: Math.min(Math.max(height, 120), 640),
    'data-width': Math.max(width, 1),
    'data-height': Math.max(height, 1),
    role: 'group',
    'aria-label': 'lineage graph',
  });
  const defs = svg(
    'defs',
    {},
    svg(
      'marker',
      {
        id: 'arrow',
        viewBox: '0 0 10 10',
        refX: 10,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: 'auto',
      },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }),
    ),
  );
  root.append(defs);
  // Everything drawn goes in one group, so pan and zoom move it as one.
  const scene = svg('g', { class: 'scene' });
  root.append(scene);

  for (const edge of g.edges()) {
    const points = g.edge(edge).points ?? [];
    const d = points
      .map(
        (p: { x: number; y: number }, i: number) =>
          `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`,
      )
      .join(' ');
    const label = g.edge(edge) as { label?: string; x?: number; y?: number };
    scene.append(
      svg('path', { class: 'edge', d, 'marker-end': 'url(#arrow)', 'data-from': edge.v, 'data-to': edge.w }),
    );
    if (label.label && label.x !== undefined && label.y !== undefined) {
      scene.append(
        svg(
          'text',
          { class: 'edge-label', x: label.x, y: label.y + 4, 'text-anchor': 'middle' },
          label.label,
        ),
      );
    }
  }

  const node = (
    id: string,
    href: string,
    kind: string,
    title: string,
    subtitle: string,
    extraClass: string,
    hover: string[],
  ) => {
    const { x, y } = g.node(id);
    const link = svg('a', { href, class: `node node-${kind} ${extraClass}`.trim(), 'data-node': id });
    link.append(
      svg('title', {}, hover.filter((line) => line !== '').join('\n')),
      svg('rect', {
        x: x - NODE_W / 2,
        y: y - NODE_H / 2,
        width: NODE_W,
        height: NODE_H,
        rx: kind === 'execution' ? 18 : 4,
      }),
      svg('text', { x, y: y - 4, 'text-anchor': 'middle', class: 'node-title' }, clip(title)),
      svg('text', { x, y: y + 13, 'text-anchor': 'middle', class: 'node-sub' }, clip(subtitle, 30)),
    );
    scene.append(link);
  };
  for (const a of graph.artifacts) {
    const [title, subtitle] = artifactLabel(a, roleOf.get(a.id));
    node(`a${a.id}`, `/artifacts/${a.id}`, 'artifact', title, subtitle, a.id === focusId ? 'focus' : '', [
      a.name ?? title,
      `${a.type} #${a.id}`,
      a.externalId ? `digest ${a.externalId}` : '',
      a.uri ?? '',
    ]);
  }
  for (const e of graph.executions) {
    node(
      `e${e.id}`,
      `/runs/${e.id}`,
      'execution',
      e.name,
      `${shortType(e.type)} · ${e.state}`,
      `state-${e.state.toLowerCase()}`,
      [e.name, `${e.type} #${e.id}`, e.state],
    );
  }
  return root;
}
