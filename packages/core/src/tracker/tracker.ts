/**
 * The process-wide tracker: one per process (kept on globalThis, so the ESM and CJS builds of
 * core share it), one writer per store, the process context, background captures and the
 * active run. `startRun` and `activeRun` are the public entry points.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, extname, join } from 'node:path';
import { redact } from '../capture/redact.js';
import { attachSystemMetrics, detachSystemMetrics } from '../capture/system-metrics.js';
import { loadConfig, type MlmetaConfig } from '../config/config.js';
import { logger } from '../log.js';
import { MLMETA_TYPE_DECLARATIONS, MLMETA_TYPES } from '../model/base-types.js';
import { MAX_NAME_LENGTH } from '../model/schemas.js';
import type { OpenLineageConfig } from '../openlineage/config.js';
import { OpenLineageRun, type OpenLineageRunIdentity } from '../openlineage/run-events.js';
import { OpenLineageTransport } from '../openlineage/transport.js';
import { openStore } from '../store/open.js';
import type { MetadataStore } from '../store/store.js';
import { storeWorkerScript } from '../store/worker/worker-script.js';
import { Spool, spoolFileName } from '../writer/spool.js';
import { MetadataWriter } from '../writer/writer.js';
import type { Run, StartRunOptions } from './api.js';
import { startCaptures } from './captures.js';
import { fitName } from './edge.js';
import { installProcessHooks } from './lifecycle.js';
import { TrackedRun } from './run.js';
import { toProperties } from './values.js';

const TRACKER_KEY = Symbol.for('mlmeta.tracker');

/**
 * The page cache of the SQLite connection the writer opens: appends touch the right edge of a
 * few indexes, so SQLite's own default, 2 MiB, keeps their pages; the 32 MiB mlmeta uses for
 * lineage walks was 30 MiB of resident memory in every training process (docs/BENCHMARKS.md,
 * "Writer memory").
 */
const WRITER_PAGE_CACHE_KIB = 2 * 1024;

/** One store's writer, and the URI a separate process can reopen it with (for the `exit` path). */
export interface StoreWriter {
  writer: MetadataWriter;
  /** Absent for a store object passed in by the caller. */
  uri?: string;
  spoolFile: string;
  /** Set for the writer of OpenLineage events: the transport another process can reopen. */
  openLineage?: OpenLineageConfig['transport'];
}

function entryScriptName(): string | undefined {
  const script = process.argv[1];
  return script ? basename(script, extname(script)) : undefined;
}

function generatedRunName(): string {
  const iso = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-');
  return `run-${iso.slice(0, 15)}`;
}

/**
 * The process a tracker records for, when it is not its own: the file recorder's child
 * (files/file-recorder-main.ts) records the runs of a process that has already exited.
 */
export interface RecordedProcess {
  pid: number;
  startTime: number;
  /** How it ended; recorded on its context unless `endRecordedElsewhere`. */
  ending?: { exitCode?: number; signal?: string };
  /** When it ended (ms since the epoch); default: when the end is recorded. */
  endTime?: number;
  /** The process had its own tracker, which records its end itself. */
  endRecordedElsewhere?: boolean;
}

export class Tracker {
  readonly config: MlmetaConfig;
  readonly startTime: number;
  readonly processContextId: string;
  /** Context names are unique per type: host, pid and start time make this one unique. */
  readonly processName: string;
  private readonly writers = new Map<string | MetadataStore, StoreWriter>();
  private openLineageWriter: StoreWriter | undefined;
  private readonly runs = new Set<TrackedRun>();
  private current: TrackedRun | undefined;
  private captures: ReturnType<typeof startCaptures> | undefined;

  /** The pipeline run this process is a step of (MLMETA_PIPELINE), if any. */
  readonly pipelineRun: { name: string; run: string; contextId: string } | undefined;

