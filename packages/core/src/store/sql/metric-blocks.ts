/**
 * The metric rollup (mlmeta schema v3): per series, one row per block of 256 consecutive steps
 * holding the block's point count, step range, min and max value and its last point. A
 * full-range chart or a key summary then reads a few thousand block rows instead of a million
 * points; zoomed ranges still read the exact points.
 *
 * A block row is always recomputed from the points its block holds, never incremented, so
 * replayed batches, overwritten steps and out-of-order appends leave it exact.
 */
import { type BulkUpsert, Params, type Row, type SqlExecutor } from './driver.js';

/**
 * log2 of the steps per block: block = floor(step / 256), which is `step >> 8` on both databases.
 * Changing it needs a migration that rebuilds mlmeta_metric_block.
 */
export const METRIC_BLOCK_SHIFT = 8;
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
  /** The step that continues an in-order run from the block's first step. */
  next: number;
  inOrder: boolean;
  min: number | null;
  max: number | null;
  last: readonly unknown[];
}

/**
 * Recompute the blocks that freshly upserted metric rows (`[key_id, step, value, wall_time,
 * flags]`, as appendMetrics writes them) touched. Call in the same transaction, after the upsert.
 * A block the rows fill completely, once per step and in order (the usual bulk append), is
 * computed from the rows themselves; any other block (its edges, replays, sparse or out-of-order
 * steps) is recomputed from the table.
 */
export async function refreshMetricBlocks(
  db: SqlExecutor,
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  const byKey = new Map<number, Map<number, Pending>>();
  let current: Pending | undefined;
  for (const row of rows) {
    const keyId = row[0] as number;
    const step = row[1] as number;
    const block = blockOf(step);
    if (current === undefined || current.keyId !== keyId || current.block !== block) {
      let blocks = byKey.get(keyId);
      if (!blocks) {
        blocks = new Map();
        byKey.set(keyId, blocks);
      }
      current = blocks.get(block);
      if (!current) {
        const first = block * METRIC_BLOCK_STEPS;
        current = { keyId, block, count: 0, next: first, inOrder: true, min: null, max: null, last: row };
        blocks.set(block, current);
      }
    }
    current.inOrder &&= step === current.next;
    current.next = step + 1;
    current.count++;
    current.last = row;
    const value = row[2] as number | null;
    if (value !== null) {
      if (current.min === null || value < current.min) current.min = value;
      if (current.max === null || value > current.max) current.max = value;
    }
  }
  const computed: unknown[][] = [];
  const d = db.dialect;
  for (const blocks of byKey.values()) {
    for (const b of blocks.values()) {
      if (b.inOrder && b.count === METRIC_BLOCK_STEPS) {
        const first = b.block * METRIC_BLOCK_STEPS;
        const [, , value, wallTime, flags] = b.last;
        computed.push([
          b.keyId,
          b.block,
          b.count,
          first,
          first + METRIC_BLOCK_STEPS - 1,
          b.min,
          b.max,
          value,
          wallTime,
          flags,
        ]);
        continue;
      }
      const p = new Params(d);
      const first = b.block * METRIC_BLOCK_STEPS;
      const where = `key_id = ${p.add(b.keyId)} AND step >= ${p.add(first)} AND step <= ${p.add(first + METRIC_BLOCK_STEPS - 1)}`;
      // WHERE true: SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT (parsing ambiguity).
      await db.run(
        `INSERT INTO mlmeta_metric_block (key_id, block, ${BLOCK_COLUMNS}) ${blockAggregateSql(where)} WHERE true ${BLOCK_CONFLICT}`,
        p.values,
      );
    }
  }
  if (computed.length === 0) return;
  const upsert = d.bulkUpsert(blockUpsertSpec(db), computed);
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
