/**
 * Step caching, as MLMD and TFX do it: skip a step when its inputs, params and code are the
 * ones of a recorded execution whose outputs are still there. The record of a skipped step is a
 * CACHED execution linked to the same inputs and outputs, so lineage reads the same either way.
 */
import { digestPath } from '../files/digest.js';
import { logger } from '../log.js';
import { OUTPUT_EVENT_TYPES } from '../model/enums.js';
import type { Artifact, Execution } from '../model/schemas.js';
import { MlmetaError } from '../store/errors.js';
import { openStore } from '../store/open.js';
import type { MetadataStore } from '../store/store.js';
import type { ArtifactRecord, Run } from '../tracker/api.js';
import { RUN_PROPERTIES } from '../tracker/run.js';
import { getTracker, startRun } from '../tracker/tracker.js';
import { cacheKey, codeDigest, localPath } from './cache-key.js';

/** Execution type of a cached step, and the custom properties that make it findable. */
export const STEP_TYPE = 'mlmeta.Step';
/**
 * The custom properties that make a cached step findable: its cache key, and the run it reused.
 *
 * @example
 * await store.getExecutions({ filter: `custom_properties.${CACHE_PROPERTIES.key} = '${key}'` });
 */
export const CACHE_PROPERTIES = {
  key: RUN_PROPERTIES.cacheKey,
  /** On a CACHED execution: the external id of the execution whose outputs it reused. */
  cachedFrom: RUN_PROPERTIES.cachedFrom,
} as const;

/**
 * What decides whether a step can be skipped: its inputs, params and code.
 *
 * @example
 * const spec: StepSpec = { inputs: [{ uri: 'data/raw.csv' }], params: { bins: 32 }, code: { file: 'featurize.mjs' } };
 */
export interface StepSpec {
  /** Input artifacts: a digest string, or a record with a digest or a local file `uri` (hashed). */
  inputs?: Array<string | ArtifactRecord>;
  /** Everything else that changes the result (hyperparameters, options); compared as canonical JSON. */
  params?: Record<string, unknown>;
  /** The step's code: a digest or version string, or `{ file }` to hash a source file. */
  code?: string | { file: string };
}

/**
 * Where `cached` records the step.
 *
 * @example
 * await cached('featurize', spec, fn, { store: 'sqlite:runs.db', experiment: 'churn' });
 */
export interface CachedOptions {
  /** A store URI or an open store; default MLMETA_STORE, else the embedded SQLite file. */
  store?: string | MetadataStore;
  experiment?: string;
  /** Run name; default the step name. */
  name?: string;
}

/** An output as recorded: its digest is the artifact's external id. */
export interface StepOutput {
  type: string;
  digest: string;
  uri?: string;
  name?: string;
  /** The store id, when it could be read back. */
  id?: number;
  properties?: Record<string, unknown>;
}

/**
 * What `cached` returns: whether the step was skipped, its run, and its outputs.
 *
 * @example
 * const { cached: skipped, outputs } = await cached('featurize', spec, fn);
 */
export interface CachedResult {
  /** True when `fn` did not run and recorded outputs were reused. */
  cached: boolean;
  /** The external id of the execution recorded for this call. */
  runId: string;
  /** For a cached result: the external id of the execution that produced the outputs. */
  cachedFrom?: string;
  cacheKey: string;
  outputs: StepOutput[];
}

// biome-ignore lint/suspicious/noConfusingVoidType: a step that writes no artifacts returns nothing
type StepFunction = (run: Run) => Promise<ArtifactRecord[] | undefined | void>;

async function digestOf(input: string | ArtifactRecord, what: string): Promise<ArtifactRecord> {
  if (typeof input === 'string') return { digest: input };
  if (input.digest) return { ...input, uri: input.uri ? (localPath(input.uri) ?? input.uri) : undefined };
  const path = localPath(input.uri);
  const found = path === undefined ? undefined : await digestPath(path).catch(() => undefined);
  if (path === undefined || found === undefined) {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `${what} needs a digest or the uri of a local file or folder to hash (got ${input.uri ? `"${input.uri}"` : 'neither'})`,
    );
  }
  return { ...input, uri: path, digest: found.digest };
}

/**
 * Why a recorded output cannot stand for a new run, or undefined when it still can: it must be
 * LIVE, and a local file or folder must still be there with the bytes that were recorded (a
 * sha256 identity is checked against the current digest).
 */
async function staleness(artifact: Artifact): Promise<string | undefined> {
  const shown = artifact.uri ?? artifact.externalId ?? `#${artifact.id}`;
  if (artifact.state !== 'LIVE') return `output ${shown} is ${artifact.state}`;
  const path = localPath(artifact.uri);
  if (path === undefined) return undefined;
  const current = await digestPath(path).catch(() => undefined);
  if (current === undefined) return `output ${shown} is missing`;
  if (artifact.externalId?.startsWith('sha256:') && current.digest !== artifact.externalId) {
    return `output ${shown} changed since it was recorded (${current.digest.slice(0, 19)}…, recorded ${artifact.externalId.slice(0, 19)}…)`;
  }
  return undefined;
}

async function recordedOutputs(store: MetadataStore, execution: Execution): Promise<Artifact[] | undefined> {
  const events = await store.getEvents({ executionIds: [execution.id] });
  const ids = [
    ...new Set(
      events
        .filter((e) => (OUTPUT_EVENT_TYPES as readonly string[]).includes(e.type))
        .map((e) => e.artifactId),
    ),
  ];
  if (ids.length === 0) return [];
  const page = await store.getArtifacts({ ids, limit: ids.length });
  return page.items.length === ids.length ? page.items : undefined;
}

