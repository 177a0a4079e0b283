/**
 * Zero-code file lineage: under the preload hook, the files a program reads and writes become
 * inputs and outputs of its `mlmeta.Script` execution (see filter.ts for which files).
 */
import fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import type { LoadModule } from '../instrumentation.js';
import { preloadState } from '../state.js';
import { fileCaptureEnabled, fileFilter } from './filter.js';
import { patchFs } from './instrumentation.js';
import { FILE_CAPTURE_API, type FileCaptureApi, FileRecorder } from './recorder.js';

/**
 * Installs file capture once per process, unless MLMETA_CAPTURE_DISABLED=files (or
 * MLMETA_DISABLED). Never throws: a failure is one warning and the program runs unrecorded.
 * `recorderStart` is this package's dist/recorder-start.cjs, the recorder child's entry (it
 * finds @mlmeta/core itself); without it, the exit resolves core's file-recorder with `load`.
 *
 * @example
 * installFileCapture(createRequire(import.meta.url));
 */
export function installFileCapture(
  load: LoadModule & { resolve?: (id: string) => string },
  recorderStart?: string,
): boolean {
  const state = preloadState();
  if (state.fileCapture) return true;
  try {
    // Worker threads inherit the preload (mlmeta's own digest and store workers among them):
    // the files a program uses are its main thread's.
    if (!isMainThread || !fileCaptureEnabled(process.env)) return false;
    const recorder = new FileRecorder(
      load,
      {
        writeFileSync: fs.writeFileSync,
        readFileSync: fs.readFileSync,
        mkdirSync: fs.mkdirSync,
        openSync: fs.openSync,
        closeSync: fs.closeSync,
      },
      fileFilter(process.cwd(), process.env, load),
      recorderStart,
    );
    patchFs(recorder.use);
    const api: FileCaptureApi = { observe: (name, observer) => recorder.observe(name, observer) };
    (globalThis as Record<symbol, unknown>)[FILE_CAPTURE_API] = api;
    state.fileCapture = true;
    return true;
  } catch (error) {
    try {
      process.stderr.write(`[mlmeta] warn: file capture is off: ${(error as Error)?.message ?? error}\n`);
    } catch {
      // stderr is gone.
    }
    return false;
  }
}
