// SQLite metric ingest in CPU time (process.cpuUsage), which a loaded machine inflates far less
// than wall time: appendMetrics against two raw better-sqlite3 loops into the same table, in the
// same run: one prepared one-row upsert per point, and 250-row multi-row upserts.
// Usage: npm run build -w @mlmeta/core && node bench/store-ingest-cpu.mjs [runs]
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../packages/core/dist/index.js';
import { median } from './support/workload.mjs';

const require = createRequire(new URL('../packages/core/package.json', import.meta.url));
const Database = require('better-sqlite3');

const RUNS = Number(process.argv[2] ?? 5);
const CALLS = 10;
const POINTS_PER_CALL = 50_000;
const ROWS = 250;
const UPSERT =
  'ON CONFLICT (key_id, step) DO UPDATE SET value = excluded.value, wall_time = excluded.wall_time, flags = excluded.flags';

const cpuSeconds = async (fn) => {
  const start = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};
const dir = mkdtempSync(join(tmpdir(), 'mlmeta-bench-cpu-'));
const rates = { appendMetrics: [], oneRow: [], multiRow: [] };
const total = CALLS * POINTS_PER_CALL;
try {
  for (let run = 0; run < RUNS; run++) {
    const path = join(dir, `cpu-${run}.db`);
    const store = await openStore(`sqlite:${path}`);
    const { executionIds } = await store.putLineage({
      types: [{ kind: 'execution', name: 'bench.Train' }],
      executions: [{ type: 'bench.Train', externalId: `run-${run}` }],
    });
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
    rates.appendMetrics.push(
      total /
        (await cpuSeconds(async () => {
          for (const points of calls) await store.appendMetrics(points);
        })),
    );
    await store.close();
    const db = new Database(path);
    // Fresh key ids, so both raw loops insert new rows as appendMetrics did.
    const one = db.prepare(
      `INSERT INTO mlmeta_metric_point (key_id, step, value, wall_time, flags) VALUES (?, ?, ?, ?, 0) ${UPSERT}`,
    );
    const multi = db.prepare(
      `INSERT INTO mlmeta_metric_point (key_id, step, value, wall_time, flags) VALUES ${Array.from({ length: ROWS }, () => '(?, ?, ?, ?, 0)').join(', ')} ${UPSERT}`,
    );
    rates.oneRow.push(
      total /
        (await cpuSeconds(() => {
          for (const points of calls)
            db.transaction(() => {
              for (const p of points) one.run(1000 + (p.step % 4), p.step, p.value, p.wallTime);
            })();
        })),
    );
    rates.multiRow.push(
      total /
        (await cpuSeconds(() => {
          for (const points of calls)
            db.transaction(() => {
              for (let i = 0; i < points.length; i += ROWS) {
                const values = [];
                for (const p of points.slice(i, i + ROWS))
                  values.push(2000 + (p.step % 4), p.step, p.value, p.wallTime);
                multi.run(values);
              }
            })();
        })),
    );
    db.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const fmt = (xs) => xs.map((x) => Math.round(x).toLocaleString('en-US')).join(', ');
for (const [name, xs] of Object.entries(rates)) {
  console.log(
    `${name}: median ${Math.round(median(xs)).toLocaleString('en-US')} points per CPU second [${fmt(xs)}]`,
  );
}
console.log(
  `appendMetrics / one-row loop: ${(median(rates.appendMetrics) / median(rates.oneRow)).toFixed(2)}; / multi-row loop: ${(median(rates.appendMetrics) / median(rates.multiRow)).toFixed(2)}`,
);
