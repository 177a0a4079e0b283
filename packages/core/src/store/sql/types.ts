/**
 * Type declarations: MLMD's Type, TypeProperty and ParentType rows. A type is identified by
 * (kind, name, version); it may gain properties but never loses one or changes its kind
 * unless the caller asks (`canDeleteFields`).
 */
import { BASE_ARTIFACT_TYPES, BASE_EXECUTION_TYPES } from '../../model/base-types.js';
import {
  enumName,
  PropertyType,
  type PropertyTypeName,
  TypeKind,
  type TypeKindName,
} from '../../model/enums.js';
import type { TypeDef, TypeInput } from '../../model/schemas.js';
import { MlmetaError } from '../errors.js';
import type { PutTypesOptions } from '../store.js';
import { Params, type Row, type SqlExecutor } from './driver.js';
import { inputSchemas, parseInput } from './validate.js';

const SYSTEM_TYPE_NAMES = new Set<string>([...BASE_ARTIFACT_TYPES, ...BASE_EXECUTION_TYPES]);

const TYPE_COLUMNS =
  'SELECT t.id, t.name, t.version, t.type_kind, t.description, t.external_id, b.name AS base_type FROM Type t ' +
  'LEFT JOIN ParentType pt ON pt.type_id = t.id LEFT JOIN Type b ON b.id = pt.parent_type_id';

function kindName(typeKind: unknown): TypeKindName {
  return enumName(TypeKind, Number(typeKind)) as TypeKindName;
}

/** Read types (with properties) matching a WHERE clause over `t`. */
async function readTypes(db: SqlExecutor, where: string, p: Params): Promise<TypeDef[]> {
  const rows = await db.all(`${TYPE_COLUMNS} WHERE ${where} ORDER BY t.id`, p.values);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => Number(r.id));
  const q = new Params(db.dialect);
  const props = await db.all(
    `SELECT type_id, name, data_type FROM TypeProperty WHERE type_id IN ${q.ids(ids)}`,
    q.values,
  );
  const byType = new Map<number, Row[]>();
  for (const prop of props) {
    const list = byType.get(Number(prop.type_id)) ?? [];
    list.push(prop);
    byType.set(Number(prop.type_id), list);
  }
  return rows.map((row) => {
    const def: TypeDef = {
      id: Number(row.id),
      kind: kindName(row.type_kind),
      name: String(row.name),
      properties: {},
    };
    if (row.version != null) def.version = String(row.version);
    if (row.description != null) def.description = String(row.description);
    if (row.external_id != null) def.externalId = String(row.external_id);
    if (row.base_type != null) def.baseType = String(row.base_type);
    const sorted = (byType.get(def.id) ?? []).sort((a, b) => String(a.name).localeCompare(String(b.name)));
    for (const prop of sorted) {
      def.properties[String(prop.name)] = enumName(PropertyType, Number(prop.data_type)) as PropertyTypeName;
    }
    return def;
  });
}

/** Every user type, optionally of one kind (MLMD's system base types are left out). */
export async function getTypes(db: SqlExecutor, kind?: TypeKindName): Promise<TypeDef[]> {
  const p = new Params(db.dialect);
  const where = kind === undefined ? '1 = 1' : `t.type_kind = ${p.add(TypeKind[kind])}`;
  return (await readTypes(db, where, p)).filter((t) => !SYSTEM_TYPE_NAMES.has(t.name));
}

/** One type by kind, name and version (no version: the unversioned type). */
export async function getType(
  db: SqlExecutor,
  kind: TypeKindName,
  name: string,
  version?: string,
): Promise<TypeDef | undefined> {
  const p = new Params(db.dialect);
  // Bind in textual order: SQLite's `?` placeholders are positional.
  let where = `t.type_kind = ${p.add(TypeKind[kind])} AND t.name = ${p.add(name)}`;
  where += version === undefined ? ' AND t.version IS NULL' : ` AND t.version = ${p.add(version)}`;
  return (await readTypes(db, where, p))[0];
}

/** Types by id (for lineage answers). */
export async function getTypesById(db: SqlExecutor, ids: readonly number[]): Promise<TypeDef[]> {
  if (ids.length === 0) return [];
  const p = new Params(db.dialect);
  return readTypes(db, `t.id IN ${p.ids(ids)}`, p);
}

function typeLabel(input: { kind: string; name: string; version?: string }): string {
  return `${input.kind} type "${input.name}"${input.version ? ` version "${input.version}"` : ''}`;
}

async function baseTypeId(db: SqlExecutor, kind: TypeKindName, baseType: string): Promise<number> {
  const allowed: readonly string[] =
    kind === 'artifact' ? BASE_ARTIFACT_TYPES : kind === 'execution' ? BASE_EXECUTION_TYPES : [];
  const base = allowed.includes(baseType) ? await getType(db, kind, baseType) : undefined;
  if (!base) {
    const choices =
      allowed.length > 0 ? `one of ${allowed.join(', ')}` : 'none (context types have no base type)';
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `unknown base type "${baseType}" for a ${kind} type; use ${choices}`,
    );
  }
  return base.id;
}

