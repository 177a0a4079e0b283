/**
 * Everything about one run that `show`, `diff` and `trace` print: its summary, metric ranges,
 * input datasets and outputs, environment, hardware and failure.
 */
import {
  type Artifact,
  type Execution,
  INPUT_EVENT_TYPES,
  type MetadataStore,
  OUTPUT_EVENT_TYPES,
  type PropertyValue,
  RUN_PROPERTIES,
} from '@mlmeta/core/read';
import { type NonFiniteFeature, nonFiniteFeatures } from './failure.js';
import { runName } from './resolve.js';
import { type RunSummary, summarizeRuns } from './run-summary.js';

export interface MetricRange {
  key: string;
  last: number;
  min: number;
  max: number;
  count: number;
}

export interface LinkedArtifact {
  role: string;
  id: number;
  type: string;
  digest?: string;
  uri?: string;
  name?: string;
  state: string;
  /** Shape, rows, statistics, format, ... as recorded. */
  properties: Record<string, PropertyValue>;
}

/** An mlmeta.Evaluate run that read one of this run's models, with its final metric values. */
export interface EvaluationOfRun {
  id: number;
  name: string;
  state: string;
  /** The model it evaluated: the id of one of this run's outputs. */
  modelId: number;
  metrics: Record<string, number>;
}

export interface RunDetails extends RunSummary {
  metricRanges: MetricRange[];
  inputs: LinkedArtifact[];
  outputs: LinkedArtifact[];
  /** Evaluations of the models this run produced, oldest first. */
  evaluations: EvaluationOfRun[];
  environment?: PropertyValue;
  hardware?: PropertyValue;
  failure?: {
    name?: string;
    message?: string;
    stack?: string;
    exitCode?: number;
    signal?: string;
    /** Input features whose statistics hold NaN or ±Infinity (why a loss became NaN). */
    nonFiniteInputs?: NonFiniteFeature[];
  };
  properties: Record<string, PropertyValue>;
  /** On a CACHED step: the run whose recorded outputs this one reused. */
  cachedFrom?: { externalId: string; id?: number; name?: string };
}

const isIn = (list: readonly string[], value: string) => list.includes(value);

function linked(artifact: Artifact, role: string): LinkedArtifact {
  return {
    role,
    id: artifact.id,
    type: artifact.type,
    ...(artifact.externalId ? { digest: artifact.externalId } : {}),
    ...(artifact.uri ? { uri: artifact.uri } : {}),
    ...(artifact.name ? { name: artifact.name } : {}),
    state: artifact.state,
    properties: { ...artifact.properties, ...artifact.customProperties },
  };
}

async function metricRanges(store: MetadataStore, execution: Execution): Promise<MetricRange[]> {
  const keys = await store.getMetricKeys({ id: execution.id });
  return Promise.all(
    keys.map(async (k) => {
      // Downsampled points keep each bucket's extremes, so min and max stay exact.
      const series = await store.getMetrics({ execution: { id: execution.id }, key: k.key, maxPoints: 500 });
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const p of series.points) {
        min = Math.min(min, p.min ?? p.value);
        max = Math.max(max, p.max ?? p.value);
      }
      return { key: k.key, last: k.lastValue, min, max, count: k.count };
    }),
  );
}

function failureOf(custom: Record<string, PropertyValue>): RunDetails['failure'] {
  const error = custom[RUN_PROPERTIES.error];
  const exitCode = custom[RUN_PROPERTIES.exitCode];
  const signal = custom[RUN_PROPERTIES.signal];
  if (error === undefined && signal === undefined && (exitCode === undefined || exitCode === 0))
    return undefined;
  const described = error && typeof error === 'object' && !Array.isArray(error) ? error : { message: error };
  return {
    ...(typeof described.name === 'string' ? { name: described.name } : {}),
    ...(typeof described.message === 'string' ? { message: described.message } : {}),
    ...(typeof described.stack === 'string' ? { stack: described.stack } : {}),
    ...(typeof exitCode === 'number' ? { exitCode } : {}),
    ...(typeof signal === 'string' ? { signal } : {}),
  };
}

