/**
 * A run: one Execution, associated with its experiment and process contexts. Every method
 * queues records for the background writer and returns; nothing here throws into the caller.
 */
import { randomUUID } from 'node:crypto';
import { redactString } from '../capture/redact.js';
import { logger } from '../log.js';
import { MLMETA_TYPE_DECLARATIONS, MLMETA_TYPES } from '../model/base-types.js';
import type { EventTypeName } from '../model/enums.js';
import { OWN_PROPERTY_NAMES, RUN_PROPERTIES } from '../model/run-properties.js';
import { MAX_NAME_LENGTH, type PropertyValue } from '../model/schemas.js';
import type { OpenLineageRun } from '../openlineage/run-events.js';
import type { MetadataWriter } from '../writer/writer.js';
import type { ArtifactRecord, Run, RunEndState } from './api.js';
import { ArtifactLinker, MAX_SUFFIXED_NAME, shortId, typeDeclaration } from './artifact-link.js';
import { fitName, fitProperties, metricStep, runLabel, warnOnce } from './edge.js';
import { MetricSummaries } from './metric-summary.js';
import { capString, flattenParams, toProperties } from './values.js';

export { RUN_PROPERTIES } from '../model/run-properties.js';

export { fileArtifactType } from './artifact-link.js';

function describeError(error: unknown): Record<string, PropertyValue> {
  if (error instanceof Error) {
    return {
      name: redactString(error.name),
      message: capString(redactString(error.message)),
      stack: capString(redactString(error.stack ?? '')),
    };
  }
  return { message: capString(redactString(String(error))) };
}

/**
 * Error descriptions not written yet. Reading `error.stack` makes V8 format it and forget where
 * the error was thrown, and Node then points an uncaught error's code frame into its own
 * internals instead of the user's line: a run that ends with an error its caller is about to
 * rethrow describes it only after that error reached the user (the next turn of the loop),
 * or at exit, whichever comes first.
 */
const pendingErrorDescriptions = new Set<() => void>();

/**
 * Writes every error description still waiting (the exit and signal paths call this before
 * their last synchronous write).
 *
 * @example
 * describePendingErrors(); // then writer.flushSync()
 */
export function describePendingErrors(): void {
  for (const describe of [...pendingErrorDescriptions]) describe();
}

export interface RunSetup {
  writer: MetadataWriter;
  name: string;
  experiment: string;
  type: string;
  experimentContextId: string;
  processContextId: string;
  /** The pipeline run context (MLMETA_PIPELINE), when this process is a pipeline step. */
  pipelineRunContextId?: string;
  heartbeatIntervalMs: number;
  /** When the run started; default now. */
  startTime?: number;
  /** Makes the run's OpenLineage events (given the run id), when OpenLineage output is configured. */
  openLineage?: (runId: string) => OpenLineageRun;
  /** Background captures (environment, hardware) that end() waits for, briefly. */
  captures: Promise<unknown>[];
  onEnd: (run: TrackedRun) => void;
}

/** How a run ended, beyond its state (filled in by the process lifecycle hooks). */
export interface RunEnding {
  error?: unknown;
  exitCode?: number;
  signal?: string;
  /** When it ended; default now. */
  endTime?: number;
  /** The process is going now: records are written synchronously, nothing waits for digests. */
  exiting?: boolean;
}

/** How long end() waits for background captures before flushing without them. */
const CAPTURE_WAIT_MS = 2000;

export class TrackedRun implements Run {
  readonly id = randomUUID();
  readonly name: string;
  readonly experiment: string;
  private readonly ref: { externalId: string };
  private readonly writer: MetadataWriter;
  private readonly openLineage: OpenLineageRun | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly droppedAtStart: number;
  private readonly rejectedAtStart: number;
  private autoStep = 0;
  private readonly metrics = new MetricSummaries();
  /** Writes its inputs and outputs; end() waits for the files it is digesting. */
  private readonly linker: ArtifactLinker;
  private ended: Promise<void> | undefined;
  private endedState: RunEndState | undefined;

