/**
 * The one choke point of redaction: every batch the writer flushes passes through here before it
 * goes to a store or to the spool, whichever call queued its records. The walk is generic: every
 * string in the batch is redacted, names, keys, URIs, external ids, event paths and metric keys
 * included, so a field added to the batch later cannot bypass it. Only node property maps get
 * more: their names are secret names (`param.apiKey`) whose values are hidden whole.
 */
import { isSecretKey, redact, redactSecretValue, redactString } from '../capture/redact.js';
import { OWN_PROPERTY_NAMES } from '../model/run-properties.js';
import type { WriteBatch } from './batch.js';
import { MetricBlock, type MetricSeries } from './metric-block.js';

/** Node fields holding property maps (name → value). Type declarations' maps hold kinds, not values. */
const PROPERTY_MAPS = new Set(['properties', 'customProperties']);

/** A type declaration's property map: user-chosen names, values that are kinds (`STRING`). */
function redactNames(map: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(map)) out[redactString(name)] = map[name];
  return out;
}

function redactProperties(map: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(map)) {
    const value = map[name];
    const secret = !OWN_PROPERTY_NAMES.has(name) && isSecretKey(name);
    out[redactString(name)] = secret ? redactSecretValue(value) : redact(value);
  }
  return out;
}

/**
 * Copy-on-write: an object or array comes back as itself when nothing in it changed, so the
 * common batch (2,000 metric points with clean keys) costs lookups, not 2,000 copies. Field names
 * of the batch's own records are mlmeta's schema, not user text; user-named keys live in
 * property maps, whose names are redacted.
 */
function walk(value: unknown, nodeLevel: boolean): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const redacted = walk(item, nodeLevel);
      if (copy === undefined && redacted !== item) copy = value.slice(0, i);
      copy?.push(redacted);
    }
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const inner = record[key];
    const map =
      PROPERTY_MAPS.has(key) && typeof inner === 'object' && inner !== null && !Array.isArray(inner);
    const redacted = !map
      ? walk(inner, nodeLevel && key !== 'types')
      : nodeLevel
        ? redactProperties(inner as Record<string, unknown>)
        : redactNames(inner as Record<string, unknown>);
    if (copy === undefined && redacted !== inner) copy = { ...record };
    if (copy !== undefined) copy[key] = redacted;
  }
  return copy ?? value;
}

/**
 * `batch` with no string carrying a secret (parts that needed no change are shared, not copied).
 * Queued metric points (a MetricBlock) hold their strings in the block's series table, one entry
 * per execution and key: that table is walked as the points would be, and the numbers, which
 * redaction never changes, are shared.
 *
 * @example
 * redactBatch({ lineage: { executions: [{ type: 't', name: 'run ghp_…' }] }, metrics: [] });
 * // → executions[0].name === 'run [REDACTED]'
 */
export function redactBatch<B extends WriteBatch>(batch: B): B {
  const { metrics } = batch;
  if (!(metrics instanceof MetricBlock)) return walk(batch, true) as B;
  const series = walk(metrics.series, true) as readonly MetricSeries[];
  const rest = walk({ ...batch, metrics: [] }, true) as B;
  return { ...rest, metrics: series === metrics.series ? metrics : metrics.withSeries(series) };
}
