/**
 * OpenLineage in: a RunEvent from any producer (Airflow, Spark, dbt, openlineage-python, mlmeta
 * itself) onto the MLMD model. A job is an `openlineage.Job` context; a run is an execution
 * (`openlineage.Run`, or the execution that already has the run id as its external id, which is
 * how mlmeta's own events land on its own runs), associated with its job, its state from the
 * event type; a parent run's job is the job context's parent. A dataset is the artifact that
 * already stands for it: the one whose external id is the dataset's version (a digest mlmeta
 * recorded), else the newest one recorded at the dataset's URI (a file mlmeta read or wrote),
 * else an `openlineage.Dataset` artifact named by namespace and name. Events are written in one
 * transaction and are idempotent: the same event sent twice changes nothing.
 */
import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import type { z } from 'zod';
import { fileDigester } from '../files/digester.js';
import { MLMETA_TYPE_DECLARATIONS } from '../model/base-types.js';
import type { ExecutionStateName } from '../model/enums.js';
import type { ArtifactInput, ExecutionInput, LineageBatch, NodeRef, TypeInput } from '../model/schemas.js';
import { MlmetaError } from '../store/errors.js';
import type { MetadataStore } from '../store/store.js';
import { fileArtifactType, RUN_PROPERTIES } from '../tracker/run.js';
import { capString } from '../tracker/values.js';
import { lazySchema, zod } from '../zod.js';
import { DIGEST_NAMESPACE, openLineageDatasetUri } from './facets.js';

/**
 * The MLMD types OpenLineage nodes are written as.
 *
 * @example
 * await store.getContexts({ type: OPENLINEAGE_TYPES.job }); // the jobs OpenLineage events named
 */
export const OPENLINEAGE_TYPES = {
  job: 'openlineage.Job',
  run: 'openlineage.Run',
  dataset: 'openlineage.Dataset',
} as const;

const TYPE_DECLARATIONS: TypeInput[] = [
  { kind: 'context', name: OPENLINEAGE_TYPES.job, properties: {} },
  { kind: 'execution', name: OPENLINEAGE_TYPES.run, baseType: 'mlmd.Process', properties: {} },
  { kind: 'artifact', name: OPENLINEAGE_TYPES.dataset, baseType: 'mlmd.Dataset', properties: {} },
];

const Name = lazySchema(() => zod.string().min(1).max(1024));
const Facets = lazySchema(() => zod.record(zod.string(), zod.unknown()).optional());
const Dataset = lazySchema(() => zod.object({ namespace: Name, name: Name, facets: Facets }).passthrough());

/**
 * What a RunEvent must be for mlmeta to take it (the rest of the spec is kept as it comes).
 *
 * @example
 * OpenLineageRunEventSchema.safeParse(JSON.parse(body)).success;
 */
export const OpenLineageRunEventSchema = lazySchema(() =>
  zod
    .object({
      eventType: zod.enum(['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER']).optional(),
      eventTime: zod.string().datetime({ offset: true }),
      producer: zod.string().min(1).max(2048),
      schemaURL: zod.string().max(2048).optional(),
      run: zod.object({ runId: zod.string().uuid(), facets: Facets }).passthrough(),
      job: zod.object({ namespace: Name, name: Name, facets: Facets }).passthrough(),
      inputs: zod.array(Dataset).max(10_000).optional(),
      outputs: zod.array(Dataset).max(10_000).optional(),
    })
    .passthrough(),
);

/**
 * A RunEvent as the server takes it.
 *
 * @example
 * const event: IngestedRunEvent = OpenLineageRunEventSchema.parse(body);
 */
export type IngestedRunEvent = z.infer<typeof OpenLineageRunEventSchema>;

const STATES: Partial<Record<string, ExecutionStateName>> = {
  START: 'RUNNING',
  RUNNING: 'RUNNING',
  COMPLETE: 'COMPLETE',
  FAIL: 'FAILED',
  ABORT: 'CANCELED',
};
const TERMINAL = new Set<string>(['COMPLETE', 'FAILED', 'CANCELED', 'CACHED']);

/**
 * What one ingested event touched.
 *
 * @example
 * const { execution, outputs }: IngestResult = await ingestOpenLineageEvent(store, event);
 */
export interface IngestResult {
  execution: NodeRef;
  /** The artifact each input and output became, in the event's order. */
  inputs: NodeRef[];
  outputs: NodeRef[];
}

