/**
 * Pipeline runs for the web UI: the runs of MLMETA_PIPELINE pipelines (mlmeta.PipelineRun
 * contexts), newest first, and one pipeline run as one graph: every step (the executions
 * associated with the run or with its steps' process contexts) with the artifacts they read and
 * wrote, so that prepare → features → train → model reads as one picture.
 */
import { type Context, type Execution, type MetadataStore, MLMETA_TYPES } from '@mlmeta/core';
import { type GraphView, lineageView } from './ui-graph.js';
import { type RunRow, runRows } from './ui-run-rows.js';

/** A pipeline run has at most this many steps drawn (more would not read as one picture). */
const MAX_STEPS = 200;

export interface PipelineRunSummary {
  id: number;
  name: string;
  pipeline: string;
  startTime: number;
  steps: number;
}

export interface PipelineRunView {
  pipelineRun: PipelineRunSummary;
  steps: RunRow[];
  graph: GraphView;
}

/** Every execution of a pipeline run: associated with it directly, or through a step's process. */
async function stepsOf(store: MetadataStore, pipelineRun: Context): Promise<Execution[]> {
  const children = await store.getParentContexts({ parentIds: [pipelineRun.id] });
  const contextIds = [pipelineRun.id, ...children.map((c) => c.childId)];
  const associations = await store.getAssociations({ contextIds });
  const ids = [...new Set(associations.map((a) => a.executionId))].slice(0, MAX_STEPS);
  if (ids.length === 0) return [];
  const { items } = await store.getExecutions({ ids, limit: ids.length });
  return items.sort((a, b) => a.createTimeSinceEpoch - b.createTimeSinceEpoch || a.id - b.id);
}

function summaryOf(context: Context, steps: number): PipelineRunSummary {
  const pipeline = context.customProperties.pipeline;
  return {
    id: context.id,
    name: context.name ?? `#${context.id}`,
    pipeline: typeof pipeline === 'string' ? pipeline : (context.name?.split('/')[0] ?? ''),
    startTime: context.createTimeSinceEpoch,
    steps,
  };
}

/**
 * The newest pipeline runs with their step counts.
 *
 * @example
 * const { items } = await pipelineRuns(store, 50);
 */
export async function pipelineRuns(
  store: MetadataStore,
  limit: number,
): Promise<{ items: PipelineRunSummary[] }> {
  const { items } = await store.getContexts({
    type: MLMETA_TYPES.pipelineRun,
    orderBy: 'createTime',
    descending: true,
    limit,
  });
  if (items.length === 0) return { items: [] };
  const ids = items.map((c) => c.id);
  const [direct, children] = await Promise.all([
    store.getAssociations({ contextIds: ids }),
    store.getParentContexts({ parentIds: ids }),
  ]);
  const parentOf = new Map(children.map((c) => [c.childId, c.parentId]));
  const viaChildren =
    children.length === 0 ? [] : await store.getAssociations({ contextIds: children.map((c) => c.childId) });
  const steps = new Map<number, Set<number>>();
  for (const a of [...direct, ...viaChildren]) {
    const run = parentOf.get(a.contextId) ?? a.contextId;
    const set = steps.get(run) ?? new Set<number>();
    set.add(a.executionId);
    steps.set(run, set);
  }
  return { items: items.map((c) => summaryOf(c, steps.get(c.id)?.size ?? 0)) };
}

/**
 * One pipeline run: its steps as runs-table rows and its graph (the steps and what each read
 * and wrote), or undefined when `id` is not a pipeline run.
 *
 * @example
 * const view = await pipelineRunView(store, 7);
 */
export async function pipelineRunView(
  store: MetadataStore,
  id: number,
): Promise<PipelineRunView | undefined> {
  const context = await store.getContext({ id });
  if (!context || context.type !== MLMETA_TYPES.pipelineRun) return undefined;
  const steps = await stepsOf(store, context);
  const graph =
    steps.length === 0
      ? { artifacts: [], executions: [], events: [], truncated: false }
      : await lineageView(store, { executions: { ids: steps.map((s) => s.id) } }, 1, 'both');
  return { pipelineRun: summaryOf(context, steps.length), steps: await runRows(store, steps), graph };
}

/**
 * The pipeline run each execution is a step of (by id), from its associations.
 *
 * @example
 * const byRun = await pipelineRunsOf(store, [run.id]);
 */
export async function pipelineRunsOf(
  store: MetadataStore,
  executionIds: number[],
): Promise<Map<number, { id: number; name: string }>> {
  const out = new Map<number, { id: number; name: string }>();
  if (executionIds.length === 0) return out;
  const associations = await store.getAssociations({ executionIds });
  const contextIds = [...new Set(associations.map((a) => a.contextId))];
  if (contextIds.length === 0) return out;
  const { items } = await store.getContexts({ ids: contextIds, limit: contextIds.length });
  const runs = new Map(items.filter((c) => c.type === MLMETA_TYPES.pipelineRun).map((c) => [c.id, c]));
  for (const a of associations) {
    const run = runs.get(a.contextId);
    if (run) out.set(a.executionId, { id: run.id, name: run.name ?? `#${run.id}` });
  }
  return out;
}
