/**
 * Everything about one artifact that `mlmeta show artifact:N` prints: what it is (type, digest,
 * URI), what the integrations measured (dataset statistics, a model's I/O signature), the other
 * contents recorded at its URI, the runs that produced it and the runs that read it.
 */
import {
  type Artifact,
  type Execution,
  INPUT_EVENT_TYPES,
  listModels,
  type MetadataStore,
  MODEL_VERSION_PROPERTIES,
  OUTPUT_EVENT_TYPES,
  type PropertyValue,
  runStatus,
} from '@mlmeta/core/read';
import { literal, runName } from './resolve.js';

/** One run at one end of an artifact's events. */
export interface ArtifactRun {
  id: number;
  name: string;
  type: string;
  state: string;
  /** The event's path (`train`, `saved_model`), or `-`. */
  role: string;
  time?: number;
}

/** One tensor of a dataset fingerprint, with its per-feature statistics. */
export interface TensorStatistics {
  name: string;
  shape?: PropertyValue;
  dtype?: string;
  features: Record<string, PropertyValue>[];
}

/** One input or output of a model, as onnxruntime or the ONNX graph declares it. */
export interface TensorSignature {
  name: string;
  type?: string;
  shape?: PropertyValue;
}

/** Another content recorded at the same URI: an older or newer version of the file. */
export interface ArtifactVersion {
  id: number;
  digest?: string;
  created?: number;
  /** True for the artifact being shown. */
  current: boolean;
}

/** One version of the model name the artifact was saved under (see `mlmeta models`). */
export interface ModelVersionEntry {
  version: number;
  artifactId?: number;
  digest?: string;
  created?: number;
  aliases: string[];
  /** True for the artifact being shown. */
  current: boolean;
}

export interface ArtifactDetails {
  id: number;
  type: string;
  state: string;
  name?: string;
  digest?: string;
  uri?: string;
  created?: number;
  statistics?: {
    rows?: PropertyValue;
    bytes?: PropertyValue;
    sampled?: PropertyValue;
    tensors: TensorStatistics[];
  };
  signature?: { inputs: TensorSignature[]; outputs: TensorSignature[] };
  /** The model name it is a version of, with that name's versions, oldest first. */
  model?: { name: string; version: number; aliases: string[]; versions: ModelVersionEntry[] };
  versions: ArtifactVersion[];
  producers: ArtifactRun[];
  consumers: ArtifactRun[];
  /** The recorded properties not shown above. */
  properties: Record<string, PropertyValue>;
}

type Record_ = Record<string, PropertyValue>;
const isRecord = (v: unknown): v is Record_ => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys that the sections above the properties already show. */
const SHOWN = new Set(['rows', 'bytes', 'sampled', 'tensors', 'inputs', 'outputs']);
const MODEL_KEYS = new Set<string>([
  MODEL_VERSION_PROPERTIES.artifactName,
  MODEL_VERSION_PROPERTIES.artifactVersion,
]);

function statisticsOf(p: Record_): ArtifactDetails['statistics'] {
  if (!Array.isArray(p.tensors)) return undefined;
  const tensors = p.tensors.filter(isRecord).map((t, i) => ({
    name: typeof t.name === 'string' ? t.name : String(i),
    ...(t.shape !== undefined ? { shape: t.shape } : {}),
    ...(typeof t.dtype === 'string' ? { dtype: t.dtype } : {}),
    features: Array.isArray(t.stats) ? t.stats.filter(isRecord) : [],
  }));
  return {
    ...(p.rows !== undefined ? { rows: p.rows } : {}),
    ...(p.bytes !== undefined ? { bytes: p.bytes } : {}),
    ...(p.sampled !== undefined ? { sampled: p.sampled } : {}),
    tensors,
  };
}

function signatureList(value: PropertyValue | undefined): TensorSignature[] | undefined {
  if (!Array.isArray(value) || !value.every((s) => isRecord(s) && typeof s.name === 'string'))
    return undefined;
  return (value as Record_[]).map((s) => ({
    name: s.name as string,
    ...(typeof s.type === 'string' ? { type: s.type } : {}),
    ...(s.shape !== undefined ? { shape: s.shape } : {}),
  }));
}

function signatureOf(p: Record_): ArtifactDetails['signature'] {
  const inputs = signatureList(p.inputs);
  const outputs = signatureList(p.outputs);
  if (!inputs && !outputs) return undefined;
  return { inputs: inputs ?? [], outputs: outputs ?? [] };
}

