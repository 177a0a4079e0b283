/**
 * The background writer (pino's shape: enqueue, batch, flush off the hot path). Logging calls
 * add to an in-memory batch and return; the batch is sealed and written when it reaches a
 * count or byte size, on a timer, on `flush()` and at exit. When the store fails, sealed batches
 * go to the spool, later batches queue behind them there, and a retry timer with backoff replays
 * the spool in order once the store answers again. Nothing here throws into a caller.
 */
import { logger } from '../log.js';
import type { NodeRef } from '../model/schemas.js';
import type { OpenLineageRunEvent } from '../openlineage/event.js';
import { applyBatch, type BatchTarget, type RejectedRecord, yieldToLoop } from './apply-batch.js';
import { type LineageEdges, type NodeUpsert, PendingBatch, type WriteBatch } from './batch.js';
import { Quarantine, quarantineFileFor } from './quarantine.js';
import { redactBatch } from './redact-batch.js';
import { type Spool, syncCommand } from './spool.js';

export interface WriterOptions {
  /** Opens the store (or OpenLineage transport); called again (after a backoff) whenever a write failed. */
  openStore: () => Promise<BatchTarget>;
  spool: Spool;
  /**
   * Whether the writer opened the store and may close it. An owned store is closed after a
   * failure and reopened by the next probe; a caller's store is kept and probed as it is.
   */
  ownsStore?: boolean;
  /** Seal a batch at this many metric points. Default 2,000. */
  batchPoints?: number;
  /** Seal a batch at this many (estimated) bytes. Default 1 MiB. */
  batchBytes?: number;
  /** Seal a non-empty batch this long after its first record. Default 1,000 ms. */
  flushIntervalMs?: number;
  /** Metric points held in memory at most; more are dropped and counted. Default 1,000,000. */
  maxQueuePoints?: number;
  /** Estimated bytes held in memory at most. Default 64 MiB. */
  maxQueueBytes?: number;
  /** First retry delay after a failure; doubles up to `retryMaxMs`. Defaults 500 ms and 30 s. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

interface SealedBatch {
  batch: WriteBatch;
  /** Whether `batch` has passed redaction (done once, at its first write or spool). */
  redacted: boolean;
  points: number;
  bytes: number;
}

/** What `stats()` reports; `dropped` counts records that could be neither written nor spooled. */
export interface WriterStats {
  queuedPoints: number;
  queuedBytes: number;
  dropped: number;
  /** Records the store rejected for good, set aside in `quarantineFile` (metric points counted one by one). */
  rejected: number;
  quarantineFile: string;
  /** Batches wait in the spool for the store. */
  spooling: boolean;
  /** The last write or probe failed and no probe has succeeded since. */
  storeFailing: boolean;
}

const MiB = 1024 * 1024;

export class MetadataWriter {
  private readonly options: Required<Omit<WriterOptions, 'openStore' | 'spool' | 'ownsStore'>>;
  private current: PendingBatch;
  /** Sealed batches in write order; the head stays here while it is being written. */
  private readonly sealed: SealedBatch[] = [];
  private queuedPoints = 0;
  private queuedBytes = 0;
  private dropped = 0;
  private rejected = 0;
  private readonly quarantine: Quarantine;
  private store: BatchTarget | undefined;
  private storeOpening: Promise<BatchTarget> | undefined;
  /** False while a retry timer is pending: batches go straight to the spool until it fires. */
  private probeDue = true;
  private retryDelay: number;
  private failureReported = false;
  private draining: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private drainScheduled = false;

  constructor(private readonly config: WriterOptions) {
    this.options = {
      batchPoints: config.batchPoints ?? 2000,
      batchBytes: config.batchBytes ?? MiB,
      flushIntervalMs: config.flushIntervalMs ?? 1000,
      maxQueuePoints: config.maxQueuePoints ?? 1_000_000,
      maxQueueBytes: config.maxQueueBytes ?? 64 * MiB,
      retryMinMs: config.retryMinMs ?? 500,
      retryMaxMs: config.retryMaxMs ?? 30_000,
    };
    this.current = this.newBatch();
    this.retryDelay = this.options.retryMinMs;
    this.quarantine = new Quarantine(quarantineFileFor(config.spool.file));
  }

  /**
   * Queue one metric point. The hot path: no I/O and no allocation; the numbers are copied into
   * the batch's typed arrays (see MetricBlock).
   */
  enqueueMetric(execution: NodeRef, key: string, step: number, value: number, wallTime: number): void {
    if (this.queuedPoints >= this.options.maxQueuePoints || this.queuedBytes >= this.options.maxQueueBytes) {
      this.dropped++;
      return;
    }
    this.queuedPoints++;
    this.queuedBytes += this.current.addMetric(execution, key, step, value, wallTime);
    this.afterAdd();
  }

