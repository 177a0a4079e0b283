/**
 * One uPlot chart per metric series (or per metric, with several runs overlaid). uPlot is a
 * maintained, small (~50 kB) canvas chart library that draws a million points without
 * stalling, which a hand-made SVG chart does not; we keep it and give it what it lacked here:
 * a width that follows its container (ResizeObserver), a labelled x axis that says what it is
 * (epoch, batch step or wall time), integer ticks on steps, exact values on hover (the live
 * legend), smoothing, log scale, and non-finite points marked in red instead of left blank.
 *
 * The server downsamples long series to about as many points as the chart has pixels, keeping
 * each bucket's minimum and maximum (drawn as a band, so a spike never disappears). Dragging
 * zooms; the visible step range is then fetched again, so the detail that downsampling merged
 * comes back. Double-click zooms out.
 */
import uPlot from 'uplot';
import { get } from './api.js';
import { type ChartOptions, seriesKind, smooth, xAxisLabel } from './chart-options.js';
import { formatNumber, h } from './dom.js';
import type { MetricSeries } from './types.js';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f'];
const NON_FINITE = '#cf222e';
const HEIGHT = 220;
/** Whole-number steps: never a tick at epoch 2.5. */
const STEP_INCREMENTS = [
  1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6,
  1e7,
];

export interface SeriesSource {
  executionId: number;
  key: string;
  label: string;
}

export interface MetricChart {
  /** Redraws with new shared options (x axis, smoothing, log scale) from the data in hand. */
  update(options: ChartOptions): void;
}

