/** The embedded default backend: one SQLite file (better-sqlite3), shared by many processes. */

import { type MigrateResult, migrate } from '../sql/migrate.js';
import { SqlMetadataStore } from '../sql/sql-store.js';
import type { MetadataStore } from '../store.js';
import { openSqliteDriver } from './sqlite-driver.js';

export interface SqliteStoreOptions {
  /** Open the file for reading only; it must exist and be migrated. */
  readOnly?: boolean;
  /** SQLite's page cache, in KiB (see `OpenStoreOptions.pageCacheKiB`). */
  pageCacheKiB?: number;
}

/**
 * Open (creating and migrating when needed) a SQLite store at `path`.
 *
 * @example
 * const store = await openSqliteStore('.mlmeta/mlmeta.db');
 * await store.putLineage({ artifacts: [{ type: 'mlmeta.Dataset', externalId: 'sha256:…' }] });
 */
export async function openSqliteStore(
  path: string,
  options: SqliteStoreOptions = {},
): Promise<MetadataStore> {
  const driver = await openSqliteDriver(path, options);
  let schema: MigrateResult;
  try {
    schema = await migrate(driver);
  } catch (error) {
    await driver.close();
    throw error;
  }
  return new SqlMetadataStore(`sqlite:${path}`, driver, schema);
}
