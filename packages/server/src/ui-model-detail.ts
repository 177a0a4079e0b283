/**
 * What the model page and a run's evaluations need beyond the node itself: a model's signature
 * (tfjs input/output shapes or ONNX tensors), the other versions of its named series (models
 * saved under the same name) with the run that made each, where it is or was served, and the
 * evaluations (mlmeta.Evaluate runs with their metrics) that read it.
 */
import {
  type Artifact,
  type Execution,
  INPUT_EVENT_TYPES,
  listModels,
  type MetadataStore,
  MLMETA_TYPES,
  MODEL_VERSION_PROPERTIES,
  RUN_PROPERTIES,
  runStatus,
} from '@mlmeta/core';
import { eventRole, versionProperty } from './ui-graph.js';
import { contextsOf, runDisplayName } from './ui-run-rows.js';

const MAX_VERSIONS = 50;
const MAX_LISTED = 200;

export interface TensorSpec {
  direction: 'input' | 'output';
  name: string;
  dtype?: string;
  shape?: (number | string | null)[];
}

export interface ModelDetail {
  signature: TensorSpec[];
  /** The registered model name (issue 14's versioned names), when the store numbered this one. */
  name?: string;
  /** The model's series (same name), newest first; `current` marks this one. */
  versions: {
    id: number;
    version?: string;
    createTime: number;
    digest?: string;
    current: boolean;
    producer?: { id: number; name: string };
    aliases?: string[];
  }[];
  served: { id: number; name: string; host?: string; since: number; state: string }[];
}

export interface Evaluation {
  id: number;
  name: string;
  state: string;
  startTime: number;
  model: { id: number; name?: string };
  datasets: { id: number; role: string; name?: string }[];
  metrics: Record<string, number>;
}

const isInput = (type: string) => (INPUT_EVENT_TYPES as readonly string[]).includes(type);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `sequential_1_model@9bfecc6545e3` and `sequential_1_model` are one series. */
export function seriesName(name: string | undefined): string | undefined {
  return name?.replace(/@[0-9a-f]{8,}$/i, '');
}

function shapeOf(value: unknown): (number | string | null)[] | undefined {
  return Array.isArray(value)
    ? value.map((d) => (typeof d === 'number' || typeof d === 'string' ? d : null))
    : undefined;
}

/** The signature as recorded: ONNX `inputs`/`outputs` tensors, or tfjs `inputShapes`/`outputShapes`. */
export function signatureOf(model: Artifact): TensorSpec[] {
  const custom = model.customProperties;
  const out: TensorSpec[] = [];
  for (const direction of ['input', 'output'] as const) {
    const tensors = custom[`${direction}s`];
    if (Array.isArray(tensors)) {
      tensors.forEach((t: unknown, i) => {
        if (!isRecord(t)) return;
        out.push({
          direction,
          name: typeof t.name === 'string' ? t.name : `${direction} ${i}`,
          ...(typeof t.type === 'string' ? { dtype: t.type } : {}),
          ...(shapeOf(t.shape) ? { shape: shapeOf(t.shape) } : {}),
        });
      });
      continue;
    }
    const shapes = custom[`${direction}Shapes`];
    if (Array.isArray(shapes)) {
      shapes.forEach((shape, i) => {
        out.push({
          direction,
          name: `${direction} ${i}`,
          ...(shapeOf(shape) ? { shape: shapeOf(shape) } : {}),
        });
      });
    }
  }
  return out;
}

/** The run that output each artifact (its first producer), two store calls for all of them. */
async function producersOf(store: MetadataStore, artifactIds: number[]): Promise<Map<number, Execution>> {
  const out = new Map<number, Execution>();
  if (artifactIds.length === 0) return out;
  const events = (await store.getEvents({ artifactIds })).filter((e) => !isInput(e.type));
  const ids = [...new Set(events.map((e) => e.executionId))];
  if (ids.length === 0) return out;
  const { items } = await store.getExecutions({ ids, limit: ids.length });
  const byId = new Map(items.map((e) => [e.id, e]));
  for (const event of events) {
    const run = byId.get(event.executionId);
    if (run && !out.has(event.artifactId)) out.set(event.artifactId, run);
  }
  return out;
}

