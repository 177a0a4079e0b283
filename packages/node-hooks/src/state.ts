/**
 * Process-wide state of the preload hook. The `--require` entry (CJS) and the `--import` entry
 * (ESM) are separate bundles and may both run in one process, so what they share lives on
 * globalThis: which loaders are installed and which framework classes are instrumented.
 */

export interface PreloadState {
  requireHook: boolean;
  importHook: boolean;
  /** fs is patched for file capture. */
  fileCapture?: boolean;
  /** tfjs modules and InferenceSession classes already handed to their integration. */
  instrumented: WeakSet<object>;
}

const KEY = Symbol.for('mlmeta.nodeHooks');

/** The shared state, created on first use. */
export function preloadState(): PreloadState {
  const scope = globalThis as Record<symbol, unknown>;
  let state = scope[KEY] as PreloadState | undefined;
  if (!state) {
    state = { requireHook: false, importHook: false, instrumented: new WeakSet() };
    scope[KEY] = state;
  }
  return state;
}
