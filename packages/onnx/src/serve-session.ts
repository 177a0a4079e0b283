/**
 * One served session: its Serve run, the run() wrapper that aggregates into ServingStats, the
 * periodic flush, and the end at release() or process exit.
 */
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { logger, MLMETA_TYPES, modelNameOf, type Run, SERVE_PROPERTIES, startRun } from '@mlmeta/core';
import { describeModel, type ModelSource, type SessionShape } from './model-description.js';
import { ServingStats } from './serving-stats.js';
import type { OnnxInstrumentationOptions } from './types.js';
import { processWide } from './utils.js';

/**
 * How often a serving session's aggregated `run()` statistics are written while it serves,
 * unless `flushIntervalMs` says otherwise.
 *
 * @example
 * instrument(ort, { flushIntervalMs: DEFAULT_FLUSH_INTERVAL_MS / 6 }); // every 5 s
 */
export const DEFAULT_FLUSH_INTERVAL_MS = 30_000;

/** The instance methods we wrap; everything else about the session is left alone. */
interface ServableSession extends SessionShape {
  run(...args: unknown[]): Promise<unknown>;
  release(): Promise<void>;
}

interface ServeRegistry {
  live: Set<ServedSession>;
  bySession: WeakMap<object, ServedSession>;
  /** Background work not yet settled: model descriptions and run ends (flushServing waits). */
  pending: Set<Promise<unknown>>;
  exitHooked: boolean;
}

const registry = processWide<ServeRegistry>('onnx.serves', () => ({
  live: new Set(),
  bySession: new WeakMap(),
  pending: new Set(),
  exitHooked: false,
}));

function track(work: Promise<unknown>): void {
  const settled: Promise<unknown> = work.then(
    () => registry.pending.delete(settled),
    () => registry.pending.delete(settled),
  );
  registry.pending.add(settled);
}

/**
 * Writes every live session's statistics before the tracker's own exit hooks end the runs:
 * prepended, so they run first. (Signals are left to the tracker; statistics since the last
 * periodic flush are lost on SIGTERM.)
 */
function hookExit(): void {
  if (registry.exitHooked) return;
  registry.exitHooked = true;
  const flushAll = () => {
    for (const served of registry.live) served.flush();
  };
  process.prependListener('beforeExit', flushAll);
  process.prependListener('exit', flushAll);
}

function providerNames(sessionOptions: Record<string, unknown> | undefined): string[] {
  const providers = sessionOptions?.executionProviders;
  if (!Array.isArray(providers)) return [];
  return providers.map((p) => (typeof p === 'string' ? p : String((p as { name?: unknown })?.name ?? p)));
}

/** Session options with plain values (thread counts, optimization level, ...). */
function plainOptions(sessionOptions: Record<string, unknown> | undefined): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(sessionOptions ?? {})) {
    if (['string', 'number', 'boolean'].includes(typeof value)) plain[key] = value;
  }
  return plain;
}

function modelLabel(source: ModelSource | undefined): string {
  return source?.kind === 'path' ? basename(source.path) : 'in-memory-model';
}

/**
 * Starts the Serve run before the session is created, so that a failed create is recorded too.
 */
export function startServe(
  source: ModelSource | undefined,
  sessionOptions: Record<string, unknown> | undefined,
  options: OnnxInstrumentationOptions,
  onnxruntimeVersions: Record<string, unknown> | undefined,
): Run {
  const run = startRun({
    type: MLMETA_TYPES.serve,
    name: `serve-${modelLabel(source)}`,
    store: options.store,
    experiment: options.experiment,
    tags: options.tags,
  });
  const requested = providerNames(sessionOptions);
  run.setProperties({
    [SERVE_PROPERTIES.host]: hostname(),
    [SERVE_PROPERTIES.modelUri]: source?.kind === 'path' ? source.path : undefined,
    [SERVE_PROPERTIES.modelName]: source?.kind === 'path' ? basename(source.path) : undefined,
    'serve.execution_providers': requested.length > 0 ? requested : ['cpu (default)'],
    'serve.session_options': plainOptions(sessionOptions),
    'serve.onnxruntime_versions': onnxruntimeVersions,
    'serve.pid': process.pid,
  });
  return run;
}

/** Ends a Serve run whose session could not be created, with onnxruntime's error. */
export function failServe(run: Run, error: unknown): void {
  track(run.end('FAILED', error));
}

export class ServedSession {
  readonly stats: ServingStats;
  /** Resolves when the model artifact is recorded (or could not be). */
  described: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private flushedCalls = 0;
  private flushStep = 0;
  private ended = false;

  constructor(
    readonly run: Run,
    session: SessionShape,
    flushIntervalMs: number,
  ) {
    this.stats = new ServingStats(session.inputNames);
    this.timer = setInterval(() => this.flush(), flushIntervalMs);
    this.timer.unref();
    registry.live.add(this);
    hookExit();
  }