  constructor(
    config: MlmetaConfig = loadConfig(),
    private readonly recorded?: RecordedProcess,
  ) {
    this.config = config;
    this.startTime = recorded?.startTime ?? Date.now();
    this.processName = `${hostname()}:${recorded?.pid ?? process.pid}:${this.startTime}`;
    this.processContextId = `process:${this.processName}`;
    if (config.pipeline) {
      // Without MLMETA_PIPELINE_RUN, the steps one parent process starts (a shell script, a
      // Makefile, `npm run pipeline`) are one run.
      const run = config.pipelineRun ?? `${hostname()}:${process.ppid}`;
      this.pipelineRun = { name: config.pipeline, run, contextId: `pipeline-run:${config.pipeline}/${run}` };
    }
  }

  /** Runs not yet ended, oldest first (the lifecycle hooks end them when the process goes). */
  liveRuns(): TrackedRun[] {
    return [...this.runs];
  }

  /** Every writer: one per store, and the OpenLineage writer when events were queued. */
  storeWriters(): StoreWriter[] {
    return [...this.writers.values(), ...(this.openLineageWriter ? [this.openLineageWriter] : [])];
  }

  activeRun(): TrackedRun | undefined {
    return this.current;
  }

  startRun(options: StartRunOptions = {}): TrackedRun {
    const store = options.store ?? this.config.store;
    const { writer } = this.storeWriter(store);
    const name = String(options.name ?? this.config.runName ?? generatedRunName());
    // A pipeline's steps share its name as their experiment, unless one is given.
    const experiment = fitName(
      String(
        options.experiment ??
          this.config.experiment ??
          this.config.pipeline ??
          entryScriptName() ??
          'default',
      ),
      'the experiment name',
      { id: `experiment:${name}`, name },
      MAX_NAME_LENGTH - 'experiment:'.length,
    );
    const experimentContextId = `experiment:${experiment}`;
    this.declareContexts(writer, experiment, experimentContextId);
    this.captures ??= startCaptures(this.config);
    const run = new TrackedRun({
      writer,
      name,
      experiment,
      type: options.type ?? MLMETA_TYPES.run,
      experimentContextId,
      processContextId: this.processContextId,
      ...(this.pipelineRun ? { pipelineRunContextId: this.pipelineRun.contextId } : {}),
      heartbeatIntervalMs: this.config.heartbeatIntervalMs,
      ...(typeof options.startTime === 'number' ? { startTime: options.startTime } : {}),
      ...(this.config.openLineage
        ? { openLineage: this.openLineageRun(this.config.openLineage, options, experiment) }
        : {}),
      captures: this.captures.all,
      onEnd: (ended) => {
        detachSystemMetrics(ended);
        this.runs.delete(ended);
        if (this.current === ended) this.current = this.liveRuns().at(-1);
      },
    });
    this.runs.add(run);
    this.current = run;
    const tags = { ...this.config.tags, ...options.tags };
    if (Object.keys(tags).length > 0) run.setTags(tags);
    if (options.params) run.logParams(options.params);
    this.captures.record(run);
    if (this.config.capture.system) attachSystemMetrics(run, this.config.systemIntervalMs);
    installProcessHooks();
    return run;
  }

  private declareContexts(writer: MetadataWriter, experiment: string, experimentContextId: string): void {
    writer.enqueueEdges({ types: MLMETA_TYPE_DECLARATIONS }, true);
    writer.enqueueNode(
      {
        kind: 'context',
        node: { type: MLMETA_TYPES.experiment, externalId: experimentContextId, name: experiment },
      },
      true,
    );
    writer.enqueueNode(
      {
        kind: 'context',
        node: {
          type: MLMETA_TYPES.process,
          externalId: this.processContextId,
          name: this.processName,
          customProperties: toProperties({
            host: hostname(),
            pid: this.recorded?.pid ?? process.pid,
            argv: redact(process.argv),
            start_time: this.startTime,
            node_version: process.version,
          }),
        },
      },
      true,
    );
    if (this.pipelineRun) this.declarePipeline(writer, this.pipelineRun);
  }

