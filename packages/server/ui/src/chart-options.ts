/**
 * What every chart on a page shares: the x axis (step or wall time), smoothing and log scale,
 * chosen once in a toolbar above the charts and remembered in localStorage, as W&B and
 * TensorBoard do. Also the series' kinds: epoch, batch and system series read differently.
 */
import { h } from './dom.js';

export interface ChartOptions {
  /** `step`: the series' own step (the epoch for epoch series, the batch for batch series). */
  xAxis: 'step' | 'wall';
  /** Exponential moving average weight, 0 (off) to 0.95. */
  smoothing: number;
  logScale: boolean;
}

export type SeriesKind = 'epoch' | 'batch' | 'system';

/** The kind of a metric series, from its key (the tfjs callback writes `batch/...`). */
export function seriesKind(key: string): SeriesKind {
  if (key.startsWith('batch/')) return 'batch';
  if (key.startsWith('system/')) return 'system';
  return 'epoch';
}

/** The x axis' name for a kind of series under `options`. */
export function xAxisLabel(kind: SeriesKind, options: ChartOptions): string {
  if (options.xAxis === 'wall' || kind === 'system') return 'wall time';
  return kind === 'batch' ? 'batch step' : 'epoch';
}

const STORAGE_KEY = 'mlmeta.chartOptions';
const DEFAULTS: ChartOptions = { xAxis: 'step', smoothing: 0, logScale: false };

export function loadChartOptions(): ChartOptions {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<ChartOptions>;
    return {
      xAxis: saved.xAxis === 'wall' ? 'wall' : 'step',
      smoothing:
        typeof saved.smoothing === 'number' && saved.smoothing >= 0 && saved.smoothing <= 0.95
          ? saved.smoothing
          : 0,
      logScale: saved.logScale === true,
    };
  } catch {
    return { ...DEFAULTS };
  }
}

function saveChartOptions(options: ChartOptions): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(options));
  } catch {
    // Private windows may refuse storage: the choice then lasts for this page only.
  }
}

/**
 * The toolbar; `onChange` gets the new options (already saved).
 *
 * @example
 * root.append(chartToolbar(options, (next) => charts.forEach((c) => c.update(next))));
 */
export function chartToolbar(options: ChartOptions, onChange: (next: ChartOptions) => void): HTMLElement {
  const current = { ...options };
  const xAxis = h(
    'select',
    { name: 'x-axis', 'aria-label': 'x axis' },
    h('option', { value: 'step', selected: current.xAxis === 'step' }, 'x: epoch / batch step'),
    h('option', { value: 'wall', selected: current.xAxis === 'wall' }, 'x: wall time'),
  );
  const smoothing = h('input', {
    type: 'range',
    name: 'smoothing',
    min: 0,
    max: 0.95,
    step: 0.05,
    value: current.smoothing,
    'aria-label': 'smoothing',
  });
  const smoothingValue = h('output', {}, current.smoothing.toFixed(2));
  const logScale = h('input', { type: 'checkbox', name: 'log-scale', checked: current.logScale });
  const changed = () => {
    current.xAxis = xAxis.value === 'wall' ? 'wall' : 'step';
    current.smoothing = Number(smoothing.value);
    current.logScale = logScale.checked;
    smoothingValue.textContent = current.smoothing.toFixed(2);
    saveChartOptions(current);
    onChange({ ...current });
  };
  xAxis.addEventListener('change', changed);
  smoothing.addEventListener('change', changed);
  logScale.addEventListener('change', changed);
  return h(
    'div',
    { class: 'chart-toolbar' },
    xAxis,
    h('label', {}, 'smoothing ', smoothing, ' ', smoothingValue),
    h('label', {}, logScale, ' log scale'),
  );
}

/** An exponential moving average that steps over non-finite values (they stay marked, unsmoothed). */
export function smooth(values: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values;
  let last: number | undefined;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    last = last === undefined ? v : last * weight + v * (1 - weight);
    return last;
  });
}
