/**
 * Serving with TensorFlow.js: `predict`, `predictOnBatch` and `execute` of a LayersModel, and
 * `predict`, `predictAsync`, `execute` and `executeAsync` of a GraphModel, aggregated into one
 * `mlmeta.Serve` execution per model (base mlmd.Deploy), as @mlmeta/onnx does for sessions: call
 * count, errors, latency percentiles, batch sizes and input shapes, written periodically and at
 * exit. The model is the Serve's input, by the same digest its training run recorded as output,
 * so `mlmeta deployed` names the run that made what is served.
 *
 * Recorded under autolog (the preload hook, or `instrument(tf)` at the top of a serving program),
 * for models this process loaded and did not train: a GraphModel always, a LayersModel once its
 * weights were loaded (tf.loadLayersModel). A model trained here and predicted on is a training
 * script checking its work, not a deployment.
 *
 * The hot path is a WeakMap lookup for a model that is not served; for one that is, two
 * timestamps, a few counters and a histogram bucket (bench/tfjs-predict.mjs).
 */
import { hostname } from 'node:os';
import {
  hideOwnFrames,
  loadConfig,
  logger,
  MLMETA_TYPES,
  type Run,
  SERVE_PROPERTIES,
  ServingRecord,
  startRun,
  stripUrlCredentials,
} from '@mlmeta/core';
import { applyOriginal, type Method } from './apply-original.js';
import { fullestFlavour } from './flavour.js';
import { modelInput } from './lineage.js';
import { artifactsDigest, modelDigest } from './model-digest.js';
import { localModelFolder } from './model-files.js';
import { tfjsRuntime } from './model-summary.js';
import { findOrigin, tfjsState, trackPending } from './state.js';
import type { LayersModelTf, ModelArtifactsTf, TfModule } from './tf-types.js';

hideOwnFrames();

/** A GraphModel, structurally: what serving reads from it. */
interface GraphModelTf {
  readonly inputNodes?: string[];
  readonly modelUrl?: unknown;
  readonly artifacts?: ModelArtifactsTf;
}

interface ServedModel {
  record: ServingRecord;
  /** Settles when the model artifact is recorded (or could not be). */
  described: Promise<void>;
}

const SERVED = Symbol.for('mlmeta.tfjs.served');

interface ServingState {
  /** Served models and their records; null for a model looked at and found not served. */
  models: WeakMap<object, ServedModel | null>;
  /** Depth of wrapped calls on the stack: GraphModel.predict calls this.execute, one call. */
  depth: number;
}

function servingState(): ServingState {
  const scope = globalThis as Record<symbol, unknown>;
  let state = scope[SERVED] as ServingState | undefined;
  if (!state) {
    state = { models: new WeakMap(), depth: 0 };
    scope[SERVED] = state;
  }
  return state;
}

type ModelKind = 'layers' | 'graph';

function isServed(kind: ModelKind, model: object): boolean {
  if (!tfjsState().autolog) return false;
  if (kind === 'graph') return true;
  const origin = findOrigin(model);
  return origin?.loaded === true && origin.producedBy === undefined;
}

/** Input names in call order; a Sequential not built yet has only its symbolic inputs. */
function inputNames(kind: ModelKind, model: object): string[] {
  if (kind === 'graph') return [...((model as GraphModelTf).inputNodes ?? [])];
  const { inputNames: names, inputs } = model as { inputNames?: string[]; inputs?: Array<{ name: string }> };
  if (Array.isArray(names) && names.length > 0) return [...names];
  return Array.isArray(inputs) ? inputs.map((input) => input.name) : [];
}

function modelUri(kind: ModelKind, model: object): string | undefined {
  const loadedFrom = findOrigin(model)?.loadedFrom;
  if (loadedFrom) return loadedFrom;
  const url = kind === 'graph' ? (model as GraphModelTf).modelUrl : undefined;
  return typeof url === 'string' ? stripUrlCredentials(url) : undefined;
}

async function describe(kind: ModelKind, model: object, run: Run, uri: string | undefined): Promise<void> {
  const name = (model as { name?: unknown }).name;
  const artifacts = (model as GraphModelTf).artifacts;
  const digest =
    kind === 'graph'
      ? artifacts
        ? artifactsDigest(artifacts)
        : undefined
      : await modelDigest(model as LayersModelTf);
  if (!digest) return;
  const format = kind === 'graph' ? 'tfjs-graph-model' : 'tfjs-layers';
  // A layers model loaded from a local folder is that folder's node; a graph model from a local
  // model.json too (its artifacts are the files).
  const folder = kind === 'graph' ? localModelFolder(uri) : undefined;
  const identity = folder
    ? { uri: folder, properties: { artifactsDigest: digest } }
    : kind === 'layers'
      ? await modelInput(model, digest)
      : { digest, ...(uri ? { uri } : {}) };
  run.logInput({
    type: MLMETA_TYPES.model,
    role: 'model',
    ...(typeof name === 'string' ? { name } : {}),
    ...identity,
    properties: { format, ...identity.properties },
  });
  run.setProperties({ [SERVE_PROPERTIES.modelDigest]: digest });
}

