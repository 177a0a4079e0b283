/**
 * One artifact and its lineage: where it came from (upstream) and what was made from it
 * (downstream), as a navigable DAG (see lineage-view.ts). A dataset shows its per-feature
 * statistics; a model its signature, the versions of its series and where it is served. Depth
 * counts event hops (artifact → execution is one), as `mlmeta lineage --depth` does.
 */
import { get } from '../api.js';
import { tensorStatistics, tensorsOf } from '../dataset-stats.js';
import { formatCompactTime, h, keyValueTable, scrollBox, section, stateBadge } from '../dom.js';
import { lineageView } from '../lineage-view.js';
import { navigate, type Page } from '../nav.js';
import type { LineageView, ModelDetail } from '../types.js';

/** Properties that have their own section on a model's page. */
const MODEL_SECTIONS = new Set(['inputs', 'outputs', 'inputShapes', 'outputShapes']);

function table(head: string[], rows: HTMLElement[], className: string): HTMLElement {
  return scrollBox(
    h(
      'table',
      { class: className },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          head.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}

function shortDigest(digest: string): string {
  const [scheme, hex] = digest.includes(':') ? digest.split(':', 2) : ['', digest];
  return hex && hex.length > 12 ? `${scheme ? `${scheme}:` : ''}${hex.slice(0, 12)}…` : digest;
}

function modelSections(model: ModelDetail): HTMLElement[] {
  const shape = (s: ModelDetail['signature'][number]['shape']) =>
    s === undefined ? '—' : `[${s.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
  return [
    section(
      'Signature',
      model.signature.length === 0
        ? h('p', { class: 'muted' }, 'No signature recorded.')
        : table(
            ['', 'name', 'dtype', 'shape'],
            model.signature.map((t) =>
              h(
                'tr',
                {},
                h('td', {}, t.direction),
                h('td', {}, t.name),
                h('td', {}, t.dtype ?? '—'),
                h('td', {}, shape(t.shape)),
              ),
            ),
            'signature',
          ),
    ),
    section(
      model.name ? `Versions of ${model.name}` : 'Versions',
      table(
        ['version', 'aliases', 'saved', 'digest', 'made by'],
        model.versions.map((v, i) =>
          h(
            'tr',
            { class: v.current ? 'current' : undefined, 'data-artifact-id': v.id },
            h(
              'td',
              {},
              v.current
                ? h(
                    'strong',
                    {},
                    v.version ? `v${v.version}` : `#${model.versions.length - i}`,
                    ' (this one)',
                  )
                : h(
                    'a',
                    { href: `/artifacts/${v.id}` },
                    v.version ? `v${v.version}` : `#${model.versions.length - i}`,
                  ),
            ),
            h('td', {}, v.aliases && v.aliases.length > 0 ? v.aliases.join(', ') : '—'),
            h('td', { class: 'nowrap' }, formatCompactTime(v.createTime)),
            // The digest's start tells versions apart; all of it is on hover and on its page.
            h('td', {}, v.digest ? h('code', { title: v.digest }, shortDigest(v.digest)) : '—'),
            h('td', {}, v.producer ? h('a', { href: `/runs/${v.producer.id}` }, v.producer.name) : '—'),
          ),
        ),
        'versions',
      ),
    ),
    section(
      'Served',
      model.served.length === 0
        ? h('p', { class: 'muted' }, 'Not served (serving is recorded by @mlmeta/onnx).')
        : table(
            ['serving run', 'host', 'since', 'state'],
            model.served.map((s) =>
              h(
                'tr',
                { 'data-serve-id': s.id },
                h('td', {}, h('a', { href: `/runs/${s.id}` }, s.name)),
                h('td', {}, s.host ?? '—'),
                h('td', { class: 'nowrap' }, formatCompactTime(s.since)),
                h('td', {}, stateBadge(s.state)),
              ),
            ),
            'served',
          ),
    ),
  ];
}

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

  const graph = lineageView(view.graph, {
    focus: [`a${a.id}`],
    label: `lineage of ${a.name ?? a.uri ?? `artifact #${a.id}`}`,
    controls: [depthSelect, directionSelect],
  });
  const hidden = (key: string) => key === 'tensors' || (view.model !== undefined && MODEL_SECTIONS.has(key));
  const tensors = tensorsOf(a);
  root.append(
    h('h1', {}, a.name ?? a.uri ?? `artifact #${a.id}`),
    h('p', { class: 'muted' }, `${a.type} #${a.id}`, a.state ? ` · ${a.state}` : ''),
    keyValueTable([
      ['digest', a.externalId ?? null],
      ['uri', a.uri ?? null],
      ...Object.entries(a.properties ?? {}),
      ...Object.entries(a.customProperties ?? {}).filter(([k]) => !hidden(k)),
    ]),
    ...(tensors.length > 0 ? [section('Feature statistics', tensorStatistics(a, 4))] : []),
    ...(view.model ? modelSections(view.model) : []),
    section('Lineage', graph.element),
  );
  graph.draw();
};
