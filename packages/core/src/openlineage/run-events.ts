/**
 * One mlmeta run as OpenLineage RunEvents: START when it starts, RUNNING while it lives (at a
 * heartbeat, when new datasets or facts are known, else about once a minute), and COMPLETE,
 * FAIL or ABORT when it ends. Every event carries everything known so far (its inputs and
 * outputs, job and run facets), since consumers merge what the events of one run say. Events
 * are queued on the OpenLineage writer and return at once, like every other record.
 */
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MLMETA_TYPES } from '../model/base-types.js';
import type { RunEndState } from '../tracker/api.js';
import type { MetadataWriter } from '../writer/writer.js';
import {
  MLMETA_PRODUCER,
  OPENLINEAGE_SPEC,
  type OpenLineageDataset,
  type OpenLineageEventType,
  type OpenLineageFacet,
  type OpenLineageRunEvent,
} from './event.js';
import { facet, type RunArtifact, toOpenLineageDataset } from './facets.js';

/** The OpenLineage job types of mlmeta's execution types. */
const JOB_TYPES: Record<string, { jobType: string; suffix: string }> = {
  [MLMETA_TYPES.train]: { jobType: 'TRAINING', suffix: '' },
  [MLMETA_TYPES.evaluate]: { jobType: 'EVALUATION', suffix: '.evaluate' },
  [MLMETA_TYPES.serve]: { jobType: 'SERVING', suffix: '.serve' },
  // The whole process under the preload hook (its files), beside the fit it may run.
  [MLMETA_TYPES.script]: { jobType: 'COMMAND', suffix: '.script' },
};

/** A RUNNING event with nothing new is sent at most this often. */
const KEEPALIVE_MS = 60_000;

/**
 * A stable UUID for a name (the pipeline run a step belongs to), so that every step of one
 * pipeline run names the same parent run: sha256 of the name in UUID layout, version 8.
 *
 * @example
 * nameUuid('pipeline-run:nightly/host:42'); // '3b1f…-…-8…'
 */
export function nameUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Who a run is to OpenLineage, as plain data (it travels to the file recorder with a link). */
export type OpenLineageRunIdentity = Omit<OpenLineageRunSetup, 'writer'>;

export interface OpenLineageRunSetup {
  writer: MetadataWriter;
  runId: string;
  /** The mlmeta execution type (mlmeta.Train, ...): gives the job type and the job name's suffix. */
  type: string;
  namespace: string;
  /** Experiment and entry script, e.g. `iris.train`; the job type's suffix is added. */
  jobName: string;
  /** The pipeline run this run is a step of (MLMETA_PIPELINE). */
  parent?: { namespace: string; name: string; runKey: string };
}

/** Git facts from the environment capture that make a source code location. */
interface GitFacts {
  commit?: unknown;
  branch?: unknown;
  remote?: unknown;
  root?: unknown;
}

/** `git@github.com:org/repo.git` or `https://github.com/org/repo.git` → `https://github.com/org/repo`. */
function browsableRepo(remote: string): string | undefined {
  const ssh = /^(?:ssh:\/\/)?git@([^:/]+)[:/](.+?)(?:\.git)?\/?$/.exec(remote);
  if (ssh) return `https://${ssh[1]}/${ssh[2]}`;
  const https = /^(https?:\/\/[^/]+\/.+?)(?:\.git)?\/?$/.exec(remote);
  return https ? https[1] : undefined;
}

