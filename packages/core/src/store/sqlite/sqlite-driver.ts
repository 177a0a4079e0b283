/**
 * One better-sqlite3 connection behind the shared `SqlDriver` contract: WAL, a generous busy
 * timeout, BEGIN IMMEDIATE for every write, and an in-process queue so that calls from one
 * process never interleave inside a transaction.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { MlmetaError } from '../errors.js';
import type { Row, SqlDriver, SqlExecutor, SqlStoreDialect } from '../sql/driver.js';
import { sqliteDialect } from './sqlite-dialect.js';
import { openReadOnlyDatabase } from './sqlite-read-only.js';

/**
 * How long one statement waits for another process's lock. MLMD gives up after 10 quick
 * retries; a training job writing next to nine others must not, so this is generous and
 * BEGIN IMMEDIATE is retried on top of it.
 */
export const BUSY_TIMEOUT_MS = 10_000;
const BEGIN_ATTEMPTS = 6;
/**
 * Lineage walks and node loads jump around a large file: reading it through a memory map saves
 * a read() call per page, and a larger page cache keeps the index pages a walk revisits. The map
 * is address space, not memory; SQLite maps no more than the file's size.
 */
const MMAP_BYTES = 1 << 30;
const CACHE_KIB = 32 * 1024;

export interface SqliteDriverOptions {
  readOnly?: boolean;
  /** Page cache size in KiB; default 32 MiB (CACHE_KIB). */
  pageCacheKiB?: number;
}

type Bindable = number | bigint | string | Buffer | null;

function bindable(values: readonly unknown[]): Bindable[] {
  return values.map((v) => {
    if (v === undefined || v === null) return null;
    if (typeof v === 'boolean') return v ? 1 : 0;
    return v as Bindable;
  });
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

class SqliteConnection implements SqlExecutor {
  readonly dialect: SqlStoreDialect = sqliteDialect;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(readonly db: BetterSqlite3.Database) {}

  prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.prepare(sql).all(...bindable(params)) as Row[];
  }

  async get(sql: string, params: readonly unknown[] = []): Promise<Row | undefined> {
    return this.prepare(sql).get(...bindable(params)) as Row | undefined;
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.prepare(sql).run(...bindable(params)).changes;
  }

  async runMany(sql: string, rows: readonly (readonly unknown[])[]): Promise<void> {
    const statement = this.prepare(sql);
    for (const row of rows) statement.run(...(row as Bindable[]));
  }

  async exec(script: string): Promise<void> {
    this.db.exec(script);
  }
}

/** SQLite's codes for a file that is not, or no longer, a sound database. */
function isDamaged(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** A damaged file found mid-query is named, so the user knows which file to restore. */
export function damagedFileError(path: string, error: unknown): MlmetaError {
  return new MlmetaError(
    'FAILED_PRECONDITION',
    `the SQLite file "${path}" is damaged (${(error as Error).message}); restore it from a backup, or see what is left with: sqlite3 "${path}" "PRAGMA integrity_check"`,
    { cause: error },
  );
}

class SqliteDriver implements SqlDriver {
  readonly dialect = sqliteDialect;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly connection: SqliteConnection,
    readonly readOnly: boolean,
    private readonly release: () => void,
    private readonly path: string,
  ) {}

  /** Serialize work on the one connection; a failed task does not poison the queue. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      if (this.closed) throw new MlmetaError('FAILED_PRECONDITION', 'the store is closed; open it again');
      try {
        return await task();
      } catch (error) {
        throw isDamaged(error) ? damagedFileError(this.path, error) : error;
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  read<T>(fn: (db: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exclusive(() => fn(this.connection));
  }

  all(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.read((db) => db.all(sql, params));
  }
  get(sql: string, params?: readonly unknown[]): Promise<Row | undefined> {
    return this.read((db) => db.get(sql, params));
  }
  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.read((db) => db.run(sql, params));
  }
  runMany(sql: string, rows: readonly (readonly unknown[])[]): Promise<void> {
    return this.transaction((tx) => tx.runMany(sql, rows));
  }
  exec(script: string): Promise<void> {
    return this.read((db) => db.exec(script));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (this.readOnly) {
      return Promise.reject(
        new MlmetaError(
          'PERMISSION_DENIED',
          'the store was opened read-only; open it without readOnly to write',
        ),
      );
    }
    return this.exclusive(async () => {
      this.begin();
      try {
        const result = await fn(this.connection);
        this.connection.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.connection.db.inTransaction) this.connection.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  /** BEGIN IMMEDIATE takes the write lock up front, so a transaction never fails on upgrade. */
  private begin(): void {
    for (let attempt = 1; ; attempt++) {
      try {
        this.connection.db.exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        if (!isBusy(error) || attempt >= BEGIN_ATTEMPTS) {
          throw new MlmetaError(
            'UNAVAILABLE',
            `the SQLite database stayed locked by other writers for ${(attempt * BUSY_TIMEOUT_MS) / 1000} s; retry later`,
            { cause: error },
          );
        }
      }
    }
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      this.closed = true;
      this.connection.db.close();
      this.release();
    }).catch(() => undefined);
  }
}

/**
 * Open a SQLite file (created with its directory unless read-only). A read-only open also reads
 * a file whose folder the user cannot write (see `openReadOnlyDatabase`).
 *
 * @example
 * const driver = await openSqliteDriver('.mlmeta/mlmeta.db');
 * await driver.transaction((tx) => tx.run('DELETE FROM mlmeta_metric_point'));
 */
export async function openSqliteDriver(path: string, options: SqliteDriverOptions = {}): Promise<SqlDriver> {
  const { default: Database } = await import('better-sqlite3');
  const readOnly = options.readOnly ?? false;
  const inMemory = path === ':memory:' || path === '';
  // A name starting with "file:" is a file of that name here, also where SQLite reads URIs.
  const file = path.startsWith('file:') ? `./${path}` : path;
  if (!readOnly && !inMemory) mkdirSync(dirname(file), { recursive: true });
  let db: BetterSqlite3.Database;
  let release = () => {};
  try {
    if (readOnly) {
      if (!existsSync(file)) throw new Error('no such file');
      ({ db, release } = openReadOnlyDatabase(Database, file, BUSY_TIMEOUT_MS));
    } else {
      db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    }
  } catch (error) {
    if (isDamaged(error)) throw damagedFileError(path, error);
    throw new MlmetaError(
      readOnly && !existsSync(file) ? 'NOT_FOUND' : 'UNAVAILABLE',
      `cannot open SQLite database "${path}": ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!readOnly && !inMemory) setWal(db);
    // NORMAL is durable in WAL mode except for the last transactions before a power loss.
    db.pragma('synchronous = NORMAL');
    if (!inMemory) {
      db.pragma(`mmap_size = ${MMAP_BYTES}`);
      db.pragma(`cache_size = -${Math.max(1, Math.floor(options.pageCacheKiB ?? CACHE_KIB))}`);
    }
  } catch (error) {
    db.close();
    release();
    throw isDamaged(error) ? damagedFileError(path, error) : error;
  }
  return new SqliteDriver(new SqliteConnection(db), readOnly, release, path);
}

/** Switching to WAL needs a moment alone with the file; other openers may hold it briefly. */
function setWal(db: BetterSqlite3.Database): void {
  for (let attempt = 1; ; attempt++) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if (!isBusy(error) || attempt >= BEGIN_ATTEMPTS) throw error;
    }
  }
}
