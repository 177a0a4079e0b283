/**
 * `mlmeta deployed`: which version of which model is served where, since when, live or ended,
 * and which run produced it. `--model` naming nothing served exits 1.
 */
import { deployedModels } from '@mlmeta/core/read';
import type { Command } from 'commander';
import { type CliContext, CliError } from '../context.js';
import { formatTime, paint, paintState, shortDigest } from '../output/format.js';
import { renderTable } from '../output/table.js';
import { runName } from '../resolve.js';
import type { Action } from './action.js';

export async function deployed(ctx: CliContext, flags: { model?: string; host?: string }): Promise<void> {
  const store = await ctx.store({ readOnly: true });
  const list = await deployedModels(store, { model: flags.model, host: flags.host });
  if (flags.model !== undefined && list.length === 0 && !flags.host) {
    throw new CliError(
      `no serving of a model named ${flags.model} is recorded (a model is named by its model name, uri, file name or digest; see mlmeta models)`,
    );
  }
  if (ctx.json) {
    return ctx.printJson({
      deployed: list.map((d) => ({
        model: d.model,
        ...(d.version ? { name: d.version.model, version: d.version.version } : {}),
        host: d.host,
        status: d.status,
        live: d.live,
        since: d.startTime,
        ...(d.endTime === undefined ? {} : { until: d.endTime }),
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
    return ctx.print(
      flags.model ? `no serving of ${flags.model} recorded on ${flags.host}` : 'no serving recorded',
    );
  for (const live of [true, false]) {
    const part = list.filter((d) => d.live === live);
    if (part.length === 0) continue;
    ctx.print(paint(ctx.color, 'bold', live ? 'live (serving now):' : '\nended:'));
    ctx.print(
      renderTable(
        ['model', 'version', 'host', 'status', 'since', ...(live ? [] : ['until']), 'digest', 'produced by'],
        part.map((d) => [
          d.model,
          d.version ? `${d.version.model} v${d.version.version}` : '-',
          d.host,
          paintState(ctx.color, d.status),
          formatTime(d.startTime),
          ...(live ? [] : [formatTime(d.endTime)]),
          shortDigest(d.modelArtifact?.externalId),
          d.producer ? `#${d.producer.id} ${runName(d.producer)}` : '-',
        ]),
        { width: ctx.width, flexible: [0, live ? 6 : 7, 2], color: ctx.color },
      ),
    );
  }
}

export function registerDeployed(program: Command, action: Action): void {
  program
    .command('deployed')
    .description(
      'which version of which model is served where, since when (live, then ended), and which run produced it',
    )
    .option('--model <model>', 'only this model (model name as in mlmeta models, uri, file name or digest)')
    .option('--host <host>', 'only this host')
    .action(action((ctx, flags: { model?: string; host?: string }) => deployed(ctx, flags)));
}