function pointBudget(width: number): number {
  return Math.max(200, Math.min(2000, Math.round(width)));
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

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The exact value for the hover legend: six significant digits, never exponent noise for 0.0001. */
function exact(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return formatNumber(value, 6);
}

interface Drawn {
  data: uPlot.AlignedData;
  series: uPlot.Series[];
  /** x positions of NaN / ±Infinity values. */
  nonFinite: { x: number; value: number }[];
}

/** uPlot wants one x array: every series aligned on the union of their x values. */
function layout(
  sources: SeriesSource[],
  data: MetricSeries[],
  options: ChartOptions,
  withBand: boolean,
): Drawn {
  const wall = options.xAxis === 'wall' || seriesKind(sources[0]!.key) === 'system';
  const xOf = (p: MetricSeries['points'][number]) => (wall ? p.wallTime / 1000 : p.step);
  const xs = [...new Set(data.flatMap((s) => s.points.map(xOf)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const keep = (v: number | null) => (v !== null && options.logScale && v <= 0 ? null : v);
  const columns: (number | null)[][] = [];
  const series: uPlot.Series[] = [
    {
      label: xAxisLabel(seriesKind(sources[0]!.key), options),
      value: (_u, v) => (v == null ? '—' : wall ? new Date(v * 1000).toLocaleTimeString('en-GB') : String(v)),
    },
  ];
  const nonFinite: Drawn['nonFinite'] = [];
  const batch = seriesKind(sources[0]!.key) === 'batch';
  data.forEach((s, n) => {
    const stroke = PALETTE[n % PALETTE.length]!;
    const value = new Array<number | null>(xs.length).fill(null);
    const min = new Array<number | null>(xs.length).fill(null);
    const max = new Array<number | null>(xs.length).fill(null);
    for (const p of s.points) {
      const i = index.get(xOf(p))!;
      if (!finite(p.value)) nonFinite.push({ x: xOf(p), value: p.value });
      value[i] = keep(finite(p.value) ? p.value : null);
      min[i] = keep(finite(p.min) ? p.min : value[i]!);
      max[i] = keep(finite(p.max) ? p.max : value[i]!);
    }
    const label = sources[n]!.label;
    const smoothed = options.smoothing > 0;
    if (smoothed) {
      columns.push(value);
      series.push({
        label: `${label} (raw)`,
        stroke: `${stroke}40`,
        width: 1,
        spanGaps: true,
        value: (_u, v) => exact(v),
      });
    }
    columns.push(smoothed ? smooth(value, options.smoothing) : value);
    series.push({
      label: smoothed ? `${label} (smoothed)` : label,
      stroke,
      // Batch series are thin and dotless; epoch series carry a dot per epoch.
      width: batch ? 1 : 1.75,
      points: { show: !batch && xs.length <= 200, size: 5 },
      spanGaps: true,
      value: (_u, v) => exact(v),
    });
    if (withBand && !smoothed) {
      columns.push(min, max);
      series.push({
        label: 'bucket min',
        stroke: `${stroke}55`,
        width: 0.5,
        spanGaps: true,
        value: (_u, v) => exact(v),
      });
      series.push({
        label: 'bucket max',
        stroke: `${stroke}55`,
        width: 0.5,
        spanGaps: true,
        value: (_u, v) => exact(v),
      });
    }
  });
  return { data: [xs, ...columns] as uPlot.AlignedData, series, nonFinite };
}

/** A red dashed line and "NaN" at each non-finite point, so a diverged run is never a blank chart. */
function markNonFinite(marks: Drawn['nonFinite']) {
  return (u: uPlot) => {
    if (marks.length === 0) return;
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.strokeStyle = NON_FINITE;
    ctx.fillStyle = NON_FINITE;
    ctx.lineWidth = devicePixelRatio;
    ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    for (const mark of marks) {
      const x = u.valToPos(mark.x, 'x', true);
      if (x < left - 1 || x > left + width + 1) continue;
      ctx.beginPath();
      ctx.moveTo(x, top + 14 * devicePixelRatio);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      ctx.fillText(
        Number.isNaN(mark.value) ? 'NaN' : mark.value > 0 ? '∞' : '-∞',
        x,
        top + 11 * devicePixelRatio,
      );
    }
    ctx.restore();
  };
}

/**
 * A chart of one or more series (several runs' curves of one metric are overlaid, with a
 * legend), appended to `container`. Resolves once the first data is drawn.
 *
 * @example
 * const chart = await metricChart(div, 'loss', [{ executionId: 3, key: 'loss', label: 'loss' }], options);
 * chart.update({ ...options, logScale: true });
 */
export async function metricChart(
  container: HTMLElement,
  title: string,
  sources: SeriesSource[],
  initial: ChartOptions,
): Promise<MetricChart> {
  const kind = seriesKind(sources[0]!.key);
  let options = initial;
  const note = h('div', { class: 'chart-note muted' });
  const plotSlot = h('div', { class: 'chart-plot' });
  const yLabel = h('div', { class: 'chart-y-label muted' });
  const xLabel = h('div', { class: 'chart-x-label muted' });
  const card = h(
    'figure',
    { class: `chart chart-${kind}`, 'data-metric': title, 'data-kind': kind },
    h(
      'figcaption',
      {},
      title,
      ' ',
      h(
        'span',
        { class: `kind kind-${kind}` },
        kind === 'epoch' ? 'per epoch' : kind === 'batch' ? 'per batch' : 'system',
      ),
    ),
    yLabel,
    plotSlot,
    xLabel,
    note,
  );
  container.append(card);
  const budget = pointBudget(plotSlot.clientWidth);
  // The min/max band only reads well with a single series; overlaid runs show their curves.
  const withBand = sources.length === 1;

  let data = await Promise.all(sources.map((s) => fetchSeries(s, budget)));
  let range: [number, number] | undefined;
  let plot: uPlot | undefined;
  let pending: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  // Set while we change data or scales ourselves, so that only the user's zoom triggers a fetch.
  let applying = false;

  const describe = (drawn: Drawn) => {
    const stored = data.reduce((n, s) => n + s.total, 0);
    const shown = data.reduce((n, s) => n + s.points.length, 0);
    const sampled = data.some((s) => s.downsampled);
    const where = range ? ` in steps ${Math.floor(range[0])}–${Math.ceil(range[1])}` : '';
    const bad = drawn.nonFinite.length;
    const badNote = bad === 0 ? '' : ` ${bad} non-finite value${bad === 1 ? '' : 's'} (NaN/∞) marked in red.`;
    note.textContent = `${stored.toLocaleString('en')} points stored${where}; ${shown.toLocaleString('en')} drawn${
      sampled ? ' (downsampled on the server, band = min/max)' : ''
    }.${badNote} Drag to zoom, double-click to reset.`;
    card.dataset.nonFinite = String(bad);
  };

  const stepMode = () => options.xAxis === 'step' && kind !== 'system';

  const refetch = (u: uPlot) => {
    const min = u.scales.x!.min;
    const max = u.scales.x!.max;
    if (min == null || max == null || !stepMode()) return;
    // uPlot also sets the scale when it draws the whole series: nothing new to fetch then.
    const xs = u.data[0];
    if (range === undefined && xs.length > 0 && min <= xs[0]! && max >= xs[xs.length - 1]!) return;
    clearTimeout(pending);
    pending = setTimeout(async () => {
      const mine = ++generation;
      const wanted: [number, number] = [min, max];
      const fetched = await Promise.all(sources.map((s) => fetchSeries(s, budget, wanted)));
      if (mine !== generation) return;
      data = fetched;
      range = wanted;
      draw();
    }, 120);
  };

  const draw = () => {
    const drawn = layout(sources, data, options, withBand);
    const label = xAxisLabel(kind, options);
    xLabel.textContent = label;
    yLabel.textContent = options.logScale ? `${title} (log scale)` : title;
    card.dataset.xLabel = label;
    applying = true;
    try {
      plot?.destroy();
      const wall = !stepMode();
      plot = new uPlot(
        {
          width: Math.max(200, plotSlot.clientWidth),
          height: HEIGHT,
          series: drawn.series,
          scales: { x: { time: wall }, y: { distr: options.logScale ? 3 : 1 } },
          axes: [
            wall
              ? { space: 70 }
              : { incrs: STEP_INCREMENTS, space: 45, values: (_u, ticks) => ticks.map(String) },
            { size: 56, values: (_u, ticks) => ticks.map((t) => formatNumber(t)) },
          ],
          cursor: { drag: { x: true, y: false, setScale: true } },
          // The legend (exact values under the cursor) goes below the x axis label.
          legend: { show: true, live: true, mount: (_u, el) => xLabel.after(el) },
          hooks: {
            setScale: [
              (u, key) => {
                if (key === 'x' && !applying) refetch(u);
              },
            ],
            draw: [markNonFinite(drawn.nonFinite)],
          },
        },
        drawn.data,
        plotSlot,
      );
      if (range && stepMode()) plot.setScale('x', { min: range[0], max: range[1] });
    } finally {
      applying = false;
    }
    // uPlot's own double-click only rescales to the data in hand (the zoomed part): fetch it all again.
    plot.over.addEventListener('dblclick', async () => {
      clearTimeout(pending);
      if (range === undefined) return;
      const mine = ++generation;
      const fetched = await Promise.all(sources.map((s) => fetchSeries(s, budget)));
      if (mine !== generation) return;
      data = fetched;
      range = undefined;
      draw();
    });
    describe(drawn);
  };

  draw();
  let lastWidth = plotSlot.clientWidth;
  let frame = 0;
  // Resized once per frame at most, and only when the width really changed.
  new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      const width = plotSlot.clientWidth;
      if (!plot || width === lastWidth || width === 0) return;
      lastWidth = width;
      plot.setSize({ width: Math.max(200, width), height: HEIGHT });
    });
  }).observe(plotSlot);

  return {
    update(next) {
      options = next;
      if (!stepMode()) range = undefined;
      draw();
    },
  };
}
