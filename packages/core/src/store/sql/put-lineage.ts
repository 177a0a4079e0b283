/**
 * MLMD's "put lineage subgraph": types, nodes and edges in one transaction, every node
 * addressable by external id, idempotent. A node is matched by id, else external id, else
 * (type, name); a write that changes nothing touches nothing, not even last_update_time.
 */
import {
  ArtifactState,
  EventType,
  type EventTypeName,
  ExecutionState,
  type PropertyTypeName,
} from '../../model/enums.js';
import type {
  LineageBatch,
  LineageBatchResult,
  LineageBatchSchema,
  NodeRef,
  Properties,
  PropertyValue,
} from '../../model/schemas.js';
import { MlmetaError } from '../errors.js';
import type { NodeKind } from '../store.js';
import { Params, type Row, type SqlExecutor } from './driver.js';
import { putModelVersions } from './model-versions.js';
import { NODE_TABLES, type NodeTable } from './nodes.js';
import {
  encodeProperty,
  inferKind,
  type PropertyColumns,
  protoColumn,
  sameColumns,
} from './property-codec.js';
import type { ResolvedType, TypeDraft } from './type-memo.js';
import { putTypes } from './types.js';
import { inputSchemas, parseInput } from './validate.js';

type Batch = ReturnType<typeof LineageBatchSchema.parse>;
type NodeInput = NonNullable<Batch['artifacts']>[number] &
  Partial<NonNullable<Batch['executions']>[number]> & { uri?: string; state?: string };

/**
 * Type lookups for one batch: a batch of 1,000 nodes of one type reads the type once, and with
 * a store's memo (type-memo.ts) a run's later batches do not read it at all.
 */
class TypeResolver {
  private readonly cache = new Map<string, ResolvedType>();
  private readonly doubles = new Map<string, boolean>();
  constructor(
    private readonly db: SqlExecutor,
    private readonly draft?: TypeDraft,
  ) {}

  /**
   * Whether some node already holds custom property `name` as a DOUBLE. A whole number written
   * under such a name is stored as a DOUBLE too, so `acc` = 1 in one run and 0.97 in the next do
   * not flip between int_value and double_value (which MLMD filters and readers tell apart).
   * Only a yes is remembered across batches: a no can turn into a yes by another writer.
   */
  async customIsDouble(table: NodeTable, name: string): Promise<boolean> {
    const key = `${table.propertyTable}\u0000${name}`;
    const hit = this.doubles.get(key) ?? (this.draft?.memo.doubles.has(key) || undefined);
    if (hit !== undefined) return hit;
    const p = new Params(this.db.dialect);
    const row = await this.db.get(
      `SELECT 1 AS found FROM ${table.propertyTable} WHERE name = ${p.add(name)} AND is_custom_property = ${p.add(1)} AND double_value IS NOT NULL LIMIT 1`,
      p.values,
    );
    this.doubles.set(key, row !== undefined);
    if (row !== undefined) this.draft?.doubles.add(key);
    return row !== undefined;
  }

