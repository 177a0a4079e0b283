/**
 * The callback that records one fit: placed by the fit wrapper in the call's callback list
 * where the user put `mlmeta.callback()`. It follows tfjs-layers' base_callbacks lifecycle
 * (setParams, setModel, onTrainBegin … onTrainEnd). The batch path does as little as it can:
 * a counter, and, only on batches that are logged, a non-blocking read of the loss scalars.
 */
import { logger } from '@mlmeta/core';
import type { CallbackTf, Logs, LogValue, TfModule } from './tf-types.js';

/** What the recorder reports to its fit session. */
export interface RecorderSink {
  /** tfjs's `this.params` for the call (epochs, samples, steps, metrics, ...). */
  params(params: Record<string, unknown>): void;
  metrics(values: Record<string, number>, step: number): void;
  /** An epoch ended: progress so far, kept on the run so that a run ended by a signal has it. */
  progress(epochsCompleted: number, lastEpoch: number): void;
  /** A NaN or infinite loss: the first one seen is reported. */
  nonFinite(key: string, value: number, where: { epoch?: number; batch?: number }): void;
}

export interface RecorderSettings {
  /** Log batch metrics every N batches; 0 logs epochs only. */
  batchEvery: number;
}

/**
 * How often, at most, the recorder hands the event loop a turn during training. tfjs awaits its
 * callbacks, but an `await` on promises that are already settled never leaves the microtask
 * queue: without a macrotask turn no timer fires (mlmeta's writer, its heartbeat) and no signal
 * handler runs (SIGTERM would wait for the fit to end). tfjs yields by itself only for
 * plain-object callbacks. One setImmediate every 50 ms is a few microseconds per 50 ms.
 */
export const YIELD_EVERY_MS = 50;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface FitRecorder extends CallbackTf {
  readonly epochsCompleted: number;
  readonly lastEpoch: number | undefined;
  readonly examples: number;
  readonly lastEpochMetrics: Record<string, number>;
}

type RecorderClass = new (sink: RecorderSink, settings: RecorderSettings) => FitRecorder;

// One class per tfjs instance: tfjs checks callbacks with `instanceof BaseCallback`, so the
// recorder must extend the Callback class of the very copy that trains the model.
const classes = new WeakMap<object, RecorderClass>();

const SKIPPED_KEYS = new Set(['batch', 'size']);
const batchKeys = new Map<string, string>();
function batchKey(key: string): string {
  let prefixed = batchKeys.get(key);
  if (prefixed === undefined) {
    prefixed = `batch/${key}`;
    batchKeys.set(key, prefixed);
  }
  return prefixed;
}

async function readValue(value: LogValue): Promise<number> {
  if (typeof value === 'number') return value;
  const data = await value.data();
  return Number((data as unknown as ArrayLike<number>)[0]);
}

/** The recorder class for `tf`, created once. */
export function recorderClass(tf: TfModule): RecorderClass {
  const existing = classes.get(tf.Callback);
  if (existing) return existing;

  class MlmetaFitRecorder extends (tf.Callback as new () => CallbackTf) implements FitRecorder {
    epochsCompleted = 0;
    lastEpoch: number | undefined;
    examples = 0;
    lastEpochMetrics: Record<string, number> = {};
    private globalBatch = 0;
    private epoch = 0;
    private reportedNonFinite = false;
    private lastYield = performance.now();

    constructor(
      private readonly sink: RecorderSink,
      private readonly settings: RecorderSettings,
    ) {
      super();
    }

    override setParams(params: Record<string, unknown>): void {
      super.setParams(params);
      try {
        this.sink.params(params);
      } catch (error) {
        logger.warn('could not record tfjs params', error);
      }
    }

    async onEpochBegin(epoch: number): Promise<void> {
      this.epoch = epoch;
    }

    async onBatchEnd(batch: number, logs?: Logs): Promise<void> {
      const step = this.globalBatch++;
      const size = logs?.size;
      if (typeof size === 'number') this.examples += size;
      const every = this.settings.batchEvery;
      if (every !== 0 && step % every === 0 && logs) {
        try {
          this.logBatch(step, batch, logs);
        } catch (error) {
          logger.warn('could not record batch metrics', error);
        }
      }
      const now = performance.now();
      if (now - this.lastYield >= YIELD_EVERY_MS) {
        this.lastYield = now;
        await nextTurn();
      }
    }

    private logBatch(step: number, batch: number, logs: Logs): void {
      const values: Record<string, number> = {};
      let pending: Array<Promise<void>> | undefined;
      for (const key in logs) {
        if (SKIPPED_KEYS.has(key)) continue;
        const value = logs[key];
        if (typeof value === 'number') values[batchKey(key)] = value;
        else if (value && typeof value.data === 'function') {
          // data() starts the read now, before tfjs disposes the scalar after this callback,
          // without waiting for it: no extra GPU sync on the training path.
          pending ??= [];
          pending.push(
            readValue(value).then((v) => {
              values[batchKey(key)] = v;
            }),
          );
        }
      }
      const epoch = this.epoch;
      const emit = () => {
        this.sink.metrics(values, step);
        this.checkFinite(values, { epoch, batch });
      };
      if (!pending) emit();
      else
        Promise.all(pending)
          .then(emit)
          .catch((error) => logger.warn('could not read batch metrics', error));
    }

    async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
      this.epochsCompleted += 1;
      this.lastEpoch = epoch;
      try {
        this.sink.progress(this.epochsCompleted, epoch);
      } catch (error) {
        logger.warn('could not record training progress', error);
      }
      if (!logs) return;
      try {
        const values: Record<string, number> = {};
        for (const key in logs) values[key] = await readValue(logs[key]);
        this.lastEpochMetrics = values;
        this.sink.metrics(values, epoch);
        this.checkFinite(values, { epoch });
      } catch (error) {
        logger.warn('could not record epoch metrics', error);
      }
    }

    private checkFinite(values: Record<string, number>, where: { epoch?: number; batch?: number }): void {
      if (this.reportedNonFinite) return;
      for (const key in values) {
        const value = values[key];
        // Losses only: a NaN loss means the weights are garbage; other metrics may be NaN legitimately.
        if (key.includes('loss') && !Number.isFinite(value)) {
          this.reportedNonFinite = true;
          this.sink.nonFinite(key, value, where);
          return;
        }
      }
    }
  }

  const recorder = MlmetaFitRecorder as unknown as RecorderClass;
  classes.set(tf.Callback, recorder);
  return recorder;
}
