/** MLMD's text form of a STRUCT value: "mlmd-struct::" + base64(google.protobuf.Struct). */
import type { JsonValue } from '../../model/schemas.js';
import { decodeStruct, encodeStruct } from './protobuf-wire.js';

export const STRUCT_PREFIX = 'mlmd-struct::';
/** The key TFX wraps a non-object JSON value in, so that it fits a Struct. */
export const WRAPPED_VALUE_KEY = '__value__';
/** The type URL prefix of protobuf's well-known types in an Any. */
export const TYPE_URL = 'type.googleapis.com/google.protobuf.';

export const isObject = (value: unknown): value is { [key: string]: JsonValue } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** MLMD's STRUCT text for a JSON value. */
export function encodeStructText(value: JsonValue): string {
  const object = isObject(value) ? value : { [WRAPPED_VALUE_KEY]: value };
  return STRUCT_PREFIX + encodeStruct(object).toString('base64');
}

/** The JSON value of MLMD's STRUCT text; undefined when it is not one. */
export function decodeStructText(text: string): JsonValue | undefined {
  if (!text.startsWith(STRUCT_PREFIX)) return undefined;
  try {
    const object = decodeStruct(Buffer.from(text.slice(STRUCT_PREFIX.length), 'base64'));
    const keys = Object.keys(object);
    return keys.length === 1 && keys[0] === WRAPPED_VALUE_KEY ? object[WRAPPED_VALUE_KEY]! : object;
  } catch {
    return undefined;
  }
}
