/**
 * `mlmeta runs`: the recent runs, newest first, with state and timing, and the params and final
 * metrics that differ between the runs listed (`--json` has them all).
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { filterFor, positiveInt, runState } from '../options.js';
import { formatDuration, formatTime, paintState } from '../output/format.js';
import { renderTable } from '../output/table.js';
import { literal } from '../resolve.js';
import { summarizeRuns } from '../run-summary.js';
import { pairsOf, varyingKeys } from '../varying.js';
import type { Action } from './action.js';

interface RunsFlags {
  experiment?: string;
  pipeline?: string;
  state?: string;
  filter?: string;
  type?: string;
  limit: number;
}

export async function runs(ctx: CliContext, flags: RunsFlags): Promise<void> {
  const store = await ctx.store({ readOnly: true });
  const conditions: string[] = [];
  if (flags.filter) conditions.push(`(${flags.filter})`);
  if (flags.experiment) {
    conditions.push(
      `contexts_e.type = 'mlmeta.Experiment' AND contexts_e.name = ${literal(flags.experiment)}`,
    );
  }
  if (flags.pipeline) {
    // `iris` is every run of the pipeline, `iris/<run>` one of them (MLMETA_PIPELINE_RUN).
    const name = flags.pipeline.includes('/')
      ? `contexts_p.name = ${literal(flags.pipeline)}`
      : `contexts_p.name LIKE ${literal(`${flags.pipeline.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`)}`;
    conditions.push(`contexts_p.type = 'mlmeta.PipelineRun' AND ${name}`);
  }
  // LOST is RUNNING with a stopped heartbeat: ask the store for RUNNING, then tell them apart here.
  if (flags.state) conditions.push(`state = ${flags.state === 'LOST' ? 'RUNNING' : flags.state}`);
  const found = [];
  let pageToken: string | undefined;
  do {
    const page = await store.getExecutions({
      ...(flags.type ? { type: flags.type } : {}),
      ...(conditions.length > 0 ? { filter: conditions.join(' AND ') } : {}),
      orderBy: 'createTime',
      descending: true,
      limit: Math.min(1000, flags.limit),
      pageToken,
    });
    const summaries = await summarizeRuns(store, page.items);
    found.push(...summaries.filter((s) => !flags.state || s.state === flags.state));
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined && found.length < flags.limit);
  const shown = found.slice(0, flags.limit);

  if (ctx.json) return ctx.printJson({ runs: shown });
  if (shown.length === 0) return ctx.print(`no runs in ${store.uri}${conditions.length > 0 ? ' match' : ''}`);
  const paramKeys = varyingKeys(shown.map((r) => r.params));
  const metricKeys = varyingKeys(shown.map((r) => r.metrics));
  const rows = shown.map((r) => [
    String(r.id),
    r.name,
    r.experiment ?? '-',
    paintState(ctx.color, r.state),
    formatTime(r.startTime),
    formatDuration(r.durationMs),
    pairsOf(r.params, paramKeys),
    pairsOf(r.metrics, metricKeys),
  ]);
  ctx.print(
    renderTable(['id', 'name', 'experiment', 'state', 'started', 'duration', 'params', 'metrics'], rows, {
      width: ctx.width,
      flexible: [7, 6, 2, 1],
      // Narrow terminals: params, metrics, experiment, duration, then the start time give way.
      optional: [6, 7, 2, 5, 4],
      color: ctx.color,
    }),
  );
}

export function registerRuns(program: Command, action: Action): void {
  program
    .command('runs')
    .description(
      'list runs, newest first: state (LOST for dead runs), start, duration, and the params and final metrics that differ between them',
    )
    .option('--experiment <name>', 'only runs of this experiment')
    .option(
      '--pipeline <name>',
      'only steps of this pipeline (MLMETA_PIPELINE), or of one run of it: <name>/<run>',
    )
    .option('--state <state>', 'COMPLETE, RUNNING, FAILED, CACHED, CANCELED, NEW or LOST', runState)
    .option(
      '--filter <filter>',
      'filter expression, e.g. "custom_properties.`param.optimizer.learningRate` < 0.1" or "name = \'train-good\'"',
      filterFor('execution'),
    )
    .option('--type <type>', 'only executions of this type, e.g. mlmeta.Train')
    .option('--limit <n>', 'at most this many runs', positiveInt(10_000), 20)
    .action(action((ctx, flags: RunsFlags) => runs(ctx, flags)));
}
