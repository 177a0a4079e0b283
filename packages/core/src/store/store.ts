/**
 * The one contract every backend (sqlite/, postgres/, http/) implements. All methods are async
 * and validate their input; errors are MlmetaError with a code.
 */

import type { TypeKindName } from '../model/enums.js';
import type {
  Artifact,
  Association,
  Attribution,
  Context,
  Event,
  Execution,
  LineageBatch,
  LineageBatchResult,
  MetricKeySummary,
  MetricPoint,
  MetricSeries,
  NodeRef,
  ParentContext,
  TypeDef,
  TypeInput,
} from '../model/schemas.js';

/**
 * The three kinds of node in the MLMD graph.
 *
 * @example
 * const kind: NodeKind = 'artifact';
 */
export type NodeKind = 'artifact' | 'execution' | 'context';

/**
 * Filtering, order and keyset pagination of a list call.
 *
 * @example
 * const page = await store.getArtifacts({ filter: "type = 'mlmeta.Model'", orderBy: 'createTime', descending: true, limit: 10 });
 * const next = await store.getArtifacts({ filter: "type = 'mlmeta.Model'", pageToken: page.nextPageToken });
 * const best = await store.getExecutions({ orderByProperty: 'metric.val_loss', offset: 50, limit: 50, withTotal: true });
 */
export interface ListOptions {
  /** A filter in mlmeta's filter language, e.g. `type = 'mlmeta.Model' AND properties.acc > 0.9`. */
  filter?: string;
  orderBy?: 'id' | 'createTime' | 'updateTime';
  descending?: boolean;
  /** Page size: default 100, at most 10,000. */
  limit?: number;
  /** The `nextPageToken` of the previous page (keyset pagination: stable under inserts). */
  pageToken?: string;
  /**
   * Order by a property's value instead of `orderBy`: the typed property of that name, else the
   * custom one (numbers by value, then text by code point; nodes without it, then NaN, come last
   * in either direction; ties newest first). Pages by `offset`, not by page token.
   */
  orderByProperty?: string;
  /** Matching nodes to skip before the page (a table's page N); not with `pageToken`. */
  offset?: number;
  /** Also count every matching node, whatever the limit and offset (`Page.total`). */
  withTotal?: boolean;
}

/**
 * Which nodes a list call returns: by id, external id, type, name or URI, plus a filter.
 *
 * @example
 * const { items } = await store.getExecutions({ type: 'mlmeta.Train', filter: "custom_properties.epochs > 10" });
 */
export interface NodeQuery extends ListOptions {
  ids?: number[];
  externalIds?: string[];
  /** Type name (with `typeVersion`, else any version). */
  type?: string;
  typeVersion?: string;
  name?: string;
  /** Artifacts only. */
  uri?: string;
}

/**
 * One page of a list call; pass `nextPageToken` back for the next one (absent on the last page).
 *
 * @example
 * let page: Page<Artifact> | undefined;
 * do page = await store.getArtifacts({ pageToken: page?.nextPageToken });
 * while (page.nextPageToken);
 */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
  /** How many nodes match in all, when asked for with `withTotal`. */
  total?: number;
}

/**
 * Which nodes a lineage walk starts from: ids, external ids, or a filter.
 *
 * @example
 * const start: NodeSelector = { filter: "uri = 'model.onnx'" };
 */
export interface NodeSelector {
  ids?: number[];
  externalIds?: string[];
  filter?: string;
}

/**
 * A lineage walk: where it starts, which way, how far, and where it stops.
 *
 * @example
 * const upstream = await store.getLineage({
 *   start: { artifacts: { ids: [model.id] } },
 *   direction: 'upstream',
 *   maxHops: 4,
 * });
 */
export interface LineageQuery {
  start: { artifacts?: NodeSelector; executions?: NodeSelector };
  /** Event hops to follow (artifact→execution is one hop): default 20, at most 100. */
  maxHops?: number;
  /** Upstream follows where things came from; downstream, what was made from them. Default both. */
  direction?: 'upstream' | 'downstream' | 'both';
  /** Nodes matching these filters are included but not expanded further. */
  stopAt?: { artifacts?: string; executions?: string };
  /** Safety cap on nodes returned; default 10,000. */
  maxNodes?: number;
}

/**
 * A lineage subgraph with full nodes, edges and the types they use, in one answer.
 *
 * @example
 * const graph = await store.getLineage({ start: { executions: { ids: [run.id] } } });
 * const datasets = graph.artifacts.filter((a) => a.type === 'mlmeta.Dataset');
 */