  /**
   * The type `name`, with at least the properties `needs` names when it declares them: a
   * remembered type that lacks one is read again (another writer may have added it).
   */
  async resolve(
    table: NodeTable,
    name: string,
    version: string | undefined,
    needs: readonly string[] = [],
  ): Promise<ResolvedType> {
    const key = `${table.typeKind}\u0000${name}\u0000${version ?? ''}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const remembered = this.draft?.memo.resolved.get(key);
    if (remembered && needs.every((prop) => remembered.properties.has(prop))) {
      this.cache.set(key, remembered);
      return remembered;
    }
    const resolved = await this.read(table, name, version);
    this.cache.set(key, resolved);
    this.draft?.resolved.set(key, resolved);
    return resolved;
  }

  private async read(table: NodeTable, name: string, version: string | undefined): Promise<ResolvedType> {
    const p = new Params(this.db.dialect);
    let sql = `SELECT id FROM Type WHERE type_kind = ${p.add(table.typeKind)} AND name = ${p.add(name)}`;
    sql += version === undefined ? ' AND version IS NULL' : ` AND version = ${p.add(version)}`;
    // ORDER BY: a file MLMD's init race left with a duplicate type uses the first, as getType does.
    const row = await this.db.get(`${sql} ORDER BY id`, p.values);
    if (!row) {
      throw new MlmetaError(
        'NOT_FOUND',
        `unknown ${table.kind} type "${name}"${version ? ` version "${version}"` : ''}; declare it in the batch's types or with putTypes first`,
      );
    }
    const q = new Params(this.db.dialect);
    const props = await this.db.all(
      `SELECT name, data_type FROM TypeProperty WHERE type_id = ${q.add(row.id)}`,
      q.values,
    );
    const kinds: PropertyTypeName[] = ['INT', 'DOUBLE', 'STRING', 'STRUCT', 'PROTO', 'BOOLEAN'];
    const resolved: ResolvedType = {
      id: Number(row.id),
      name,
      properties: new Map(
        props.map((prop) => [String(prop.name), kinds[Number(prop.data_type) - 1] ?? 'STRING']),
      ),
    };
    return resolved;
  }
}

function nodeLabel(kind: NodeKind, input: NodeInput): string {
  const id = input.externalId
    ? `external id "${input.externalId}"`
    : input.id
      ? `id ${input.id}`
      : `name "${input.name}"`;
  return `${kind} with ${id}`;
}

/** Find the stored node an input refers to, if any. */
async function findExisting(
  db: SqlExecutor,
  table: NodeTable,
  input: NodeInput,
  typeId: number,
): Promise<Row | undefined> {
  const p = new Params(db.dialect);
  const select = `SELECT * FROM ${table.table} WHERE`;
  if (input.id !== undefined) {
    const row = await db.get(`${select} id = ${p.add(input.id)}`, p.values);
    if (!row)
      throw new MlmetaError('NOT_FOUND', `no ${table.kind} has id ${input.id}; omit id to create one`);
    return row;
  }
  if (input.externalId !== undefined)
    return db.get(`${select} external_id = ${p.add(input.externalId)}`, p.values);
  if (input.name !== undefined) {
    return db.get(`${select} type_id = ${p.add(typeId)} AND name = ${p.add(input.name)}`, p.values);
  }
  return undefined;
}

interface PropertyWrite {
  name: string;
  custom: boolean;
  /** undefined: delete the stored value. */
  columns?: PropertyColumns;
}

function propertyWrites(kind: NodeKind, type: ResolvedType, input: NodeInput): PropertyWrite[] {
  const writes: PropertyWrite[] = [];
  const add = (values: Properties | undefined, custom: boolean) => {
    for (const [name, value] of Object.entries(values ?? {}) as [string, PropertyValue][]) {
      if (value === null) {
        writes.push({ name, custom });
        continue;
      }
      const declared = type.properties.get(name);
      if (!custom && declared === undefined) {
        throw new MlmetaError(
          'INVALID_ARGUMENT',
          `property "${name}" is not declared on ${kind} type "${type.name}"; declare it on the type or write it under customProperties`,
        );
      }
      const where = `${custom ? 'custom property' : 'property'} "${name}" of ${kind} type "${type.name}"`;
      writes.push({
        name,
        custom,
        columns: encodeProperty(value, declared ?? inferKind(value, name), where),
      });
    }
  };
  add(input.properties, false);
  add(input.customProperties, true);
  return writes;
}

/** Apply property writes; returns whether anything changed. */
const PROPERTY_ROWS_PER_STATEMENT = 500;

