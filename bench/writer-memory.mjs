// What mlmeta costs a long run in memory and in event-loop delay, on the built @mlmeta/core
// (npm run build first): one program logs POINTS batch metric points (KEYS keys per batch, 4 by
// default: 10,000,000 points are 2,500,000 batches) into SQLite through the tracker, and the same
// program runs without mlmeta (the same loop and the same logs objects, no import of core, no
// logMetrics). Each mode runs in its own process, alternated, ROUNDS times; the figures are
// medians and the differences between the two modes:
//  - peak resident memory (getrusage maxRSS: the store worker's isolate included);
//  - event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) over the logging loop
//    and the final flush: p99 and max;
//  - points the store holds at the end (points the writer had to drop are the difference).
// The loop yields to the event loop every YIELD batches (as tfjs does between batches) and is
// paced at RATE points/s (0: as fast as it can, so the queue fills to its bound and drops are
// counted): a training step that waits on its backend leaves the loop free, like the waits here.
// `CORE=<path to a dist/index.js>` measures another build (an older commit) in the with-mode;
// `BASE=<path to a dist/index.js>` adds a third mode, "base", with that build, alternated with
// the other two (an older build copied beside packages/core/dist finds node_modules).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './support/workload.mjs';

const POINTS = Number(process.env.POINTS ?? 10_000_000);
const KEYS = Number(process.env.KEYS ?? 4);
const YIELD = Number(process.env.YIELD ?? 100);
const RATE = Number(process.env.RATE ?? 250_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const MODES = process.env.BASE ? ['without', 'with', 'base'] : ['without', 'with'];

const KEY_NAMES = ['loss', 'acc', 'lr', 'grad_norm', 'val_loss', 'val_acc', 'tokens', 'step_ms'].slice(
  0,
  KEYS,
);

/** One batch's logs: fresh numbers in a fresh object, as a training loop's callbacks get them. */
function logsOf(batch) {
  const logs = {};
  for (let k = 0; k < KEY_NAMES.length; k++) logs[KEY_NAMES[k]] = (k + 1) / (batch + 1);
  return logs;
}

async function child(mode) {
  const dir = mkdtempSync(join(tmpdir(), 'mlmeta-bench-memory-'));
  const uri = `sqlite:${join(dir, 'bench.db')}`;
  let core;
  let run;
  if (mode !== 'without') {
    process.env.MLMETA_CAPTURE_DISABLED = 'hardware,git,packages,system';
    process.env.MLMETA_SPOOL_DIR = join(dir, 'spool');
    const build = mode === 'base' ? process.env.BASE : process.env.CORE;
    const coreUrl = build ? pathToFileURL(build).href : '../packages/core/dist/index.js';
    core = await import(coreUrl);
    run = core.startRun({ store: uri, experiment: 'bench-memory' });
  }
  const batches = Math.ceil(POINTS / KEYS);
  const peaks = { anon: 0, file: 0, heap: 0 };
  const sample = () => {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kib = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
    peaks.anon = Math.max(peaks.anon, kib('RssAnon'));
    peaks.file = Math.max(peaks.file, kib('RssFile') + kib('RssShmem'));
    peaks.heap = Math.max(peaks.heap, process.memoryUsage().heapTotal / 2 ** 20);
  };
  const sampler = setInterval(sample, 200);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t0 = performance.now();
  let checksum = 0;
  for (let batch = 0; batch < batches; batch++) {
    const logs = logsOf(batch);
    run?.logMetrics(logs, batch);
    checksum += logs.loss;
    if ((batch + 1) % YIELD === 0) {
      const due = RATE > 0 ? ((batch + 1) * KEYS * 1000) / RATE : 0;
      const ahead = due - (performance.now() - t0);
      await new Promise((resolve) => (ahead >= 1 ? setTimeout(resolve, ahead) : setImmediate(resolve)));
    }
  }
  const loopMs = performance.now() - t0;
  await run?.end();
  const totalMs = performance.now() - t0;
  delay.disable();
  clearInterval(sampler);
  sample();
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  let stored = 0;
  if (core) {
    const store = await core.openStore(uri);
    for (const key of await store.getMetricKeys({ externalId: run.id })) stored += key.count;
    await store.close();
  }
  rmSync(dir, { recursive: true, force: true });
  return {
    maxRssMiB,
    anonMiB: peaks.anon,
    fileMiB: peaks.file,
    heapMiB: peaks.heap,
    p99Ms: delay.percentile(99) / 1e6,
    maxMs: delay.max / 1e6,
    loopMs,
    totalMs,
    stored,
    checksum,
  };
}

function runChild(mode) {
  const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--child=${mode}`], {
    encoding: 'utf8',
    env: process.env,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (out.status !== 0) throw new Error(`${mode} run failed (${out.status}):\n${out.stderr}`);
  const lines = out.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

const childMode = process.argv.find((a) => a.startsWith('--child='))?.slice(8);
if (childMode) {
  console.log(JSON.stringify(await child(childMode)));
} else {
  const results = Object.fromEntries(MODES.map((mode) => [mode, []]));
  const load = [loadavg()[0]];
  for (let round = 0; round < ROUNDS; round++) {
    // Each round starts with another mode, so that no mode always runs first.
    for (const mode of MODES.map((_, i) => MODES[(i + round) % MODES.length])) {
      const r = runChild(mode);
      results[mode].push(r);
      console.log(
        `round ${round + 1} ${mode.padEnd(7)}: max RSS ${r.maxRssMiB.toFixed(0)} MiB (anonymous ${r.anonMiB.toFixed(0)}, files ${r.fileMiB.toFixed(0)}, main heap ${r.heapMiB.toFixed(0)}), loop delay p99 ${r.p99Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(0)} ms, loop ${(r.loopMs / 1000).toFixed(1)} s, until flushed ${(r.totalMs / 1000).toFixed(1)} s${mode === 'without' ? '' : `, stored ${r.stored}`}`,
      );
    }
    load.push(loadavg()[0]);
  }
  const m = (mode, k) => median(results[mode].map((r) => r[k]));
  console.log(
    `node ${process.version}, ${cpus().length} × ${cpus()[0].model}; ${POINTS.toLocaleString('en')} points (${KEYS} keys per batch, yield every ${YIELD} batches, ${RATE > 0 ? `${RATE.toLocaleString('en')} points/s` : 'unpaced'}); ${ROUNDS} rounds, medians; load ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}`,
  );
  for (const [label, k, unit] of [
    ['peak RSS', 'maxRssMiB', 'MiB'],
    ['  anonymous', 'anonMiB', 'MiB'],
    ['  file-backed (mmap)', 'fileMiB', 'MiB'],
    ['  main thread heap', 'heapMiB', 'MiB'],
    ['event-loop delay p99', 'p99Ms', 'ms'],
    ['event-loop delay max', 'maxMs', 'ms'],
    ['logging loop', 'loopMs', 'ms'],
    ['until flushed', 'totalMs', 'ms'],
  ]) {
    const a = m('without', k);
    const added = MODES.slice(1).map((mode) => {
      const b = m(mode, k);
      return `${mode} ${b.toFixed(1).padStart(8)} ${unit} (added ${(b - a).toFixed(1)})`;
    });
    console.log(`${label.padEnd(22)} without ${a.toFixed(1).padStart(8)} ${unit}, ${added.join(', ')}`);
  }
  for (const mode of MODES.slice(1)) {
    const stored = results[mode].map((r) => r.stored);
    console.log(`points stored (${mode}): ${stored.join(', ')} of ${Math.ceil(POINTS / KEYS) * KEYS} logged`);
  }
}
