import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// Worker threads' scripts: store-worker behind openStore(uri, { worker: true }), digest-worker
// behind fileDigester(). Each is loaded by path (next to index.js / index.cjs), never imported,
// so neither needs type declarations.
export default defineConfig(
  packageBuild(
    {
      index: 'src/index.ts',
      'store-worker': 'src/store/worker/worker-main.ts',
      'digest-worker': 'src/files/digest-worker-main.ts',
    },
    { dts: { entry: { index: 'src/index.ts' } } },
  ),
);
