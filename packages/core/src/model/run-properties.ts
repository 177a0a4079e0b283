/** mlmeta's own property names on a run's execution, which readers (CLI, UI, caching) rely on. */
export const RUN_PROPERTIES = {
  runName: 'mlmeta.run_name',
  heartbeat: 'mlmeta.heartbeat',
  heartbeatInterval: 'mlmeta.heartbeat_interval_ms',
  startTime: 'mlmeta.start_time',
  endTime: 'mlmeta.end_time',
  error: 'mlmeta.error',
  exitCode: 'mlmeta.exit_code',
  signal: 'mlmeta.signal',
  dropped: 'mlmeta.dropped',
  unhandledRejection: 'mlmeta.unhandled_rejection',
  /** Step caching: the step's cache key, and on a CACHED run the run whose outputs it reused. */
  cacheKey: 'mlmeta.cacheKey',
  cachedFrom: 'mlmeta.cachedFrom',
} as const;

// mlmeta's own names are not secret names, even when they read like one (`mlmeta.cacheKey`):
// setProperties keeps them as named (their values are still redacted). Only these exact names
// are exempt, so a user's `mlmeta.apiKey` is still hidden.
export const OWN_PROPERTY_NAMES: ReadonlySet<string> = new Set(Object.values(RUN_PROPERTIES));
