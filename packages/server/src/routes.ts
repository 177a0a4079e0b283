/**
 * The API: one route per MetadataStore operation under /api/v1, each declaring the scope it
 * needs. Reads come as GET with query strings (easy to link and cache) and as POST `/query`
 * with a JSON body (for long id lists and filters); both validate into the same shape.
 */
import {
  API_PREFIX,
  type LineageBatch,
  type MetadataStore,
  type MetricPoint,
  metricPointsFromColumns,
  redactBatch,
} from '@mlmeta/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import {
  AppendMetricsBodySchema,
  AssociationQuerySchema,
  AssociationQueryString,
  AttributionQuerySchema,
  AttributionQueryString,
  EventQuerySchema,
  EventQueryString,
  LineageBatchSchema,
  LineageQuerySchema,
  MetricKeysQueryString,
  MetricQuerySchema,
  MetricSeriesQueryString,
  NodeQuerySchema,
  NodeQueryString,
  NodeRefQueryString,
  ParentContextQuerySchema,
  ParentContextQueryString,
  PutTypesBodySchema,
  TypeLookupQueryString,
  TypesQueryString,
  validate,
} from './request-schemas.js';

/** Who may call a route: anyone, a read (or write) token, or a write token. */
export type RouteAccess = 'public' | 'read' | 'write';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required scope; a route without one is treated as 'write' (fail closed). */
    access?: RouteAccess;
  }
}

const query = (request: FastifyRequest) => ({ ...(request.query as Record<string, unknown>) });

function parseBody<S extends z.ZodType>(
  schema: S,
  request: FastifyRequest,
  what = 'request body',
): z.output<S> {
  // No body at all is an empty query; an explicit `null` is a wrong type.
  return validate(schema, request.body === undefined ? {} : request.body, what);
}

/**
 * What other clients write passes the writer's choke point too (mlmeta's own writer redacted it
 * already; MLMD tools, scripts and curl did not), after validation and before the store.
 */
const redactedLineage = (lineage: LineageBatch): LineageBatch =>
  redactBatch({ lineage, metrics: [] }).lineage;
const redactedPoints = (metrics: MetricPoint[]): MetricPoint[] =>
  redactBatch({ lineage: {}, metrics }).metrics;

/** Registers every API route on `app` (already carrying auth, parsing and error handling). */
export function registerApiRoutes(app: FastifyInstance, store: MetadataStore): void {
  const read = { config: { access: 'read' as const } };
  const write = { config: { access: 'write' as const } };
  const p = API_PREFIX;

  // ------------------------------------------------------------ types
  app.get(`${p}/types`, read, async (request) => {
    const { kind } = validate(TypesQueryString, query(request), 'query string');
    return { types: await store.getTypes(kind) };
  });
  app.get(`${p}/types/lookup`, read, async (request) => {
    const q = validate(TypeLookupQueryString, query(request), 'query string');
    return { type: (await store.getType(q.kind, q.name, q.version)) ?? null };
  });
  app.post(`${p}/types`, write, async (request) => {
    const body = parseBody(PutTypesBodySchema, request);
    const types = redactedLineage({ types: body.types }).types ?? [];
    return { typeIds: await store.putTypes(types, body.options) };
  });

  // ------------------------------------------------------------ lineage
  app.post(`${p}/lineage/batches`, write, async (request) => {
    return store.putLineage(redactedLineage(parseBody(LineageBatchSchema, request, 'lineage batch')));
  });
  app.post(`${p}/lineage/query`, read, async (request) => {
    return store.getLineage(parseBody(LineageQuerySchema, request));
  });

  // ------------------------------------------------------------ nodes
  const nodeKinds = [
    [
      'artifacts',
      (q: z.output<typeof NodeQuerySchema>) => store.getArtifacts(q),
      store.getArtifact.bind(store),
    ],
    [
      'executions',
      (q: z.output<typeof NodeQuerySchema>) => store.getExecutions(q),
      store.getExecution.bind(store),
    ],
    ['contexts', (q: z.output<typeof NodeQuerySchema>) => store.getContexts(q), store.getContext.bind(store)],
  ] as const;
  for (const [path, list, getOne] of nodeKinds) {
    app.get(`${p}/${path}`, read, async (request) =>
      list(validate(NodeQueryString, query(request), 'query string')),
    );
    app.post(`${p}/${path}/query`, read, async (request) => list(parseBody(NodeQuerySchema, request)));
    app.get(`${p}/${path}/lookup`, read, async (request) => {
      const ref = validate(NodeRefQueryString, query(request), 'query string');
      return { node: (await getOne(ref)) ?? null };
    });
  }

  // ------------------------------------------------------------ edges
  const edgeKinds = [
    ['events', EventQueryString, EventQuerySchema, (q: object) => store.getEvents(q)],
    ['attributions', AttributionQueryString, AttributionQuerySchema, (q: object) => store.getAttributions(q)],
    ['associations', AssociationQueryString, AssociationQuerySchema, (q: object) => store.getAssociations(q)],
    [
      'parent-contexts',
      ParentContextQueryString,
      ParentContextQuerySchema,
      (q: object) => store.getParentContexts(q),
    ],
  ] as const;
  for (const [path, queryString, bodySchema, get] of edgeKinds) {
    app.get(`${p}/${path}`, read, async (request) => ({
      items: await get(validate(queryString, query(request), 'query string') as object),
    }));
    app.post(`${p}/${path}/query`, read, async (request) => ({
      items: await get(parseBody(bodySchema, request) as object),
    }));
  }

  // ------------------------------------------------------------ metrics
  app.post(`${p}/metrics`, write, async (request, reply) => {
    // Two body forms: columns `{ groups }` (what the HTTP store sends) and rows `{ points }`.
    const body = request.body;
    const columnar = body !== null && typeof body === 'object' && Object.hasOwn(body, 'groups');
    const points = columnar
      ? metricPointsFromColumns(body)
      : (parseBody(AppendMetricsBodySchema, request).points as MetricPoint[]);
    await store.appendMetrics(redactedPoints(points));
    return reply.code(204).send();
  });
  app.get(`${p}/metrics/keys`, read, async (request) => {
    const { execution } = validate(MetricKeysQueryString, query(request), 'query string');
    return { keys: await store.getMetricKeys(execution) };
  });
  app.get(`${p}/metrics/series`, read, async (request) => {
    return store.getMetrics(validate(MetricSeriesQueryString, query(request), 'query string'));
  });
  app.post(`${p}/metrics/query`, read, async (request) =>
    store.getMetrics(parseBody(MetricQuerySchema, request)),
  );
}
