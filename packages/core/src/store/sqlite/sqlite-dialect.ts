import type { SqlStoreDialect } from '../sql/driver.js';
import { multiRowUpsert } from '../sql/multi-row-upsert.js';

/** SQLite's limit on bound values per statement (SQLITE_MAX_VARIABLE_NUMBER since 3.32). */
const SQLITE_MAX_VARIABLES = 32_766;

/**
 * SQLite's side of the shared SQL. Id lists travel as one JSON text parameter expanded by
 * json_each, so a statement is prepared once whatever the list length (and never hits
 * SQLite's bound-variable limit).
 */
export const sqliteDialect: SqlStoreDialect = {
  name: 'sqlite',
  placeholder: () => '?',
  idSet: (placeholder) => `(SELECT value FROM json_each(${placeholder}))`,
  idSetParam: (ids) => JSON.stringify(ids),
  tableExistsSql: (placeholder) =>
    `SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND lower(name) = lower(${placeholder})`,
  autoIdColumn: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  doubleType: 'DOUBLE',
  blobType: 'BLOB',
  flagType: 'SMALLINT',
  bigintType: 'INTEGER',
  clusteredTableOption: 'WITHOUT ROWID',
  // Multi-row statements: better-sqlite3's cost is mostly per statement, not per row.
  bulkUpsert: (spec, rows) => multiRowUpsert(spec, rows, () => '?', SQLITE_MAX_VARIABLES),
};
