/** `mlmeta deployed`: which model versions are served, where, since when, produced by which run. */
import { deployedModels } from '@mlmeta/core';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { formatTime, paintState, shortDigest } from '../output/format.js';
import { renderTable } from '../output/table.js';
import { runName } from '../resolve.js';
import type { Action } from './action.js';

export async function deployed(ctx: CliContext, flags: { model?: string; host?: string }): Promise<void> {
  const store = await ctx.store({ readOnly: true });
  const list = await deployedModels(store, { model: flags.model, host: flags.host });
  if (ctx.json) {
    return ctx.printJson({
      deployed: list.map((d) => ({
        model: d.model,
        host: d.host,
        status: d.status,
        since: d.startTime,
        serve: { id: d.serve.id, externalId: d.serve.externalId },
        ...(d.modelArtifact
          ? {
              artifact: {
                id: d.modelArtifact.id,
                digest: d.modelArtifact.externalId,
                uri: d.modelArtifact.uri,
              },
            }
          : {}),
        ...(d.producer
          ? {
              producedBy: { id: d.producer.id, externalId: d.producer.externalId, name: runName(d.producer) },
            }
          : {}),
      })),
    });
  }
  if (list.length === 0)
    return ctx.print(flags.model ? `no serving of ${flags.model} recorded` : 'no serving recorded');
  ctx.print(
    renderTable(
      ['model', 'host', 'status', 'since', 'digest', 'produced by'],
      list.map((d) => [
        d.model,
        d.host,
        paintState(ctx.color, d.status),
        formatTime(d.startTime),
        shortDigest(d.modelArtifact?.externalId),
        d.producer ? `#${d.producer.id} ${runName(d.producer)}` : '-',
      ]),
      { width: ctx.width, flexible: [0, 5, 1], color: ctx.color },
    ),
  );
}

export function registerDeployed(program: Command, action: Action): void {
  program
    .command('deployed')
    .description('which model versions are served, where, since when, and which run produced them')
    .option('--model <model>', 'only this model (uri, file name, name or digest)')
    .option('--host <host>', 'only this host')
    .action(action((ctx, flags: { model?: string; host?: string }) => deployed(ctx, flags)));
}
