/** `mlmeta lineage <artifact | run | file>`: where it came from and what was made from it. */
import {
  type Artifact,
  type Execution,
  type MetadataStore,
  OUTPUT_EVENT_TYPES,
  runStatus,
} from '@mlmeta/core/read';
import { type Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { type Labeler, lineageTree, renderTree, type TreeNode } from '../lineage-tree.js';
import { positiveInt } from '../options.js';
import { formatTime, paint, paintState, shortDigest } from '../output/format.js';
import { cut } from '../output/table.js';
import { runName } from '../resolve.js';
import { resolveTarget } from '../target.js';
import type { Action } from './action.js';

interface LineageFlags {
  upstream?: boolean;
  downstream?: boolean;
  depth: number;
}

export function labeler(ctx: CliContext): Labeler {
  return {
    artifact: (a: Artifact) =>
      [
        paint(ctx.color, 'bold', `${a.type} #${a.id}`),
        a.name,
        shortDigest(a.externalId),
        a.uri,
        a.state === 'LIVE' ? undefined : paintState(ctx.color, a.state),
      ]
        .filter(Boolean)
        .join('  '),
    execution: (e: Execution) =>
      [
        paint(ctx.color, 'bold', `${e.type} #${e.id}`),
        runName(e),
        paintState(ctx.color, runStatus(e)),
        formatTime(e.createTimeSinceEpoch),
      ].join('  '),
  };
}

/**
 * For a file whose bytes are not the recorded ones (resolveTarget fell back to the newest content
 * recorded at its path): that content's digest and the runs that recorded it, the runs that
 * wrote it first (as trace names them), newest first.
 */
async function changedFile(
  store: MetadataStore,
  target: Awaited<ReturnType<typeof resolveTarget>>,
): Promise<
  { recordedDigest?: string; recordedBy: Array<{ id: number; name: string; type: string }> } | undefined
> {
  if (target.kind !== 'artifact' || !target.file) return undefined;
  if (target.file.digests.includes(target.node.externalId ?? '')) return undefined;
  const wrote = (type: string) => (OUTPUT_EVENT_TYPES as readonly string[]).includes(type);
  const events = (await store.getEvents({ artifactIds: [target.node.id] })).sort(
    (a, b) =>
      Number(wrote(b.type)) - Number(wrote(a.type)) || b.millisecondsSinceEpoch - a.millisecondsSinceEpoch,
  );
  const ids = [...new Set(events.map((e) => e.executionId))];
  const runs = ids.length === 0 ? [] : (await store.getExecutions({ ids, limit: ids.length })).items;
  const byId = new Map(runs.map((e) => [e.id, e]));
  return {
    ...(target.node.externalId ? { recordedDigest: target.node.externalId } : {}),
    recordedBy: ids.flatMap((id) => {
      const e = byId.get(id);
      return e ? [{ id: e.id, name: runName(e), type: e.type }] : [];
    }),
  };
}

export async function lineage(ctx: CliContext, ref: string, flags: LineageFlags): Promise<void> {
  const store = await ctx.store({ readOnly: true });
  const target = await resolveTarget(store, ref);
  const changed = await changedFile(store, target);
  const direction =
    flags.upstream && !flags.downstream
      ? 'upstream'
      : flags.downstream && !flags.upstream
        ? 'downstream'
        : 'both';
  const start = { kind: target.kind, id: target.node.id } as const;
  const graph = await store.getLineage({
    start:
      target.kind === 'artifact'
        ? { artifacts: { ids: [target.node.id] } }
        : { executions: { ids: [target.node.id] } },
    direction,
    maxHops: flags.depth,
  });
  const trees: { upstream?: TreeNode[]; downstream?: TreeNode[] } = {};
  if (direction !== 'downstream') trees.upstream = lineageTree(graph, start, 'upstream', flags.depth);
  if (direction !== 'upstream') trees.downstream = lineageTree(graph, start, 'downstream', flags.depth);
  if (ctx.json) {
    return ctx.printJson({
      start,
      ...(target.kind === 'artifact' && target.file ? { file: target.file } : {}),
      ...(changed ? { changed } : {}),
      direction,
      depth: flags.depth,
      tree: trees,
      artifacts: graph.artifacts,
      // `status` is what the run is now: LOST when RUNNING but its heartbeat stopped.
      executions: graph.executions.map((e) => ({ ...e, status: runStatus(e) })),
      events: graph.events,
      truncated: graph.truncated,
    });
  }
  if (changed && target.kind === 'artifact') {
    const who = changed.recordedBy[0];
    ctx.warn(
      `${ref} changed since it was recorded: its bytes are ${shortDigest(target.file?.digest)}, but ${
        who ? `run ${who.name} #${who.id}` : 'the store'
      } recorded ${shortDigest(changed.recordedDigest)} at ${target.node.uri}; the lineage below is of that older content`,
    );
  }
  const label = labeler(ctx);
  const fit = (line: string) => (ctx.width ? cut(line, ctx.width) : line);
  ctx.print(fit(target.kind === 'artifact' ? label.artifact(target.node) : label.execution(target.node)));
  for (const side of ['upstream', 'downstream'] as const) {
    const roots = trees[side];
    if (!roots) continue;
    ctx.print(
      paint(
        ctx.color,
        'dim',
        side === 'upstream' ? 'upstream (where it came from):' : 'downstream (what was made from it):',
      ),
    );
    const lines = renderTree(graph, roots, label, side);
    ctx.print(lines.length > 0 ? lines.map(fit).join('\n') : '   (nothing recorded)');
  }
  if (graph.truncated) ctx.warn('the graph was cut at 10,000 nodes; use --depth to look closer');
}

export function registerLineage(program: Command, action: Action): void {
  program
    .command('lineage')
    .description('the lineage of an artifact, a run or a file (hashed like the integrations do) as a tree')
    .argument(
      '<target>',
      'artifact or run (artifact:N, run:N, external id, name, uri, prefix), or a model/data file or tfjs model folder; a number that is both a run id and an artifact id must be written run:N or artifact:N',
    )
    .addOption(new Option('--upstream', 'only where it came from').conflicts('downstream'))
    .addOption(new Option('--downstream', 'only what was made from it'))
    .option('--depth <n>', 'event hops to follow (artifact → run is one)', positiveInt(100), 20)
    .action(action((ctx, ref: string, flags: LineageFlags) => lineage(ctx, ref, flags)));
}
