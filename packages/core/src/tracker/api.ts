/**
 * The tracker's public contract. The integrations (@mlmeta/tfjs, @mlmeta/onnx, node-hooks) code
 * against these types; tracker/ implements them. Every method returns immediately (records are
 * queued for the background writer) and never throws into the caller.
 */
import type { ExecutionStateName } from '../model/enums.js';
import type { MetadataStore } from '../store/store.js';

/** A dataset or model to link to a run, identified by its content digest when known. */
export interface ArtifactRecord {
  /** Artifact type name; default mlmeta.Dataset for inputs, mlmeta.Model for outputs. */
  type?: string;
  /** Content digest (for example from fingerprintTensors); becomes the external id. */
  digest?: string;
  /**
   * Where the bytes live (file path or URL; credentials are stripped before storing). Without a
   * digest, a local path is digested and its digest becomes the external id.
   */
  uri?: string;
  name?: string;
  /** Structured description: shape, dtype, statistics, sampled, format, ... */
  properties?: Record<string, unknown>;
  /** Event path, e.g. 'x', 'y', 'validation.x'. */
  role?: string;
  /**
   * The model name this artifact is a version of: the store numbers the artifacts recorded under
   * one name 1, 2, 3 … in the order they arrive (the same bytes again are the same version).
   * See `mlmeta models`. The integrations pass the save path's name (`file://./models/iris` →
   * `iris`) unless a name is given in their options.
   */
  model?: string;
  /** `model` is only a default: used when the artifact is not a version of any model yet. */
  modelIsDefault?: boolean;
  /**
   * For a local `uri` the caller has just written: each file as it was written (see
   * `snapshotFiles`). The path is then identified by its files as usual, but if they differ
   * from this by the time they are digested (another process wrote there since), the artifact
   * is recorded by `digest` instead, so that it never takes someone else's bytes as its own.
   */
  writtenAs?: FileSnapshot;
}

/** A file or a folder's files, each with its size and modification time. */
export interface FileSnapshot {
  files: Array<{ path: string; size: number; mtimeMs: number }>;
}

/**
 * How `startRun` names and files a run: experiment, name, tags, type, params, store.
 *
 * @example
 * const run = startRun({ experiment: 'churn', name: 'baseline', tags: { team: 'search' }, params: { lr: 0.01 } });
 */
export interface StartRunOptions {
  /** Experiment context name; default MLMETA_EXPERIMENT, else MLMETA_PIPELINE, else the entry script's name. */
  experiment?: string;
  /** Run name; default MLMETA_RUN_NAME, else generated. */
  name?: string;
  tags?: Record<string, string>;
  /** Execution type: mlmeta.Run by default; the integrations use mlmeta.Train and mlmeta.Serve. */
  type?: string;
  params?: Record<string, unknown>;
  /** A store URI or an open store; default MLMETA_STORE, else the embedded SQLite file. */
  store?: string | MetadataStore;
  /** When the run started (ms since epoch), for a run recorded after the fact; default now. */
  startTime?: number;
}

/**
 * How a run may end.
 *
 * @example
 * await run.end('FAILED', error);
 */
export type RunEndState = Extract<ExecutionStateName, 'COMPLETE' | 'FAILED' | 'CANCELED' | 'CACHED'>;

/**
 * A run being recorded: log params, metrics, inputs and outputs, then end it. Calls enqueue and return; they never throw into your code.
 *
 * @example
 * const run = startRun({ experiment: 'churn' });
 * run.logParams({ lr: 0.01 });
 * run.logMetrics({ loss: 0.31 }, 1);
 * await run.end();
 */
export interface Run {
  /** The run's external id (a UUID): stable across retries, spools and stores. */
  readonly id: string;
  readonly name: string;
  readonly experiment: string;
  /** Hyperparameters and settings; redacted, made JSON-safe and size-capped before storing. */
  logParams(params: Record<string, unknown>): void;
  /** Metric values at a step (epoch, batch, ...). Non-finite values are kept and flagged. */
  logMetrics(values: Record<string, number>, step?: number): void;
  /** Structured facts about the run that are not hyperparameters (model summary, environment, ...). */
  setProperties(properties: Record<string, unknown>): void;
  /** Free-form labels (`team=search`), merged with MLMETA_TAGS. */
  setTags(tags: Record<string, string>): void;
  /**
   * Links an input artifact (INPUT event); returns its external id. A local file or folder given
   * by `uri` without a `digest` is identified by its content: it is digested in the background
   * (sha256 of its bytes, or of a manifest of a folder's files) and written under that digest
   * before `end()` resolves; the id returned for it is then a provisional `pending:<uuid>`.
   */
  logInput(artifact: ArtifactRecord): string;
  /** Links an output artifact (OUTPUT event); returns its external id (see logInput for files). */
  logOutput(artifact: ArtifactRecord): string;
  /** Ends the run (idempotent: the first call wins). Resolves when its records are flushed or spooled. */
  end(state?: RunEndState, error?: unknown): Promise<void>;
  /** Resolves when everything logged so far is written to the store or the spool. */
  flush(): Promise<void>;
}
