/**
 * `node --import @mlmeta/node-hooks/register app.mjs`: instruments tfjs and onnxruntime-node as
 * they are imported or required. Built as ESM only (dist/register.js). Integrations load through
 * a synchronous require, because the patches must be in place before the importing module's body
 * runs; their state is process-wide, so the CommonJS builds serve ESM apps equally.
 */
import { createRequire } from 'node:module';
import { preloadDisabled } from './enabled.js';
import { installImportHook } from './import-hook.js';
import { installRequireHook } from './require-hook.js';

if (!preloadDisabled(process.env)) {
  const load = createRequire(import.meta.url);
  installRequireHook(load);
  installImportHook(import.meta.url, load);
}
