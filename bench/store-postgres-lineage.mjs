// Lineage query latency on a generated PostgreSQL store of 1M artifacts, 100k executions and
// 2M events, built with generate_series in a few INSERT ... SELECT statements (through the
// store's own schema), then queried through the public API. The same graph shape as
// bench/store-lineage.mjs (SQLite): 5,000 pipelines of 20 executions; each execution reads the
// 10 artifacts its predecessor wrote and writes 10 new ones; a pipeline's first execution reads
// the 10 outputs of another pipeline's end.
// The store walks in one statement (a recursive CTE per direction, then the batched node
// loaders). Measured side by side: the bare recursive CTE returning ids only (the floor), and,
// on a lattice with many converging paths and skip connections (each node reachable at several
// hop counts), the store's CTE against a plpgsql function running the exact BFS server-side with
// visited arrays: time per walk, and whether both reach the same nodes.
// Usage: npm run build -w @mlmeta/core && node bench/store-postgres-lineage.mjs [runs]
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { openStore } from '../packages/core/dist/index.js';
import { buildPostgresGraph, EXECUTIONS, FAN, modelIds } from './support/lineage-graph.mjs';
import { median } from './support/workload.mjs';

const require = createRequire(new URL('../packages/core/package.json', import.meta.url));
const pg = require('pg');

const URL_BASE = process.env.MLMETA_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const RUNS = Number(process.argv[2] ?? 5);
const QUERIES_PER_RUN = 20;
// The converging lattice: LAYERS × WIDTH executions above the pipelines' id ranges.
const LAYERS = 40;
const WIDTH = 250;
const LATTICE_A = EXECUTIONS * FAN;
const LATTICE_E = EXECUTIONS;

