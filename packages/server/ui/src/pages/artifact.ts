/**
 * One artifact and its lineage: where it came from (upstream) and what was made from it
 * (downstream), as a DAG whose nodes link to their own pages, with pan, zoom and fit. Depth
 * counts event hops (artifact → execution is one), as `mlmeta lineage --depth` does.
 */
import { get } from '../api.js';
import { h, keyValueTable, section } from '../dom.js';
import { lineageSvg } from '../lineage-graph.js';
import { navigate, type Page } from '../nav.js';
import { panZoom } from '../pan-zoom.js';
import type { LineageView } from '../types.js';

export const artifactPage: Page = async (root, url, params, signal) => {
  const depth = Number(url.searchParams.get('depth') ?? 6);
  const direction = url.searchParams.get('direction') ?? 'both';
  const view = await get<LineageView>(`/api/v1/ui/artifacts/${params.id}`, {
    depth: Number.isInteger(depth) && depth >= 1 && depth <= 50 ? depth : 6,
    direction: ['upstream', 'downstream', 'both'].includes(direction) ? direction : 'both',
  });
  if (signal.aborted) return;
  const a = view.artifact;

  const depthSelect = h(
    'select',
    { name: 'depth', 'aria-label': 'depth' },
    [1, 2, 4, 6, 10, 20].map((d) =>
      h('option', { value: d, selected: d === depth }, `${d} hop${d === 1 ? '' : 's'}`),
    ),
  );
  const directionSelect = h(
    'select',
    { name: 'direction', 'aria-label': 'direction' },
    ['both', 'upstream', 'downstream'].map((d) => h('option', { value: d, selected: d === direction }, d)),
  );
  const change = () =>
    navigate(`/artifacts/${a.id}?depth=${depthSelect.value}&direction=${directionSelect.value}`, true);
  depthSelect.addEventListener('change', change);
  directionSelect.addEventListener('change', change);

  const { graph } = view;
  const drawing = lineageSvg(graph, a.id);
  const controls = panZoom(drawing, Number(drawing.dataset.width), Number(drawing.dataset.height));
  const graphBox = h('div', { class: 'graph' }, drawing);
  root.append(
    h('h1', {}, a.name ?? a.uri ?? `artifact #${a.id}`),
    h('p', { class: 'muted' }, `${a.type} #${a.id}`, a.state ? ` · ${a.state}` : ''),
    keyValueTable([
      ['digest', a.externalId ?? null],
      ['uri', a.uri ?? null],
      ...Object.entries(a.properties ?? {}),
      ...Object.entries(a.customProperties ?? {}).filter(([k]) => k !== 'tensors'),
    ]),
    section(
      'Lineage',
      h('div', { class: 'filters' }, depthSelect, directionSelect, controls),
      h(
        'p',
        { class: 'muted graph-status' },
        `${graph.artifacts.length} artifacts, ${graph.executions.length} executions`,
        graph.truncated ? ' (cut short: too many nodes; lower the depth)' : '',
      ),
      graphBox,
    ),
  );
};
