/**
 * What happens when a watched framework module loads: find its classes, load the matching mlmeta
 * integration (only now, so a program that never loads a framework never pays for mlmeta), read
 * the configuration and instrument. Nothing here throws into the module load that triggered it.
 */
import { preloadState } from './state.js';
import { HOOKED_MODULES, IDENTITY_EXPORT, type Integration } from './targets.js';

/** A synchronous loader: the framework's own load must not finish before the patches exist. */
export type LoadModule = (id: string) => unknown;

type Core = typeof import('@mlmeta/core');
type Tfjs = typeof import('@mlmeta/tfjs');
type Onnx = typeof import('@mlmeta/onnx');

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

/**
 * The object that carries the framework's classes: CommonJS exports from require-in-the-middle,
 * or an ESM namespace from import-in-the-middle, whose `default` is module.exports when the
 * package is CommonJS.
 */
export function frameworkExports(
  integration: Integration,
  loaded: unknown,
): Record<string, unknown> | undefined {
  const name = IDENTITY_EXPORT[integration];
  for (const candidate of [loaded, isObject(loaded) ? loaded.default : undefined]) {
    if (isObject(candidate) && isObject(candidate[name])) return candidate;
  }
  return undefined;
}

/**
 * Reports a failure of the hook itself: through mlmeta's logger when it can load, else as one
 * plain line. Either way the app goes on, uninstrumented.
 */
export function reportFailure(load: LoadModule, what: string, error: unknown): void {
  try {
    (load('@mlmeta/core') as Core).logger.warn(`${what}; the app runs uninstrumented:`, error);
  } catch {
    try {
      const reason = error instanceof Error ? error.message : String(error);
      process.stderr.write(`[mlmeta] warn: ${what}; the app runs uninstrumented: ${reason}\n`);
    } catch {
      // stderr is gone: nothing left to tell.
    }
  }
}

/**
 * Instruments the framework `moduleName` just loaded, once per framework copy. Returns true
 * when this call instrumented it.
 *
 * @example
 * instrumentFramework('@tensorflow/tfjs', require('@tensorflow/tfjs'), require);
 */
export function instrumentFramework(moduleName: string, loaded: unknown, load: LoadModule): boolean {
  const integration = HOOKED_MODULES[moduleName];
  if (!integration) return false;
  try {
    const framework = frameworkExports(integration, loaded);
    if (!framework) return false;
    const { instrumented } = preloadState();
    // tfjs flavours share tfjs-layers' classes but differ in what else they carry (io, versions,
    // backend), and tfjs-layers announces itself first, from inside the flavour's own load: each
    // tfjs module is handed over, and @mlmeta/tfjs keeps the fullest for those classes.
    const identity = integration === 'tfjs' ? framework : (framework[IDENTITY_EXPORT[integration]] as object);
    if (instrumented.has(identity)) return false;
    instrumented.add(identity);
    // The full configuration, with its one warning per bad variable, is read only now.
    const core = load('@mlmeta/core') as Core;
    if (core.loadConfig().disabled) return false;
    if (integration === 'tfjs') (load('@mlmeta/tfjs') as Tfjs).instrument(framework as never);
    else if (!(load('@mlmeta/onnx') as Onnx).instrument(framework)) return false;
    core.logger.debug(`instrumented ${moduleName}`);
    return true;
  } catch (error) {
    reportFailure(load, `could not instrument ${moduleName}`, error);
    return false;
  }
}
