/**
 * Importing @mlmeta/tfjs patches the project's TensorFlow.js at once. JavaScript looks up
 * `model.fit` before it evaluates the call's arguments, so patches installed by the README's
 * inline `callbacks: [mlmeta.callback()]` would come too late for the very call that creates
 * them: a functional `tf.model()` would train its first fit unrecorded (a Sequential only gets
 * there through its inner model). A flavour still loading (the preload hook requires this package
 * from inside tfjs's own load) is left to whoever is loading it, which hands it over when done.
 */
import { logger } from '@mlmeta/core';
import { installPatches } from './instrumentation.js';
import { loadedTf, resolveTf } from './resolve-tf.js';

/** Patches the loaded tfjs flavours, or the project's own when none is loaded yet. Never throws. */
export function patchAtImport(): void {
  try {
    const { loaded, loading } = loadedTf();
    for (const tf of loaded) installPatches(tf);
    if (loaded.length > 0 || loading) return;
    const tf = resolveTf();
    if (tf) installPatches(tf);
  } catch (error) {
    logger.debug('could not patch TensorFlow.js at import; callback() will', error);
  }
}
