/**
 * The metric rollup (mlmeta schema v3): per series, one row per block of 256 consecutive steps
 * holding the block's point count, step range, min and max value and its last point. A
 * full-range chart or a key summary then reads a few thousand block rows instead of a million
 * points; zoomed ranges still read the exact points.
 *
 * Appends that only extend a block past its last stored step are folded into its row; any other
 * write to a block (a replayed batch, an overwritten step, out-of-order or repeated steps) has
 * the row recomputed from the block's points, so the rollup stays exact. Both happen in the
 * append's transaction. (Two PostgreSQL transactions appending to one series at the same moment
 * could each miss the other's points in a shared block; one series has one writer, its run.)
 */
import { type BulkUpsert, Params, type Row, type SqlExecutor } from './driver.js';

/**
 * log2 of the steps per block: block = floor(step / 256), which is `step >> 8` on both databases.
 * Changing it needs a migration that rebuilds mlmeta_metric_block.
 */
const METRIC_BLOCK_SHIFT = 8;
export const METRIC_BLOCK_STEPS = 2 ** METRIC_BLOCK_SHIFT;

const blockOf = (step: number) => Math.floor(step / METRIC_BLOCK_STEPS);

/** One block's aggregate; `min`/`max` are null when every value in it is NaN. */
export interface MetricBlock {
  block: number;
  count: number;
  minStep: number;
  maxStep: number;
  min: number | null;
  max: number | null;
  /** The block's last point (at maxStep) as stored: value null for NaN, flags as in metrics.ts. */
  lastValue: number | null;
  lastWallTime: number;
  lastFlags: number;
}

const BLOCK_COLUMNS =
  'point_count, min_step, max_step, min_value, max_value, last_value, last_wall_time, last_flags';

/**
 * The SELECT that aggregates points into block rows (key_id, block, BLOCK_COLUMNS), restricted by
 * `where` on the points. Joined back on the last step for the last point: portable SQL has no
 * "value at MAX(step)".
 */
export function blockAggregateSql(where: string): string {
  return (
    `SELECT a.key_id, a.block, a.n, a.lo, a.hi, a.mn, a.mx, p.value, p.wall_time, p.flags FROM (` +
    `SELECT key_id, step >> ${METRIC_BLOCK_SHIFT} AS block, COUNT(*) AS n, MIN(step) AS lo, MAX(step) AS hi, ` +
    `MIN(value) AS mn, MAX(value) AS mx FROM mlmeta_metric_point WHERE ${where} GROUP BY key_id, block` +
    `) a JOIN mlmeta_metric_point p ON p.key_id = a.key_id AND p.step = a.hi`
  );
}

interface Pending {
  keyId: number;
  block: number;
  count: number;
  minStep: number;
  maxStep: number;
  /** Every step of the block in these rows is larger than the one before (so none repeats). */
  increasing: boolean;
  min: number | null;
  max: number | null;
  last: readonly unknown[];
}

const lower = (a: number | null, b: number | null) => (a === null ? b : b === null || a <= b ? a : b);
const higher = (a: number | null, b: number | null) => (a === null ? b : b === null || a >= b ? a : b);

/** The touched blocks of `rows`, per key, folded in one pass. */
function pendingBlocks(rows: readonly (readonly unknown[])[]): Map<number, Map<number, Pending>> {
  const byKey = new Map<number, Map<number, Pending>>();
  let current: Pending | undefined;
  for (const row of rows) {
    const keyId = row[0] as number;
    const step = row[1] as number;
    const block = blockOf(step);
    // Points of one call mostly arrive key by key or interleaved step by step: look up only on change.
    if (current === undefined || current.keyId !== keyId || current.block !== block) {
      let blocks = byKey.get(keyId);
      if (!blocks) {
        blocks = new Map();
        byKey.set(keyId, blocks);
      }
      current = blocks.get(block);
      if (!current) {
        current = {
          keyId,
          block,
          count: 0,
          minStep: step,
          maxStep: step - 1,
          increasing: true,
          min: null,
          max: null,
          last: row,
        };
        blocks.set(block, current);
      }
    }
    current.increasing &&= step > current.maxStep;
    current.maxStep = step;
    current.count++;
    current.last = row;
    const value = row[2] as number | null;
    current.min = lower(current.min, value);
    current.max = higher(current.max, value);
  }
  return byKey;
}

