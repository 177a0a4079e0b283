/**
 * Property values ↔ MLMD's property columns (int_value, double_value, string_value,
 * bool_value). MLMD stores STRUCT values as a protobuf Struct in proto_value; mlmeta writes
 * JSON text to string_value instead, so any SQL client can read it and filters can LIKE it, and
 * tags the row in byte_value (a column MLMD's reads never select) so it reads back as an object.
 * NaN gets the same treatment: SQLite turns a NaN double into NULL, so the tag keeps it.
 */
import type { PropertyTypeName } from '../../model/enums.js';
import type { PropertyValue } from '../../model/schemas.js';
import { MlmetaError } from '../errors.js';
import type { Row } from './driver.js';

const JSON_TAG = 'mlmeta:json';
const NAN_TAG = 'mlmeta:nan';

/** The columns one property value occupies. Unused columns are null. */
export interface PropertyColumns {
  int_value: number | null;
  double_value: number | null;
  string_value: string | null;
  byte_value: Buffer | null;
  bool_value: boolean | null;
}

const empty = (): PropertyColumns => ({
  int_value: null,
  double_value: null,
  string_value: null,
  byte_value: null,
  bool_value: null,
});

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${String(value)}`;
}

function asDouble(value: number): PropertyColumns {
  const columns = empty();
  if (Number.isNaN(value)) columns.byte_value = Buffer.from(NAN_TAG);
  else columns.double_value = value;
  return columns;
}

function asJson(value: unknown): PropertyColumns {
  const columns = empty();
  columns.string_value = JSON.stringify(value);
  columns.byte_value = Buffer.from(JSON_TAG);
  return columns;
}

/** The kind a custom property's value is stored as (custom properties are not declared). */
export function inferKind(value: Exclude<PropertyValue, null>): PropertyTypeName {
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'INT' : 'DOUBLE';
  if (typeof value === 'string') return 'STRING';
  return 'STRUCT';
}

/**
 * Encode a value as `kind`; throws INVALID_ARGUMENT naming the property when they disagree.
 * `where` names the property for the message, e.g. `property "acc" of artifact type "Model"`.
 */
export function encodeProperty(
  value: Exclude<PropertyValue, null>,
  kind: PropertyTypeName,
  where: string,
): PropertyColumns {
  const mismatch = () =>
    new MlmetaError(
      'INVALID_ARGUMENT',
      `${where} is declared ${kind} but got ${describe(value)}; write a value of that kind, or use a custom property`,
    );
  switch (kind) {
    case 'INT': {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw mismatch();
      const columns = empty();
      columns.int_value = value;
      return columns;
    }
    case 'DOUBLE':
      if (typeof value !== 'number') throw mismatch();
      return asDouble(value);
    case 'STRING': {
      if (typeof value !== 'string') throw mismatch();
      const columns = empty();
      columns.string_value = value;
      return columns;
    }
    case 'BOOLEAN': {
      if (typeof value !== 'boolean') throw mismatch();
      const columns = empty();
      columns.bool_value = value;
      return columns;
    }
    case 'STRUCT':
      return asJson(value);
    case 'PROTO':
      throw new MlmetaError(
        'INVALID_ARGUMENT',
        `${where} is declared PROTO, which mlmeta cannot write; declare it STRUCT and write JSON`,
      );
  }
}

function tagOf(bytes: unknown): string | undefined {
  if (bytes == null) return undefined;
  if (Buffer.isBuffer(bytes)) return bytes.toString('utf8');
  if (bytes instanceof Uint8Array) return Buffer.from(bytes).toString('utf8');
  return String(bytes);
}

/** Decode a property row; undefined for values mlmeta cannot represent (MLMD proto values). */
export function decodeProperty(row: Row): PropertyValue | undefined {
  const tag = tagOf(row.byte_value);
  if (tag === JSON_TAG && typeof row.string_value === 'string') return JSON.parse(row.string_value);
  if (tag === NAN_TAG) return Number.NaN;
  if (row.bool_value != null) return Boolean(Number(row.bool_value));
  if (row.int_value != null) return Number(row.int_value);
  if (row.double_value != null) return Number(row.double_value);
  if (row.string_value != null) return String(row.string_value);
  return undefined;
}

/** True when the stored row holds exactly these columns (so an unchanged write is skipped). */
export function sameColumns(row: Row, columns: PropertyColumns): boolean {
  const num = (v: unknown) => (v == null ? null : Number(v));
  return (
    num(row.int_value) === columns.int_value &&
    num(row.double_value) === columns.double_value &&
    (row.string_value ?? null) === columns.string_value &&
    (tagOf(row.byte_value) ?? null) === (columns.byte_value ? columns.byte_value.toString('utf8') : null) &&
    (row.bool_value == null ? null : Boolean(Number(row.bool_value))) === columns.bool_value
  );
}
