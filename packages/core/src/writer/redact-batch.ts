/**
 * The one choke point of redaction: every batch the writer seals passes through here before it
 * goes to a store or to the spool, whichever call queued its records. The walk is generic: every
 * string in the batch is redacted, names, keys, URIs, external ids, event paths and metric keys
 * included, so a field added to the batch later cannot bypass it. Only node property maps get
 * more: their names are secret names (`param.apiKey`) whose values are hidden whole.
 */
import { isSecretKey, redact, redactSecretValue, redactString } from '../capture/redact.js';
import { OWN_PROPERTY_NAMES } from '../model/run-properties.js';
import type { WriteBatch } from './batch.js';

/** Node fields holding property maps (name → value). Type declarations' maps hold kinds, not values. */
const PROPERTY_MAPS = new Set(['properties', 'customProperties']);

function redactProperties(map: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(map)) {
    const value = map[name];
    const secret = !OWN_PROPERTY_NAMES.has(name) && isSecretKey(name);
    out[redactString(name)] = secret ? redactSecretValue(value) : redact(value);
  }
  return out;
}

function walk(value: unknown, nodeLevel: boolean): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => walk(item, nodeLevel));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const inner = (value as Record<string, unknown>)[key];
    out[redactString(key)] =
      nodeLevel &&
      PROPERTY_MAPS.has(key) &&
      typeof inner === 'object' &&
      inner !== null &&
      !Array.isArray(inner)
        ? redactProperties(inner as Record<string, unknown>)
        : walk(inner, nodeLevel && key !== 'types');
  }
  return out;
}

/**
 * A copy of `batch` in which no string carries a secret.
 *
 * @example
 * redactBatch({ lineage: { executions: [{ type: 't', name: 'run ghp_…' }] }, metrics: [] });
 * // → executions[0].name === 'run [REDACTED]'
 */
export function redactBatch(batch: WriteBatch): WriteBatch {
  return walk(batch, true) as WriteBatch;
}
