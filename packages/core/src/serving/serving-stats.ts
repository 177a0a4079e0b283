/**
 * What a served model's calls aggregate between flushes (onnxruntime's `session.run`, tfjs's
 * `predict`/`execute`): calls, errors, latency, batch sizes and input shapes. The hot path
 * compares each input's dims with the previous call's and bumps counters; maps are touched only
 * when a shape or batch size changes, so steady serving allocates nothing.
 */
import { LatencyHistogram, type LatencySummary } from './latency-histogram.js';

/** Distinct batch sizes and input shapes kept; more are counted as `other`. */
const MAX_BATCH_SIZES = 64;
const MAX_SHAPES = 32;

/**
 * The calls of one served model so far, as written to its `mlmeta.Serve` run
 * (`serve.calls`, `serve.errors`, `serve.latency_ms`, `serve.batch_sizes`, ...).
 *
 * @example
 * // { calls: 3, errors: 0, latency: { p50Ms: 0.4, ... }, batchSizes: { '1': 2, '2': 1 }, ... }
 */
export interface ServingSnapshot {
  calls: number;
  errors: number;
  latency: LatencySummary;
  /** Calls per batch size (the first dimension of the first input). */
  batchSizes: Record<string, number>;
  /** Calls per (input, shape), most frequent first. */
  inputShapes: Array<{ input: string; shape: number[]; calls: number }>;
  /** Calls whose batch size or shape did not fit in the bounded sets above. */
  otherBatchSizes: number;
  otherShapes: number;
}

type Feeds = Record<string, { dims?: readonly number[] } | undefined>;

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * @example
 * const stats = new ServingStats(session.inputNames);
 * stats.observeFeeds(feeds); // before run()
 * stats.recordSuccess(ms);   // or recordError()
 * stats.snapshot();
 */
export class ServingStats {
  calls = 0;
  errors = 0;
  readonly latency = new LatencyHistogram();
  /** The names of the inputs, in the order observeInput numbers them. */
  readonly inputNames: readonly string[];
  // Per input: the dims of the previous call and how many calls since they were last counted.
  private readonly lastDims: Array<readonly number[] | undefined>;
  private readonly pendingShapeCalls: number[];
  private readonly shapeCalls = new Map<string, { input: string; shape: number[]; calls: number }>();
  private otherShapes = 0;
  private lastBatch = -1;
  private pendingBatchCalls = 0;
  private readonly batchCalls = new Map<number, number>();
  private otherBatchSizes = 0;

  constructor(inputNames: readonly string[]) {
    this.inputNames = [...inputNames];
    this.lastDims = this.inputNames.map(() => undefined);
    this.pendingShapeCalls = this.inputNames.map(() => 0);
  }

  /**
   * Counts a call and the shapes of its named inputs (onnxruntime's feeds: `{ name: { dims } }`).
   * Must not throw: it runs before the user's call.
   */
  observeFeeds(feeds: unknown): void {
    this.countCall();
    if (typeof feeds !== 'object' || feeds === null) return;
    const names = this.inputNames;
    for (let i = 0; i < names.length; i++) {
      const dims = (feeds as Feeds)[names[i]]?.dims;
      if (Array.isArray(dims)) this.observeInput(i, dims);
    }
  }

  /** Counts one call; its inputs' shapes follow with observeInput. */
  countCall(): void {
    this.calls++;
  }

  /**
   * Counts the dims of input `index` (of the names given to the constructor) for the current
   * call; input 0's first dimension is the call's batch size.
   */
  observeInput(index: number, dims: readonly number[]): void {
    if (index >= this.lastDims.length) return;
    if (index === 0 && dims.length > 0) {
      if (dims[0] === this.lastBatch) this.pendingBatchCalls++;
      else this.batchChanged(dims[0]);
    }
    const last = this.lastDims[index];
    if (last !== undefined && sameDims(last, dims)) this.pendingShapeCalls[index]++;
    else this.shapeChanged(index, dims);
  }

  /** Count a call that answered, taking `ms` milliseconds. */
  recordSuccess(ms: number): void {
    this.latency.record(ms);
  }

  /** Count a call that threw or rejected. */
  recordError(): void {
    this.errors++;
  }

  private batchChanged(batch: number): void {
    this.settleBatch();
    this.lastBatch = batch;
    this.pendingBatchCalls = 1;
  }

  private settleBatch(): void {
    if (this.pendingBatchCalls === 0) return;
    const known = this.batchCalls.get(this.lastBatch);
    if (known !== undefined) this.batchCalls.set(this.lastBatch, known + this.pendingBatchCalls);
    else if (this.batchCalls.size < MAX_BATCH_SIZES)
      this.batchCalls.set(this.lastBatch, this.pendingBatchCalls);
    else this.otherBatchSizes += this.pendingBatchCalls;
    this.pendingBatchCalls = 0;
  }

  private shapeChanged(input: number, dims: readonly number[]): void {
    this.settleShape(input);
    this.lastDims[input] = [...dims];
    this.pendingShapeCalls[input] = 1;
  }

  private settleShape(input: number): void {
    const dims = this.lastDims[input];
    const pending = this.pendingShapeCalls[input];
    if (dims === undefined || pending === 0) return;
    const name = this.inputNames[input];
    const key = `${name}\u0000${dims.join(',')}`;
    const known = this.shapeCalls.get(key);
    if (known !== undefined) known.calls += pending;
    else if (this.shapeCalls.size < MAX_SHAPES)
      this.shapeCalls.set(key, { input: name, shape: [...dims], calls: pending });
    else this.otherShapes += pending;
    this.pendingShapeCalls[input] = 0;
  }

  /** Everything so far (cumulative since the session was created), as plain JSON. */
  snapshot(): ServingSnapshot {
    this.settleBatch();
    for (let i = 0; i < this.inputNames.length; i++) this.settleShape(i);
    const batchSizes: Record<string, number> = {};
    for (const [batch, calls] of [...this.batchCalls].sort((a, b) => a[0] - b[0])) batchSizes[batch] = calls;
    return {
      calls: this.calls,
      errors: this.errors,
      latency: this.latency.summary(),
      batchSizes,
      inputShapes: [...this.shapeCalls.values()].map((s) => ({ ...s })).sort((a, b) => b.calls - a.calls),
      otherBatchSizes: this.otherBatchSizes,
      otherShapes: this.otherShapes,
    };
  }
}
