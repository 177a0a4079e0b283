/**
 * A fit that reached mlmeta only through its callback: tfjs runs the mlmeta.callback() object
 * itself because the call's `model.fit` was looked up before the patches existed (the callback
 * created them while the call's arguments were evaluated). The fit is still recorded, from what
 * tfjs tells every callback (its params and the model), so only the data fingerprints are
 * missing; later fits go through the patched fit and record everything.
 */
import { logger } from '@mlmeta/core';
import { FitSession } from './session.js';
import { trackPending } from './state.js';
import type { LayersModelTf, TfModule } from './tf-types.js';
import type { CallbackOptions } from './types.js';

type Lifecycle = 'onEpochBegin' | 'onEpochEnd' | 'onBatchBegin' | 'onBatchEnd';

/** The fit arguments that tfjs's callback params reveal (fit: samples and batchSize are known). */
function argsFromParams(params: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const key of ['epochs', 'initialEpoch', 'batchSize', 'verbose'] as const) {
    if (typeof params[key] === 'number') args[key] = params[key];
  }
  return args;
}

export class UnwrappedFit {
  private session: FitSession | undefined;

  constructor(
    private readonly tf: TfModule,
    private readonly model: LayersModelTf,
    private readonly options: CallbackOptions,
  ) {}

  /** Starts the run when tfjs begins training. Never throws. */
  async begin(params: Record<string, unknown>): Promise<FitSession | undefined> {
    logger.once(
      'tfjs:unwrapped-fit',
      'warn',
      "this fit started before mlmeta patched TensorFlow.js (model.fit is looked up before the call's " +
        'arguments create mlmeta.callback()), so it is recorded without data fingerprints; import ' +
        '@mlmeta/tfjs before training starts, or create the callback before the call',
    );
    try {
      const kind = params.samples == null ? 'fitDataset' : 'fit';
      this.session = await FitSession.begin(
        { tf: this.tf, model: this.model, kind, args: argsFromParams(params) },
        this.options,
      );
      this.session?.recorder.setParams(params);
      this.session?.recorder.setModel(this.model);
    } catch (error) {
      logger.warn('could not start recording this fit; training continues unrecorded', error);
    }
    return this.session;
  }

  /** Forwards one lifecycle call to the run's recorder. */
  async forward(method: Lifecycle, step: number, logs?: Record<string, unknown>): Promise<void> {
    const recorder = this.session?.recorder as unknown as Record<
      Lifecycle,
      (n: number, l?: unknown) => Promise<void>
    >;
    if (recorder && typeof recorder[method] === 'function') await recorder[method](step, logs);
  }

  /** Records the outcome when tfjs ends training. */
  async end(): Promise<void> {
    if (!this.session) return;
    await this.session.end([]);
    trackPending(this.session.ended);
  }
}