async function findReusable(
  store: MetadataStore,
  step: string,
  key: string,
): Promise<{ execution: Execution; outputs: Artifact[] } | undefined> {
  const page = await store.getExecutions({
    filter: `custom_properties.\`${CACHE_PROPERTIES.key}\` = '${key}' AND state IN (COMPLETE, CACHED)`,
    orderBy: 'createTime',
    descending: true,
    limit: 1,
  });
  const newest = page.items[0];
  if (!newest) return undefined;
  const outputs = await recordedOutputs(store, newest);
  if (!outputs) return undefined;
  const stale = (await Promise.all(outputs.map(staleness))).filter((why) => why !== undefined);
  if (stale.length > 0) {
    logger.info(`step ${step}: ${stale.join('; ')}; running it again`);
    return undefined;
  }
  return { execution: newest, outputs };
}

const toOutput = (a: Artifact): StepOutput => ({
  type: a.type,
  digest: a.externalId ?? `id:${a.id}`,
  id: a.id,
  ...(a.uri ? { uri: a.uri } : {}),
  ...(a.name ? { name: a.name } : {}),
  properties: a.customProperties,
});

/**
 * Run `fn` as a tracked step, or skip it: when the newest COMPLETE or CACHED execution with the
 * same cache key (step name, input digests, params, code) has outputs that are still LIVE and
 * whose files still hold the recorded bytes (digested again now), those outputs are returned and
 * a CACHED execution is recorded with the run it reused (`mlmeta.cachedFrom`).
 * Otherwise `fn` runs inside a run (type mlmeta.Step), whose returned outputs are recorded; the
 * run ends COMPLETE, or FAILED when `fn` throws (the error is rethrown).
 *
 * @example
 * const { cached: hit, outputs } = await cached(
 *   'featurize',
 *   { inputs: [{ uri: 'data/raw.csv' }], params: { bins: 32 }, code: { file: 'featurize.mjs' } },
 *   async (run) => {
 *     await featurize('data/raw.csv', 'data/features.bin');
 *     return [{ type: 'mlmeta.Dataset', uri: 'data/features.bin' }];
 *   },
 * );
 * console.log(hit ? 'skipped: inputs, params and code unchanged' : 'ran', outputs[0].uri);
 */
export async function cached(
  step: string,
  spec: StepSpec,
  fn: StepFunction,
  options: CachedOptions = {},
): Promise<CachedResult> {
  if (typeof step !== 'string' || step.length === 0) {
    throw new MlmetaError('INVALID_ARGUMENT', 'cached(step, ...) needs a step name such as "train"');
  }
  const inputs = await Promise.all((spec.inputs ?? []).map((input, i) => digestOf(input, `input ${i}`)));
  const key = cacheKey(
    step,
    inputs.map((i) => i.digest!),
    spec.params ?? {},
    await codeDigest(spec.code),
  );
  const tracker = getTracker();
  const storeOption = options.store ?? tracker.config.store;
  let store: MetadataStore | undefined;
  if (!tracker.config.disabled) {
    try {
      store = typeof storeOption === 'string' ? await openStore(storeOption) : storeOption;
    } catch (error) {
      logger.warn('step cache unavailable (the store could not be opened); running the step:', error);
    }
  }
  try {
    const runOptions = {
      type: STEP_TYPE,
      name: options.name ?? step,
      experiment: options.experiment,
      store: storeOption,
      params: spec.params,
    };
    let reusable: Awaited<ReturnType<typeof findReusable>>;
    try {
      reusable = store ? await findReusable(store, step, key) : undefined;
    } catch (error) {
      logger.warn('step cache lookup failed; running the step:', error);
    }
    if (reusable) {
      const cachedFrom = reusable.execution.externalId ?? `id:${reusable.execution.id}`;
      const run = startRun(runOptions);
      run.setProperties({ [CACHE_PROPERTIES.key]: key, [CACHE_PROPERTIES.cachedFrom]: cachedFrom });
      for (const input of inputs) run.logInput(input);
      for (const output of reusable.outputs) {
        run.logOutput({
          type: output.type,
          digest: output.externalId,
          ...(output.uri ? { uri: output.uri } : {}),
        });
      }
      await run.end('CACHED');
      return {
        cached: true,
        runId: run.id,
        cachedFrom,
        cacheKey: key,
        outputs: reusable.outputs.map(toOutput),
      };
    }

    const run = startRun(runOptions);
    run.setProperties({ [CACHE_PROPERTIES.key]: key });
    for (const input of inputs) run.logInput(input);
    let outputs: ArtifactRecord[];
    try {
      const returned = (await fn(run)) ?? [];
      // Outputs without a digest are identified by their file's bytes, when they name a local file.
      outputs = await Promise.all(
        returned.map((record, i) =>
          record.digest || localPath(record.uri) ? digestOf(record, `output ${i}`) : record,
        ),
      );
    } catch (error) {
      await run.end('FAILED', error);
      throw error;
    }
    const digests = outputs.map((record) => run.logOutput(record));
    await run.end('COMPLETE');
    const stored = store
      ? await store
          .getArtifacts({ externalIds: digests, limit: Math.max(1, digests.length) })
          .catch(() => undefined)
      : undefined;
    return {
      cached: false,
      runId: run.id,
      cacheKey: key,
      outputs: digests.map((digest, i) => {
        const found = stored?.items.find((a) => a.externalId === digest);
        return found
          ? toOutput(found)
          : {
              type: outputs[i]!.type ?? 'mlmeta.Model',
              digest,
              ...(outputs[i]!.uri ? { uri: outputs[i]!.uri } : {}),
            };
      }),
    };
  } finally {
    if (store && typeof storeOption === 'string') await store.close().catch(() => undefined);
  }
}
