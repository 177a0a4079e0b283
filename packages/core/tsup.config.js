import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// Worker threads' scripts: store-worker behind openStore(uri, { worker: true }), digest-worker
// behind fileDigester(); file-recorder is the detached child the preload hook's file capture
// starts at exit (packages/node-hooks/src/file-capture/recorder.ts). Each is loaded by path (next to index.js / index.cjs), never imported,
// so neither needs type declarations.
export default defineConfig(
  packageBuild(
    {
      index: 'src/index.ts',
      'store-worker': 'src/store/worker/worker-main.ts',
      'digest-worker': 'src/files/digest-worker-main.ts',
      'file-recorder': 'src/files/file-recorder-main.ts',
    },
    { dts: { entry: { index: 'src/index.ts' } } },
  ),
);
