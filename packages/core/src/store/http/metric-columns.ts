/**
 * The columnar body of `POST /api/v1/metrics`: points grouped by (execution, key) into
 * `{ execution, key, steps[], values[], wallTimes[] }`. A batch of points repeats the same
 * execution reference and key on every row; as columns it is about a third of the bytes, and
 * both ends spend their time on plain number arrays, which JSON.stringify and JSON.parse handle
 * fastest. The row form (`{ points: [...] }`) stays in the API for clients that prefer it.
 *
 * Within a group a step appears once (the last point logged for a step wins, as in a row-form
 * append), so that the groups of one call may be sent as several requests in any order.
 */
import type { MetricPoint, NodeRef } from '../../model/schemas.js';
import { lazySchema, zod } from '../../zod.js';
import { MlmetaError } from '../errors.js';
import { encodeWireJson } from './wire.js';

/**
 * Metric points of one run and key as parallel columns: the compact HTTP body form.
 *
 * @example
 * const groups = toMetricColumns([{ execution: { id: 1 }, key: 'loss', step: 0, value: 0.9, wallTime: Date.now() }]);
 */
export interface MetricColumns {
  execution: NodeRef;
  key: string;
  steps: number[];
  values: number[];
  wallTimes: number[];
}

/** Largest number of points one columnar body may carry (as for the row form). */
export const MAX_BODY_POINTS = 1_000_000;

/** The reference as a map key, or undefined when it is not exactly `{ id }` or `{ externalId }`. */
function refKey(ref: unknown): string | undefined {
  if (ref === null || typeof ref !== 'object' || Object.keys(ref).length !== 1) return undefined;
  const { id, externalId } = ref as { id?: unknown; externalId?: unknown };
  if (Number.isInteger(id)) return `#${id}`;
  if (typeof externalId === 'string') return `@${externalId}`;
  return undefined;
}

/** Has exactly the five fields of a point, with the types a store accepts. */
function isWellFormed(point: MetricPoint): boolean {
  if (point === null || typeof point !== 'object') return false;
  return (
    Object.keys(point).length === 5 &&
    typeof point.key === 'string' &&
    point.key.length > 0 &&
    point.key.length <= 255 &&
    Number.isInteger(point.step) &&
    typeof point.value === 'number' &&
    typeof point.wallTime === 'number'
  );
}

/** Keeps the last occurrence of each step, in order of last occurrence. */
function keepLastPerStep(group: MetricColumns): void {
  const last = new Map<number, number>();
  for (let i = 0; i < group.steps.length; i++) last.set(group.steps[i]!, i);
  if (last.size === group.steps.length) return;
  const keep = [...last.values()].sort((a, b) => a - b);
  group.steps = keep.map((i) => group.steps[i]!);
  group.values = keep.map((i) => group.values[i]!);
  group.wallTimes = keep.map((i) => group.wallTimes[i]!);
}

/**
 * Groups points by execution and key. Returns undefined when some point is malformed: such a
 * call is sent in the row form, so that the store's own validation names the bad point by its
 * index, exactly as a local store would.
 *
 * @example
 * toMetricColumns([{ execution: { id: 1 }, key: 'loss', step: 0, value: 0.9, wallTime: 1 }]);
 * // [{ execution: { id: 1 }, key: 'loss', steps: [0], values: [0.9], wallTimes: [1] }]
 */
export function toMetricColumns(points: readonly MetricPoint[]): MetricColumns[] | undefined {
  const groups = new Map<string, MetricColumns & { lastStep: number; ordered: boolean }>();
  // Points of one run share one reference object: resolve it once.
  let lastRef: unknown;
  let lastRefKey: string | undefined;
  for (const point of points) {
    if (!isWellFormed(point)) return undefined;
    if (point.execution !== lastRef) {
      lastRef = point.execution;
      lastRefKey = refKey(point.execution);
    }
    if (lastRefKey === undefined) return undefined;
    const id = `${lastRefKey}\u0000${point.key}`;
    let group = groups.get(id);
    if (!group) {
      group = {
        execution: point.execution as NodeRef,
        key: point.key,
        steps: [],
        values: [],
        wallTimes: [],
        lastStep: Number.NEGATIVE_INFINITY,
        ordered: true,
      };
      groups.set(id, group);
    }
    if (point.step <= group.lastStep) group.ordered = false;
    group.lastStep = point.step;
    group.steps.push(point.step);
    group.values.push(point.value);
    group.wallTimes.push(point.wallTime);
  }
  const out: MetricColumns[] = [];
  for (const { lastStep: _, ordered, ...group } of groups.values()) {
    if (!ordered) keepLastPerStep(group);
    out.push(group);
  }
  return out;
}

