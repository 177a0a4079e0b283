// Tracker and writer costs, on the built @mlmeta/core (npm run build first):
//  1. one logMetrics call (3 keys) while the background writer runs: p50 / p99;
//  2. a run of 100 epochs × 1,000 batches (3 keys per batch = 300k points) written end to end
//     into SQLite: time until run.end() resolves (everything flushed);
//  3. how long the writer blocks the event loop (better-sqlite3 is synchronous): the event-loop
//     delay histogram and the event-loop utilization while the run is written, after the store
//     is open.
// The tracker opens a store URI in a worker thread; `--in-thread` passes it a store opened in
// this thread instead (what it did before), for a side-by-side comparison. `CORE=<path to a
// dist/index.js>` measures another build (an older commit, copied beside packages/core/dist so
// it finds node_modules) side by side.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { median } from './support/workload.mjs';

process.env.MLMETA_CAPTURE_DISABLED = 'hardware,git,packages';
const coreUrl = process.env.CORE ? pathToFileURL(process.env.CORE).href : '../packages/core/dist/index.js';
const { startRun, openStore } = await import(coreUrl);

const REPEATS = 5;
const IN_THREAD = process.argv.includes('--in-thread');
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];

async function oneRun() {
  const dir = mkdtempSync(join(tmpdir(), 'mlmeta-bench-'));
  process.env.MLMETA_SPOOL_DIR = join(dir, 'spool');
  const uri = `sqlite:${join(dir, 'bench.db')}`;
  const inThread = IN_THREAD ? await openStore(uri) : undefined;
  const run = startRun({ store: inThread ?? uri, experiment: 'bench' });
  const perCall = new Float64Array(100_000);
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  let elu = performance.eventLoopUtilization();
  const t0 = performance.now();
  let step = 0;
  for (let epoch = 0; epoch < 100; epoch++) {
    for (let batch = 0; batch < 1000; batch++) {
      const a = performance.now();
      run.logMetrics({ loss: 1 / (step + 1), acc: step / 1e5, lr: 0.001 }, step);
      perCall[step] = performance.now() - a;
      step++;
    }
    // A training loop yields to the event loop between batches/epochs (tfjs does, via its
    // yield/nextFrame); without that no background write could run.
    await new Promise((resolve) => setImmediate(resolve));
    // The first epoch includes opening the store (loading better-sqlite3, migrations).
    if (epoch === 0) {
      await run.flush();
      loopDelay.reset();
      elu = performance.eventLoopUtilization();
    }
  }
  const logged = performance.now() - t0;
  await run.end();
  const total = performance.now() - t0;
  loopDelay.disable();
  const utilization = performance.eventLoopUtilization(elu).utilization;
  await inThread?.close();
  const store = await openStore(uri);
  const stored = (await store.getMetrics({ execution: { externalId: run.id }, key: 'loss' })).total;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const sorted = Array.from(perCall).sort((x, y) => x - y);
  return {
    p50us: quantile(sorted, 0.5) * 1000,
    p99us: quantile(sorted, 0.99) * 1000,
    // About 1 call in 670 fills a 2,000-point batch and seals it: these are those calls.
    p999us: quantile(sorted, 0.999) * 1000,
    maxUs: sorted[sorted.length - 1] * 1000,
    logMs: logged,
    totalMs: total,
    pointsPerS: (3 * 100_000) / (total / 1000),
    maxLoopBlockMs: loopDelay.max / 1e6,
    p99LoopBlockMs: loopDelay.percentile(99) / 1e6,
    utilization,
    stored,
  };
}

const results = [];
for (let i = 0; i < REPEATS; i++) results.push(await oneRun());
const m = (k) => median(results.map((r) => r[k]));
console.log(
  `node ${process.version}, ${cpus().length} × ${cpus()[0].model}, ${REPEATS} runs, medians; store ${IN_THREAD ? 'in this thread' : 'in a worker thread'}`,
);
console.log(
  `logMetrics (3 keys) per call: p50 ${m('p50us').toFixed(2)} µs, p99 ${m('p99us').toFixed(2)} µs, p99.9 ${m('p999us').toFixed(1)} µs, max ${m('maxUs').toFixed(0)} µs`,
);
console.log(
  `100 epochs × 1,000 batches × 3 keys (300k points): logging loop ${m('logMs').toFixed(0)} ms, until flushed ${m('totalMs').toFixed(0)} ms (${(m('pointsPerS') / 1000).toFixed(0)}k points/s)`,
);
console.log(
  `event-loop delay after the store is open: p99 ${m('p99LoopBlockMs').toFixed(1)} ms, max ${m('maxLoopBlockMs').toFixed(1)} ms; event-loop utilization ${(m('utilization') * 100).toFixed(0)}%`,
);
if (results.some((r) => r.stored !== 100_000)) {
  console.error(
    'points missing from the store:',
    results.map((r) => r.stored),
  );
  process.exit(1);
}