function startServing(tf: TfModule, kind: ModelKind, model: object): ServedModel {
  const options = tfjsState().autolog ?? {};
  const uri = modelUri(kind, model);
  const name = (model as { name?: unknown }).name;
  const label =
    typeof name === 'string' && name.length > 0 ? name : kind === 'graph' ? 'graph-model' : 'model';
  const run = startRun({
    type: MLMETA_TYPES.serve,
    name: `serve-${label}`,
    experiment: options.experiment,
    tags: options.tags,
    store: options.store,
  });
  run.setProperties({
    [SERVE_PROPERTIES.host]: hostname(),
    [SERVE_PROPERTIES.modelUri]: uri,
    [SERVE_PROPERTIES.modelName]: label,
    framework: 'tfjs',
    tfjs: tfjsRuntime(fullestFlavour(tf)),
    'serve.pid': process.pid,
  });
  const record = new ServingRecord(run, inputNames(kind, model), loadConfig().serveFlushIntervalMs);
  const described = describe(kind, model, run, uri).catch((error) =>
    logger.warn('could not digest the served model; its Serve run has no model link:', error),
  );
  trackPending(described);
  return { record, described };
}

/** The model's record, started at its first served call; undefined when it is not served. */
function servedModel(tf: TfModule, kind: ModelKind, model: object): ServedModel | undefined {
  const { models } = servingState();
  const known = models.get(model);
  if (known !== undefined) return known ?? undefined;
  if (!isServed(kind, model)) return undefined;
  let served: ServedModel | null = null;
  try {
    served = startServing(tf, kind, model);
  } catch (error) {
    logger.warn('could not start recording this served model; it serves unrecorded:', error);
  }
  models.set(model, served);
  return served ?? undefined;
}

/** Counts the call and the shapes of its inputs: a Tensor, a list, or a map by input name. */
function observeInputs(record: ServingRecord, inputs: unknown): void {
  const stats = record.stats;
  stats.countCall();
  if (typeof inputs !== 'object' || inputs === null) return;
  const shape = (inputs as { shape?: unknown }).shape;
  if (Array.isArray(shape)) {
    stats.observeInput(0, shape);
    return;
  }
  if (Array.isArray(inputs)) {
    for (let i = 0; i < inputs.length; i++) {
      const dims = (inputs[i] as { shape?: unknown } | null)?.shape;
      if (Array.isArray(dims)) stats.observeInput(i, dims);
    }
    return;
  }
  const names = stats.inputNames;
  for (let i = 0; i < names.length; i++) {
    const dims = (
      (inputs as Record<string, { shape?: unknown } | undefined>)[names[i]] as { shape?: unknown }
    )?.shape;
    if (Array.isArray(dims)) stats.observeInput(i, dims);
  }
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | null)?.then === 'function';
}

/** Wraps one inference method of `kind` models. */
export function wrapInference(tf: TfModule, kind: ModelKind, original: Method): Method {
  const state = servingState();
  return function mlmetaInference(this: unknown, ...args: unknown[]) {
    if (state.depth > 0 || (this as { isTraining?: boolean }).isTraining)
      return applyOriginal(original, this, args);
    const served = servedModel(tf, kind, this as object);
    if (!served) return applyOriginal(original, this, args);
    const { stats } = served.record;
    try {
      observeInputs(served.record, args[0]);
    } catch {
      // Inputs whose getters throw: tfjs reports them; the call is counted.
    }
    const start = performance.now();
    let result: unknown;
    state.depth++;
    try {
      result = applyOriginal(original, this, args);
    } catch (error) {
      stats.recordError();
      throw error;
    } finally {
      state.depth--;
    }
    if (!isPromise(result)) {
      stats.recordSuccess(performance.now() - start);
      return result;
    }
    return result.then(
      (value) => {
        stats.recordSuccess(performance.now() - start);
        return value;
      },
      (error: unknown) => {
        stats.recordError();
        throw error;
      },
    );
  };
}

/** Wraps dispose(): a disposed model serves no more, so its Serve run ends. */
export function wrapDispose(original: Method): Method {
  return function mlmetaDispose(this: unknown, ...args: unknown[]) {
    const served = servingState().models.get(this as object);
    try {
      return applyOriginal(original, this, args);
    } finally {
      if (served) {
        servingState().models.delete(this as object);
        trackPending(served.record.end(served.described));
      }
    }
  };
}

/**
 * The GraphModel class of a tfjs flavour (tfjs-converter's, re-exported by @tensorflow/tfjs and
 * tfjs-node), if it has one.
 */
export function graphModelClass(tf: TfModule): { prototype: object } | undefined {
  const cls = (tf as { GraphModel?: unknown }).GraphModel;
  return typeof cls === 'function' ? (cls as { prototype: object }) : undefined;
}
