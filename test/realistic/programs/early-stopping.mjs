// Early stopping on the validation loss, with the validation data split off the training data.
// minDelta is larger than any improvement, so it stops after `patience + 1` epochs every time.
import { callbacks, done, tf } from './common.mjs';

const x = tf.tensor2d(Array.from({ length: 40 }, (_, i) => [i / 40, (i % 4) / 4]));
const y = tf.tensor2d(Array.from({ length: 40 }, (_, i) => [i / 20 + (i % 4) / 8]));
const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
const stopper = tf.callbacks.earlyStopping({ monitor: 'val_loss', patience: 1, minDelta: 100 });
const history = await model.fit(x, y, {
  epochs: 10,
  batchSize: 10,
  validationSplit: 0.25,
  verbose: 0,
  callbacks: callbacks(stopper),
});
console.log(`early-stopping: stopped after ${history.epoch.length} of 10 epochs`);
await done();
