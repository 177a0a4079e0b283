/**
 * PostgreSQL's lineage walk in one statement. A recursive CTE per direction collects every node
 * the walk reaches within maxHops (stop-filtered nodes included but not expanded), then the
 * same statement returns the events leading out of each expanded node. lineage.ts replays its
 * breadth-first walk over that answer in memory, so hop order, stop filters and maxNodes behave
 * exactly as with SQLite's per-hop queries, for one round trip instead of one per hop.
 *
 * Converging paths: the CTE is a UNION over (kind, id, hop, stop), so a node reached by many
 * paths of the same length is one row, and a node appears at most once per hop count; no path
 * is ever materialised. The rows it may produce are capped with a LIMIT (PostgreSQL stops the
 * recursion once the cap is read); a walk that hits the cap is left to the per-hop walk.
 */
import { EventType, INPUT_EVENT_TYPES, OUTPUT_EVENT_TYPES } from '../../model/enums.js';
import { Params, type SqlExecutor } from '../sql/driver.js';
import { filterSql } from '../sql/filter-sql.js';
import type { Direction, LineageWalks, WalkStep, WalkSteps } from '../sql/lineage.js';

/** The Event columns each step row carries besides its own (see EVENT_COLUMNS in lineage.ts). */
const STEP_EVENT_COLUMNS = 'x.artifact_id, x.execution_id, x.type, x.ms';

const INPUT_TYPES = INPUT_EVENT_TYPES.map((t) => EventType[t]).join(', ');
const OUTPUT_TYPES = OUTPUT_EVENT_TYPES.map((t) => EventType[t]).join(', ');

/**
 * Reach rows per direction before the walk is left to per-hop queries: a node appears at most
 * once per hop count, and in real lineage graphs rarely more than a few times.
 */
const ROWS_PER_NODE = 4;

/** Event types leading out of an artifact / an execution in `direction`. */
function typesFrom(direction: Direction) {
  return direction === 'downstream'
    ? { artifact: INPUT_TYPES, execution: OUTPUT_TYPES }
    : { artifact: OUTPUT_TYPES, execution: INPUT_TYPES };
}

/**
 * The events leading out of the node in `alias` (columns kind, id): one lateral subquery whose
 * two arms are each an index scan, only one of which runs for a given row.
 */
function stepsOut(alias: string, direction: Direction, stopA: string, stopE: string): string {
  const types = typesFrom(direction);
  return (
    `SELECT 'e'::text AS kind, ev.id AS event, ev.execution_id AS target, ${stopE} AS stop, ` +
    'ev.artifact_id, ev.execution_id, ev.type, ev.milliseconds_since_epoch AS ms FROM Event ev ' +
    `WHERE ${alias}.kind = 'a' AND ev.artifact_id = ${alias}.id AND ev.type IN (${types.artifact}) ` +
    'UNION ALL ' +
    `SELECT 'a'::text, ev.id, ev.artifact_id, ${stopA}, ev.artifact_id, ev.execution_id, ev.type, ` +
    'ev.milliseconds_since_epoch FROM Event ev ' +
    `WHERE ${alias}.kind = 'e' AND ev.execution_id = ${alias}.id AND ev.type IN (${types.execution})`
  );
}

/** `EXISTS (node matches filter)` for the node `column` names, or false without a filter. */
function stopTest(table: string, column: string, condition: string | undefined): string {
  return condition ? `EXISTS (SELECT 1 FROM ${table} n WHERE n.id = ${column} AND ${condition})` : 'false';
}

