/** `mlmeta show <run>`: one run in full, a failure first; or one artifact (show-artifact.ts); or a model version (model:<name>@…). */
import { resolveModelVersion } from '@mlmeta/core/read';
import type { Command } from 'commander';
import { type CliContext, CliError } from '../context.js';
import { describeNonFinite, splitStack } from '../failure.js';
import { environmentFacts, hardwareFacts } from '../output/environment.js';
import { formatDuration, formatTime, formatValue, paint, paintState, shortDigest } from '../output/format.js';
import { renderTable } from '../output/table.js';
import { rejectAmbiguousNumber, resolveRun } from '../resolve.js';
import { type LinkedArtifact, type RunDetails, runDetails } from '../run-details.js';
import type { Action } from './action.js';
import { showArtifact, shownArtifact } from './show-artifact.js';

function datasetLine(a: LinkedArtifact): string[] {
  const p = a.properties;
  const shape = Array.isArray(p.tensors)
    ? p.tensors
        .map((t) =>
          t && typeof t === 'object' && !Array.isArray(t) ? `${t.name ?? ''}${JSON.stringify(t.shape)}` : '',
        )
        .join(' ')
    : p.shape !== undefined
      ? JSON.stringify(p.shape)
      : '';
  const rows = p.rows !== undefined ? `${formatValue(p.rows)} rows` : '';
  return [
    a.role,
    `#${a.id}`,
    a.type,
    shortDigest(a.digest),
    [rows, shape].filter(Boolean).join(', ') || '-',
    a.uri ?? '-',
  ];
}

function section(ctx: CliContext, title: string, lines: string[] | string): void {
  const body = Array.isArray(lines) ? lines.join('\n') : lines;
  if (body.trim() === '') return;
  ctx.print(`\n${paint(ctx.color, 'bold', title)}`);
  ctx.print(body);
}

const pairs = (values: Record<string, unknown>) =>
  Object.entries(values).map(([k, v]) => `  ${k}: ${formatValue(v)}`);

/** How the run failed: the message once, the cause in the data, then the user's frames first. */
function failureSection(ctx: CliContext, f: NonNullable<RunDetails['failure']>): void {
  const head = [f.name, f.message].filter(Boolean).join(': ') || 'the process ended abnormally';
  const how = [
    f.exitCode !== undefined ? `exit code ${f.exitCode}` : '',
    f.signal ? `signal ${f.signal}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const stack = f.stack ? splitStack(f.stack) : { user: [], other: [] };
  section(ctx, paint(ctx.color, 'red', 'failure'), [
    `  ${head}${how ? ` (${how})` : ''}`,
    ...(f.nonFiniteInputs ?? []).map((n) => `  likely cause: ${describeNonFinite(n)}`),
    ...stack.user.map((frame) => `    ${frame}`),
    ...stack.other.map((frame) => paint(ctx.color, 'dim', `    ${frame}`)),
  ]);
}

/** `show model:iris@production`: the version's artifact, then the run that produced it. */
async function showModel(ctx: CliContext, ref: string): Promise<void> {
  const store = await ctx.store({ readOnly: true });
  const version = await resolveModelVersion(store, ref.slice('model:'.length));
  if (!version?.artifact) {
    throw new CliError(
      `no model version ${ref}: write model:<name>, model:<name>@<version> or model:<name>@<alias> (see mlmeta models)`,
    );
  }
  const { artifact, producer } = version;
  const details = producer ? await runDetails(store, producer) : undefined;
  if (ctx.json) {
    return ctx.printJson({
      model: { name: version.model, version: version.version, aliases: version.aliases, artifact },
      run: details ?? null,
    });
  }
  ctx.print(
    `${paint(ctx.color, 'bold', `model ${version.model} version ${version.version}`)}${version.aliases.length > 0 ? ` (${version.aliases.join(', ')})` : ''}  ${artifact.type} #${artifact.id}  ${shortDigest(artifact.externalId)}  ${artifact.uri ?? ''}`,
  );
  if (!details) {
    ctx.print('  no recorded run produced it');
    return;
  }
  ctx.print('  produced by:\n');
  printRun(ctx, details);
}

