/**
 * What the writer accumulates between flushes. Node upserts are keyed by external id, so many
 * property updates to one node (a heartbeat, per-epoch properties, tags) coalesce into one
 * upsert per flush; edges and type declarations are deduplicated; metric points are appended.
 */
import type {
  ArtifactInput,
  AssociationInput,
  AttributionInput,
  ContextInput,
  EventInput,
  ExecutionInput,
  LineageBatch,
  MetricPoint,
  ModelVersionInput,
  NodeRef,
  ParentContextInput,
  TypeInput,
} from '../model/schemas.js';
import type { OpenLineageRunEvent } from '../openlineage/event.js';
import { encodeJson } from './json-codec.js';
import { MetricBlock } from './metric-block.js';

/**
 * The metric points of a batch: objects (a spool line read back, a caller's batch) or, in the
 * writer's queue, a block of columns (see metric-block.ts). Both have `length` and `slice`.
 */
export type BatchMetrics = MetricPoint[] | MetricBlock;

/**
 * The points as objects, the shape the spool and the store take.
 *
 * @example
 * spoolLine.metrics = metricPoints(batch.metrics);
 */
export function metricPoints(metrics: BatchMetrics): MetricPoint[] {
  return Array.isArray(metrics) ? metrics : metrics.slice();
}

/** One unit of work for a store: a lineage subgraph, then the metric points that refer to it. */
export interface WriteBatch {
  lineage: LineageBatch;
  metrics: BatchMetrics;
  /** OpenLineage RunEvents, for a writer whose target is an OpenLineage transport. */
  openLineage?: OpenLineageRunEvent[];
}

/** A node upsert the writer can coalesce: it must carry its external id. */
export type NodeUpsert =
  | { kind: 'artifact'; node: ArtifactInput & { externalId: string } }
  | { kind: 'execution'; node: ExecutionInput & { externalId: string } }
  | { kind: 'context'; node: ContextInput & { externalId: string } };

/** Edges and type declarations, written in the same transaction as the nodes they refer to. */
export interface LineageEdges {
  types?: TypeInput[];
  events?: EventInput[];
  attributions?: AttributionInput[];
  associations?: AssociationInput[];
  parentContexts?: ParentContextInput[];
  modelVersions?: ModelVersionInput[];
}

/** Rough in-memory size of one metric point, used for the byte bound (an estimate, not a measure). */
export const METRIC_POINT_BYTES = 64;

const refKey = (ref: NodeRef): string => ('id' in ref ? `#${ref.id}` : `@${ref.externalId}`);

type AnyNode = ArtifactInput | ExecutionInput | ContextInput;

function mergeNode<T extends AnyNode>(into: T, update: T): T {
  const merged = { ...into, ...update };
  if (into.properties || update.properties) merged.properties = { ...into.properties, ...update.properties };
  if (into.customProperties || update.customProperties) {
    merged.customProperties = { ...into.customProperties, ...update.customProperties };
  }
  return merged;
}

export class PendingBatch {
  private readonly types = new Map<string, TypeInput>();
  private readonly nodes = new Map<string, NodeUpsert>();
  private readonly edges = {
    events: new Map<string, EventInput>(),
    attributions: new Map<string, AttributionInput>(),
    associations: new Map<string, AssociationInput>(),
    parentContexts: new Map<string, ParentContextInput>(),
    modelVersions: new Map<string, ModelVersionInput>(),
  };
  readonly metrics: MetricBlock;
  openLineage: OpenLineageRunEvent[] = [];
  /** Estimated bytes held (JSON size of lineage records plus a fixed size per metric point). */
  bytes = 0;

  /** @param metricCapacity metric points to make room for up front (the block grows past it). */
  constructor(metricCapacity?: number) {
    this.metrics = new MetricBlock(metricCapacity);
  }

