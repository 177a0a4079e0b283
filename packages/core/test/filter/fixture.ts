/**
 * A small MLMD v10 store (only the tables filters read) and the filters every backend must
 * answer identically. Shared by the SQLite and PostgreSQL compiler tests.
 */
import type { FilterNodeKind } from '@mlmeta/core';

/** DDL for both databases; PostgreSQL gets BOOLEAN is_custom_property as in MLMD's own schema. */
export function schemaStatements(database: 'sqlite' | 'postgres'): string[] {
  const flag = database === 'postgres' ? 'BOOLEAN' : 'INTEGER';
  const bytes = database === 'postgres' ? 'BYTEA' : 'BLOB';
  const node = (table: string, extra: string) =>
    `CREATE TABLE ${table} (id INTEGER PRIMARY KEY, type_id INTEGER NOT NULL, name TEXT, external_id TEXT,
      create_time_since_epoch BIGINT NOT NULL DEFAULT 0, last_update_time_since_epoch BIGINT NOT NULL DEFAULT 0${extra})`;
  const property = (table: string, key: string) =>
    `CREATE TABLE ${table} (${key} INTEGER NOT NULL, name TEXT NOT NULL, is_custom_property ${flag} NOT NULL,
      int_value BIGINT, double_value DOUBLE PRECISION, string_value TEXT, byte_value ${bytes}, proto_value ${bytes},
      bool_value INTEGER, PRIMARY KEY (${key}, name, is_custom_property))`;
  return [
    'CREATE TABLE Type (id INTEGER PRIMARY KEY, name TEXT NOT NULL, version TEXT, type_kind INTEGER NOT NULL)',
    node('Artifact', ', uri TEXT, state INTEGER'),
    node('Execution', ', last_known_state INTEGER'),
    node('Context', ''),
    property('ArtifactProperty', 'artifact_id'),
    property('ExecutionProperty', 'execution_id'),
    property('ContextProperty', 'context_id'),
    'CREATE TABLE Attribution (id INTEGER PRIMARY KEY, context_id INTEGER NOT NULL, artifact_id INTEGER NOT NULL)',
    'CREATE TABLE Association (id INTEGER PRIMARY KEY, context_id INTEGER NOT NULL, execution_id INTEGER NOT NULL)',
  ];
}

export const BIG = 9007199254740993n; // 2^53 + 1: not representable as a JS number

type Row = Record<string, unknown>;

/** Rows by table. Property rows name is_custom_property as true/false and are converted per database. */
export const ROWS: Record<string, Row[]> = {
  Type: [
    { id: 1, name: 'mlmeta.Dataset', version: null, type_kind: 1 },
    { id: 2, name: 'mlmeta.Model', version: 'v2', type_kind: 1 },
    { id: 3, name: 'mlmeta.Train', version: null, type_kind: 0 },
    { id: 4, name: 'Experiment', version: null, type_kind: 2 },
    { id: 5, name: 'Pipeline', version: null, type_kind: 2 },
  ],
  Artifact: [
    { id: 1, type_id: 1, name: 'mnist', external_id: 'ds-1', uri: 's3://data/mnist', state: 2, t: 1000 },
    { id: 2, type_id: 1, name: 'MNIST-v2', external_id: null, uri: 's3://data/MNIST_v2', state: 1, t: 2000 },
    { id: 3, type_id: 2, name: 'model_a', external_id: 'm-a', uri: 'file:///m/a', state: 2, t: 3000 },
    { id: 4, type_id: 2, name: 'model%b', external_id: 'm-b', uri: 'file:///m/b*', state: 4, t: 4000 },
    { id: 5, type_id: 2, name: 'model[c]', external_id: 'm-c', uri: 'file:///m/c?', state: 5, t: 5000 },
  ].map(({ t, ...row }) => ({ ...row, create_time_since_epoch: t, last_update_time_since_epoch: t + 500 })),
  Execution: [
    { id: 1, type_id: 3, name: 'run1', last_known_state: 3 },
    { id: 2, type_id: 3, name: 'run2', last_known_state: 4 },
    { id: 3, type_id: 3, name: 'run3', last_known_state: 2 },
  ],
  Context: [
    { id: 1, type_id: 4, name: 'exp1', external_id: null },
    { id: 2, type_id: 4, name: 'exp2', external_id: null },
    { id: 3, type_id: 5, name: 'exp1', external_id: null },
  ],
  ArtifactProperty: [
    { artifact_id: 1, name: 'rows', custom: false, int_value: 60000 },
    { artifact_id: 1, name: 'source', custom: true, string_value: 'yann' },
    { artifact_id: 2, name: 'rows', custom: false, int_value: 70000 },
    { artifact_id: 2, name: 'source', custom: true, string_value: 'Yann' },
    { artifact_id: 3, name: 'accuracy', custom: false, double_value: 0.91 },
    { artifact_id: 3, name: 'epochs', custom: false, int_value: 10 },
    { artifact_id: 3, name: 'deployed', custom: true, bool_value: 1 },
    { artifact_id: 3, name: 'my-key', custom: false, string_value: 'a.b' },
    { artifact_id: 4, name: 'accuracy', custom: false, double_value: 0.85 },
    { artifact_id: 4, name: 'epochs', custom: false, int_value: 20 },
    { artifact_id: 4, name: 'deployed', custom: true, bool_value: 0 },
    { artifact_id: 5, name: 'accuracy', custom: false, int_value: 1 },
    { artifact_id: 5, name: 'big', custom: false, int_value: BIG },
    { artifact_id: 5, name: 'epochs', custom: true, int_value: 10 },
  ],
  ExecutionProperty: [
    { execution_id: 1, name: 'lr', custom: false, double_value: 0.01 },
    { execution_id: 2, name: 'lr', custom: false, double_value: 0.1 },
  ],
  ContextProperty: [{ context_id: 1, name: 'owner', custom: false, string_value: 'alice' }],
  // Artifact 1 is in Experiment exp2 and in Pipeline exp1 (never in an Experiment named exp1); artifact 5 in none.
  Attribution: [
    { id: 1, context_id: 1, artifact_id: 3 },
    { id: 2, context_id: 1, artifact_id: 4 },
    { id: 3, context_id: 2, artifact_id: 1 },
    { id: 4, context_id: 3, artifact_id: 1 },
    { id: 5, context_id: 2, artifact_id: 2 },
  ],
  Association: [
    { id: 1, context_id: 1, execution_id: 1 },
    { id: 2, context_id: 1, execution_id: 2 },
    { id: 3, context_id: 2, execution_id: 3 },
  ],
};

