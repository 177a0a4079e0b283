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

export type NodeKind = 'artifact' | 'execution' | 'context';

export interface ListOptions {
  /** A filter in mlmeta's filter language, e.g. `type = 'mlmeta.Model' AND properties.acc > 0.9`. */
  filter?: string;
  orderBy?: 'id' | 'createTime' | 'updateTime';
  descending?: boolean;
  /** Page size: default 100, at most 10,000. */
  limit?: number;
  /** The `nextPageToken` of the previous page (keyset pagination: stable under inserts). */
  pageToken?: string;
}

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

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/** Which nodes a lineage walk starts from: ids, external ids, or a filter. */
export interface NodeSelector {
  ids?: number[];
  externalIds?: string[];
  filter?: string;
}

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

/** A lineage subgraph with full nodes, edges and the types they use, in one answer. */
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

export interface PutTypesOptions {
  /** Allow a re-declaration to omit properties the stored type has (they are kept). Default true. */
  canOmitFields?: boolean;
  /** Remove stored properties the declaration omits. Default false: types gain, never lose. */
  canDeleteFields?: boolean;
}

export interface MetricQuery {
  execution: NodeRef;
  key: string;
  fromStep?: number;
  toStep?: number;
  /** Downsample to about this many points, keeping each bucket's min and max. */
  maxPoints?: number;
}

export interface MetadataStore {
  /** The URI this store was opened with, credentials removed. */
  readonly uri: string;

  putTypes(types: TypeInput[], options?: PutTypesOptions): Promise<number[]>;
  getTypes(kind?: TypeKindName): Promise<TypeDef[]>;
  getType(kind: TypeKindName, name: string, version?: string): Promise<TypeDef | undefined>;

  /** Write a lineage subgraph in one transaction; idempotent by external id. */
  putLineage(batch: LineageBatch): Promise<LineageBatchResult>;

  getArtifacts(query?: NodeQuery): Promise<Page<Artifact>>;
  getExecutions(query?: NodeQuery): Promise<Page<Execution>>;
  getContexts(query?: NodeQuery): Promise<Page<Context>>;
  getArtifact(ref: NodeRef): Promise<Artifact | undefined>;
  getExecution(ref: NodeRef): Promise<Execution | undefined>;
  getContext(ref: NodeRef): Promise<Context | undefined>;

  getEvents(query: { artifactIds?: number[]; executionIds?: number[] }): Promise<Event[]>;
  getAttributions(query: { artifactIds?: number[]; contextIds?: number[] }): Promise<Attribution[]>;
  getAssociations(query: { executionIds?: number[]; contextIds?: number[] }): Promise<Association[]>;
  getParentContexts(query: { childIds?: number[]; parentIds?: number[] }): Promise<ParentContext[]>;

  getLineage(query: LineageQuery): Promise<LineageGraph>;

  appendMetrics(points: MetricPoint[]): Promise<void>;
  getMetricKeys(execution: NodeRef): Promise<MetricKeySummary[]>;
  getMetrics(query: MetricQuery): Promise<MetricSeries>;

  close(): Promise<void>;
}
