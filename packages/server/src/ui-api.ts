/**
 * JSON endpoints shaped for the web UI's pages, under /api/v1/ui: each page is one request
 * (a runs page with experiments, hosts and final metrics; a run with its datasets, outputs and
 * metric keys; an artifact with its lineage), all read-only and paginated where lists can grow.
 * Metric series come from the generic /api/v1/metrics/series route (downsampled in SQL).
 */
import {
  API_PREFIX,
  deployedModels,
  type Event,
  type Execution,
  INPUT_EVENT_TYPES,
  MAX_ID,
  type MetadataStore,
  MlmetaError,
  RUN_PROPERTIES,
} from '@mlmeta/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { validate } from './request-schemas.js';
import { eventRole, graphView, lineageView, MAX_GRAPH_NODES, versionProperty } from './ui-graph.js';
import { evaluationsOf, modelDetail } from './ui-model-detail.js';
import { pipelineRuns, pipelineRunsOf, pipelineRunView } from './ui-pipelines.js';
import { contextsOf, keyMetrics, keyParams, runDisplayName, runRows } from './ui-run-rows.js';
import { sortedRuns } from './ui-run-sort.js';

const qInt = z
  .string()
  .regex(/^\d{1,15}$/, 'expected a non-negative integer')
  .transform(Number);

/** Columns the runs table sorts by on the server: run fields, any param, any final metric. */
const SortColumn = z
  .string()
  .max(300)
  .regex(
    /^(startTime|name|state|durationMs|param:.+|metric:.+)$/,
    'sort by startTime, name, state, durationMs, param:<name> or metric:<name>',
  );

const RunsQueryString = z
  .object({
    filter: z.string().max(65_536).optional(),
    type: z.string().min(1).max(255).optional(),
    sort: SortColumn.optional(),
    descending: z.enum(['true', 'false']).optional(),
    limit: qInt.pipe(z.number().int().min(1).max(500)).optional(),
    offset: qInt.optional(),
  })
  .strict();

const IdParams = z.object({ id: qInt.pipe(z.number().int().positive().max(MAX_ID)) }).strict();

const LineageQueryString = z
  .object({
    depth: qInt.pipe(z.number().int().min(1).max(50)).optional(),
    direction: z.enum(['upstream', 'downstream', 'both']).optional(),
  })
  .strict();

/** One node to expand in the graph: `a12` (artifact 12) or `e5` (execution 5). */
const ExpandQueryString = z
  .object({
    node: z.string().regex(/^[ae]\d{1,15}$/, 'expected a node such as a12 (artifact) or e5 (execution)'),
    depth: qInt.pipe(z.number().int().min(1).max(50)).optional(),
    direction: z.enum(['upstream', 'downstream', 'both']).optional(),
  })
  .strict();

const LimitQueryString = z.object({ limit: qInt.pipe(z.number().int().min(1).max(500)).optional() }).strict();

function idOf(request: FastifyRequest): number {
  return validate(IdParams, request.params, 'path').id;
}

function notFound(what: string, id: number): MlmetaError {
  return new MlmetaError('NOT_FOUND', `no ${what} with id ${id}`);
}

/** Inputs and outputs of an execution with their artifacts, in event order. */
async function artifactsOfEvents(store: MetadataStore, events: Event[]) {
  const ids = [...new Set(events.map((e) => e.artifactId))];
  const artifacts =
    ids.length === 0 ? [] : (await store.getArtifacts({ ids, limit: Math.min(ids.length, 10_000) })).items;
  const byId = new Map(artifacts.map((a) => [a.id, a]));
  return events
    .filter((e) => byId.has(e.artifactId))
    .map((e) => ({
      event: e.type,
      role: eventRole(e.path),
      artifact: byId.get(e.artifactId)!,
    }));
}

/** What went wrong, from the tracker's end-of-run properties. */
function failureOf(execution: Execution) {
  const custom = execution.customProperties;
  const error = custom[RUN_PROPERTIES.error];
  const exitCode = custom[RUN_PROPERTIES.exitCode];
  const signal = custom[RUN_PROPERTIES.signal];
  if (error === undefined && exitCode === undefined && signal === undefined) return undefined;
  const e = typeof error === 'object' && error !== null && !Array.isArray(error) ? error : {};
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    name: text((e as Record<string, unknown>).name),
    message: text((e as Record<string, unknown>).message) ?? (typeof error === 'string' ? error : undefined),
    stack: text((e as Record<string, unknown>).stack),
    exitCode: typeof exitCode === 'number' ? exitCode : undefined,
    signal: typeof signal === 'string' ? signal : undefined,
  };
}

/** On a CACHED run: the run whose outputs it reused (recorded as its external id, or `id:N`). */
async function reusedRun(store: MetadataStore, execution: Execution): Promise<Execution | undefined> {
  const from = execution.customProperties[RUN_PROPERTIES.cachedFrom];
  if (typeof from !== 'string' || from === '') return undefined;
  const byId = /^id:(\d{1,10})$/.exec(from);
  if (byId && Number(byId[1]) > MAX_ID) return undefined;
  return store.getExecution(byId ? { id: Number(byId[1]) } : { externalId: from });
}

/**
 * Registers the UI's read-only endpoints on `app`.
 *
 * @example
 * registerUiApi(app, store, { authenticated: true });
 * // GET /api/v1/ui/runs?filter=...&sort=metric:loss&offset=0&limit=50 → { items, total, paramKeys, metricKeys }
 */
