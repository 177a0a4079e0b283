/**
 * Identities of models. An in-memory model is identified by its topology and weights, so that
 * the same weights loaded in another process (by any IOHandler) are recognised as the same
 * model; a saved model by the artifacts that were written (topology, weight specs, weight bytes).
 */
import { fingerprintTensors, type TensorLike } from '@mlmeta/core';
import { readTensor } from './tensors.js';
import type { LayersModelTf, ModelArtifactsTf } from './tf-types.js';

const encoder = new TextEncoder();

// A model digest must cover every byte: a sampled digest could call two models the same.
const WHOLE = { byteBudget: Number.MAX_SAFE_INTEGER, stats: false };

function jsonPart(name: string, value: unknown): TensorLike {
  const data = encoder.encode(JSON.stringify(value ?? null));
  return { name, shape: [data.byteLength], dtype: 'json', data };
}

/** Topology without the fields that name the writing library's version (not the model). */
function stableTopology(topology: unknown): unknown {
  if (!topology || typeof topology !== 'object') return topology;
  const { keras_version: _k, backend: _b, ...rest } = topology as Record<string, unknown>;
  return rest;
}

/**
 * A layer config as it survives save and load: keys sorted, and keys whose value is null or
 * undefined left out, since tfjs writes some defaults only after a round trip (an LSTM's
 * `recurrentInitializer` gains `seed: null` when it is deserialized) and drops undefined ones.
 */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== null && item !== undefined) out[key] = canonical(item);
  }
  return out;
}

/**
 * The layers (class and canonical config, input layers left out) in order. Not model.toJSON():
 * a Sequential and its inner LayersModel describe the same layers and weights with different
 * model-level JSON, and a model-level name is not part of what was learned.
 */
function layerConfigs(model: LayersModelTf): unknown {
  return model.layers
    .filter((layer) => layer.getClassName() !== 'InputLayer')
    .map((layer) => ({ class: layer.getClassName(), config: canonical(layer.getConfig()) }));
}

/**
 * Digest of a model's topology and weights ('xxh3:…'): equal for a trained model and the same
 * model after save and load, and for a Sequential and the inner LayersModel it trains through.
 *
 * @example
 * const id = await modelDigest(model);
 */
export async function modelDigest(model: LayersModelTf): Promise<string> {
  // Every read starts now, before the first await: the caller may dispose the model right after.
  // Variable names get a numeric suffix when a name is reused in a process; the original name
  // is the one stored in the model.
  const weights = model.weights.map((weight) =>
    readTensor(weight.originalName ?? weight.name, weight.read()),
  );
  return fingerprintTensors([jsonPart('layers', layerConfigs(model)), ...(await Promise.all(weights))], WHOLE)
    .digest;
}

/** The weight data of saved artifacts as byte views, in order. */
export function weightBuffers(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array[] {
  if (data == null) return [];
  return (Array.isArray(data) ? data : [data]).map((buffer) => new Uint8Array(buffer));
}

/**
 * Digest of saved model artifacts, as handed to (or returned by) an IOHandler.
 *
 * @example
 * const digest = artifactsDigest(await handler.load());
 */
export function artifactsDigest(artifacts: ModelArtifactsTf): string {
  const parts: TensorLike[] = [
    jsonPart('modelTopology', stableTopology(artifacts.modelTopology)),
    jsonPart('weightSpecs', artifacts.weightSpecs ?? []),
  ];
  for (const [i, bytes] of weightBuffers(artifacts.weightData).entries()) {
    parts.push({ name: `weightData[${i}]`, shape: [bytes.byteLength], dtype: 'uint8', data: bytes });
  }
  return fingerprintTensors(parts, WHOLE).digest;
}

/** Total bytes of the weights in saved artifacts. */
export function artifactsWeightBytes(artifacts: ModelArtifactsTf): number {
  return weightBuffers(artifacts.weightData).reduce((n, b) => n + b.byteLength, 0);
}
