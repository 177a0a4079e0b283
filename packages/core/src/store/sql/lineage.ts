/**
 * Lineage subgraphs by batched breadth-first search: one query per hop and per direction, with
 * the whole frontier bound as one id list, so a 20-hop walk costs about 40 small indexed queries
 * however wide it gets. The answer holds full nodes, edges, contexts and types (MLMD returns
 * ids and leaves the client to fetch each node; that is what makes its lineage slow).
 *
 * Direction: downstream follows OUTPUT-like events from an execution to an artifact and
 * INPUT-like events from an artifact to an execution; upstream the reverse. `both` is the union
 * of the upstream and the downstream walk from the start nodes (not an undirected walk, which
 * would wander into every sibling of every shared dataset).
 *
 * Where a round trip is expensive (PostgreSQL), the dialect's `prefetchWalks` computes every
 * step of the walk in one statement and the same walk below replays it in memory, so both
 * backends apply hops, stop filters and maxNodes in exactly the same order.
 */
import { EventType, INPUT_EVENT_TYPES, OUTPUT_EVENT_TYPES } from '../../model/enums.js';
import { MlmetaError } from '../errors.js';
import type { LineageGraph, LineageQuery, NodeKind, NodeSelector } from '../store.js';
import { Params, type SqlExecutor } from './driver.js';
import { eventsFromRows, getAssociations, getAttributions } from './edge-reader.js';
import { filterSql } from './filter-sql.js';
import { loadNodes, nodeConditions } from './node-reader.js';
import { NODE_TABLES } from './nodes.js';
import { getTypesById } from './types.js';

export const DEFAULT_MAX_HOPS = 20;
export const MAX_HOPS_CAP = 100;
export const DEFAULT_MAX_NODES = 10_000;

const INPUT_TYPES = INPUT_EVENT_TYPES.map((t) => EventType[t]).join(', ');
const OUTPUT_TYPES = OUTPUT_EVENT_TYPES.map((t) => EventType[t]).join(', ');

export type Direction = 'upstream' | 'downstream';

/**
 * One event a walk follows out of a frontier node, to `target` (a node of the other kind), with
 * the event's row (Event's columns), so the answer's events need no second read.
 */
export interface WalkStep {
  event: number;
  target: number;
  row: Record<string, unknown>;
}

/** The Event columns a walk step carries: what an answer's `Event` is made of. */
export const EVENT_COLUMNS = 'id, artifact_id, execution_id, type, milliseconds_since_epoch';

/** Where a walk learns its neighbours: per-hop queries, or a dialect's prefetched answer. */
export interface WalkSteps {
  /** Events leading out of `frontier` nodes of `kind` in the walk's direction, by event id. */
  from(kind: 'artifact' | 'execution', frontier: readonly number[]): Promise<WalkStep[]>;
  /** The ids among `ids` that match the stop filter of `kind`: included, not expanded. */
  stopped(kind: 'artifact' | 'execution', ids: readonly number[]): Promise<Set<number>>;
}

/** What a dialect's `prefetchWalks` is asked for: one walk per direction from the same start. */
export interface LineageWalks {
  directions: readonly Direction[];
  start: { artifacts: readonly number[]; executions: readonly number[] };
  maxHops: number;
  maxNodes: number;
  stopAt: LineageQuery['stopAt'];
}

async function selectStart(
  db: SqlExecutor,
  kind: NodeKind,
  selector: NodeSelector | undefined,
  limit: number,
): Promise<number[]> {
  if (!selector) return [];
  const p = new Params(db.dialect);
  const where = nodeConditions(kind, selector, p);
  if (where.length === 0) return [];
  const rows = await db.all(
    `SELECT n.id FROM ${NODE_TABLES[kind].table} n WHERE ${where.join(' AND ')} ORDER BY n.id LIMIT ${p.add(limit)}`,
    p.values,
  );
  return rows.map((r) => Number(r.id));
}

/** Ids among `ids` that match a stop filter: they join the graph but are not expanded. */
async function stopped(db: SqlExecutor, kind: NodeKind, ids: readonly number[], filter: string | undefined) {
  if (!filter || ids.length === 0) return new Set<number>();
  const p = new Params(db.dialect);
  // Bind in textual order: SQLite's `?` placeholders are positional.
  const idSet = p.ids(ids);
  const condition = filterSql(filter, kind, p);
  const rows = await db.all(
    `SELECT n.id FROM ${NODE_TABLES[kind].table} n WHERE n.id IN ${idSet} AND (${condition})`,
    p.values,
  );
  return new Set(rows.map((r) => Number(r.id)));
}

/** A walk's steps as one query per hop and kind (cheap in process, as with SQLite). */
function queriedSteps(db: SqlExecutor, direction: Direction, stopAt: LineageQuery['stopAt']): WalkSteps {
  return {
    async from(kind, frontier) {
      // Artifacts reach executions through events of these types, and executions reach artifacts.
      const [types, source, target] =
        kind === 'artifact'
          ? [direction === 'downstream' ? INPUT_TYPES : OUTPUT_TYPES, 'artifact_id', 'execution_id']
          : [direction === 'downstream' ? OUTPUT_TYPES : INPUT_TYPES, 'execution_id', 'artifact_id'];
      const p = new Params(db.dialect);
      const rows = await db.all(
        `SELECT ${EVENT_COLUMNS} FROM Event WHERE ${source} IN ${p.ids(frontier)} AND type IN (${types}) ORDER BY id`,
        p.values,
      );
      return rows.map((row) => ({ event: Number(row.id), target: Number(row[target]), row }));
    },
    stopped: (kind, ids) =>
      stopped(db, kind, ids, kind === 'artifact' ? stopAt?.artifacts : stopAt?.executions),
  };
}

