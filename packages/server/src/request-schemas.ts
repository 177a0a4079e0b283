/**
 * zod schemas for what clients send: JSON bodies reuse core's data-model schemas; query strings
 * (always strings, or arrays when a key repeats) are coerced to the same shapes, so that a GET
 * and the equivalent POST query are validated by one definition.
 */
import {
  LineageBatchSchema,
  MAX_ID,
  MAX_NAME_LENGTH,
  MlmetaError,
  type NodeRef,
  NodeRefSchema,
  TypeInputSchema,
  TypeKindSchema,
} from '@mlmeta/core';
import { z } from 'zod';

/** Store ids are MLMD's INT columns; a larger one could never match (PostgreSQL would fail the statement). */
const Id = z.number().int().positive().max(MAX_ID);
const ExternalId = z.string().min(1).max(1024);
const Filter = z.string().max(65_536);
const Ids = z.array(Id).max(100_000);
const ExternalIds = z.array(ExternalId).max(100_000);

// ---------------------------------------------------------------- bodies

export const PutTypesBodySchema = z
  .object({
    types: z.array(TypeInputSchema).max(10_000),
    options: z
      .object({ canOmitFields: z.boolean().optional(), canDeleteFields: z.boolean().optional() })
      .strict()
      .optional(),
  })
  .strict();

export { LineageBatchSchema };

/**
 * Points themselves are checked by the store (by hand, on its hot path, and accepting NaN and
 * ±Infinity, which zod's number() refuses); here only the envelope.
 */
export const AppendMetricsBodySchema = z.object({ points: z.array(z.unknown()).max(1_000_000) }).strict();

const listOptionsShape = {
  filter: Filter.optional(),
  orderBy: z.enum(['id', 'createTime', 'updateTime']).optional(),
  descending: z.boolean().optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
  pageToken: z.string().max(4096).optional(),
  orderByProperty: z.string().min(1).max(255).optional(),
  offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  withTotal: z.boolean().optional(),
};

export const NodeQuerySchema = z
  .object({
    ...listOptionsShape,
    ids: Ids.optional(),
    externalIds: ExternalIds.optional(),
    type: z.string().min(1).max(255).optional(),
    typeVersion: z.string().min(1).max(255).optional(),
    name: z.string().min(1).max(1024).optional(),
    uri: z.string().max(65_536).optional(),
  })
  .strict();

const NodeSelectorSchema = z
  .object({ ids: Ids.optional(), externalIds: ExternalIds.optional(), filter: Filter.optional() })
  .strict();

export const LineageQuerySchema = z
  .object({
    start: z
      .object({ artifacts: NodeSelectorSchema.optional(), executions: NodeSelectorSchema.optional() })
      .strict(),
    maxHops: z.number().int().min(0).max(100).optional(),
    direction: z.enum(['upstream', 'downstream', 'both']).optional(),
    stopAt: z.object({ artifacts: Filter.optional(), executions: Filter.optional() }).strict().optional(),
    maxNodes: z.number().int().positive().max(1_000_000).optional(),
  })
  .strict();

export const EventQuerySchema = z
  .object({ artifactIds: Ids.optional(), executionIds: Ids.optional() })
  .strict();
export const AttributionQuerySchema = z
  .object({ artifactIds: Ids.optional(), contextIds: Ids.optional() })
  .strict();
export const AssociationQuerySchema = z
  .object({ executionIds: Ids.optional(), contextIds: Ids.optional() })
  .strict();
export const ParentContextQuerySchema = z
  .object({ childIds: Ids.optional(), parentIds: Ids.optional() })
  .strict();

export const MetricQuerySchema = z
  .object({
    execution: NodeRefSchema,
    key: z.string().min(1).max(255),
    fromStep: z.number().int().optional(),
    toStep: z.number().int().optional(),
    maxPoints: z.number().int().min(2).max(1_000_000).optional(),
  })
  .strict();

// ---------------------------------------------------------------- query strings

const qString = z.string();
const qInt = z
  .string()
  .regex(/^-?\d{1,16}$/, 'expected an integer')
  .transform(Number);
const qBool = z.enum(['true', 'false']).transform((v) => v === 'true');
const qList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));
/** `ids=1,2,3` or `ids=1&ids=2`. */
const qIds = qList.transform((parts, ctx) => {
  const ids: number[] = [];
  for (const text of parts.flatMap((p) => p.split(','))) {
    if (!/^\d{1,16}$/.test(text.trim())) {
      ctx.addIssue({ code: 'custom', message: `"${text.slice(0, 40)}" is not an id; write ids=1,2,3` });
      return z.NEVER;
    }
    ids.push(Number(text));
  }
  return ids;
});

