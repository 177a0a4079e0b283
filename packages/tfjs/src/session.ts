/**
 * One recorded fit/fitDataset call: starts the mlmeta.Train run, records what goes in (fit
 * arguments, model, data), hands the recorder to tfjs, and records how it ended and what came
 * out. Every step is guarded: a failure here is a warning and training goes on unrecorded.
 */
import { flattenParams, loadConfig, logger, MLMETA_TYPES, type Run, startRun } from '@mlmeta/core';
import {
  datasetArtifact,
  fingerprintValidationSplit,
  fingerprintXY,
  StreamingDatasetFingerprint,
} from './dataset-capture.js';
import { type FitKind, fitEpochs, fitParams } from './fit-args.js';
import { modelInput } from './lineage.js';
import { modelDigest } from './model-digest.js';
import { modelSummary, tfjsRuntime, trainingConfig } from './model-summary.js';
import { type FitRecorder, recorderClass } from './recorder.js';
import { findOrigin, modelOrigin } from './state.js';
import type { DatasetTf, LayersModelTf, TfModule } from './tf-types.js';
import type { CallbackOptions, LogBatchesOption } from './types.js';

function batchEvery(logBatches: LogBatchesOption): number {
  if (logBatches === 'epoch') return 0;
  if (logBatches === 'batch') return 1;
  return logBatches.every;
}

/** Early-stopping callbacks in the call's list (tf.callbacks.earlyStopping or a subclass). */
function earlyStoppers(callbacks: unknown[]): Array<Record<string, unknown>> {
  return callbacks.filter(
    (cb): cb is Record<string, unknown> =>
      typeof cb === 'object' && cb !== null && 'stoppedEpoch' in cb && 'patience' in cb && 'monitor' in cb,
  );
}

export interface FitCall {
  tf: TfModule;
  model: LayersModelTf;
  kind: FitKind;
  /** fit: x and y tensors. */
  x?: unknown;
  y?: unknown;
  /** fitDataset: the dataset. */
  dataset?: DatasetTf;
  args: Record<string, unknown>;
}

export class FitSession {
  readonly recorder: FitRecorder;
  /** fitDataset: the stand-in datasets to pass to tfjs (hashing as they stream). */
  dataset: DatasetTf | undefined;
  validationDataset: DatasetTf | undefined;
  private readonly streams: StreamingDatasetFingerprint[] = [];
  private readonly started = performance.now();
  /** Resolves when the run's records are written (or spooled). */
  ended: Promise<void> = Promise.resolve();
  private nonFinite: { metric: string; value: number; epoch?: number; batch?: number } | undefined;

  private constructor(
    private readonly call: FitCall,
    readonly run: Run,
    private readonly stopOnNonFinite: boolean,
    logBatches: LogBatchesOption,
    private readonly options: CallbackOptions,
  ) {
    const Recorder = recorderClass(call.tf);
    this.recorder = new Recorder(
      {
        params: (params) => run.setProperties({ tfjsParams: params }),
        metrics: (values, step) => run.logMetrics(values, step),
        progress: (epochsCompleted, lastEpoch) => run.setProperties({ epochsCompleted, lastEpoch }),
        nonFinite: (key, value, where) => this.onNonFinite(key, value, where),
      },
      { batchEvery: batchEvery(logBatches) },
    );
  }

  /**
   * Starts the run and records everything known before training. Returns undefined when
   * mlmeta is disabled (MLMETA_DISABLED=true).
   */
  static async begin(call: FitCall, options: CallbackOptions): Promise<FitSession | undefined> {
    const config = loadConfig({ logBatches: options.logBatches });
    if (config.disabled) return undefined;
    const training = trainingConfig(call.model);
    // The optimizer's class and each of its settings, and the loss, are hyperparameters like
    // the fit arguments: `optimizer: 'Adam'`, `optimizer.learningRate: 0.05`, `loss: '...'`.
    const params = {
      ...fitParams(call.kind, call.args),
      ...flattenParams({ optimizer: training.optimizerConfig }),
      optimizer: training.optimizer,
      loss: training.loss,
      ...options.params,
    };
    const run = startRun({
      type: MLMETA_TYPES.train,
      experiment: options.experiment,
      name: options.runName,
      tags: options.tags,
      store: options.store,
      params,
    });
    const session = new FitSession(call, run, options.stopOnNonFinite ?? false, config.logBatches, options);
    const { model, tf } = call;
    run.setProperties({
      framework: 'tfjs',
      ...training,
      modelSummary: modelSummary(model),
      tfjs: tfjsRuntime(tf),
    });
    await session.recordBaseModel();
    if (options.captureDataset ?? config.capture.dataset) {
      await session.recordData(config.datasetByteBudget);
    }
    return session;
  }

  /** A model that was loaded, or trained earlier in this process, is this run's starting point. */
  private async recordBaseModel(): Promise<void> {
    const origin = findOrigin(this.call.model);
    if (!origin || (!origin.loaded && !origin.producedBy)) return;
    this.run.logInput({
      type: MLMETA_TYPES.model,
      role: 'base_model',
      ...(await modelInput(this.call.model, await modelDigest(this.call.model))),
    });
  }

