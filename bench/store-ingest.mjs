// SQLite store ingest: metric points/s through appendMetrics, and lineage batches/s through
// putLineage (a training run's batch: dataset, model, execution, context, 2 events, 3 links).
// Usage: npm run build -w @mlmeta/core && node bench/store-ingest.mjs [runs]
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../packages/core/dist/index.js';
import { lineageBatch, median, TYPES } from './support/workload.mjs';

const require = createRequire(new URL('../packages/core/package.json', import.meta.url));
const Database = require('better-sqlite3');

const RUNS = Number(process.argv[2] ?? 5);
const POINTS_PER_CALL = 50_000;
const CALLS = 10;
const BATCHES = 1_000;

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-bench-ingest-'));

/**
 * The floor under appendMetrics on this machine right now: the same rows through one prepared
 * better-sqlite3 statement in one transaction, into the same table. Measured in the same run,
 * because these machines are shared and noisy; the ratio is what to compare.
 */
function rawInsertRate(path, calls) {
  const db = new Database(path);
  const insert = db.prepare(
    'INSERT INTO mlmeta_metric_point (key_id, step, value, wall_time, flags) VALUES (?, ?, ?, ?, 0) ' +
      'ON CONFLICT (key_id, step) DO UPDATE SET value = excluded.value, wall_time = excluded.wall_time, flags = excluded.flags',
  );
  const start = performance.now();
  for (const points of calls) {
    db.transaction(() => {
      for (const p of points) insert.run(1000 + (p.step % 4), p.step, p.value, p.wallTime);
    })();
  }
  const rate = (calls.length * calls[0].length) / ((performance.now() - start) / 1000);
  db.close();
  return rate;
}

const pointRates = [];
const rawRates = [];
const batchRates = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const store = await openStore(`sqlite:${join(dir, `ingest-${run}.db`)}`);
    await store.putTypes(TYPES);
    const { executionIds } = await store.putLineage(lineageBatch('setup', run));
    const execution = { id: executionIds[0] };
    const calls = Array.from({ length: CALLS }, (_, c) =>
      Array.from({ length: POINTS_PER_CALL }, (_, i) => ({
        execution,
        key: `metric${i % 4}`,
        step: c * POINTS_PER_CALL + i,
        value: Math.random(),
        wallTime: Date.now(),
      })),
    );
    let start = performance.now();
    for (const points of calls) await store.appendMetrics(points);
    pointRates.push((CALLS * POINTS_PER_CALL) / ((performance.now() - start) / 1000));
    await store.close();
    rawRates.push(rawInsertRate(join(dir, `ingest-${run}.db`), calls));
    const reopened = await openStore(`sqlite:${join(dir, `ingest-${run}.db`)}`);

    const batches = Array.from({ length: BATCHES }, (_, i) => lineageBatch(run, i));
    start = performance.now();
    for (const batch of batches) await reopened.putLineage(batch);
    batchRates.push(BATCHES / ((performance.now() - start) / 1000));
    await reopened.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const fmt = (xs) => xs.map((x) => Math.round(x).toLocaleString('en-US')).join(', ');
console.log(
  `metric points/s (${CALLS} appendMetrics calls of ${POINTS_PER_CALL} points): median ${Math.round(median(pointRates)).toLocaleString('en-US')} [${fmt(pointRates)}]`,
);
console.log(
  `raw better-sqlite3 baseline, same rows and table: median ${Math.round(median(rawRates)).toLocaleString('en-US')} [${fmt(rawRates)}]`,
);
console.log(`appendMetrics / raw: ${(median(pointRates) / median(rawRates)).toFixed(2)} (ratio of medians)`);
console.log(
  `lineage batches/s (one putLineage transaction each): median ${Math.round(median(batchRates)).toLocaleString('en-US')} [${fmt(batchRates)}]`,
);
