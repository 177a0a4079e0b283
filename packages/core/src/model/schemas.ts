/**
 * The data model as zod schemas: the single source of the TypeScript types, and the validator
 * for everything that crosses a boundary (HTTP bodies, imported files, rows coming back).
 */
import type { z } from 'zod';
import { lazySchema, zod } from '../zod.js';
import { ArtifactState, EventType, ExecutionState, PropertyType, TypeKind } from './enums.js';
import { MAX_ID, MAX_NAME_LENGTH } from './limits.js';

const enumKeys = <E extends Record<string, number>>(e: E) =>
  Object.keys(e).filter((k) => k !== 'UNKNOWN') as [Exclude<keyof E & string, 'UNKNOWN'>, ...string[]];

/**
 * Validates a property type name (INT, DOUBLE, STRING, STRUCT, PROTO, BOOLEAN) at an edge (HTTP body, import file).
 *
 * @example
 * const value = PropertyTypeNameSchema.parse(input);
 */
export const PropertyTypeNameSchema = lazySchema(() => zod.enum(enumKeys(PropertyType)));
/**
 * Validates an artifact state name (PENDING, LIVE, ...) at an edge (HTTP body, import file).
 *
 * @example
 * const value = ArtifactStateNameSchema.parse(input);
 */
export const ArtifactStateNameSchema = lazySchema(() =>
  zod.enum(Object.keys(ArtifactState) as [keyof typeof ArtifactState]),
);
/**
 * Validates an execution state name (NEW, RUNNING, COMPLETE, ...) at an edge (HTTP body, import file).
 *
 * @example
 * const value = ExecutionStateNameSchema.parse(input);
 */
export const ExecutionStateNameSchema = lazySchema(() =>
  zod.enum(Object.keys(ExecutionState) as [keyof typeof ExecutionState]),
);
/**
 * Validates an event type name (INPUT, OUTPUT, ...) at an edge (HTTP body, import file).
 *
 * @example
 * const value = EventTypeNameSchema.parse(input);
 */
export const EventTypeNameSchema = lazySchema(() => zod.enum(enumKeys(EventType)));
/**
 * Validates a type kind (artifact, execution, context) at an edge (HTTP body, import file).
 *
 * @example
 * const value = TypeKindSchema.parse(input);
 */
export const TypeKindSchema = lazySchema(() => zod.enum(Object.keys(TypeKind) as [keyof typeof TypeKind]));

/** JSON-like values; STRUCT properties hold these. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/**
 * Validates a JSON value at an edge (HTTP body, import file).
 *
 * @example
 * const value = JsonValueSchema.parse(input);
 */
export const JsonValueSchema: z.ZodType<JsonValue> = lazySchema(() =>
  zod.lazy(() =>
    zod.union([
      zod.null(),
      zod.boolean(),
      zod.number(),
      zod.string(),
      zod.array(JsonValueSchema),
      zod.record(zod.string(), JsonValueSchema),
    ]),
  ),
);

/** Any JS number, NaN and ±Infinity included (zod 4's z.number() rejects non-finite values). */
const AnyNumberSchema = lazySchema(() =>
  zod.custom<number>((v) => typeof v === 'number', { message: 'Expected a number' }),
);

/**
 * A property value. Numbers may be non-finite (NaN, ±Infinity) in the JS API; transports that
 * cannot carry them (JSON) encode them. `null` in a write removes the property.
 */
export const PropertyValueSchema = lazySchema(() =>
  zod.union([
    AnyNumberSchema,
    zod.string(),
    zod.boolean(),
    zod.array(JsonValueSchema),
    zod.record(zod.string(), JsonValueSchema),
    zod.null(),
  ]),
);
/**
 * A property value: number (NaN and ±Infinity kept), string, boolean or JSON.
 *
 * @example
 * const acc: PropertyValue = 0.93;
 */
export type PropertyValue = z.infer<typeof PropertyValueSchema>;
export { MAX_ID, MAX_NAME_LENGTH } from './limits.js';

/**
 * Deepest nesting of objects and arrays inside one property value (`{ a: { b: 1 } }` is 2) that
 * stores accept. Real configurations nest a few levels; a value nested thousands deep is hostile
 * or a bug, and every recursive reader (validation, STRUCT encoding, redaction) would overflow
 * the stack on it.
 */
export const MAX_PROPERTY_DEPTH = 64;

