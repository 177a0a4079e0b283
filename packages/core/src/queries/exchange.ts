/**
 * The exchange format: a whole store, or one lineage subgraph, as one JSON document that another
 * store can import. Every node is addressed by external id (nodes without one get a stable
 * synthetic id derived from the source store and the node's id), so importing is an idempotent
 * upsert: importing the same document twice changes nothing.
 *
 * Format `mlmeta.export` version 1 (`EXPORT_FORMAT`, `EXPORT_VERSION`):
 *   { format, version, exportedAt, source, types[], contexts[], artifacts[], executions[],
 *     events[], attributions[], associations[], parentContexts[], metrics[] }
 * Nodes keep their type (name + version), name, uri, state, properties, custom properties and
 * create time; edges name their ends by external id; metrics are `{ execution, key, points:
 * [[step, value, wallTime], ...] }`. Non-finite numbers use the wire encoding
 * (`{"$float":"NaN"}`), so write and read documents with encodeWireJson / decodeWireJson.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import {
  type Artifact,
  ArtifactStateNameSchema,
  type Context,
  EventTypeNameSchema,
  type Execution,
  ExecutionStateNameSchema,
  PathStepSchema,
  PropertiesSchema,
  type TypeDef,
  TypeInputSchema,
} from '../model/schemas.js';
import { MlmetaError } from '../store/errors.js';
import type { LineageQuery, MetadataStore, NodeKind } from '../store/store.js';
import { zod } from '../zod.js';

/**
 * The `format` field of an mlmeta export document.
 *
 * @example
 * if (doc.format !== EXPORT_FORMAT) throw new Error('not an mlmeta export');
 */
export const EXPORT_FORMAT = 'mlmeta.export';
/**
 * The version of the export document format this mlmeta writes and reads.
 *
 * @example
 * const doc = await exportStore(store); // doc.version === EXPORT_VERSION
 */
export const EXPORT_VERSION = 1;

// The document schema is built the first time a document is imported, not when core loads: zod
// schemas take real time to construct, and every CLI command and preloaded process imports core.
function buildExportDocumentSchema() {
  const Ref = zod.string().min(1).max(1024);
  const nodeFields = {
    externalId: Ref,
    type: zod.string().min(1),
    typeVersion: zod.string().optional(),
    name: zod.string().optional(),
    properties: PropertiesSchema.default({}),
    customProperties: PropertiesSchema.default({}),
    createTimeSinceEpoch: zod.number().optional(),
  };
  return zod.object({
    format: zod.literal(EXPORT_FORMAT),
    version: zod.literal(EXPORT_VERSION),
    exportedAt: zod.string(),
    source: zod.string(),
    types: zod.array(TypeInputSchema),
    contexts: zod.array(zod.object({ ...nodeFields, name: zod.string().min(1) })),
    artifacts: zod.array(
      zod.object({ ...nodeFields, uri: zod.string().optional(), state: ArtifactStateNameSchema }),
    ),
    executions: zod.array(zod.object({ ...nodeFields, lastKnownState: ExecutionStateNameSchema })),
    events: zod.array(
      zod.object({
        artifact: Ref,
        execution: Ref,
        type: EventTypeNameSchema,
        path: zod.array(PathStepSchema).default([]),
        millisecondsSinceEpoch: zod.number().int().nonnegative(),
      }),
    ),
    attributions: zod.array(zod.object({ artifact: Ref, context: Ref })),
    associations: zod.array(zod.object({ execution: Ref, context: Ref })),
    parentContexts: zod.array(zod.object({ child: Ref, parent: Ref })),
    metrics: zod.array(
      zod.object({
        execution: Ref,
        key: zod.string().min(1).max(255),
        points: zod.array(
          zod.tuple([zod.number().int(), zod.custom<number>((v) => typeof v === 'number'), zod.number()]),
        ),
      }),
    ),
  });
}

let exportDocumentSchema: ReturnType<typeof buildExportDocumentSchema> | undefined;

/**
 * A store, or the lineage around some nodes, as one JSON document (`mlmeta export`).
 *
 * @example
 * const doc: ExportDocument = await exportStore(store);
 * await importDocument(other, doc);
 */
export type ExportDocument = z.infer<ReturnType<typeof buildExportDocumentSchema>>;

/**
 * What to export: the whole store, or the lineage around some nodes.
 *
 * @example
 * await exportStore(store, { from: { artifacts: { externalIds: [digest] } }, maxHops: 4 });
 */
