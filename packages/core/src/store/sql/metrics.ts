/**
 * Metric series (mlmeta extension tables): one key row per execution and metric name, points
 * keyed by (key, step) so a replayed batch overwrites instead of duplicating. NaN is stored as
 * NULL with a flag (SQLite cannot keep a NaN double); ±Infinity is stored as is and flagged too.
 */
import type {
  MetricKeySummary,
  MetricPoint,
  MetricSeries,
  MetricSeriesPoint,
  NodeRef,
} from '../../model/schemas.js';
import { MlmetaError } from '../errors.js';
import type { MetricQuery } from '../store.js';
import { type BulkUpsert, Params, type Row, type SqlExecutor } from './driver.js';
import {
  METRIC_BLOCK_STEPS,
  type MetricBlock,
  readKeySummaries,
  readMetricBlocks,
  refreshMetricBlocks,
} from './metric-blocks.js';
import { parseNodeRef } from './validate.js';

export const FLAG_NAN = 1;
export const FLAG_POSITIVE_INFINITY = 2;
export const FLAG_NEGATIVE_INFINITY = 4;

function flagsOf(value: number): number {
  if (Number.isNaN(value)) return FLAG_NAN;
  if (value === Number.POSITIVE_INFINITY) return FLAG_POSITIVE_INFINITY;
  if (value === Number.NEGATIVE_INFINITY) return FLAG_NEGATIVE_INFINITY;
  return 0;
}