  constructor(private readonly setup: RunSetup) {
    this.name = fitName(setup.name, 'the run name', { id: this.id, name: setup.name }, MAX_SUFFIXED_NAME);
    this.experiment = setup.experiment;
    this.writer = setup.writer;
    this.ref = { externalId: this.id };
    this.droppedAtStart = this.writer.stats().dropped;
    this.rejectedAtStart = this.writer.stats().rejected;
    const now = Date.now();
    const started = setup.startTime ?? now;
    this.writer.enqueueEdges(
      { types: [...MLMETA_TYPE_DECLARATIONS, ...typeDeclaration('execution', setup.type)] },
      true,
    );
    this.writer.enqueueNode(
      {
        kind: 'execution',
        node: {
          type: setup.type,
          externalId: this.id,
          // The run's name as given; the store makes it unique per type (train-good-2), with
          // room left under MLMD's 255 characters for that suffix.
          name: redactString(this.name).slice(0, 240),
          lastKnownState: 'RUNNING',
          customProperties: {
            [RUN_PROPERTIES.runName]: capString(redactString(setup.name)),
            [RUN_PROPERTIES.startTime]: started,
            [RUN_PROPERTIES.heartbeat]: now,
            [RUN_PROPERTIES.heartbeatInterval]: setup.heartbeatIntervalMs,
          },
        },
      },
      true,
    );
    this.writer.enqueueEdges(
      {
        associations: [
          { execution: this.ref, context: { externalId: setup.experimentContextId } },
          { execution: this.ref, context: { externalId: setup.processContextId } },
          ...(setup.pipelineRunContextId
            ? [{ execution: this.ref, context: { externalId: setup.pipelineRunContextId } }]
            : []),
        ],
      },
      true,
    );
    this.openLineage = setup.openLineage?.(this.id);
    this.openLineage?.start();
    this.linker = new ArtifactLinker(
      this.writer,
      {
        externalId: this.id,
        name: this.name,
        type: setup.type,
        experimentContextId: setup.experimentContextId,
        ...(setup.pipelineRunContextId ? { pipelineRunContextId: setup.pipelineRunContextId } : {}),
        ...(this.openLineage ? { openLineage: this.openLineage.identity() } : {}),
      },
      this.openLineage,
    );
    this.heartbeat = setInterval(() => this.beat(), setup.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** The state the run ended in, or undefined while it runs. */
  get state(): RunEndState | undefined {
    return this.endedState;
  }

  logParams(params: Record<string, unknown>): void {
    this.guard('logParams', () => this.updateExecution(toProperties(flattenParams(params), 'param.')));
  }

  logMetrics(values: Record<string, number>, step?: number): void {
    try {
      const at = step === undefined ? this.autoStep++ : metricStep(step, this);
      if (at === undefined) return;
      const wallTime = Date.now();
      for (const key in values) {
        const value = values[key];
        if (typeof value !== 'number' || key.length === 0 || key.length > MAX_NAME_LENGTH) {
          warnOnce(
            this.id,
            `metric:${key}`,
            `${runLabel(this.name)}: metric "${key.slice(0, 80)}" skipped: needs a number value and a 1-${MAX_NAME_LENGTH} character key`,
          );
          continue;
        }
        this.writer.enqueueMetric(this.ref, key, at, value, wallTime);
        this.metrics.add(key, at, value);
      }
    } catch (error) {
      logger.warn('logMetrics failed:', error);
    }
  }

  setProperties(properties: Record<string, unknown>): void {
    this.guard('setProperties', () => {
      this.updateExecution(toProperties(properties, '', OWN_PROPERTY_NAMES));
      this.openLineage?.properties(properties);
    });
  }

  /** A background capture (environment, hardware) ready for this run. */
  recordCapture(name: string, value: unknown): void {
    this.guard('capture', () => {
      this.updateExecution(toProperties({ [name]: value }));
      this.openLineage?.capture(name, value);
    });
  }

  setTags(tags: Record<string, string>): void {
    this.guard('setTags', () => this.updateExecution(toProperties(tags, 'tag.')));
  }

  logInput(artifact: ArtifactRecord): string {
    return this.linkArtifact(artifact, 'INPUT', MLMETA_TYPES.dataset);
  }

  logOutput(artifact: ArtifactRecord): string {
    return this.linkArtifact(artifact, 'OUTPUT', MLMETA_TYPES.model);
  }

  end(state: RunEndState = 'COMPLETE', error?: unknown): Promise<void> {
    this.finish(state, { error });
    return this.ended!;
  }

  async flush(): Promise<void> {
    while (this.linker.digesting.size > 0) await Promise.allSettled([...this.linker.digesting]);
    await Promise.all([this.writer.flush(), this.openLineage?.flush()]);
  }

  /**
   * Record the end synchronously (first call wins) and start flushing. The `exit` hook calls
   * this and then spools synchronously, since nothing asynchronous runs after `exit`.
   */
  finish(state: RunEndState, ending: RunEnding = {}): void {
    if (this.ended) return;
    clearInterval(this.heartbeat);
    this.endedState = state;
    const custom: Record<string, PropertyValue> = { [RUN_PROPERTIES.endTime]: ending.endTime ?? Date.now() };
    if (ending.error !== undefined) this.describeErrorLater(ending.error);
    if (ending.exitCode !== undefined) custom[RUN_PROPERTIES.exitCode] = ending.exitCode;
    if (ending.signal !== undefined) custom[RUN_PROPERTIES.signal] = ending.signal;
    const dropped = this.writer.stats().dropped - this.droppedAtStart;
    if (dropped > 0) {
      custom[RUN_PROPERTIES.dropped] = dropped;
      logger.warn(
        `run ${this.name}: ${dropped} record(s) were dropped because the write queue was full or the spool failed`,
      );
    }
    Object.assign(custom, fitProperties(this.metrics.properties(), this));
    this.writer.enqueueNode(
      {
        kind: 'execution',
        node: { type: this.setup.type, externalId: this.id, lastKnownState: state, customProperties: custom },
      },
      true,
    );
    if (this.setup.type === MLMETA_TYPES.evaluate && this.metrics.size > 0) this.writeMetricsArtifact();
    this.guard('OpenLineage', () => {
      this.openLineage?.end(state, ending);
      // Outputs still being digested belong in the final event; at exit nothing waits for them.
      if (this.linker.digesting.size === 0 || ending.exiting) this.openLineage?.release();
    });
    this.setup.onEnd(this);
    this.ended = this.settle();
  }

  /** See pendingErrorDescriptions. */
  private describeErrorLater(error: unknown): void {
    const describe = () => {
      if (!pendingErrorDescriptions.delete(describe)) return;
      this.writer.enqueueNode(
        {
          kind: 'execution',
          node: {
            type: this.setup.type,
            externalId: this.id,
            customProperties: { [RUN_PROPERTIES.error]: describeError(error) },
          },
        },
        true,
      );
    };
    pendingErrorDescriptions.add(describe);
    this.describePending = describe;
  }

  private describePending: (() => void) | undefined;

  private async settle(): Promise<void> {
    if (this.describePending) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.describePending();
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CAPTURE_WAIT_MS);
      timer.unref();
    });
    await Promise.race([Promise.allSettled(this.setup.captures), timeout]);
    clearTimeout(timer);
    // Files are part of the record, not background facts: wait for every digest.
    while (this.linker.digesting.size > 0) await Promise.allSettled([...this.linker.digesting]);
    this.guard('OpenLineage', () => this.openLineage?.release());
    await Promise.all([this.writer.flush({ probe: true }), this.openLineage?.flush()]);
    const { rejected, quarantineFile } = this.writer.stats();
    if (rejected > this.rejectedAtStart) {
      logger.warn(
        `${runLabel(this.name)}: the store rejected ${rejected - this.rejectedAtStart} record(s) while it ran; they are set aside in ${quarantineFile} with the reasons`,
      );
    }
  }

  private beat(): void {
    this.updateExecution({ [RUN_PROPERTIES.heartbeat]: Date.now() });
    this.guard('OpenLineage', () => this.openLineage?.heartbeat());
  }

  /** Merge custom properties into the execution (coalesced with other updates in the batch). */
  updateExecution(customProperties: Record<string, PropertyValue>): void {
    this.writer.enqueueNode({
      kind: 'execution',
      node: {
        type: this.setup.type,
        externalId: this.id,
        customProperties: fitProperties(customProperties, this),
      },
    });
  }

  private linkArtifact(artifact: ArtifactRecord, event: EventTypeName, defaultType: string): string {
    if (artifact === null || typeof artifact !== 'object') {
      const method = event === 'INPUT' ? 'logInput' : 'logOutput';
      logger.warn(`${method} needs an artifact record such as { digest, uri, role }; nothing was linked`);
      return `artifact:${randomUUID()}`;
    }
    return this.linker.link(artifact, event, defaultType);
  }

  /** An evaluation's results as a Metrics artifact (MLMD's mlmd.Metrics), output of the run. */
  private writeMetricsArtifact(): void {
    const externalId = `metrics:${this.id}`;
    this.writer.enqueueNode(
      {
        kind: 'artifact',
        node: {
          type: MLMETA_TYPES.metrics,
          externalId,
          name: `${fitName(redactString(this.name), 'the run name', this, MAX_SUFFIXED_NAME - 8)}-metrics@${shortId(this.id)}`,
          state: 'LIVE',
          customProperties: fitProperties(this.metrics.finals(), this),
        },
      },
      true,
    );
    this.writer.enqueueEdges(
      {
        events: [
          { artifact: { externalId }, execution: this.ref, type: 'OUTPUT', path: [{ key: 'metrics' }] },
        ],
        attributions: [{ artifact: { externalId }, context: { externalId: this.setup.experimentContextId } }],
      },
      true,
    );
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      logger.warn(`${what} failed:`, error);
    }
  }
}
