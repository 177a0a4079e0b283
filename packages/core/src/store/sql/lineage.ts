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
 */
import { EventType, INPUT_EVENT_TYPES, OUTPUT_EVENT_TYPES } from '../../model/enums.js';
import { MlmetaError } from '../errors.js';
import type { LineageGraph, LineageQuery, NodeKind, NodeSelector } from '../store.js';
import { Params, type SqlExecutor } from './driver.js';
import { getAssociations, getAttributions, getEventsById } from './edge-reader.js';
import { filterSql } from './filter-sql.js';
import { loadNodes, nodeConditions } from './node-reader.js';
import { NODE_TABLES } from './nodes.js';
import { getTypesById } from './types.js';

export const DEFAULT_MAX_HOPS = 20;
export const MAX_HOPS_CAP = 100;
export const DEFAULT_MAX_NODES = 10_000;

const INPUT_TYPES = INPUT_EVENT_TYPES.map((t) => EventType[t]).join(', ');
const OUTPUT_TYPES = OUTPUT_EVENT_TYPES.map((t) => EventType[t]).join(', ');

type Direction = 'upstream' | 'downstream';

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
async function stopped(db: SqlExecutor, kind: NodeKind, ids: number[], filter: string | undefined) {
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
  readonly events = new Set<number>();
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
  db: SqlExecutor,
  graph: Subgraph,
  direction: Direction,
  start: { artifacts: number[]; executions: number[] },
  maxHops: number,
  stopAt: LineageQuery['stopAt'],
): Promise<void> {
  // Artifacts reach executions through events of these types, and executions reach artifacts.
  const fromArtifact = direction === 'downstream' ? INPUT_TYPES : OUTPUT_TYPES;
  const fromExecution = direction === 'downstream' ? OUTPUT_TYPES : INPUT_TYPES;
  const seenA = new Set(start.artifacts);
  const seenE = new Set(start.executions);
  let frontierA = start.artifacts;
  let frontierE = start.executions;
  for (let hop = 0; hop < maxHops && (frontierA.length > 0 || frontierE.length > 0); hop++) {
    const nextA: number[] = [];
    const nextE: number[] = [];
    if (frontierA.length > 0) {
      const p = new Params(db.dialect);
      const rows = await db.all(
        `SELECT id, execution_id FROM Event WHERE artifact_id IN ${p.ids(frontierA)} AND type IN (${fromArtifact}) ORDER BY id`,
        p.values,
      );
      for (const row of rows) {
        const id = Number(row.execution_id);
        if (!graph.add('execution', id)) continue;
        graph.events.add(Number(row.id));
        if (!seenE.has(id)) {
          seenE.add(id);
          nextE.push(id);
        }
      }
    }
    if (frontierE.length > 0) {
      const p = new Params(db.dialect);
      const rows = await db.all(
        `SELECT id, artifact_id FROM Event WHERE execution_id IN ${p.ids(frontierE)} AND type IN (${fromExecution}) ORDER BY id`,
        p.values,
      );
      for (const row of rows) {
        const id = Number(row.artifact_id);
        if (!graph.add('artifact', id)) continue;
        graph.events.add(Number(row.id));
        if (!seenA.has(id)) {
          seenA.add(id);
          nextA.push(id);
        }
      }
    }
    const stopA = await stopped(db, 'artifact', nextA, stopAt?.artifacts);
    const stopE = await stopped(db, 'execution', nextE, stopAt?.executions);
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
  for (const direction of directions) await walk(db, graph, direction, start, maxHops, query.stopAt);

  const artifactIds = [...graph.artifacts].sort((a, b) => a - b);
  const executionIds = [...graph.executions].sort((a, b) => a - b);
  const artifacts = await loadNodes(db, 'artifact', artifactIds);
  const executions = await loadNodes(db, 'execution', executionIds);
  const events = await getEventsById(
    db,
    [...graph.events].sort((a, b) => a - b),
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