/** The statement: per direction `w<i>` a reach CTE, its capped node set, and the output rows. */
function walkSql(walks: LineageWalks, p: Params): string {
  const startA = p.add(walks.start.artifacts);
  const startE = p.add(walks.start.executions);
  const maxHops = p.add(walks.maxHops);
  const cap = p.add(walks.maxNodes * ROWS_PER_NODE + 1);
  // Compiled once per kind: PostgreSQL's numbered placeholders may be used more than once.
  const filterA = walks.stopAt?.artifacts
    ? `(${filterSql(walks.stopAt.artifacts, 'artifact', p)})`
    : undefined;
  const filterE = walks.stopAt?.executions
    ? `(${filterSql(walks.stopAt.executions, 'execution', p)})`
    : undefined;
  const stopA = stopTest('Artifact', 'ev.artifact_id', filterA);
  const stopE = stopTest('Execution', 'ev.execution_id', filterE);
  const ctes: string[] = [];
  const outputs: string[] = [];
  walks.directions.forEach((direction, i) => {
    ctes.push(
      `reach${i}(kind, id, hop, stop) AS (` +
        `SELECT 'a'::text, s.id, 0, false FROM unnest(CAST(${startA} AS int[])) s(id) ` +
        `UNION SELECT 'e'::text, s.id, 0, false FROM unnest(CAST(${startE} AS int[])) s(id) ` +
        `UNION SELECT x.kind, x.target, r.hop + 1, x.stop FROM reach${i} r ` +
        `CROSS JOIN LATERAL (${stepsOut('r', direction, stopA, stopE)}) x ` +
        `WHERE r.hop < ${maxHops} AND NOT r.stop)`,
      // First-reached hop per node; `rows` tells whether the cap cut the recursion short.
      `node${i} AS (SELECT kind, id, min(hop) AS hop, bool_or(stop) AS stop, count(*) AS rows ` +
        `FROM (SELECT * FROM reach${i} LIMIT ${cap}) c GROUP BY kind, id)`,
    );
    outputs.push(
      `SELECT ${i} AS walk, 'rows' AS what, NULL::text AS kind, NULL::int AS source, ` +
        `NULL::int AS event, sum(rows)::int AS target, NULL::int AS artifact_id, ` +
        'NULL::int AS execution_id, NULL::int AS type, NULL::bigint AS ms ' +
        `FROM node${i}`,
      `SELECT ${i}, 'step', CASE n.kind WHEN 'a' THEN 'artifact' ELSE 'execution' END, n.id, x.event, x.target, ` +
        `${STEP_EVENT_COLUMNS} ` +
        `FROM node${i} n CROSS JOIN LATERAL (${stepsOut('n', direction, 'false', 'false')}) x ` +
        // A stop-filtered node gets no steps, so the replay cannot expand it; a start node is
        // expanded even when it matches a stop filter, as in the per-hop walk.
        `WHERE n.hop < ${maxHops} AND (n.hop = 0 OR NOT n.stop)`,
    );
  });
  return `WITH RECURSIVE ${ctes.join(', ')} ${outputs.join(' UNION ALL ')}`;
}

/** One direction's prefetched steps, keyed by source node, as the `WalkSteps` lineage.ts walks. */
function prefetchedSteps(out: Record<'artifact' | 'execution', Map<number, WalkStep[]>>): WalkSteps {
  return {
    async from(kind, frontier) {
      const steps: WalkStep[] = [];
      for (const id of frontier) for (const step of out[kind].get(id) ?? []) steps.push(step);
      // The per-hop query's order: which nodes a maxNodes cut keeps depends on it.
      return steps.sort((a, b) => a.event - b.event);
    },
    // Stop-filtered nodes already come without steps.
    stopped: async () => new Set<number>(),
  };
}

/**
 * Every step of the walks in `walks`, in one statement; undefined when a walk reaches so many
 * nodes that the reach cap cut it short (the caller then walks hop by hop, exactly).
 *
 * @example
 * const steps = await prefetchPostgresWalks(db, { directions: ['upstream'], start: { artifacts: [7], executions: [] }, maxHops: 20, maxNodes: 10_000, stopAt: undefined });
 */
export async function prefetchPostgresWalks(
  db: SqlExecutor,
  walks: LineageWalks,
): Promise<Map<Direction, WalkSteps> | undefined> {
  const p = new Params(db.dialect);
  const empty = walks.start.artifacts.length === 0 && walks.start.executions.length === 0;
  const rows = empty ? [] : await db.all(walkSql(walks, p), p.values);
  const cap = walks.maxNodes * ROWS_PER_NODE + 1;
  const perWalk = walks.directions.map(() => ({
    artifact: new Map<number, WalkStep[]>(),
    execution: new Map<number, WalkStep[]>(),
  }));
  for (const row of rows) {
    if (row.what === 'rows') {
      if (Number(row.target ?? 0) >= cap) return undefined;
      continue;
    }
    const out = perWalk[Number(row.walk)]![row.kind as 'artifact' | 'execution'];
    const source = Number(row.source);
    const step = {
      event: Number(row.event),
      target: Number(row.target),
      row: {
        id: row.event,
        artifact_id: row.artifact_id,
        execution_id: row.execution_id,
        type: row.type,
        milliseconds_since_epoch: row.ms,
      },
    };
    const list = out.get(source);
    if (list) list.push(step);
    else out.set(source, [step]);
  }
  return new Map(walks.directions.map((direction, i) => [direction, prefetchedSteps(perWalk[i]!)]));
}
