/**
 * Each run's final and best value per metric, kept in memory as metrics are logged and written
 * at the end as execution properties (`metric.<key>` and `metric.<key>.best`, always DOUBLE), so
 * MLMD clients, which never see mlmeta's series tables, find them where TFX tooling looks.
 */
import { METRIC_PROPERTY_PREFIX } from '../model/metric-properties.js';

/** Lower is better for these (losses and errors); higher for everything else (accuracy, AUC, ...). */
const LOWER_IS_BETTER =
  /(loss|error|err$|mse|mae|mape|msle|rmse|hinge|crossentropy|perplexity|divergence|kld|poisson|logcosh|huber)/i;

const SYSTEM_METRIC_PREFIX = 'system/';

interface Summary {
  step: number;
  final: number;
  best: number | undefined;
  lowerIsBetter: boolean;
}

export class MetricSummaries {
  private readonly byKey = new Map<string, Summary>();

  /**
   * Record one point; a later step replaces the final value, whatever order points arrive in.
   * System metrics (`system/…`) describe the machine, not the model: they get no summary.
   */
  add(key: string, step: number, value: number): void {
    if (key.startsWith(SYSTEM_METRIC_PREFIX)) return;
    // Called for every point logged: nothing allocated past a key's first point.
    const summary = this.byKey.get(key);
    if (!summary) {
      this.byKey.set(key, {
        step,
        final: value,
        best: Number.isNaN(value) ? undefined : value,
        lowerIsBetter: LOWER_IS_BETTER.test(key),
      });
      return;
    }
    if (step >= summary.step) {
      summary.step = step;
      summary.final = value;
    }
    const best = summary.best;
    if (!Number.isNaN(value) && (best === undefined || (summary.lowerIsBetter ? value < best : value > best)))
      summary.best = value;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** `{ 'metric.loss': final, 'metric.loss.best': best, ... }`. */
  properties(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, summary] of this.byKey) {
      out[`${METRIC_PROPERTY_PREFIX}${key}`] = summary.final;
      if (summary.best !== undefined) out[`${METRIC_PROPERTY_PREFIX}${key}.best`] = summary.best;
    }
    return out;
  }

  /** The final values by metric name (a Metrics artifact's properties). */
  finals(): Record<string, number> {
    return Object.fromEntries(
      [...this.byKey].map(([key, s]) => [`${METRIC_PROPERTY_PREFIX}${key}`, s.final]),
    );
  }
}