  private async recordData(byteBudget: number): Promise<void> {
    const { call, run } = this;
    if (call.kind === 'fit') {
      const train = await fingerprintXY(call.x, call.y, { byteBudget });
      if (train) run.logInput(datasetArtifact(train, 'train'));
      const validation = call.args.validationData;
      const split = call.args.validationSplit;
      if (Array.isArray(validation)) {
        const fp = await fingerprintXY(validation[0], validation[1], { byteBudget });
        if (fp) run.logInput(datasetArtifact(fp, 'validation'));
      } else if (typeof split === 'number' && split > 0 && split < 1) {
        const fp = await fingerprintValidationSplit(call.x, call.y, split, { byteBudget });
        if (fp) run.logInput(datasetArtifact(fp, 'validation'));
      }
      return;
    }
    if (call.dataset) {
      this.dataset = this.stream(call.dataset, 'train', byteBudget);
    }
    const validation = call.args.validationData;
    if (Array.isArray(validation)) {
      const fp = await fingerprintXY(validation[0], validation[1], { byteBudget });
      if (fp) run.logInput(datasetArtifact(fp, 'validation'));
    } else if (validation && typeof (validation as DatasetTf).iterator === 'function') {
      this.validationDataset = this.stream(validation as DatasetTf, 'validation', byteBudget);
    }
  }

  private stream(dataset: DatasetTf, role: 'train' | 'validation', byteBudget: number): DatasetTf {
    const stream = new StreamingDatasetFingerprint(dataset, { byteBudget }, (fp, complete) => {
      this.run.logInput(datasetArtifact(fp, role, { sampled: fp.sampled || !complete }));
    });
    this.streams.push(stream);
    return stream.dataset;
  }

  private onNonFinite(key: string, value: number, where: { epoch?: number; batch?: number }): void {
    this.nonFinite = { metric: key, value, ...where };
    if (this.stopOnNonFinite) this.call.model.stopTraining = true;
  }

  /**
   * Records the outcome: COMPLETE, CANCELED (the user set model.stopTraining), or FAILED (fit
   * threw `error`, or a loss became NaN/infinite). Never throws.
   */
  async end(callbacks: unknown[], error?: unknown): Promise<void> {
    const { run, recorder, call } = this;
    try {
      for (const stream of this.streams) stream.finish();
      const durationMs = performance.now() - this.started;
      const stoppers = earlyStoppers(callbacks);
      const stoppedEarly = stoppers.some((es) => typeof es.stoppedEpoch === 'number' && es.stoppedEpoch > 0);
      const stopRequested = call.model.stopTraining === true;
      const { epochs, initialEpoch } = fitEpochs(call.args);
      run.setProperties({
        epochsRequested: epochs - initialEpoch,
        epochsCompleted: recorder.epochsCompleted,
        lastEpoch: recorder.lastEpoch ?? null,
        examplesSeen: recorder.examples,
        durationMs,
        examplesPerSecond: durationMs > 0 ? (recorder.examples * 1000) / durationMs : null,
        stopTraining: stopRequested,
        finalMetrics: recorder.lastEpochMetrics,
        ...(stoppers.length > 0
          ? {
              earlyStopping: stoppers.map((es) => ({
                monitor: es.monitor ?? null,
                patience: es.patience ?? null,
                minDelta: es.minDelta ?? null,
                stoppedEpoch: stoppedEarly ? (es.stoppedEpoch as number) : null,
                best: typeof es.best === 'number' ? es.best : null,
              })),
            }
          : {}),
        ...(this.nonFinite ? { nonFiniteLoss: this.nonFinite } : {}),
      });
      if (error === undefined) await this.recordModel();
      if (error !== undefined) {
        this.ended = run.end('FAILED', error);
      } else if (this.nonFinite) {
        const { metric, value, epoch, batch } = this.nonFinite;
        const at = batch === undefined ? `epoch ${epoch}` : `epoch ${epoch}, batch ${batch}`;
        this.ended = run.end('FAILED', new Error(`${metric} became ${value} at ${at}`));
      } else if (stopRequested && !stoppedEarly) {
        this.ended = run.end('CANCELED');
      } else {
        this.ended = run.end('COMPLETE');
      }
    } catch (failure) {
      logger.warn('could not record the end of a fit', failure);
      this.ended = run.end(error === undefined ? 'COMPLETE' : 'FAILED', error);
    }
  }

  /** The trained model as this run's output, remembered for save() lineage. */
  private async recordModel(): Promise<void> {
    const { model } = this.call;
    const digest = await modelDigest(model);
    const summary = modelSummary(model);
    this.run.logOutput({
      type: MLMETA_TYPES.model,
      digest,
      name: model.name,
      role: 'model',
      properties: {
        format: 'tfjs-layers',
        class: summary.class,
        totalParams: summary.totalParams,
        inputShapes: summary.inputShapes,
        outputShapes: summary.outputShapes,
      },
    });
    const origin = modelOrigin(model);
    origin.producedBy = { run: this.run, digest };
    origin.recordWith = this.options;
  }
}
