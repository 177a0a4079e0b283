/**
 * The statistics of one served model on its `mlmeta.Serve` run: written every flush interval
 * while it serves (cumulative, and only when something was served since the last write), and a
 * last time when serving ends or the process does (exit, or the signal that ends the runs: the
 * lifecycle hooks flush every live record before they end the runs). Shared by the serving
 * integrations (@mlmeta/onnx, @mlmeta/tfjs), so a Serve run reads the same whatever served it.
 */
import { logger } from '../log.js';
import type { Run } from '../tracker/api.js';
import { ServingStats } from './serving-stats.js';

/**
 * How often a served model's aggregated statistics are written while it serves, unless the
 * integration's `flushIntervalMs` says otherwise.
 *
 * @example
 * instrument(ort, { flushIntervalMs: DEFAULT_FLUSH_INTERVAL_MS / 6 }); // every 5 s
 */
export const DEFAULT_FLUSH_INTERVAL_MS = 30_000;

const LIVE_KEY = Symbol.for('mlmeta.serving.live');

/** Live records of the process, shared by the ESM and CommonJS builds. */
function liveRecords(): Set<ServingRecord> {
  const scope = globalThis as Record<symbol, unknown>;
  let live = scope[LIVE_KEY] as Set<ServingRecord> | undefined;
  if (!live) {
    live = new Set();
    scope[LIVE_KEY] = live;
  }
  return live;
}

/**
 * Writes the statistics of every model still serving in this process. Never throws.
 *
 * @example
 * flushServingRecords(); // before the runs are ended at exit
 */
export function flushServingRecords(): void {
  for (const record of liveRecords()) record.flush();
}

/**
 * @example
 * const record = new ServingRecord(run, ['input'], DEFAULT_FLUSH_INTERVAL_MS);
 * record.stats.countCall(); record.stats.observeInput(0, [8, 4]); record.stats.recordSuccess(0.3);
 * record.end(); // last flush, then the run ends COMPLETE
 */
export class ServingRecord {
  readonly stats: ServingStats;
  private readonly timer: NodeJS.Timeout;
  private flushedCalls = 0;
  private flushStep = 0;
  private ended = false;

  constructor(
    readonly run: Run,
    inputNames: readonly string[],
    flushIntervalMs: number = DEFAULT_FLUSH_INTERVAL_MS,
  ) {
    this.stats = new ServingStats(inputNames);
    this.timer = setInterval(() => this.flush(), flushIntervalMs);
    this.timer.unref();
    liveRecords().add(this);
  }

  /** Writes the statistics so far (cumulative), unless nothing was served since the last flush. */
  flush(): void {
    const stats = this.stats;
    if (stats.calls === this.flushedCalls) return;
    this.flushedCalls = stats.calls;
    try {
      const snapshot = stats.snapshot();
      const { latency } = snapshot;
      this.run.setProperties({
        'serve.calls': snapshot.calls,
        'serve.errors': snapshot.errors,
        'serve.latency_ms': {
          count: latency.count,
          mean: latency.meanMs,
          min: latency.minMs,
          max: latency.maxMs,
          p50: latency.p50Ms,
          p90: latency.p90Ms,
          p99: latency.p99Ms,
        },
        'serve.latency_histogram_ms': latency.buckets,
        'serve.batch_sizes': snapshot.batchSizes,
        'serve.input_shapes': snapshot.inputShapes,
        'serve.other_batch_sizes': snapshot.otherBatchSizes,
        'serve.other_shapes': snapshot.otherShapes,
      });
      this.run.logMetrics(
        {
          'serve.calls': snapshot.calls,
          'serve.errors': snapshot.errors,
          'serve.latency_p50_ms': latency.p50Ms,
          'serve.latency_p90_ms': latency.p90Ms,
          'serve.latency_p99_ms': latency.p99Ms,
        },
        this.flushStep++,
      );
    } catch (error) {
      logger.warn('could not record serving statistics:', error);
    }
  }

  /**
   * Last flush, then the Serve run ends COMPLETE once `before` settles (the model artifact, so
   * that its INPUT event is part of the run's final write). The first call wins.
   */
  end(before: Promise<unknown> = Promise.resolve()): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.ended = true;
    clearInterval(this.timer);
    liveRecords().delete(this);
    this.flush();
    return before.then(
      () => this.run.end('COMPLETE'),
      () => this.run.end('COMPLETE'),
    );
  }
}