/**
 * Bring the blocks that freshly upserted metric rows (`[key_id, step, value, wall_time, flags]`,
 * as appendMetrics writes them) touched up to date. Call in the same transaction, after the
 * upsert. Rows that only extend a block past its last stored step (the usual append, whatever
 * the batch size or the keys' interleaving) are folded into it in JS; a block they overlap
 * (a replay, an overwrite, out-of-order or repeated steps) is recomputed from its points.
 */
export async function refreshMetricBlocks(
  db: SqlExecutor,
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  const d = db.dialect;
  const folded: unknown[][] = [];
  const recompute: Pending[] = [];
  for (const [keyId, blocks] of pendingBlocks(rows)) {
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const block of blocks.keys()) {
      from = Math.min(from, block);
      to = Math.max(to, block);
    }
    const p = new Params(d);
    const stored = new Map<number, MetricBlock>();
    for (const row of await db.all(
      `SELECT block, ${BLOCK_COLUMNS} FROM mlmeta_metric_block WHERE key_id = ${p.add(keyId)} ` +
        `AND block >= ${p.add(from)} AND block <= ${p.add(to)}`,
      p.values,
    )) {
      const block = toBlock(row);
      stored.set(block.block, block);
    }
    for (const b of blocks.values()) {
      const old = stored.get(b.block);
      if (!b.increasing || (old !== undefined && old.maxStep >= b.minStep)) {
        recompute.push(b);
        continue;
      }
      const [, , value, wallTime, flags] = b.last;
      folded.push([
        keyId,
        b.block,
        (old?.count ?? 0) + b.count,
        old?.minStep ?? b.minStep,
        b.maxStep,
        lower(old?.min ?? null, b.min),
        higher(old?.max ?? null, b.max),
        value,
        wallTime,
        flags,
      ]);
    }
  }
  for (const b of recompute) {
    const p = new Params(d);
    const first = b.block * METRIC_BLOCK_STEPS;
    const where = `key_id = ${p.add(b.keyId)} AND step >= ${p.add(first)} AND step <= ${p.add(first + METRIC_BLOCK_STEPS - 1)}`;
    // WHERE true: SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT (parsing ambiguity).
    await db.run(
      `INSERT INTO mlmeta_metric_block (key_id, block, ${BLOCK_COLUMNS}) ${blockAggregateSql(where)} WHERE true ${BLOCK_CONFLICT}`,
      p.values,
    );
  }
  if (folded.length === 0) return;
  const upsert = d.bulkUpsert(blockUpsertSpec(db), folded);
  await db.runMany(upsert.sql, upsert.rows);
}

function blockUpsertSpec(db: SqlExecutor): BulkUpsert {
  const d = db.dialect;
  return {
    table: 'mlmeta_metric_block',
    columns: [
      ['key_id', 'INT'],
      ['block', d.bigintType],
      ['point_count', 'INT'],
      ['min_step', d.bigintType],
      ['max_step', d.bigintType],
      ['min_value', d.doubleType],
      ['max_value', d.doubleType],
      ['last_value', d.doubleType],
      ['last_wall_time', d.doubleType],
      ['last_flags', 'SMALLINT'],
    ],
    key: ['key_id', 'block'],
  };
}

const BLOCK_CONFLICT = `ON CONFLICT (key_id, block) DO UPDATE SET ${BLOCK_COLUMNS.split(', ')
  .map((column) => `${column} = excluded.${column}`)
  .join(', ')}`;

function toBlock(row: Row): MetricBlock {
  return {
    block: Number(row.block),
    count: Number(row.point_count),
    minStep: Number(row.min_step),
    maxStep: Number(row.max_step),
    min: row.min_value == null ? null : Number(row.min_value),
    max: row.max_value == null ? null : Number(row.max_value),
    lastValue: row.last_value == null ? null : Number(row.last_value),
    lastWallTime: Number(row.last_wall_time),
    lastFlags: Number(row.last_flags ?? 0),
  };
}

