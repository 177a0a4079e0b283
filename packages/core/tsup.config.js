import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// Entries loaded by path (next to index.js / index.cjs), never imported, so none needs type
// declarations. Worker threads: store-worker behind openStore(uri, { worker: true }),
// digest-worker behind fileDigester(), capture-worker behind a run's environment and hardware
// capture. file-recorder is the detached child the preload hook's file capture starts at exit
// (packages/node-hooks/src/file-capture/recorder.ts).
// The ESM build is split into shared chunks (splitting left to tsup's default: ESM only), so
// that `@mlmeta/core/read` and `@mlmeta/core` share one copy of every module, and what is only
// imported dynamically (the backends, the schemas behind a store's first validation) loads when
// it is used.
export default defineConfig(
  packageBuild(
    {
      index: 'src/index.ts',
      read: 'src/read.ts',
      'store-worker': 'src/store/worker/worker-main.ts',
      'digest-worker': 'src/files/digest-worker-main.ts',
      'file-recorder': 'src/files/file-recorder-main.ts',
      'capture-worker': 'src/capture/capture-worker-main.ts',
    },
    { splitting: undefined, dts: { entry: { index: 'src/index.ts', read: 'src/read.ts' } } },
  ),
);