/**
 * Cuts groups into bodies of at most `size` points each (a long series is split across bodies).
 *
 * @example
 * splitMetricColumns(toMetricColumns(points)!, 5_000); // [[group, ...], [group], ...]
 */
export function splitMetricColumns(groups: readonly MetricColumns[], size: number): MetricColumns[][] {
  const bodies: MetricColumns[][] = [];
  let body: MetricColumns[] = [];
  let room = size;
  for (const group of groups) {
    for (let start = 0; start < group.steps.length; ) {
      const take = Math.min(room, group.steps.length - start);
      body.push({
        execution: group.execution,
        key: group.key,
        steps: group.steps.slice(start, start + take),
        values: group.values.slice(start, start + take),
        wallTimes: group.wallTimes.slice(start, start + take),
      });
      start += take;
      room -= take;
      if (room === 0) {
        bodies.push(body);
        body = [];
        room = size;
      }
    }
  }
  if (body.length > 0) bodies.push(body);
  return bodies;
}

/**
 * The JSON body `{"groups":[...]}`. Only a group holding NaN or ±Infinity pays for the wire
 * codec's replacer; the rest (nearly all bodies) go through the native JSON.stringify. Plain
 * stringify is safe there because a well-formed group has no other place for a non-finite
 * number or a `$float`-shaped object.
 */
export function encodeMetricColumns(groups: readonly MetricColumns[]): string {
  const finite = (group: MetricColumns) =>
    group.values.every(Number.isFinite) && group.wallTimes.every(Number.isFinite);
  if (groups.every(finite)) return JSON.stringify({ groups });
  // Concatenation, not Array.join, which copies large strings several times slower.
  let body = '{"groups":[';
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i]!;
    body += `${i > 0 ? ',' : ''}${finite(group) ? JSON.stringify(group) : encodeWireJson(group)}`;
  }
  return `${body}]}`;
}

const Column = lazySchema(() => zod.array(zod.unknown()));
const ColumnsBodySchema = lazySchema(() =>
  zod
    .object({
      groups: zod
        .array(
          zod
            .object({
              execution: zod.unknown(),
              key: zod.unknown(),
              steps: Column,
              values: Column,
              wallTimes: Column,
            })
            .strict(),
        )
        .max(MAX_BODY_POINTS),
    })
    .strict(),
);

/**
 * The server's side: a decoded columnar body back to points, for `store.appendMetrics` (which
 * validates every field). Throws MlmetaError('INVALID_ARGUMENT') on a malformed body.
 *
 * @example
 * metricPointsFromColumns({ groups: [{ execution: { id: 1 }, key: 'loss', steps: [0], values: [1], wallTimes: [5] }] });
 */
export function metricPointsFromColumns(body: unknown): MetricPoint[] {
  const parsed = ColumnsBodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `invalid metric columns: ${issue.path.join('.') || '(root)'}: ${issue.message}; send { groups: [{ execution, key, steps, values, wallTimes }] }`,
    );
  }
  const points: MetricPoint[] = [];
  parsed.data.groups.forEach((group, g) => {
    const n = group.steps.length;
    if (group.values.length !== n || group.wallTimes.length !== n) {
      throw new MlmetaError(
        'INVALID_ARGUMENT',
        `invalid metric columns: groups.${g}: steps, values and wallTimes must have the same length`,
      );
    }
    if (points.length + n > MAX_BODY_POINTS) {
      throw new MlmetaError('INVALID_ARGUMENT', `at most ${MAX_BODY_POINTS} points per request`);
    }
    for (let i = 0; i < n; i++) {
      points.push({
        execution: group.execution as NodeRef,
        key: group.key as string,
        step: group.steps[i] as number,
        value: group.values[i] as number,
        wallTime: group.wallTimes[i] as number,
      });
    }
  });
  return points;
}