/** A string literal of the filter language (backslash escapes). */
function filterString(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** The versions the store numbered under the model's registered name, newest first. */
async function registeredVersions(store: MetadataStore, name: string, model: Artifact) {
  const [registered] = await listModels(store, { name });
  if (!registered) return undefined;
  return registered.versions
    .filter((v) => v.artifact !== undefined)
    .reverse()
    .slice(0, MAX_VERSIONS)
    .map((v) => ({
      id: v.artifact!.id,
      version: String(v.version),
      createTime: v.createdAt ?? v.artifact!.createTimeSinceEpoch,
      ...(v.artifact!.externalId !== undefined ? { digest: v.artifact!.externalId } : {}),
      current: v.artifact!.id === model.id,
      ...(v.producer ? { producer: { id: v.producer.id, name: runDisplayName(v.producer) } } : {}),
      aliases: v.aliases,
    }));
}

async function versionsOf(store: MetadataStore, model: Artifact): Promise<ModelDetail['versions']> {
  const registered = model.customProperties[MODEL_VERSION_PROPERTIES.artifactName];
  if (typeof registered === 'string') {
    const versions = await registeredVersions(store, registered, model);
    if (versions) return versions;
  }
  // Not numbered by the store: the models saved under the same name, by when they were recorded.
  const series = seriesName(model.name);
  let members: Artifact[] = [model];
  if (series) {
    const pattern = `${series.replace(/[\\%_]/g, (c) => `\\${c}`)}@%`;
    const { items } = await store.getArtifacts({
      type: model.type,
      filter: `name = ${filterString(series)} OR name LIKE ${filterString(pattern)}`,
      orderBy: 'createTime',
      descending: true,
      limit: MAX_VERSIONS,
    });
    members = items.filter((a) => seriesName(a.name) === series);
    if (!members.some((a) => a.id === model.id)) members.push(model);
  }
  const producers = await producersOf(
    store,
    members.map((a) => a.id),
  );
  return members.map((a) => {
    const producer = producers.get(a.id);
    const version = versionProperty(a);
    return {
      id: a.id,
      ...(version !== undefined ? { version } : {}),
      createTime: a.createTimeSinceEpoch,
      ...(a.externalId !== undefined ? { digest: a.externalId } : {}),
      current: a.id === model.id,
      ...(producer ? { producer: { id: producer.id, name: runDisplayName(producer) } } : {}),
    };
  });
}

/** Executions of `type` that read `artifactIds`, newest first. */
async function readersOf(store: MetadataStore, artifactIds: number[], type: string) {
  if (artifactIds.length === 0) return { events: [], executions: [] };
  const events = (await store.getEvents({ artifactIds })).filter((e) => isInput(e.type));
  const ids = [...new Set(events.map((e) => e.executionId))];
  if (ids.length === 0) return { events, executions: [] };
  const { items } = await store.getExecutions({ ids, type, limit: Math.min(ids.length, 10_000) });
  const start = (e: Execution) => {
    const t = e.customProperties[RUN_PROPERTIES.startTime];
    return typeof t === 'number' ? t : e.createTimeSinceEpoch;
  };
  const executions = items.sort((a, b) => start(b) - start(a)).slice(0, MAX_LISTED);
  return { events, executions, start };
}

async function servedFrom(store: MetadataStore, model: Artifact): Promise<ModelDetail['served']> {
  const { executions, start } = await readersOf(store, [model.id], MLMETA_TYPES.serve);
  if (executions.length === 0 || !start) return [];
  const where = await contextsOf(
    store,
    executions.map((e) => e.id),
  );
  return executions.map((e) => {
    const host = where.get(e.id)?.host ?? e.customProperties['serve.host'];
    return {
      id: e.id,
      name: runDisplayName(e),
      ...(typeof host === 'string' ? { host } : {}),
      since: start(e),
      state: runStatus(e),
    };
  });
}

/**
 * The model page's details for `model`.
 *
 * @example
 * const detail = await modelDetail(store, await store.getArtifact({ id: 3 }));
 */
export async function modelDetail(store: MetadataStore, model: Artifact): Promise<ModelDetail> {
  const [versions, served] = await Promise.all([versionsOf(store, model), servedFrom(store, model)]);
  const name = model.customProperties[MODEL_VERSION_PROPERTIES.artifactName];
  return { signature: signatureOf(model), ...(typeof name === 'string' ? { name } : {}), versions, served };
}

/** A run's final metrics from its `metric.<key>` properties (best values left out). */
function metricsOf(execution: Execution): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(execution.customProperties)) {
    if (key.startsWith('metric.') && !key.endsWith('.best') && typeof value === 'number') {
      out[key.slice(7)] = value;
    }
  }
  return out;
}

/**
 * The mlmeta.Evaluate runs that read any of `models`, newest first, with the data they read
 * and their metrics.
 *
 * @example
 * const evaluations = await evaluationsOf(store, outputs.filter(isModel));
 */
export async function evaluationsOf(store: MetadataStore, models: Artifact[]): Promise<Evaluation[]> {
  const { executions } = await readersOf(
    store,
    models.map((m) => m.id),
    MLMETA_TYPES.evaluate,
  );
  if (executions.length === 0) return [];
  const inputs = (await store.getEvents({ executionIds: executions.map((e) => e.id) })).filter((e) =>
    isInput(e.type),
  );
  const artifactIds = [...new Set(inputs.map((e) => e.artifactId))];
  const { items } = await store.getArtifacts({
    ids: artifactIds,
    limit: Math.min(artifactIds.length, 10_000),
  });
  const artifacts = new Map(items.map((a) => [a.id, a]));
  const modelIds = new Set(models.map((m) => m.id));
  return executions.map((e) => {
    const read = inputs.filter((i) => i.executionId === e.id);
    const model = read.find((i) => modelIds.has(i.artifactId));
    const start = e.customProperties[RUN_PROPERTIES.startTime];
    return {
      id: e.id,
      name: runDisplayName(e),
      state: runStatus(e),
      startTime: typeof start === 'number' ? start : e.createTimeSinceEpoch,
      model: { id: model?.artifactId ?? 0, name: artifacts.get(model?.artifactId ?? 0)?.name },
      datasets: read
        .filter((i) => !modelIds.has(i.artifactId) && !/Model$/.test(artifacts.get(i.artifactId)?.type ?? ''))
        .map((i) => ({ id: i.artifactId, role: eventRole(i.path), name: artifacts.get(i.artifactId)?.name })),
      metrics: metricsOf(e),
    };
  });
}
