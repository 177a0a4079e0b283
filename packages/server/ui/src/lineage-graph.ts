/**
 * A lineage subgraph drawn as SVG: dagre lays the DAG out left to right (inputs flow into
 * executions, executions into outputs); every node is a link to its page.
 */
import dagre from '@dagrejs/dagre';
import { svg } from './dom.js';
import type { LineageView } from './types.js';

const NODE_W = 190;
const NODE_H = 46;

function shortType(type: string): string {
  return type.replace(/^mlmeta\./, '');
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
  for (const event of graph.events) {
    const a = `a${event.artifactId}`;
    const e = `e${event.executionId}`;
    if (!g.hasNode(a) || !g.hasNode(e)) continue;
    const [from, to] = isOutput(event.type) ? [e, a] : [a, e];
    if (edges.has(`${from}>${to}`)) continue;
    edges.add(`${from}>${to}`);
    g.setEdge(from, to);
  }
  dagre.layout(g);
  const { width = 0, height = 0 } = g.graph();

  const root = svg('svg', {
    class: 'lineage',
    viewBox: `0 0 ${Math.max(width, 1)} ${Math.max(height, 1)}`,
    width: Math.max(width, 1),
    height: Math.max(height, 1),
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

  for (const edge of g.edges()) {
    const points = g.edge(edge).points ?? [];
    const d = points
      .map(
        (p: { x: number; y: number }, i: number) =>
          `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`,
      )
      .join(' ');
    root.append(
      svg('path', { class: 'edge', d, 'marker-end': 'url(#arrow)', 'data-from': edge.v, 'data-to': edge.w }),
    );
  }

  const node = (id: string, href: string, kind: string, title: string, subtitle: string, extraClass = '') => {
    const { x, y } = g.node(id);
    const link = svg('a', { href, class: `node node-${kind} ${extraClass}`.trim(), 'data-node': id });
    link.append(
      svg('title', {}, `${title}\n${subtitle}`),
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
    root.append(link);
  };
  for (const a of graph.artifacts) {
    node(
      `a${a.id}`,
      `/artifacts/${a.id}`,
      'artifact',
      a.name ?? a.uri?.split('/').pop() ?? a.externalId?.slice(0, 20) ?? `#${a.id}`,
      `${shortType(a.type)} #${a.id}`,
      a.id === focusId ? 'focus' : '',
    );
  }
  for (const e of graph.executions) {
    node(
      `e${e.id}`,
      `/runs/${e.id}`,
      'execution',
      e.name,
      `${shortType(e.type)} · ${e.state}`,
      `state-${e.state.toLowerCase()}`,
    );
  }
  return root;
}