/** Drops undefined keys so that `.strict()` body schemas see only what the client sent. */
function defined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

export const TypesQueryString = z.object({ kind: TypeKindSchema.optional() }).strict();

export const TypeLookupQueryString = z
  .object({
    kind: TypeKindSchema,
    name: z.string().min(1).max(255),
    version: z.string().min(1).max(255).optional(),
  })
  .strict();

export const NodeQueryString = z
  .object({
    filter: qString.optional(),
    orderBy: qString.optional(),
    descending: qBool.optional(),
    limit: qInt.optional(),
    pageToken: qString.optional(),
    orderByProperty: qString.optional(),
    offset: qInt.optional(),
    withTotal: qBool.optional(),
    ids: qIds.optional(),
    externalIds: qList.optional(),
    type: qString.optional(),
    typeVersion: qString.optional(),
    name: qString.optional(),
    uri: qString.optional(),
  })
  .strict()
  .transform(defined)
  .pipe(NodeQuerySchema);

/**
 * `?id=12` or `?externalId=run-abc`: exactly one. Not piped into NodeRefSchema: zod 4 lets an
 * unknown key's issue through a pipe, and a union after it drops that issue (`?externalId=x&zz=1`
 * was accepted), so the two forms are checked here, on one object.
 */
export const NodeRefQueryString = z
  .object({ id: qInt.optional(), externalId: qString.optional() })
  .strict()
  .refine(
    (q) => (q.id === undefined) !== (q.externalId === undefined),
    'give exactly one of id and externalId',
  )
  .transform(defined)
  .pipe(z.object({ id: Id.optional(), externalId: ExternalId.max(MAX_NAME_LENGTH).optional() }).strict())
  .transform((q) => q as NodeRef);

function edgeQueryString<
  A extends string,
  B extends string,
  T extends z.ZodType<unknown, Record<string, number[] | undefined>>,
>(a: A, b: B, target: T) {
  return z
    .object({ [a]: qIds.optional(), [b]: qIds.optional() })
    .strict()
    .transform(defined)
    .pipe(target);
}
export const EventQueryString = edgeQueryString('artifactIds', 'executionIds', EventQuerySchema);
export const AttributionQueryString = edgeQueryString('artifactIds', 'contextIds', AttributionQuerySchema);
export const AssociationQueryString = edgeQueryString('executionIds', 'contextIds', AssociationQuerySchema);
export const ParentContextQueryString = edgeQueryString('childIds', 'parentIds', ParentContextQuerySchema);

/** `?executionId=3` or `?executionExternalId=run-abc`, as a NodeRef. */
const executionRefFields = { executionId: qInt.optional(), executionExternalId: qString.optional() };
function executionRef(q: { executionId?: number; executionExternalId?: string }) {
  return q.executionId !== undefined ? { id: q.executionId } : { externalId: q.executionExternalId };
}
function bothRefsGiven(q: { executionId?: number; executionExternalId?: string }) {
  return (q.executionId === undefined) === (q.executionExternalId === undefined);
}
const refMessage = 'give exactly one of executionId and executionExternalId';

export const MetricKeysQueryString = z
  .object(executionRefFields)
  .strict()
  .refine((q) => !bothRefsGiven(q), refMessage)
  .transform((q) => ({ execution: executionRef(q) }))
  .pipe(z.object({ execution: NodeRefSchema }));

export const MetricSeriesQueryString = z
  .object({
    ...executionRefFields,
    key: qString,
    fromStep: qInt.optional(),
    toStep: qInt.optional(),
    maxPoints: qInt.optional(),
  })
  .strict()
  .refine((q) => !bothRefsGiven(q), refMessage)
  .transform(({ executionId, executionExternalId, ...rest }) =>
    defined({ ...rest, execution: executionRef({ executionId, executionExternalId }) }),
  )
  .pipe(MetricQuerySchema);

/**
 * Validates `value` or throws MlmetaError('INVALID_ARGUMENT') naming the first problems, worded
 * like the stores' own validation so that a client sees the same message local or remote, e.g.
 * `invalid metric query: key: Invalid input: expected string, received undefined`.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  throw new MlmetaError('INVALID_ARGUMENT', `invalid ${what}: ${problems}`);
}