  get isEmpty(): boolean {
    return (
      this.metrics.length === 0 &&
      this.openLineage.length === 0 &&
      this.nodes.size === 0 &&
      this.types.size === 0 &&
      !this.hasEdges()
    );
  }

  private hasEdges(): boolean {
    return Object.values(this.edges).some((m) => m.size > 0);
  }

  /** Adds or merges a node upsert; returns the estimated bytes added. */
  addNode(upsert: NodeUpsert): number {
    const key = `${upsert.kind}:${upsert.node.externalId}`;
    const existing = this.nodes.get(key);
    const node = existing ? mergeNode(existing.node as AnyNode, upsert.node) : upsert.node;
    this.nodes.set(key, { kind: upsert.kind, node } as NodeUpsert);
    return this.account(encodeJson(upsert.node).length);
  }

  addEdges(edges: LineageEdges): number {
    let added = 0;
    for (const type of edges.types ?? []) {
      this.types.set(`${type.kind}:${type.name}:${type.version ?? ''}`, type);
      added += 64;
    }
    for (const e of edges.events ?? []) {
      this.edges.events.set(
        `${refKey(e.artifact)}|${refKey(e.execution)}|${e.type}|${encodeJson(e.path ?? [])}`,
        e,
      );
      added += 128;
    }
    for (const a of edges.attributions ?? []) {
      this.edges.attributions.set(`${refKey(a.artifact)}|${refKey(a.context)}`, a);
      added += 96;
    }
    for (const a of edges.associations ?? []) {
      this.edges.associations.set(`${refKey(a.execution)}|${refKey(a.context)}`, a);
      added += 96;
    }
    for (const p of edges.parentContexts ?? []) {
      this.edges.parentContexts.set(`${refKey(p.child)}|${refKey(p.parent)}`, p);
      added += 96;
    }
    for (const v of edges.modelVersions ?? []) {
      this.edges.modelVersions.set(`${v.model}|${refKey(v.artifact)}`, v);
      added += 96;
    }
    return this.account(added);
  }

  /** Queues one point (see MetricBlock.push); returns the estimated bytes added. */
  addMetric(execution: NodeRef, key: string, step: number, value: number, wallTime: number): number {
    this.metrics.push(execution, key, step, value, wallTime);
    return this.account(METRIC_POINT_BYTES + key.length);
  }

  addOpenLineage(event: OpenLineageRunEvent): number {
    this.openLineage.push(event);
    return this.account(encodeJson(event).length);
  }

  private account(bytes: number): number {
    this.bytes += bytes;
    return bytes;
  }

  /**
   * The batch as queued, not yet redacted: the writer redacts it when it flushes (redactBatch),
   * before it reaches the store, the spool or the quarantine, so the logging call that fills a
   * batch does not pay for the walk.
   */
  seal(): WriteBatch {
    const lineage: LineageBatch = {};
    if (this.types.size > 0) lineage.types = [...this.types.values()];
    const byKind = (kind: NodeUpsert['kind']) =>
      [...this.nodes.values()].filter((n) => n.kind === kind).map((n) => n.node);
    const artifacts = byKind('artifact') as ArtifactInput[];
    const executions = byKind('execution') as ExecutionInput[];
    const contexts = byKind('context') as ContextInput[];
    if (artifacts.length > 0) lineage.artifacts = artifacts;
    if (executions.length > 0) lineage.executions = executions;
    if (contexts.length > 0) lineage.contexts = contexts;
    for (const [name, map] of Object.entries(this.edges)) {
      if (map.size > 0) (lineage as Record<string, unknown[]>)[name] = [...map.values()];
    }
    const batch: WriteBatch = { lineage, metrics: this.metrics };
    if (this.openLineage.length > 0) batch.openLineage = this.openLineage;
    return batch;
  }
}

/** True when a lineage batch has nothing to write. */
export function isEmptyLineage(lineage: LineageBatch): boolean {
  return Object.values(lineage).every((v) => v === undefined || v.length === 0);
}
