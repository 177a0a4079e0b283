import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// store-worker is the worker thread's script behind openStore(uri, { worker: true }); it is
// loaded by path (next to index.js / index.cjs), never imported, so it needs no type declarations.
export default defineConfig(
  packageBuild(
    { index: 'src/index.ts', 'store-worker': 'src/store/worker/worker-main.ts' },
    { dts: { entry: { index: 'src/index.ts' } } },
  ),
);