export interface ExportOptions {
  /** Export only the lineage subgraph around these nodes (both directions); default the whole store. */
  from?: LineageQuery['start'];
  /** Hops for `from`; default 20. */
  maxHops?: number;
  /** Called as nodes are read: `done` of `total` (total is unknown, 0, for the whole store). */
  onProgress?: (done: number) => void;
}

const PAGE = 1000;
const CHUNK = 500;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function allNodes<T extends { id: number }>(
  read: (q: {
    orderBy: 'id';
    limit: number;
    pageToken?: string;
  }) => Promise<{ items: T[]; nextPageToken?: string }>,
  onPage: (n: number) => void,
): Promise<T[]> {
  const out: T[] = [];
  let pageToken: string | undefined;
  do {
    const page = await read({ orderBy: 'id', limit: PAGE, pageToken });
    out.push(...page.items);
    onPage(page.items.length);
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  return out;
}

/**
 * A store (or the lineage around some nodes) as an exchange document.
 *
 * @example
 * const doc = await exportStore(store, { from: { artifacts: { externalIds: [modelDigest] } } });
 * writeFileSync('model-lineage.json', encodeWireJson(doc));
 */
export async function exportStore(
  store: MetadataStore,
  options: ExportOptions = {},
): Promise<ExportDocument> {
  let read = 0;
  const progress = (n: number) => {
    read += n;
    options.onProgress?.(read);
  };
  let artifacts: Artifact[];
  let executions: Execution[];
  let contexts: Context[];
  if (options.from) {
    const graph = await store.getLineage({ start: options.from, maxHops: options.maxHops ?? 20 });
    if (graph.truncated) {
      throw new MlmetaError(
        'FAILED_PRECONDITION',
        'the subgraph is larger than 10,000 nodes; export with fewer hops',
      );
    }
    ({ artifacts, executions, contexts } = graph);
    progress(artifacts.length + executions.length + contexts.length);
  } else {
    artifacts = await allNodes((q) => store.getArtifacts(q), progress);
    executions = await allNodes((q) => store.getExecutions(q), progress);
    contexts = await allNodes((q) => store.getContexts(q), progress);
  }

  const sourceTag = createHash('sha256').update(store.uri).digest('hex').slice(0, 12);
  const refs: Record<NodeKind, Map<number, string>> = {
    artifact: new Map(),
    execution: new Map(),
    context: new Map(),
  };
  const refOf = (kind: NodeKind, node: { id: number; externalId?: string }) => {
    const ref = node.externalId ?? `mlmeta-export:${sourceTag}:${kind}:${node.id}`;
    refs[kind].set(node.id, ref);
    return ref;
  };
  const types = await store.getTypes();
  const typeById = new Map<number, TypeDef>(types.map((t) => [t.id, t]));
  const usedTypes = new Set<number>();
  const common = (kind: NodeKind, node: Artifact | Execution | Context) => {
    usedTypes.add(node.typeId);
    const type = typeById.get(node.typeId);
    return {
      externalId: refOf(kind, node),
      type: node.type,
      ...(type?.version ? { typeVersion: type.version } : {}),
      ...(node.name !== undefined ? { name: node.name } : {}),
      properties: node.properties,
      customProperties: node.customProperties,
      createTimeSinceEpoch: node.createTimeSinceEpoch,
    };
  };
  const doc: ExportDocument = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date().toISOString(),
    source: store.uri,
    types: [],
    contexts: contexts.map((c) => ({ ...common('context', c), name: c.name })),
    artifacts: artifacts.map((a) => ({
      ...common('artifact', a),
      ...(a.uri ? { uri: a.uri } : {}),
      state: a.state,
    })),
    executions: executions.map((e) => ({ ...common('execution', e), lastKnownState: e.lastKnownState })),
    events: [],
    attributions: [],
    associations: [],
    parentContexts: [],
    metrics: [],
  };
  doc.types = [...usedTypes].flatMap((id) => {
    const t = typeById.get(id);
    if (!t) return [];
    return [
      {
        kind: t.kind,
        name: t.name,
        ...(t.version ? { version: t.version } : {}),
        ...(t.description ? { description: t.description } : {}),
        ...(t.baseType ? { baseType: t.baseType } : {}),
        properties: t.properties,
      },
    ];
  });

  const artifactRef = refs.artifact;
  const executionRef = refs.execution;
  const contextRef = refs.context;
  for (const ids of chunks([...executionRef.keys()])) {
    for (const e of await store.getEvents({ executionIds: ids })) {
      const artifact = artifactRef.get(e.artifactId);
      if (artifact === undefined) continue;
      doc.events.push({
        artifact,
        execution: executionRef.get(e.executionId)!,
        type: e.type,
        path: e.path,
        millisecondsSinceEpoch: e.millisecondsSinceEpoch,
      });
    }
    for (const a of await store.getAssociations({ executionIds: ids })) {
      const context = contextRef.get(a.contextId);
      if (context !== undefined)
        doc.associations.push({ execution: executionRef.get(a.executionId)!, context });
    }
  }
  for (const ids of chunks([...artifactRef.keys()])) {
    for (const a of await store.getAttributions({ artifactIds: ids })) {
      const context = contextRef.get(a.contextId);
      if (context !== undefined) doc.attributions.push({ artifact: artifactRef.get(a.artifactId)!, context });
    }
  }
  for (const ids of chunks([...contextRef.keys()])) {
    for (const p of await store.getParentContexts({ childIds: ids })) {
      const parent = contextRef.get(p.parentId);
      if (parent !== undefined) doc.parentContexts.push({ child: contextRef.get(p.childId)!, parent });
    }
  }
  for (const execution of executions) {
    for (const { key } of await store.getMetricKeys({ id: execution.id })) {
      const series = await store.getMetrics({ execution: { id: execution.id }, key });
      doc.metrics.push({
        execution: executionRef.get(execution.id)!,
        key,
        points: series.points.map((p) => [p.step, p.value, p.wallTime]),
      });
    }
  }
  return doc;
}

