/**
 * The relational layout: MLMD schema version 10 (same tables, columns and secondary indexes as
 * google/ml-metadata's metadata_source_query_config.cc, so MLMD's own clients can open the file)
 * plus mlmeta's extension tables, prefixed `mlmeta_`, versioned separately in `mlmeta_schema`.
 * Identifiers are unquoted so the same text runs on SQLite and PostgreSQL.
 */
import { BASE_ARTIFACT_TYPES, BASE_EXECUTION_TYPES } from '../../model/base-types.js';
import { TypeKind } from '../../model/enums.js';
import type { SqlExecutor, SqlStoreDialect } from './driver.js';
import { legacyTaggedValues } from './legacy-values.js';
import { blockAggregateSql } from './metric-blocks.js';

/** The MLMD schema version this layout matches (MLMDEnv.schema_version). */
export const MLMD_SCHEMA_VERSION = 10;

function propertyTable(d: SqlStoreDialect, table: string, owner: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
  ${owner} INT NOT NULL,
  name VARCHAR(255) NOT NULL,
  is_custom_property ${d.flagType} NOT NULL,
  int_value ${d.bigintType},
  double_value ${d.doubleType},
  string_value TEXT,
  byte_value ${d.blobType},
  proto_value ${d.blobType},
  bool_value BOOLEAN,
  PRIMARY KEY (${owner}, name, is_custom_property)
)`;
}

function propertyIndexes(table: string, prefix: string): string[] {
  return ['int', 'double', 'string'].map(
    (kind) =>
      `CREATE INDEX IF NOT EXISTS idx_${prefix}_property_${kind} ON ${table} (name, is_custom_property, ${kind}_value) WHERE ${kind}_value IS NOT NULL`,
  );
}

/** MLMD v10 tables and indexes. Times are milliseconds since the epoch, as in MLMD. */
function mlmdTables(d: SqlStoreDialect): string[] {
  const node = (extra: string) => `
  type_id INT NOT NULL,${extra}
  external_id VARCHAR(255) UNIQUE,
  create_time_since_epoch ${d.bigintType} NOT NULL DEFAULT 0,
  last_update_time_since_epoch ${d.bigintType} NOT NULL DEFAULT 0,
  UNIQUE (type_id, name)`;
  return [
    `CREATE TABLE IF NOT EXISTS Type (
  id ${d.autoIdColumn},
  name VARCHAR(255) NOT NULL,
  version VARCHAR(255),
  type_kind SMALLINT NOT NULL,
  description TEXT,
  input_type TEXT,
  output_type TEXT,
  external_id VARCHAR(255) UNIQUE
)`,
    `CREATE TABLE IF NOT EXISTS ParentType (
  type_id INT NOT NULL,
  parent_type_id INT NOT NULL,
  PRIMARY KEY (type_id, parent_type_id)
)`,
    `CREATE TABLE IF NOT EXISTS TypeProperty (
  type_id INT NOT NULL,
  name VARCHAR(255) NOT NULL,
  data_type INT NULL,
  PRIMARY KEY (type_id, name)
)`,
    `CREATE TABLE IF NOT EXISTS Artifact (
  id ${d.autoIdColumn},${node(`
  uri TEXT,
  state INT,
  name VARCHAR(255),`)}
)`,
    propertyTable(d, 'ArtifactProperty', 'artifact_id'),
    `CREATE TABLE IF NOT EXISTS Execution (
  id ${d.autoIdColumn},${node(`
  last_known_state INT,
  name VARCHAR(255),`)}
)`,
    propertyTable(d, 'ExecutionProperty', 'execution_id'),
    `CREATE TABLE IF NOT EXISTS Context (
  id ${d.autoIdColumn},${node(`
  name VARCHAR(255) NOT NULL,`)}
)`,
    propertyTable(d, 'ContextProperty', 'context_id'),
    `CREATE TABLE IF NOT EXISTS ParentContext (
  context_id INT NOT NULL,
  parent_context_id INT NOT NULL,
  PRIMARY KEY (context_id, parent_context_id)
)`,
    `CREATE TABLE IF NOT EXISTS Event (
  id ${d.autoIdColumn},
  artifact_id INT NOT NULL,
  execution_id INT NOT NULL,
  type INT NOT NULL,
  milliseconds_since_epoch ${d.bigintType},
  UNIQUE (artifact_id, execution_id, type)
)`,
    `CREATE TABLE IF NOT EXISTS EventPath (
  event_id INT NOT NULL,
  is_index_step ${d.flagType} NOT NULL,
  step_index INT,
  step_key TEXT
)`,
    `CREATE TABLE IF NOT EXISTS Association (
  id ${d.autoIdColumn},
  context_id INT NOT NULL,
  execution_id INT NOT NULL,
  UNIQUE (context_id, execution_id)
)`,
    `CREATE TABLE IF NOT EXISTS Attribution (
  id ${d.autoIdColumn},
  context_id INT NOT NULL,
  artifact_id INT NOT NULL,
  UNIQUE (context_id, artifact_id)
)`,
    'CREATE TABLE IF NOT EXISTS MLMDEnv (schema_version INTEGER PRIMARY KEY)',
    'CREATE INDEX IF NOT EXISTS idx_artifact_uri ON Artifact (uri)',
    'CREATE INDEX IF NOT EXISTS idx_artifact_create_time_since_epoch ON Artifact (create_time_since_epoch)',
    'CREATE INDEX IF NOT EXISTS idx_artifact_last_update_time_since_epoch ON Artifact (last_update_time_since_epoch)',
    'CREATE INDEX IF NOT EXISTS idx_event_execution_id ON Event (execution_id)',
    'CREATE INDEX IF NOT EXISTS idx_parentcontext_parent_context_id ON ParentContext (parent_context_id)',
    'CREATE INDEX IF NOT EXISTS idx_type_name ON Type (name)',
    'CREATE INDEX IF NOT EXISTS idx_execution_create_time_since_epoch ON Execution (create_time_since_epoch)',
    'CREATE INDEX IF NOT EXISTS idx_execution_last_update_time_since_epoch ON Execution (last_update_time_since_epoch)',
    'CREATE INDEX IF NOT EXISTS idx_context_create_time_since_epoch ON Context (create_time_since_epoch)',
    'CREATE INDEX IF NOT EXISTS idx_context_last_update_time_since_epoch ON Context (last_update_time_since_epoch)',
    'CREATE INDEX IF NOT EXISTS idx_eventpath_event_id ON EventPath (event_id)',
    ...propertyIndexes('ArtifactProperty', 'artifact'),
    ...propertyIndexes('ExecutionProperty', 'execution'),
    ...propertyIndexes('ContextProperty', 'context'),
    'CREATE INDEX IF NOT EXISTS idx_type_external_id ON Type (external_id)',
    'CREATE INDEX IF NOT EXISTS idx_artifact_external_id ON Artifact (external_id)',
    'CREATE INDEX IF NOT EXISTS idx_execution_external_id ON Execution (external_id)',
    'CREATE INDEX IF NOT EXISTS idx_context_external_id ON Context (external_id)',
  ];
}

/**
 * MLMD's system base types (mlmd.Dataset, mlmd.Train, ...) are plain Type rows that user types
 * point at through ParentType, exactly as MLMD stores them.
 */
function systemTypeInserts(): string[] {
  const rows = [
    ...BASE_ARTIFACT_TYPES.map((name) => [name, TypeKind.artifact] as const),
    ...BASE_EXECUTION_TYPES.map((name) => [name, TypeKind.execution] as const),
  ];
  return rows.map(
    ([name, kind]) =>
      `INSERT INTO Type (name, type_kind) SELECT '${name}', ${kind} WHERE NOT EXISTS (SELECT 1 FROM Type WHERE name = '${name}' AND version IS NULL AND type_kind = ${kind})`,
  );
}

/**
 * MLMD's PostgreSQL DDL declares its yes/no columns BOOLEAN and its queries compare them with
 * true/false, so SMALLINT columns (what mlmeta created before version 5) break MLMD's
 * filter_query there. SQLite has no such type; its columns stay as they are.
 */
async function booleanFlags(tx: SqlExecutor): Promise<void> {
  if (tx.dialect.name !== 'postgres') return;
  const columns = await tx.all(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name IN ('is_custom_property', 'is_index_step') AND data_type = 'smallint'",
  );
  for (const { table_name: table, column_name: column } of columns) {
    await tx.exec(
      `ALTER TABLE ${String(table)} ALTER COLUMN ${String(column)} TYPE BOOLEAN USING ${String(column)} <> 0`,
    );
  }
}

/**
 * A PostgreSQL btree entry holds at most 2,704 bytes, so an index over whole string values made
 * every write of a longer one fail (a run's environment with its git diff, a model summary): the
 * batch could never be stored. The index keeps MLMD's name and columns but indexes the first 255
 * characters, as MLMD's MySQL DDL does; filters still narrow by (name, is_custom_property).
 */
async function boundedStringIndexes(tx: SqlExecutor): Promise<void> {
  if (tx.dialect.name !== 'postgres') return;
  for (const [table, prefix] of [
    ['ArtifactProperty', 'artifact'],
    ['ExecutionProperty', 'execution'],
    ['ContextProperty', 'context'],
  ]) {
    await tx.exec(
      `DROP INDEX IF EXISTS idx_${prefix}_property_string; CREATE INDEX idx_${prefix}_property_string ON ${table} (name, is_custom_property, left(string_value, 255)) WHERE string_value IS NOT NULL`,
    );
  }
}

/** One step of mlmeta's own schema history; `statements`, then `run`, in one transaction. */
export interface Migration {
  version: number;
  description: string;
  statements(d: SqlStoreDialect): string[];
  /** Work that SQL text alone cannot do (re-encoding values, choosing an index by the data). */
  run?(tx: SqlExecutor): Promise<void>;
}

/**
 * MLMD has no uniqueness on (kind, name, version); two writers declaring one type at once would
 * create two rows. This expression index closes that race on both databases. A file that MLMD's
 * own init race already left with duplicates keeps them (nodes point at both): the index then
 * leaves the later copies out, so the first still guards every new declaration.
 */
async function createTypeIdentityIndex(tx: SqlExecutor): Promise<void> {
  const duplicates = await tx.all(
    "SELECT t.id FROM Type t WHERE EXISTS (SELECT 1 FROM Type f WHERE f.type_kind = t.type_kind AND f.name = t.name AND COALESCE(f.version, '') = COALESCE(t.version, '') AND f.id < t.id) ORDER BY t.id",
  );
  const ids = duplicates.map((row) => Number(row.id)).filter(Number.isSafeInteger);
  const except = ids.length > 0 ? ` WHERE id NOT IN (${ids.join(', ')})` : '';
  await tx.exec(
    `CREATE UNIQUE INDEX IF NOT EXISTS idx_mlmeta_type_identity ON Type (type_kind, name, COALESCE(version, ''))${except}`,
  );
}

/**
 * mlmeta's schema history. Append only: a released migration never changes. Version 1 is the
 * MLMD layout (idempotent, so a file MLMD itself created is adopted as is); version 2 adds the
 * metric series; version 3 their per-block rollup (built from the points already stored) and
 * indexes from executions and artifacts to their contexts; version 4 re-encodes values in MLMD's
 * own encodings (NaN in double_value, STRUCT as `mlmd-struct::`); version 5 makes MLMD's yes/no
 * columns BOOLEAN on PostgreSQL, as MLMD's DDL has them.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'MLMD schema v10 tables, indexes and system base types',
    statements: (d) => [
      ...mlmdTables(d),
      `INSERT INTO MLMDEnv (schema_version) SELECT ${MLMD_SCHEMA_VERSION} WHERE NOT EXISTS (SELECT 1 FROM MLMDEnv)`,
      ...systemTypeInserts(),
    ],
    run: createTypeIdentityIndex,
  },
  {
    version: 2,
    description: 'metric series (one key row per execution and key; points keyed by step)',
    statements: (d) => [
      `CREATE TABLE IF NOT EXISTS mlmeta_metric_key (
  id ${d.autoIdColumn},
  execution_id INT NOT NULL,
  name VARCHAR(255) NOT NULL,
  UNIQUE (execution_id, name)
)`,
      // value is NULL for NaN (SQLite cannot store NaN); flags says what it was.
      `CREATE TABLE IF NOT EXISTS mlmeta_metric_point (
  key_id INT NOT NULL,
  step ${d.bigintType} NOT NULL,
  value ${d.doubleType},
  wall_time ${d.doubleType} NOT NULL,
  flags SMALLINT NOT NULL DEFAULT 0,
  PRIMARY KEY (key_id, step)
) ${d.clusteredTableOption}`,
    ],
  },
  {
    version: 3,
    description: 'metric rollup per 256-step block; membership indexes by execution and artifact',
    statements: (d) => [
      `CREATE TABLE IF NOT EXISTS mlmeta_metric_block (
  key_id INT NOT NULL,
  block ${d.bigintType} NOT NULL,
  point_count INT NOT NULL,
  min_step ${d.bigintType} NOT NULL,
  max_step ${d.bigintType} NOT NULL,
  min_value ${d.doubleType},
  max_value ${d.doubleType},
  last_value ${d.doubleType},
  last_wall_time ${d.doubleType} NOT NULL,
  last_flags SMALLINT NOT NULL DEFAULT 0,
  PRIMARY KEY (key_id, block)
) ${d.clusteredTableOption}`,
      `INSERT INTO mlmeta_metric_block (key_id, block, point_count, min_step, max_step, min_value, max_value, last_value, last_wall_time, last_flags) ${blockAggregateSql('1 = 1')}`,
      // MLMD indexes Association/Attribution by (context_id, node) only, so "the contexts of this
      // node" (a contexts_<alias> filter, a run's experiment) scanned the whole table per node.
      'CREATE INDEX IF NOT EXISTS idx_mlmeta_association_execution_id ON Association (execution_id, context_id)',
      'CREATE INDEX IF NOT EXISTS idx_mlmeta_attribution_artifact_id ON Attribution (artifact_id, context_id)',
    ],
  },
  {
    version: 4,
    description: "MLMD's encodings for the NaN and STRUCT values older mlmeta tagged in byte_value",
    statements: () => [],
    run: legacyTaggedValues,
  },
  {
    version: 5,
    description: "PostgreSQL: is_custom_property and is_index_step BOOLEAN, as in MLMD's own DDL",
    statements: () => [],
    run: booleanFlags,
  },
  {
    version: 6,
    description: 'PostgreSQL: string property indexes over the first 255 characters of a value',
    statements: () => [],
    run: boundedStringIndexes,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The oldest mlmeta schema a read-only open reads without migrating (the extension tables' layout). */
export const READABLE_SCHEMA_VERSION = 3;

/** The version bookkeeping table; created before anything else so the version can be read. */
export const SCHEMA_TABLE_DDL =
  'CREATE TABLE IF NOT EXISTS mlmeta_schema (component VARCHAR(64) PRIMARY KEY, version INT NOT NULL, written_by VARCHAR(64))';
