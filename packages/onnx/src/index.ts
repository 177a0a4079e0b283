export { digestModelBytes, digestModelFile } from './digest.js';
export { instrument, isInstrumented, uninstrument } from './instrumentation.js';
export type { LatencySummary, ServingSnapshot } from '@mlmeta/core';
export {
  type ByteSource,
  bufferSource,
  fileSource,
  type OnnxModelMetadata,
  readOnnxMetadata,
} from './onnx-metadata.js';
export { DEFAULT_FLUSH_INTERVAL_MS, flushServing, servingRun } from './serve-session.js';
export type { OnnxInstrumentationOptions, TensorSignature } from './types.js';
