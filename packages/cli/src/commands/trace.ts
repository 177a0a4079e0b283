/** `mlmeta trace <file>`: where did this model or data file come from? */
import { existsSync } from 'node:fs';
import { OUTPUT_EVENT_TYPES } from '@mlmeta/core';
import type { Command } from 'commander';
import { type CliContext, CliError } from '../context.js';
import { identifyFile } from '../file-digest.js';
import { environmentFacts } from '../output/environment.js';
import { formatPairs, formatTime, formatValue, paint, paintState, shortDigest } from '../output/format.js';
import { type RunDetails, runDetails } from '../run-details.js';
import { artifactForFile, unknownFile } from '../target.js';
import type { Action } from './action.js';

function code(details: RunDetails): { commit?: string; dirty?: boolean; branch?: string; entry?: string } {
  const facts = environmentFacts(details.environment);
  return {
    ...(facts['git.commit'] ? { commit: facts['git.commit'] } : {}),
    ...(facts['git.dirty'] ? { dirty: facts['git.dirty'] === 'true' } : {}),
    ...(facts['git.branch'] ? { branch: facts['git.branch'] } : {}),
    ...(facts.entry ? { entry: facts.entry } : {}),
  };
}

export async function trace(ctx: CliContext, file: string): Promise<void> {
  if (!existsSync(file)) throw new CliError(`${file}: no such file or directory`);
  const store = await ctx.store({ readOnly: true });
  const identity = await identifyFile(file);
  const artifact = await artifactForFile(store, identity);
  if (!artifact) throw unknownFile(store, identity, file);
  const events = await store.getEvents({ artifactIds: [artifact.id] });
  const producers = events
    .filter((e) => (OUTPUT_EVENT_TYPES as readonly string[]).includes(e.type))
    .sort((a, b) => b.millisecondsSinceEpoch - a.millisecondsSinceEpoch);
  const producerIds = [...new Set(producers.map((e) => e.executionId))];
  const executions =
    producerIds.length === 0
      ? []
      : (await store.getExecutions({ ids: producerIds, limit: producerIds.length })).items;
  const runs = await Promise.all(
    producerIds.flatMap((id) => executions.filter((e) => e.id === id)).map((e) => runDetails(store, e)),
  );
  const matched = artifact.externalId === identity.digest ? 'digest' : 'uri';
  if (ctx.json) {
    return ctx.printJson({
      file: identity,
      matchedBy: matched,
      artifact,
      producedBy: runs.map((r) => ({ ...r, code: code(r) })),
    });
  }
  ctx.print(`${paint(ctx.color, 'bold', file)}  ${identity.digest}`);
  ctx.print(
    `  is ${artifact.type} #${artifact.id}${artifact.name ? ` ${artifact.name}` : ''} (matched by ${matched})`,
  );
  if (matched === 'uri') {
    ctx.warn(
      `the file's bytes differ from what was recorded at ${artifact.uri} (${shortDigest(artifact.externalId)}); it changed since`,
    );
  }
  if (runs.length === 0) {
    ctx.print('  no recorded run produced it (it was recorded as an input only)');
    return;
  }
  for (const [i, run] of runs.entries()) {
    ctx.print(
      `\n${i === 0 ? 'produced by' : 'also output by'} run ${paint(ctx.color, 'bold', run.name)} #${run.id} ${run.type} ${paintState(ctx.color, run.state)}  ${formatTime(run.startTime)}`,
    );
    if (run.experiment) ctx.print(`  experiment: ${run.experiment}`);
    ctx.print(`  params: ${formatPairs(run.params) || '-'}`);
    const c = code(run);
    ctx.print(
      `  code: ${c.commit ? `git ${c.commit.slice(0, 12)}${c.branch ? ` (${c.branch})` : ''}${c.dirty ? ', dirty (uncommitted changes)' : c.dirty === false ? ', clean' : ''}` : 'no git commit recorded'}${c.entry ? `, entry ${c.entry}` : ''}`,
    );
    if (Object.keys(run.metrics).length > 0) ctx.print(`  final metrics: ${formatPairs(run.metrics)}`);
    if (run.inputs.length === 0) ctx.print('  datasets: none recorded');
    for (const input of run.inputs) {
      const rows = input.properties.rows !== undefined ? `, ${formatValue(input.properties.rows)} rows` : '';
      ctx.print(
        `  dataset ${input.role}: ${input.type} #${input.id} ${shortDigest(input.digest)}${rows}${input.uri ? ` ${input.uri}` : ''}`,
      );
    }
  }
}

export function registerTrace(program: Command, action: Action): void {
  program
    .command('trace')
    .description('hash a model or data file and say where it came from: run, datasets, params, code')
    .argument('<file>', 'a model file, a tfjs model folder or model.json, or a data file')
    .action(action((ctx, file: string) => trace(ctx, file)));
}
