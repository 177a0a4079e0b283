// An LSTM trained one epoch at a time in a loop, as tfjs-examples' lstm-text-generation does
// between sampling rounds: each fit continues from the weights the previous one left.
import { callbacks, done, tf } from './common.mjs';

const model = tf.sequential({
  layers: [
    tf.layers.lstm({ units: 6, inputShape: [4, 3] }),
    tf.layers.dense({ units: 3, activation: 'softmax' }),
  ],
});
model.compile({ optimizer: tf.train.rmsprop(0.01), loss: 'categoricalCrossentropy' });
const ids = Array.from({ length: 24 }, (_, i) => [0, 1, 2, 3].map((t) => (i + t) % 3));
const x = tf.oneHot(tf.tensor2d(ids, [24, 4], 'int32'), 3).toFloat();
const y = tf.oneHot(
  tf.tensor1d(
    ids.map((row) => (row[3] + 1) % 3),
    'int32',
  ),
  3,
);
for (let round = 0; round < 3; round++) {
  await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, callbacks: callbacks() });
}
console.log('fit-loop: 3 rounds of one epoch');
await done();