  /**
   * Queue a node upsert (merged with earlier upserts of the same node in this batch). `essential`
   * records (a run's start and end state) are kept even when the queue is full.
   */
  enqueueNode(upsert: NodeUpsert, essential = false): void {
    if (!essential && this.queuedBytes >= this.options.maxQueueBytes) {
      this.dropped++;
      return;
    }
    this.queuedBytes += this.current.addNode(upsert);
    this.afterAdd();
  }

  enqueueEdges(edges: LineageEdges, essential = false): void {
    if (!essential && this.queuedBytes >= this.options.maxQueueBytes) {
      this.dropped++;
      return;
    }
    this.queuedBytes += this.current.addEdges(edges);
    this.afterAdd();
  }

  /** Queue one OpenLineage event (for a writer whose target is an OpenLineage transport). */
  enqueueOpenLineage(event: OpenLineageRunEvent, essential = false): void {
    if (!essential && this.queuedBytes >= this.options.maxQueueBytes) {
      this.dropped++;
      return;
    }
    this.queuedBytes += this.current.addOpenLineage(event);
    this.afterAdd();
  }

  stats(): WriterStats {
    return {
      queuedPoints: this.queuedPoints,
      queuedBytes: this.queuedBytes,
      dropped: this.dropped,
      rejected: this.rejected,
      quarantineFile: this.quarantine.file,
      spooling: this.config.spool.hasPending,
      storeFailing: this.failureReported,
    };
  }

  /**
   * Resolves when everything queued so far is in the store or the spool. Never rejects. With
   * `probe` (a run's end), a failing store is tried again now rather than at the next backoff.
   */
  async flush(options: { probe?: boolean } = {}): Promise<void> {
    if (options.probe && this.config.spool.hasPending) this.probeDue = true;
    this.seal();
    const probePending = () => options.probe === true && this.probeDue && this.config.spool.hasPending;
    while (this.sealed.length > 0 || this.draining || probePending()) {
      this.startDrain();
      await this.draining;
    }
  }

  /**
   * For the `exit` handler, where nothing asynchronous runs any more: append everything queued
   * (including a batch whose write was in flight) to the spool and close it. Returns true when
   * the spool file holds batches for the store.
   */
  flushSync(): boolean {
    this.seal();
    for (const item of this.sealed.splice(0)) this.spoolOrDrop(item);
    this.queuedPoints = 0;
    this.queuedBytes = 0;
    try {
      this.config.spool.close();
    } catch (error) {
      logger.warn('could not sync the spool file to disk:', error);
    }
    return this.config.spool.hasPending;
  }

  /** Flush, stop the timers and close the store. */
  async close(): Promise<void> {
    await this.flush();
    clearTimeout(this.flushTimer);
    clearTimeout(this.retryTimer);
    try {
      this.config.spool.close();
    } catch (error) {
      logger.warn('could not sync the spool file to disk:', error);
    }
    const store = this.store;
    this.store = undefined;
    if (this.config.ownsStore !== false) await store?.close().catch(() => undefined);
  }

