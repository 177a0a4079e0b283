// A serving process: loads the model evaluate-save.mjs wrote and answers predictions in
// batches of four. Usage: node serve.mjs <dir> [calls]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { done, serving, tf } from './common.mjs';

serving();
const dir = join(process.argv[2], 'model');
const calls = Number(process.argv[3] ?? 20);
const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
const weights = readFileSync(join(dir, 'weights.bin'));
const model = await tf.loadLayersModel(
  tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightSpecs,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }),
);
const batch = tf.ones([4, 4]);
if (calls > 20) console.log('serve: serving');
let shape;
for (let i = 0; i < calls; i++) {
  const out = model.predict(batch);
  shape = out.shape;
  out.dispose();
  if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 1));
}
console.log(`serve: ${calls} predictions of shape ${shape}`);
await done();
