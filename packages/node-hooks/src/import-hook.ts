/**
 * ESM: import-in-the-middle's loader hook, registered with module.register() and limited to the
 * watched modules (its `include` option), so the rest of the app's modules load unwrapped. The
 * hook callback hands each namespace to the same instrumentation as the require hook.
 */
import { register } from 'node:module';
import { instrumentFramework, type LoadModule, reportFailure } from './instrumentation.js';
import { preloadState } from './state.js';
import { HOOKED_MODULE_NAMES } from './targets.js';

/**
 * Registers the loader (relative to `parentUrl`, this package's entry) and the hook, once per
 * process. Returns false when they could not be installed.
 *
 * @example
 * installImportHook(import.meta.url, createRequire(import.meta.url));
 */
export function installImportHook(parentUrl: string, load: LoadModule): boolean {
  const state = preloadState();
  if (state.importHook) return true;
  try {
    const { Hook } = load('import-in-the-middle') as typeof import('import-in-the-middle');
    register('import-in-the-middle/hook.mjs', parentUrl, { data: { include: [...HOOKED_MODULE_NAMES] } });
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
