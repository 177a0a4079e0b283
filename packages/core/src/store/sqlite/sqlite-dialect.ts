import type { SqlStoreDialect } from '../sql/driver.js';

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
  bigintType: 'INTEGER',
  clusteredTableOption: 'WITHOUT ROWID',
};
