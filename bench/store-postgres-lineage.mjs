// Lineage query latency on a generated PostgreSQL store of 1M artifacts, 100k executions and
// 2M events, built with generate_series in a few INSERT ... SELECT statements (through the
// store's own schema), then queried through the public API. The same graph shape as
// bench/store-lineage.mjs (SQLite): 5,000 pipelines of 20 executions; each execution reads the
// 10 artifacts its predecessor wrote and writes 10 new ones; a pipeline's first execution reads
// the 10 outputs of another pipeline's end.
// Also measured, side by side: the same upstream walk as one recursive CTE (ids only), to
// check that the store's batched BFS (one query per hop and direction) is the faster choice.
// Usage: npm run build -w @mlmeta/core && node bench/store-postgres-lineage.mjs [runs]
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { openStore } from '../packages/core/dist/index.js';

const require = createRequire(new URL('../packages/core/package.json', import.meta.url));
const pg = require('pg');

const URL_BASE = process.env.MLMETA_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const RUNS = Number(process.argv[2] ?? 5);
const QUERIES_PER_RUN = 20;
const EXECUTIONS = 100_000;
const PER_PIPELINE = 20;
const FAN = 10;
const PIPELINES = EXECUTIONS / PER_PIPELINE;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const schema = `mlmeta_bench_lineage_${randomBytes(3).toString('hex')}`;
const url = new URL(URL_BASE);
url.searchParams.set('schema', schema);
const admin = new pg.Client({ connectionString: URL_BASE });
await admin.connect();
try {
  const setup = await openStore(url.toString());
  const [datasetType, trainType] = await setup.putTypes([
    { kind: 'artifact', name: 'bench.Dataset', baseType: 'mlmd.Dataset' },
    { kind: 'execution', name: 'bench.Train', baseType: 'mlmd.Train', properties: { epochs: 'INT' } },
  ]);
  await setup.close();

  let started = performance.now();
  const now = Date.now();
  await admin.query(`SET search_path TO ${schema}`);
  await admin.query('BEGIN');
  await admin.query(
    `INSERT INTO Execution (id, type_id, last_known_state, external_id, create_time_since_epoch, last_update_time_since_epoch)
     SELECT e, $1, 3, 'run-' || e, $2, $2 FROM generate_series(1, ${EXECUTIONS}) e`,
    [trainType, now],
  );
  await admin.query(
    `INSERT INTO ExecutionProperty (execution_id, name, is_custom_property, int_value)
     SELECT e, 'epochs', 0, 10 FROM generate_series(1, ${EXECUTIONS}) e`,
  );
  await admin.query(
    `INSERT INTO Artifact (id, type_id, uri, state, external_id, create_time_since_epoch, last_update_time_since_epoch)
     SELECT a, $1, 'file:///data/' || a, 2, 'a-' || a, $2, $2 FROM generate_series(1, ${EXECUTIONS * FAN}) a`,
    [datasetType, now],
  );
  // Outputs: execution e writes artifacts (e-1)*10+1 .. e*10.
  await admin.query(
    `INSERT INTO Event (artifact_id, execution_id, type, milliseconds_since_epoch)
     SELECT a, (a - 1) / ${FAN} + 1, 4, $1 FROM generate_series(1, ${EXECUTIONS * FAN}) a`,
    [now],
  );
  // Inputs: the predecessor's outputs, or (first of a pipeline) another pipeline's last outputs.
  await admin.query(
    `INSERT INTO Event (artifact_id, execution_id, type, milliseconds_since_epoch)
     SELECT CASE WHEN (e - 1) % ${PER_PIPELINE} > 0 THEN (e - 2) * ${FAN} + k + 1
                 ELSE ((((e - 1) / ${PER_PIPELINE}) * 7919 + 13) % ${PIPELINES} * ${PER_PIPELINE} + ${PER_PIPELINE - 1}) * ${FAN} + k + 1 END,
            e, 3, $1
     FROM generate_series(1, ${EXECUTIONS}) e, generate_series(0, ${FAN - 1}) k`,
    [now],
  );
  for (const table of ['artifact', 'execution', 'event']) {
    await admin.query(
      `SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`,
    );
  }
  await admin.query('COMMIT');
  await admin.query('ANALYZE');
  const built = (performance.now() - started) / 1000;
  const count = async (table) => Number((await admin.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  console.log(
    `generated ${(await count('Artifact')).toLocaleString('en-US')} artifacts, ${(await count('Execution')).toLocaleString('en-US')} executions, ${(await count('Event')).toLocaleString('en-US')} events in ${built.toFixed(1)} s`,
  );

  const store = await openStore(url.toString(), { readOnly: true });
  const models = Array.from({ length: QUERIES_PER_RUN }, (_, i) => {
    const pipeline = Math.floor((i * 7919) % PIPELINES);
    return (pipeline * PER_PIPELINE + PER_PIPELINE - 1) * FAN + 1;
  });
  const mids = models.map((id) => id - 10 * FAN);
  const measure = async (label, starts, query) => {
    const medians = [];
    let size = '';
    for (let run = 0; run < RUNS; run++) {
      const times = [];
      for (const id of run === 0 ? starts.slice(0, 3) : []) await query(id); // warm-up
      for (let i = 0; i < QUERIES_PER_RUN; i++) {
        started = performance.now();
        size = await query(starts[i]);
        times.push(performance.now() - started);
      }
      medians.push(median(times));
    }
    console.log(
      `${label}: median ${median(medians).toFixed(2)} ms per query (${size}) [run medians ${medians.map((m) => m.toFixed(2)).join(', ')}]`,
    );
  };
  const viaStore = (direction) => async (id) => {
    const graph = await store.getLineage({ start: { artifacts: { ids: [id] } }, direction, maxHops: 20 });
    return `${graph.artifacts.length + graph.executions.length} full nodes returned`;
  };
  await measure('store.getLineage, 20-hop upstream from a model (batched BFS)', models, viaStore('upstream'));
  await measure('store.getLineage, 20-hop both ways from a mid-pipeline artifact', mids, viaStore('both'));
  // One hop = artifact → execution or execution → artifact, as in the store's walk.
  await measure('recursive CTE, 20-hop upstream from a model (ids only)', models, async (id) => {
    const { rows } = await admin.query(
      `WITH RECURSIVE walk(kind, id, hop) AS (
         SELECT 'a'::text, $1::int, 0
         UNION
         SELECT CASE w.kind WHEN 'a' THEN 'e' ELSE 'a' END,
                CASE w.kind WHEN 'a' THEN ev.execution_id ELSE ev.artifact_id END, w.hop + 1
         FROM walk w JOIN Event ev
           ON (w.kind = 'a' AND ev.artifact_id = w.id AND ev.type IN (1, 4, 6, 7))
           OR (w.kind = 'e' AND ev.execution_id = w.id AND ev.type IN (2, 3, 5))
         WHERE w.hop < 20)
       SELECT DISTINCT kind, id FROM walk`,
      [id],
    );
    return `${rows.length} ids`;
  });
  await store.close();
} finally {
  await admin.query('ROLLBACK').catch(() => {});
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}