function sourceCodeLocation(git: GitFacts, entry: unknown): OpenLineageFacet | undefined {
  const entryPath =
    typeof (entry as { path?: unknown })?.path === 'string' ? (entry as { path: string }).path : undefined;
  if (typeof git.commit !== 'string' || entryPath === undefined) return undefined;
  const path = typeof git.root === 'string' ? relative(git.root, entryPath) : undefined;
  const repo = typeof git.remote === 'string' ? browsableRepo(git.remote) : undefined;
  const url =
    repo && path !== undefined && !path.startsWith('..')
      ? `${repo}/blob/${git.commit}/${path.split('\\').join('/')}`
      : pathToFileURL(entryPath).href;
  return facet('SourceCodeLocationJobFacet', {
    type: 'git',
    url,
    ...(typeof git.remote === 'string' ? { repoUrl: git.remote } : {}),
    ...(path !== undefined ? { path } : {}),
    version: git.commit,
    ...(typeof git.branch === 'string' ? { branch: git.branch } : {}),
  });
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The processing engine from what an integration records: tfjs versions or onnxruntime's. */
function processingEngine(properties: Record<string, unknown>): OpenLineageFacet | undefined {
  const tfjs = properties.tfjs;
  if (isRecord(tfjs) && isRecord(tfjs.versions)) {
    const versions = tfjs.versions;
    const version = versions['tfjs-core'] ?? versions.tfjs ?? versions['tfjs-layers'];
    if (typeof version === 'string') {
      return facet('ProcessingEngineRunFacet', {
        name: typeof versions['tfjs-node'] === 'string' ? 'tensorflow.js (tfjs-node)' : 'tensorflow.js',
        version,
      });
    }
  }
  const ort = properties['serve.onnxruntime_versions'];
  if (isRecord(ort)) {
    const version = ort.node ?? ort.common;
    if (typeof version === 'string')
      return facet('ProcessingEngineRunFacet', { name: 'onnxruntime-node', version });
  }
  return undefined;
}

function errorMessage(error: unknown, ending: { exitCode?: number; signal?: string }): OpenLineageFacet {
  if (error instanceof Error) {
    return facet('ErrorMessageRunFacet', {
      message: error.message || error.name,
      programmingLanguage: 'JavaScript',
      ...(error.stack ? { stackTrace: error.stack } : {}),
    });
  }
  const message =
    error !== undefined
      ? String(error)
      : ending.signal
        ? `stopped by ${ending.signal}`
        : `the process exited with code ${ending.exitCode}`;
  return facet('ErrorMessageRunFacet', { message, programmingLanguage: 'JavaScript' });
}

const END_EVENTS: Record<RunEndState, OpenLineageEventType> = {
  COMPLETE: 'COMPLETE',
  CACHED: 'COMPLETE',
  FAILED: 'FAIL',
  CANCELED: 'ABORT',
};

/**
 * The OpenLineage side of one run.
 *
 * @example
 * const lineage = new OpenLineageRun({ writer, runId: run.id, type: 'mlmeta.Train', namespace: 'iris', jobName: 'iris.train' });
 * lineage.start();
 * lineage.dataset('input', { externalId: 'xxh3:…', type: 'mlmeta.Dataset' });
 * lineage.end('COMPLETE');
 */
export class OpenLineageRun {
  private readonly inputs = new Map<string, OpenLineageDataset>();
  private readonly outputs = new Map<string, OpenLineageDataset>();
  private readonly runFacets: Record<string, OpenLineageFacet> = {};
  private readonly jobFacets: Record<string, OpenLineageFacet>;
  private readonly job: { namespace: string; name: string };
  /** Something was learned since the last event. */
  private changed = false;
  private lastEventAt = 0;
  private terminal: OpenLineageRunEvent | undefined;
  private done = false;
  /** The final event has been sent. */
  private released = false;

  constructor(private readonly setup: OpenLineageRunSetup) {
    const kind = JOB_TYPES[setup.type];
    this.job = { namespace: setup.namespace, name: `${setup.jobName}${kind?.suffix ?? ''}` };
    this.jobFacets = {
      jobType: facet('JobTypeJobFacet', {
        processingType: 'BATCH',
        integration: 'MLMETA',
        ...(kind ? { jobType: kind.jobType } : {}),
      }),
    };
    if (setup.parent) {
      this.runFacets.parent = facet('ParentRunFacet', {
        run: { runId: nameUuid(setup.parent.runKey) },
        job: { namespace: setup.parent.namespace, name: setup.parent.name },
      });
    }
  }

  start(): void {
    this.emit('START', true);
  }

  /** The run's identity, for another process to send more of its events (see amend). */
  identity(): OpenLineageRunIdentity {
    const { writer: _writer, ...identity } = this.setup;
    return identity;
  }

  /**
   * Sends what was learned as an OTHER event: used by the file recorder for a run whose process
   * has exited, made again from its identity, with the datasets whose digests finished there.
   */
  amend(): void {
    if (this.changed) this.emit('OTHER', true);
  }

  /** An input or output artifact of the run, as a dataset of its events. */
  dataset(direction: 'input' | 'output', artifact: RunArtifact): void {
    const dataset = toOpenLineageDataset(artifact);
    (direction === 'input' ? this.inputs : this.outputs).set(
      `${dataset.namespace}\n${dataset.name}`,
      dataset,
    );
    this.changed = true;
    // After `end`, a dataset still belongs in the final event until that is released (a file
    // whose digest finishes after the run ended); after that, it is sent on its own as an OTHER
    // event of the run (a model saved after its fit ended), which consumers merge into the run.
    if (this.done && this.terminal === undefined && this.released) this.emit('OTHER', true);
  }

  /** Facts an integration set on the run (raw values, before they become properties). */
  properties(properties: Record<string, unknown>): void {
    const engine = processingEngine(properties);
    if (engine) {
      this.runFacets.processing_engine = engine;
      this.changed = true;
    }
  }

  /** A background capture; the environment's git state becomes the job's source code location. */
  capture(name: string, value: unknown): void {
    if (name !== 'environment' || !isRecord(value) || !isRecord(value.git)) return;
    const location = sourceCodeLocation(value.git, value.entry);
    if (location) {
      this.jobFacets.sourceCodeLocation = location;
      this.changed = true;
    }
  }

  /** At a heartbeat: RUNNING when something is new, else about once a minute. */
  heartbeat(): void {
    if (this.done) return;
    if (this.changed || Date.now() - this.lastEventAt >= KEEPALIVE_MS) this.emit('RUNNING', false);
  }

  /**
   * Prepare the final event (COMPLETE, FAIL or ABORT); `release` sends it, once the run's last
   * artifacts are known.
   */
  end(state: RunEndState, ending: { error?: unknown; exitCode?: number; signal?: string } = {}): void {
    if (this.done) return;
    this.done = true;
    if (state === 'FAILED') this.runFacets.errorMessage = errorMessage(ending.error, ending);
    this.terminal = this.event(END_EVENTS[state]);
  }

  /** Send the final event prepared by `end`, with every dataset learned since. */
  release(): void {
    const terminal = this.terminal;
    if (terminal === undefined) return;
    this.terminal = undefined;
    this.released = true;
    const { eventType } = terminal;
    this.setup.writer.enqueueOpenLineage({ ...this.event(eventType!), eventTime: terminal.eventTime }, true);
  }

  /** Resolves when the events queued so far are sent or spooled. */
  flush(): Promise<void> {
    return this.setup.writer.flush({ probe: true });
  }

  private emit(eventType: OpenLineageEventType, essential: boolean): void {
    this.changed = false;
    this.lastEventAt = Date.now();
    this.setup.writer.enqueueOpenLineage(this.event(eventType), essential);
  }

  private event(eventType: OpenLineageEventType): OpenLineageRunEvent {
    const event: OpenLineageRunEvent = {
      eventType,
      eventTime: new Date().toISOString(),
      producer: MLMETA_PRODUCER,
      schemaURL: `${OPENLINEAGE_SPEC}#/$defs/RunEvent`,
      run: { runId: this.setup.runId, facets: { ...this.runFacets } },
      job: { ...this.job, facets: { ...this.jobFacets } },
      inputs: [...this.inputs.values()],
      outputs: [...this.outputs.values()],
    };
    return event;
  }
}
