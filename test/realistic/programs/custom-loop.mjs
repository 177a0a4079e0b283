// A training loop of its own with optimizer.minimize, as tfjs-examples' polynomial-regression:
// there is no fit, so the hook has nothing to see; inline, the tracker API records it.
import { tf, track } from './common.mjs';

const xs = tf.tensor1d(Array.from({ length: 20 }, (_, i) => i / 10));
const ys = xs.mul(3).add(1);
const w = tf.variable(tf.scalar(0));
const b = tf.variable(tf.scalar(0));
const optimizer = tf.train.sgd(0.1);
const run = track('custom-loop', { learningRate: 0.1, steps: 30 });
for (let step = 0; step < 30; step++) {
  const loss = optimizer.minimize(() => xs.mul(w).add(b).sub(ys).square().mean(), true);
  run.logMetrics({ loss: loss.dataSync()[0] }, step);
  loss.dispose();
}
await run.end();
console.log('custom-loop: 30 steps');
