import type { MetadataStore } from '../store/store.js';
import { isEmptyLineage, type WriteBatch } from './batch.js';

/**
 * Metric points per appendMetrics call. better-sqlite3 is synchronous, so one call blocks the
 * event loop for its whole transaction; this size keeps one call to a few milliseconds (see
 * docs/BENCHMARKS.md, "Tracker and writer") and lets timers and I/O run between chunks.
 */
export const METRIC_CHUNK = 2000;

/** Let timers and I/O run before the next synchronous store write. */
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Write one batch: the lineage subgraph first (metric points refer to its execution by external
 * id), then the points in chunks. Every part is idempotent, so a batch that failed half-way is
 * safe to write again in full.
 */
export async function applyBatch(store: MetadataStore, batch: WriteBatch): Promise<void> {
  if (!isEmptyLineage(batch.lineage)) await store.putLineage(batch.lineage);
  for (let i = 0; i < batch.metrics.length; i += METRIC_CHUNK) {
    if (i > 0) await yieldToLoop();
    await store.appendMetrics(batch.metrics.slice(i, i + METRIC_CHUNK));
  }
}

/**
 * Errors that writing the same batch again cannot fix (a record the store rejects as invalid or
 * conflicting). Such a batch is reported and set aside; spooling it would block every later
 * batch behind it forever. Everything else (unreachable, locked, closed) is worth a retry.
 */
export function isPermanentWriteError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return false;
  return (
    code === 'INVALID_ARGUMENT' ||
    code === 'ALREADY_EXISTS' ||
    code.startsWith('SQLITE_CONSTRAINT') ||
    /^23\d{3}$/.test(code) // PostgreSQL integrity constraint violations
  );
}
