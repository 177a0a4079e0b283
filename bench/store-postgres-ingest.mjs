// PostgreSQL store ingest: metric points/s through appendMetrics, new steps (one range probe,
// then COPY straight into the table) and the same calls replayed (every key stored: the unnest
// upsert, 20,000 rows per statement); and lineage batches/s through putLineage (one SERIALIZABLE
// transaction each: dataset, model, execution, context, 2 events, 3 links). A raw COPY of the
// same rows into the same table, measured in the same run, is the floor to compare with.
// Server: MLMETA_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test); each run
// uses a fresh schema, dropped at the end.
// Usage: npm run build -w @mlmeta/core && node bench/store-postgres-ingest.mjs [runs]
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { openStore } from '../packages/core/dist/index.js';
import { lineageBatch, median, TYPES } from './support/workload.mjs';

const require = createRequire(new URL('../packages/core/package.json', import.meta.url));
const pg = require('pg');
const { from: copyFrom } = require('pg-copy-streams');

const URL_BASE = process.env.MLMETA_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const RUNS = Number(process.argv[2] ?? 5);
const POINTS_PER_CALL = 50_000;
const CALLS = 10;
const BATCHES = 300;

const prefix = `mlmeta_bench_ingest_${randomBytes(3).toString('hex')}`;
const uriFor = (schema) => {
  const url = new URL(URL_BASE);
  url.searchParams.set('schema', schema);
  return url.toString();
};

/** The same rows through COPY into a copy of the table (no conflict handling possible). */
async function copyRate(client, schema, calls) {
  await client.query(`CREATE TABLE ${schema}.copy_floor (LIKE ${schema}.mlmeta_metric_point INCLUDING ALL)`);
  const start = performance.now();
  for (const points of calls) {
    await client.query('BEGIN');
    const text = points
      .map((p) => `${1000 + (p.step % 4)}\t${p.step}\t${p.value}\t${p.wallTime}\t0\n`)
      .join('');
    await pipeline(
      async function* () {
        yield text;
      },
      client.query(copyFrom(`COPY ${schema}.copy_floor (key_id, step, value, wall_time, flags) FROM STDIN`)),
    );
    await client.query('COMMIT');
  }
  return (calls.length * calls[0].length) / ((performance.now() - start) / 1000);
}

const admin = new pg.Client({ connectionString: URL_BASE });
await admin.connect();
const pointRates = [];
const replayRates = [];
const copyRates = [];
const batchRates = [];
const schemas = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const schema = `${prefix}_${run}`;
    schemas.push(schema);
    const store = await openStore(uriFor(schema));
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
    start = performance.now();
    for (const points of calls) await store.appendMetrics(points);
    replayRates.push((CALLS * POINTS_PER_CALL) / ((performance.now() - start) / 1000));
    copyRates.push(await copyRate(admin, schema, calls));

    const batches = Array.from({ length: BATCHES }, (_, i) => lineageBatch(run, i));
    start = performance.now();
    for (const batch of batches) await store.putLineage(batch);
    batchRates.push(BATCHES / ((performance.now() - start) / 1000));
    await store.close();
  }
} finally {
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}
const fmt = (xs) => xs.map((x) => Math.round(x).toLocaleString('en-US')).join(', ');
const m = (xs) => Math.round(median(xs)).toLocaleString('en-US');
console.log(
  `metric points/s (${CALLS} appendMetrics calls of ${POINTS_PER_CALL} points): median ${m(pointRates)} [${fmt(pointRates)}]`,
);
console.log(`the same calls replayed (upsert, overwrite): median ${m(replayRates)} [${fmt(replayRates)}]`);
console.log(`raw COPY floor, same rows, same table layout: median ${m(copyRates)} [${fmt(copyRates)}]`);
console.log(
  `appendMetrics / COPY: ${(median(pointRates) / median(copyRates)).toFixed(2)} (ratio of medians)`,
);
console.log(
  `lineage batches/s (one putLineage transaction each): median ${m(batchRates)} [${fmt(batchRates)}]`,
);