export interface LineageGraph {
  artifacts: Artifact[];
  executions: Execution[];
  contexts: Context[];
  events: Event[];
  associations: Association[];
  attributions: Attribution[];
  types: TypeDef[];
  /** True when maxNodes cut the walk short. */
  truncated: boolean;
}

/**
 * How a type re-declaration may differ from the stored type.
 *
 * @example
 * await store.putTypes([{ kind: 'artifact', name: 'my.Report', properties: { pages: 'INT' } }], { canOmitFields: true });
 */
export interface PutTypesOptions {
  /** Allow a re-declaration to omit properties the stored type has (they are kept). Default true. */
  canOmitFields?: boolean;
  /** Remove stored properties the declaration omits. Default false: types gain, never lose. */
  canDeleteFields?: boolean;
}

/**
 * One metric series of a run, optionally a step range, optionally downsampled.
 *
 * @example
 * const loss = await store.getMetrics({ execution: { id: run.id }, key: 'loss', maxPoints: 500 });
 */
export interface MetricQuery {
  execution: NodeRef;
  key: string;
  fromStep?: number;
  toStep?: number;
  /** Downsample to about this many points, keeping each bucket's min and max. */
  maxPoints?: number;
}

/**
 * The store: MLMD's graph of types, artifacts, executions, contexts and their edges, plus metric
 * series. Open one with `openStore(uri)`; every backend (SQLite, PostgreSQL, HTTP) behaves the same.
 *
 * @example
 * const store = await openStore('sqlite:.mlmeta/mlmeta.db');
 * const { items: models } = await store.getArtifacts({ type: 'mlmeta.Model' });
 * await store.close();
 */
export interface MetadataStore {
  /** The URI this store was opened with, credentials removed. */
  readonly uri: string;

  /** Declare types (or add properties to existing ones); returns their ids in order. */
  putTypes(types: TypeInput[], options?: PutTypesOptions): Promise<number[]>;
  /** Every type, or every type of one kind. */
  getTypes(kind?: TypeKindName): Promise<TypeDef[]>;
  /** One type by kind, name and (optionally) version. */
  getType(kind: TypeKindName, name: string, version?: string): Promise<TypeDef | undefined>;

  /** Write a lineage subgraph in one transaction; idempotent by external id. */
  putLineage(batch: LineageBatch): Promise<LineageBatchResult>;

  /** Artifacts matching `query`, one page at a time. */
  getArtifacts(query?: NodeQuery): Promise<Page<Artifact>>;
  /** Executions (runs) matching `query`, one page at a time. */
  getExecutions(query?: NodeQuery): Promise<Page<Execution>>;
  /** Contexts (experiments, processes, pipelines) matching `query`, one page at a time. */
  getContexts(query?: NodeQuery): Promise<Page<Context>>;
  /** One artifact by id or external id. */
  getArtifact(ref: NodeRef): Promise<Artifact | undefined>;
  /** One execution by id or external id. */
  getExecution(ref: NodeRef): Promise<Execution | undefined>;
  /** One context by id or external id. */
  getContext(ref: NodeRef): Promise<Context | undefined>;

  /** Input/output events of the given artifacts or executions. */
  getEvents(query: { artifactIds?: number[]; executionIds?: number[] }): Promise<Event[]>;
  /** Artifact–context memberships. */
  getAttributions(query: { artifactIds?: number[]; contextIds?: number[] }): Promise<Attribution[]>;
  /** Execution–context memberships. */
  getAssociations(query: { executionIds?: number[]; contextIds?: number[] }): Promise<Association[]>;
  /** Context–parent context edges (a pipeline and its steps). */
  getParentContexts(query: { childIds?: number[]; parentIds?: number[] }): Promise<ParentContext[]>;

  /** The lineage subgraph around the start nodes, full nodes included. */
  getLineage(query: LineageQuery): Promise<LineageGraph>;

  /** Append metric points (idempotent per execution, key and step: a replay overwrites). */
  appendMetrics(points: MetricPoint[]): Promise<void>;
  /** The metric keys of a run, with their step range and last value. */
  getMetricKeys(execution: NodeRef): Promise<MetricKeySummary[]>;
  /** One metric series, optionally downsampled. */
  getMetrics(query: MetricQuery): Promise<MetricSeries>;

  /** Release the connection or file; later calls fail. */
  close(): Promise<void>;
}