function storedValue(value: unknown, flags: unknown): number {
  const f = Number(flags ?? 0);
  if (f & FLAG_NAN) return Number.NaN;
  if (f & FLAG_POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (f & FLAG_NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  return value == null ? Number.NaN : Number(value);
}

/** The execution id a reference names; NOT_FOUND when there is none. */
export async function executionId(db: SqlExecutor, ref: NodeRef): Promise<number> {
  const parsed = await parseNodeRef(ref, 'execution reference');
  const p = new Params(db.dialect);
  const where = 'id' in parsed ? `id = ${p.add(parsed.id)}` : `external_id = ${p.add(parsed.externalId)}`;
  const row = await db.get(`SELECT id FROM Execution WHERE ${where}`, p.values);
  if (!row) {
    const what = 'id' in parsed ? `id ${parsed.id}` : `external id "${parsed.externalId}"`;
    throw new MlmetaError('NOT_FOUND', `no execution has ${what}; write the execution before its metrics`);
  }
  return Number(row.id);
}

/**
 * Checked by hand rather than with zod: this is the hot path of per-batch logging, and a schema
 * parse per point would cost more than the insert.
 */
function checkPoint(point: MetricPoint, index: number): void {
  const bad = (what: string) => new MlmetaError('INVALID_ARGUMENT', `metric point ${index}: ${what}`);
  if (typeof point !== 'object' || point === null) throw bad('must be an object');
  if (typeof point.key !== 'string' || point.key.length === 0 || point.key.length > 255) {
    throw bad('key must be a string of 1 to 255 characters');
  }
  if (!Number.isSafeInteger(point.step)) throw bad(`step must be an integer, not ${point.step}`);
  if (typeof point.value !== 'number')
    throw bad(`value must be a number (NaN and ±Infinity are kept), not ${typeof point.value}`);
  if (typeof point.wallTime !== 'number' || !Number.isFinite(point.wallTime)) {
    throw bad('wallTime must be a finite number of milliseconds since the epoch');
  }
}

/** Append points with the dialect's bulk upsert. Call inside a transaction. */
export async function appendMetrics(db: SqlExecutor, points: readonly MetricPoint[]): Promise<void> {
  // Points of one call almost always share a handful of executions and keys: resolve each once.
  const executions = new Map<unknown, number>();
  const keys = new Map<number, Map<string, number>>();
  const rows: unknown[][] = new Array(points.length);
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    checkPoint(point, i);
    const ref = point.execution as NodeRef;
    const refKey = ref && 'id' in ref ? ref.id : `@${(ref as { externalId?: string })?.externalId}`;
    let execution = executions.get(refKey);
    if (execution === undefined) {
      execution = await executionId(db, ref);
      executions.set(refKey, execution);
    }
    let series = keys.get(execution);
    if (!series) {
      series = new Map();
      keys.set(execution, series);
    }
    let keyId = series.get(point.key);
    if (keyId === undefined) {
      keyId = await keyIdFor(db, execution, point.key, true);
      series.set(point.key, keyId);
    }
    const flags = flagsOf(point.value);
    rows[i] = [keyId, point.step, flags & FLAG_NAN ? null : point.value, point.wallTime, flags];
  }
  const d = db.dialect;
  const spec: BulkUpsert = {
    table: 'mlmeta_metric_point',
    columns: [
      ['key_id', 'INT'],
      ['step', d.bigintType],
      ['value', d.doubleType],
      ['wall_time', d.doubleType],
      ['flags', 'SMALLINT'],
    ],
    key: ['key_id', 'step'],
  };
  if (db.upsertMany) await db.upsertMany(spec, rows);
  else {
    const upsert = d.bulkUpsert(spec, rows);
    await db.runMany(upsert.sql, upsert.rows);
  }
  await refreshMetricBlocks(db, rows);
}

async function keyIdFor(db: SqlExecutor, execution: number, key: string, create: true): Promise<number>;
async function keyIdFor(
  db: SqlExecutor,
  execution: number,
  key: string,
  create: false,
): Promise<number | undefined>;
async function keyIdFor(db: SqlExecutor, execution: number, key: string, create: boolean) {
  if (create) {
    const p = new Params(db.dialect);
    await db.run(
      `INSERT INTO mlmeta_metric_key (execution_id, name) VALUES (${p.add(execution)}, ${p.add(key)}) ON CONFLICT DO NOTHING`,
      p.values,
    );
  }
  const q = new Params(db.dialect);
  const row = await db.get(
    `SELECT id FROM mlmeta_metric_key WHERE execution_id = ${q.add(execution)} AND name = ${q.add(key)}`,
    q.values,
  );
  return row ? Number(row.id) : undefined;
}

/**
 * Every metric key of an execution with its point count, step range and last value, read from
 * the block rollup (a few thousand rows for a million points, where the points were a full scan).
 */
export async function getMetricKeys(db: SqlExecutor, ref: NodeRef): Promise<MetricKeySummary[]> {
  const execution = await executionId(db, ref);
  const rows = await readKeySummaries(db, execution);
  return rows.map((row) => ({
    key: String(row.name),
    count: Number(row.count),
    minStep: Number(row.min_step),
    maxStep: Number(row.max_step),
    lastValue: storedValue(row.last_value, row.last_flags),
  }));
}

function toPoint(row: Row): MetricSeriesPoint {
  return {
    step: Number(row.step),
    value: storedValue(row.value, row.flags),
    wallTime: Number(row.wall_time),
  };
}

/**
 * Blocks merged into at most `maxPoints` buckets of whole blocks, each yielding its last point
 * plus its min and max.
 */
function mergeBlocks(blocks: readonly MetricBlock[], maxPoints: number): MetricSeriesPoint[] {
  const first = blocks[0]!.block;
  const perBucket = Math.ceil((blocks[blocks.length - 1]!.block - first + 1) / maxPoints);
  const points: MetricSeriesPoint[] = [];
  let bucket = -1;
  let min: number | null = null;
  let max: number | null = null;
  let last: MetricBlock | undefined;
  const flush = () => {
    if (last === undefined) return;
    points.push({
      step: last.maxStep,
      value: storedValue(last.lastValue, last.lastFlags),
      wallTime: last.lastWallTime,
      min: min ?? Number.NaN,
      max: max ?? Number.NaN,
    });
  };
  for (const b of blocks) {
    const at = Math.floor((b.block - first) / perBucket);
    if (at !== bucket) {
      flush();
      bucket = at;
      min = null;
      max = null;
    }
    if (b.min !== null && (min === null || b.min < min)) min = b.min;
    if (b.max !== null && (max === null || b.max > max)) max = b.max;
    last = b;
  }
  flush();
  return points;
}

/**
 * One series by step range. With `maxPoints`, a longer series is cut into at most `maxPoints`
 * step buckets; each bucket yields its last point plus its min and max, so spikes survive.
 * Buckets at least a rollup block wide (a full-range chart) are merged from the block rows;
 * narrower ones (a zoomed range) are grouped from the exact points in SQL.
 */
export async function getMetrics(db: SqlExecutor, query: MetricQuery): Promise<MetricSeries> {
  const execution = await executionId(db, query.execution);
  if (query.maxPoints !== undefined && (!Number.isInteger(query.maxPoints) || query.maxPoints < 1)) {
    throw new MlmetaError('INVALID_ARGUMENT', `maxPoints must be a positive integer, not ${query.maxPoints}`);
  }
  const series: MetricSeries = {
    executionId: execution,
    key: query.key,
    points: [],
    total: 0,
    downsampled: false,
  };
  const keyId = await keyIdFor(db, execution, query.key, false);
  if (keyId === undefined) return series;
  const range = (p: Params, column = 'step') => {
    const parts = [`key_id = ${p.add(keyId)}`];
    if (query.fromStep !== undefined) parts.push(`${column} >= ${p.add(query.fromStep)}`);
    if (query.toStep !== undefined) parts.push(`${column} <= ${p.add(query.toStep)}`);
    return parts.join(' AND ');
  };
  const blocks = await readMetricBlocks(db, keyId, query.fromStep, query.toStep);
  for (const block of blocks) series.total += block.count;
  if (series.total === 0) return series;
  if (query.maxPoints === undefined || series.total <= query.maxPoints) {
    const q = new Params(db.dialect);
    const rows = await db.all(
      `SELECT step, value, wall_time, flags FROM mlmeta_metric_point WHERE ${range(q)} ORDER BY step`,
      q.values,
    );
    series.points = rows.map(toPoint);
    return series;
  }
  series.downsampled = true;
  const lo = blocks[0]!.minStep;
  const span = blocks[blocks.length - 1]!.maxStep - lo + 1;
  if (span >= query.maxPoints * METRIC_BLOCK_STEPS) {
    series.points = mergeBlocks(blocks, query.maxPoints);
    return series;
  }
  const q = new Params(db.dialect);
  // CAST: drivers may bind JS numbers as doubles, which would turn this into real division.
  const bucket = `CAST(((step - ${q.add(lo)}) * ${q.add(query.maxPoints)}) / ${q.add(span)} AS INTEGER)`;
  const rows = await db.all(
    `SELECT g.mn, g.mx, s.step, s.value, s.wall_time, s.flags FROM (` +
      `SELECT ${bucket} AS b, MAX(step) AS last_step, MIN(value) AS mn, MAX(value) AS mx ` +
      // GROUP BY the alias, not the expression again: a repeated `?` would bind anew.
      `FROM mlmeta_metric_point WHERE ${range(q)} GROUP BY b` +
      `) g JOIN mlmeta_metric_point s ON s.key_id = ${q.add(keyId)} AND s.step = g.last_step ORDER BY g.b`,
    q.values,
  );
  series.points = rows.map((row) => {
    const point = toPoint(row);
    point.min = row.mn == null ? Number.NaN : Number(row.mn);
    point.max = row.mx == null ? Number.NaN : Number(row.mx);
    return point;
  });
  return series;
}
