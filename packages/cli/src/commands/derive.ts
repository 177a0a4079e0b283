/**
 * `mlmeta derive <output> --from <input...>`: declare that a file was made from others by a
 * step mlmeta did not see (a converter in another language, a shell tool), so lineage runs
 * through it. Every file is identified by content, as the integrations and file capture do.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { startRun } from '@mlmeta/core';
import type { Command } from 'commander';
import { type CliContext, CliError } from '../context.js';
import type { Action } from './action.js';

interface DeriveFlags {
  from: string[];
  step: string;
  type: string;
  experiment?: string;
}

export async function derive(ctx: CliContext, output: string, flags: DeriveFlags): Promise<void> {
  for (const file of [output, ...flags.from]) {
    if (!existsSync(file))
      throw new CliError(`${file}: no such file or directory (derive records files that exist)`, 2);
  }
  // The tracker opens the store by URI: it writes the process's end at exit, after this command
  // has closed its own connection.
  const run = startRun({
    store: ctx.storeUri,
    type: flags.type,
    name: flags.step,
    ...(flags.experiment ? { experiment: flags.experiment } : {}),
  });
  for (const input of flags.from) run.logInput({ uri: resolve(input) });
  run.logOutput({ uri: resolve(output) });
  await run.end();
  const store = await ctx.store({ readOnly: true });
  const recorded = await store.getExecution({ externalId: run.id });
  if (ctx.json)
    return ctx.printJson({
      run: { id: recorded?.id, externalId: run.id, name: run.name },
      output,
      from: flags.from,
    });
  ctx.print(
    `recorded ${flags.type} #${recorded?.id ?? '?'} ${run.name}: ${flags.from.join(', ')} → ${output}`,
  );
}

export function registerDerive(program: Command, action: Action): void {
  program
    .command('derive')
    .description(
      'declare that <output> was made from --from files by a step mlmeta did not see (a converter, a tool)',
    )
    .argument('<output>', 'the file or folder that was made')
    .requiredOption('--from <input...>', 'the files or folders it was made from')
    .option('--step <name>', 'the step name', 'convert')
    .option('--type <type>', 'the execution type', 'mlmeta.Convert')
    .option('--experiment <name>', 'experiment (default MLMETA_EXPERIMENT)')
    .action(action((ctx, output: string, flags: DeriveFlags) => derive(ctx, output, flags)));
}
