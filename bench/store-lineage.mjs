// Lineage query latency on a generated SQLite store of 1M artifacts, 100k executions and 2M
// events. The store is built with raw SQL in one transaction (through the store's own schema),
// then queried through the public API.
// Shape: 5,000 pipelines of 20 executions; each execution reads the 10 artifacts its
// predecessor wrote and writes 10 new ones; a pipeline's first execution reads 10 artifacts
// from other pipelines' ends (so walks cross pipelines, as reuse of data does in practice).
// Usage: npm run build -w @mlmeta/core && node bench/store-lineage.mjs [runs]
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../packages/core/dist/index.js';
import { median } from './support/workload.mjs';

const require = createRequire(new URL('../packages/core/package.json', import.meta.url));
const Database = require('better-sqlite3');

const RUNS = Number(process.argv[2] ?? 5);
const QUERIES_PER_RUN = 20;
const EXECUTIONS = 100_000;
const PER_PIPELINE = 20;
const FAN = 10;

// A small deterministic generator, so every run of the benchmark queries the same graph.
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-bench-lineage-'));
const path = join(dir, 'lineage.db');
try {
  const setup = await openStore(`sqlite:${path}`);
  const [datasetType, trainType] = await setup.putTypes([
    { kind: 'artifact', name: 'bench.Dataset', baseType: 'mlmd.Dataset' },
    { kind: 'execution', name: 'bench.Train', baseType: 'mlmd.Train', properties: { epochs: 'INT' } },
  ]);
  await setup.close();

  let started = performance.now();
  const db = new Database(path);
  db.pragma('synchronous = OFF');
  const insertArtifact = db.prepare(
    'INSERT INTO Artifact (id, type_id, uri, state, external_id, create_time_since_epoch, last_update_time_since_epoch) VALUES (?, ?, ?, 2, ?, ?, ?)',
  );
  const insertExecution = db.prepare(
    'INSERT INTO Execution (id, type_id, last_known_state, external_id, create_time_since_epoch, last_update_time_since_epoch) VALUES (?, ?, 3, ?, ?, ?)',
  );
  const insertProperty = db.prepare(
    'INSERT INTO ExecutionProperty (execution_id, name, is_custom_property, int_value) VALUES (?, ?, 0, ?)',
  );
  const insertEvent = db.prepare(
    'INSERT INTO Event (artifact_id, execution_id, type, milliseconds_since_epoch) VALUES (?, ?, ?, ?)',
  );
  const now = Date.now();
  db.transaction(() => {
    for (let e = 0; e < EXECUTIONS; e++) {
      const executionId = e + 1;
      insertExecution.run(executionId, trainType, `run-${executionId}`, now, now);
      insertProperty.run(executionId, 'epochs', 10);
      for (let k = 0; k < FAN; k++) {
        const artifactId = e * FAN + k + 1;
        insertArtifact.run(
          artifactId,
          datasetType,
          `file:///data/${artifactId}`,
          `a-${artifactId}`,
          now,
          now,
        );
        insertEvent.run(artifactId, executionId, 4, now);
      }
      const position = e % PER_PIPELINE;
      for (let k = 0; k < FAN; k++) {
        const input =
          position > 0
            ? (e - 1) * FAN + k + 1
            : (Math.floor(random() * (EXECUTIONS / PER_PIPELINE)) * PER_PIPELINE + PER_PIPELINE - 1) * FAN +
              k +
              1;
        insertEvent.run(input, executionId, 3, now);
      }
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
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
  const models = Array.from({ length: QUERIES_PER_RUN }, (_, i) => {
    const pipeline = Math.floor((i * 7919) % (EXECUTIONS / PER_PIPELINE));
    return (pipeline * PER_PIPELINE + PER_PIPELINE - 1) * FAN + 1;
  });
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
