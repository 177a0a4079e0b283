export {
  callback,
  flush,
  instrument,
  type MlmetaCallback,
  recordLoadedModel,
  uninstrument,
} from './callback.js';
export { artifactsDigest, modelDigest } from './model-digest.js';
export { modelSummary } from './model-summary.js';
export { isTfModule, resolveTf } from './resolve-tf.js';
export type { TfModule } from './tf-types.js';
export type { CallbackOptions, InstrumentOptions } from './types.js';

import { patchAtImport } from './preinstall.js';

patchAtImport();
