/**
 * One served session: its Serve run, the run() wrapper that aggregates into the run's
 * ServingRecord (core: periodic flush, flush at exit), and the end at release() or process exit.
 */
import { hostname } from 'node:os';
import { basename } from 'node:path';
import {
  DEFAULT_FLUSH_INTERVAL_MS,
  hideOwnFrames,
  logger,
  MLMETA_TYPES,
  modelNameOf,
  type Run,
  SERVE_PROPERTIES,
  ServingRecord,
  startRun,
} from '@mlmeta/core';
import { describeModel, type ModelSource, type SessionShape } from './model-description.js';
import type { OnnxInstrumentationOptions } from './types.js';
import { processWide } from './utils.js';

// The session's run and release are replaced by wrappers; a failing call shows onnxruntime's stack.
hideOwnFrames();

export { DEFAULT_FLUSH_INTERVAL_MS };

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
}

const registry = processWide<ServeRegistry>('onnx.serves', () => ({
  live: new Set(),
  bySession: new WeakMap(),
  pending: new Set(),
}));

function track(work: Promise<unknown>): void {
  const settled: Promise<unknown> = work.then(
    () => registry.pending.delete(settled),
    () => registry.pending.delete(settled),
  );
  registry.pending.add(settled);
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
  readonly record: ServingRecord;
  /** Resolves when the model artifact is recorded (or could not be). */
  described: Promise<void> = Promise.resolve();

  constructor(
    readonly run: Run,
    session: SessionShape,
    flushIntervalMs: number,
  ) {
    this.record = new ServingRecord(run, session.inputNames, flushIntervalMs);
    registry.live.add(this);
  }

  /** Writes the statistics so far. */
  flush(): void {
    this.record.flush();
  }

  /** Final flush and end of the Serve run (first call wins). */
  end(): void {
    registry.live.delete(this);
    // After the model is recorded, so that the INPUT event is part of the run's final flush.
    track(this.record.end(this.described));
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
  const stats = served.record.stats;
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