  private afterAdd(): void {
    if (
      this.current.metrics.length >= this.options.batchPoints ||
      this.current.bytes >= this.options.batchBytes
    ) {
      this.seal();
      this.scheduleDrain();
    } else if (this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.seal();
        this.startDrain();
      }, this.options.flushIntervalMs);
      this.flushTimer.unref();
    }
  }

  private seal(): void {
    if (this.current.isEmpty) return;
    const pending = this.current;
    this.current = this.newBatch();
    this.sealed.push({
      batch: pending.seal(),
      redacted: false,
      points: pending.metrics.length,
      bytes: pending.bytes,
    });
  }

  /** Room for a full batch of points up front, so that filling one does not regrow its columns. */
  private newBatch(): PendingBatch {
    return new PendingBatch(Math.min(this.options.batchPoints, 1 << 16));
  }

  /** Start draining on the next turn of the loop, so the logging call that filled a batch returns first. */
  private scheduleDrain(): void {
    if (this.drainScheduled || this.draining) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.startDrain();
    });
  }

  private startDrain(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  private async drain(): Promise<void> {
    if (this.config.spool.hasPending && this.probeDue) await this.recover();
    while (this.sealed.length > 0) {
      const item = this.sealed[0];
      await this.write(item);
      // flushSync may have taken the queue while the write was in flight.
      if (this.sealed[0] === item) {
        this.sealed.shift();
        this.queuedPoints -= item.points;
        this.queuedBytes -= item.bytes;
      }
      // Store writes may be synchronous (better-sqlite3): give the loop a turn between batches.
      if (this.sealed.length > 0) await yieldToLoop();
    }
  }

  /**
   * The choke point, run when a batch is flushed (off the logging call that filled it): the batch
   * as it may leave the process, redacted. Nothing reaches the store, the spool or the quarantine
   * (whose records come from it) without passing here. undefined when redaction itself failed:
   * the batch is dropped and counted, never written as it was.
   */
  private outgoing(item: SealedBatch): WriteBatch | undefined {
    if (item.redacted) return item.batch;
    try {
      item.batch = redactBatch(item.batch);
      item.redacted = true;
      return item.batch;
    } catch (error) {
      const records = recordCount(item);
      this.dropped += records;
      logger.warn(
        `could not redact ${records} record(s); they were dropped rather than written unredacted:`,
        error,
      );
      return undefined;
    }
  }

  private async write(item: SealedBatch): Promise<void> {
    const batch = this.outgoing(item);
    if (batch === undefined) return;
    if ((this.config.spool.hasPending || this.store === undefined) && !(await this.recover())) {
      this.spoolOrDrop(item);
      return;
    }
    try {
      await applyBatch(this.store!, batch, (rejected) => this.setAside(rejected));
    } catch (error) {
      this.failed(error);
      this.spoolOrDrop(item);
    }
  }

  /** A record the store rejected for good: into the quarantine, with one warning per reason. */
  private setAside(rejected: RejectedRecord): void {
    const records = rejected.kind === 'metrics' ? (rejected.record as unknown[]).length : 1;
    try {
      this.quarantine.add(rejected);
      this.rejected += records;
    } catch (error) {
      this.dropped += records;
      logger.warn(
        `could not set ${records} rejected record(s) aside in ${this.quarantine.file}; they are lost:`,
        error,
      );
      return;
    }
    logger.once(
      `rejected:${rejected.reason}`,
      'warn',
      `the store rejected ${records === 1 ? `one record (${rejected.kind})` : `${records} metric points`} (${rejected.reason}); the rest of the batch was written, the rejected record(s) are set aside in ${this.quarantine.file}`,
    );
  }

  /** Open the store if needed and replay the spool; false (and a retry scheduled) on failure. */
  private async recover(): Promise<boolean> {
    if (!this.probeDue) return false;
    try {
      if (this.store === undefined) {
        this.storeOpening ??= this.config.openStore();
        this.store = await this.storeOpening;
      }
      if (this.config.spool.hasPending) {
        const replayed = await this.config.spool.replay(this.store);
        this.rejected += replayed.quarantined;
        logger.info(`store reachable again; replayed ${replayed.batches} spooled batch(es)`);
      }
      this.retryDelay = this.options.retryMinMs;
      if (this.failureReported) logger.warn('the store is reachable again; spooled records were written');
      this.failureReported = false;
      return true;
    } catch (error) {
      this.failed(error);
      return false;
    } finally {
      this.storeOpening = undefined;
    }
  }

  private failed(error: unknown): void {
    if (!this.failureReported) {
      // The one warning about this failure: it says where the records are and, should the
      // process end before the store is back, what writes them (the exit hooks add no second one).
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      const file = this.config.spool.file;
      logger.warn(
        `could not write to the store (${reason}); records are kept in the spool ${file} and written when the store is back, or by \`${syncCommand(file)}\` if this process ends first`,
      );
      this.failureReported = true;
    }
    if (this.config.ownsStore !== false) {
      // Drop the connection: the next probe opens a fresh one (a closed or broken one stays broken).
      const store = this.store;
      this.store = undefined;
      void store?.close().catch(() => undefined);
    }
    this.probeDue = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.probeDue = true;
      this.startDrain();
    }, this.retryDelay);
    this.retryTimer.unref();
    this.retryDelay = Math.min(this.retryDelay * 2, this.options.retryMaxMs);
  }

  private spoolOrDrop(item: SealedBatch): void {
    const batch = this.outgoing(item);
    if (batch === undefined) return;
    try {
      this.config.spool.append(batch);
    } catch (error) {
      const records = recordCount(item);
      this.dropped += records;
      logger.warn(`could not spool ${records} record(s) to ${this.config.spool.file}; they are lost:`, error);
    }
  }
}

function recordCount(item: SealedBatch): number {
  const lineage = Object.values(item.batch.lineage).reduce((n, list) => n + (list?.length ?? 0), 0);
  return item.points + lineage + (item.batch.openLineage?.length ?? 0);
}