const schema = `mlmeta_bench_lineage_${randomBytes(3).toString('hex')}`;
const url = new URL(URL_BASE);
url.searchParams.set('schema', schema);
const admin = new pg.Client({ connectionString: URL_BASE });
await admin.connect();
try {
  let started = performance.now();
  await admin.query(`SET search_path TO ${schema}`);
  await buildPostgresGraph(url.toString(), admin);
  const [datasetType, trainType] = (
    await admin.query(`SELECT id FROM Type WHERE name IN ('bench.Dataset', 'bench.Train') ORDER BY name`)
  ).rows.map((r) => r.id);
  const now = Date.now();
  await admin.query('BEGIN');
  // Lattice: execution (k, j) reads artifacts (k-1, j), (k-1, j+1) and (k-3, j+5), writes (k, j).
  const latticeA = (k, j) => `${LATTICE_A} + (${k}) * ${WIDTH} + ((${j}) + ${WIDTH}) % ${WIDTH} + 1`;
  await admin.query(
    `INSERT INTO Artifact (id, type_id, uri, state, external_id, create_time_since_epoch, last_update_time_since_epoch)
     SELECT ${latticeA('k', 'j')}, $1, 'file:///lattice/' || k || '/' || j, 2, 'l-' || k || '-' || j, $2, $2
     FROM generate_series(0, ${LAYERS}) k, generate_series(0, ${WIDTH - 1}) j`,
    [datasetType, now],
  );
  await admin.query(
    `INSERT INTO Execution (id, type_id, last_known_state, external_id, create_time_since_epoch, last_update_time_since_epoch)
     SELECT ${LATTICE_E} + (k - 1) * ${WIDTH} + j + 1, $1, 3, 'l-run-' || k || '-' || j, $2, $2
     FROM generate_series(1, ${LAYERS}) k, generate_series(0, ${WIDTH - 1}) j`,
    [trainType, now],
  );
  await admin.query(
    `INSERT INTO Event (artifact_id, execution_id, type, milliseconds_since_epoch)
     SELECT a, ${LATTICE_E} + (k - 1) * ${WIDTH} + j + 1, t, $1
     FROM generate_series(1, ${LAYERS}) k, generate_series(0, ${WIDTH - 1}) j,
     LATERAL (VALUES (${latticeA('k', 'j')}, 4), (${latticeA('k - 1', 'j')}, 3), (${latticeA('k - 1', 'j + 1')}, 3),
                     (CASE WHEN k >= 3 THEN ${latticeA('k - 3', 'j + 5')} END, 3)) v(a, t)
     WHERE a IS NOT NULL`,
    [now],
  );
  // The exact BFS as a server-side function (the alternative to the store's CTE), for comparison.
  await admin.query(`
    CREATE FUNCTION bench_walk(start_a int[], start_e int[], max_hops int, upstream boolean)
    RETURNS TABLE(kind text, id int, hop int) LANGUAGE plpgsql STABLE AS $$
    DECLARE
      fa int[] := start_a; fe int[] := start_e; sa int[] := start_a; se int[] := start_e;
      na int[]; ne int[]; h int := 0;
      from_a int[] := CASE WHEN upstream THEN ARRAY[1, 4, 6, 7] ELSE ARRAY[2, 3, 5] END;
      from_e int[] := CASE WHEN upstream THEN ARRAY[2, 3, 5] ELSE ARRAY[1, 4, 6, 7] END;
    BEGIN
      RETURN QUERY SELECT 'a'::text, s, 0 FROM unnest(start_a) s;
      RETURN QUERY SELECT 'e'::text, s, 0 FROM unnest(start_e) s;
      WHILE h < max_hops AND cardinality(fa) + cardinality(fe) > 0 LOOP
        h := h + 1;
        SELECT coalesce(array_agg(DISTINCT ev.execution_id), '{}') INTO ne FROM Event ev
          WHERE ev.artifact_id = ANY(fa) AND ev.type = ANY(from_a) AND ev.execution_id NOT IN (SELECT unnest(se));
        SELECT coalesce(array_agg(DISTINCT ev.artifact_id), '{}') INTO na FROM Event ev
          WHERE ev.execution_id = ANY(fe) AND ev.type = ANY(from_e) AND ev.artifact_id NOT IN (SELECT unnest(sa));
        sa := sa || na; se := se || ne; fa := na; fe := ne;
        RETURN QUERY SELECT 'a'::text, s, h FROM unnest(na) s;
        RETURN QUERY SELECT 'e'::text, s, h FROM unnest(ne) s;
      END LOOP;
    END $$`);
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
  const models = modelIds(QUERIES_PER_RUN);
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
  await measure(
    'store.getLineage, 20-hop upstream from a model (one-statement walk)',
    models,
    viaStore('upstream'),
  );
  await measure('store.getLineage, 20-hop both ways from a mid-pipeline artifact', mids, viaStore('both'));
  // One hop = artifact → execution or execution → artifact, as in the store's walk.
  // The store's reach CTE alone: UNION over (kind, id, hop), one lateral index scan per row.
  const viaCte = async (id) => {
    const { rows } = await admin.query(
      `WITH RECURSIVE walk(kind, id, hop) AS (
         SELECT 'a'::text, $1::int, 0
         UNION
         SELECT x.kind, x.id, w.hop + 1 FROM walk w CROSS JOIN LATERAL (
           SELECT 'e'::text AS kind, ev.execution_id AS id FROM Event ev
           WHERE w.kind = 'a' AND ev.artifact_id = w.id AND ev.type IN (1, 4, 6, 7)
           UNION ALL
           SELECT 'a'::text, ev.artifact_id FROM Event ev
           WHERE w.kind = 'e' AND ev.execution_id = w.id AND ev.type IN (2, 3, 5)) x
         WHERE w.hop < 20)
       SELECT DISTINCT kind, id FROM walk`,
      [id],
    );
    return `${rows.length} ids`;
  };
  await measure('bare recursive CTE, 20-hop upstream from a model (ids only)', models, viaCte);

  // The lattice: start from artifacts of the top layer (upstream) and of the middle (both).
  const tops = Array.from(
    { length: QUERIES_PER_RUN },
    (_, i) => LATTICE_A + LAYERS * WIDTH + ((i * 37) % WIDTH) + 1,
  );
  const middles = tops.map((id) => id - (LAYERS / 2) * WIDTH);
  const viaFunction = (upstream) => async (id) => {
    const { rows } = await admin.query(
      'SELECT DISTINCT kind, id FROM bench_walk(ARRAY[$1::int], ARRAY[]::int[], 20, $2)',
      [id, upstream],
    );
    return `${rows.length} ids`;
  };
  await measure(
    'lattice: store.getLineage, 20-hop upstream (CTE walk + full nodes)',
    tops,
    viaStore('upstream'),
  );
  await measure('lattice: bare recursive CTE, same walk (ids only)', tops, viaCte);
  await measure('lattice: plpgsql BFS function, same walk (ids only)', tops, viaFunction(true));
  await measure('lattice: store.getLineage, 20-hop both ways', middles, viaStore('both'));
  // Same nodes? The function's exact BFS against the store's answer, for every start.
  let differ = 0;
  for (const id of [...tops, ...middles]) {
    const both = middles.includes(id);
    const graph = await store.getLineage({
      start: { artifacts: { ids: [id] } },
      direction: both ? 'both' : 'upstream',
      maxHops: 20,
    });
    const fromStore = [
      ...graph.artifacts.map((a) => `a${a.id}`),
      ...graph.executions.map((e) => `e${e.id}`),
    ].sort();
    const ids = new Set();
    for (const upstream of both ? [true, false] : [true]) {
      const { rows } = await admin.query(
        'SELECT kind, id FROM bench_walk(ARRAY[$1::int], ARRAY[]::int[], 20, $2)',
        [id, upstream],
      );
      for (const row of rows) ids.add(`${row.kind}${row.id}`);
    }
    if (JSON.stringify([...ids].sort()) !== JSON.stringify(fromStore)) differ++;
  }
  console.log(`lattice: store walk and plpgsql BFS reach the same nodes for ${40 - differ} of 40 starts`);
  await store.close();
} finally {
  await admin.query('ROLLBACK').catch(() => {});
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}
