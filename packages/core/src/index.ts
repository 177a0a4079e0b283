export * from './capture/environment.js';
export * from './capture/fingerprint.js';
export * from './capture/hardware.js';
export * from './capture/redact.js';
export { redactBatch } from './writer/redact-batch.js';
export * from './openlineage/config.js';
export * from './openlineage/event.js';
export {
  DIGEST_NAMESPACE,
  openLineageDatasetName,
  openLineageDatasetUri,
  toOpenLineageDataset,
  type RunArtifact,
} from './openlineage/facets.js';
export * from './openlineage/ingest.js';
export { OpenLineageTransport } from './openlineage/transport.js';
export type { BatchTarget } from './writer/apply-batch.js';
export * from './config/config.js';
export * from './filter/index.js';
export { isLogLevel, LOG_LEVELS, type LogLevel, logger } from './log.js';
export { hideOwnFrames, raiseStackLimit, restoreStackLimit } from './own-frames.js';
export * from './model/base-types.js';
export * from './model/enums.js';
export * from './model/schemas.js';
export * from './queries/deployed.js';
export * from './queries/models.js';
export { MODEL_VERSION_PROPERTIES } from './model/model-version-properties.js';
export { type LatencySummary, LatencyHistogram } from './serving/latency-histogram.js';
export { DEFAULT_FLUSH_INTERVAL_MS, flushServingRecords, ServingRecord } from './serving/serving-record.js';
export { type ServingSnapshot, ServingStats } from './serving/serving-stats.js';
export * from './store/errors.js';
export type { HttpStoreOptions } from './store/http/http-store.js';
export { openHttpStore } from './store/http/open-http-store.js';
export { backoffDelay, DEFAULT_RETRY, type RetryOptions } from './store/http/retry.js';
export * from './store/http/wire.js';
export { DEFAULT_STORE_URI, type OpenStoreOptions, openStore, redactUri } from './store/open.js';
export * from './store/store.js';
export type { ArtifactRecord, FileSnapshot, Run, RunEndState, StartRunOptions } from './tracker/api.js';
export { LOST_AFTER_HEARTBEATS, type RunStatus, runStatus } from './tracker/status.js';
export { RUN_PROPERTIES } from './tracker/run.js';
export { activeRun, startRun } from './tracker/tracker.js';
export { flattenParams } from './tracker/values.js';
export { type ReplayResult, replaySpool, replaySpoolFile, type SpoolProgress } from './writer/spool.js';
export * from './caching/cache-key.js';
export * from './files/digest.js';
export { sameFiles, snapshotFiles } from './files/snapshot.js';
export { modelNameOf } from './files/model-name.js';
export { FileDigester, fileDigester } from './files/digester.js';
export {
  type DeadRecorderOptions,
  type FileRecordJob,
  fileRecordsDir,
  waitForFileRecords,
} from './files/file-record-job.js';
export { flushDigestCache } from './files/digest-cache.js';
export * from './caching/cached.js';
export * from './queries/watch.js';
export * from './queries/exchange.js';
export { openWorkerStore } from './store/worker/worker-store.js';
export { storeWorkerScript } from './store/worker/worker-script.js';
export {
  encodeMetricColumns,
  type MetricColumns,
  metricPointsFromColumns,
  splitMetricColumns,
  toMetricColumns,
} from './store/http/metric-columns.js';
export { lazySchema, zod } from './zod.js';
