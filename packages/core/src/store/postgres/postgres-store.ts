/** The team backend: MLMD's schema in a PostgreSQL database, shared by many machines. */
import { MlmetaError } from '../errors.js';
import type { SqlDriver } from '../sql/driver.js';
import { type MigrateResult, migrate } from '../sql/migrate.js';
import { SqlMetadataStore } from '../sql/sql-store.js';
import type { MetadataStore } from '../store.js';
import { openPostgresDriver, type PostgresDriver } from './postgres-driver.js';
import { parsePostgresUri } from './postgres-uri.js';

export interface PostgresStoreOptions {
  /** Never write: no schema creation or migration, and writes are refused. */
  readOnly?: boolean;
}

/** pg_advisory_xact_lock's first key for mlmeta's schema work ('mlmt'); the second names the schema. */
const LOCK_CLASS = 0x6d6c6d74;
const SCHEMA_LOCK_SQL = 'SELECT pg_advisory_xact_lock($1, hashtext($2))';

/**
 * The driver as `migrate` sees it: every migration transaction first takes an advisory lock
 * on the schema, so processes that open a new database at once migrate it one after another
 * (CREATE TABLE IF NOT EXISTS alone races in PostgreSQL's catalogs).
 */
function schemaLocked(driver: PostgresDriver, schema: string): SqlDriver {
  return {
    dialect: driver.dialect,
    readOnly: driver.readOnly,
    all: (sql, params) => driver.all(sql, params),
    get: (sql, params) => driver.get(sql, params),
    run: (sql, params) => driver.run(sql, params),
    runMany: (sql, rows) => driver.runMany(sql, rows),
    exec: (script) => driver.exec(script),
    read: (fn) => driver.read(fn),
    transaction: (fn) => driver.lockedTransaction(SCHEMA_LOCK_SQL, [LOCK_CLASS, schema], fn),
    close: () => driver.close(),
  };
}

/** Create the schema named by `?schema=` when it is missing (under the same lock). */
async function ensureSchema(driver: PostgresDriver, schema: string): Promise<void> {
  const current = await driver.get('SELECT current_schema() AS name');
  if (current?.name === schema) return;
  await driver.lockedTransaction(SCHEMA_LOCK_SQL, [LOCK_CLASS, schema], async (tx) => {
    await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  });
}

/**
 * Open (creating and migrating when needed) a PostgreSQL store. `?schema=name` keeps mlmeta's
 * tables in their own schema, created on first use.
 *
 * @example
 * const store = await openPostgresStore('postgres://mlmeta@db.internal:5432/ml?schema=mlmeta');
 * const models = await store.getArtifacts({ type: 'mlmeta.Model', limit: 10 });
 */
export async function openPostgresStore(
  uri: string,
  options: PostgresStoreOptions = {},
): Promise<MetadataStore> {
  const target = parsePostgresUri(uri);
  const driver = await openPostgresDriver({ connectionString: target.connectionString }, uri, options);
  let schema: MigrateResult;
  try {
    if (target.schema && !driver.readOnly) await ensureSchema(driver, target.schema);
    const current = await driver.get('SELECT current_schema() AS name');
    if (typeof current?.name !== 'string') {
      throw new MlmetaError(
        'FAILED_PRECONDITION',
        `the search_path of ${driver.safeUri} names no existing schema; create it, or add ?schema=<name> to the URI so mlmeta creates it`,
      );
    }
    schema = await migrate(schemaLocked(driver, current.name));
  } catch (error) {
    await driver.close();
    throw error;
  }
  return new SqlMetadataStore(driver.safeUri, driver, schema);
}
