/**
 * Where the store worker's script is: `store-worker.js` (ESM) or `store-worker.cjs` (CJS) next to
 * the running build of core, in the same format. Kept apart from the worker code so that asking
 * costs no import of worker_threads.
 */
import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The build's file name of the worker entry (tsup entry `store-worker`). */
export const STORE_WORKER_ENTRY = 'store-worker';

/** This module's file: dist/index.cjs under require, dist/index.js under import, a .ts file in tests. */
function ownModuleFile(): string | undefined {
  try {
    return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
  } catch {
    return undefined;
  }
}

/**
 * The worker script's path, or undefined where there is none: when core runs from its
 * TypeScript source (a plain worker cannot load .ts) or was bundled into an application.
 *
 * @example
 * const useWorker = storeWorkerScript() !== undefined;
 */
export function storeWorkerScript(): string | undefined {
  const file = ownModuleFile();
  if (!file) return undefined;
  const extension = extname(file);
  if (extension !== '.js' && extension !== '.cjs' && extension !== '.mjs') return undefined;
  const script = join(dirname(file), `${STORE_WORKER_ENTRY}${extension}`);
  return existsSync(script) ? script : undefined;
}
