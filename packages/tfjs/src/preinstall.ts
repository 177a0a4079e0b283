/**
 * Importing @mlmeta/tfjs patches the project's TensorFlow.js at once. JavaScript looks up
 * `model.fit` before it evaluates the call's arguments, so patches installed by the README's
 * inline `callbacks: [mlmeta.callback()]` would come too late for the very call that creates
 * them: a functional `tf.model()` would train its first fit unrecorded (a Sequential only gets
 * there through its inner model).
 *
 * A flavour can be in the module cache and not loaded yet, in two ways: its own `require` is on
 * the stack (the preload hook requires this package from inside tfjs's load), or an ESM program
 * imports @mlmeta/tfjs before @tensorflow/tfjs (the order import sorting produces). Node links
 * every import of a module graph before it runs any: the CommonJS entry of tfjs is created
 * empty at link time and filled only when its turn to run comes, right before the program's
 * body, with no tick in between. Either way the patches go in the moment Node marks that entry
 * loaded, synchronously, before any code of the program can reach `model.fit`.
 */
import { logger } from '@mlmeta/core';
import { installPatches } from './instrumentation.js';
import { isTfModule, loadedTf, resolveTf } from './resolve-tf.js';

type CacheEntry = NodeJS.Module;

const WATCHED = Symbol.for('mlmeta.tfjs.patchWhenLoaded');

/**
 * Installs the patches on `entry.exports` when Node sets `entry.loaded = true` (the end of
 * Module.prototype.load), then puts `loaded` back as the plain property it was.
 */
function patchWhenLoaded(entry: CacheEntry): void {
  const marked = entry as CacheEntry & { [WATCHED]?: true };
  if (marked[WATCHED]) return;
  marked[WATCHED] = true;
  let loaded = entry.loaded;
  Object.defineProperty(entry, 'loaded', {
    configurable: true,
    enumerable: true,
    get: () => loaded,
    set(value: boolean) {
      loaded = value;
      if (!value) return;
      Object.defineProperty(entry, 'loaded', { value, writable: true, configurable: true, enumerable: true });
      try {
        if (isTfModule(entry.exports)) installPatches(entry.exports);
      } catch (error) {
        logger.debug('could not patch TensorFlow.js when it loaded; callback() will', error);
      }
    },
  });
}

/** Patches the loaded tfjs flavours, or the project's own when none is in the cache yet. Never throws. */
export function patchAtImport(): void {
  try {
    const { loaded, loading } = loadedTf();
    for (const tf of loaded) installPatches(tf);
    for (const entry of loading) patchWhenLoaded(entry);
    if (loaded.length > 0 || loading.length > 0) return;
    const tf = resolveTf();
    if (tf) installPatches(tf);
  } catch (error) {
    logger.debug('could not patch TensorFlow.js at import; callback() will', error);
  }
}
