// Round trips per recorded run on PostgreSQL: how many statements one run's putLineage sends
// (the peers' workload, bench/peers/workload.mjs), counted at the pg driver, by statement. A
// count does not depend on the machine's load, unlike the runs/s that bench/peers/mlmd.mjs
// measures; each statement is one round trip to the server.
// Usage: npm run build && node bench/store-postgres-statements.mjs   (RUNS=<n>, default 50)
import { createRequire } from 'node:module';
import { openStore } from '../packages/core/dist/index.js';
import { generateRuns, lineageBatch } from './peers/workload.mjs';

const require = createRequire(new URL('../packages/core/package.json', import.meta.url));
const pg = require('pg');
const URL_ = process.env.MLMETA_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const RUNS = Number(process.env.RUNS ?? 50);

const byStatement = new Map();
let counting = false;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  if (counting) {
    const text = typeof config === 'string' ? config : (config?.text ?? config?.name ?? '?');
    const key = text.replace(/\$\d+/g, '$').slice(0, 100);
    byStatement.set(key, (byStatement.get(key) ?? 0) + 1);
  }
  return query.call(this, config, ...rest);
};

const schema = `bench_statements_${process.pid}`;
const admin = new pg.Client(URL_);
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
const store = await openStore(`${URL_}${URL_.includes('?') ? '&' : '?'}schema=${schema}`);
try {
  const runs = generateRuns({ count: RUNS + 10, prefix: 'count' });
  // The first runs declare the types and the shared datasets: steady state is what counts.
  for (const run of runs.slice(0, 10)) await store.putLineage(lineageBatch(run));
  counting = true;
  for (const run of runs.slice(10)) await store.putLineage(lineageBatch(run));
  counting = false;
  const total = [...byStatement.values()].reduce((a, b) => a + b, 0);
  console.log(`statements per run: ${(total / RUNS).toFixed(1)} (${RUNS} runs)`);
  for (const [sql, n] of [...byStatement].sort((a, b) => b[1] - a[1])) {
    console.log(`${(n / RUNS).toFixed(2).padStart(6)}  ${sql}`);
  }
} finally {
  await store.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}
