/**
 * A bulk upsert as multi-row `INSERT ... VALUES (...), (...) ON CONFLICT ...` statements, for
 * databases where much of a one-row statement's cost is per statement (SQLite through
 * better-sqlite3: a row of a 256-row statement took 0.6–0.9 of the CPU time of a one-row
 * statement here; see docs/BENCHMARKS.md, "Store (SQLite)"). The SQL is the same in SQLite and
 * PostgreSQL; only the placeholders differ.
 */
import { type BulkUpsert, upsertConflictClause } from './driver.js';

/** Rows per statement at most: past this, CPU time per row measured flat on SQLite 3.53. */
export const MULTI_ROW_MAX_ROWS = 256;

const statementText = new Map<string, string>();

function upsertSql(
  spec: BulkUpsert,
  rowsPerStatement: number,
  placeholder: (index: number) => string,
): string {
  const names = spec.columns.map(([name]) => name).join(', ');
  const cacheKey = `${spec.table}(${names})${spec.key.join(',')}:${rowsPerStatement}:${placeholder(1)}`;
  let sql = statementText.get(cacheKey);
  if (sql === undefined) {
    const tuples: string[] = [];
    for (let row = 0, n = 1; row < rowsPerStatement; row++) {
      tuples.push(`(${spec.columns.map(() => placeholder(n++)).join(', ')})`);
    }
    sql = `INSERT INTO ${spec.table} (${names}) VALUES ${tuples.join(', ')} ${upsertConflictClause(spec)}`;
    statementText.set(cacheKey, sql);
  }
  return sql;
}

/**
 * The `{ sql, rows }` of `SqlStoreDialect.bulkUpsert` as multi-row statements: each returned row
 * is one statement's flat parameter list. Rows are spread evenly over as few statements as
 * `MULTI_ROW_MAX_ROWS` and `maxBoundValues` allow, so one statement text serves the whole call;
 * the last statement is filled up with copies of the last row, which rewrite that row with the
 * same values (later rows win, as if written one by one; SQLite allows a statement to upsert one
 * row twice, PostgreSQL does not, so PostgreSQL uses its own unnest form).
 *
 * @example
 * multiRowUpsert(spec, [[1, 0, 0.5], [1, 1, 0.4]], () => '?', 32_766);
 * // { sql: 'INSERT INTO t (a, b, c) VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT ...', rows: [[1, 0, 0.5, 1, 1, 0.4]] }
 */
export function multiRowUpsert(
  spec: BulkUpsert,
  rows: readonly (readonly unknown[])[],
  placeholder: (index: number) => string,
  maxBoundValues: number,
): { sql: string; rows: unknown[][] } {
  const width = spec.columns.length;
  const limit = Math.max(1, Math.min(MULTI_ROW_MAX_ROWS, Math.floor(maxBoundValues / width)));
  const statements = Math.max(1, Math.ceil(rows.length / limit));
  const perStatement = Math.max(1, Math.ceil(rows.length / statements));
  const params: unknown[][] = [];
  const last = rows.length - 1;
  for (let s = 0; s < statements && last >= 0; s++) {
    const flat: unknown[] = new Array(perStatement * width);
    for (let r = 0, v = 0; r < perStatement; r++) {
      const row = rows[Math.min(s * perStatement + r, last)]!;
      for (let c = 0; c < width; c++) flat[v++] = row[c];
    }
    params.push(flat);
  }
  return { sql: upsertSql(spec, perStatement, placeholder), rows: params };
}
