/**
 * `callback()`: the one line a user adds to `model.fit`. The object it returns marks the call
 * for recording; the fit wrapper (installed here, once) replaces it with a recorder bound to
 * that call, so one callback object can serve many fits, even concurrent ones.
 */
import { logger, type Run } from '@mlmeta/core';
import { installPatches, removePatches } from './instrumentation.js';
import { markLoadedModel } from './lineage.js';
import { resolveTf } from './resolve-tf.js';
import { CALLBACK_OPTIONS, tfjsState } from './state.js';
import type { CallbackTf, LayersModelTf, TfModule } from './tf-types.js';
import { type CallbackOptions, type InstrumentOptions, parseCallbackOptions } from './types.js';
import { UnwrappedFit } from './unwrapped-fit.js';

/**
 * What callback() returns: a tfjs Callback, plus a way to wait for the records. The lifecycle
 * methods are declared so the object type-checks in `callbacks` of fit and fitDataset.
 *
 * @example
 * const cb: MlmetaCallback = mlmeta.callback();
 * await model.fit(x, y, { epochs: 5, callbacks: [cb] });
 * await cb.flush();
 * console.log(cb.lastRun?.id);
 */
export interface MlmetaCallback extends TfCallbackLifecycle {
  /** The run of the most recent fit this callback took part in. */
  readonly lastRun: Run | undefined;
  /** Resolves when every run recorded so far in this process is written (or spooled). */
  flush(): Promise<void>;
}

/**
 * tfjs-layers' BaseCallback lifecycle (base_callbacks.ts): the methods tfjs calls on every
 * entry of `callbacks`.
 *
 * @example
 * const cb: TfCallbackLifecycle = mlmeta.callback();
 * await model.fit(x, y, { callbacks: [cb] });
 */
export interface TfCallbackLifecycle extends CallbackTf {
  /** Called by tfjs when fit/fitDataset starts: the run begins, with the fit's params. */
  onTrainBegin(logs?: Record<string, unknown>): Promise<void>;
  /** Called by tfjs when training ends: the run is ended COMPLETE (or CANCELED when stopped). */
  onTrainEnd(logs?: Record<string, unknown>): Promise<void>;
  /** Called by tfjs before each epoch. */
  onEpochBegin(epoch: number, logs?: Record<string, unknown>): Promise<void>;
  /** Called by tfjs after each epoch, with its metrics (logged per epoch). */
  onEpochEnd(epoch: number, logs?: Record<string, unknown>): Promise<void>;
  /** Called by tfjs before each batch. */
  onBatchBegin(batch: number, logs?: Record<string, unknown>): Promise<void>;
  /** Called by tfjs after each batch, with its metrics (logged per MLMETA_LOG_BATCHES). */
  onBatchEnd(batch: number, logs?: Record<string, unknown>): Promise<void>;
}

/**
 * Resolves when every fit recorded so far in this process has been written to its store (or
 * to the spool). Never rejects.
 *
 * @example
 * await model.fit(xs, ys, { callbacks: [mlmeta.callback()] });
 * await mlmeta.flush();
 */
export async function flush(): Promise<void> {
  const pending = [...tfjsState().pending];
  if (pending.length === 0) return;
  // The writer's own timers are unref'd (they must never keep an app alive); a caller awaiting
  // flush() at the end of a script wants the process to stay until the records are written.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    await Promise.all(pending);
  } finally {
    clearInterval(keepAlive);
  }
}

const markerClasses = new WeakMap<object, new (options: CallbackOptions) => MlmetaCallback>();

