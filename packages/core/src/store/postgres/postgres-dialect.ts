import { type BulkUpsert, type SqlStoreDialect, upsertConflictClause } from '../sql/driver.js';
import { prefetchPostgresWalks } from './postgres-lineage.js';

/**
 * Rows per statement of a bulk upsert: big enough that the round trip is noise, small enough
 * that one statement's arrays stay a few MB.
 */
export const BULK_CHUNK_ROWS = 20_000;

/**
 * The last row of each key, in order: ON CONFLICT DO UPDATE may not touch one row twice in a
 * statement (nor may COPY insert a key twice), and the last row is what writing them one by
 * one would leave.
 */
export function lastPerKey(spec: BulkUpsert, rows: readonly (readonly unknown[])[]) {
  const keyAt = spec.key.map((name) => spec.columns.findIndex(([column]) => column === name));
  const last = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) last.set(keyAt.map((k) => String(rows[i]![k])).join('\u0000'), i);
  return last.size === rows.length ? rows : [...last.values()].sort((a, b) => a - b).map((i) => rows[i]!);
}

/** Rows → per-column arrays for `INSERT ... SELECT * FROM unnest(...)`, one statement per chunk. */
function unnestUpsert(spec: BulkUpsert, rows: readonly (readonly unknown[])[]) {
  const kept = lastPerKey(spec, rows);
  const chunks: unknown[][][] = [];
  for (let start = 0; start < kept.length; start += BULK_CHUNK_ROWS) {
    const chunk = kept.slice(start, start + BULK_CHUNK_ROWS);
    chunks.push(spec.columns.map((_, c) => chunk.map((row) => row[c])));
  }
  const arrays = spec.columns.map(([, type], c) => `CAST($${c + 1} AS ${type}[])`).join(', ');
  return {
    sql:
      `INSERT INTO ${spec.table} (${spec.columns.map(([name]) => name).join(', ')}) ` +
      `SELECT * FROM unnest(${arrays}) ${upsertConflictClause(spec)}`,
    rows: chunks,
  };
}

/**
 * PostgreSQL's side of the shared SQL. Id lists travel as one int array parameter expanded by
 * unnest, so a statement's text is the same whatever the list length (one cached plan, and no
 * 65,535-parameter limit). Ids are SERIAL (int4) as in MLMD's own PostgreSQL schema, so node-pg
 * returns them as numbers.
 */
export const postgresDialect: SqlStoreDialect = {
  name: 'postgres',
  placeholder: (index) => `$${index}`,
  idSet: (placeholder) => `(SELECT unnest(CAST(${placeholder} AS int[])))`,
  idSetParam: (ids) => ids,
  // current_schema() is where this connection creates tables (the first schema of search_path).
  tableExistsSql: (placeholder) =>
    'SELECT 1 AS present FROM information_schema.tables ' +
    `WHERE table_schema = current_schema() AND table_name = lower(${placeholder})`,
  autoIdColumn: 'SERIAL PRIMARY KEY',
  doubleType: 'DOUBLE PRECISION',
  blobType: 'BYTEA',
  flagType: 'BOOLEAN',
  bigintType: 'BIGINT',
  // PostgreSQL has no index-organized tables; the primary key index serves the same reads.
  clusteredTableOption: '',
  bulkUpsert: unnestUpsert,
  // json, not jsonb: node-pg parses it; NaN and infinities come as the strings "NaN", "Infinity".
  propertyArray: (p) =>
    `json_agg(json_build_array(${p}.name, ${p}.is_custom_property, ${p}.int_value, ${p}.double_value, ${p}.string_value, ${p}.bool_value, encode(${p}.proto_value, 'hex'), encode(${p}.byte_value, 'hex')))`,
  jsonArray: (values) => `json_build_array(${values.join(', ')})`,
  // Each round trip costs a few ms; a walk of twenty hops is one statement instead of forty.
  prefetchWalks: prefetchPostgresWalks,
};
