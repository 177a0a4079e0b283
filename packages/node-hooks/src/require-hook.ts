/**
 * CommonJS: require-in-the-middle sees every `require()` of a watched module, including the ones
 * a framework makes internally (tfjs requires tfjs-layers, onnxruntime-node requires
 * onnxruntime-common), which is how ESM programs importing these CommonJS packages are covered
 * even without the ESM loader.
 */
import { instrumentFramework, type LoadModule, reportFailure } from './instrumentation.js';
import { preloadState } from './state.js';
import { HOOKED_MODULE_NAMES } from './targets.js';

/**
 * Installs the require hook once per process. Returns false when it could not be installed.
 *
 * @example
 * installRequireHook(require);
 */
export function installRequireHook(load: LoadModule): boolean {
  const state = preloadState();
  if (state.requireHook) return true;
  try {
    const { Hook } = load('require-in-the-middle') as typeof import('require-in-the-middle');
    new Hook([...HOOKED_MODULE_NAMES], (exports, name) => {
      instrumentFramework(name, exports, load);
      return exports;
    });
    state.requireHook = true;
    return true;
  } catch (error) {
    reportFailure(load, 'could not install the require hook', error);
    return false;
  }
}
