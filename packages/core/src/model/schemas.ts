/**
 * The data model as zod schemas: the single source of the TypeScript types, and the validator
 * for everything that crosses a boundary (HTTP bodies, imported files, rows coming back).
 */
import { z } from 'zod';
import { ArtifactState, EventType, ExecutionState, PropertyType, TypeKind } from './enums.js';

const enumKeys = <E extends Record<string, number>>(e: E) =>
  Object.keys(e).filter((k) => k !== 'UNKNOWN') as [Exclude<keyof E & string, 'UNKNOWN'>, ...string[]];

export const PropertyTypeNameSchema = z.enum(enumKeys(PropertyType));
export const ArtifactStateNameSchema = z.enum(Object.keys(ArtifactState) as [keyof typeof ArtifactState]);
export const ExecutionStateNameSchema = z.enum(Object.keys(ExecutionState) as [keyof typeof ExecutionState]);
export const EventTypeNameSchema = z.enum(enumKeys(EventType));
export const TypeKindSchema = z.enum(Object.keys(TypeKind) as [keyof typeof TypeKind]);

/** JSON-like values; STRUCT properties hold these. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number(),
    z.string(),
    z.array(JsonValueSchema),
    z.record(z.string(), JsonValueSchema),
  ]),
);

/** Any JS number, NaN and ±Infinity included (zod 4's z.number() rejects non-finite values). */
const AnyNumberSchema = z.custom<number>((v) => typeof v === 'number', { message: 'Expected a number' });

/**
 * A property value. Numbers may be non-finite (NaN, ±Infinity) in the JS API; transports that
 * cannot carry them (JSON) encode them. `null` in a write removes the property.
 */
export const PropertyValueSchema = z.union([
  AnyNumberSchema,
  z.string(),
  z.boolean(),
  z.array(JsonValueSchema),
  z.record(z.string(), JsonValueSchema),
  z.null(),
]);
export type PropertyValue = z.infer<typeof PropertyValueSchema>;
export const PropertiesSchema = z.record(z.string().min(1), PropertyValueSchema);
export type Properties = z.infer<typeof PropertiesSchema>;

const IdSchema = z.number().int().positive();
const ExternalIdSchema = z.string().min(1).max(1024);

/** A reference to a node: its store id, or its client-side external id. */
export const NodeRefSchema = z.union([
  z.object({ id: IdSchema }).strict(),
  z.object({ externalId: ExternalIdSchema }).strict(),
]);
export type NodeRef = z.infer<typeof NodeRefSchema>;

// ---------------------------------------------------------------- types

export const TypeInputSchema = z
  .object({
    kind: TypeKindSchema,
    name: z.string().min(1).max(255),
    version: z.string().min(1).max(255).optional(),
    description: z.string().optional(),
    externalId: ExternalIdSchema.optional(),
    /** One of MLMD's system types (mlmd.Dataset, mlmd.Train, ...). */
    baseType: z.string().startsWith('mlmd.').optional(),
    properties: z.record(z.string().min(1), PropertyTypeNameSchema).default({}),
  })
  .strict();
export type TypeInput = z.input<typeof TypeInputSchema>;

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

const nodeInputFields = {
  /** Set to update an existing node by store id. */
  id: IdSchema.optional(),
  /** Type name; resolved with `typeVersion` (default: the unversioned type). */
  type: z.string().min(1),
  typeVersion: z.string().min(1).optional(),
  name: z.string().min(1).max(1024).optional(),
  externalId: ExternalIdSchema.optional(),
  properties: PropertiesSchema.optional(),
  customProperties: PropertiesSchema.optional(),
};

export const ArtifactInputSchema = z
  .object({ ...nodeInputFields, uri: z.string().optional(), state: ArtifactStateNameSchema.optional() })
  .strict();
export type ArtifactInput = z.input<typeof ArtifactInputSchema>;

export const ExecutionInputSchema = z
  .object({ ...nodeInputFields, lastKnownState: ExecutionStateNameSchema.optional() })
  .strict();
export type ExecutionInput = z.input<typeof ExecutionInputSchema>;

