// fitDataset from generator datasets, as tfjs-examples' data-generator: training and validation
// examples are produced on the fly by JavaScript generators.
import { callbacks, done, tf } from './common.mjs';

function examples(count, offset) {
  return function* () {
    for (let i = 0; i < count; i++) {
      const a = ((i + offset) % 7) / 7;
      const b = ((i * 3 + offset) % 5) / 5;
      yield { xs: tf.tensor1d([a, b]), ys: tf.tensor1d([a > b ? 1 : 0]) };
    }
  };
}
const train = tf.data.generator(examples(40, 0)).batch(10);
const validation = tf.data.generator(examples(10, 3)).batch(10);

const model = tf.sequential({
  layers: [
    tf.layers.dense({ units: 4, inputShape: [2], activation: 'relu' }),
    tf.layers.dense({ units: 1, activation: 'sigmoid' }),
  ],
});
model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
const history = await model.fitDataset(train, {
  epochs: 2,
  validationData: validation,
  callbacks: callbacks(),
});
console.log(`generator: ${history.epoch.length} epochs, history has ${Object.keys(history.history).sort()}`);
await done();