async function writeProperties(
  db: SqlExecutor,
  types: TypeResolver,
  table: NodeTable,
  nodeId: number,
  writes: PropertyWrite[],
  isNew: boolean,
): Promise<boolean> {
  if (writes.length === 0) return false;
  const stored = new Map<string, Row>();
  if (!isNew) {
    const p = new Params(db.dialect);
    const rows = await db.all(
      `SELECT * FROM ${table.propertyTable} WHERE ${table.owner} = ${p.add(nodeId)}`,
      p.values,
    );
    for (const row of rows) stored.set(`${Number(row.is_custom_property)}:${row.name}`, row);
  }
  let changed = false;
  const rows: unknown[][] = [];
  for (const write of writes) {
    const existing = stored.get(`${write.custom ? 1 : 0}:${write.name}`);
    const p = new Params(db.dialect);
    const key = `${table.owner} = ${p.add(nodeId)} AND name = ${p.add(write.name)} AND is_custom_property = ${p.add(write.custom ? 1 : 0)}`;
    if (!write.columns) {
      if (existing) {
        await db.run(`DELETE FROM ${table.propertyTable} WHERE ${key}`, p.values);
        changed = true;
      }
      continue;
    }
    const c = write.columns;
    if (write.custom && c.int_value !== null) {
      const wasDouble = existing?.double_value != null || (await types.customIsDouble(table, write.name));
      if (wasDouble) {
        c.double_value = c.int_value;
        c.int_value = null;
      }
    }
    if (existing && sameColumns(existing, c)) continue;
    rows.push([
      nodeId,
      write.name,
      write.custom ? 1 : 0,
      c.int_value,
      c.double_value,
      c.string_value,
      protoColumn(c.proto_value, db.dialect.name),
      c.bool_value,
    ]);
  }
  // Every changed property in one statement (chunked under SQLite's bound-parameter limit).
  for (let i = 0; i < rows.length; i += PROPERTY_ROWS_PER_STATEMENT) {
    const q = new Params(db.dialect);
    const tuples = rows
      .slice(i, i + PROPERTY_ROWS_PER_STATEMENT)
      .map((row) => `(${row.map((v) => q.add(v)).join(', ')})`);
    await db.run(
      `INSERT INTO ${table.propertyTable} (${table.owner}, name, is_custom_property, int_value, double_value, string_value, proto_value, bool_value) ` +
        `VALUES ${tuples.join(', ')} ON CONFLICT (${table.owner}, name, is_custom_property) DO UPDATE SET int_value = excluded.int_value, ` +
        'double_value = excluded.double_value, string_value = excluded.string_value, proto_value = excluded.proto_value, ' +
        'bool_value = excluded.bool_value, byte_value = NULL',
      q.values,
    );
  }
  return changed || rows.length > 0;
}

/** The node columns an input sets (only those it mentions). */
function nodeFields(kind: NodeKind, input: NodeInput): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (input.name !== undefined) fields.name = input.name;
  if (input.externalId !== undefined) fields.external_id = input.externalId;
  if (kind === 'artifact') {
    if (input.uri !== undefined) fields.uri = input.uri;
    if (input.state !== undefined) fields.state = ArtifactState[input.state as keyof typeof ArtifactState];
  }
  if (kind === 'execution' && input.lastKnownState !== undefined) {
    fields.last_known_state = ExecutionState[input.lastKnownState];
  }
  return fields;
}

/** Whether another node of the type already holds `name`. */
async function nameTaken(
  db: SqlExecutor,
  table: NodeTable,
  typeId: number,
  name: string,
  selfId?: number,
): Promise<boolean> {
  const p = new Params(db.dialect);
  let sql = `SELECT 1 AS taken FROM ${table.table} WHERE type_id = ${p.add(typeId)} AND name = ${p.add(name)}`;
  if (selfId !== undefined) sql += ` AND id <> ${p.add(selfId)}`;
  return (await db.get(sql, p.values)) !== undefined;
}

/**
 * MLMD keeps names unique per type, but people reuse names ("train-good" run twice): a new
 * node identified by its external id whose name is taken gets the first free `name-2`,
 * `name-3`, …, the name every reader then shows and accepts. A later write of the original
 * name to that node (a replay) keeps the stored one.
 */
