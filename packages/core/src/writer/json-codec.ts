/**
 * JSON that keeps non-finite numbers. Metric values may be NaN or ±Infinity and must survive a
 * round trip through the spool (and any other JSON transport) as themselves, not as `null`.
 */

const NUMBER_TAG = '$mlmeta.number';

function encodeNonFinite(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return { [NUMBER_TAG]: String(value) };
  return value;
}

function decodeNonFinite(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const tagged = (value as Record<string, unknown>)[NUMBER_TAG];
    if (typeof tagged === 'string' && Object.keys(value).length === 1) return Number(tagged);
  }
  return value;
}

/**
 * Serialize with NaN/Infinity encoded as `{"$mlmeta.number":"NaN"}`.
 *
 * @example
 * decodeJson(encodeJson({ loss: Number.NaN })); // { loss: NaN }
 */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, encodeNonFinite);
}

/** The inverse of `encodeJson`. */
export function decodeJson(text: string): unknown {
  return JSON.parse(text, decodeNonFinite);
}
