/**
 * One uPlot chart per metric series. The server downsamples long series to about as many
 * points as the chart has pixels, keeping each bucket's minimum and maximum (drawn as a band,
 * so a spike never disappears). Dragging zooms; the visible step range is then fetched again,
 * so the detail that downsampling merged comes back. Double-click zooms out.
 */
import uPlot from 'uplot';
import { get } from './api.js';
import { formatNumber, h } from './dom.js';
import type { MetricSeries } from './types.js';

/** Points asked for per chart: about one per pixel, at most 2,000. */
function pointBudget(width: number): number {
  return Math.max(200, Math.min(2000, Math.round(width)));
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f'];

export interface SeriesSource {
  executionId: number;
  key: string;
  label: string;
}

async function fetchSeries(source: SeriesSource, maxPoints: number, range?: [number, number]) {
  return get<MetricSeries>('/api/v1/metrics/series', {
    executionId: source.executionId,
    key: source.key,
    maxPoints,
    fromStep: range ? Math.floor(range[0]) : undefined,
    toStep: range ? Math.ceil(range[1]) : undefined,
  });
}

/** Aligns several series on the union of their steps (uPlot wants one x array). */
function align(series: MetricSeries[], withBand: boolean): uPlot.AlignedData {
  const steps = [...new Set(series.flatMap((s) => s.points.map((p) => p.step)))].sort((a, b) => a - b);
  const index = new Map(steps.map((step, i) => [step, i]));
  const columns: (number | null)[][] = [];
  for (const s of series) {
    const value = new Array<number | null>(steps.length).fill(null);
    const min = new Array<number | null>(steps.length).fill(null);
    const max = new Array<number | null>(steps.length).fill(null);
    for (const p of s.points) {
      const i = index.get(p.step)!;
      value[i] = Number.isFinite(p.value) ? p.value : null;
      min[i] = p.min !== undefined && Number.isFinite(p.min) ? p.min : value[i]!;
      max[i] = p.max !== undefined && Number.isFinite(p.max) ? p.max : value[i]!;
    }
    columns.push(value);
    if (withBand) columns.push(min, max);
  }
  return [steps, ...columns] as uPlot.AlignedData;
}

/**
 * A chart of one or more series (several runs' curves of one metric are overlaid), appended to
 * `container`. Resolves once the first data is drawn.
 *
 * @example
 * await metricChart(div, 'loss', [{ executionId: 3, key: 'loss', label: 'loss' }]);
 */
export async function metricChart(
  container: HTMLElement,
  title: string,
  sources: SeriesSource[],
): Promise<void> {
  const note = h('div', { class: 'chart-note muted' });
  const plotSlot = h('div', { class: 'chart-plot' });
  const card = h(
    'figure',
    { class: 'chart', 'data-metric': title },
    h('figcaption', {}, title),
    plotSlot,
    note,
  );
  container.append(card);
  const width = Math.max(320, Math.min(900, container.clientWidth - 24));
  const budget = pointBudget(width);
  // The min/max band only reads well with a single series; overlaid runs show their curves.
  const withBand = sources.length === 1;

  const describe = (data: MetricSeries[], range?: [number, number]) => {
    const stored = data.reduce((n, s) => n + s.total, 0);
    const shown = data.reduce((n, s) => n + s.points.length, 0);
    const sampled = data.some((s) => s.downsampled);
    const where = range ? ` in steps ${Math.floor(range[0])}–${Math.ceil(range[1])}` : '';
    note.textContent = `${stored.toLocaleString('en')} points stored${where}; ${shown.toLocaleString('en')} drawn${
      sampled ? ' (downsampled on the server, band = min/max)' : ''
    }. Drag to zoom, double-click to reset.`;
  };

  const first = await Promise.all(sources.map((s) => fetchSeries(s, budget)));
  const series: uPlot.Series[] = [{ label: 'step' }];
  sources.forEach((source, i) => {
    const stroke = PALETTE[i % PALETTE.length]!;
    series.push({
      label: source.label,
      stroke,
      width: 1.5,
      spanGaps: true,
      value: (_u, v) => (v == null ? '—' : formatNumber(v)),
    });
    if (withBand) {
      series.push({ label: 'min', stroke: `${stroke}55`, width: 0.5, spanGaps: true });
      series.push({ label: 'max', stroke: `${stroke}55`, width: 0.5, spanGaps: true });
    }
  });

  let full = true;
  let pending: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  // Set while we change data or scales ourselves, so that only the user's zoom triggers a fetch.
  let applying = false;
  const apply = (plot: uPlot, data: MetricSeries[], range?: [number, number]) => {
    applying = true;
    try {
      plot.setData(align(data, withBand), range === undefined);
      if (range) plot.setScale('x', { min: range[0], max: range[1] });
    } finally {
      applying = false;
    }
    full = range === undefined;
    describe(data, range);
  };
  const refetch = (plot: uPlot) => {
    const min = plot.scales.x!.min;
    const max = plot.scales.x!.max;
    if (min == null || max == null) return;
    // uPlot also sets the scale when it draws the whole series: nothing new to fetch then.
    const steps = plot.data[0];
    if (full && steps.length > 0 && min <= steps[0]! && max >= steps[steps.length - 1]!) return;
    clearTimeout(pending);
    pending = setTimeout(async () => {
      const mine = ++generation;
      const range: [number, number] = [min, max];
      const data = await Promise.all(sources.map((s) => fetchSeries(s, budget, range)));
      if (mine === generation) apply(plot, data, range);
    }, 120);
  };

  const plot = new uPlot(
    {
      width,
      height: 220,
      series,
      scales: { x: { time: false } },
      axes: [{ label: 'step' }, { values: (_u, ticks) => ticks.map((t) => formatNumber(t)) }],
      cursor: { drag: { x: true, y: false, setScale: true } },
      legend: { show: sources.length > 1 },
      hooks: {
        setScale: [
          (u, key) => {
            if (key === 'x' && !applying) refetch(u);
          },
        ],
      },
    },
    align(first, withBand),
    plotSlot,
  );
  // uPlot's own double-click only rescales to the data in hand (the zoomed part): fetch it all again.
  plot.over.addEventListener('dblclick', async () => {
    clearTimeout(pending);
    if (full) return;
    const mine = ++generation;
    const data = await Promise.all(sources.map((s) => fetchSeries(s, budget)));
    if (mine === generation) apply(plot, data);
  });
  describe(first);
}