/** An external id within MLMD's 255 characters: long ones by their digest. */
function fitId(prefix: string, key: string): string {
  const id = `${prefix}${key}`;
  return id.length <= 255 ? id : `${prefix}sha256:${createHash('sha256').update(key).digest('hex')}`;
}

const jobKey = (job: { namespace: string; name: string }) =>
  fitId('openlineage-job:', `${job.namespace}/${job.name}`);

function facetField(facets: Record<string, unknown> | undefined, facet: string, field: string): unknown {
  const value = facets?.[facet];
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[field] : undefined;
}

/**
 * How to take events in.
 *
 * @example
 * await ingestOpenLineageEvent(store, body, { digestLocalFiles: true });
 */
export interface IngestOptions {
  /**
   * Identify a `file` dataset this process can read by its content, as mlmeta's integrations do
   * (sha256 of the bytes, or of a folder's manifest), so that the file an external job wrote is
   * the very node a later (or earlier) mlmeta run reads. For a server whose clients share its
   * machine (bound to a loopback address); off otherwise, since it reads paths clients name.
   */
  digestLocalFiles?: boolean;
}

type Resolved = { ref: NodeRef; node?: ArtifactInput & { externalId: string } };

/** The file at `path` by its content, as the tracker writes it; undefined when it cannot be read. */
async function fileByContent(store: MetadataStore, path: string): Promise<Resolved | undefined> {
  let digest: Awaited<ReturnType<ReturnType<typeof fileDigester>['digest']>>;
  try {
    digest = await fileDigester().digest(path);
  } catch {
    return undefined;
  }
  const known = await store.getArtifact({ externalId: digest.digest });
  if (known) return { ref: { id: known.id } };
  return {
    ref: { externalId: digest.digest },
    node: {
      type: fileArtifactType(path, digest.kind),
      externalId: digest.digest,
      uri: path,
      state: 'LIVE',
      customProperties: {
        'file.kind': digest.kind,
        'file.bytes': digest.bytes,
        ...(digest.files === undefined ? {} : { 'file.files': digest.files }),
      },
    },
  };
}

/** The artifact that stands for `dataset` (see the file header), and how to write it when it is new. */
async function datasetArtifact(
  store: MetadataStore,
  dataset: z.infer<typeof Dataset>,
  options: IngestOptions,
): Promise<Resolved> {
  const version = facetField(dataset.facets, 'version', 'datasetVersion');
  if (typeof version === 'string' && version.length > 0) {
    const known = await store.getArtifact({ externalId: version });
    if (known) return { ref: { id: known.id } };
  }
  if (options.digestLocalFiles && dataset.namespace === 'file' && isAbsolute(dataset.name)) {
    const byContent = await fileByContent(store, dataset.name);
    if (byContent) return byContent;
  }
  if (dataset.namespace === DIGEST_NAMESPACE) {
    const known = await store.getArtifact({ externalId: dataset.name });
    if (known) return { ref: { id: known.id } };
  }
  const uri = openLineageDatasetUri(dataset.namespace, dataset.name);
  const uris = dataset.namespace === 'file' ? [uri, `file://${uri}`] : [uri];
  let newest: number | undefined;
  for (const candidate of uris) {
    const page = await store.getArtifacts({ uri: candidate, orderBy: 'id', descending: true, limit: 1 });
    const id = page.items[0]?.id;
    if (id !== undefined && (newest === undefined || id > newest)) newest = id;
  }
  if (newest !== undefined) return { ref: { id: newest } };
  const externalId = fitId(
    'openlineage:',
    `${dataset.namespace}/${dataset.name}${typeof version === 'string' ? `@${version}` : ''}`,
  );
  const fields = facetField(dataset.facets, 'schema', 'fields');
  return {
    ref: { externalId },
    node: {
      type: OPENLINEAGE_TYPES.dataset,
      externalId,
      name: capString(`${dataset.namespace}/${dataset.name}`).slice(0, 240),
      uri,
      state: 'LIVE',
      customProperties: {
        'openlineage.namespace': dataset.namespace,
        'openlineage.name': dataset.name,
        ...(typeof version === 'string' ? { 'openlineage.version': version } : {}),
        ...(Array.isArray(fields) ? { 'openlineage.schema': { fields } } : {}),
      },
    },
  };
}

function errorProperty(facets: Record<string, unknown> | undefined): Record<string, string> | undefined {
  const message = facetField(facets, 'errorMessage', 'message');
  if (typeof message !== 'string') return undefined;
  const stack = facetField(facets, 'errorMessage', 'stackTrace');
  return { message: capString(message), ...(typeof stack === 'string' ? { stack: capString(stack) } : {}) };
}

