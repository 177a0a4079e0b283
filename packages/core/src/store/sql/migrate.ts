/**
 * Brings a database to the latest schema, or refuses it. Runs inside one write transaction, so
 * when several processes open a brand-new file at the same moment, one migrates and the others
 * wait on the lock, then find the work done (MLMD's own initialization races here).
 */
import pkg from '../../../package.json' with { type: 'json' };
import { SchemaVersionError } from '../errors.js';
import { Params, type SqlDriver, type SqlExecutor } from './driver.js';
import {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  MLMD_SCHEMA_VERSION,
  READABLE_SCHEMA_VERSION,
  SCHEMA_TABLE_DDL,
} from './schema.js';

/** The version of @mlmeta/core, recorded in the database so a newer file can name what it needs. */
export const CORE_VERSION: string = pkg.version;

interface SchemaState {
  version: number;
  writtenBy?: string;
  mlmdVersion?: number;
}

async function tableExists(db: SqlExecutor, name: string): Promise<boolean> {
  const p = new Params(db.dialect);
  return (await db.get(db.dialect.tableExistsSql(p.add(name)), p.values)) !== undefined;
}

async function readState(db: SqlExecutor): Promise<SchemaState> {
  const state: SchemaState = { version: 0 };
  if (await tableExists(db, 'MLMDEnv')) {
    const row = await db.get('SELECT MAX(schema_version) AS v FROM MLMDEnv');
    if (row?.v != null) state.mlmdVersion = Number(row.v);
  }
  if (await tableExists(db, 'mlmeta_schema')) {
    const row = await db.get("SELECT version, written_by FROM mlmeta_schema WHERE component = 'mlmeta'");
    if (row) {
      state.version = Number(row.version);
      if (typeof row.written_by === 'string') state.writtenBy = row.written_by;
    }
  }
  return state;
}

function refuseIncompatible(state: SchemaState): void {
  if (state.version > LATEST_SCHEMA_VERSION) {
    const needed = state.writtenBy ? `@mlmeta/core ${state.writtenBy} or later` : 'a newer @mlmeta/core';
    throw new SchemaVersionError(
      `this database has mlmeta schema version ${state.version}, written by a newer mlmeta; ` +
        `@mlmeta/core ${CORE_VERSION} reads up to version ${LATEST_SCHEMA_VERSION}. Upgrade to ${needed}.`,
    );
  }
  if (state.mlmdVersion !== undefined && state.mlmdVersion !== MLMD_SCHEMA_VERSION) {
    const hint =
      state.mlmdVersion > MLMD_SCHEMA_VERSION
        ? 'it was written by a newer MLMD; downgrade it with MLMD (downgrade_migration) first'
        : "upgrade it with MLMD's migration (enable_upgrade_migration) first";
    throw new SchemaVersionError(
      `this database has MLMD schema version ${state.mlmdVersion}; mlmeta needs version ${MLMD_SCHEMA_VERSION}: ${hint}.`,
    );
  }
}

/** What the opened database holds beyond MLMD's tables. */
export interface MigrateResult {
  /** False for a file only MLMD has written, opened read-only: no metric series (read as none). */
  extensions: boolean;
}

/**
 * Read-only opens read what is there without writing: a database only MLMD has written (no
 * mlmeta tables yet) reads as one without metric series, and one from an older mlmeta whose
 * extension tables have today's layout reads as is (its older value encodings are understood).
 */
function readOnlyState(state: SchemaState): MigrateResult {
  refuseIncompatible(state);
  if (state.version === 0 && state.mlmdVersion !== undefined) return { extensions: false };
  if (state.version < READABLE_SCHEMA_VERSION) {
    const what =
      state.version === 0
        ? 'holds neither MLMD nor mlmeta tables'
        : `has mlmeta schema version ${state.version} but at least ${READABLE_SCHEMA_VERSION} is needed to read it`;
    throw new SchemaVersionError(
      `this database ${what}, and it was opened read-only; open it once for writing (any mlmeta command that writes) to create or migrate it.`,
    );
  }
  return { extensions: true };
}

/**
 * Migrate to `targetVersion` (default: latest). Tests pass an older target to build the files an
 * older mlmeta would have left behind.
 */
export async function migrate(
  driver: SqlDriver,
  targetVersion = LATEST_SCHEMA_VERSION,
): Promise<MigrateResult> {
  if (driver.readOnly) return readOnlyState(await driver.read(readState));
  // Check before taking the write lock: the common case (up to date) then never writes.
  const before = await driver.read(readState);
  refuseIncompatible(before);
  if (before.version >= targetVersion) return { extensions: true };
  await driver.transaction(async (tx) => {
    const state = await readState(tx);
    refuseIncompatible(state);
    if (state.version >= targetVersion) return;
    await tx.exec(SCHEMA_TABLE_DDL);
    for (const migration of MIGRATIONS) {
      if (migration.version <= state.version || migration.version > targetVersion) continue;
      for (const statement of migration.statements(tx.dialect)) await tx.exec(statement);
      await migration.run?.(tx);
    }
    await tx.run("DELETE FROM mlmeta_schema WHERE component = 'mlmeta'");
    const p = new Params(tx.dialect);
    await tx.run(
      `INSERT INTO mlmeta_schema (component, version, written_by) VALUES ('mlmeta', ${p.add(targetVersion)}, ${p.add(CORE_VERSION)})`,
      p.values,
    );
  });
  return { extensions: true };
}