async function insertProperty(
  db: SqlExecutor,
  typeId: number,
  name: string,
  kind: PropertyTypeName,
): Promise<void> {
  const p = new Params(db.dialect);
  await db.run(
    `INSERT INTO TypeProperty (type_id, name, data_type) VALUES (${p.add(typeId)}, ${p.add(name)}, ${p.add(PropertyType[kind])}) ON CONFLICT DO NOTHING`,
    p.values,
  );
}

/** Create or evolve one type; returns its id. Call inside a transaction. */
async function putType(db: SqlExecutor, raw: TypeInput, options: PutTypesOptions): Promise<number> {
  const input = parseInput((await inputSchemas()).TypeInputSchema, raw, 'type');
  const label = typeLabel(input);
  const existing = await getType(db, input.kind, input.name, input.version);
  if (!existing) {
    const p = new Params(db.dialect);
    const row = await db.get(
      `INSERT INTO Type (name, version, type_kind, description, external_id) VALUES (${p.add(input.name)}, ${p.add(
        input.version ?? null,
      )}, ${p.add(TypeKind[input.kind])}, ${p.add(input.description ?? null)}, ${p.add(input.externalId ?? null)}) ON CONFLICT DO NOTHING RETURNING id`,
      p.values,
    );
    // A concurrent declaration of the same type makes PostgreSQL retry this transaction; a row
    // visible here and still conflicting holds this type's external id under another name.
    if (!row) {
      throw new MlmetaError(
        'ALREADY_EXISTS',
        `${label}: another type already has external id "${input.externalId}"; use another external id`,
      );
    }
    const id = Number(row.id);
    for (const [name, kind] of Object.entries(input.properties))
      await insertProperty(db, id, name, kind as PropertyTypeName);
    if (input.baseType) {
      const q = new Params(db.dialect);
      const baseId = await baseTypeId(db, input.kind, input.baseType);
      await db.run(
        `INSERT INTO ParentType (type_id, parent_type_id) VALUES (${q.add(id)}, ${q.add(baseId)}) ON CONFLICT DO NOTHING`,
        q.values,
      );
    }
    return id;
  }

  for (const [name, kind] of Object.entries(input.properties)) {
    const stored = existing.properties[name];
    if (stored !== undefined && stored !== kind) {
      throw new MlmetaError(
        'ALREADY_EXISTS',
        `${label} already declares property "${name}" as ${stored}; it cannot become ${kind}. Use a new property name or a new type version`,
      );
    }
  }
  const omitted = Object.keys(existing.properties).filter((name) => !(name in input.properties));
  if (omitted.length > 0 && options.canDeleteFields) {
    for (const name of omitted) {
      const q = new Params(db.dialect);
      await db.run(
        `DELETE FROM TypeProperty WHERE type_id = ${q.add(existing.id)} AND name = ${q.add(name)}`,
        q.values,
      );
    }
  } else if (omitted.length > 0 && options.canOmitFields === false) {
    throw new MlmetaError(
      'ALREADY_EXISTS',
      `${label} has properties ${omitted.join(', ')} that the declaration omits; declare them, or pass canOmitFields`,
    );
  }
  for (const [name, kind] of Object.entries(input.properties)) {
    if (existing.properties[name] === undefined)
      await insertProperty(db, existing.id, name, kind as PropertyTypeName);
  }
  if (input.baseType && input.baseType !== existing.baseType) {
    if (existing.baseType) {
      throw new MlmetaError(
        'ALREADY_EXISTS',
        `${label} has base type ${existing.baseType}; it cannot become ${input.baseType}`,
      );
    }
    const q = new Params(db.dialect);
    const baseId = await baseTypeId(db, input.kind, input.baseType);
    await db.run(
      `INSERT INTO ParentType (type_id, parent_type_id) VALUES (${q.add(existing.id)}, ${q.add(baseId)}) ON CONFLICT DO NOTHING`,
      q.values,
    );
  }
  const description = input.description ?? existing.description ?? null;
  const externalId = input.externalId ?? existing.externalId ?? null;
  if (description !== (existing.description ?? null) || externalId !== (existing.externalId ?? null)) {
    const p = new Params(db.dialect);
    await db.run(
      `UPDATE Type SET description = ${p.add(description)}, external_id = ${p.add(externalId)} WHERE id = ${p.add(existing.id)}`,
      p.values,
    );
  }
  return existing.id;
}

/** Create or evolve types in order; returns their ids. Call inside a transaction. */
export async function putTypes(
  db: SqlExecutor,
  inputs: readonly TypeInput[],
  options: PutTypesOptions = {},
): Promise<number[]> {
  const ids: number[] = [];
  for (const input of inputs) ids.push(await putType(db, input, options));
  return ids;
}
