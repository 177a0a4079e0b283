/**
 * Custom properties under this prefix hold metric values (a run's final and best values, an
 * evaluation's results): always stored as DOUBLE, whole or not, so a name keeps one kind.
 */
export const METRIC_PROPERTY_PREFIX = 'metric.';
