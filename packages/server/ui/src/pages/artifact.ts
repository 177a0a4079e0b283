/**
 * One artifact and its lineage: where it came from (upstream) and what was made from it
 * (downstream), as a DAG whose nodes link to their own pages. Depth counts generations
 * (artifact → execution → artifact is one).
 */
import { get } from '../api.js';
import { h, keyValueTable, section } from '../dom.js';
import { lineageSvg } from '../lineage-graph.js';
import { navigate, type Page } from '../nav.js';
import type { LineageView } from '../types.js';

export const artifactPage: Page = async (root, url, params, signal) => {
  const depth = Number(url.searchParams.get('depth') ?? 3);
  const direction = url.searchParams.get('direction') ?? 'both';
  const view = await get<LineageView>(`/api/v1/ui/artifacts/${params.id}`, {
    depth: Number.isInteger(depth) && depth >= 1 && depth <= 50 ? depth : 3,
    direction: ['upstream', 'downstream', 'both'].includes(direction) ? direction : 'both',
  });
  if (signal.aborted) return;
  const a = view.artifact;

  const depthSelect = h(
    'select',
    { name: 'depth', 'aria-label': 'depth' },
    [1, 2, 3, 4, 6, 10].map((d) => h('option', { value: d, selected: d === depth }, `depth ${d}`)),
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
      h('div', { class: 'filters' }, depthSelect, directionSelect),
      h(
        'p',
        { class: 'muted graph-status' },
        `${graph.artifacts.length} artifacts, ${graph.executions.length} executions`,
        graph.truncated ? ' (cut short: too many nodes; lower the depth)' : '',
      ),
      h('div', { class: 'graph' }, lineageSvg(graph, a.id)),
    ),
  );
};
