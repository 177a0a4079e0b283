/**
 * Turning arbitrary user values (hyperparameters, tags, structured facts) into property values a
 * store can hold: redacted first, JSON-safe, and capped in size with a digest of what was cut.
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { redact, redactString } from '../capture/redact.js';
import { setOwn } from '../model/own-property.js';
import type { JsonValue, PropertyValue } from '../model/schemas.js';

/** Largest value stored as is (bytes of its JSON or string form). */
export const MAX_VALUE_BYTES = 64 * 1024;

/**
 * A string capped at MAX_VALUE_BYTES; a longer one keeps its head and ends with a marker that
 * names the full size and sha256, so the original can still be recognised.
 *
 * @example
 * capString('x'.repeat(100_000)); // 'xxx…[truncated by mlmeta: 100000 bytes, sha256:…]'
 */
export function capString(text: string): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= MAX_VALUE_BYTES) return text;
  const digest = createHash('sha256').update(text).digest('hex');
  const head = Buffer.from(text)
    .subarray(0, MAX_VALUE_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${head}…[truncated by mlmeta: ${bytes} bytes, sha256:${digest}]`;
}

// JSON.stringify's replacer: keeps what JSON would lose or reject in a readable form.
function jsonSafe(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as number[]);
  return value;
}

/**
 * One already-redacted value as a property value: numbers (NaN and ±Infinity kept), strings,
 * booleans as themselves; objects and arrays as STRUCT; anything JSON cannot represent
 * (cycles, class instances without toJSON, functions) as a string. `undefined` is skipped;
 * `null` stays null (no stored property).
 */
export function toPropertyValue(value: unknown): PropertyValue | undefined {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'number':
    case 'boolean':
      return value;
    case 'string':
      return capString(value);
    case 'bigint':
      return value.toString();
    case 'function':
    case 'symbol':
      return capString(redactString(String(value)));
  }
  // null is "no value", which a store holds as no property (a string "null" would match
  // `param.x = 'null'` and compare as text).
  if (value === null) return null;
  if (value instanceof Date) return value.toISOString();
  let json: string | undefined;
  try {
    json = JSON.stringify(value, jsonSafe);
  } catch {
    // Cycles and throwing getters: a readable description is better than nothing.
    return capString(redactString(inspect(value, { depth: 6, breakLength: Number.POSITIVE_INFINITY })));
  }
  if (json === undefined) return capString(redactString(String(value)));
  if (Buffer.byteLength(json) > MAX_VALUE_BYTES) return capString(json);
  return JSON.parse(json) as JsonValue[] | { [key: string]: JsonValue };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** Deeper objects than this stay one STRUCT value. */
const MAX_FLATTEN_DEPTH = 4;

/**
 * Hyperparameters with nested plain objects spread into dotted names, so that every setting is
 * a param of its own that runs, diff and filters can compare: `{ optimizer: { learningRate:
 * 0.01 } }` → `{ 'optimizer.learningRate': 0.01 }`. Arrays, class instances and empty objects
 * stay whole; a name given both flat and nested keeps the flat value.
 *
 * @example
 * flattenParams({ epochs: 5, optimizer: { beta1: 0.9 } }); // { epochs: 5, 'optimizer.beta1': 0.9 }
 */
export function flattenParams(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // The objects on the current path: a cycle stays one value (described as such later).
  const path = new Set<unknown>([values]);
  const visit = (prefix: string, value: unknown, depth: number) => {
    const spread =
      isPlainObject(value) && Object.keys(value).length > 0 && depth < MAX_FLATTEN_DEPTH && !path.has(value);
    if (!spread) {
      if (!Object.hasOwn(out, prefix)) setOwn(out, prefix, value);
      return;
    }
    path.add(value);
    for (const [key, inner] of Object.entries(value)) visit(`${prefix}.${key}`, inner, depth + 1);
    path.delete(value);
  };
  for (const [key, value] of Object.entries(values)) if (!isPlainObject(value)) setOwn(out, key, value);
  for (const [key, value] of Object.entries(values)) if (isPlainObject(value)) visit(key, value, 0);
  return out;
}

/**
 * Redact a record and convert each entry, prefixing its name: `{ lr: 0.1 }` → `{ 'param.lr': 0.1 }`.
 * Names in `ownNames` (mlmeta's own property names) are not taken as secret names; their values
 * are redacted like any other.
 *
 * @example
 * toProperties({ lr: 0.01, apiKey: 'sk-…' }, 'param.'); // { 'param.lr': 0.01, 'param.apiKey': '[REDACTED]' }
 */
export function toProperties(
  values: Record<string, unknown>,
  prefix = '',
  ownNames?: ReadonlySet<string>,
): Record<string, PropertyValue> {
  const out: Record<string, PropertyValue> = {};
  const safe = redact(values);
  for (const [name, redacted] of Object.entries(safe)) {
    const value = ownNames?.has(name) ? redact(values[name]) : redacted;
    const converted = toPropertyValue(value);
    if (converted !== undefined) setOwn(out, `${prefix}${name}`, converted);
  }
  return out;
}
