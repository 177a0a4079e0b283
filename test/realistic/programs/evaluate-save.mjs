// Train, evaluate on held-out data, and save the model as files (model.json and weights.bin,
// the layout tf.io's file handlers write) for serve.mjs. Usage: node evaluate-save.mjs <dir>
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { callbacks, done, tf } from './common.mjs';

const dir = join(process.argv[2], 'model');
const rows = (n, k) => tf.tensor2d(Array.from({ length: n }, (_, i) => [(i * k) % 4, (i % 3) / 3, 1, i % 2]));
const classes = (n) =>
  tf.oneHot(
    tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % 3),
      'int32',
    ),
    3,
  );
const model = tf.sequential({
  layers: [
    tf.layers.dense({ units: 5, inputShape: [4], activation: 'relu' }),
    tf.layers.dense({ units: 3, activation: 'softmax' }),
  ],
});
model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
await model.fit(rows(30, 1), classes(30), { epochs: 2, batchSize: 10, verbose: 0, callbacks: callbacks() });
const [loss, accuracy] = model.evaluate(rows(12, 3), classes(12));
console.log(`evaluate-save: evaluated ${loss.size + accuracy.size} metrics`);
await model.save(
  tf.io.withSaveHandler(async (artifacts) => {
    mkdirSync(dir, { recursive: true });
    const { weightData, ...json } = artifacts;
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({ ...json, weightsManifest: [{ paths: ['weights.bin'] }] }),
    );
    writeFileSync(join(dir, 'weights.bin'), Buffer.from(weightData));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }),
);
console.log('evaluate-save: saved');
await done();
