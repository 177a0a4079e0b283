// mlmeta's share of a fit's CPU, read from V8's CPU profile instead of from the difference of two
// noisy fits. A child process trains the bench's MLP on BACKEND (default wasm: the fastest
// backend here, small batches, so mlmeta's share is the largest) with per-batch logging, in MODE
// `callback` (callbacks: [mlmeta.callback({ logBatches: 'batch' })]) or `hook` (no mlmeta code,
// node --import @mlmeta/node-hooks/register, MLMETA_LOG_BATCHES=batch), under --cpu-prof. Each
// sampled stack is charged to mlmeta when its innermost frame with a source file is one of
// mlmeta's built files (core, tfjs, node-hooks): builtins and native code called by mlmeta count
// as mlmeta's, tfjs code called back from mlmeta's wrappers as the program's. GC is shown apart
// (the collector runs for everyone). The store worker thread, which runs on another core, gets
// its own line: it is off the training path.
// Usage: npm run build && node bench/tfjs-cpu-share.mjs   (MODE=hook, BACKEND=cpu, ROWS, BATCH, ROUNDS)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const root = path.dirname(path.dirname(here));
const BACKEND = process.env.BACKEND ?? 'wasm';
const ROWS = Number(process.env.ROWS ?? 4_000);
const BATCH = Number(process.env.BATCH ?? 8);
const EPOCHS = 5;
const BATCHES = EPOCHS * Math.ceil(ROWS / BATCH);

if (process.argv[2] === 'child') {
  const tf = await import('@tensorflow/tfjs');
  const mlmeta = process.env.MODE === 'callback' ? await import('@mlmeta/tfjs') : undefined;
  if (BACKEND === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(BACKEND))) throw new Error(`backend ${BACKEND} did not initialize`);
  const x = tf.randomNormal([ROWS, 32], 0, 1, 'float32', 7);
  const y = tf.tidy(() => x.sum(1, true).greater(0).toFloat());
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 64, inputShape: [32], activation: 'relu' }),
      tf.layers.dense({ units: 64, activation: 'relu' }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const callbacks = mlmeta ? [mlmeta.callback({ logBatches: 'batch', experiment: 'bench' })] : [];
  await model.fit(x, y, { epochs: EPOCHS, batchSize: BATCH, verbose: 0, callbacks });
  if (mlmeta) await mlmeta.flush();
  process.exit(0);
}

const OWN = [/[/\\]packages[/\\](core|tfjs|node-hooks)[/\\]dist[/\\]/, /[/\\]@mlmeta[/\\]/];
const isOwn = (url) => OWN.some((pattern) => pattern.test(url));

/** Milliseconds of samples per owner: mlmeta, program, gc, idle. */
function attribute(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const owner = new Map();
  const visit = (node, inherited) => {
    const { url, functionName } = node.callFrame;
    let mine = inherited;
    if (functionName === '(garbage collector)') mine = 'gc';
    else if (functionName === '(idle)') mine = 'idle';
    else if (url) mine = isOwn(url) ? 'mlmeta' : 'program';
    owner.set(node.id, mine);
    for (const child of node.children ?? []) visit(byId.get(child), mine);
  };
  visit(profile.nodes[0], 'program');
  const totals = { mlmeta: 0, program: 0, gc: 0, idle: 0, top: new Map() };
  // The innermost mlmeta frame of a sample charged to mlmeta, for TOP=1.
  const ownFrame = new Map();
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const frameOf = (id) => {
    if (ownFrame.has(id)) return ownFrame.get(id);
    let at = id;
    while (at !== undefined && !isOwn(byId.get(at).callFrame.url)) at = parents.get(at);
    const frame =
      at === undefined
        ? '?'
        : `${byId.get(at).callFrame.functionName || '(anonymous)'} ${path.basename(path.dirname(path.dirname(byId.get(at).callFrame.url)))}/${path.basename(byId.get(at).callFrame.url)}:${byId.get(at).callFrame.lineNumber + 1}`;
    ownFrame.set(id, frame);
    return frame;
  };
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    totals[owner.get(id)] += ms;
    if (owner.get(id) === 'mlmeta') totals.top.set(frameOf(id), (totals.top.get(frameOf(id)) ?? 0) + ms);
  });
  return totals;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const MODE = process.env.MODE ?? 'callback';
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const shares = [];
const perBatch = [];
let workerLine = '';
for (let round = 0; round < ROUNDS; round++) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlmeta-cpu-share-'));
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${path.join(dir, 'prof')}`, '--cpu-prof-interval=200'];
  if (MODE === 'hook') nodeArgs.push('--import', '@mlmeta/node-hooks/register');
  const child = spawnSync(process.execPath, [...nodeArgs, here, 'child'], {
    cwd: root,
    env: {
      ...process.env,
      MODE,
      MLMETA_STORE: `sqlite:${path.join(dir, 'mlmeta.db')}`,
      MLMETA_LOG_BATCHES: 'batch',
      MLMETA_CAPTURE_DISABLED: 'files',
    },
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`the fit failed (${child.status}): ${child.stderr}`);
  const profiles = readdirSync(path.join(dir, 'prof')).map((name) =>
    attribute(JSON.parse(readFileSync(path.join(dir, 'prof', name), 'utf8'))),
  );
  // The main thread trained: it has the most program time.
  profiles.sort((a, b) => b.program - a.program);
  const [main, ...workers] = profiles;
  const busy = main.mlmeta + main.program + main.gc;
  shares.push(main.mlmeta / busy);
  perBatch.push((main.mlmeta * 1000) / BATCHES);
  const workerBusy = workers.reduce((sum, w) => sum + w.mlmeta + w.program + w.gc, 0);
  workerLine = `other threads (the store worker): ${workerBusy.toFixed(0)} ms busy in ${workers.length} profile(s)`;
  console.log(
    `round ${round + 1}: main thread busy ${busy.toFixed(0)} ms: program ${main.program.toFixed(0)}, ` +
      `mlmeta ${main.mlmeta.toFixed(1)}, gc ${main.gc.toFixed(0)} ms; ${workerLine}`,
  );
  if (process.env.TOP) {
    const top = [...main.top].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP));
    for (const [frame, ms] of top) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${frame}`);
  }
  rmSync(dir, { recursive: true, force: true });
}
const cpus = os.cpus();
console.log(
  `\nmachine: ${cpus[0]?.model}, ${cpus.length} cores, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)}`,
);
console.log(
  `mode ${MODE}, backend ${BACKEND}: ${ROWS} rows × 32 features, ${EPOCHS} epochs, batch ${BATCH}, ${BATCHES} batches, per-batch logging`,
);
console.log(
  `mlmeta's share of the training thread's CPU: median ${(median(shares) * 100).toFixed(2)} % ` +
    `(${shares.map((s) => `${(s * 100).toFixed(2)} %`).join(', ')}), ${median(perBatch).toFixed(1)} µs per batch (budget 2 %)`,
);
