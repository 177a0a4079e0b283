// A model with two inputs and two outputs (a regression head and a classification head), fit on
// lists of tensors and evaluated, as tfjs-examples' multi-input models are.
import { callbacks, done, tf } from './common.mjs';

const features = tf.input({ shape: [3], name: 'features' });
const context = tf.input({ shape: [2], name: 'context' });
const joined = tf.layers.concatenate().apply([features, context]);
const hidden = tf.layers.dense({ units: 6, activation: 'relu' }).apply(joined);
const score = tf.layers.dense({ units: 1, name: 'score' }).apply(hidden);
const label = tf.layers.dense({ units: 2, activation: 'softmax', name: 'label' }).apply(hidden);
const model = tf.model({ inputs: [features, context], outputs: [score, label] });
model.compile({ optimizer: 'adam', loss: ['meanSquaredError', 'categoricalCrossentropy'] });

const N = 32;
const x = [
  tf.tensor2d(Array.from({ length: N }, (_, i) => [i % 3, (i % 5) / 5, 1])),
  tf.tensor2d(Array.from({ length: N }, (_, i) => [i % 2, 0.5])),
];
const y = [
  tf.tensor2d(Array.from({ length: N }, (_, i) => [(i % 3) + (i % 2)])),
  tf.oneHot(
    tf.tensor1d(
      Array.from({ length: N }, (_, i) => i % 2),
      'int32',
    ),
    2,
  ),
];
await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, callbacks: callbacks() });
const evaluation = model.evaluate(x, y, { batchSize: 16 });
console.log(`multi-io: evaluate gave ${evaluation.length} values for outputs ${model.outputNames}`);
await done();
