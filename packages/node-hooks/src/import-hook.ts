/**
 * ESM: import-in-the-middle's in-thread loader hooks (module.registerHooks), limited to the
 * watched modules (its `include` option), so the rest of the app's modules load unwrapped. The
 * hook callback hands each namespace to the same instrumentation as the require hook. Installed
 * only where Node runs these hooks in-thread: see register-import.ts for why never on a thread.
 */
import { instrumentFramework, type LoadModule, reportFailure } from './instrumentation.js';
import { preloadState } from './state.js';
import { HOOKED_MODULE_NAMES } from './targets.js';

/**
 * Registers the in-thread loader and the hook, once per process. Returns false when they could
 * not be installed (on a Node without in-thread hooks, among other reasons).
 *
 * @example
 * if (supportsSyncHooks()) await installImportHook(createRequire(import.meta.url));
 */
export async function installImportHook(load: LoadModule): Promise<boolean> {
  const state = preloadState();
  if (state.importHook) return true;
  try {
    const { register } = await import('import-in-the-middle/register-hooks.mjs');
    const { Hook } = load('import-in-the-middle') as typeof import('import-in-the-middle');
    register({ include: [...HOOKED_MODULE_NAMES] });
    new Hook([...HOOKED_MODULE_NAMES], (namespace, name) => {
      instrumentFramework(name, namespace, load);
    });
    state.importHook = true;
    return true;
  } catch (error) {
    reportFailure(load, 'could not install the ESM import hook', error);
    return false;
  }
}
