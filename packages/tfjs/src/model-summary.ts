/**
 * What a model is, as recordable JSON: layers, parameter counts, shapes, optimizer, loss and
 * metrics, and the TensorFlow.js build and backend it runs on.
 */
import { logger } from '@mlmeta/core';
import { tfVersions } from './resolve-tf.js';
import type { LayersModelTf, TfModule } from './tf-types.js';

function countWeights(weights: Array<{ shape: number[] }>): number {
  let total = 0;
  for (const w of weights) total += w.shape.reduce((a, b) => a * b, 1);
  return total;
}

function shapeJson(shape: unknown): unknown {
  return JSON.parse(JSON.stringify(shape ?? null));
}

/**
 * A layer's output shape, or null where tfjs calls it ill-defined (it throws for a model used as a
 * layer that was applied to several inputs, such as a nested Sequential).
 */
function layerOutputShape(layer: LayersModelTf['layers'][number]): unknown {
  try {
    return shapeJson(layer.outputShape);
  } catch {
    return null;
  }
}

/**
 * A Keras-style summary of `model`.
 *
 * @example
 * modelSummary(model).layers[0] // { class: 'Dense', name: 'dense_Dense1', outputShape: [null, 4], params: 16 }
 */
export function modelSummary(model: LayersModelTf) {
  const trainable = countWeights(model.trainableWeights);
  const nonTrainable = countWeights(model.nonTrainableWeights);
  return {
    class: model.getClassName(),
    name: model.name,
    layers: model.layers.map((layer) => ({
      class: layer.getClassName(),
      name: layer.name,
      outputShape: layerOutputShape(layer),
      params: layer.countParams(),
      trainable: layer.trainable,
    })),
    totalParams: trainable + nonTrainable,
    trainableParams: trainable,
    nonTrainableParams: nonTrainable,
    inputShapes: model.inputs.map((input) => shapeJson(input.shape)),
    outputShapes: model.outputs.map((output) => shapeJson(output.shape)),
  };
}

function lossName(loss: unknown): unknown {
  if (typeof loss === 'function') return (loss as { name?: string }).name || 'custom';
  if (Array.isArray(loss)) return loss.map(lossName);
  if (loss && typeof loss === 'object') {
    return Object.fromEntries(Object.entries(loss).map(([k, v]) => [k, lossName(v)]));
  }
  return loss ?? null;
}

/** Optimizer class and full config, loss and metric names of a compiled model. */
export function trainingConfig(model: LayersModelTf): Record<string, unknown> {
  const optimizer = model.optimizer;
  return {
    optimizer: optimizer ? optimizer.getClassName() : null,
    optimizerConfig: optimizer ? optimizer.getConfig() : null,
    loss: lossName(model.loss),
    metrics: model.metricsNames ?? [],
  };
}

/**
 * tfjs package versions and the active backend; under tfjs-node, libtensorflow's version.
 *
 * @example
 * tfjsRuntime(tf) // { versions: { tfjs: '4.22.0', ... }, backend: 'cpu' }
 */
export function tfjsRuntime(tf: TfModule): Record<string, unknown> {
  const runtime: Record<string, unknown> = { versions: tfVersions(tf) };
  try {
    runtime.backend = tf.getBackend?.() ?? null;
    const binding = (tf.backend?.() as { binding?: { TF_Version?: string } } | undefined)?.binding;
    if (binding?.TF_Version) runtime.libtensorflow = binding.TF_Version;
  } catch (error) {
    logger.debug('could not read the TensorFlow.js backend', error);
  }
  return runtime;
}