  /** pipeline ← pipeline run ← this process: one graph per pipeline run, whatever its steps. */
  private declarePipeline(writer: MetadataWriter, pipeline: NonNullable<Tracker['pipelineRun']>): void {
    const pipelineId = `pipeline:${pipeline.name}`;
    writer.enqueueNode(
      { kind: 'context', node: { type: MLMETA_TYPES.pipeline, externalId: pipelineId, name: pipeline.name } },
      true,
    );
    writer.enqueueNode(
      {
        kind: 'context',
        node: {
          type: MLMETA_TYPES.pipelineRun,
          externalId: pipeline.contextId,
          name: `${pipeline.name}/${pipeline.run}`,
          customProperties: toProperties({ pipeline: pipeline.name, run: pipeline.run }),
        },
      },
      true,
    );
    writer.enqueueEdges(
      {
        parentContexts: [
          { child: { externalId: pipeline.contextId }, parent: { externalId: pipelineId } },
          { child: { externalId: this.processContextId }, parent: { externalId: pipeline.contextId } },
        ],
      },
      true,
    );
  }

  /** Record how the process ended on its context, in every store this process wrote to. */
  recordProcessEnd(own: { exitCode?: number; signal?: string }): void {
    if (this.recorded?.endRecordedElsewhere) return;
    const ending = this.recorded ? (this.recorded.ending ?? {}) : own;
    const customProperties = toProperties({
      end_time: this.recorded?.endTime ?? Date.now(),
      exit_code: ending.exitCode,
      signal: ending.signal,
    });
    for (const { writer } of this.writers.values()) {
      writer.enqueueNode(
        {
          kind: 'context',
          node: {
            type: MLMETA_TYPES.process,
            externalId: this.processContextId,
            name: this.processName,
            customProperties,
          },
        },
        true,
      );
    }
  }

  /** The OpenLineage events of a run: its job named by experiment and entry script, in the configured namespace. */
  private openLineageRun(
    config: OpenLineageConfig,
    options: StartRunOptions,
    experiment: string,
  ): (runId: string) => OpenLineageRun {
    const script = entryScriptName();
    const namespace = config.namespace ?? experiment;
    const pipeline = this.pipelineRun;
    const writer = this.lineageWriter(config);
    return (runId) =>
      new OpenLineageRun({
        writer,
        // One id for the run everywhere: the OpenLineage run id is the execution's external id.
        runId,
        type: options.type ?? MLMETA_TYPES.run,
        namespace,
        jobName: script && script !== experiment ? `${experiment}.${script}` : experiment,
        ...(pipeline
          ? {
              parent: {
                namespace: config.namespace ?? pipeline.name,
                name: pipeline.name,
                runKey: pipeline.contextId,
              },
            }
          : {}),
      });
  }

  /** The writer of OpenLineage events, created on first use. */
  private lineageWriter(config: OpenLineageConfig): MetadataWriter {
    if (!this.openLineageWriter) {
      const spool = new Spool(join(this.config.spoolDir, 'openlineage'), spoolFileName(this.startTime));
      const writer = new MetadataWriter({
        openStore: async () => new OpenLineageTransport(config.transport),
        spool,
      });
      this.openLineageWriter = { writer, spoolFile: spool.file, openLineage: config.transport };
    }
    return this.openLineageWriter.writer;
  }

  /**
   * The OpenLineage side of a run another process started (the file recorder finishing its
   * links), or undefined when OpenLineage output is off here.
   *
   * @example
   * tracker.openLineageRunOf(link.target.openLineage)?.amend();
   */
  openLineageRunOf(identity: OpenLineageRunIdentity | undefined): OpenLineageRun | undefined {
    const config = this.config.openLineage;
    if (!identity || !config) return undefined;
    return new OpenLineageRun({ writer: this.lineageWriter(config), ...identity });
  }

