/**
 * Patches on LayersModel (and Sequential) so that a fit sees its x, y, validation data and
 * arguments, and save/loadWeights see model lineage; on their and GraphModel's inference
 * methods for serving (serving.ts). Patching is idempotent (one marker per
 * prototype, shared across the ESM and CJS builds) and symmetric: uninstrument() restores
 * every original. The wrappers do nothing beyond a lookup unless the call carries an
 * mlmeta callback or autolog is on.
 */
import { hideOwnFrames, logger } from '@mlmeta/core';
import { applyOriginal, type Method } from './apply-original.js';
import { wrapEvaluate, wrapEvaluateDataset } from './evaluation.js';
import { fullestFlavour, registerFlavour } from './flavour.js';
import { markLoadedFolder, recordSavedModel } from './lineage.js';
import { claimLoadedFolder, localModelFolder, watchModelReads, watchSave } from './model-files.js';
import { graphModelClass, wrapDispose, wrapInference } from './serving.js';
import { FitSession } from './session.js';
import { CALLBACK_OPTIONS, findOrigin, modelOrigin, tfjsState, trackPending } from './state.js';
import type { CallbackTf, IOHandlerTf, LayersModelTf, TfModule } from './tf-types.js';
import type { CallbackOptions } from './types.js';

hideOwnFrames();

/** tfjs accepts one callback, a list, or plain-object configs: always a list here. */
function callbackList(callbacks: unknown): unknown[] {
  if (callbacks == null) return [];
  return Array.isArray(callbacks) ? callbacks : [callbacks];
}

function optionsOf(callback: unknown): CallbackOptions | undefined {
  if (typeof callback !== 'object' || callback === null) return undefined;
  return (callback as Record<symbol, CallbackOptions | undefined>)[CALLBACK_OPTIONS];
}

function isCallbackInstance(callback: unknown): callback is CallbackTf {
  const cb = callback as Partial<CallbackTf> | null;
  return (
    typeof cb === 'object' &&
    cb !== null &&
    typeof cb.setParams === 'function' &&
    typeof cb.setModel === 'function'
  );
}

/**
 * The list tfjs will run. tfjs only accepts lists that are all Callback instances or all plain
 * configs (it checks the first element), so mixing kinds in any order works here by wrapping
 * plain configs in tf.CustomCallback, exactly as tfjs would wrap each of them on its own.
 */
function normalizeCallbacks(
  tf: TfModule,
  list: unknown[],
  yieldEvery: unknown,
  recorder: CallbackTf | undefined,
): CallbackTf[] {
  const out: CallbackTf[] = [];
  let placed = false;
  for (const item of list) {
    if (optionsOf(item)) {
      if (recorder && !placed) out.push(recorder);
      placed = true;
    } else if (isCallbackInstance(item)) out.push(item);
    else if (item != null) out.push(new tf.CustomCallback(item as object, yieldEvery));
  }
  if (recorder && !placed) out.push(recorder);
  return out;
}

async function recordedFit(
  tf: TfModule,
  kind: 'fit' | 'fitDataset',
  model: LayersModelTf,
  original: Method,
  callArgs: unknown[],
  options: CallbackOptions,
  marker: object | undefined,
): Promise<unknown> {
  const argsIndex = kind === 'fit' ? 2 : 1;
  const args = { ...((callArgs[argsIndex] as Record<string, unknown> | undefined) ?? {}) };
  const list = callbackList(args.callbacks);
  let session: FitSession | undefined;
  try {
    session = await FitSession.begin(
      kind === 'fit'
        ? { tf, model, kind, x: callArgs[0], y: callArgs[1], args }
        : { tf, model, kind, dataset: callArgs[0] as never, args },
      options,
    );
  } catch (error) {
    logger.warn('could not start recording this fit; training continues unrecorded', error);
  }
  const callbacks = normalizeCallbacks(tf, list, args.yieldEvery, session?.recorder);
  const tfArgs: Record<string, unknown> = { ...args, callbacks };
  if (session?.validationDataset) tfArgs.validationData = session.validationDataset;
  const tfCallArgs = [...callArgs];
  tfCallArgs[argsIndex] = tfArgs;
  if (session?.dataset) tfCallArgs[0] = session.dataset;
  if (marker && session) (marker as { lastRun?: unknown }).lastRun = session.run;

  const state = tfjsState();
  // Sequential.fit hands the call to its inner LayersModel synchronously: that inner fit is
  // this same call and must pass straight through.
  const inner = model.model && model.model !== model ? model.model : null;
  let pending: unknown;
  state.delegatingTo = inner;
  try {
    pending = applyOriginal(original, model, tfCallArgs);
  } finally {
    state.delegatingTo = null;
  }
  let history: unknown;
  try {
    history = await pending;
  } catch (error) {
    if (session) {
      await session.end(callbacks, error);
      trackPending(session.ended);
    }
    throw error;
  }
  if (session) {
    await session.end(callbacks);
    trackPending(session.ended);
  }
  return history;
}

function wrapFit(tf: TfModule, kind: 'fit' | 'fitDataset', original: Method): Method {
  return function mlmetaFit(this: unknown, ...callArgs: unknown[]) {
    const state = tfjsState();
    if (state.delegatingTo === this) return applyOriginal(original, this, callArgs);
    const args = callArgs[kind === 'fit' ? 2 : 1] as { callbacks?: unknown } | undefined;
    const marker = callbackList(args?.callbacks).find(optionsOf) as object | undefined;
    const options = marker ? optionsOf(marker) : state.autolog;
    if (!options) return applyOriginal(original, this, callArgs);
    return recordedFit(fullestFlavour(tf), kind, this as LayersModelTf, original, callArgs, options, marker);
  };
}

