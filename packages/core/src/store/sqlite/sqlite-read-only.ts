/**
 * Opening a SQLite file the user may read but not write: another user's store, a 0444 file in a
 * read-only folder, a read-only mount.
 *
 * A WAL-mode file (every mlmeta store) is read through its `-shm` index, which SQLite creates
 * next to the file when none exists; where it cannot, a plain read-only open fails with "attempt
 * to write a readonly database". When no `-shm` and no `-wal` frames exist, no connection is open
 * on the file and the main file holds every commit, so it is opened as `immutable` (no locks, no
 * index). When `-wal` frames exist without a usable index (a writer that died, a folder made
 * read-only after), those commits are only in the WAL: the file and its WAL are copied into a
 * private temporary folder and read there, so nothing committed is missed.
 */
import { accessSync, constants, copyFileSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';

type DatabaseConstructor = typeof BetterSqlite3;

/** A WAL file holds a 32-byte header, then frames; a shorter one has no commits in it. */
const WAL_HEADER_BYTES = 32;

/**
 * The errors SQLite gives when the file itself is readable but what it needs next to it (`-shm`,
 * a `-wal` to recover) cannot be created or written.
 */
const NEEDS_WRITABLE_FOLDER = new Set([
  'SQLITE_READONLY_DIRECTORY',
  'SQLITE_READONLY_CANTINIT',
  'SQLITE_READONLY_RECOVERY',
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
]);

/** How a read-only file was opened: in place, in place as immutable, or from a private copy. */
export type ReadOnlyMode = 'shared' | 'immutable' | 'snapshot';

export interface ReadOnlyDatabase {
  db: BetterSqlite3.Database;
  mode: ReadOnlyMode;
  /** Removes the private copy, if one was made; call after closing `db`. */
  release(): void;
}

/**
 * Opens `path` for reading only, in place when SQLite can, else as described above.
 *
 * @example
 * const { default: Database } = await import('better-sqlite3');
 * const { db, release } = openReadOnlyDatabase(Database, '/mnt/shared/mlmeta.db', 10_000);
 * db.prepare('SELECT COUNT(*) AS n FROM Execution').get();
 * db.close();
 * release();
 */
export function openReadOnlyDatabase(
  Database: DatabaseConstructor,
  path: string,
  timeout: number,
): ReadOnlyDatabase {
  const none = () => undefined;
  let firstError: unknown;
  try {
    return {
      db: readable(
        withUriFilenames(() => new Database(path, { readonly: true, fileMustExist: true, timeout })),
      ),
      mode: 'shared',
      release: none,
    };
  } catch (error) {
    if (!NEEDS_WRITABLE_FOLDER.has(sqliteCode(error)) || !isReadableFile(path)) throw error;
    firstError = error;
  }
  if (!hasWalFrames(path) && !existsFile(`${path}-shm`)) {
    const immutable = openImmutable(Database, path, timeout);
    if (immutable) return { db: immutable, mode: 'immutable', release: none };
  }
  return openSnapshot(Database, path, timeout, firstError);
}

/**
 * better-sqlite3 reads SQLITE_USE_URI once, when its addon loads, and without it a `file:` name
 * is a plain file name. Enabling it only changes how names that start with `file:` are read, and
 * mlmeta's own such names are written `./file:…`; the variable is set for that moment only, so
 * child processes do not inherit it. Where the addon was loaded already (or on a worker thread,
 * whose environment is its own copy) URIs may stay off: `openImmutable` then reports no support.
 */
function withUriFilenames<T>(open: () => T): T {
  if (process.env.SQLITE_USE_URI !== undefined) return open();
  process.env.SQLITE_USE_URI = '1';
  try {
    return open();
  } finally {
    delete process.env.SQLITE_USE_URI;
  }
}

/** SQLite reports a read-only folder at the first read, not at open: read once to know. */
function readable(db: BetterSqlite3.Database): BetterSqlite3.Database {
  try {
    db.pragma('schema_version', { simple: true });
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function openImmutable(
  Database: DatabaseConstructor,
  path: string,
  timeout: number,
): BetterSqlite3.Database | undefined {
  const file = realpathSync(path);
  const uri = `${pathToFileURL(file).href}?mode=ro&immutable=1`;
  let db: BetterSqlite3.Database;
  try {
    db = readable(new Database(uri, { readonly: true, fileMustExist: true, timeout }));
  } catch {
    return undefined; // URI names are off in this process: the copy below still works
  }
  // With URIs off, the name would be a relative file literally called "file:…": make sure not.
  const opened = (db.pragma('database_list') as { name: string; file: string }[]).find(
    (d) => d.name === 'main',
  );
  if (opened?.file !== file) {
    db.close();
    return undefined;
  }
  return db;
}

function openSnapshot(
  Database: DatabaseConstructor,
  path: string,
  timeout: number,
  firstError: unknown,
): ReadOnlyDatabase {
  const folder = mkdtempSync(join(tmpdir(), 'mlmeta-readonly-'));
  const remove = () => rmSync(folder, { recursive: true, force: true });
  // A process that exits without closing the store (Ctrl-C on `mlmeta ui`) leaves no copy behind.
  process.once('exit', remove);
  const release = () => {
    process.off('exit', remove);
    remove();
  };
  try {
    const copy = join(folder, 'store.db');
    copyFileSync(path, copy);
    if (existsFile(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    const db = readable(new Database(copy, { readonly: true, fileMustExist: true, timeout }));
    return { db, mode: 'snapshot', release };
  } catch {
    release();
    throw firstError;
  }
}

function sqliteCode(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : '';
}

function isReadableFile(path: string): boolean {
  try {
    accessSync(resolve(path), constants.R_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function existsFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function hasWalFrames(path: string): boolean {
  try {
    return statSync(`${path}-wal`).size > WAL_HEADER_BYTES;
  } catch {
    return false;
  }
}
