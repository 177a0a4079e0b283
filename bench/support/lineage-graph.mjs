// The generated lineage graph the lineage benchmarks query: 1M artifacts, 100k executions and
// 2M events, written with raw SQL through the store's own schema (MLMD's v10 layout), so that
// mlmeta and MLMD's own client can be pointed at the very same store.
// Shape: 5,000 pipelines of 20 executions; each execution reads the 10 artifacts its
// predecessor wrote and writes 10 new ones; a pipeline's first execution reads the 10 outputs
// of another pipeline's end (so walks cross pipelines, as reuse of data does in practice).
import { createRequire } from 'node:module';
import { openStore } from '../../packages/core/dist/index.js';

const require = createRequire(new URL('../../packages/core/package.json', import.meta.url));

export const EXECUTIONS = 100_000;
export const PER_PIPELINE = 20;
export const FAN = 10;
export const PIPELINES = EXECUTIONS / PER_PIPELINE;

const GRAPH_TYPES = [
  { kind: 'artifact', name: 'bench.Dataset', baseType: 'mlmd.Dataset' },
  { kind: 'execution', name: 'bench.Train', baseType: 'mlmd.Train', properties: { epochs: 'INT' } },
];

/** The first output of `count` pipelines' last executions ("models"), spread over the graph. */
export function modelIds(count) {
  return Array.from({ length: count }, (_, i) => {
    const pipeline = Math.floor((i * 7919) % PIPELINES);
    return (pipeline * PER_PIPELINE + PER_PIPELINE - 1) * FAN + 1;
  });
}

/** Which pipeline's end feeds pipeline `p`'s first execution. */
const feeder = (p) => (p * 7919 + 13) % PIPELINES;

/** Builds the graph in a new SQLite store at `path` (mlmeta creates the schema first). */
export async function buildSqliteGraph(path) {
  const setup = await openStore(`sqlite:${path}`);
  const [datasetType, trainType] = await setup.putTypes(GRAPH_TYPES);
  await setup.close();
  const Database = require('better-sqlite3');
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
      const from = position > 0 ? e - 1 : feeder(e / PER_PIPELINE) * PER_PIPELINE + PER_PIPELINE - 1;
      for (let k = 0; k < FAN; k++) insertEvent.run(from * FAN + k + 1, executionId, 3, now);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/**
 * Builds the same graph in the PostgreSQL store `uri` (created by mlmeta first) with
 * generate_series, through `client` (a connected pg.Client whose search_path is the store's).
 */
export async function buildPostgresGraph(uri, client) {
  const setup = await openStore(uri);
  const [datasetType, trainType] = await setup.putTypes(GRAPH_TYPES);
  await setup.close();
  const now = Date.now();
  await client.query('BEGIN');
  await client.query(
    `INSERT INTO Execution (id, type_id, last_known_state, external_id, create_time_since_epoch, last_update_time_since_epoch)
     SELECT e, $1, 3, 'run-' || e, $2, $2 FROM generate_series(1, ${EXECUTIONS}) e`,
    [trainType, now],
  );
  await client.query(
    `INSERT INTO ExecutionProperty (execution_id, name, is_custom_property, int_value)
     SELECT e, 'epochs', false, 10 FROM generate_series(1, ${EXECUTIONS}) e`,
  );
  await client.query(
    `INSERT INTO Artifact (id, type_id, uri, state, external_id, create_time_since_epoch, last_update_time_since_epoch)
     SELECT a, $1, 'file:///data/' || a, 2, 'a-' || a, $2, $2 FROM generate_series(1, ${EXECUTIONS * FAN}) a`,
    [datasetType, now],
  );
  // Outputs: execution e writes artifacts (e-1)*10+1 .. e*10.
  await client.query(
    `INSERT INTO Event (artifact_id, execution_id, type, milliseconds_since_epoch)
     SELECT a, (a - 1) / ${FAN} + 1, 4, $1 FROM generate_series(1, ${EXECUTIONS * FAN}) a`,
    [now],
  );
  // Inputs: the predecessor's outputs, or (first of a pipeline) the feeding pipeline's last outputs.
  await client.query(
    `INSERT INTO Event (artifact_id, execution_id, type, milliseconds_since_epoch)
     SELECT CASE WHEN (e - 1) % ${PER_PIPELINE} > 0 THEN (e - 2) * ${FAN} + k + 1
                 ELSE ((((e - 1) / ${PER_PIPELINE}) * 7919 + 13) % ${PIPELINES} * ${PER_PIPELINE} + ${PER_PIPELINE - 1}) * ${FAN} + k + 1 END,
            e, 3, $1
     FROM generate_series(1, ${EXECUTIONS}) e, generate_series(0, ${FAN - 1}) k`,
    [now],
  );
  for (const table of ['artifact', 'execution', 'event']) {
    await client.query(
      `SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`,
    );
  }
  await client.query('COMMIT');
  await client.query('ANALYZE');
}
