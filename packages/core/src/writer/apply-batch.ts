import type { LineageBatch, MetricPoint } from '../model/schemas.js';
import type { OpenLineageRunEvent } from '../openlineage/event.js';
import { MlmetaError } from '../store/errors.js';
import type { MetadataStore } from '../store/store.js';
import type { MetricColumns } from '../store/worker/metric-columns.js';
import { isEmptyLineage, type WriteBatch } from './batch.js';
import { MetricBlock } from './metric-block.js';
import { classifyWriteError, errorReason } from './write-errors.js';

/**
 * Metric points per appendMetrics call. better-sqlite3 is synchronous, so one call blocks the
 * event loop for its whole transaction; this size keeps one call to a few milliseconds (see
 * docs/BENCHMARKS.md, "Tracker and writer") and lets timers and I/O run between chunks.
 */
export const METRIC_CHUNK = 2000;

/** Let timers and I/O run before the next synchronous store write. */
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A record the store rejected for good (see write-errors.ts), with the store's reason. */
export interface RejectedRecord {
  kind: string;
  record: unknown;
  reason: string;
  code?: string;
}

export type OnRejected = (rejected: RejectedRecord) => void;

/**
 * What the writer writes batches to: a metadata store, or an OpenLineage transport (which takes
 * only the batch's OpenLineage events).
 */
export type BatchTarget = Pick<MetadataStore, 'uri' | 'putLineage' | 'appendMetrics' | 'close'> & {
  /** Sends OpenLineage RunEvents; present only on an OpenLineage transport. */
  emitOpenLineage?(events: OpenLineageRunEvent[]): Promise<void>;
  /** Appends points already in columns (a store in a worker thread: they cross as one buffer). */
  appendMetricColumns?(columns: MetricColumns): Promise<void>;
};

const codeOf = (error: unknown) => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** Re-throws unless the store rejected the record itself; returns the rejection otherwise. */
function rejection(error: unknown, kind: string, record: unknown): RejectedRecord {
  if (classifyWriteError(error) !== 'record') throw error;
  return { kind, record, reason: errorReason(error), code: codeOf(error) };
}

/** The lineage batch as one-record batches, in dependency order (types, nodes, then edges). */
function singleRecords(lineage: LineageBatch): [kind: string, batch: LineageBatch][] {
  const parts: [string, LineageBatch][] = [];
  const each = <K extends keyof LineageBatch>(key: K, kind: string) => {
    for (const record of lineage[key] ?? []) parts.push([kind, { [key]: [record] } as LineageBatch]);
  };
  each('types', 'type');
  each('artifacts', 'artifact');
  each('executions', 'execution');
  each('contexts', 'context');
  each('events', 'event');
  each('attributions', 'attribution');
  each('associations', 'association');
  each('parentContexts', 'parentContext');
  each('modelVersions', 'modelVersion');
  return parts;
}

/**
 * Write a lineage batch; when the store rejects a record in it, write the batch record by
 * record so that only the rejected ones (and the records that depend on them, which the store
 * then rejects as referring to nothing) are handed to `onRejected`.
 */
async function putLineageIsolating(store: BatchTarget, lineage: LineageBatch, onRejected: OnRejected) {
  try {
    await store.putLineage(lineage);
    return;
  } catch (error) {
    rejection(error, 'lineage', lineage);
  }
  for (const [kind, single] of singleRecords(lineage)) {
    try {
      await store.putLineage(single);
    } catch (error) {
      onRejected(rejection(error, kind, Object.values(single)[0]![0]));
    }
  }
}

const executionKey = (point: MetricPoint) => JSON.stringify(point.execution);

/**
 * Append points; when the store rejects some, find them: points of an execution the store does
 * not have are set aside together (the run's start was rejected), others by halving.
 */
async function appendIsolating(store: BatchTarget, points: MetricPoint[], onRejected: OnRejected) {
  try {
    await store.appendMetrics(points);
    return;
  } catch (error) {
    const rejected = rejection(error, 'metrics', points);
    const executions = new Set(points.map(executionKey));
    if (executions.size > 1) {
      const groups = new Map<string, MetricPoint[]>();
      for (const p of points) groups.get(executionKey(p))?.push(p) ?? groups.set(executionKey(p), [p]);
      for (const group of groups.values()) await appendIsolating(store, group, onRejected);
    } else if (rejected.code === 'NOT_FOUND' || points.length === 1) {
      onRejected(rejected);
    } else {
      const half = Math.ceil(points.length / 2);
      await appendIsolating(store, points.slice(0, half), onRejected);
      await appendIsolating(store, points.slice(half), onRejected);
    }
  }
}

/**
 * Queued points to a store that takes columns, with no point object made on this thread; false
 * when they must go as objects (no such store, a series of another shape, or a rejection, which
 * appendIsolating then narrows down).
 */
async function appendColumns(store: BatchTarget, metrics: WriteBatch['metrics'], start: number, end: number) {
  if (store.appendMetricColumns === undefined || !(metrics instanceof MetricBlock)) return false;
  const columns = metrics.packed(start, end);
  if (columns === undefined) return false;
  try {
    await store.appendMetricColumns(columns);
    return true;
  } catch (error) {
    if (classifyWriteError(error) !== 'record') throw error;
    return false;
  }
}

/** Send events one by one, so that an event the endpoint refuses is set aside alone. */
async function emitIsolating(target: BatchTarget, events: OpenLineageRunEvent[], onRejected: OnRejected) {
  for (const event of events) {
    try {
      if (!target.emitOpenLineage) {
        throw new MlmetaError('INVALID_ARGUMENT', `${target.uri} takes no OpenLineage events`);
      }
      await target.emitOpenLineage([event]);
    } catch (error) {
      onRejected(rejection(error, 'openlineage', event));
    }
  }
}

/**
 * Write one batch: the lineage subgraph first (metric points refer to its execution by external
 * id), then the points in chunks, then the OpenLineage events. Every part is idempotent, so a batch that failed half-way is
 * safe to write again in full. Records the store rejects for good go to `onRejected` and the rest
 * is written; any other failure (the store unreachable) rejects the promise.
 */
export async function applyBatch(
  store: BatchTarget,
  batch: WriteBatch,
  onRejected: OnRejected,
): Promise<void> {
  if (!isEmptyLineage(batch.lineage)) await putLineageIsolating(store, batch.lineage, onRejected);
  const { metrics } = batch;
  for (let i = 0; i < metrics.length; i += METRIC_CHUNK) {
    if (i > 0) await yieldToLoop();
    if (await appendColumns(store, metrics, i, i + METRIC_CHUNK)) continue;
    await appendIsolating(store, metrics.slice(i, i + METRIC_CHUNK), onRejected);
  }
  if (batch.openLineage && batch.openLineage.length > 0)
    await emitIsolating(store, batch.openLineage, onRejected);
}