/**
 * What an import wrote.
 *
 * @example
 * const result = await importDocument(store, JSON.parse(text));
 */
export interface ImportResult {
  types: number;
  artifacts: number;
  executions: number;
  contexts: number;
  events: number;
  metricPoints: number;
}

/**
 * Writes an exchange document into `store` as idempotent upserts by external id.
 *
 * @example
 * await importDocument(store, decodeWireJson(readFileSync('model-lineage.json', 'utf8')));
 */
export async function importDocument(store: MetadataStore, input: unknown): Promise<ImportResult> {
  exportDocumentSchema ??= buildExportDocumentSchema();
  const parsed = exportDocumentSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `not an ${EXPORT_FORMAT} version ${EXPORT_VERSION} document: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  const doc = parsed.data;
  if (doc.types.length > 0) await store.putTypes(doc.types);
  const strip = <T extends { createTimeSinceEpoch?: number }>({ createTimeSinceEpoch: _c, ...rest }: T) =>
    rest;
  for (const part of chunks(doc.contexts)) await store.putLineage({ contexts: part.map(strip) });
  for (const part of chunks(doc.artifacts)) await store.putLineage({ artifacts: part.map(strip) });
  for (const part of chunks(doc.executions)) await store.putLineage({ executions: part.map(strip) });
  const ref = (externalId: string) => ({ externalId });
  for (const part of chunks(doc.events)) {
    await store.putLineage({
      events: part.map((e) => ({ ...e, artifact: ref(e.artifact), execution: ref(e.execution) })),
    });
  }
  for (const part of chunks(doc.attributions)) {
    await store.putLineage({
      attributions: part.map((a) => ({ artifact: ref(a.artifact), context: ref(a.context) })),
    });
  }
  for (const part of chunks(doc.associations)) {
    await store.putLineage({
      associations: part.map((a) => ({ execution: ref(a.execution), context: ref(a.context) })),
    });
  }
  for (const part of chunks(doc.parentContexts)) {
    await store.putLineage({
      parentContexts: part.map((p) => ({ child: ref(p.child), parent: ref(p.parent) })),
    });
  }
  let metricPoints = 0;
  for (const series of doc.metrics) {
    for (const part of chunks(series.points, 5000)) {
      await store.appendMetrics(
        part.map(([step, value, wallTime]) => ({
          execution: ref(series.execution),
          key: series.key,
          step,
          value,
          wallTime,
        })),
      );
      metricPoints += part.length;
    }
  }
  return {
    types: doc.types.length,
    artifacts: doc.artifacts.length,
    executions: doc.executions.length,
    contexts: doc.contexts.length,
    events: doc.events.length,
    metricPoints,
  };
}