/** Points of one series in [from, to] folded into blocks in JS (for the partly covered edge blocks). */
async function foldPoints(db: SqlExecutor, keyId: number, from: number, to: number): Promise<MetricBlock[]> {
  const p = new Params(db.dialect);
  const rows = await db.all(
    `SELECT step, value, wall_time, flags FROM mlmeta_metric_point WHERE key_id = ${p.add(keyId)} ` +
      `AND step >= ${p.add(from)} AND step <= ${p.add(to)} ORDER BY step`,
    p.values,
  );
  const blocks: MetricBlock[] = [];
  for (const row of rows) {
    const step = Number(row.step);
    const value = row.value == null ? null : Number(row.value);
    let b = blocks[blocks.length - 1];
    if (b === undefined || b.block !== blockOf(step)) {
      b = {
        block: blockOf(step),
        count: 0,
        minStep: step,
        maxStep: step,
        min: null,
        max: null,
        lastValue: null,
        lastWallTime: 0,
        lastFlags: 0,
      };
      blocks.push(b);
    }
    b.count++;
    b.maxStep = step;
    b.lastValue = value;
    b.lastWallTime = Number(row.wall_time);
    b.lastFlags = Number(row.flags ?? 0);
    if (value !== null) {
      if (b.min === null || value < b.min) b.min = value;
      if (b.max === null || value > b.max) b.max = value;
    }
  }
  return blocks;
}

/**
 * The blocks of one series within the step range, in step order: blocks wholly inside it from the
 * rollup, the partly covered blocks at its edges (at most 255 points each) from the points.
 */
export async function readMetricBlocks(
  db: SqlExecutor,
  keyId: number,
  fromStep: number | undefined,
  toStep: number | undefined,
): Promise<MetricBlock[]> {
  // Whole blocks: the first starting at or after fromStep, the last ending at or before toStep.
  const firstWhole = fromStep === undefined ? undefined : Math.ceil(fromStep / METRIC_BLOCK_STEPS);
  const lastWhole = toStep === undefined ? undefined : blockOf(toStep + 1) - 1;
  if (firstWhole !== undefined && lastWhole !== undefined && firstWhole > lastWhole) {
    return foldPoints(db, keyId, fromStep!, toStep!);
  }
  const p = new Params(db.dialect);
  let where = `key_id = ${p.add(keyId)}`;
  if (firstWhole !== undefined) where += ` AND block >= ${p.add(firstWhole)}`;
  if (lastWhole !== undefined) where += ` AND block <= ${p.add(lastWhole)}`;
  const whole = (
    await db.all(
      `SELECT block, ${BLOCK_COLUMNS} FROM mlmeta_metric_block WHERE ${where} ORDER BY block`,
      p.values,
    )
  ).map(toBlock);
  const before =
    firstWhole !== undefined && fromStep! < firstWhole * METRIC_BLOCK_STEPS
      ? await foldPoints(db, keyId, fromStep!, firstWhole * METRIC_BLOCK_STEPS - 1)
      : [];
  const after =
    lastWhole !== undefined && toStep! > (lastWhole + 1) * METRIC_BLOCK_STEPS - 1
      ? await foldPoints(db, keyId, (lastWhole + 1) * METRIC_BLOCK_STEPS, toStep!)
      : [];
  return [...before, ...whole, ...after];
}

/** Per metric key of an execution: name, point count, step range and last point, from the rollup. */
export async function readKeySummaries(db: SqlExecutor, executionId: number): Promise<Row[]> {
  const p = new Params(db.dialect);
  const last = (column: string) =>
    `(SELECT q.${column} FROM mlmeta_metric_block q WHERE q.key_id = k.id ORDER BY q.block DESC LIMIT 1)`;
  return db.all(
    'SELECT k.name, SUM(b.point_count) AS count, MIN(b.min_step) AS min_step, MAX(b.max_step) AS max_step, ' +
      `${last('last_value')} AS last_value, ${last('last_flags')} AS last_flags ` +
      'FROM mlmeta_metric_key k JOIN mlmeta_metric_block b ON b.key_id = k.id ' +
      `WHERE k.execution_id = ${p.add(executionId)} GROUP BY k.id, k.name ORDER BY k.name`,
    p.values,
  );
}