/**
 * Write one OpenLineage RunEvent into `store` (see the file header for the mapping).
 * `body` is checked first; a body that is not a RunEvent is an INVALID_ARGUMENT saying what is wrong.
 *
 * @example
 * const { execution, inputs } = await ingestOpenLineageEvent(store, JSON.parse(body));
 */
export async function ingestOpenLineageEvent(
  store: MetadataStore,
  body: unknown,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const parsed = OpenLineageRunEventSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `not an OpenLineage RunEvent: ${issue.path.join('.') || 'body'}: ${issue.message} (mlmeta takes RunEvents of spec 2-0-x; DatasetEvents and JobEvents are not supported)`,
    );
  }
  const event = parsed.data;
  const time = Date.parse(event.eventTime);
  const existing = await store.getExecution({ externalId: event.run.runId });
  const jobContext = { externalId: jobKey(event.job) };
  const state = event.eventType ? STATES[event.eventType] : undefined;
  // Events may arrive out of order: a late RUNNING never reopens a run that ended.
  const keepState = existing !== undefined && TERMINAL.has(existing.lastKnownState) && state === 'RUNNING';
  const error = errorProperty(event.run.facets);
  const execution: ExecutionInput & { externalId: string } = {
    type: existing?.type ?? OPENLINEAGE_TYPES.run,
    externalId: event.run.runId,
    ...(existing ? {} : { name: capString(event.job.name).slice(0, 240) }),
    ...(state && !keepState ? { lastKnownState: state } : {}),
    customProperties: {
      'openlineage.job': `${event.job.namespace}/${event.job.name}`,
      'openlineage.producer': capString(event.producer),
      ...(existing ? {} : { [RUN_PROPERTIES.startTime]: time }),
      ...(state && TERMINAL.has(state) && !TERMINAL.has(existing?.lastKnownState ?? '')
        ? { [RUN_PROPERTIES.endTime]: time }
        : {}),
      ...(error ? { [RUN_PROPERTIES.error]: error } : {}),
    },
  };
  const batch: LineageBatch = {
    types: TYPE_DECLARATIONS,
    contexts: [
      {
        type: OPENLINEAGE_TYPES.job,
        externalId: jobContext.externalId,
        name: capString(`${event.job.namespace}/${event.job.name}`).slice(0, 255),
        customProperties: {
          'openlineage.namespace': event.job.namespace,
          'openlineage.name': event.job.name,
        },
      },
    ],
    executions: [execution],
    artifacts: [],
    events: [],
    associations: [{ execution: { externalId: event.run.runId }, context: jobContext }],
    attributions: [],
    parentContexts: [],
  };
  const parentJob = facetField(event.run.facets, 'parent', 'job') as
    | { namespace?: unknown; name?: unknown }
    | undefined;
  if (typeof parentJob?.namespace === 'string' && typeof parentJob.name === 'string') {
    const parent = { namespace: parentJob.namespace, name: parentJob.name };
    batch.contexts!.push({
      type: OPENLINEAGE_TYPES.job,
      externalId: jobKey(parent),
      name: capString(`${parent.namespace}/${parent.name}`).slice(0, 255),
    });
    batch.parentContexts!.push({ child: jobContext, parent: { externalId: jobKey(parent) } });
  }
  const result: IngestResult = { execution: { externalId: event.run.runId }, inputs: [], outputs: [] };
  for (const [direction, datasets] of [
    ['INPUT', event.inputs ?? []],
    ['OUTPUT', event.outputs ?? []],
  ] as const) {
    for (const dataset of datasets) {
      const { ref, node } = await datasetArtifact(store, dataset, options);
      if (node) {
        batch.artifacts!.push(node);
        // A file by its content is mlmeta's own node (mlmeta.Dataset or .Model): declare its type.
        const declaration = MLMETA_TYPE_DECLARATIONS.find(
          (t) => t.kind === 'artifact' && t.name === node.type,
        );
        if (declaration && !batch.types!.includes(declaration)) batch.types = [...batch.types!, declaration];
      }
      batch.events!.push({ artifact: ref, execution: result.execution, type: direction });
      batch.attributions!.push({ artifact: ref, context: jobContext });
      (direction === 'INPUT' ? result.inputs : result.outputs).push(ref);
    }
  }
  await store.putLineage(batch);
  return result;
}
