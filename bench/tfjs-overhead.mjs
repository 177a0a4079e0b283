// The training overhead of mlmeta's TensorFlow.js callback with per-batch logging.
// A small MLP on ROWS rows × 32 features, 5 epochs, batch BATCH, on BACKEND: `cpu` (pure JS;
// default 20k rows, batch 32, 3,125 batches per fit) or `wasm` (@tensorflow/tfjs-backend-wasm,
// several times faster per batch, so mlmeta's share is larger; default 4k rows, batch 8, 2,500
// batches: small batches are the worst case). Fits without and with
// `callbacks: [mlmeta.callback({ logBatches: 'batch' })]` alternate in one process (order flipped
// every pair to cancel drift), PAIRS pairs (default 5). mlmeta's own CPU time per batch is the
// median over pairs of (CPU with − CPU without) / batches.
// The baseline runs with the patches removed (uninstrument), i.e. plain tfjs. Both wall time
// and process CPU time (user + system) are reported: on a shared, overloaded machine the CPU
// time of this process is the steadier measure of the work the callback adds.
// Usage: npm run build && node bench/tfjs-overhead.mjs   (BACKEND=wasm node bench/tfjs-overhead.mjs)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as mlmeta from '@mlmeta/tfjs';
import * as tf from '@tensorflow/tfjs';

const PAIRS = Number(process.env.PAIRS ?? 5);
const BACKEND = process.env.BACKEND ?? 'cpu';
const ROWS = Number(process.env.ROWS ?? (BACKEND === 'wasm' ? 4_000 : 20_000));
const BATCH = Number(process.env.BATCH ?? (BACKEND === 'wasm' ? 8 : 32));
const BATCHES = 5 * Math.ceil(ROWS / BATCH);
const FEATURES = 32;
const dir = mkdtempSync(path.join(os.tmpdir(), 'mlmeta-bench-tfjs-'));
const store = `sqlite:${path.join(dir, 'mlmeta.db')}`;

if (BACKEND === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
if (!(await tf.setBackend(BACKEND))) throw new Error(`backend ${BACKEND} did not initialize`);
const x = tf.randomNormal([ROWS, FEATURES], 0, 1, 'float32', 7);
const y = tf.tidy(() => x.sum(1, true).greater(0).toFloat());

function model() {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ units: 64, inputShape: [FEATURES], activation: 'relu' }),
      tf.layers.dense({ units: 64, activation: 'relu' }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return m;
}

async function timedFit(withCallback) {
  const m = model();
  if (withCallback)
    mlmeta.callback({ store }); // installs the patches for this fit
  else mlmeta.uninstrument();
  const callbacks = withCallback
    ? [mlmeta.callback({ store, logBatches: 'batch', experiment: 'bench' })]
    : [];
  const cpu = process.cpuUsage();
  const start = performance.now();
  await m.fit(x, y, { epochs: 5, batchSize: BATCH, verbose: 0, callbacks });
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  m.dispose();
  return { wall, cpu: (used.user + used.system) / 1000 };
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

await timedFit(false); // warm-up: kernels, JIT
await timedFit(true);
const runs = { wall: [[], [], []], cpu: [[], [], []] };
const addedCpuUs = [];
for (let i = 0; i < PAIRS; i++) {
  let a;
  let b;
  if (i % 2 === 0) {
    a = await timedFit(false);
    b = await timedFit(true);
  } else {
    b = await timedFit(true);
    a = await timedFit(false);
  }
  for (const k of ['wall', 'cpu']) {
    runs[k][0].push(a[k]);
    runs[k][1].push(b[k]);
    runs[k][2].push(b[k] / a[k]);
  }
  addedCpuUs.push(((b.cpu - a.cpu) * 1000) / BATCHES);
  console.log(
    `pair ${i + 1}: wall ${a.wall.toFixed(0)} → ${b.wall.toFixed(0)} ms (${(b.wall / a.wall).toFixed(4)}), ` +
      `cpu ${a.cpu.toFixed(0)} → ${b.cpu.toFixed(0)} ms (${(b.cpu / a.cpu).toFixed(4)})`,
  );
}

const cpus = os.cpus();
console.log(
  `\nmachine: ${cpus[0]?.model}, ${cpus.length} cores, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)}`,
);
console.log(
  `backend ${tf.getBackend()}; fit: ${ROWS} rows × ${FEATURES} features, 5 epochs, batch ${BATCH}, ${BATCHES} batches`,
);
for (const k of ['wall', 'cpu']) {
  const [without, withCallback, ratios] = runs[k];
  console.log(
    `${k}: median without ${median(without).toFixed(0)} ms, with ${median(withCallback).toFixed(0)} ms; ` +
      `median of pair ratios ${median(ratios).toFixed(4)} (target ≤ 1.02)`,
  );
}
console.log(
  `mlmeta's CPU time per batch: median ${median(addedCpuUs).toFixed(1)} µs (per pair: ${addedCpuUs.map((u) => u.toFixed(1)).join(', ')})`,
);
rmSync(dir, { recursive: true, force: true });