export function registerUiApi(
  app: FastifyInstance,
  store: MetadataStore,
  options: { authenticated: boolean },
): void {
  const read = { config: { access: 'read' as const } };
  const p = `${API_PREFIX}/ui`;

  // With tokens configured, the auth hook has already refused a missing or wrong token.
  app.get(`${p}/session`, read, async (request) => ({
    authenticated: options.authenticated,
    ...(request.tokenName ? { tokenName: request.tokenName } : {}),
  }));

  app.get(`${p}/runs`, read, async (request) => {
    const q = validate(RunsQueryString, request.query, 'query string');
    const sorted = await sortedRuns(store, {
      filter: q.filter?.trim() === '' ? undefined : q.filter,
      type: q.type,
      column: q.sort ?? 'startTime',
      descending: q.descending !== 'false',
      offset: q.offset ?? 0,
      limit: q.limit ?? 50,
    });
    const rows = await runRows(store, sorted.page);
    return {
      items: rows,
      total: sorted.total,
      ...(sorted.capped ? { capped: true } : {}),
      paramKeys: keyParams(rows, 100),
      metricKeys: keyMetrics(rows, 100),
    };
  });

  app.get(`${p}/execution-types`, read, async () => ({
    types: (await store.getTypes('execution')).map((t) => t.name),
  }));

  app.get(`${p}/runs/:id`, read, async (request) => {
    const id = idOf(request);
    const execution = await store.getExecution({ id });
    if (!execution) throw notFound('run', id);
    const [[row], events, metricKeys, where] = await Promise.all([
      runRows(store, [execution]),
      store.getEvents({ executionIds: [id] }),
      store.getMetricKeys({ id }),
      contextsOf(store, [id]),
    ]);
    const linked = await artifactsOfEvents(store, events);
    const isInput = (event: string) => (INPUT_EVENT_TYPES as readonly string[]).includes(event);
    const processId = where.get(id)?.processId;
    const process = processId === undefined ? undefined : await store.getContext({ id: processId });
    const outputs = linked.filter((l) => !isInput(l.event));
    const [reused, evaluations, pipelineRun] = await Promise.all([
      reusedRun(store, execution),
      evaluationsOf(
        store,
        outputs.map((o) => o.artifact).filter((a) => /Model$/.test(a.type)),
      ),
      pipelineRunsOf(store, [id]),
    ]);
    return {
      run: row,
      execution,
      process: process ?? null,
      inputs: linked.filter((l) => isInput(l.event)),
      outputs,
      metricKeys,
      failure: failureOf(execution) ?? null,
      reused: reused ? { id: reused.id, name: runDisplayName(reused) } : null,
      evaluations,
      pipelineRun: pipelineRun.get(id) ?? null,
    };
  });

  app.get(`${p}/artifacts/:id`, read, async (request) => {
    const id = idOf(request);
    const q = validate(LineageQueryString, request.query, 'query string');
    const artifact = await store.getArtifact({ id });
    if (!artifact) throw notFound('artifact', id);
    const graph = await store.getLineage({
      start: { artifacts: { ids: [id] } },
      // Depth counts event hops (artifact → execution is one), as `mlmeta lineage --depth` does.
      maxHops: q.depth ?? 6,
      direction: q.direction ?? 'both',
      maxNodes: MAX_GRAPH_NODES,
    });
    const [view, model] = await Promise.all([
      graphView(store, graph),
      /Model$/.test(artifact.type) ? modelDetail(store, artifact) : undefined,
    ]);
    return { artifact, graph: view, ...(model ? { model } : {}) };
  });

  // The graph's expand button: the neighbours of one node (one hop by default).
  app.get(`${p}/lineage`, read, async (request) => {
    const q = validate(ExpandQueryString, request.query, 'query string');
    const id = Number(q.node.slice(1));
    const start = q.node.startsWith('a') ? { artifacts: { ids: [id] } } : { executions: { ids: [id] } };
    return { graph: await lineageView(store, start, q.depth ?? 1, q.direction ?? 'both') };
  });

  app.get(`${p}/pipeline-runs`, read, async (request) => {
    const q = validate(LimitQueryString, request.query, 'query string');
    return pipelineRuns(store, q.limit ?? 100);
  });

  app.get(`${p}/pipeline-runs/:id`, read, async (request) => {
    const id = idOf(request);
    const view = await pipelineRunView(store, id);
    if (!view) throw notFound('pipeline run', id);
    return view;
  });

  app.get(`${p}/deployments`, read, async () => {
    const deployed = await deployedModels(store);
    return {
      items: deployed.map((d) => ({
        // A named model as `iris` with its version number; else what the serving saw (uri, name).
        model: d.version?.model ?? d.model,
        ...(d.version
          ? { version: String(d.version.version) }
          : d.modelArtifact && versionProperty(d.modelArtifact) !== undefined
            ? { version: versionProperty(d.modelArtifact) }
            : {}),
        live: d.live,
        ...(d.endTime !== undefined ? { until: d.endTime } : {}),
        host: d.host,
        since: d.startTime,
        status: d.status,
        serve: { id: d.serve.id, name: runDisplayName(d.serve) },
        modelArtifact: d.modelArtifact
          ? { id: d.modelArtifact.id, name: d.modelArtifact.name, uri: d.modelArtifact.uri }
          : null,
        producer: d.producer ? { id: d.producer.id, name: runDisplayName(d.producer) } : null,
      })),
    };
  });
}