  /** Writes the statistics so far (cumulative), unless nothing was served since the last flush. */
  flush(): void {
    const stats = this.stats;
    if (stats.calls === this.flushedCalls) return;
    this.flushedCalls = stats.calls;
    try {
      const snapshot = stats.snapshot();
      const { latency } = snapshot;
      this.run.setProperties({
        'serve.calls': snapshot.calls,
        'serve.errors': snapshot.errors,
        'serve.latency_ms': {
          count: latency.count,
          mean: latency.meanMs,
          min: latency.minMs,
          max: latency.maxMs,
          p50: latency.p50Ms,
          p90: latency.p90Ms,
          p99: latency.p99Ms,
        },
        'serve.latency_histogram_ms': latency.buckets,
        'serve.batch_sizes': snapshot.batchSizes,
        'serve.input_shapes': snapshot.inputShapes,
        'serve.other_batch_sizes': snapshot.otherBatchSizes,
        'serve.other_shapes': snapshot.otherShapes,
      });
      this.run.logMetrics(
        {
          'serve.calls': snapshot.calls,
          'serve.errors': snapshot.errors,
          'serve.latency_p50_ms': latency.p50Ms,
          'serve.latency_p90_ms': latency.p90Ms,
          'serve.latency_p99_ms': latency.p99Ms,
        },
        this.flushStep++,
      );
    } catch (error) {
      logger.warn('could not record serving statistics:', error);
    }
  }

  /** Final flush and end of the Serve run (first call wins). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.timer);
    registry.live.delete(this);
    this.flush();
    // After the model is recorded, so that the INPUT event is part of the run's final flush.
    track(this.described.then(() => this.run.end('COMPLETE')));
  }
}

/**
 * Wires a created session to its Serve run: wraps its run() and release(), and records the model
 * artifact (INPUT event) once it is digested, in the background.
 */
export function attachServe(
  session: ServableSession,
  run: Run,
  source: ModelSource | undefined,
  options: OnnxInstrumentationOptions,
): void {
  const served = new ServedSession(run, session, options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS);
  registry.bySession.set(session, served);
  const stats = served.stats;
  const originalRun = session.run;
  const originalRelease = session.release;

  // The hot path: one counter pass over the feeds' dims and two timestamps.
  session.run = async function run(this: unknown, feeds: unknown, fetches?: unknown, runOptions?: unknown) {
    try {
      stats.observeFeeds(feeds);
    } catch {
      // A feeds object whose getters throw: onnxruntime will report it; we count nothing more.
    }
    const start = performance.now();
    try {
      const result = await originalRun.call(this, feeds, fetches, runOptions);
      stats.recordSuccess(performance.now() - start);
      return result;
    } catch (error) {
      stats.recordError();
      throw error;
    }
  };
  session.release = async function release(this: unknown) {
    try {
      return await originalRelease.call(this);
    } finally {
      served.end();
    }
  };

  if (source === undefined) return;
  // A served file is a version of the model it was saved as; one never named gets its file's name.
  const series = options.modelName ?? (source.kind === 'path' ? modelNameOf(source.path) : undefined);
  served.described = describeModel(source, session).then(
    (model) => {
      run.logInput({
        type: MLMETA_TYPES.model,
        digest: model.digest,
        uri: source.kind === 'path' ? source.path : undefined,
        name: model.name,
        properties: model.properties,
        role: 'model',
        ...(series ? { model: series, modelIsDefault: options.modelName === undefined } : {}),
      });
      run.setProperties({
        [SERVE_PROPERTIES.modelDigest]: model.digest,
        [SERVE_PROPERTIES.modelName]: model.name,
      });
    },
    (error: unknown) =>
      logger.warn('could not digest the served model; its Serve run has no model link:', error),
  );
  track(served.described);
}

/**
 * The Serve run recording an instrumented session, e.g. to read its id or wait for its records.
 *
 * @example
 * const session = await ort.InferenceSession.create('model.onnx');
 * console.log(servingRun(session)?.id);
 */
export function servingRun(session: object): Run | undefined {
  return registry.bySession.get(session)?.run;
}

/**
 * Writes the statistics of every instrumented session and waits until everything recorded so far
 * (model artifacts, ended and failed Serve runs) is in the store or the spool.
 *
 * @example
 * await session.release();
 * await flushServing(); // the Serve run is COMPLETE in the store now
 */
export async function flushServing(): Promise<void> {
  for (const served of registry.live) served.flush();
  while (registry.pending.size > 0) await Promise.all([...registry.pending]);
  await Promise.all([...registry.live].map((served) => served.run.flush()));
}
