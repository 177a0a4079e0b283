// What mlmeta adds to each `predict` of a served TensorFlow.js model (budget: within about a
// microsecond beyond the two timestamps it takes). tfjs's own predict costs tens of microseconds
// and varies more than that from call to call, so the wrapper is measured around a predict that
// does nothing: LayersModel.prototype.predict is replaced by a no-op before instrument(tf) wraps
// it, a model is loaded (so it is served), and the wrapped no-op is timed against the bare no-op
// and against two performance.now() calls, in alternating rounds; medians of ROUNDS (default 15).
// Usage: npm run build && node bench/tfjs-predict.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as mlmeta from '@mlmeta/tfjs';
import * as tf from '@tensorflow/tfjs';

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const CALLS = 200_000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'mlmeta-bench-predict-'));
process.env.MLMETA_CAPTURE_DISABLED = 'git,hardware,packages,system';

await tf.setBackend('cpu');
const input = tf.input({ shape: [4] });
const trained = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(input) });
let artifacts;
await trained.save(
  tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }),
);

// Importing @mlmeta/tfjs patched tfjs already: take the patches off, put the no-op in, patch again.
mlmeta.uninstrument();
const proto = tf.LayersModel.prototype;
const result = {};
const noop = function predict() {
  return result;
};
proto.predict = noop;
mlmeta.instrument(tf, { store: `sqlite:${path.join(dir, 'mlmeta.db')}`, experiment: 'bench' });
const wrapped = proto.predict;
if (wrapped === noop) throw new Error('predict was not wrapped');
const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
const x = tf.ones([8, 4]);

let sink = 0;
function timeLoop(body) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) body();
  return Number(process.hrtime.bigint() - start) / CALLS; // ns per call
}
const bare = () => noop.call(model, x);
const served = () => wrapped.call(model, x);
const stamps = () => {
  sink += performance.now() - performance.now();
};

for (let i = 0; i < 3; i++) [bare, served, stamps].forEach(timeLoop); // warm-up, JIT
const ns = { bare: [], served: [], stamps: [] };
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? ['bare', 'served', 'stamps'] : ['stamps', 'served', 'bare'];
  for (const name of order) ns[name].push(timeLoop({ bare, served, stamps }[name]));
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const added = ns.served.map((s, i) => s - ns.bare[i]);
const beyond = added.map((a, i) => a - ns.stamps[i]);
const cpus = os.cpus();
console.log(
  `machine: ${cpus[0]?.model}, ${cpus.length} cores, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)}`,
);
console.log(`${ROUNDS} rounds × ${CALLS} calls; medians in ns per call`);
console.log(
  `bare no-op predict ${median(ns.bare).toFixed(1)}, served (wrapped) ${median(ns.served).toFixed(1)}`,
);
console.log(`two performance.now() ${median(ns.stamps).toFixed(1)}`);
console.log(
  `added by mlmeta ${median(added).toFixed(1)}, beyond the two timestamps ${median(beyond).toFixed(1)} (budget ~1000)`,
);
await mlmeta.flush();
if (sink === 42) console.log(sink);
rmSync(dir, { recursive: true, force: true });
