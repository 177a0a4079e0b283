// An RNN on a weather-like CSV, as tfjs-examples' jena-weather does: tf.data.csv from a file,
// rows reshaped into (timesteps, features) windows, fitDataset on a GRU.
// Usage: node csv-rnn.mjs <work dir>
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { callbacks, done, tf } from './common.mjs';

const file = join(process.argv[2], 'weather.csv');
const header = 't0_temp,t0_wind,t1_temp,t1_wind,t2_temp,t2_wind,next_temp';
const rows = Array.from({ length: 48 }, (_, i) => {
  const temps = [0, 1, 2, 3].map((t) => (10 + Math.sin((i + t) / 4) * 5).toFixed(3));
  const wind = [0, 1, 2].map((t) => ((i * 7 + t) % 11).toFixed(1));
  return [temps[0], wind[0], temps[1], wind[1], temps[2], wind[2], temps[3]].join(',');
});
writeFileSync(file, `${header}\n${rows.join('\n')}\n`);

const windows = tf.data
  .csv(`file://${file}`, { columnConfigs: { next_temp: { isLabel: true } } })
  .map(({ xs, ys }) => ({ xs: tf.tensor2d(Object.values(xs), [3, 2]), ys: tf.tensor1d([ys.next_temp]) }))
  .batch(8);

const model = tf.sequential({
  layers: [tf.layers.gru({ units: 4, inputShape: [3, 2] }), tf.layers.dense({ units: 1 })],
});
model.compile({ optimizer: 'rmsprop', loss: 'meanAbsoluteError' });
const epochs = Number(process.env.REALISTIC_EPOCHS ?? 2);
if (epochs > 2) console.log('csv-rnn: training');
const history = await model.fitDataset(windows, { epochs, callbacks: callbacks() });
console.log(`csv-rnn: ${history.epoch.length} epochs over ${rows.length} rows`);
await done();
