import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// Worker threads' scripts: store-worker behind openStore(uri, { worker: true }), digest-worker
// behind fileDigester(); file-recorder is the detached child the preload hook's file capture
// starts at exit (packages/node-hooks/src/file-capture/recorder.ts). Each is loaded by path (next to index.js / index.cjs), never imported,
// so neither needs type declarations.
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
    },
    { splitting: undefined, dts: { entry: { index: 'src/index.ts', read: 'src/read.ts' } } },
  ),
);
