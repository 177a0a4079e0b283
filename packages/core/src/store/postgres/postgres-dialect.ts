import type { SqlStoreDialect } from '../sql/driver.js';

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
  bigintType: 'BIGINT',
  // PostgreSQL has no index-organized tables; the primary key index serves the same reads.
  clusteredTableOption: '',
};