const EVALUATE = 'mlmeta.Evaluate';

/** The Evaluate runs that read any of `models` (this run's outputs). */
async function evaluationsOf(store: MetadataStore, models: LinkedArtifact[]): Promise<EvaluationOfRun[]> {
  const modelIds = models.filter((m) => m.type === 'mlmeta.Model').map((m) => m.id);
  if (modelIds.length === 0) return [];
  const reads = (await store.getEvents({ artifactIds: modelIds })).filter((e) =>
    isIn(INPUT_EVENT_TYPES, e.type),
  );
  const ids = [...new Set(reads.map((e) => e.executionId))];
  if (ids.length === 0) return [];
  const executions = (await store.getExecutions({ ids, limit: ids.length })).items.filter(
    (e) => e.type === EVALUATE,
  );
  return executions
    .sort((a, b) => a.id - b.id)
    .map((e) => {
      const metrics: Record<string, number> = {};
      for (const [key, value] of Object.entries(e.customProperties)) {
        if (key.startsWith('metric.') && !key.endsWith('.best') && typeof value === 'number')
          metrics[key.slice('metric.'.length)] = value;
      }
      return {
        id: e.id,
        name: runName(e),
        state: e.lastKnownState,
        modelId: reads.find((r) => r.executionId === e.id)!.artifactId,
        metrics,
      };
    });
}

const SHOWN_ELSEWHERE = /^(param\.|tag\.|mlmeta\.)|^(environment|hardware|finalMetrics)$/;

/** The whole picture of one run. */
export async function runDetails(store: MetadataStore, execution: Execution): Promise<RunDetails> {
  const [[summary], ranges, events] = await Promise.all([
    summarizeRuns(store, [execution]),
    metricRanges(store, execution),
    store.getEvents({ executionIds: [execution.id] }),
  ]);
  const ids = [...new Set(events.map((e) => e.artifactId))];
  const artifacts = new Map(
    ids.length === 0
      ? []
      : (await store.getArtifacts({ ids, limit: ids.length })).items.map((a) => [a.id, a] as const),
  );
  const inputs: LinkedArtifact[] = [];
  const outputs: LinkedArtifact[] = [];
  for (const event of events) {
    const artifact = artifacts.get(event.artifactId);
    if (!artifact) continue;
    const role = event.path.map((s) => ('key' in s ? s.key : String(s.index))).join('.') || '-';
    if (isIn(INPUT_EVENT_TYPES, event.type)) inputs.push(linked(artifact, role));
    else if (isIn(OUTPUT_EVENT_TYPES, event.type)) outputs.push(linked(artifact, role));
  }
  const custom = execution.customProperties;
  const properties: Record<string, PropertyValue> = {};
  for (const [k, v] of Object.entries({ ...execution.properties, ...custom })) {
    if (!SHOWN_ELSEWHERE.test(k)) properties[k] = v;
  }
  const failure = failureOf(custom);
  const reused = custom[RUN_PROPERTIES.cachedFrom];
  let cachedFrom: RunDetails['cachedFrom'];
  if (typeof reused === 'string') {
    const source = await store.getExecution({ externalId: reused });
    cachedFrom = { externalId: reused, ...(source ? { id: source.id, name: runName(source) } : {}) };
  }
  const lossWentNonFinite =
    custom.nonFiniteLoss !== undefined || /\b(NaN|-?Infinity)\b/.test(failure?.message ?? '');
  const nonFinite = failure && lossWentNonFinite ? nonFiniteFeatures(inputs) : [];
  const evaluations = await evaluationsOf(store, outputs);
  if (failure && nonFinite.length > 0) failure.nonFiniteInputs = nonFinite;
  return {
    ...summary!,
    metricRanges: ranges,
    inputs,
    outputs,
    evaluations,
    ...(custom.environment !== undefined ? { environment: custom.environment } : {}),
    ...(custom.hardware !== undefined ? { hardware: custom.hardware } : {}),
    ...(failure ? { failure } : {}),
    ...(cachedFrom ? { cachedFrom } : {}),
    properties,
  };
}
