// Lineage query latency on a generated SQLite store of 1M artifacts, 100k executions and 2M
// events (bench/support/lineage-graph.mjs: raw SQL in one transaction through the store's own
// schema), then queried through the public API.
// Usage: npm run build -w @mlmeta/core && node bench/store-lineage.mjs [runs]
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../packages/core/dist/index.js';
import { buildSqliteGraph, FAN, modelIds } from './support/lineage-graph.mjs';
import { median } from './support/workload.mjs';

const require = createRequire(new URL('../packages/core/package.json', import.meta.url));
const Database = require('better-sqlite3');

const RUNS = Number(process.argv[2] ?? 5);
const QUERIES_PER_RUN = 20;

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-bench-lineage-'));
const path = join(dir, 'lineage.db');
try {
  let started = performance.now();
  await buildSqliteGraph(path);
  const built = (performance.now() - started) / 1000;

  const store = await openStore(`sqlite:${path}`, { readOnly: true });
  const counts = new Database(path, { readonly: true });
  const count = (table) => counts.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get().n;
  console.log(
    `generated ${count('Artifact').toLocaleString('en-US')} artifacts, ${count('Execution').toLocaleString('en-US')} executions, ${count('Event').toLocaleString('en-US')} events in ${built.toFixed(1)} s`,
  );
  counts.close();

  // Start from the last artifact of a pipeline (a "model"): 20 hops upstream reach 10
  // executions and 100 artifacts back. `both` from a mid-pipeline artifact walks each way.
  const models = modelIds(QUERIES_PER_RUN);
  const mids = models.map((id) => id - 10 * FAN);
  const measure = async (label, queryFor) => {
    const medians = [];
    let nodes = 0;
    for (let run = 0; run < RUNS; run++) {
      const times = [];
      for (const id of run === 0 ? models.slice(0, 3) : []) await store.getLineage(queryFor(id)); // warm-up
      for (let i = 0; i < QUERIES_PER_RUN; i++) {
        const id = label.includes('both') ? mids[i] : models[i];
        started = performance.now();
        const graph = await store.getLineage(queryFor(id));
        times.push(performance.now() - started);
        nodes = graph.artifacts.length + graph.executions.length;
      }
      medians.push(median(times));
    }
    console.log(
      `${label}: median ${median(medians).toFixed(2)} ms per query (${nodes} nodes returned) [run medians ${medians.map((m) => m.toFixed(2)).join(', ')}]`,
    );
  };
  await measure('20-hop upstream from a model', (id) => ({
    start: { artifacts: { ids: [id] } },
    direction: 'upstream',
    maxHops: 20,
  }));
  await measure('20-hop both ways from a mid-pipeline artifact', (id) => ({
    start: { artifacts: { ids: [id] } },
    direction: 'both',
    maxHops: 20,
  }));
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
