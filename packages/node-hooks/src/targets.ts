/**
 * The framework modules the preload hook watches, and which mlmeta integration instruments each.
 * Every tfjs flavour re-exports tfjs-layers' classes and onnxruntime-node re-exports
 * onnxruntime-common's, so several of these can announce the same classes: the instrumentation
 * is keyed by class, not by module name.
 */

export type Integration = 'tfjs' | 'onnx';

/**
 * The framework modules the preload hook watches, and the integration that instruments each.
 *
 * @example
 * HOOKED_MODULES['@tensorflow/tfjs-node']; // 'tfjs'
 */
export const HOOKED_MODULES: Readonly<Record<string, Integration>> = {
  '@tensorflow/tfjs': 'tfjs',
  '@tensorflow/tfjs-node': 'tfjs',
  '@tensorflow/tfjs-node-gpu': 'tfjs',
  '@tensorflow/tfjs-layers': 'tfjs',
  'onnxruntime-node': 'onnx',
  'onnxruntime-common': 'onnx',
};

/**
 * The names in {@link HOOKED_MODULES}: what require-in-the-middle and import-in-the-middle watch.
 *
 * @example
 * new Hook(HOOKED_MODULE_NAMES, onLoad);
 */
export const HOOKED_MODULE_NAMES: readonly string[] = Object.keys(HOOKED_MODULES);

/** The export whose identity says "this framework copy is instrumented". */
export const IDENTITY_EXPORT: Readonly<Record<Integration, string>> = {
  tfjs: 'LayersModel',
  onnx: 'InferenceSession',
};
