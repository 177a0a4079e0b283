/**
 * The shared contract between the SQL that every relational backend runs (this folder) and the
 * per-database driver (store/sqlite/, store/postgres/). Shaped like Kysely's dialect contract:
 * what differs between databases is named here once, everything else is written once.
 */
import { MAX_ID } from '../../model/limits.js';
import { MlmetaError } from '../errors.js';
import type { Direction, LineageWalks, WalkSteps } from './lineage.js';

/** One row as the driver returns it: column name → value. */
export type Row = Record<string, unknown>;

/** What differs in SQL text between databases. */
export interface SqlStoreDialect {
  readonly name: 'sqlite' | 'postgres';
  /** The n-th (1-based) bind placeholder: sqlite `?`, postgres `$1`. */
  placeholder(index: number): string;
  /** A subquery yielding the ids bound at `placeholder`, so one statement serves any list length. */
  idSet(placeholder: string): string;
  /** The bind value for `idSet`. */
  idSetParam(ids: readonly number[]): unknown;
  /** A query returning a row when the table named by the bound parameter exists. */
  tableExistsSql(placeholder: string): string;
  /** Column type of an auto-increment primary key. */
  readonly autoIdColumn: string;
  readonly doubleType: string;
  readonly blobType: string;
  /** MLMD's type for its yes/no columns (is_custom_property, is_index_step): BOOLEAN on PostgreSQL. */
  readonly flagType: string;
  readonly bigintType: string;
  /** Appended to CREATE TABLE for tables read by primary key only (SQLite: WITHOUT ROWID). */
  readonly clusteredTableOption: string;
  /**
   * An aggregate over property rows aliased `p`: one JSON array (text, or parsed by the driver)
   * holding, per row, `[name, is_custom_property, int_value, double_value, string_value,
   * bool_value, proto_value as hex, byte_value as hex]` (the last two may be left out when
   * NULL); empty or NULL when there are none.
   * A node's properties then cross into JavaScript as one value instead of nine per row, which
   * is most of what listing nodes costs on better-sqlite3.
   */
  propertyArray(p: string): string;
  /**
   * A JSON array of the SQL expressions `values` (SQLite `json_array`, PostgreSQL
   * `json_build_array`): a row crosses into JavaScript as one value instead of one per column.
   */
  jsonArray(values: readonly string[]): string;
  /**
   * The statement and parameter rows that upsert `rows` through `runMany`: SQLite runs a
   * prepared one-row statement per row; PostgreSQL binds each column as one typed array, so a
   * chunk of many thousand rows is one round trip. A later row wins over an earlier one with
   * the same key, as if they were written one by one.
   */
  bulkUpsert(
    spec: BulkUpsert,
    rows: readonly (readonly unknown[])[],
  ): { sql: string; rows: readonly (readonly unknown[])[] };
  /**
   * Optional: compute every step of a lineage walk in one statement, for databases where a
   * round trip per hop costs more than the walk (PostgreSQL). Resolves to undefined when the
   * walk is too large to fetch whole; lineage.ts then queries hop by hop, as it does without it.
   */
  prefetchWalks?(db: SqlExecutor, walks: LineageWalks): Promise<Map<Direction, WalkSteps> | undefined>;
}

/** A table to upsert many rows into (see `SqlStoreDialect.bulkUpsert`). */
export interface BulkUpsert {
  table: string;
  /** Column names and SQL types, in the order of each row's values. */
  columns: readonly (readonly [name: string, type: string])[];
  /** The columns of the unique key; on conflict, the other columns take the new values. */
  key: readonly string[];
}

/** `ON CONFLICT (key) DO UPDATE SET ...` for a bulk upsert: the same text on both databases. */
export function upsertConflictClause(spec: BulkUpsert): string {
  const updates = spec.columns
    .map(([name]) => name)
    .filter((name) => !spec.key.includes(name))
    .map((name) => `${name} = excluded.${name}`);
  return `ON CONFLICT (${spec.key.join(', ')}) DO UPDATE SET ${updates.join(', ')}`;
}

/** Runs statements on one connection (inside or outside a transaction). */
export interface SqlExecutor {
  readonly dialect: SqlStoreDialect;
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  get(sql: string, params?: readonly unknown[]): Promise<Row | undefined>;
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Run one statement for many parameter rows (bulk inserts); call inside a transaction. Rows
   * must hold bindable values already (numbers, strings, null): this is the hot path.
   */
  runMany(sql: string, rows: readonly (readonly unknown[])[]): Promise<void>;
  /**
   * Optional: upsert many rows by the driver's own bulk path (PostgreSQL: COPY when the keys are
   * new); call inside a transaction. Without it, `dialect.bulkUpsert` through `runMany` serves.
   */
  upsertMany?(spec: BulkUpsert, rows: readonly (readonly unknown[])[]): Promise<void>;
  /** Run a script of several statements without parameters (DDL). */
  exec(script: string): Promise<void>;
}

export interface SqlDriver extends SqlExecutor {
  readonly readOnly: boolean;
  /**
   * Run `fn` in one write transaction (SQLite: BEGIN IMMEDIATE, so two writers never deadlock on a
   * lock upgrade). Any throw rolls everything back.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Run `fn` with the connection to itself, serialized with transactions (consistent reads). */
  read<T>(fn: (db: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Builds one statement's parameter list while the SQL text is written, so placeholders are
 * numbered correctly for either dialect and user text only ever becomes a parameter.
 */
export class Params {
  readonly values: unknown[] = [];
  constructor(readonly dialect: SqlStoreDialect) {}

  /** Bind a value; returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return this.dialect.placeholder(this.values.length);
  }

  /**
   * Bind a list of ids as one parameter; returns a subquery usable after `IN`. Every id list a
   * read binds passes here, so an id no table can hold is one clear error on every backend
   * (PostgreSQL's INT columns would otherwise fail the statement with a driver error).
   */
  ids(ids: readonly number[]): string {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 1 || id > MAX_ID) {
        throw new MlmetaError(
          'INVALID_ARGUMENT',
          `id ${String(id).slice(0, 40)} is out of range: store ids are integers from 1 to ${MAX_ID}`,
        );
      }
    }
    return this.dialect.idSet(this.add(this.dialect.idSetParam(ids)));
  }

  /** The index the next bound value will get (for compilers that number their own placeholders). */
  get nextIndex(): number {
    return this.values.length + 1;
  }
}
