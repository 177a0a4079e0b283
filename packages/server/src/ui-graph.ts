/**
 * Lineage graphs shaped for the web UI's drawing: nodes carry what their label needs (a
 * dataset's rows, a model's version, a run's name and state with LOST shown as LOST) and how
 * many neighbours each has in the whole store, so the UI can offer to expand the ones it does
 * not show yet. Used by the artifact page, the expand button and the pipeline page.
 */
import {
  type LineageGraph,
  type LineageQuery,
  type MetadataStore,
  MODEL_VERSION_PROPERTIES,
  runStatus,
} from '@mlmeta/core';
import { runDisplayName } from './ui-run-rows.js';

/** A graph larger than this is cut (and marked truncated) rather than drawn unreadably. */
export const MAX_GRAPH_NODES = 500;

export interface GraphView {
  artifacts: {
    id: number;
    type: string;
    name?: string;
    uri?: string;
    externalId?: string;
    state?: string;
    rows?: number;
    version?: string;
    /** Distinct executions this artifact has events with, in the whole store. */
    degree: number;
  }[];
  executions: { id: number; type: string; name: string; state: string; degree: number }[];
  events: { artifactId: number; executionId: number; type: string; role: string }[];
  truncated: boolean;
}

/** An event path as the role people read: `train`, `validation`, `inputs.0`. */
export function eventRole(path: readonly ({ key: string } | { index: number })[] | undefined): string {
  return path?.map((step) => ('key' in step ? step.key : String(step.index))).join('.') ?? '';
}

/**
 * A model's version in its named series: the number the store gave it (`model.version`), else a
 * `version` property the writer set.
 */
export function versionProperty(node: {
  properties?: Record<string, unknown>;
  customProperties?: Record<string, unknown>;
}): string | undefined {
  const v =
    node.customProperties?.[MODEL_VERSION_PROPERTIES.artifactVersion] ??
    node.properties?.version ??
    node.customProperties?.version;
  return typeof v === 'number' || typeof v === 'string' ? String(v) : undefined;
}

/** How many distinct neighbours each node has (events read in two batched calls). */
async function degrees(
  store: MetadataStore,
  artifactIds: number[],
  executionIds: number[],
): Promise<{ artifacts: Map<number, number>; executions: Map<number, number> }> {
  const [fromArtifacts, fromExecutions] = await Promise.all([
    artifactIds.length === 0 ? [] : store.getEvents({ artifactIds }),
    executionIds.length === 0 ? [] : store.getEvents({ executionIds }),
  ]);
  const count = (pairs: [number, number][]) => {
    const sets = new Map<number, Set<number>>();
    for (const [node, neighbour] of pairs) {
      const set = sets.get(node) ?? new Set<number>();
      set.add(neighbour);
      sets.set(node, set);
    }
    return new Map([...sets].map(([node, set]) => [node, set.size]));
  };
  return {
    artifacts: count(fromArtifacts.map((e) => [e.artifactId, e.executionId])),
    executions: count(fromExecutions.map((e) => [e.executionId, e.artifactId])),
  };
}

/**
 * The UI's view of a store lineage graph.
 *
 * @example
 * const view = await graphView(store, await store.getLineage({ start: { artifacts: { ids: [3] } } }));
 */
export async function graphView(
  store: MetadataStore,
  graph: LineageGraph,
  now = Date.now(),
): Promise<GraphView> {
  const degree = await degrees(
    store,
    graph.artifacts.map((a) => a.id),
    graph.executions.map((e) => e.id),
  );
  return {
    artifacts: graph.artifacts.map((a) => {
      const version = versionProperty(a);
      const rows = a.customProperties.rows;
      return {
        id: a.id,
        type: a.type,
        ...(a.name !== undefined ? { name: a.name } : {}),
        ...(a.uri !== undefined ? { uri: a.uri } : {}),
        ...(a.externalId !== undefined ? { externalId: a.externalId } : {}),
        ...(a.state !== undefined ? { state: a.state } : {}),
        ...(typeof rows === 'number' ? { rows } : {}),
        ...(version !== undefined ? { version } : {}),
        degree: degree.artifacts.get(a.id) ?? 0,
      };
    }),
    executions: graph.executions.map((e) => ({
      id: e.id,
      type: e.type,
      name: runDisplayName(e),
      // LOST (RUNNING with a stale heartbeat) as the runs table shows it.
      state: runStatus(e, now),
      degree: degree.executions.get(e.id) ?? 0,
    })),
    events: graph.events.map(({ artifactId, executionId, type, path }) => ({
      artifactId,
      executionId,
      type,
      role: eventRole(path),
    })),
    truncated: graph.truncated,
  };
}

/**
 * The lineage around `start` as the UI draws it. Depth counts event hops (artifact → execution
 * is one), as `mlmeta lineage --depth` does.
 *
 * @example
 * const view = await lineageView(store, { artifacts: { ids: [3] } }, 1, 'both');
 */
export async function lineageView(
  store: MetadataStore,
  start: LineageQuery['start'],
  depth: number,
  direction: NonNullable<LineageQuery['direction']>,
): Promise<GraphView> {
  const graph = await store.getLineage({ start, maxHops: depth, direction, maxNodes: MAX_GRAPH_NODES });
  return graphView(store, graph);
}
