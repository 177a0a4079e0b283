/**
 * A fixed-size log-linear latency histogram (HDR-style): 16 sub-buckets per power of two, so any
 * quantile is within 1/16 (6.25%) of the true value, from 62.5 ns up to 134 s. Recording is a
 * multiply, a clz and an array increment; nothing allocates.
 */

/** One tick is 1/16 µs; latencies arrive in milliseconds (performance.now() differences). */
const TICKS_PER_MS = 16_000;
const SUB_BITS = 4;
const SUB_COUNT = 1 << SUB_BITS;
const MAX_TICKS = 0x7fffffff;
/** Values below 2 * SUB_COUNT ticks get one bucket each; above, each octave gets SUB_COUNT. */
const BUCKETS = (31 - SUB_BITS) * SUB_COUNT + 2 * SUB_COUNT;

function bucketOf(ticks: number): number {
  if (ticks < 2 * SUB_COUNT) return ticks;
  const exponent = 31 - Math.clz32(ticks);
  return ((exponent - SUB_BITS) << SUB_BITS) + (ticks >>> (exponent - SUB_BITS));
}

/** The [low, high) range of a bucket, in ticks. */
function bucketRange(index: number): [number, number] {
  if (index < 2 * SUB_COUNT) return [index, index + 1];
  const exponent = (index >>> SUB_BITS) + SUB_BITS - 1;
  const width = 2 ** (exponent - SUB_BITS);
  const low = ((index & (SUB_COUNT - 1)) + SUB_COUNT) * width;
  return [low, low + width];
}

/**
 * `run()` latency of one serving session, in milliseconds: exact count, mean, min and max;
 * percentiles from a log-bucketed histogram, whose buckets are kept so that summaries merge
 * (stored on the `mlmeta.Serve` run as `serve.latency_ms` and `serve.latency_histogram_ms`).
 *
 * @example
 * const latency: LatencySummary = {
 *   count: 3, meanMs: 0.5, minMs: 0.3, maxMs: 0.8, p50Ms: 0.4, p90Ms: 0.8, p99Ms: 0.8,
 *   buckets: [[0.25, 0.5, 2], [0.5, 1, 1]],
 * };
 */
export interface LatencySummary {
  count: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** Non-empty buckets as [lowMs, highMs, count], so summaries from many flushes can be merged. */
  buckets: Array<[number, number, number]>;
}

/**
 * @example
 * const h = new LatencyHistogram();
 * const t0 = performance.now(); await work(); h.record(performance.now() - t0);
 * h.quantile(0.99); // ms
 */
export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  private sumMs = 0;
  private minMs = Number.POSITIVE_INFINITY;
  private maxMs = 0;

  /** Records one latency in milliseconds. */
  record(ms: number): void {
    const scaled = ms * TICKS_PER_MS;
    const ticks = scaled < MAX_TICKS ? (scaled > 0 ? scaled | 0 : 0) : MAX_TICKS;
    this.counts[bucketOf(ticks)]++;
    this.count++;
    this.sumMs += ms;
    if (ms < this.minMs) this.minMs = ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** The latency (ms) below which a fraction `q` of the recorded calls fall; 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) {
        // The last bucket holds the maximum, which is known exactly (and may be past the top bucket).
        if (seen === this.count) return this.maxMs;
        const [low, high] = bucketRange(i);
        const middle = (low + high) / 2 / TICKS_PER_MS;
        return Math.min(this.maxMs, Math.max(this.minMs, middle));
      }
    }
    return this.maxMs;
  }

  /** Count, percentiles and the non-empty buckets of the latencies recorded so far. */
  summary(): LatencySummary {
    const buckets: Array<[number, number, number]> = [];
    for (let i = 0; i < BUCKETS; i++) {
      if (this.counts[i] === 0) continue;
      const [low, high] = bucketRange(i);
      buckets.push([low / TICKS_PER_MS, high / TICKS_PER_MS, this.counts[i]]);
    }
    return {
      count: this.count,
      meanMs: this.count === 0 ? 0 : this.sumMs / this.count,
      minMs: this.count === 0 ? 0 : this.minMs,
      maxMs: this.maxMs,
      p50Ms: this.quantile(0.5),
      p90Ms: this.quantile(0.9),
      p99Ms: this.quantile(0.99),
      buckets,
    };
  }
}
