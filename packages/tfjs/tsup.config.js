import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// tfjs is the user's: bundling a second copy would make `instanceof` checks and the patched
// prototypes disagree with the model the user trains.
export default defineConfig(
  packageBuild(undefined, {
    external: [
      '@mlmeta/core',
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-node',
      '@tensorflow/tfjs-node-gpu',
      '@tensorflow/tfjs-layers',
      '@tensorflow/tfjs-core',
    ],
  }),
);
