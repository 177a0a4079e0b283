/**
 * `model.evaluate` and `evaluateDataset` as mlmeta.Evaluate executions (base mlmd.Evaluate): the
 * model and the data in, the values out (core writes them as a mlmd.Metrics artifact when the
 * run ends). Recorded under autolog (the preload hook, instrument()) and, with callbacks, for
 * models a recorded fit trained. evaluate() returns its scalars synchronously: the call is left
 * exactly as it is, and everything else happens after it returned.
 */
import {
  fingerprintTensors,
  hideOwnFrames,
  loadConfig,
  logger,
  MLMETA_TYPES,
  type Run,
  startRun,
  type TensorLike,
} from '@mlmeta/core';
import { applyOriginal, type Method } from './apply-original.js';
import { datasetArtifact, StreamingDatasetFingerprint } from './dataset-capture.js';
import { modelInput } from './lineage.js';
import { modelDigest } from './model-digest.js';
import { findOrigin, tfjsState, trackPending } from './state.js';
import { flattenTensors, readTensor } from './tensors.js';
import type { DatasetTf, LayersModelTf, TensorLikeTf } from './tf-types.js';
import type { CallbackOptions } from './types.js';

hideOwnFrames();

/**
 * Calls the original with `this`'s inner model (a Sequential hands evaluate to it, synchronously)
 * marked as part of this call, so the hand-off is not a second evaluation.
 */
function callOriginal(original: Method, model: LayersModelTf, callArgs: unknown[]): unknown {
  const state = tfjsState();
  const inner = model.model && model.model !== model ? model.model : null;
  state.delegatingTo = inner;
  try {
    return applyOriginal(original, model, callArgs);
  } finally {
    state.delegatingTo = null;
  }
}

/**
 * The options to record an evaluation of `model` with, or undefined to leave it unrecorded. A
 * fit's own validation (fitDataset calls evaluate and evaluateDataset) is part of that fit.
 */
function evaluationOptions(model: LayersModelTf): CallbackOptions | undefined {
  if ((model as { isTraining?: boolean }).isTraining || tfjsState().delegatingTo === model) return undefined;
  return tfjsState().autolog ?? findOrigin(model)?.recordWith;
}

function startEvaluation(method: string, args: unknown, options: CallbackOptions): Run {
  const plainArgs = typeof args === 'object' && args !== null ? (args as Record<string, unknown>) : {};
  const params: Record<string, unknown> = { method };
  for (const [key, value] of Object.entries(plainArgs)) {
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string')
      params[key] = value;
  }
  return startRun({
    type: MLMETA_TYPES.evaluate,
    experiment: options.experiment,
    name: options.runName,
    tags: options.tags,
    store: options.store,
    params,
  });
}

async function recordModelInput(run: Run, model: LayersModelTf): Promise<void> {
  run.logInput({
    type: MLMETA_TYPES.model,
    name: model.name,
    role: 'model',
    ...(await modelInput(model, await modelDigest(model))),
  });
}

/** Values of evaluate's result (a Scalar or a list), named like the model's metrics. */
async function resultValues(model: LayersModelTf, result: unknown): Promise<Record<string, number>> {
  const scalars = (Array.isArray(result) ? result : [result]) as TensorLikeTf[];
  const names = model.metricsNames ?? [];
  const values: Record<string, number> = {};
  const read = await Promise.all(scalars.map((s) => s.data()));
  read.forEach((data, i) => {
    values[names[i] ?? `metric_${i}`] = Number((data as unknown as ArrayLike<number>)[0]);
  });
  return values;
}

function finish(run: Run, work: Promise<void>): void {
  const ended = work.then(
    () => run.end('COMPLETE'),
    (error) => {
      logger.warn('could not record an evaluation', error);
      return run.end('COMPLETE');
    },
  );
  trackPending(ended);
}

/** Wraps LayersModel.evaluate(x, y, args). */
export function wrapEvaluate(original: Method): Method {
  return function mlmetaEvaluate(this: unknown, ...callArgs: unknown[]) {
    const model = this as LayersModelTf;
    const options = evaluationOptions(model);
    if (!options || loadConfig().disabled) return applyOriginal(original, this, callArgs);
    const [x, y, args] = callArgs;
    const named = [...flattenTensors(x, 'x'), ...flattenTensors(y, 'y')];
    // Started before evaluate runs: reads begin at once, before the caller can dispose the data.
    const reads = Promise.all(named.map(({ name, tensor }) => readTensor(name, tensor)));
    let result: unknown;
    let run: Run | undefined;
    try {
      run = startEvaluation('evaluate', args, options);
    } catch (error) {
      logger.warn('could not start recording an evaluation', error);
    }
    try {
      result = callOriginal(original, model, callArgs);
    } catch (error) {
      reads.catch(() => undefined);
      run?.end('FAILED', error);
      throw error;
    }
    if (!run) return result;
    const values = resultValues(model, result);
    const recording = run;
    finish(
      recording,
      (async () => {
        await recordModelInput(recording, model);
        const tensors: TensorLike[] = await reads;
        const { datasetByteBudget, capture } = loadConfig();
        if (tensors.length > 0 && (options.captureDataset ?? capture.dataset)) {
          const fp = fingerprintTensors(tensors, { byteBudget: datasetByteBudget, stats: true });
          recording.logInput(datasetArtifact(fp, 'test' as never));
        }
        recording.logMetrics(await values, 0);
      })(),
    );
    return result;
  };
}

/** Wraps LayersModel.evaluateDataset(dataset, args): the batches are hashed as they stream. */
export function wrapEvaluateDataset(original: Method): Method {
  return async function mlmetaEvaluateDataset(this: unknown, dataset: unknown, args: unknown) {
    const model = this as LayersModelTf;
    const options = evaluationOptions(model);
    if (!options || loadConfig().disabled) return applyOriginal(original, this, [dataset, args]);
    let run: Run | undefined;
    let stream: StreamingDatasetFingerprint | undefined;
    try {
      run = startEvaluation('evaluateDataset', args, options);
      const recording = run;
      const { datasetByteBudget, capture } = loadConfig();
      if (options.captureDataset ?? capture.dataset) {
        stream = new StreamingDatasetFingerprint(
          dataset as DatasetTf,
          { byteBudget: datasetByteBudget },
          (fp, complete) =>
            recording.logInput(datasetArtifact(fp, 'test' as never, { sampled: fp.sampled || !complete })),
        );
      }
    } catch (error) {
      logger.warn('could not start recording an evaluation', error);
    }
    let result: unknown;
    try {
      result = await callOriginal(original, model, [stream?.dataset ?? dataset, args]);
    } catch (error) {
      stream?.finish();
      run?.end('FAILED', error);
      throw error;
    }
    stream?.finish();
    if (run) {
      const recording = run;
      finish(
        recording,
        (async () => {
          await recordModelInput(recording, model);
          recording.logMetrics(await resultValues(model, result), 0);
        })(),
      );
    }
    return result;
  };
}
