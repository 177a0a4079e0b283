/**
 * Compare two or more runs: params and environment side by side with the differences marked,
 * and each metric's curves overlaid on one chart.
 */
import { get } from '../api.js';
import { formatValue, h, scrollBox, section, stateBadge } from '../dom.js';
import { metricsSection } from '../metrics-section.js';
import { navigate, type Page } from '../nav.js';
import type { PropertyValue, RunDetail } from '../types.js';

/**
 * Environment entries that differ on every run and say nothing about the result: the process
 * id, when and how long the probes ran, the working folder of a temporary checkout.
 */
const NOISE =
  /(^|\.)(pid|ppid|probeMs|probedAt|probeTime|startedAt|uptime|cwd|timestamp|time|freeMemory|memoryFree|loadavg)$/i;

/** Datasets by role (train, validation, ...): digest and rows, so a changed dataset is one row. */
function datasetValues(run: RunDetail): Map<string, string> {
  const out = new Map<string, string>();
  for (const input of run.inputs) {
    if (/Model$/.test(input.artifact.type)) continue;
    const role = input.role || input.artifact.name || `#${input.artifact.id}`;
    const rows = input.artifact.customProperties?.rows ?? input.artifact.properties?.rows;
    out.set(`${role} digest`, input.artifact.externalId ?? `#${input.artifact.id}`);
    if (rows !== undefined) out.set(`${role} rows`, formatValue(rows));
    if (input.artifact.uri) out.set(`${role} uri`, input.artifact.uri);
  }
  return out;
}

/** Nested objects as dotted keys, so `environment.git.commit` can be compared across runs. */
function flatten(value: PropertyValue | undefined, prefix: string, out: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
    return;
  }
  out.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
}

function comparisonTable(
  runs: RunDetail[],
  values: Map<string, string>[],
  onlyDifferent: boolean,
): HTMLElement {
  const keys = [...new Set(values.flatMap((v) => [...v.keys()]))].sort();
  const rows = keys
    .map((key) => {
      const cells = values.map((v) => v.get(key));
      const differs = new Set(cells.map((c) => c ?? '\u0000')).size > 1;
      return { key, cells, differs };
    })
    .filter((row) => !onlyDifferent || row.differs);
  const hidden = keys.length - rows.length;
  return h(
    'div',
    {},
    scrollBox(
      h(
        'table',
        { class: 'compare' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, ''),
            runs.map((r) => h('th', {}, h('a', { href: `/runs/${r.run.id}` }, r.run.name))),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((row) =>
            h(
              'tr',
              { class: row.differs ? 'differs' : undefined },
              h('th', {}, row.key),
              row.cells.map((c) => h('td', {}, c ?? '—')),
            ),
          ),
        ),
      ),
    ),
    hidden > 0 ? h('p', { class: 'muted' }, `${hidden} identical entries not shown.`) : null,
  );
}

export const comparePage: Page = async (root, url, _params, signal) => {
  const ids = [...new Set((url.searchParams.get('ids') ?? '').split(',').filter((s) => /^\d+$/.test(s)))];
  const addInput = h('input', {
    type: 'text',
    name: 'add',
    placeholder: 'run id',
    size: 8,
    inputmode: 'numeric',
  });
  const addForm = h('form', { class: 'filters' }, addInput, h('button', { type: 'submit' }, 'Add run'));
  addForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = addInput.value.trim();
    if (/^\d+$/.test(id)) navigate(`/compare?ids=${[...ids, id].join(',')}`);
  });
  root.append(h('h1', {}, 'Compare runs'), addForm);
  if (ids.length < 2) {
    root.append(
      h('p', { class: 'muted' }, 'Pick two or more runs: tick them in the runs table, or add run ids here.'),
    );
    if (ids.length === 0) return;
  }

  const runs = await Promise.all(ids.map((id) => get<RunDetail>(`/api/v1/ui/runs/${id}`)));
  if (signal.aborted) return;
  root.append(
    h(
      'ul',
      { class: 'run-list' },
      runs.map((r) =>
        h(
          'li',
          {},
          h('a', { href: `/runs/${r.run.id}` }, r.run.name),
          ' ',
          stateBadge(r.run.state),
          ` #${r.run.id}`,
        ),
      ),
    ),
  );

  const params = runs.map((r) => new Map(Object.entries(r.run.params).map(([k, v]) => [k, formatValue(v)])));
  root.append(section('Params', comparisonTable(runs, params, false)));
  root.append(section('Datasets', comparisonTable(runs, runs.map(datasetValues), false)));
  const environments = runs.map((r) => {
    const out = new Map<string, string>();
    for (const key of ['environment', 'hardware', 'tfjs'])
      flatten(r.execution.customProperties[key], key, out);
    for (const key of [...out.keys()]) if (NOISE.test(key)) out.delete(key);
    return out;
  });
  root.append(section('Environment differences', comparisonTable(runs, environments, true)));

  const keys = [
    ...new Set(runs.flatMap((r) => r.metricKeys.filter((k) => k.count > 1).map((k) => k.key))),
  ].sort();
  await metricsSection(
    root,
    keys.map((key) => ({
      key,
      sources: runs
        .filter((r) => r.metricKeys.some((k) => k.key === key))
        .map((r) => ({ executionId: r.run.id, key, label: `${r.run.name} #${r.run.id}` })),
    })),
    [],
    signal,
  );
};