/**
 * Why `properties` (name → value) cannot be stored as given, or undefined: a value nested
 * deeper than MAX_PROPERTY_DEPTH, or a `__proto__` key anywhere (JavaScript assigns it as the
 * object's prototype, so every reader would silently lose it). `constructor`, `prototype` and
 * other names are plain keys and are kept.
 *
 * @example
 * propertiesProblem(JSON.parse('{"cfg":{"__proto__":{}}}')); // 'cfg: the key "__proto__" ...'
 */
export function propertiesProblem(properties: unknown): string | undefined {
  if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) return undefined;
  // Recursion is bounded by MAX_PROPERTY_DEPTH: the walk stops at the first level too deep.
  const visit = (value: unknown, path: string, depth: number): string | undefined => {
    if (value === null || typeof value !== 'object') return undefined;
    if (depth > MAX_PROPERTY_DEPTH) {
      return `${path}: nested more than ${MAX_PROPERTY_DEPTH} levels deep; store deeper structures as a JSON string`;
    }
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((item, i) => [String(i), item])
      : Object.keys(value).map((key) => [key, (value as Record<string, unknown>)[key]]);
    for (const [key, inner] of entries) {
      if (key === '__proto__' && !Array.isArray(value)) {
        return `${path}: the key "__proto__" cannot be stored (JavaScript readers would lose it); rename it`;
      }
      const problem = visit(inner, `${path}.${key}`, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  };
  for (const name of Object.keys(properties)) {
    if (name === '__proto__') {
      return 'the property name "__proto__" cannot be stored (JavaScript readers would lose it); rename it';
    }
    const problem = visit((properties as Record<string, unknown>)[name], name, 1);
    if (problem) return problem;
  }
  return undefined;
}

const PropertyMapSchema = lazySchema(() =>
  zod.record(zod.string().min(1).max(MAX_NAME_LENGTH), PropertyValueSchema),
);

/**
 * Validates a properties map (name → value) at an edge (HTTP body, import file). The shape is
 * checked first (propertiesProblem), so a hostile value fails with a clear issue before the
 * recursive schema walks it.
 *
 * @example
 * const value = PropertiesSchema.parse(input);
 */
export const PropertiesSchema = lazySchema(() =>
  zod
    .custom<z.input<typeof PropertyMapSchema>>()
    .superRefine((value, ctx) => {
      const problem = propertiesProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .pipe(PropertyMapSchema),
);
/**
 * A node's properties or custom properties: name → value.
 *
 * @example
 * const props: Properties = { epochs: 10, optimizer: { name: 'adam' } };
 */
export type Properties = z.infer<typeof PropertiesSchema>;

const IdSchema = lazySchema(() => zod.number().int().positive().max(MAX_ID));
const ExternalIdSchema = lazySchema(() => zod.string().min(1).max(MAX_NAME_LENGTH));

/** A reference to a node: its store id, or its client-side external id. */
export const NodeRefSchema = lazySchema(() =>
  zod.union([zod.object({ id: IdSchema }).strict(), zod.object({ externalId: ExternalIdSchema }).strict()]),
);
/**
 * A node by store id or by external id.
 *
 * @example
 * await store.getExecution({ externalId: run.id });
 */
export type NodeRef = z.infer<typeof NodeRefSchema>;

// ---------------------------------------------------------------- types

/**
 * Validates a type declaration at an edge (HTTP body, import file).
 *
 * @example
 * const value = TypeInputSchema.parse(input);
 */
export const TypeInputSchema = lazySchema(() =>
  zod
    .object({
      kind: TypeKindSchema,
      name: zod.string().min(1).max(255),
      version: zod.string().min(1).max(255).optional(),
      description: zod.string().optional(),
      externalId: ExternalIdSchema.optional(),
      /** One of MLMD's system types (mlmd.Dataset, mlmd.Train, ...). */
      baseType: zod.string().startsWith('mlmd.').optional(),
      properties: zod.record(zod.string().min(1), PropertyTypeNameSchema).default({}),
    })
    .strict(),
);
/**
 * A type declaration: kind, name, optional version and base type, and its typed properties.
 *
 * @example
 * await store.putTypes([{ kind: 'artifact', name: 'my.Report', baseType: 'mlmd.Metrics', properties: { pages: 'INT' } }]);
 */
export type TypeInput = z.input<typeof TypeInputSchema>;

/**
 * A stored type, with its id and declared properties.
 *
 * @example
 * const modelType = await store.getType('artifact', 'mlmeta.Model');
 */
export interface TypeDef {
  id: number;
  kind: z.infer<typeof TypeKindSchema>;
  name: string;
  version?: string;
  description?: string;
  externalId?: string;
  baseType?: string;
  properties: Record<string, z.infer<typeof PropertyTypeNameSchema>>;
}

// ---------------------------------------------------------------- nodes (writes)

const nodeInputFields = lazySchema(() => ({
  /** Set to update an existing node by store id. */
  id: IdSchema.optional(),
  /** Type name; resolved with `typeVersion` (default: the unversioned type). */
  type: zod.string().min(1),
  typeVersion: zod.string().min(1).optional(),
  name: zod.string().min(1).max(MAX_NAME_LENGTH).optional(),
  externalId: ExternalIdSchema.optional(),
  properties: PropertiesSchema.optional(),
  customProperties: PropertiesSchema.optional(),
}));

/**
 * Validates an artifact to write at an edge (HTTP body, import file).
 *
 * @example
 * const value = ArtifactInputSchema.parse(input);
 */
export const ArtifactInputSchema = lazySchema(() =>
  zod
    .object({ ...nodeInputFields, uri: zod.string().optional(), state: ArtifactStateNameSchema.optional() })
    .strict(),
);
/**
 * An artifact to write (in a lineage batch): type, external id, URI, state, properties.
 *
 * @example
 * const model: ArtifactInput = { type: 'mlmeta.Model', externalId: 'sha256:…', uri: 'model.onnx', state: 'LIVE' };
 */
export type ArtifactInput = z.input<typeof ArtifactInputSchema>;

/**
 * Validates an execution to write at an edge (HTTP body, import file).
 *
 * @example
 * const value = ExecutionInputSchema.parse(input);
 */
export const ExecutionInputSchema = lazySchema(() =>
  zod.object({ ...nodeInputFields, lastKnownState: ExecutionStateNameSchema.optional() }).strict(),
);
/**
 * An execution (run) to write: type, external id, state, properties.
 *
 * @example
 * const run: ExecutionInput = { type: 'mlmeta.Train', externalId: 'run-1', lastKnownState: 'RUNNING' };
 */
export type ExecutionInput = z.input<typeof ExecutionInputSchema>;

/** Contexts need a name (unique per type, as in MLMD). */
export const ContextInputSchema = lazySchema(() =>
  zod.object({ ...nodeInputFields, name: zod.string().min(1).max(MAX_NAME_LENGTH) }).strict(),
);
/**
 * A context to write: type and name (unique per type), properties.
 *
 * @example
 * const experiment: ContextInput = { type: 'mlmeta.Experiment', name: 'churn' };
 */
export type ContextInput = z.input<typeof ContextInputSchema>;

// ---------------------------------------------------------------- nodes (reads)

interface StoredNode {
  id: number;
  typeId: number;
  type: string;
  name?: string;
  externalId?: string;
  properties: Record<string, PropertyValue>;
  customProperties: Record<string, PropertyValue>;
  createTimeSinceEpoch: number;
  lastUpdateTimeSinceEpoch: number;
}
/**
 * A stored artifact (dataset, model, metrics, file): id, type, URI, state and properties.
 *
 * @example
 * const model = await store.getArtifact({ externalId: 'sha256:…' });
 * console.log(model?.uri, model?.state);
 */
export interface Artifact extends StoredNode {
  uri?: string;
  state: z.infer<typeof ArtifactStateNameSchema>;
}
/**
 * A stored execution (a run): id, type, state and properties.
 *
 * @example
 * const { items: runs } = await store.getExecutions({ type: 'mlmeta.Train' });
 * console.log(runs.map((r) => r.lastKnownState));
 */
export interface Execution extends StoredNode {
  lastKnownState: z.infer<typeof ExecutionStateNameSchema>;
}
/**
 * A stored context (experiment, process, pipeline): id, type, name and properties.
 *
 * @example
 * const { items } = await store.getContexts({ type: 'mlmeta.Experiment', name: 'churn' });
 */
export interface Context extends StoredNode {
  name: string;
}

// ---------------------------------------------------------------- edges

/** One step of an event path: an index into a list or a key into a map (MLMD's Event.Path). */
export const PathStepSchema = lazySchema(() =>
  zod.union([zod.object({ index: zod.number().int() }).strict(), zod.object({ key: zod.string() }).strict()]),
);
/**
 * One step of an event path.
 *
 * @example
 * const path: PathStep[] = [{ key: 'x' }];
 */
export type PathStep = z.infer<typeof PathStepSchema>;

/**
 * Validates an event to write at an edge (HTTP body, import file).
 *
 * @example
 * const value = EventInputSchema.parse(input);
 */
export const EventInputSchema = lazySchema(() =>
  zod
    .object({
      artifact: NodeRefSchema,
      execution: NodeRefSchema,
      type: EventTypeNameSchema,
      path: zod.array(PathStepSchema).optional(),
      millisecondsSinceEpoch: zod.number().int().nonnegative().optional(),
    })
    .strict(),
);
/**
 * An event to write: an artifact going into (INPUT) or out of (OUTPUT) an execution.
 *
 * @example
 * const used: EventInput = { artifact: { externalId: dataset }, execution: { externalId: 'run-1' }, type: 'INPUT' };
 */
export type EventInput = z.input<typeof EventInputSchema>;
/**
 * A stored event between an artifact and an execution.
 *
 * @example
 * const inputs = (await store.getEvents({ executionIds: [run.id] })).filter((e) => e.type === 'INPUT');
 */
export interface Event {
  id: number;
  artifactId: number;
  executionId: number;
  type: z.infer<typeof EventTypeNameSchema>;
  path: PathStep[];
  millisecondsSinceEpoch: number;
}

/**
 * Validates an attribution to write at an edge (HTTP body, import file).
 *
 * @example
 * const value = AttributionInputSchema.parse(input);
 */
export const AttributionInputSchema = lazySchema(() =>
  zod.object({ artifact: NodeRefSchema, context: NodeRefSchema }).strict(),
);
/**
 * An artifact's membership of a context, to write.
 *
 * @example
 * const a: AttributionInput = { artifact: { id: 7 }, context: { id: 1 } };
 */
export type AttributionInput = z.input<typeof AttributionInputSchema>;
/**
 * A stored artifact–context membership.
 *
 * @example
 * const members = await store.getAttributions({ contextIds: [experiment.id] });
 */
export interface Attribution {
  artifactId: number;
  contextId: number;
}

/**
 * Validates an association to write at an edge (HTTP body, import file).
 *
 * @example
 * const value = AssociationInputSchema.parse(input);
 */
export const AssociationInputSchema = lazySchema(() =>
  zod.object({ execution: NodeRefSchema, context: NodeRefSchema }).strict(),
);
/**
 * An execution's membership of a context, to write.
 *
 * @example
 * const a: AssociationInput = { execution: { externalId: 'run-1' }, context: { id: 1 } };
 */
export type AssociationInput = z.input<typeof AssociationInputSchema>;
/**
 * A stored execution–context membership.
 *
 * @example
 * const runs = await store.getAssociations({ contextIds: [experiment.id] });
 */
export interface Association {
  executionId: number;
  contextId: number;
}

/**
 * Validates a parent-context edge to write at an edge (HTTP body, import file).
 *
 * @example
 * const value = ParentContextInputSchema.parse(input);
 */
export const ParentContextInputSchema = lazySchema(() =>
  zod.object({ child: NodeRefSchema, parent: NodeRefSchema }).strict(),
);
/**
 * A context's parent (a pipeline run and its steps), to write.
 *
 * @example
 * const edge: ParentContextInput = { child: { id: step.id }, parent: { id: pipeline.id } };
 */
export type ParentContextInput = z.input<typeof ParentContextInputSchema>;
/**
 * A stored child–parent context edge.
 *
 * @example
 * const steps = await store.getParentContexts({ parentIds: [pipeline.id] });
 */
export interface ParentContext {
  childId: number;
  parentId: number;
}

/**
 * Validates a model version to record at an edge (HTTP body, import file).
 *
 * @example
 * const value = ModelVersionInputSchema.parse({ model: 'iris', artifact: { externalId: 'sha256:…' } });
 */
export const ModelVersionInputSchema = lazySchema(() =>
  zod
    .object({
      /** The model's name: every artifact recorded under it is one version of that model. */
      model: zod
        .string()
        .min(1)
        .max(MAX_NAME_LENGTH - 'model:'.length),
      artifact: NodeRefSchema,
      /**
       * Only when the artifact is not a version of any model yet: a served model that already has
       * a name (it was saved under one) keeps it instead of starting a series of its file's name.
       */
      ifUnversioned: zod.boolean().optional(),
    })
    .strict(),
);
/**
 * An artifact to record as the next version of a named model (the store numbers it 1, 2, 3 …
 * in the order versions arrive, in the same transaction; the same artifact again is the same
 * version).
 *
 * @example
 * const v: ModelVersionInput = { model: 'iris', artifact: { externalId: 'sha256:…' } };
 */
export type ModelVersionInput = z.input<typeof ModelVersionInputSchema>;

// ---------------------------------------------------------------- the lineage batch

/**
 * MLMD's "put lineage subgraph": everything in one transaction. Edges refer to nodes by id or
 * by external id, including nodes created earlier in the same batch. Writing the same batch
 * twice changes nothing.
 */
export const LineageBatchSchema = lazySchema(() =>
  zod
    .object({
      types: zod.array(TypeInputSchema).optional(),
      artifacts: zod.array(ArtifactInputSchema).optional(),
      executions: zod.array(ExecutionInputSchema).optional(),
      contexts: zod.array(ContextInputSchema).optional(),
      events: zod.array(EventInputSchema).optional(),
      attributions: zod.array(AttributionInputSchema).optional(),
      associations: zod.array(AssociationInputSchema).optional(),
      parentContexts: zod.array(ParentContextInputSchema).optional(),
      /** Artifacts to number as versions of a named model (after the attributions). */
      modelVersions: zod.array(ModelVersionInputSchema).optional(),
    })
    .strict(),
);
/**
 * A lineage subgraph to write in one transaction (see `LineageBatchSchema`).
 *
 * @example
 * await store.putLineage({
 *   executions: [{ type: 'mlmeta.Run', externalId: 'run-1', lastKnownState: 'COMPLETE' }],
 *   artifacts: [{ type: 'mlmeta.Model', externalId: 'sha256:…', uri: 'model.onnx' }],
 *   events: [{ artifact: { externalId: 'sha256:…' }, execution: { externalId: 'run-1' }, type: 'OUTPUT' }],
 * });
 */
export type LineageBatch = z.input<typeof LineageBatchSchema>;
/**
 * The store ids of a written batch's nodes.
 *
 * @example
 * const { executionIds: [runId] } = await store.putLineage(batch);
 */
export interface LineageBatchResult {
  /** Store ids of the batch's nodes, in the order given. */
  artifactIds: number[];
  executionIds: number[];
  contextIds: number[];
}

// ---------------------------------------------------------------- metrics (mlmeta extension)

/**
 * Validates a metric point at an edge (HTTP body, import file).
 *
 * @example
 * const value = MetricPointSchema.parse(input);
 */
export const MetricPointSchema = lazySchema(() =>
  zod
    .object({
      execution: NodeRefSchema,
      key: zod.string().min(1).max(MAX_NAME_LENGTH),
      /** Steps are stored as 64-bit integers and read back as JS numbers: safe integers only. */
      step: zod.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
      /** May be NaN or ±Infinity: stored as such and flagged, never dropped. */
      value: AnyNumberSchema,
      wallTime: zod.number(),
    })
    .strict(),
);
/**
 * One metric value of a run at a step.
 *
 * @example
 * await store.appendMetrics([{ execution: { id: run.id }, key: 'loss', step: 1, value: 0.31, wallTime: Date.now() }]);
 */
export type MetricPoint = z.input<typeof MetricPointSchema>;

/**
 * One point of a metric series; downsampled points carry their bucket's min and max.
 *
 * @example
 * for (const p of series.points) console.log(p.step, p.value, p.min, p.max);
 */
export interface MetricSeriesPoint {
  step: number;
  value: number;
  wallTime: number;
  /** Present when downsampled: the extremes of the bucket this point stands for. */
  min?: number;
  max?: number;
}
/**
 * A metric series of a run, as `getMetrics` returns it.
 *
 * @example
 * const series = await store.getMetrics({ execution: { id: run.id }, key: 'loss' });
 */
export interface MetricSeries {
  executionId: number;
  key: string;
  points: MetricSeriesPoint[];
  /** Number of stored points in the requested range. */
  total: number;
  downsampled: boolean;
}
/**
 * A metric key of a run: how many points, the step range and the last value.
 *
 * @example
 * const keys = await store.getMetricKeys({ id: run.id });
 */
export interface MetricKeySummary {
  key: string;
  count: number;
  minStep: number;
  maxStep: number;
  lastValue: number;
}