/** The runs at either end of the artifact's events, oldest event first. */
async function linkedRuns(
  store: MetadataStore,
  artifact: Artifact,
): Promise<{ producers: ArtifactRun[]; consumers: ArtifactRun[] }> {
  const events = await store.getEvents({ artifactIds: [artifact.id] });
  const ids = [...new Set(events.map((e) => e.executionId))];
  const runs = new Map<number, Execution>(
    ids.length === 0
      ? []
      : (await store.getExecutions({ ids, limit: ids.length })).items.map((e) => [e.id, e] as const),
  );
  const producers: ArtifactRun[] = [];
  const consumers: ArtifactRun[] = [];
  for (const event of [...events].sort((a, b) => a.millisecondsSinceEpoch - b.millisecondsSinceEpoch)) {
    const run = runs.get(event.executionId);
    if (!run) continue;
    const entry: ArtifactRun = {
      id: run.id,
      name: runName(run),
      type: run.type,
      state: runStatus(run),
      role: event.path.map((s) => ('key' in s ? s.key : String(s.index))).join('.') || '-',
      ...(event.millisecondsSinceEpoch > 0 ? { time: event.millisecondsSinceEpoch } : {}),
    };
    if ((OUTPUT_EVENT_TYPES as readonly string[]).includes(event.type)) producers.push(entry);
    else if ((INPUT_EVENT_TYPES as readonly string[]).includes(event.type)) consumers.push(entry);
  }
  return { producers, consumers };
}

/** The contents recorded at the artifact's URI, newest first (just itself when it has none). */
async function versionsOf(store: MetadataStore, artifact: Artifact): Promise<ArtifactVersion[]> {
  const self: ArtifactVersion = {
    id: artifact.id,
    ...(artifact.externalId ? { digest: artifact.externalId } : {}),
    ...(artifact.createTimeSinceEpoch ? { created: artifact.createTimeSinceEpoch } : {}),
    current: true,
  };
  if (!artifact.uri) return [self];
  const atUri = await store.getArtifacts({
    filter: `uri = ${literal(artifact.uri)} AND type = ${literal(artifact.type)}`,
    orderBy: 'id',
    descending: true,
    limit: 50,
  });
  return atUri.items.map((a) =>
    a.id === artifact.id
      ? self
      : {
          id: a.id,
          ...(a.externalId ? { digest: a.externalId } : {}),
          ...(a.createTimeSinceEpoch ? { created: a.createTimeSinceEpoch } : {}),
          current: false,
        },
  );
}

/** The model name the artifact was saved under, and that name's versions. */
async function modelOf(store: MetadataStore, artifact: Artifact): Promise<ArtifactDetails['model']> {
  const name = artifact.customProperties[MODEL_VERSION_PROPERTIES.artifactName];
  if (typeof name !== 'string') return undefined;
  const [model] = await listModels(store, { name });
  if (!model) return undefined;
  const versions = model.versions.map((v) => ({
    version: v.version,
    ...(v.artifact ? { artifactId: v.artifact.id } : {}),
    ...(v.artifact?.externalId ? { digest: v.artifact.externalId } : {}),
    ...(v.createdAt !== undefined ? { created: v.createdAt } : {}),
    aliases: v.aliases,
    current: v.artifact?.id === artifact.id,
  }));
  const self = versions.find((v) => v.current);
  if (!self) return undefined;
  return { name, version: self.version, aliases: self.aliases, versions };
}

/**
 * The whole picture of one artifact.
 *
 * @example
 * const details = await artifactDetails(store, await store.getArtifact({ id: 6 }));
 * console.log(details.producers.map((r) => r.name));
 */
export async function artifactDetails(store: MetadataStore, artifact: Artifact): Promise<ArtifactDetails> {
  const [{ producers, consumers }, versions, model] = await Promise.all([
    linkedRuns(store, artifact),
    versionsOf(store, artifact),
    modelOf(store, artifact),
  ]);
  const recorded: Record_ = { ...artifact.properties, ...artifact.customProperties };
  const statistics = statisticsOf(recorded);
  const signature = signatureOf(recorded);
  const properties: Record_ = {};
  for (const [key, value] of Object.entries(recorded)) {
    const shownAbove = (SHOWN.has(key) && (statistics || signature)) || (MODEL_KEYS.has(key) && model);
    if (!shownAbove) properties[key] = value;
  }
  return {
    id: artifact.id,
    type: artifact.type,
    state: artifact.state,
    ...(artifact.name ? { name: artifact.name } : {}),
    ...(artifact.externalId ? { digest: artifact.externalId } : {}),
    ...(artifact.uri ? { uri: artifact.uri } : {}),
    ...(artifact.createTimeSinceEpoch ? { created: artifact.createTimeSinceEpoch } : {}),
    ...(statistics ? { statistics } : {}),
    ...(signature ? { signature } : {}),
    ...(model ? { model } : {}),
    versions,
    producers,
    consumers,
    properties,
  };
}
