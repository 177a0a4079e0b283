// Step 2: features → a saved tfjs model (model/). No mlmeta code.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { saveTo } from './model-folder.mjs';

await tf.setBackend('cpu');
const { rows } = JSON.parse(readFileSync('data/features.json', 'utf8'));
const x = tf.tensor2d(rows.map((r) => r.x));
const y = tf.tensor2d(rows.map((r) => r.y));
const model = tf.sequential({
  layers: [
    tf.layers.dense({
      units: 8,
      inputShape: [4],
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    }),
    tf.layers.dense({
      units: 3,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    }),
  ],
});
model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const history = await model.fit(x, y, { epochs: 30, batchSize: 16, shuffle: false, verbose: 0 });
await model.save(saveTo('model'));
console.log(`trained: accuracy ${history.history.acc.at(-1).toFixed(3)}, saved to model/`);
