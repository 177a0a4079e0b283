/**
 * The navigable lineage graph of the artifact and pipeline pages: pan, zoom and fit; `+N` on a
 * node fetches its neighbours and `−` hides what hangs off it; shift-click (or shift+Enter) two
 * nodes to highlight the path between them; a plain click opens the node's page. A graph too
 * large to read when fitted (300 nodes) opens at a readable scale around its focus.
 */
import { get } from './api.js';
import { h, svg } from './dom.js';
import { GraphModel } from './graph-model.js';
import { drawLineage, type GraphLayout, type NodeAction } from './lineage-graph.js';
import { panZoom } from './pan-zoom.js';
import type { GraphView } from './types.js';

export interface LineageViewOptions {
  /** Node keys (`a12`, `e5`) drawn as the focus; collapsing never removes them. */
  focus: string[];
  /** What the graph shows, for screen readers. */
  label: string;
  /** More controls for the toolbar (the artifact page's depth and direction). */
  controls?: HTMLElement[];
}

/**
 * The graph, its toolbar and its status line; call `draw()` once `element` is in the page (the
 * first view depends on the screen's size).
 *
 * @example
 * const graph = lineageView(view.graph, { focus: [`a${id}`], label: 'lineage of model.json' });
 * root.append(graph.element);
 * graph.draw();
 */
export function lineageView(
  graph: GraphView,
  options: LineageViewOptions,
): { element: HTMLElement; draw: () => void } {
  const focus = new Set(options.focus);
  const model = new GraphModel(graph, focus);
  const root = svg('svg', {
    class: 'lineage',
    width: '100%',
    role: 'group',
    'aria-label': options.label,
  });
  root.append(
    svg(
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
    ),
  );
  const scene = svg('g', { class: 'scene' });
  root.append(scene);
  const status = h('p', { class: 'muted graph-status', 'aria-live': 'polite' });
  const pathStatus = h('p', { class: 'path-status', 'aria-live': 'polite' });
  const clearPath = h('button', { type: 'button', hidden: true }, 'Clear path');
  let selected: string[] = [];
  let layout: GraphLayout = { width: 1, height: 1, positions: new Map() };
  let zoom: ReturnType<typeof panZoom> | undefined;

  const actionOf = (key: string): NodeAction => {
    const hidden = model.hiddenNeighbours(key);
    if (hidden > 0) return { kind: 'expand', count: hidden };
    const removable = model.collapsible(key).size;
    return removable > 0 && !focus.has(key) ? { kind: 'collapse', count: removable } : undefined;
  };

  const describe = () => {
    let artifacts = 0;
    for (const node of model.nodes.values()) if (node.kind === 'artifact') artifacts++;
    const executions = model.nodes.size - artifacts;
    status.replaceChildren(
      `${artifacts} artifacts, ${executions} executions`,
      model.truncated ? ' (cut short: too many nodes; lower the depth)' : '',
      '. Shift-click two nodes to highlight the path between them; +N shows more neighbours.',
    );
  };

  const decorate = () => {
    const path = selected.length === 2 ? model.path(selected[0]!, selected[1]!) : [];
    const onPath = new Set(path);
    const edges = model.pathEdges(path);
    root.classList.toggle('has-path', path.length > 0);
    for (const link of scene.querySelectorAll<SVGAElement>('a.node')) {
      const key = link.dataset.node!;
      link.classList.toggle('focus', focus.has(key));
      link.classList.toggle('selected', selected.includes(key));
      link.classList.toggle('on-path', onPath.has(key));
    }
    for (const element of scene.querySelectorAll<SVGElement>('[data-edge]')) {
      element.classList.toggle('on-path', edges.has(element.dataset.edge!));
    }
    clearPath.hidden = selected.length === 0;
    if (selected.length === 1) pathStatus.textContent = 'Shift-click a second node to see the path.';
    else if (selected.length === 2) {
      const names = path.map(
        (key) => scene.querySelector(`a[data-node="${key}"] .node-title`)?.textContent ?? key,
      );
      pathStatus.textContent =
        path.length === 0
          ? 'These two nodes are not connected in the graph shown.'
          : `Path (${path.length - 1} hop${path.length === 2 ? '' : 's'}): ${names.join(' → ')}`;
    } else pathStatus.textContent = '';
    root.dataset.path = path.join(' ');
  };

  const redraw = (around?: string) => {
    layout = drawLineage(scene, model, actionOf, (key, action) => void act(key, action));
    root.setAttribute('height', String(Math.min(Math.max(layout.height, 120), 640)));
    root.dataset.width = String(layout.width);
    root.dataset.height = String(layout.height);
    root.dataset.nodes = String(model.nodes.size);
    const centre = [around, ...focus]
      .map((k) => (k === undefined ? undefined : layout.positions.get(k)))
      .find((p) => p !== undefined);
    if (!zoom) zoom = panZoom(root, layout.width, layout.height);
    zoom.setContent(layout.width, layout.height, centre);
    selected = selected.filter((key) => model.nodes.has(key));
    describe();
    decorate();
  };

  const act = async (key: string, action: NonNullable<NodeAction>) => {
    root.setAttribute('aria-busy', 'true');
    try {
      if (action.kind === 'expand') {
        const answer = await get<{ graph: GraphView }>('/api/v1/ui/lineage', { node: key, depth: 1 });
        model.merge(answer.graph);
      } else model.collapse(key);
      redraw(key);
      scene.querySelector<SVGElement>(`[data-for="${key}"]`)?.focus();
    } catch (error) {
      pathStatus.textContent = `Could not load the neighbours: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      root.removeAttribute('aria-busy');
    }
  };

  const select = (key: string) => {
    selected = selected.includes(key) ? selected.filter((k) => k !== key) : [...selected, key].slice(-2);
    decorate();
  };
  // Shift-click selects for the path; the page's own link handling sees a handled event.
  root.addEventListener('click', (event) => {
    const link = (event.target as Element).closest<SVGAElement>('a.node');
    if (!link || !event.shiftKey) return;
    event.preventDefault();
    select(link.dataset.node!);
  });
  root.addEventListener('keydown', (event) => {
    const link = (event.target as Element).closest<SVGAElement>('a.node');
    if (!link || !event.shiftKey || event.key !== 'Enter') return;
    event.preventDefault();
    select(link.dataset.node!);
  });
  clearPath.addEventListener('click', () => {
    selected = [];
    decorate();
  });

  const toolbar = h('div', { class: 'filters graph-toolbar' }, ...(options.controls ?? []), clearPath);
  const element = h(
    'div',
    { class: 'lineage-view' },
    toolbar,
    status,
    pathStatus,
    h('div', { class: 'graph' }, root),
  );
  return {
    element,
    draw: () => {
      redraw();
      toolbar.append(zoom!.toolbar);
    },
  };
}
