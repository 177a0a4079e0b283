/**
 * Metric points in columns for the trip to the store worker. Structured clone copies an array
 * of point objects field by field, which costs the training thread more per point (about
 * 2 µs) than SQLite's insert of it; packed into one Float64Array (execution, key, step, value,
 * wall time per point, with the few distinct executions and keys in small tables) the transfer
 * is a buffer handed over without a copy.
 *
 * Only points of the plain shape are packed; anything else (a string value, an odd execution
 * reference) travels as it is, so the store validates and rejects it exactly as it would here.
 * Float64Array holds every JS number exactly, NaN and ±Infinity included.
 */
import type { MetricPoint, NodeRef } from '../../model/schemas.js';

const WIDTH = 5;

/** Points as columns: `data` holds [execution index, key index, step, value, wallTime] per point. */
export interface MetricColumns {
  executions: NodeRef[];
  keys: string[];
  data: Float64Array;
}

/** The map key of a reference of exactly `{ id }` or `{ externalId }`; undefined for any other shape. */
export function refKey(ref: unknown): number | string | undefined {
  if (typeof ref !== 'object' || ref === null) return undefined;
  const fields = Object.keys(ref);
  if (fields.length !== 1) return undefined;
  const { id, externalId } = ref as { id?: unknown; externalId?: unknown };
  if (fields[0] === 'id' && typeof id === 'number') return id;
  if (fields[0] === 'externalId' && typeof externalId === 'string') return `@${externalId}`;
  return undefined;
}

/**
 * Pack points into columns; undefined when a point is not of the plain shape.
 *
 * @example
 * const packed = packMetricPoints(points);
 * if (packed) worker.postMessage(packed, [packed.data.buffer]);
 */
export function packMetricPoints(points: readonly unknown[]): MetricColumns | undefined {
  if (!Array.isArray(points)) return undefined;
  const data = new Float64Array(points.length * WIDTH);
  const executions: NodeRef[] = [];
  const executionIndex = new Map<number | string, number>();
  const keys: string[] = [];
  const keyIndex = new Map<string, number>();
  // Points of one run share one reference object: skip the lookup while it repeats.
  let lastRef: unknown;
  let lastExecution = -1;
  for (let i = 0, o = 0; i < points.length; i++) {
    const point = points[i] as Partial<MetricPoint> | null;
    if (typeof point !== 'object' || point === null) return undefined;
    const { execution: ref, key, step, value, wallTime } = point;
    if (typeof key !== 'string' || typeof step !== 'number' || typeof value !== 'number') return undefined;
    if (typeof wallTime !== 'number') return undefined;
    if (ref !== lastRef || lastExecution < 0) {
      const mapKey = refKey(ref);
      if (mapKey === undefined) return undefined;
      let index = executionIndex.get(mapKey);
      if (index === undefined) {
        index = executions.length;
        executions.push(typeof mapKey === 'number' ? { id: mapKey } : { externalId: mapKey.slice(1) });
        executionIndex.set(mapKey, index);
      }
      lastRef = ref;
      lastExecution = index;
    }
    let keyAt = keyIndex.get(key);
    if (keyAt === undefined) {
      keyAt = keys.length;
      keys.push(key);
      keyIndex.set(key, keyAt);
    }
    data[o++] = lastExecution;
    data[o++] = keyAt;
    data[o++] = step;
    data[o++] = value;
    data[o++] = wallTime;
  }
  return { executions, keys, data };
}

/** The points back as objects (in the worker), in their original order. */
export function unpackMetricPoints(columns: MetricColumns): MetricPoint[] {
  const { executions, keys, data } = columns;
  const points: MetricPoint[] = new Array(data.length / WIDTH);
  for (let i = 0, o = 0; i < points.length; i++, o += WIDTH) {
    points[i] = {
      execution: executions[data[o]!]!,
      key: keys[data[o + 1]!]!,
      step: data[o + 2]!,
      value: data[o + 3]!,
      wallTime: data[o + 4]!,
    };
  }
  return points;
}
