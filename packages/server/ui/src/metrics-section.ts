/**
 * The metrics part of the run and compare pages: one toolbar (x axis, smoothing, log scale)
 * for all charts, then the charts grouped by kind (per epoch, per batch, system), each group
 * its own grid so an epoch chart is never mistaken for a batch chart. A series of one point is
 * a value, not a chart: those go in a small table instead.
 */
import { chartToolbar, loadChartOptions, type SeriesKind, seriesKind } from './chart-options.js';
import { formatNumber, h, keyValueTable, section } from './dom.js';
import { type MetricChart, metricChart, type SeriesSource } from './metric-chart.js';

export interface ChartSpec {
  key: string;
  sources: SeriesSource[];
}

const GROUPS: [SeriesKind, string][] = [
  ['epoch', 'Per epoch'],
  ['batch', 'Per batch'],
  ['system', 'System (CPU, memory, GPU)'],
];

/**
 * Appends the Metrics section to `root` and draws its charts one by one (each fetches its own
 * downsampled series). `single` holds one-point series as key → value.
 *
 * @example
 * await metricsSection(root, [{ key: 'loss', sources: [{ executionId: 3, key: 'loss', label: 'loss' }] }], [], signal);
 */
export async function metricsSection(
  root: HTMLElement,
  specs: ChartSpec[],
  single: [string, number][],
  signal: AbortSignal,
): Promise<void> {
  const charts: MetricChart[] = [];
  let options = loadChartOptions();
  const toolbar = chartToolbar(options, (next) => {
    options = next;
    for (const chart of charts) chart.update(next);
  });
  const card = section('Metrics');
  root.append(card);
  if (specs.length === 0 && single.length === 0) {
    card.append(h('p', { class: 'muted' }, 'No metric series recorded.'));
    return;
  }
  if (specs.length > 0) card.append(toolbar);
  const boxes = new Map<SeriesKind, HTMLElement>();
  for (const [kind, title] of GROUPS) {
    if (!specs.some((s) => seriesKind(s.key) === kind)) continue;
    const box = h('div', { class: 'charts' });
    boxes.set(kind, box);
    card.append(h('h3', { class: 'chart-group' }, title), box);
  }
  if (single.length > 0) {
    card.append(
      h('h3', { class: 'chart-group' }, 'Single values'),
      keyValueTable(single.map(([key, value]) => [key, formatNumber(value, 6)])),
    );
  }
  for (const [kind] of GROUPS) {
    for (const spec of specs.filter((s) => seriesKind(s.key) === kind)) {
      if (signal.aborted) return;
      charts.push(await metricChart(boxes.get(kind)!, spec.key, spec.sources, options));
    }
  }
}