async function freeName(db: SqlExecutor, table: NodeTable, typeId: number, name: string): Promise<string> {
  if (!(await nameTaken(db, table, typeId, name))) return name;
  const p = new Params(db.dialect);
  const rows = await db.all(
    `SELECT name FROM ${table.table} WHERE type_id = ${p.add(typeId)} AND name LIKE ${p.add(`${name.replace(/[\\%_]/g, (c) => `\\${c}`)}-%`)} ESCAPE '\\'`,
    p.values,
  );
  const used = new Set(rows.map((row) => String(row.name)));
  let n = 2;
  while (used.has(`${name}-${n}`)) n++;
  return `${name}-${n}`;
}

async function upsertNode(
  db: SqlExecutor,
  types: TypeResolver,
  kind: NodeKind,
  input: NodeInput,
  now: number,
): Promise<number> {
  const table = NODE_TABLES[kind];
  const type = await types.resolve(table, input.type, input.typeVersion, Object.keys(input.properties ?? {}));
  const writes = propertyWrites(kind, type, input);
  const fields = nodeFields(kind, input);
  const existing = await findExisting(db, table, input, type.id);

  if (!existing) {
    if (typeof fields.name === 'string' && input.externalId !== undefined) {
      fields.name = await freeName(db, table, type.id, fields.name);
    }
    const p = new Params(db.dialect);
    const columns = [
      'type_id',
      ...Object.keys(fields),
      'create_time_since_epoch',
      'last_update_time_since_epoch',
    ];
    const values = [type.id, ...Object.values(fields), now, now].map((v) => p.add(v));
    // Two writers creating one node at once is the normal case (a shared dataset digest): the
    // loser's insert either waits and then fails to serialize (PostgreSQL retries the whole
    // transaction, which then finds the node) or, when the row it conflicts with was already
    // visible, does nothing: then another node holds this external id or (type, name).
    const row = await db.get(
      `INSERT INTO ${table.table} (${columns.join(', ')}) VALUES (${values.join(', ')}) ON CONFLICT DO NOTHING RETURNING id`,
      p.values,
    );
    if (!row) {
      throw new MlmetaError(
        'ALREADY_EXISTS',
        `${nodeLabel(kind, input)}: another ${kind} of type "${type.name}" already has the name "${input.name}"; names are unique per type, so use another name or that node's external id`,
      );
    }
    const id = Number(row.id);
    await writeProperties(db, types, table, id, writes, true);
    return id;
  }

  const id = Number(existing.id);
  if (Number(existing.type_id) !== type.id) {
    throw new MlmetaError(
      'FAILED_PRECONDITION',
      `${nodeLabel(kind, input)} exists with another type (id ${existing.type_id}); a node's type cannot change`,
    );
  }
  if (
    typeof fields.name === 'string' &&
    fields.name !== existing.name &&
    (await nameTaken(db, table, type.id, fields.name, id))
  ) {
    delete fields.name;
  }
  const changedFields = Object.entries(fields).filter(
    ([column, value]) => (existing[column] ?? null) !== value,
  );
  const propertiesChanged = await writeProperties(db, types, table, id, writes, false);
  if (changedFields.length > 0 || propertiesChanged) {
    const p = new Params(db.dialect);
    const sets = changedFields.map(([column, value]) => `${column} = ${p.add(value)}`);
    sets.push(
      `last_update_time_since_epoch = ${p.add(Math.max(now, Number(existing.last_update_time_since_epoch)))}`,
    );
    await db.run(`UPDATE ${table.table} SET ${sets.join(', ')} WHERE id = ${p.add(id)}`, p.values);
  }
  return id;
}

/**
 * Node ids this batch has written, by reference, so that its events, attributions and
 * associations do not look up again what the batch itself just upserted (a round trip each on
 * PostgreSQL: a third of a typical run's statements).
 */
class BatchRefs {
  private readonly ids = new Map<string, number>();
  private static key(kind: NodeKind, ref: NodeRef): string {
    return 'id' in ref ? `${kind}#${ref.id}` : `${kind}:${ref.externalId}`;
  }
  remember(kind: NodeKind, input: NodeInput, id: number): void {
    this.ids.set(BatchRefs.key(kind, { id }), id);
    if (input.externalId !== undefined)
      this.ids.set(BatchRefs.key(kind, { externalId: input.externalId }), id);
  }
  lookup(kind: NodeKind, ref: NodeRef): number | undefined {
    return this.ids.get(BatchRefs.key(kind, ref));
  }
}

