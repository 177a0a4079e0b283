/**
 * Property values ↔ MLMD's property columns, in MLMD's own encoding so MLMD's clients read
 * and update what mlmeta writes and the other way round:
 * - INT int_value, STRING string_value, BOOLEAN bool_value;
 * - DOUBLE double_value, NaN included: PostgreSQL stores it as is; SQLite would turn a bound NaN
 *   into NULL, so it gets the text 'NaN', which SQLite keeps (dynamic typing) and MLMD parses as
 *   NaN. (MLMD itself cannot write non-finite doubles: it prints them into SQL as `nan`.)
 * - STRUCT string_value = "mlmd-struct::" + base64(google.protobuf.Struct). A Struct is an object;
 *   any other JSON value (an array) is wrapped as `{"__value__": value}`, TFX's convention.
 * - PROTO proto_value = google.protobuf.Any (raw in PostgreSQL, base64 text in SQLite, as MLMD). Struct, ListValue and Value payloads read
 *   as JSON; any other message as `{ "@type": typeUrl, value: base64 }`, which writes it back.
 * byte_value is not used: MLMD never reads it (older mlmeta tagged rows there: legacy-values.ts).
 */
import type { PropertyTypeName } from '../../model/enums.js';
import { METRIC_PROPERTY_PREFIX } from '../../model/metric-properties.js';
import type { PropertyValue } from '../../model/schemas.js';
import { MlmetaError } from '../errors.js';
import type { Row } from './driver.js';
import { legacyValue } from './legacy-values.js';
import { decodeStructText, encodeStructText, isObject, TYPE_URL } from './mlmd-struct.js';
import {
  decodeAny,
  decodeListValue,
  decodeStruct,
  decodeValue,
  encodeAny,
  encodeListValue,
  encodeStruct,
  encodeValue,
} from './protobuf-wire.js';

/** The columns one property value occupies. Unused columns are null. */
export interface PropertyColumns {
  int_value: number | null;
  /** A number, or the text 'NaN' (see the file comment). */
  double_value: number | string | null;
  string_value: string | null;
  /** The Any's bytes; put-lineage stores them as the database's MLMD does (`protoColumn`). */
  proto_value: Buffer | null;
  bool_value: boolean | null;
}

const empty = (): PropertyColumns => ({
  int_value: null,
  double_value: null,
  string_value: null,
  proto_value: null,
  bool_value: null,
});

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${String(value)}`;
}

function encodeProto(value: Exclude<PropertyValue, null>, mismatch: () => Error): Buffer {
  let any: Buffer;
  if (isObject(value) && typeof value['@type'] === 'string' && typeof value.value === 'string') {
    any = encodeAny(value['@type'], Buffer.from(value.value, 'base64'));
  } else if (Array.isArray(value)) any = encodeAny(`${TYPE_URL}ListValue`, encodeListValue(value));
  else if (isObject(value)) any = encodeAny(`${TYPE_URL}Struct`, encodeStruct(value));
  else if (typeof value === 'number' && !Number.isFinite(value)) throw mismatch();
  else any = encodeAny(`${TYPE_URL}Value`, encodeValue(value));
  return any;
}

/**
 * The Any bytes of a stored proto_value. MLMD keeps them raw in PostgreSQL's bytea and as base64
 * text in SQLite; raw Any bytes start with field 1's tag (0x0a), which base64 text never does.
 */
function storedAny(stored: unknown): Buffer {
  const bytes = Buffer.isBuffer(stored)
    ? stored
    : stored instanceof Uint8Array
      ? Buffer.from(stored)
      : Buffer.from(String(stored), 'ascii');
  return bytes[0] === 0x0a ? bytes : Buffer.from(bytes.toString('ascii'), 'base64');
}

/** proto_value as `dialect` stores it, the way MLMD writes it there. */
export function protoColumn(any: Buffer | null, dialect: 'sqlite' | 'postgres'): Buffer | null {
  if (any === null || dialect === 'postgres') return any;
  return Buffer.from(any.toString('base64'), 'ascii');
}

function decodeProto(stored: unknown): PropertyValue | undefined {
  try {
    const any = decodeAny(storedAny(stored));
    switch (any.typeUrl) {
      case `${TYPE_URL}Struct`:
        return decodeStruct(any.value);
      case `${TYPE_URL}ListValue`:
        return decodeListValue(any.value);
      case `${TYPE_URL}Value`:
        return decodeValue(any.value);
      default:
        return { '@type': any.typeUrl, value: Buffer.from(any.value).toString('base64') };
    }
  } catch {
    return undefined;
  }
}

/**
 * The kind a custom property's value is stored as (custom properties are not declared). Whole
 * numbers are INT, except metric values (`metric.*`) and names already stored as DOUBLE
 * (put-lineage checks those), so one name keeps one kind from run to run.
 */
export function inferKind(value: Exclude<PropertyValue, null>, name = ''): PropertyTypeName {
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && !name.startsWith(METRIC_PROPERTY_PREFIX) ? 'INT' : 'DOUBLE';
  }
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
  const columns = empty();
  switch (kind) {
    case 'INT':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw mismatch();
      columns.int_value = value;
      return columns;
    case 'DOUBLE':
      if (typeof value !== 'number') throw mismatch();
      columns.double_value = Number.isNaN(value) ? 'NaN' : value;
      return columns;
    case 'STRING':
      if (typeof value !== 'string') throw mismatch();
      columns.string_value = value;
      return columns;
    case 'BOOLEAN':
      if (typeof value !== 'boolean') throw mismatch();
      columns.bool_value = value;
      return columns;
    case 'STRUCT':
      if (typeof value !== 'object') throw mismatch();
      columns.string_value = encodeStructText(value);
      return columns;
    case 'PROTO':
      columns.proto_value = encodeProto(value, mismatch);
      return columns;
  }
}

/** Decode a property row; undefined when no value column is set. */
export function decodeProperty(row: Row): PropertyValue | undefined {
  const legacy = row.byte_value == null ? undefined : legacyValue(row);
  if (legacy) return legacy.value;
  if (row.bool_value != null) return Boolean(Number(row.bool_value));
  if (row.int_value != null) return Number(row.int_value);
  if (row.double_value != null) return Number(row.double_value);
  if (row.string_value != null) {
    const text = String(row.string_value);
    return decodeStructText(text) ?? text;
  }
  if (row.proto_value != null) return decodeProto(row.proto_value);
  return undefined;
}

/** True when the stored row holds exactly these columns (so an unchanged write is skipped). */
export function sameColumns(row: Row, columns: PropertyColumns): boolean {
  const num = (v: unknown) => (v == null ? null : Number(v));
  const sameNumber = (a: number | null, b: number | string | null) =>
    b == null ? a === null : Object.is(a, Number(b));
  return (
    num(row.int_value) === columns.int_value &&
    sameNumber(num(row.double_value), columns.double_value) &&
    (row.string_value ?? null) === columns.string_value &&
    (row.proto_value == null
      ? columns.proto_value === null
      : columns.proto_value !== null && storedAny(row.proto_value).equals(columns.proto_value)) &&
    row.byte_value == null &&
    (row.bool_value == null ? null : Boolean(Number(row.bool_value))) === columns.bool_value
  );
}
