/**
 * Rows for the web UI's runs table: one page of executions with their experiment, host, state
 * (LOST included), timing, key params and final metrics, read with a fixed number of batched
 * store calls per page so the browser makes one request instead of N+1.
 */
import {
  type Execution,
  type MetadataStore,
  MLMETA_TYPES,
  type PropertyValue,
  RUN_PROPERTIES,
  type RunStatus,
  runStatus,
} from '@mlmeta/core';

export interface RunRow {
  id: number;
  externalId?: string;
  name: string;
  type: string;
  experiment?: string;
  host?: string;
  state: RunStatus;
  startTime: number;
  endTime?: number;
  durationMs?: number;
  /** `param.*` properties (prefix removed), plus the optimizer and loss when recorded. */
  params: Record<string, PropertyValue>;
  /** The final value of each epoch-level metric (batch and system series left out). */
  metrics: Record<string, number>;
}

const num = (v: PropertyValue | undefined) => (typeof v === 'number' ? v : undefined);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The run's display name: the name the tracker recorded, else the execution name, else `#id`. */
export function runDisplayName(execution: Execution): string {
  const recorded = execution.customProperties[RUN_PROPERTIES.runName];
  if (typeof recorded === 'string' && recorded !== '') return recorded;
  return execution.name ?? `#${execution.id}`;
}

/** A run's params: `param.*` properties (prefix removed), plus the optimizer, learning rate and loss. */
export function paramsOf(execution: Execution): Record<string, PropertyValue> {
  const params: Record<string, PropertyValue> = {};
  for (const source of [execution.properties, execution.customProperties]) {
    for (const [key, value] of Object.entries(source)) {
      if (key.startsWith('param.')) params[key.slice(6)] = value;
    }
  }
  const custom = execution.customProperties;
  if (typeof custom.optimizer === 'string') params.optimizer = custom.optimizer;
  const learningRate = isRecord(custom.optimizerConfig) ? custom.optimizerConfig.learningRate : undefined;
  if (typeof learningRate === 'number') params.learningRate = learningRate;
  if (typeof custom.loss === 'string') params.loss = custom.loss;
  return params;
}

function recordedFinalMetrics(execution: Execution): Record<string, number> | undefined {
  const final = execution.customProperties.finalMetrics;
  if (!isRecord(final)) return undefined;
  const metrics: Record<string, number> = {};
  for (const [key, value] of Object.entries(final)) if (typeof value === 'number') metrics[key] = value;
  return metrics;
}

/**
 * Experiment and host of each execution, from its mlmeta.Experiment and mlmeta.Process
 * contexts (two store calls for the whole page).
 */
export async function contextsOf(
  store: MetadataStore,
  executionIds: number[],
): Promise<Map<number, { experiment?: string; host?: string; processId?: number }>> {
  const out = new Map<number, { experiment?: string; host?: string; processId?: number }>();
  if (executionIds.length === 0) return out;
  const associations = await store.getAssociations({ executionIds });
  const contextIds = [...new Set(associations.map((a) => a.contextId))];
  if (contextIds.length === 0) return out;
  const contexts = await store.getContexts({ ids: contextIds, limit: contextIds.length });
  const byId = new Map(contexts.items.map((c) => [c.id, c]));
  for (const association of associations) {
    const context = byId.get(association.contextId);
    if (!context) continue;
    const entry = out.get(association.executionId) ?? {};
    if (context.type === MLMETA_TYPES.experiment) entry.experiment = context.name;
    if (context.type === MLMETA_TYPES.process) {
      const host = context.customProperties.host;
      if (typeof host === 'string') entry.host = host;
      entry.processId = context.id;
    }
    out.set(association.executionId, entry);
  }
  return out;
}

/**
 * Table rows for `executions`. Final metrics come from the run's recorded `finalMetrics` when
 * the tfjs callback wrote them, else from the last point of each metric series.
 *
 * @example
 * const page = await store.getExecutions({ limit: 50 });
 * const rows = await runRows(store, page.items);
 */
export async function runRows(
  store: MetadataStore,
  executions: Execution[],
  now = Date.now(),
): Promise<RunRow[]> {
  const contexts = await contextsOf(
    store,
    executions.map((e) => e.id),
  );
  const seriesMetrics = await Promise.all(
    executions.map(async (e) =>
      recordedFinalMetrics(e) === undefined ? store.getMetricKeys({ id: e.id }) : [],
    ),
  );
  return executions.map((e, i) => {
    const custom = e.customProperties;
    const startTime = num(custom[RUN_PROPERTIES.startTime]) ?? e.createTimeSinceEpoch;
    const endTime = num(custom[RUN_PROPERTIES.endTime]);
    const state = runStatus(e, now);
    const lastSeen = endTime ?? (state === 'RUNNING' ? now : num(custom[RUN_PROPERTIES.heartbeat]));
    const metrics = recordedFinalMetrics(e) ?? {};
    for (const series of seriesMetrics[i]!) {
      // Batch and system series are charts, not a run's result.
      if (!/^(batch|system)\//.test(series.key)) metrics[series.key] = series.lastValue;
    }
    const where = contexts.get(e.id) ?? {};
    return {
      id: e.id,
      ...(e.externalId ? { externalId: e.externalId } : {}),
      name: runDisplayName(e),
      type: e.type,
      ...(where.experiment !== undefined ? { experiment: where.experiment } : {}),
      ...(where.host !== undefined ? { host: where.host } : {}),
      state,
      startTime,
      ...(endTime !== undefined ? { endTime } : {}),
      ...(lastSeen !== undefined ? { durationMs: Math.max(0, lastSeen - startTime) } : {}),
      params: paramsOf(e),
      metrics,
    };
  });
}

/**
 * Which params deserve a column: those that differ between the rows first (that is what a
 * reader compares), then the most common; at most `max`.
 */
export function keyParams(rows: RunRow[], max = 5): string[] {
  const seen = new Map<string, { count: number; values: Set<string> }>();
  for (const row of rows) {
    for (const [key, value] of Object.entries(row.params)) {
      if (value === null || typeof value === 'object') continue;
      const entry = seen.get(key) ?? { count: 0, values: new Set<string>() };
      entry.count++;
      entry.values.add(String(value));
      seen.set(key, entry);
    }
  }
  return [...seen.entries()]
    .filter(([, s]) => !(s.values.size === 1 && [...s.values][0] === 'null'))
    .sort(
      ([ka, a], [kb, b]) =>
        Number(b.values.size > 1) - Number(a.values.size > 1) || b.count - a.count || ka.localeCompare(kb),
    )
    .slice(0, max)
    .map(([key]) => key);
}

/** Metric columns: every final metric on the page, epoch metrics in name order, at most `max`. */
export function keyMetrics(rows: RunRow[], max = 6): string[] {
  const keys = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row.metrics)) keys.add(key);
  return [...keys].sort().slice(0, max);
}
