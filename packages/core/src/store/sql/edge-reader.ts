/** Edge reads: events with their paths, attributions, associations and parent contexts. */
import { EventType, type EventTypeName, enumName } from '../../model/enums.js';
import type { Association, Attribution, Event, ParentContext, PathStep } from '../../model/schemas.js';
import { Params, type SqlExecutor } from './driver.js';

/** Events touching any of the given artifacts or executions, with their paths, by id. */
export async function getEvents(
  db: SqlExecutor,
  query: { artifactIds?: readonly number[]; executionIds?: readonly number[] },
): Promise<Event[]> {
  const p = new Params(db.dialect);
  const where: string[] = [];
  if (query.artifactIds?.length) where.push(`artifact_id IN ${p.ids(query.artifactIds)}`);
  if (query.executionIds?.length) where.push(`execution_id IN ${p.ids(query.executionIds)}`);
  if (where.length === 0) return [];
  const rows = await db.all(`SELECT * FROM Event WHERE ${where.join(' OR ')} ORDER BY id`, p.values);
  return withPaths(db, rows);
}

/**
 * Events from Event rows already read (a lineage walk reads them as it goes), with their paths:
 * one statement for the paths instead of reading the events again.
 */
export function eventsFromRows(db: SqlExecutor, rows: readonly Record<string, unknown>[]): Promise<Event[]> {
  return withPaths(db, rows);
}

async function withPaths(db: SqlExecutor, rows: readonly Record<string, unknown>[]): Promise<Event[]> {
  const events = rows.map(
    (row): Event => ({
      id: Number(row.id),
      artifactId: Number(row.artifact_id),
      executionId: Number(row.execution_id),
      type: enumName(EventType, Number(row.type)) as EventTypeName as Event['type'],
      path: [],
      millisecondsSinceEpoch: Number(row.milliseconds_since_epoch ?? 0),
    }),
  );
  if (events.length === 0) return events;
  const p = new Params(db.dialect);
  const steps = await db.all(
    `SELECT * FROM EventPath WHERE event_id IN ${p.ids(events.map((e) => e.id))}`,
    p.values,
  );
  if (steps.length === 0) return events;
  const byId = new Map(events.map((e) => [e.id, e]));
  for (const step of steps) {
    const path: PathStep = Number(step.is_index_step)
      ? { index: Number(step.step_index) }
      : { key: String(step.step_key) };
    byId.get(Number(step.event_id))?.path.push(path);
  }
  return events;
}

export async function getAttributions(
  db: SqlExecutor,
  query: { artifactIds?: readonly number[]; contextIds?: readonly number[] },
): Promise<Attribution[]> {
  const p = new Params(db.dialect);
  const where: string[] = [];
  if (query.artifactIds?.length) where.push(`artifact_id IN ${p.ids(query.artifactIds)}`);
  if (query.contextIds?.length) where.push(`context_id IN ${p.ids(query.contextIds)}`);
  if (where.length === 0) return [];
  const rows = await db.all(`SELECT * FROM Attribution WHERE ${where.join(' OR ')} ORDER BY id`, p.values);
  return rows.map((row) => ({ artifactId: Number(row.artifact_id), contextId: Number(row.context_id) }));
}

export async function getAssociations(
  db: SqlExecutor,
  query: { executionIds?: readonly number[]; contextIds?: readonly number[] },
): Promise<Association[]> {
  const p = new Params(db.dialect);
  const where: string[] = [];
  if (query.executionIds?.length) where.push(`execution_id IN ${p.ids(query.executionIds)}`);
  if (query.contextIds?.length) where.push(`context_id IN ${p.ids(query.contextIds)}`);
  if (where.length === 0) return [];
  const rows = await db.all(`SELECT * FROM Association WHERE ${where.join(' OR ')} ORDER BY id`, p.values);
  return rows.map((row) => ({ executionId: Number(row.execution_id), contextId: Number(row.context_id) }));
}

export async function getParentContexts(
  db: SqlExecutor,
  query: { childIds?: readonly number[]; parentIds?: readonly number[] },
): Promise<ParentContext[]> {
  const p = new Params(db.dialect);
  const where: string[] = [];
  if (query.childIds?.length) where.push(`context_id IN ${p.ids(query.childIds)}`);
  if (query.parentIds?.length) where.push(`parent_context_id IN ${p.ids(query.parentIds)}`);
  if (where.length === 0) return [];
  const rows = await db.all(
    `SELECT * FROM ParentContext WHERE ${where.join(' OR ')} ORDER BY context_id, parent_context_id`,
    p.values,
  );
  return rows.map((row) => ({ childId: Number(row.context_id), parentId: Number(row.parent_context_id) }));
}
