/**
 * `@mlmeta/core/read`: opening stores and asking them questions, for programs that only read
 * (the `mlmeta` CLI's listings, dashboards, scripts). It leaves out the tracker, capture,
 * exchange and OpenLineage, and with them zod and the data model's schemas, which
 * `@mlmeta/core` builds when it is imported: a short-lived reader starts in a fraction of the
 * time. The store still validates its input with those schemas, loaded at its first validation.
 * Everything here is the same code (and the same classes) as in `@mlmeta/core`.
 *
 * @example
 * import { openStore, runStatus } from '@mlmeta/core/read';
 * const store = await openStore('sqlite:.mlmeta/mlmeta.db', { readOnly: true });
 * const { items } = await store.getExecutions({ orderBy: 'createTime', descending: true, limit: 5 });
 * for (const run of items) console.log(run.id, run.name, runStatus(run));
 * await store.close();
 */
export {
  type DeadRecorderOptions,
  type FileRecordJob,
  fileRecordsDir,
  waitForFileRecords,
} from './files/file-record-job.js';
export * from './filter/index.js';
export * from './model/base-types.js';
export * from './model/enums.js';
export { MAX_ID, MAX_NAME_LENGTH } from './model/limits.js';
export { MODEL_VERSION_PROPERTIES } from './model/model-version-properties.js';
export { RUN_PROPERTIES } from './model/run-properties.js';
export type * from './model/schemas.js';
export * from './queries/deployed.js';
export * from './queries/models.js';
export * from './store/errors.js';
export { DEFAULT_STORE_URI, type OpenStoreOptions, openStore, redactUri } from './store/open.js';
export * from './store/store.js';
export { LOST_AFTER_HEARTBEATS, type RunStatus, runStatus } from './tracker/status.js';