function validate(query: LineageQuery) {
  const maxHops = query.maxHops ?? DEFAULT_MAX_HOPS;
  if (!Number.isInteger(maxHops) || maxHops < 0 || maxHops > MAX_HOPS_CAP) {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `maxHops must be an integer from 0 to ${MAX_HOPS_CAP}, not ${maxHops}`,
    );
  }
  const maxNodes = query.maxNodes ?? DEFAULT_MAX_NODES;
  if (!Number.isInteger(maxNodes) || maxNodes < 1) {
    throw new MlmetaError('INVALID_ARGUMENT', `maxNodes must be a positive integer, not ${maxNodes}`);
  }
  const direction = query.direction ?? 'both';
  if (!['upstream', 'downstream', 'both'].includes(direction)) {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `direction must be upstream, downstream or both, not "${direction}"`,
    );
  }
  const { artifacts, executions } = query.start ?? {};
  const empty = (s?: NodeSelector) => !s || (!s.ids?.length && !s.externalIds?.length && !s.filter);
  if (empty(artifacts) && empty(executions)) {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      'a lineage query needs start nodes: start.artifacts or start.executions with ids, externalIds or a filter',
    );
  }
  return {
    maxHops,
    maxNodes,
    directions: (direction === 'both' ? ['upstream', 'downstream'] : [direction]) as Direction[],
  };
}

/** Collects the walk's result, enforcing maxNodes across both directions. */
class Subgraph {
  readonly artifacts = new Set<number>();
  readonly executions = new Set<number>();
  /** Event rows by id, as the walk read them. */
  readonly events = new Map<number, Record<string, unknown>>();
  truncated = false;
  constructor(readonly maxNodes: number) {}

  get size() {
    return this.artifacts.size + this.executions.size;
  }

  /** Add a node; false when the cap is reached (the walk is then truncated). */
  add(kind: 'artifact' | 'execution', id: number): boolean {
    const set = kind === 'artifact' ? this.artifacts : this.executions;
    if (set.has(id)) return true;
    if (this.size >= this.maxNodes) {
      this.truncated = true;
      return false;
    }
    set.add(id);
    return true;
  }
}

async function walk(
  graph: Subgraph,
  steps: WalkSteps,
  start: { artifacts: number[]; executions: number[] },
  maxHops: number,
): Promise<void> {
  const seenA = new Set(start.artifacts);
  const seenE = new Set(start.executions);
  let frontierA = start.artifacts;
  let frontierE = start.executions;
  for (let hop = 0; hop < maxHops && (frontierA.length > 0 || frontierE.length > 0); hop++) {
    const nextA: number[] = [];
    const nextE: number[] = [];
    if (frontierA.length > 0) {
      for (const step of await steps.from('artifact', frontierA)) {
        if (!graph.add('execution', step.target)) continue;
        graph.events.set(step.event, step.row);
        if (!seenE.has(step.target)) {
          seenE.add(step.target);
          nextE.push(step.target);
        }
      }
    }
    if (frontierE.length > 0) {
      for (const step of await steps.from('execution', frontierE)) {
        if (!graph.add('artifact', step.target)) continue;
        graph.events.set(step.event, step.row);
        if (!seenA.has(step.target)) {
          seenA.add(step.target);
          nextA.push(step.target);
        }
      }
    }
    const stopA = await steps.stopped('artifact', nextA);
    const stopE = await steps.stopped('execution', nextE);
    frontierA = nextA.filter((id) => !stopA.has(id));
    frontierE = nextE.filter((id) => !stopE.has(id));
  }
}

/** The lineage subgraph around the start nodes. Run it in one read (a consistent snapshot). */
export async function getLineage(db: SqlExecutor, query: LineageQuery): Promise<LineageGraph> {
  const { maxHops, maxNodes, directions } = validate(query);
  const graph = new Subgraph(maxNodes);
  const start = {
    artifacts: await selectStart(db, 'artifact', query.start.artifacts, maxNodes),
    executions: await selectStart(db, 'execution', query.start.executions, maxNodes),
  };
  for (const id of start.artifacts) graph.add('artifact', id);
  for (const id of start.executions) graph.add('execution', id);
  const prefetched = await db.dialect.prefetchWalks?.(db, {
    directions,
    start,
    maxHops,
    maxNodes,
    stopAt: query.stopAt,
  });
  for (const direction of directions) {
    const steps = prefetched?.get(direction) ?? queriedSteps(db, direction, query.stopAt);
    await walk(graph, steps, start, maxHops);
  }

  const artifactIds = [...graph.artifacts].sort((a, b) => a - b);
  const executionIds = [...graph.executions].sort((a, b) => a - b);
  const artifacts = await loadNodes(db, 'artifact', artifactIds);
  const executions = await loadNodes(db, 'execution', executionIds);
  const events = await eventsFromRows(
    db,
    [...graph.events].sort((a, b) => a[0] - b[0]).map(([, row]) => row),
  );
  const attributions = await getAttributions(db, { artifactIds });
  const associations = await getAssociations(db, { executionIds });
  const contextIds = [...new Set([...attributions, ...associations].map((e) => e.contextId))].sort(
    (a, b) => a - b,
  );
  const contexts = await loadNodes(db, 'context', contextIds);
  const typeIds = new Set([...artifacts, ...executions, ...contexts].map((n) => n.typeId));
  const types = await getTypesById(
    db,
    [...typeIds].sort((a, b) => a - b),
  );
  return {
    artifacts,
    executions,
    contexts,
    events,
    associations,
    attributions,
    types,
    truncated: graph.truncated,
  };
}
