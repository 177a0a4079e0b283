/**
 * The JSON wire format shared by the HTTP store (client) and @mlmeta/server: how non-finite
 * numbers travel, what an error body looks like, and which HTTP status stands for which
 * MlmetaError code. Both ends import this one file, so they cannot drift apart.
 *
 * JSON has no NaN or ±Infinity (JSON.stringify silently writes `null`), yet a diverging loss is
 * exactly the metric a user needs to see. A non-finite number is sent as `{"$float":"NaN"}`,
 * `{"$float":"Infinity"}` or `{"$float":"-Infinity"}`. A user object that happens to have the
 * single key `$float` (or `$literal`) is escaped as `{"$literal":["$float", <value>]}`, so any
 * value survives the round trip unchanged.
 */
import { MlmetaError, type MlmetaErrorCode } from '../errors.js';

const FLOAT = '$float';
const LITERAL = '$literal';

function isMarkerShaped(value: object): boolean {
  if (!Object.hasOwn(value, FLOAT) && !Object.hasOwn(value, LITERAL)) return false;
  return Object.keys(value).length === 1;
}

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    return { [FLOAT]: Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity' };
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && isMarkerShaped(value)) {
    const [key] = Object.keys(value);
    return { [LITERAL]: [key, (value as Record<string, unknown>)[key!]] };
  }
  return value;
}

const FLOATS: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

function reviver(key: string, value: unknown): unknown {
  // JSON.parse makes `__proto__` an own property, harmless here, but a later object spread or
  // merge of a request body would turn it into prototype pollution: refuse it at the door.
  if (key === '__proto__') throw new MlmetaError('INVALID_ARGUMENT', 'the key "__proto__" is not allowed');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  if (Object.hasOwn(value, FLOAT) && Object.keys(value).length === 1) {
    const text = (value as Record<string, unknown>)[FLOAT];
    if (typeof text === 'string' && Object.hasOwn(FLOATS, text)) return FLOATS[text];
    throw new MlmetaError('INVALID_ARGUMENT', '"$float" must be "NaN", "Infinity" or "-Infinity"');
  }
  if (Object.hasOwn(value, LITERAL) && Object.keys(value).length === 1) {
    const pair = (value as Record<string, unknown>)[LITERAL];
    if (Array.isArray(pair) && pair.length === 2 && (pair[0] === FLOAT || pair[0] === LITERAL)) {
      return { [pair[0]]: pair[1] };
    }
    throw new MlmetaError('INVALID_ARGUMENT', '"$literal" must be a ["$float" or "$literal", value] pair');
  }
  return value;
}

/**
 * JSON.stringify that keeps NaN and ±Infinity (as `{"$float":...}` markers).
 *
 * @example
 * encodeWireJson({ value: Number.NaN }); // '{"value":{"$float":"NaN"}}'
 */
export function encodeWireJson(value: unknown): string {
  return JSON.stringify(value, replacer);
}

/**
 * JSON.parse that restores what encodeWireJson wrote. Throws MlmetaError('INVALID_ARGUMENT') on
 * malformed JSON or a malformed marker.
 *
 * @example
 * decodeWireJson('{"value":{"$float":"-Infinity"}}'); // { value: -Infinity }
 */
export function decodeWireJson(text: string): unknown {
  try {
    // Markers and `__proto__` need a `"$`, a `__` or an escape (`"\u005f_proto__"` decodes to
    // `__proto__`) in the text; most bodies (metric batches of finite numbers) have none of them
    // and skip the slower reviver.
    const needsReviver = text.includes('"$') || text.includes('__') || text.includes('\\u');
    return needsReviver ? JSON.parse(text, reviver) : JSON.parse(text);
  } catch (error) {
    if (error instanceof MlmetaError) throw error;
    if (error instanceof RangeError) {
      throw new MlmetaError('INVALID_ARGUMENT', 'JSON nested too deeply to read; send flatter values');
    }
    throw new MlmetaError('INVALID_ARGUMENT', `malformed JSON: ${(error as Error).message}`);
  }
}

/** The body of every non-2xx answer of the API. */
export interface WireErrorBody {
  /** `position` is set for a filter syntax error (FilterSyntaxError), the offset of the problem. */
  error: { code: MlmetaErrorCode; message: string; position?: number };
}

const STATUS_BY_CODE: Record<MlmetaErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FAILED_PRECONDITION: 412,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/** The HTTP status the server answers an MlmetaError code with. */
export function statusForCode(code: MlmetaErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}

/** The code a client assumes when a non-2xx answer has no (valid) error body, e.g. from a proxy. */
export function codeForStatus(status: number): MlmetaErrorCode {
  for (const [code, s] of Object.entries(STATUS_BY_CODE)) if (s === status) return code as MlmetaErrorCode;
  if (status === 408 || status === 429 || status === 502 || status === 504) return 'UNAVAILABLE';
  if (status === 413 || status === 415 || (status >= 400 && status < 500)) return 'INVALID_ARGUMENT';
  return status >= 500 ? 'UNAVAILABLE' : 'INTERNAL';
}

const CODES = new Set(Object.keys(STATUS_BY_CODE));

/** True for the codes MlmetaError uses (unlike, say, a Node or fastify error's `code`). */
export function isMlmetaErrorCode(code: unknown): code is MlmetaErrorCode {
  return typeof code === 'string' && CODES.has(code);
}

/** Reads an error body; undefined when `value` is not one. */
export function parseWireError(value: unknown): WireErrorBody['error'] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const error = (value as { error?: unknown }).error;
  if (error === null || typeof error !== 'object') return undefined;
  const { code, message, position } = error as { code?: unknown; message?: unknown; position?: unknown };
  if (!isMlmetaErrorCode(code) || typeof message !== 'string') return undefined;
  const at = typeof position === 'number' && Number.isInteger(position) ? { position } : {};
  return { code: code as MlmetaErrorCode, message, ...at };
}

/** Path prefix of every API route. */
export const API_PREFIX = '/api/v1';
