/**
 * Which tfjs module to read io, versions and backend from. Every flavour (@tensorflow/tfjs,
 * -node, -node-gpu) re-exports tfjs-layers' classes, and tfjs-layers loads first (the flavour
 * requires it), so the first module to announce LayersModel is often tfjs-layers, which has no
 * `io`, no tfjs version map and no backend. The patches are keyed by class; each module handed
 * over for the same classes is ranked here and the fullest one is used. An ESM program's
 * `import '@tensorflow/tfjs'` never passes through `require`, so the preload hook sees only the
 * flavour's inner require of tfjs-layers: the flavour itself is then found in the module cache
 * when a fit or save needs it.
 */
import { loadedTf } from './resolve-tf.js';
import { tfjsState } from './state.js';
import type { TfModule } from './tf-types.js';

/** 0: tfjs-layers alone; 1: a flavour with io (tfjs); 2: a native flavour (tfjs-node, -node-gpu). */
function rank(tf: TfModule): number {
  if (!tf.io) return 0;
  const version = tf.version;
  const native = typeof version === 'object' && version !== null && 'tfjs-node' in version;
  return native ? 2 : 1;
}

/** Remembers `tf` for its classes when it is fuller than what was known. */
export function registerFlavour(tf: TfModule): void {
  const { flavours } = tfjsState();
  const known = flavours.get(tf.LayersModel);
  if (!known || rank(tf) > rank(known)) flavours.set(tf.LayersModel, tf);
}

/**
 * The fullest module known for `tf`'s classes (`tf` itself when none is).
 *
 * @example
 * fullestFlavour(require('@tensorflow/tfjs-layers')).io // @tensorflow/tfjs's io, once it loaded
 */
export function fullestFlavour(tf: TfModule): TfModule {
  const known = tfjsState().flavours.get(tf.LayersModel) ?? tf;
  if (rank(known) > 0) return known;
  for (const loaded of loadedTf().loaded) {
    if (loaded.LayersModel === tf.LayersModel) registerFlavour(loaded);
  }
  return tfjsState().flavours.get(tf.LayersModel) ?? tf;
}
