/**
 * A run as the CLI shows it: the parts of an Execution a reader asks about (state with LOST,
 * timing, params, final metrics, experiment), read in batches for many runs at once.
 */
import {
  type Execution,
  type MetadataStore,
  MLMETA_TYPES,
  type PropertyValue,
  RUN_PROPERTIES,
  type RunStatus,
  runStatus,
} from '@mlmeta/core/read';
import { runName } from './resolve.js';

export interface RunSummary {
  id: number;
  externalId?: string;
  name: string;
  type: string;
  experiment?: string;
  state: RunStatus;
  startTime?: number;
  endTime?: number;
  durationMs?: number;
  params: Record<string, PropertyValue>;
  tags: Record<string, PropertyValue>;
  /** The last value of each metric series. */
  metrics: Record<string, number>;
}

const num = (v: PropertyValue | undefined) => (typeof v === 'number' ? v : undefined);

/** The properties named `prefix…`, without the prefix, by name (one order in every command). */
function prefixed(properties: Record<string, PropertyValue>, prefix: string): Record<string, PropertyValue> {
  const out: Record<string, PropertyValue> = {};
  for (const key of Object.keys(properties).sort()) {
    if (key.startsWith(prefix)) out[key.slice(prefix.length)] = properties[key]!;
  }
  return out;
}

/** Summaries for `executions`, with experiments and final metrics read in a few batched calls. */
export async function summarizeRuns(
  store: MetadataStore,
  executions: Execution[],
  now = Date.now(),
): Promise<RunSummary[]> {
  if (executions.length === 0) return [];
  const associations = await store.getAssociations({ executionIds: executions.map((e) => e.id) });
  const contextIds = [...new Set(associations.map((a) => a.contextId))];
  const contexts =
    contextIds.length === 0
      ? []
      : (
          await store.getContexts({
            ids: contextIds,
            type: MLMETA_TYPES.experiment,
            limit: contextIds.length,
          })
        ).items;
  const experimentName = new Map(contexts.map((c) => [c.id, c.name]));
  const experimentOf = new Map<number, string>();
  for (const a of associations) {
    const name = experimentName.get(a.contextId);
    if (name !== undefined) experimentOf.set(a.executionId, name);
  }
  const metricKeys = await Promise.all(executions.map((e) => store.getMetricKeys({ id: e.id })));
  return executions.map((e, i) => {
    const custom = e.customProperties;
    const startTime = num(custom[RUN_PROPERTIES.startTime]) ?? e.createTimeSinceEpoch;
    const endTime = num(custom[RUN_PROPERTIES.endTime]);
    const state = runStatus(e, now);
    const metrics: Record<string, number> = {};
    const final = custom.finalMetrics;
    if (final && typeof final === 'object' && !Array.isArray(final)) {
      for (const [k, v] of Object.entries(final)) if (typeof v === 'number') metrics[k] = v;
    }
    for (const key of metricKeys[i]!) metrics[key.key] = key.lastValue;
    const durationEnd = endTime ?? (state === 'RUNNING' ? now : num(custom[RUN_PROPERTIES.heartbeat]));
    return {
      id: e.id,
      ...(e.externalId ? { externalId: e.externalId } : {}),
      name: runName(e),
      type: e.type,
      ...(experimentOf.has(e.id) ? { experiment: experimentOf.get(e.id)! } : {}),
      state,
      startTime,
      ...(endTime !== undefined ? { endTime } : {}),
      ...(durationEnd !== undefined ? { durationMs: Math.max(0, durationEnd - startTime) } : {}),
      params: prefixed({ ...e.properties, ...custom }, 'param.'),
      tags: prefixed(custom, 'tag.'),
      metrics,
    };
  });
}
