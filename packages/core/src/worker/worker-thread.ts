/**
 * What mlmeta's worker threads (the store worker, the file digest worker, the capture worker)
 * share: where their built scripts are, and the node flags they start with. Asking costs no
 * import of worker_threads.
 */
import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ownModule } from '../own-module.js';

/** This build's module file: dist/index.cjs, a dist/*.js chunk, or a .ts file in tests. */
function ownModuleFile(): string | undefined {
  try {
    const module = ownModule();
    return module.startsWith('file:') ? fileURLToPath(module) : module;
  } catch {
    return undefined;
  }
}

/**
 * The path of the built script `entry` (a tsup entry of core: a worker's, or `index` for core's
 * own API, which a child process can import) next to the running build,
 * in the same format (`.js` or `.cjs`), or undefined where there is none: when core runs from its
 * TypeScript source (a plain worker cannot load .ts) or was bundled into an application.
 *
 * @example
 * const script = builtWorkerScript('store-worker'); // …/dist/store-worker.cjs
 */
export function builtWorkerScript(entry: string): string | undefined {
  const file = ownModuleFile();
  if (!file) return undefined;
  const extension = extname(file);
  if (extension !== '.js' && extension !== '.cjs' && extension !== '.mjs') return undefined;
  const script = join(dirname(file), `${entry}${extension}`);
  return existsSync(script) ? script : undefined;
}

/**
 * The node flags a worker starts with: none. By default a worker inherits the process's flags,
 * and Node refuses some of them in a worker when they are passed on (`--max-old-space-size`,
 * `--expose-gc`, `--input-type`: ERR_WORKER_INVALID_EXEC_ARGV), which would send every store
 * write of `node --max-old-space-size=8192 train.js` to the spool; inheriting them would also run
 * the program's own `--import`/`--require` preloads (the mlmeta hook among them) in mlmeta's
 * threads, which need none of them.
 *
 * @example
 * new Worker(script, { execArgv: workerExecArgv() });
 */
export function workerExecArgv(): string[] {
  return [];
}
