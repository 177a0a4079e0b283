/**
 * `node --require @mlmeta/node-hooks/register app.cjs`: instruments tfjs and onnxruntime-node as
 * they are required. Built as CommonJS only (dist/register.cjs).
 */
import { join } from 'node:path';
import { preloadDisabled } from './enabled.js';
import { installFileCapture } from './file-capture/index.js';
import { installRequireHook } from './require-hook.js';

if (!preloadDisabled(process.env)) {
  installRequireHook(require);
  installFileCapture(require, join(__dirname, 'recorder-start.cjs'));
}