function markerClass(tf: TfModule): new (options: CallbackOptions) => MlmetaCallback {
  const existing = markerClasses.get(tf.Callback);
  if (existing) return existing;
  // tf.Callback implements the lifecycle methods; the cast only tells TypeScript so.
  const Base = tf.Callback as unknown as new () => TfCallbackLifecycle;
  class MlmetaCallbackMarker extends Base implements MlmetaCallback {
    readonly [CALLBACK_OPTIONS]: CallbackOptions;
    lastRun: Run | undefined;
    constructor(options: CallbackOptions) {
      super();
      this[CALLBACK_OPTIONS] = options;
    }
    flush(): Promise<void> {
      return flush();
    }
    /** Set only when tfjs runs this object itself: the fit was not seen by mlmeta's wrapper. */
    private unwrapped: UnwrappedFit | undefined;
    override setModel(model: unknown): void {
      super.setModel(model);
      this.unwrapped = new UnwrappedFit(tf, model as LayersModelTf, this[CALLBACK_OPTIONS]);
    }
    override async onTrainBegin(): Promise<void> {
      const session = await this.unwrapped?.begin(this.params ?? {});
      if (session) this.lastRun = session.run;
    }
    override async onEpochBegin(epoch: number, logs?: Record<string, unknown>): Promise<void> {
      await this.unwrapped?.forward('onEpochBegin', epoch, logs);
    }
    override async onEpochEnd(epoch: number, logs?: Record<string, unknown>): Promise<void> {
      await this.unwrapped?.forward('onEpochEnd', epoch, logs);
    }
    override async onBatchBegin(batch: number, logs?: Record<string, unknown>): Promise<void> {
      await this.unwrapped?.forward('onBatchBegin', batch, logs);
    }
    override async onBatchEnd(batch: number, logs?: Record<string, unknown>): Promise<void> {
      await this.unwrapped?.forward('onBatchEnd', batch, logs);
    }
    override async onTrainEnd(): Promise<void> {
      const fit = this.unwrapped;
      this.unwrapped = undefined;
      await fit?.end();
    }
  }
  markerClasses.set(tf.Callback, MlmetaCallbackMarker);
  return MlmetaCallbackMarker;
}

/** Stand-in when no tfjs can be found: valid in any callback list, records nothing. */
function inertCallback(): MlmetaCallback {
  const noop = async () => {};
  return {
    lastRun: undefined,
    flush,
    setParams() {},
    setModel() {},
    onTrainBegin: noop,
    onTrainEnd: noop,
    onEpochBegin: noop,
    onEpochEnd: noop,
    onBatchBegin: noop,
    onBatchEnd: noop,
  } as MlmetaCallback;
}

/**
 * A TensorFlow.js callback that records the fit (or fitDataset) it is passed to as an
 * mlmeta.Train run: arguments and defaults, optimizer, model summary, data fingerprints,
 * per-epoch and throttled per-batch metrics, outcome, and the trained model. Invalid options
 * throw here, before training starts.
 *
 * @example
 * import * as mlmeta from '@mlmeta/tfjs';
 * await model.fit(xs, ys, { epochs: 10, callbacks: [mlmeta.callback()] });
 * await model.fit(xs, ys, { callbacks: [mlmeta.callback({ experiment: 'iris', logBatches: { every: 10 } })] });
 */
export function callback(options?: CallbackOptions): MlmetaCallback {
  const parsed = parseCallbackOptions(options);
  const tf = parsed.tf ?? resolveTf();
  if (!tf) {
    logger.warn(
      'mlmeta.callback() could not find TensorFlow.js from this project; nothing will be recorded. ' +
        'Install @tensorflow/tfjs (or -node, -node-gpu) or pass it: callback({ tf })',
    );
    return inertCallback();
  }
  installPatches(tf);
  const Marker = markerClass(tf);
  return new Marker(parsed);
}

/**
 * Records every fit and fitDataset of `tf`'s models, with or without a callback (the preload
 * hook's autolog mode). A callback in a call still takes precedence with its own options.
 * Invalid options throw.
 *
 * @example
 * instrument(require('@tensorflow/tfjs-node'), { experiment: 'nightly' });
 */
export function instrument(tf?: TfModule, options: InstrumentOptions = {}): void {
  const parsed = parseCallbackOptions({ ...options, ...(tf ? { tf } : {}) });
  const resolved = parsed.tf ?? resolveTf();
  if (!resolved) {
    logger.warn('mlmeta could not find TensorFlow.js to instrument; fits will not be recorded');
    return;
  }
  installPatches(resolved);
  tfjsState().autolog = parsed;
}

/** Removes every patch installed by callback() or instrument() and turns autolog off. */
export function uninstrument(): void {
  removePatches();
}

/**
 * Marks `model` as loaded from `source`, so that training it records the loaded model (by the
 * digest of its layers and weights) as the new run's "base_model" input: fine-tuning shows its
 * parent, across processes. Models loaded after callback()/instrument() are marked by
 * themselves (model.loadWeights is instrumented); this adds where the model came from, and
 * instruments fit before the model is trained.
 *
 * @example
 * const model = await tf.loadLayersModel('file://./model/model.json');
 * recordLoadedModel(model, 'file://./model/model.json');
 */
export function recordLoadedModel(model: object, source?: string, options: { tf?: TfModule } = {}): void {
  const tf = options.tf ?? resolveTf();
  if (tf) installPatches(tf);
  markLoadedModel(model, source);
}