/** INSERT statements with a placeholder function, ready for either driver. */
export function insertStatements(
  database: 'sqlite' | 'postgres',
  placeholder: (index: number) => string,
): { sql: string; params: unknown[] }[] {
  const statements: { sql: string; params: unknown[] }[] = [];
  for (const [table, rows] of Object.entries(ROWS)) {
    for (const source of rows) {
      const row: Row = { ...source };
      if ('custom' in row) {
        row.is_custom_property = database === 'postgres' ? row.custom : row.custom ? 1 : 0;
        delete row.custom;
      }
      const columns = Object.keys(row);
      const values = columns.map((_, i) => placeholder(i + 1)).join(', ');
      statements.push({
        sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${values})`,
        params: Object.values(row),
      });
    }
  }
  return statements;
}

export interface FilterCase {
  filter: string;
  kind: FilterNodeKind;
  ids: number[];
}

const a = (filter: string, ids: number[]): FilterCase => ({ filter, kind: 'artifact', ids });
const e = (filter: string, ids: number[]): FilterCase => ({ filter, kind: 'execution', ids });
const c = (filter: string, ids: number[]): FilterCase => ({ filter, kind: 'context', ids });

export const CASES: FilterCase[] = [
  a('id = 3', [3]),
  a('id != 3', [1, 2, 4, 5]),
  a('id <> 3', [1, 2, 4, 5]),
  a('id > 3', [4, 5]),
  a('id >= 3', [3, 4, 5]),
  a('id < 2', [1]),
  a('id <= 2', [1, 2]),
  a('id IN (1, 3, 99)', [1, 3]),
  a('id NOT IN (1, 3)', [2, 4, 5]),
  a('type_id = 1', [1, 2]),
  a("type = 'mlmeta.Model'", [3, 4, 5]),
  a("type != 'mlmeta.Model'", [1, 2]),
  a("type IN ('mlmeta.Dataset')", [1, 2]),
  a("type LIKE 'mlmeta.%'", [1, 2, 3, 4, 5]),
  a("type_version = 'v2'", [3, 4, 5]),
  a('type_version IS NULL', [1, 2]),
  a("name = 'mnist'", [1]),
  a('name = "mnist"', [1]),
  a("name > 'mnist'", [3, 4, 5]),
  a("name LIKE 'mnist%'", [1]),
  a("name LIKE 'MNIST%'", [2]),
  a("name NOT LIKE 'model%'", [1, 2]),
  a("name LIKE 'model\\\\%b'", [4]),
  a("name LIKE 'model_a'", [3]),
  a("name LIKE 'model[c]'", [5]),
  a("uri LIKE '%b*'", [4]),
  a("uri LIKE '%c?'", [5]),
  a("uri LIKE 's3://data/MNIST\\\\_v2'", [2]),
  a("uri = 'file:///m/a'", [3]),
  a('external_id IS NULL', [2]),
  a('external_id IS NOT NULL', [1, 3, 4, 5]),
  a("external_id != 'm-a'", [1, 4, 5]),
  a('state = LIVE', [1, 3]),
  a('state = live', [1, 3]),
  a("state = 'DELETED'", [4]),
  a('state IN (PENDING, ABANDONED)', [2, 5]),
  a('state = 2', [1, 3]),
  a('state != LIVE', [2, 4, 5]),
  a('create_time_since_epoch >= 3000', [3, 4, 5]),
  a('create_time < 2500', [1, 2]),
  a('update_time > 4000', [4, 5]),
  a('last_update_time_since_epoch = 1500', [1]),
  a('properties.accuracy > 0.9', [3, 5]),
  a('properties.accuracy >= 1', [5]),
  a('properties.accuracy.double_value > 0.9', [3]),
  a('properties.accuracy.int_value = 1', [5]),
  a('properties.epochs = 10', [3]),
  a('properties.epochs != 10', [4]),
  a('NOT properties.epochs = 10', [1, 2, 4, 5]),
  a('properties.epochs IS NULL', [1, 2, 5]),
  a('properties.epochs IS NOT NULL', [3, 4]),
  a('properties.epochs.int_value IS NULL', [1, 2, 5]),
  a('properties.epochs.double_value IS NOT NULL', []),
  a('properties.epochs IN (10, 20)', [3, 4]),
  a('properties.epochs NOT IN (10)', [4]),
  a('properties.accuracy IN (0.91, 1)', [3, 5]),
  a('custom_properties.epochs = 10', [5]),
  a("custom_properties.source = 'yann'", [1]),
  a("custom_properties.source LIKE 'y%'", [1]),
  a("custom_properties.source.string_value > 'Z'", [1]),
  a("properties.source = 'yann'", []),
  a('custom_properties.deployed = true', [3]),
  a('custom_properties.deployed = FALSE', [4]),
  a('custom_properties.deployed.bool_value != true', [4]),
  a("properties.`my-key` = 'a.b'", [3]),
  a("properties.`my-key`.string_value LIKE 'a._'", [3]),
  a(`properties.big.int_value = ${BIG}`, [5]),
  a(`properties.big = ${BIG}`, [5]),
  a(`properties.big = ${BIG - 1n}`, []),
  a("contexts.name = 'exp1'", [1, 3, 4]),
  a("contexts.name != 'exp1'", [1, 2]),
  a("NOT contexts.name = 'exp1'", [2, 5]),
  a("contexts.type = 'Pipeline'", [1]),
  a('contexts.id IN (2, 3)', [1, 2]),
  a('contexts.name IS NULL', [5]),
  a("contexts.type = 'Experiment' AND contexts.name = 'exp1'", [1, 3, 4]),
  a("contexts_a.type = 'Experiment' AND contexts_a.name = 'exp1'", [3, 4]),
  a("contexts_a.name = 'exp1' AND contexts_b.name = 'exp2'", [1]),
  a("contexts_a.name = 'exp2' OR name = 'model[c]'", [1, 2]),
  a("name = 'mnist' OR name = 'model_a' AND state = DELETED", [1]),
  a("(name = 'mnist' OR name = 'model_a') AND state = LIVE", [1, 3]),
  a("NOT name = 'mnist' AND NOT name = 'model_a'", [2, 4, 5]),
  a("NOT (name = 'mnist' OR type = 'mlmeta.Model')", [2]),
  a('name = "x\' OR 1=1 --"', []),
  a("name = 'x\\' OR 1=1 --'", []),
  a("properties.`x' OR 1=1 --` = 1", []),
  e('state = COMPLETE', [1]),
  e('last_known_state IN (FAILED, RUNNING)', [2, 3]),
  e("type = 'mlmeta.Train' AND properties.lr < 0.05", [1]),
  e("contexts.name = 'exp1'", [1, 2]),
  e("contexts_run.type = 'Experiment' AND contexts_run.name = 'exp2'", [3]),
  c("type = 'Experiment'", [1, 2]),
  c("name = 'exp1' AND type = 'Pipeline'", [3]),
  c("properties.owner = 'alice'", [1]),
  c('properties.owner IS NULL', [2, 3]),
];
