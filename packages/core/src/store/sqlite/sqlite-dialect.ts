import type { SqlStoreDialect } from '../sql/driver.js';
import { multiRowUpsert } from '../sql/multi-row-upsert.js';

/** SQLite's limit on bound values per statement (SQLITE_MAX_VARIABLE_NUMBER since 3.32). */
const SQLITE_MAX_VARIABLES = 32_766;

/** A blob (or text) column's bytes as hex, NULL staying NULL (hex() would give ''). */
const hex = (column: string) => `CASE WHEN ${column} IS NOT NULL THEN hex(${column}) END`;

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
  // SQLite's JSON writes every REAL so that it reads back as the same double (-0 aside, which
  // SQLite's storage already turns into 0) and infinities as 9e999; 'NaN' stays text. It refuses
  // blobs, so text another client stored as one is cast (its bytes read as UTF-8, as before).
  // Rows without blobs (nearly all) leave the two hex cells out: hex() is a third of the cost.
  propertyArray: (p) => {
    const values = `${p}.name, ${p}.is_custom_property, ${p}.int_value, ${p}.double_value, CAST(${p}.string_value AS TEXT), ${p}.bool_value`;
    return `json_group_array(CASE WHEN ${p}.proto_value IS NULL AND ${p}.byte_value IS NULL THEN json_array(${values}) ELSE json_array(${values}, ${hex(`${p}.proto_value`)}, ${hex(`${p}.byte_value`)}) END)`;
  },
  jsonArray: (values) => `json_array(${values.join(', ')})`,
  // Multi-row statements: better-sqlite3's cost is mostly per statement, not per row.
  bulkUpsert: (spec, rows) => multiRowUpsert(spec, rows, () => '?', SQLITE_MAX_VARIABLES),
};
