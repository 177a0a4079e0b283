/** `mlmeta trace <file>`: where did this model or data file come from? */
import { existsSync } from 'node:fs';
import { type Artifact, type Execution, type MetadataStore, OUTPUT_EVENT_TYPES } from '@mlmeta/core/read';
import type { Command } from 'commander';
import { type CliContext, CliError } from '../context.js';
import { type FileIdentity, identifyFile } from '../file-digest.js';
import { environmentFacts } from '../output/environment.js';
import { formatPairs, formatTime, formatValue, paint, paintState, shortDigest } from '../output/format.js';
import { findArtifact, rejectAmbiguousNumber, runName } from '../resolve.js';
import { type RunDetails, runDetails } from '../run-details.js';
import { artifactsForFile, unknownFile } from '../target.js';
import type { Action } from './action.js';

interface CodeFacts {
  commit?: string;
  dirty?: boolean;
  untracked?: string;
  branch?: string;
  entry?: string;
}

function code(details: RunDetails): CodeFacts {
  const facts = environmentFacts(details.environment);
  return {
    ...(facts['git.commit'] ? { commit: facts['git.commit'] } : {}),
    ...(facts['git.dirty'] ? { dirty: facts['git.dirty'] === 'true' } : {}),
    ...(facts['git.untracked'] && facts['git.untracked'] !== '0'
      ? { untracked: facts['git.untracked'] }
      : {}),
    ...(facts['git.branch'] ? { branch: facts['git.branch'] } : {}),
    ...(facts.entry ? { entry: facts.entry } : {}),
  };
}

/** `git 1a2b3c4d5e6f (main), clean, 2 untracked files`: what the commit does not cover. */
function codeLine(c: CodeFacts): string {
  if (!c.commit) return 'no git commit recorded';
  const state = c.dirty
    ? ', dirty (uncommitted changes to tracked files)'
    : c.dirty === false
      ? `, clean${c.untracked ? ` (${c.untracked === 'some' ? 'some' : c.untracked} untracked file(s), not in the commit)` : ''}`
      : '';
  return `git ${c.commit.slice(0, 12)}${c.branch ? ` (${c.branch})` : ''}${state}`;
}

/** The runs that output any of `artifacts` (newest event first), else the runs that read them. */
async function recordersOf(
  store: MetadataStore,
  artifacts: Artifact[],
): Promise<{ producers: Execution[]; readers: Execution[] }> {
  if (artifacts.length === 0) return { producers: [], readers: [] };
  const events = (await store.getEvents({ artifactIds: artifacts.map((a) => a.id) })).sort(
    (a, b) => b.millisecondsSinceEpoch - a.millisecondsSinceEpoch,
  );
  const isOutput = (type: string) => (OUTPUT_EVENT_TYPES as readonly string[]).includes(type);
  const ids = [...new Set(events.map((e) => e.executionId))];
  const executions = ids.length === 0 ? [] : (await store.getExecutions({ ids, limit: ids.length })).items;
  const byId = new Map(executions.map((e) => [e.id, e]));
  const pick = (output: boolean) =>
    [...new Set(events.filter((e) => isOutput(e.type) === output).map((e) => e.executionId))].flatMap((id) =>
      byId.has(id) ? [byId.get(id)!] : [],
    );
  return { producers: pick(true), readers: pick(false) };
}

export async function trace(ctx: CliContext, file: string): Promise<void> {
  const store = await ctx.store({ readOnly: true });
  let identity: FileIdentity | undefined;
  let found: { current: Artifact[]; older: Artifact[] };
  if (existsSync(file)) {
    identity = await identifyFile(file);
    found = await artifactsForFile(store, identity);
    if (!found.current[0] && !found.older[0]) throw unknownFile(store, identity, file);
  } else {
    // Not a file: an artifact named by id (artifact:N), external id, uri or name.
    await rejectAmbiguousNumber(store, file);
    const named = file.startsWith('run:') ? undefined : await findArtifact(store, file);
    if (!named) {
      throw new CliError(
        `${file}: no such file or directory, and no artifact named ${file} (trace takes a file or an artifact; for a run use mlmeta lineage run:N)`,
      );
    }
    found = { current: [named], older: [] };
  }
  const { current, older } = found;
  const artifact = (current[0] ?? older[0])!;
  // The current bytes when they were recorded; else the newest content recorded at this path.
  const recorded = current.length > 0 ? current : [artifact];
  const { producers } = await recordersOf(store, recorded);
  const runs = await Promise.all(producers.map((e) => runDetails(store, e)));
  const matched = current.length > 0 ? 'digest' : 'uri';
  let changed:
    | { recordedDigest?: string; recordedBy: Array<{ id: number; name: string; type: string }> }
    | undefined;
  if (matched === 'uri') {
    const { producers: by, readers } = await recordersOf(store, [artifact]);
    changed = {
      ...(artifact.externalId ? { recordedDigest: artifact.externalId } : {}),
      recordedBy: [...by, ...readers].map((e) => ({ id: e.id, name: runName(e), type: e.type })),
    };
  }
  if (ctx.json) {
    return ctx.printJson({
      ...(identity ? { file: identity } : {}),
      matchedBy: identity ? matched : 'name',
      artifact,
      ...(changed ? { changed } : {}),
      producedBy: runs.map((r) => ({ ...r, code: code(r) })),
    });
  }
  ctx.print(`${paint(ctx.color, 'bold', file)}  ${identity?.digest ?? artifact.externalId ?? ''}`);
  ctx.print(
    `  is ${artifact.type} #${artifact.id}${artifact.name ? ` ${artifact.name}` : ''} (matched by ${matched})`,
  );
  if (changed) {
    const who = changed.recordedBy[0];
    ctx.warn(
      `${file} changed since it was recorded: its bytes are ${shortDigest(identity?.digest)}, but ${
        who ? `run ${who.name} #${who.id}` : 'the store'
      } recorded ${shortDigest(artifact.externalId)} at ${artifact.uri}; what follows is about that older content`,
    );
  }
  if (runs.length === 0) {
    ctx.print(
      `  no recorded run produced it (it was recorded as an input only${current.length > 1 ? ', under each of its identities' : ''})`,
    );
    return;
  }
  for (const [i, run] of runs.entries()) {
    ctx.print(
      `\n${i === 0 ? 'produced by' : 'also output by'} run ${paint(ctx.color, 'bold', run.name)} #${run.id} ${run.type} ${paintState(ctx.color, run.state)}  ${formatTime(run.startTime)}`,
    );
    if (run.experiment) ctx.print(`  experiment: ${run.experiment}`);
    ctx.print(`  params: ${formatPairs(run.params) || '-'}`);
    const c = code(run);
    ctx.print(`  code: ${codeLine(c)}${c.entry ? `, entry ${c.entry}` : ''}`);
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
    .description(
      'hash a model or data file and say where it came from: run, datasets, params, code; if it changed since it was recorded, which run recorded the older content',
    )
    .argument(
      '<file>',
      'a model file, a tfjs model folder or model.json, a data file, or an artifact (artifact:N, external id, uri, name); a number that is also a run id must be written artifact:N',
    )
    .action(action((ctx, file: string) => trace(ctx, file)));
}