  /** The writer for `store`, created on first use (the file recorder writes a run's files through it). */
  storeWriter(store: string | MetadataStore): StoreWriter {
    let entry = this.writers.get(store);
    if (entry) return entry;
    const uri = typeof store === 'string' ? store : store.uri;
    // One spool per store: the default store's spool is spoolDir itself (what `mlmeta sync` reads);
    // other stores get a subfolder named by their URI's digest.
    const dir =
      uri === this.config.store
        ? this.config.spoolDir
        : join(this.config.spoolDir, createHash('sha256').update(uri).digest('hex').slice(0, 12));
    const spool = new Spool(dir, spoolFileName(this.startTime));
    const writer = new MetadataWriter({
      // A store opened here by URI lives in a worker thread (where the built worker script
      // exists), so its writes never block training; a caller's store object is used as it is.
      openStore:
        typeof store === 'string'
          ? () =>
              openStore(store, {
                token: this.config.token,
                worker: storeWorkerScript() !== undefined,
                pageCacheKiB: WRITER_PAGE_CACHE_KIB,
              })
          : async () => store,
      ownsStore: typeof store === 'string',
      spool,
    });
    entry = { writer, uri: typeof store === 'string' ? store : undefined, spoolFile: spool.file };
    this.writers.set(store, entry);
    return entry;
  }
}

/**
 * Makes `tracker` the process's tracker (before anything else created one): the file recorder's
 * child records for the process that exited.
 */
export function installTracker(tracker: Tracker): Tracker {
  (globalThis as Record<symbol, unknown>)[TRACKER_KEY] = tracker;
  return tracker;
}

/** The process's tracker, created on first use. */
export function getTracker(): Tracker {
  const scope = globalThis as Record<symbol, unknown>;
  let tracker = scope[TRACKER_KEY] as Tracker | undefined;
  if (!tracker) {
    tracker = new Tracker();
    scope[TRACKER_KEY] = tracker;
  }
  return tracker;
}

/** The tracker if one was created in this process (the lifecycle hooks must not create one). */
export function existingTracker(): Tracker | undefined {
  return (globalThis as Record<symbol, unknown>)[TRACKER_KEY] as Tracker | undefined;
}

/**
 * Start a run: an Execution with its experiment and process contexts. Returns at once; records
 * are written in the background. With MLMETA_DISABLED=true the run records nothing.
 *
 * @example
 * const run = startRun({ experiment: 'mnist', params: { lr: 0.001 } });
 * run.logMetrics({ loss: 0.31 }, 1);
 * await run.end();
 */
export function startRun(options: StartRunOptions = {}): Run {
  if (options === null || typeof options !== 'object') {
    logger.warn(
      `startRun takes an options object such as { experiment, name }, not ${options}; the run starts with the defaults`,
    );
    options = {};
  }
  const tracker = getTracker();
  if (tracker.config.disabled) return disabledRun(options);
  try {
    return tracker.startRun(options);
  } catch (error) {
    logger.warn('could not start a run; this run records nothing:', error);
    return disabledRun(options);
  }
}

/** The run most recently started and not yet ended, if any. */
export function activeRun(): Run | undefined {
  return existingTracker()?.activeRun();
}

/** A run that records nothing: what MLMETA_DISABLED=true (or a tracker failure) gives. */
function disabledRun(options: StartRunOptions): Run {
  let externalIds = 0;
  return {
    id: `disabled:${process.pid}:${Date.now()}`,
    name: options.name ?? 'disabled',
    experiment: options.experiment ?? 'disabled',
    logParams() {},
    logMetrics() {},
    setProperties() {},
    setTags() {},
    logInput: (a) => a.digest ?? `artifact:disabled-${++externalIds}`,
    logOutput: (a) => a.digest ?? `artifact:disabled-${++externalIds}`,
    end: async () => {},
    flush: async () => {},
  };
}