/** Resolve a node reference to its id; unknown references are NOT_FOUND. */
async function resolveRef(
  db: SqlExecutor,
  refs: BatchRefs,
  kind: NodeKind,
  ref: NodeRef,
  role: string,
): Promise<number> {
  const known = refs.lookup(kind, ref);
  if (known !== undefined) return known;
  const table = NODE_TABLES[kind];
  const p = new Params(db.dialect);
  const where = 'id' in ref ? `id = ${p.add(ref.id)}` : `external_id = ${p.add(ref.externalId)}`;
  const row = await db.get(`SELECT id FROM ${table.table} WHERE ${where}`, p.values);
  if (!row) {
    const what = 'id' in ref ? `id ${ref.id}` : `external id "${ref.externalId}"`;
    throw new MlmetaError(
      'NOT_FOUND',
      `${role} refers to a ${kind} with ${what} that does not exist; include it in the batch or write it first`,
    );
  }
  return Number(row.id);
}

/** Rows per multi-row INSERT: well under SQLite's bound-parameter limit at 4 columns a row. */
const EDGE_ROWS_PER_STATEMENT = 500;

/** Insert edge rows that may already exist (a replayed batch), in multi-row statements. */
async function insertIgnore(
  db: SqlExecutor,
  table: string,
  columns: readonly string[],
  rows: readonly number[][],
) {
  for (let i = 0; i < rows.length; i += EDGE_ROWS_PER_STATEMENT) {
    const p = new Params(db.dialect);
    const tuples = rows
      .slice(i, i + EDGE_ROWS_PER_STATEMENT)
      .map((row) => `(${row.map((v) => p.add(v)).join(', ')})`);
    await db.run(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`,
      p.values,
    );
  }
}

async function putEvents(db: SqlExecutor, refs: BatchRefs, batch: Batch, now: number): Promise<void> {
  const rows: number[][] = [];
  const events = batch.events ?? [];
  for (const [i, event] of events.entries()) {
    const artifactId = await resolveRef(db, refs, 'artifact', event.artifact, `events[${i}].artifact`);
    const executionId = await resolveRef(db, refs, 'execution', event.execution, `events[${i}].execution`);
    rows.push([
      artifactId,
      executionId,
      EventType[event.type as EventTypeName],
      event.millisecondsSinceEpoch ?? now,
    ]);
  }
  const columns = ['artifact_id', 'execution_id', 'type', 'milliseconds_since_epoch'];
  // Events without paths (nearly all) go in multi-row statements; one with a path needs its
  // new id back for its steps.
  if (events.every((event) => !event.path?.length)) return insertIgnore(db, 'Event', columns, rows);
  for (const [i, event] of events.entries()) {
    const p = new Params(db.dialect);
    const row = await db.get(
      `INSERT INTO Event (${columns.join(', ')}) VALUES (${rows[i]!.map((v) => p.add(v)).join(', ')}) ON CONFLICT DO NOTHING RETURNING id`,
      p.values,
    );
    // An existing event (the same batch again) keeps its original path.
    if (!row) continue;
    for (const step of event.path ?? []) {
      const q = new Params(db.dialect);
      const isIndex = 'index' in step;
      await db.run(
        `INSERT INTO EventPath (event_id, is_index_step, step_index, step_key) VALUES (${q.add(row.id)}, ${q.add(
          isIndex ? 1 : 0,
        )}, ${q.add(isIndex ? step.index : null)}, ${q.add(isIndex ? null : step.key)})`,
        q.values,
      );
    }
  }
}

async function putParentContexts(db: SqlExecutor, refs: BatchRefs, batch: Batch): Promise<void> {
  for (const [i, link] of (batch.parentContexts ?? []).entries()) {
    const child = await resolveRef(db, refs, 'context', link.child, `parentContexts[${i}].child`);
    const parent = await resolveRef(db, refs, 'context', link.parent, `parentContexts[${i}].parent`);
    const p = new Params(db.dialect);
    // The new link closes a cycle if the child is already an ancestor of the parent.
    const cycle =
      child === parent ||
      (await db.get(
        `WITH RECURSIVE ancestor(id) AS (SELECT parent_context_id FROM ParentContext WHERE context_id = ${p.add(parent)} ` +
          'UNION SELECT pc.parent_context_id FROM ParentContext pc JOIN ancestor a ON pc.context_id = a.id) ' +
          `SELECT 1 AS found FROM ancestor WHERE id = ${p.add(child)}`,
        p.values,
      )) !== undefined;
    if (cycle) {
      throw new MlmetaError(
        'INVALID_ARGUMENT',
        `parentContexts[${i}] would make context ${child} its own ancestor (a cycle of parent contexts); remove that link`,
      );
    }
    await insertIgnore(db, 'ParentContext', ['context_id', 'parent_context_id'], [[child, parent]]);
  }
}

/** The batch's type declarations, skipping those this store already applied and committed. */
async function declareTypes(db: SqlExecutor, inputs: NonNullable<Batch['types']>, draft?: TypeDraft) {
  const keys = inputs.map((input) => JSON.stringify(input));
  const pending = inputs.filter((_, i) => !draft?.memo.declared.has(keys[i]!));
  if (pending.length === 0) return;
  await putTypes(db, pending);
  for (const key of keys) draft?.declared.add(key);
}

/**
 * Write a lineage batch. Call inside a transaction: any throw must roll the whole batch back.
 * With a `draft` of the store's TypeMemo, type work committed by earlier batches is not redone;
 * the store folds the draft into its memo once this transaction commits.
 */
export async function putLineage(
  db: SqlExecutor,
  raw: LineageBatch,
  now = Date.now(),
  draft?: TypeDraft,
): Promise<LineageBatchResult> {
  const batch = parseInput((await inputSchemas()).LineageBatchSchema, raw, 'lineage batch');
  if (batch.types?.length) await declareTypes(db, batch.types, draft);
  const types = new TypeResolver(db, draft);
  const refs = new BatchRefs();
  const upsert = async (kind: NodeKind, input: NodeInput) => {
    const id = await upsertNode(db, types, kind, input, now);
    refs.remember(kind, input, id);
    return id;
  };
  const result: LineageBatchResult = { artifactIds: [], executionIds: [], contextIds: [] };
  for (const input of batch.artifacts ?? []) result.artifactIds.push(await upsert('artifact', input));
  for (const input of batch.executions ?? []) {
    result.executionIds.push(await upsert('execution', input as NodeInput));
  }
  for (const input of batch.contexts ?? []) result.contextIds.push(await upsert('context', input));
  await putEvents(db, refs, batch, now);
  const attributions: number[][] = [];
  for (const [i, a] of (batch.attributions ?? []).entries()) {
    const artifactId = await resolveRef(db, refs, 'artifact', a.artifact, `attributions[${i}].artifact`);
    const contextId = await resolveRef(db, refs, 'context', a.context, `attributions[${i}].context`);
    attributions.push([contextId, artifactId]);
  }
  await insertIgnore(db, 'Attribution', ['context_id', 'artifact_id'], attributions);
  const associations: number[][] = [];
  for (const [i, a] of (batch.associations ?? []).entries()) {
    const executionId = await resolveRef(db, refs, 'execution', a.execution, `associations[${i}].execution`);
    const contextId = await resolveRef(db, refs, 'context', a.context, `associations[${i}].context`);
    associations.push([contextId, executionId]);
  }
  await insertIgnore(db, 'Association', ['context_id', 'execution_id'], associations);
  await putParentContexts(db, refs, batch);
  await putModelVersions(
    db,
    batch.modelVersions ?? [],
    {
      resolveArtifact: (ref, role) => resolveRef(db, refs, 'artifact', ref, role),
      upsert: (kind, input) => upsert(kind, input as NodeInput),
    },
    now,
  );
  return result;
}
