/**
 * Where the store worker's script is: `store-worker.js` (ESM) or `store-worker.cjs` (CJS) next to
 * the running build of core, in the same format. Kept apart from the worker code so that asking
 * costs no import of worker_threads.
 */
import { builtWorkerScript } from '../../worker/worker-thread.js';

/** The build's file name of the worker entry (tsup entry `store-worker`). */
export const STORE_WORKER_ENTRY = 'store-worker';

/**
 * The worker script's path, or undefined where there is none: when core runs from its
 * TypeScript source (a plain worker cannot load .ts) or was bundled into an application.
 *
 * @example
 * const useWorker = storeWorkerScript() !== undefined;
 */
export function storeWorkerScript(): string | undefined {
  return builtWorkerScript(STORE_WORKER_ENTRY);
}