/** Contexts need a name (unique per type, as in MLMD). */
export const ContextInputSchema = z
  .object({ ...nodeInputFields, name: z.string().min(1).max(1024) })
  .strict();
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
export interface Artifact extends StoredNode {
  uri?: string;
  state: z.infer<typeof ArtifactStateNameSchema>;
}
export interface Execution extends StoredNode {
  lastKnownState: z.infer<typeof ExecutionStateNameSchema>;
}
export interface Context extends StoredNode {
  name: string;
}

// ---------------------------------------------------------------- edges

/** One step of an event path: an index into a list or a key into a map (MLMD's Event.Path). */
export const PathStepSchema = z.union([
  z.object({ index: z.number().int() }).strict(),
  z.object({ key: z.string() }).strict(),
]);
export type PathStep = z.infer<typeof PathStepSchema>;

export const EventInputSchema = z
  .object({
    artifact: NodeRefSchema,
    execution: NodeRefSchema,
    type: EventTypeNameSchema,
    path: z.array(PathStepSchema).optional(),
    millisecondsSinceEpoch: z.number().int().nonnegative().optional(),
  })
  .strict();
export type EventInput = z.input<typeof EventInputSchema>;
export interface Event {
  id: number;
  artifactId: number;
  executionId: number;
  type: z.infer<typeof EventTypeNameSchema>;
  path: PathStep[];
  millisecondsSinceEpoch: number;
}

export const AttributionInputSchema = z.object({ artifact: NodeRefSchema, context: NodeRefSchema }).strict();
export type AttributionInput = z.input<typeof AttributionInputSchema>;
export interface Attribution {
  artifactId: number;
  contextId: number;
}

export const AssociationInputSchema = z.object({ execution: NodeRefSchema, context: NodeRefSchema }).strict();
export type AssociationInput = z.input<typeof AssociationInputSchema>;
export interface Association {
  executionId: number;
  contextId: number;
}

export const ParentContextInputSchema = z.object({ child: NodeRefSchema, parent: NodeRefSchema }).strict();
export type ParentContextInput = z.input<typeof ParentContextInputSchema>;
export interface ParentContext {
  childId: number;
  parentId: number;
}

// ---------------------------------------------------------------- the lineage batch

/**
 * MLMD's "put lineage subgraph": everything in one transaction. Edges refer to nodes by id or
 * by external id, including nodes created earlier in the same batch. Writing the same batch
 * twice changes nothing.
 */
export const LineageBatchSchema = z
  .object({
    types: z.array(TypeInputSchema).optional(),
    artifacts: z.array(ArtifactInputSchema).optional(),
    executions: z.array(ExecutionInputSchema).optional(),
    contexts: z.array(ContextInputSchema).optional(),
    events: z.array(EventInputSchema).optional(),
    attributions: z.array(AttributionInputSchema).optional(),
    associations: z.array(AssociationInputSchema).optional(),
    parentContexts: z.array(ParentContextInputSchema).optional(),
  })
  .strict();
export type LineageBatch = z.input<typeof LineageBatchSchema>;
export interface LineageBatchResult {
  /** Store ids of the batch's nodes, in the order given. */
  artifactIds: number[];
  executionIds: number[];
  contextIds: number[];
}

// ---------------------------------------------------------------- metrics (mlmeta extension)

export const MetricPointSchema = z
  .object({
    execution: NodeRefSchema,
    key: z.string().min(1).max(255),
    step: z.number().int(),
    /** May be NaN or ±Infinity: stored as such and flagged, never dropped. */
    value: AnyNumberSchema,
    wallTime: z.number(),
  })
  .strict();
export type MetricPoint = z.input<typeof MetricPointSchema>;

export interface MetricSeriesPoint {
  step: number;
  value: number;
  wallTime: number;
  /** Present when downsampled: the extremes of the bucket this point stands for. */
  min?: number;
  max?: number;
}
export interface MetricSeries {
  executionId: number;
  key: string;
  points: MetricSeriesPoint[];
  /** Number of stored points in the requested range. */
  total: number;
  downsampled: boolean;
}
export interface MetricKeySummary {
  key: string;
  count: number;
  minStep: number;
  maxStep: number;
  lastValue: number;
}