function saveHandler(tf: TfModule, handlerOrURL: unknown): IOHandlerTf | undefined {
  if (typeof handlerOrURL !== 'string') return handlerOrURL as IOHandlerTf | undefined;
  // Zero or several handlers: tfjs raises its own error for that, so leave the URL to it.
  const handlers = tf.io?.getSaveHandlers?.(handlerOrURL) ?? [];
  return handlers.length === 1 ? handlers[0] : undefined;
}

function wrapSave(tf: TfModule, original: Method): Method {
  return function mlmetaSave(this: unknown, handlerOrURL: unknown, config: unknown) {
    const model = this as LayersModelTf;
    const producedBy = findOrigin(model)?.producedBy;
    if (!producedBy) return applyOriginal(original, this, [handlerOrURL, config]);
    let handler: IOHandlerTf | undefined;
    try {
      handler = saveHandler(fullestFlavour(tf), handlerOrURL);
    } catch {
      handler = undefined;
    }
    const save = handler?.save;
    if (!handler || typeof save !== 'function') return applyOriginal(original, this, [handlerOrURL, config]);
    const target = handler;
    // A URL names the destination; tfjs's own handlers (file://, http) keep theirs in `path`.
    const handlerPath = (target as { path?: unknown }).path;
    const uri =
      typeof handlerOrURL === 'string'
        ? handlerOrURL
        : typeof handlerPath === 'string'
          ? handlerPath
          : undefined;
    const recording: IOHandlerTf = {
      async save(artifacts) {
        const { result, folder } = await watchSave(() => save.call(target, artifacts));
        await recordSavedModel(
          model,
          producedBy,
          artifacts,
          uri,
          findOrigin(model)?.recordWith?.modelName,
          folder ?? localModelFolder(uri),
        );
        return result;
      },
    };
    return applyOriginal(original, this, [recording, config]);
  };
}

function wrapLoadWeights(original: Method): Method {
  return function mlmetaLoadWeights(this: unknown, ...args: unknown[]) {
    const result = applyOriginal(original, this, args);
    // tf.loadLayersModel (any IOHandler) ends in loadWeights: the weights are now someone else's.
    const model = this as LayersModelTf;
    const origin = modelOrigin(model);
    origin.loaded = true;
    origin.producedBy = undefined;
    try {
      // Under the preload hook: the model.json file capture just saw read, if it lists these weights.
      const folder = claimLoadedFolder(
        model.weights.map((weight) => ({ name: weight.originalName ?? weight.name, shape: weight.shape })),
      );
      if (folder) markLoadedFolder(model, folder);
    } catch (error) {
      logger.debug('could not tell which folder a model was loaded from', error);
    }
    return result;
  };
}

/** The object in `proto`'s chain that defines `name` (loadWeights lives on Container). */
function owner(proto: object, name: string): Record<string, unknown> | undefined {
  for (let p: object | null = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (Object.hasOwn(p, name)) return p as Record<string, unknown>;
  }
  return undefined;
}

function patch(proto: object, methods: Record<string, (original: Method) => Method>): void {
  const { patches } = tfjsState();
  for (const [name, wrap] of Object.entries(methods)) {
    const target = owner(proto, name);
    if (!target || typeof target[name] !== 'function') continue;
    const originals = patches.get(target) ?? {};
    if (Object.hasOwn(originals, name)) continue;
    originals[name] = target[name];
    target[name] = wrap(target[name] as Method);
    patches.set(target, originals);
  }
}

/**
 * Installs the fit/fitDataset/save/loadWeights wrappers on `tf`'s LayersModel and Sequential
 * (once per class, whichever build installs them). A failure is logged, never thrown.
 */
export function installPatches(tf: TfModule): void {
  try {
    registerFlavour(tf);
    watchModelReads();
    patch(tf.LayersModel.prototype, {
      fit: (original) => wrapFit(tf, 'fit', original),
      fitDataset: (original) => wrapFit(tf, 'fitDataset', original),
      save: (original) => wrapSave(tf, original),
      loadWeights: wrapLoadWeights,
      evaluate: wrapEvaluate,
      evaluateDataset: wrapEvaluateDataset,
      predict: (original) => wrapInference(tf, 'layers', original),
      predictOnBatch: (original) => wrapInference(tf, 'layers', original),
      execute: (original) => wrapInference(tf, 'layers', original),
      dispose: wrapDispose,
    });
    if (tf.Sequential) {
      patch(tf.Sequential.prototype, {
        fit: (original) => wrapFit(tf, 'fit', original),
        fitDataset: (original) => wrapFit(tf, 'fitDataset', original),
        evaluate: wrapEvaluate,
        evaluateDataset: wrapEvaluateDataset,
        predict: (original) => wrapInference(tf, 'layers', original),
        predictOnBatch: (original) => wrapInference(tf, 'layers', original),
      });
    }
    const graphModel = graphModelClass(tf);
    if (graphModel) {
      patch(graphModel.prototype, {
        predict: (original) => wrapInference(tf, 'graph', original),
        predictAsync: (original) => wrapInference(tf, 'graph', original),
        execute: (original) => wrapInference(tf, 'graph', original),
        executeAsync: (original) => wrapInference(tf, 'graph', original),
        dispose: wrapDispose,
      });
    }
  } catch (error) {
    logger.warn('could not instrument TensorFlow.js LayersModel; fits will not be recorded', error);
  }
}

/** Restores every patched method and turns autolog off. */
export function removePatches(): void {
  const state = tfjsState();
  for (const [proto, originals] of state.patches) {
    Object.assign(proto, originals);
  }
  state.patches.clear();
  state.autolog = undefined;
}
