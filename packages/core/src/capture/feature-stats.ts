/**
 * Per-feature summary statistics (last axis = features) accumulated across batches.
 *
 * Mean and variance use sums shifted by a per-feature reference value (the first finite value
 * seen), which avoids the catastrophic cancellation of plain sum/sum-of-squares when values
 * are large relative to their spread, and keeps the inner loop free of divisions.
 */

export interface FeatureStats {
  /** Values that are not NaN. */
  count: number;
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  nanCount: number;
}

/** Typed arrays whose elements are plain numbers (BigInt arrays have no meaningful float stats). */
export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array;

export function isNumericArray(view: ArrayBufferView): view is NumericArray {
  return (
    ArrayBuffer.isView(view) &&
    !(view instanceof DataView) &&
    !(view instanceof BigInt64Array) &&
    !(view instanceof BigUint64Array)
  );
}

/**
 * At most this many elements per tensor per batch go through the statistics loop. Measured
 * (bench/capture-fingerprint.mjs, docs/BENCHMARKS.md): a full JS pass over float32 runs well
 * below the 2 GB/s the digest must sustain, so larger tensors are sampled by a fixed row
 * stride and their statistics are marked `statsSampled`.
 */
export const STATS_ELEMENT_CAP = 1 << 20;

export class FeatureAccumulator {
  readonly features: number;
  private readonly shift: Float64Array;
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private readonly nan: Float64Array;
  private readonly seen: Float64Array;
  private shiftSet = false;
  /** True once any batch was sampled rather than read in full. */
  sampled = false;

  constructor(features: number) {
    this.features = features;
    this.shift = new Float64Array(features);
    this.s1 = new Float64Array(features);
    this.s2 = new Float64Array(features);
    this.min = new Float64Array(features).fill(Number.POSITIVE_INFINITY);
    this.max = new Float64Array(features).fill(Number.NEGATIVE_INFINITY);
    this.nan = new Float64Array(features);
    this.seen = new Float64Array(features);
  }

  /**
   * Adds `rows` rows of `features` values each, stored row-major in `data`. Above `cap`
   * elements, a deterministic sample is read: runs of consecutive rows (about 4 KiB each, so
   * that the reads stay sequential for the prefetcher) spaced evenly through the batch.
   */
  add(data: NumericArray, rows: number, cap = STATS_ELEMENT_CAP): void {
    const f = this.features;
    if (rows === 0 || f === 0) return;
    const stride = Math.max(1, Math.ceil((rows * f) / cap));
    if (stride > 1) this.sampled = true;
    if (!this.shiftSet) {
      for (let j = 0; j < f; j++) {
        const v = data[j]!;
        this.shift[j] = Number.isFinite(v) ? v : 0;
      }
      this.shiftSet = true;
    }
    const runRows = stride === 1 ? rows : Math.max(1, Math.floor(1024 / f));
    const end = rows * f;
    let visited = 0;
    for (let runStart = 0; runStart < end; runStart += runRows * stride * f) {
      const runEnd = Math.min(end, runStart + runRows * f);
      visited += (runEnd - runStart) / f;
      if (f === 1) this.addOne(data, runStart, runEnd);
      else this.addMany(data, runStart, runEnd);
    }
    for (let j = 0; j < f; j++) this.seen[j]! += visited;
  }

  // One feature (vectors, single-channel images): scalar locals instead of the inner loop.
  private addOne(data: NumericArray, from: number, to: number): void {
    let a = 0;
    let b = 0;
    let lo = this.min[0]!;
    let hi = this.max[0]!;
    let nans = 0;
    const k = this.shift[0]!;
    for (let i = from; i < to; i++) {
      const v = data[i]!;
      if (Number.isNaN(v)) {
        nans++;
        continue;
      }
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      const d = v - k;
      a += d;
      b += d * d;
    }
    this.s1[0]! += a;
    this.s2[0]! += b;
    this.min[0] = lo;
    this.max[0] = hi;
    this.nan[0]! += nans;
  }

  private addMany(data: NumericArray, from: number, to: number): void {
    const f = this.features;
    const { shift, s1, s2, min, max, nan } = this;
    for (let base = from; base < to; base += f) {
      for (let j = 0; j < f; j++) {
        const v = data[base + j]!;
        if (Number.isNaN(v)) {
          nan[j]!++;
          continue;
        }
        if (v < min[j]!) min[j] = v;
        if (v > max[j]!) max[j] = v;
        const d = v - shift[j]!;
        s1[j]! += d;
        s2[j]! += d * d;
      }
    }
  }

  /** The statistics so far; features with no non-NaN value report NaN for min/max/mean/std. */
  result(): FeatureStats[] {
    const out: FeatureStats[] = [];
    for (let j = 0; j < this.features; j++) {
      const nanCount = this.nan[j]!;
      const count = this.seen[j]! - nanCount;
      if (count === 0) {
        out.push({ count: 0, min: Number.NaN, max: Number.NaN, mean: Number.NaN, std: Number.NaN, nanCount });
        continue;
      }
      const m1 = this.s1[j]! / count;
      const variance = Math.max(0, this.s2[j]! / count - m1 * m1);
      out.push({
        count,
        min: this.min[j]!,
        max: this.max[j]!,
        mean: this.shift[j]! + m1,
        std: Math.sqrt(variance),
        nanCount,
      });
    }
    return out;
  }
}
