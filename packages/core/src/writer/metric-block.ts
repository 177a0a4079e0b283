/**
 * Metric points as the writer queues them: numbers in typed-array columns, one row per point,
 * with each (execution, key) series stored once in a small table. One object per queued point
 * made every scavenge copy the whole queue and promoted it into the old generation, where it
 * died later as garbage: on a long run that cost tens of milliseconds of event-loop delay per
 * GC and grew the heap by hundreds of megabytes (docs/BENCHMARKS.md, "Writer memory"). Here a
 * batch of 2,000 points is four typed arrays; point objects are made only at flush, a chunk at a
 * time, just before the store takes them.
 *
 * Float64Array holds every JS number exactly (NaN, ±Infinity, -0, integers up to 2^53), so the
 * points that come out are the points that went in, field for field.
 */
import type { MetricPoint, NodeRef } from '../model/schemas.js';
import { type MetricColumns, refKey } from '../store/worker/metric-columns.js';

/** The series a point belongs to: its execution reference and key, as they were queued. */
export interface MetricSeries {
  execution: NodeRef;
  key: string;
}

/** The map key of a reference of exactly `{ id }` or `{ externalId }`; the value itself otherwise. */
function identityOf(ref: NodeRef): unknown {
  if (typeof ref !== 'object' || ref === null) return ref;
  const fields = Object.keys(ref);
  if (fields.length !== 1) return ref;
  if ('id' in ref && typeof ref.id === 'number') return ref.id;
  if ('externalId' in ref && typeof ref.externalId === 'string') return `@${ref.externalId}`;
  return ref;
}

export class MetricBlock {
  // Empty until the first point: most batches of a run's lineage hold no points at all.
  private steps = new Float64Array(0);
  private values = new Float64Array(0);
  private wallTimes = new Float64Array(0);
  private seriesOf = new Uint32Array(0);
  private count = 0;
  private readonly capacity: number;
  private readonly table: MetricSeries[];
  /** Series index by execution identity, then by key. */
  private readonly index = new Map<unknown, Map<string, number>>();
  // Points of one run share one reference object: skip the identity lookup while it repeats.
  private lastRef: NodeRef | undefined;
  private lastKeys: Map<string, number> | undefined;

  /** @param capacity rows allocated at the first point (the columns double when full). */
  constructor(capacity = 256, series: readonly MetricSeries[] = []) {
    this.capacity = Math.max(1, capacity);
    this.table = [...series];
  }

  /** Points held. */
  get length(): number {
    return this.count;
  }

  /** The series of the points held, in the order first seen. */
  get series(): readonly MetricSeries[] {
    return this.table;
  }

  /**
   * Append one point; its numbers are copied, its execution reference and key are kept once per
   * series. Fields, not a point object, so that logging a point allocates nothing.
   *
   * @example
   * const block = new MetricBlock();
   * block.push({ externalId: 'run-1' }, 'loss', 0, 0.9, Date.now());
   */
  push(execution: NodeRef, key: string, step: number, value: number, wallTime: number): void {
    if (this.count === this.steps.length) this.grow();
    const row = this.count++;
    this.seriesOf[row] = this.seriesFor(execution, key);
    this.steps[row] = step;
    this.values[row] = value;
    this.wallTimes[row] = wallTime;
  }

  /**
   * Points `start` to `end` (exclusive) as objects, in the order they were pushed.
   *
   * @example
   * for (let i = 0; i < block.length; i += 2000) await store.appendMetrics(block.slice(i, i + 2000));
   */
  slice(start = 0, end = this.count): MetricPoint[] {
    const from = Math.max(0, start);
    const to = Math.min(this.count, end);
    const points: MetricPoint[] = new Array(Math.max(0, to - from));
    for (let row = from; row < to; row++) {
      const series = this.table[this.seriesOf[row]!]!;
      points[row - from] = {
        execution: series.execution,
        key: series.key,
        step: this.steps[row]!,
        value: this.values[row]!,
        wallTime: this.wallTimes[row]!,
      };
    }
    return points;
  }

  /**
   * Points `start` to `end` in the store worker's wire form (one Float64Array, handed over
   * without a copy), made without a point object; undefined when a series is not of the plain
   * shape the wire form holds (then the points travel as objects, and the store judges them).
   *
   * @example
   * const columns = block.packed(0, 2000);
   * if (columns) await workerStore.appendMetricColumns(columns);
   */
  packed(start: number, end: number): MetricColumns | undefined {
    const executions: NodeRef[] = [];
    const keys: string[] = [];
    const executionAt = new Map<number | string, number>();
    const keyAt = new Map<string, number>();
    const seriesExecution = new Float64Array(this.table.length);
    const seriesKey = new Float64Array(this.table.length);
    for (let s = 0; s < this.table.length; s++) {
      const { execution, key } = this.table[s]!;
      const identity = refKey(execution);
      if (identity === undefined || typeof key !== 'string') return undefined;
      let e = executionAt.get(identity);
      if (e === undefined) {
        e =
          executions.push(
            typeof identity === 'number' ? { id: identity } : { externalId: identity.slice(1) },
          ) - 1;
        executionAt.set(identity, e);
      }
      let k = keyAt.get(key);
      if (k === undefined) {
        k = keys.push(key) - 1;
        keyAt.set(key, k);
      }
      seriesExecution[s] = e;
      seriesKey[s] = k;
    }
    const from = Math.max(0, start);
    const to = Math.min(this.count, end);
    const data = new Float64Array(Math.max(0, to - from) * 5);
    for (let row = from, o = 0; row < to; row++) {
      const s = this.seriesOf[row]!;
      data[o++] = seriesExecution[s]!;
      data[o++] = seriesKey[s]!;
      data[o++] = this.steps[row]!;
      data[o++] = this.values[row]!;
      data[o++] = this.wallTimes[row]!;
    }
    return { executions, keys, data };
  }

  /**
   * The same points under another series table (one entry per entry of `series`, in order): how
   * redaction rewrites keys and references without touching the numbers, which it never changes.
   * The columns are shared, not copied: neither block may take more points afterwards.
   */
  withSeries(series: readonly MetricSeries[]): MetricBlock {
    if (series.length !== this.table.length) throw new Error('withSeries needs one entry per series');
    const block = new MetricBlock(0, series);
    block.steps = this.steps;
    block.values = this.values;
    block.wallTimes = this.wallTimes;
    block.seriesOf = this.seriesOf;
    block.count = this.count;
    return block;
  }

  private seriesFor(execution: NodeRef, key: string): number {
    if (execution !== this.lastRef || this.lastKeys === undefined) {
      const identity = identityOf(execution);
      let keys = this.index.get(identity);
      if (keys === undefined) {
        keys = new Map();
        this.index.set(identity, keys);
      }
      this.lastRef = execution;
      this.lastKeys = keys;
    }
    let at = this.lastKeys.get(key);
    if (at === undefined) {
      at = this.table.length;
      this.table.push({ execution, key });
      this.lastKeys.set(key, at);
    }
    return at;
  }

  private grow(): void {
    const rows = Math.max(this.capacity, this.steps.length * 2);
    const copy = <T extends Float64Array | Uint32Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.steps = copy(this.steps, new Float64Array(rows));
    this.values = copy(this.values, new Float64Array(rows));
    this.wallTimes = copy(this.wallTimes, new Float64Array(rows));
    this.seriesOf = copy(this.seriesOf, new Uint32Array(rows));
  }
}
