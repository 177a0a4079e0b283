/**
 * `node --import @mlmeta/node-hooks/register app.mjs`: instruments tfjs and onnxruntime-node as
 * they are imported or required. Built as ESM only (dist/register.js). Integrations load through
 * a synchronous require, because the patches must be in place before the importing module's body
 * runs; their state is process-wide, so the CommonJS builds serve ESM apps equally.
 *
 * Why the require hook is enough here, and no loader thread is started: every package the hook
 * watches is CommonJS under Node. The tfjs flavours and tfjs-layers have a CommonJS `main` and
 * no exports map; onnxruntime-node is CommonJS; onnxruntime-common's exports map sends `require`
 * (how onnxruntime-node loads it) to its CommonJS build. An ESM app importing any of them goes
 * through Node's CommonJS loader, where require-in-the-middle sees it. The one ESM build,
 * onnxruntime-common's `import` target, is a second copy whose InferenceSession has no backend
 * under Node ("no available backend found"), so nothing runs through it to record. Meanwhile
 * module.register() starts a loader thread, which alone costs several times the hook's 50 ms
 * startup budget (docs/BENCHMARKS.md, "Preload hook"). So import-in-the-middle is added only where
 * Node runs loader hooks in-thread (module.registerHooks, correct from Node 22.22.3 / 24.11.1 by
 * import-in-the-middle's own check), for ESM-only builds of these packages.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { supportsSyncHooks } from 'import-in-the-middle/supports-sync-hooks.mjs';
import { preloadDisabled } from './enabled.js';
import { installFileCapture } from './file-capture/index.js';
import { installImportHook } from './import-hook.js';
import { installRequireHook } from './require-hook.js';

if (!preloadDisabled(process.env)) {
  const load = createRequire(import.meta.url);
  installRequireHook(load);
  installFileCapture(load, fileURLToPath(new URL('./recorder-start.cjs', import.meta.url)));
  if (supportsSyncHooks()) await installImportHook(load);
}
