/**
 * `mlmeta models [name]`: model names, their versions, the run and data behind each and where
 * each is served; `mlmeta model alias <name> <alias> <version>`: name a version (production).
 */
import { userInfo } from 'node:os';
import { basename } from 'node:path';
import {
  type Artifact,
  listModels,
  type ModelServing,
  type ModelVersion,
  type RegisteredModel,
  setModelAlias,
} from '@mlmeta/core/read';
import type { Command } from 'commander';
import { type CliContext, CliError } from '../context.js';
import { formatTime, paint, paintState, shortDigest } from '../output/format.js';
import { renderTable } from '../output/table.js';
import { runName } from '../resolve.js';
import type { Action } from './action.js';

const dataLabel = (a: Artifact) => (a.uri ? basename(a.uri) : (a.name ?? shortDigest(a.externalId)));

function servingLabel(color: boolean, s: ModelServing): string {
  return s.status === 'RUNNING'
    ? `${s.host} ${paintState(color, 'live')} since ${formatTime(s.since)}`
    : `${s.host} ${paintState(color, s.status)} ${formatTime(s.since)} – ${formatTime(s.until)}`;
}

function versionJson(v: ModelVersion) {
  return {
    version: v.version,
    aliases: v.aliases,
    ...(v.createdAt === undefined ? {} : { createdAt: v.createdAt }),
    artifact: v.artifact
      ? { id: v.artifact.id, digest: v.artifact.externalId, uri: v.artifact.uri, type: v.artifact.type }
      : null,
    producedBy: v.producer
      ? {
          id: v.producer.id,
          externalId: v.producer.externalId,
          name: runName(v.producer),
          type: v.producer.type,
        }
      : null,
    inputs: v.inputs.map((a) => ({ id: a.id, digest: a.externalId, uri: a.uri, type: a.type })),
    servedOn: v.servedOn.map((s) => ({
      host: s.host,
      status: s.status,
      live: s.status === 'RUNNING',
      since: s.since,
      ...(s.until === undefined ? {} : { until: s.until }),
      serve: { id: s.serve.id, externalId: s.serve.externalId },
    })),
  };
}

function modelJson(m: RegisteredModel) {
  return {
    name: m.name,
    context: { id: m.context.id, externalId: m.context.externalId },
    latestVersion: m.latestVersion,
    aliases: m.aliases,
    versions: m.versions.map(versionJson),
  };
}

export async function models(ctx: CliContext, name: string | undefined): Promise<void> {
  const store = await ctx.store({ readOnly: true });
  const list = await listModels(store, name === undefined ? {} : { name });
  if (name !== undefined && list.length === 0) {
    const known = (await listModels(store)).map((m) => m.name);
    throw new CliError(
      `no model named ${name}${known.length > 0 ? `; models: ${known.slice(0, 10).join(', ')}` : ''} (see mlmeta models)`,
    );
  }
  if (ctx.json) return ctx.printJson({ models: list.map(modelJson) });
  if (list.length === 0) {
    ctx.print(
      'no models recorded (a tfjs model.save(), an onnxruntime-node session or logOutput({ model }) records one)',
    );
    return;
  }
  ctx.print(
    renderTable(
      ['model', 'version', 'aliases', 'recorded', 'produced by', 'data', 'served'],
      list.flatMap((m) =>
        m.versions.map((v) => [
          m.name,
          String(v.version),
          v.aliases.join(', '),
          formatTime(v.createdAt ?? v.artifact?.createTimeSinceEpoch),
          v.producer ? `#${v.producer.id} ${runName(v.producer)}` : '-',
          v.inputs.map(dataLabel).join(', ') || '-',
          v.servedOn.map((s) => servingLabel(ctx.color, s)).join('; ') || '-',
        ]),
      ),
      { width: ctx.width, flexible: [5, 6, 4], color: ctx.color },
    ),
  );
  const aliases = list.flatMap((m) => m.aliases.map((a) => ({ model: m.name, ...a })));
  if (aliases.length === 0) return;
  ctx.print(paint(ctx.color, 'dim', '\naliases:'));
  for (const a of aliases) {
    ctx.print(
      `  ${a.model}@${a.alias} → version ${a.version}${a.setBy ? `, set by ${a.setBy}` : ''}${a.setAt ? ` at ${formatTime(a.setAt)}` : ''}`,
    );
  }
}

function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

export async function alias(
  ctx: CliContext,
  name: string,
  aliasName: string,
  version: string,
): Promise<void> {
  const number = /^v?(\d+)$/.exec(version);
  if (!number) throw new CliError(`version must be a version number such as 3, not "${version}"`, 2);
  const store = await ctx.store();
  const setBy = osUser();
  const set = await setModelAlias(store, {
    model: name,
    alias: aliasName,
    version: Number(number[1]),
    ...(setBy ? { setBy } : {}),
  });
  if (ctx.json) return ctx.printJson({ model: name, ...set });
  ctx.print(
    `${name}@${set.alias} → version ${set.version}${set.setBy ? ` (set by ${set.setBy})` : ''}; use it as model:${name}@${set.alias}`,
  );
}

export function registerModels(program: Command, action: Action): void {
  program
    .command('models')
    .description(
      'model names and their versions (1, 2, 3 … in save order): the run and data behind each, where each is served, aliases',
    )
    .argument('[name]', 'only this model')
    .addHelpText(
      'after',
      "\nModels saved under one name (the save path's name, file://./models/iris → iris, or a name given in options) are its versions.\nName one anywhere an artifact is taken (show, lineage, trace) as model:iris (the latest), model:iris@3 or model:iris@production.",
    )
    .action(action((ctx, name: string | undefined) => models(ctx, name)));
}

export function registerModel(program: Command, action: Action): void {
  program
    .command('model')
    .description('manage model names')
    .command('alias')
    .description(
      'point an alias (production, staging) of a model at one of its versions, recording who and when',
    )
    .argument('<name>', 'the model name (see mlmeta models)')
    .argument('<alias>', 'a letter followed by letters, digits, _ or -')
    .argument('<version>', 'the version number')
    .action(
      action((ctx, name: string, aliasName: string, version: string) => alias(ctx, name, aliasName, version)),
    );
}