export async function show(ctx: CliContext, ref: string): Promise<void> {
  if (ref.startsWith('model:')) return showModel(ctx, ref);
  const store = await ctx.store({ readOnly: true });
  const artifact = await shownArtifact(store, ref);
  if (artifact) return showArtifact(ctx, store, artifact);
  await rejectAmbiguousNumber(store, ref);
  const details = await runDetails(store, await resolveRun(store, ref));
  if (ctx.json) return ctx.printJson({ run: details });
  printRun(ctx, details);
}

function printRun(ctx: CliContext, details: RunDetails): void {
  ctx.print(
    `${paint(ctx.color, 'bold', `run ${details.name}`)}  #${details.id}  ${details.type}  ${paintState(ctx.color, details.state)}`,
  );
  ctx.print(`  external id: ${details.externalId ?? '-'}`);
  if (details.experiment) ctx.print(`  experiment:  ${details.experiment}`);
  if (details.cachedFrom) {
    const from = details.cachedFrom;
    ctx.print(
      `  cached:      reused the outputs of run ${from.name ? `${from.name} #${from.id}` : from.externalId}`,
    );
  }
  ctx.print(
    `  started:     ${formatTime(details.startTime)}   duration: ${formatDuration(details.durationMs)}`,
  );
  if (details.failure) failureSection(ctx, details.failure);
  section(ctx, 'params', pairs(details.params));
  if (Object.keys(details.tags).length > 0) section(ctx, 'tags', pairs(details.tags));
  if (details.metricRanges.length > 0) {
    section(
      ctx,
      'metrics',
      renderTable(
        ['key', 'last', 'min', 'max', 'points'],
        details.metricRanges.map((m) => [
          m.key,
          formatValue(m.last),
          formatValue(m.min),
          formatValue(m.max),
          String(m.count),
        ]),
        { width: ctx.width, flexible: [0] },
      ),
    );
  } else if (Object.keys(details.metrics).length > 0) {
    section(ctx, 'metrics', pairs(details.metrics));
  }
  const linkedTable = (list: LinkedArtifact[]) =>
    renderTable(['role', 'id', 'type', 'digest', 'shape', 'uri'], list.map(datasetLine), {
      width: ctx.width,
      flexible: [5, 4, 2],
    });
  if (details.inputs.length > 0) section(ctx, 'inputs', linkedTable(details.inputs));
  if (details.outputs.length > 0) section(ctx, 'outputs', linkedTable(details.outputs));
  if (details.evaluations.length > 0) {
    section(
      ctx,
      'evaluations',
      renderTable(
        ['run', 'id', 'state', 'model', 'metrics'],
        details.evaluations.map((e) => [
          e.name,
          `#${e.id}`,
          e.state,
          `#${e.modelId}`,
          Object.entries(e.metrics)
            .map(([k, v]) => `${k}=${formatValue(v)}`)
            .join(' ') || '-',
        ]),
        { width: ctx.width, flexible: [4, 0] },
      ),
    );
  }
  section(ctx, 'environment', pairs(environmentFacts(details.environment)));
  section(ctx, 'hardware', pairs(hardwareFacts(details.hardware)));
  if (Object.keys(details.properties).length > 0) {
    section(
      ctx,
      'properties',
      pairs(details.properties).map((line) => (ctx.width ? line.slice(0, ctx.width) : line)),
    );
  }
}

export function registerShow(program: Command, action: Action): void {
  program
    .command('show')
    .description(
      'one run (params, metrics, datasets, outputs, evaluations of its models, environment, hardware, failure) or one artifact (digest, uri, statistics, signature, versions, producer, consumers)',
    )
    .argument(
      '<run|artifact>',
      'run id, external id, name, or a unique prefix of one; artifact:N, a file or folder, or a digest for an artifact; a number that is both must be written run:N or artifact:N; model:<name>[@version|@alias] shows a model version and the run that made it',
    )
    .action(action((ctx, ref: string) => show(ctx, ref)));
}
