/** `mlmeta watch`: print, or act on, each new artifact or execution as it is recorded. */
import { spawn } from 'node:child_process';
import { type WatchedNode, type WatchKind, watch as watchStore } from '@mlmeta/core';
import { type Command, InvalidArgumentError } from 'commander';
import { type CliContext, CliError } from '../context.js';
import { fillWords, splitWords } from '../exec-template.js';
import { filterProblem, positiveInt } from '../options.js';
import { paintState, shortDigest } from '../output/format.js';
import { literal, runName } from '../resolve.js';
import type { Action } from './action.js';

interface WatchFlags {
  type?: string;
  filter?: string;
  kind?: WatchKind;
  exec?: string;
  interval: number;
  max?: number;
}

function kind(text: string): WatchKind {
  if (text !== 'artifact' && text !== 'execution') {
    throw new InvalidArgumentError(`write artifact or execution, not "${text}"`);
  }
  return text;
}

function describe(ctx: CliContext, item: WatchedNode): string {
  if (item.kind === 'artifact') {
    const a = item.node;
    return [`new ${a.type} #${a.id}`, a.name, shortDigest(a.externalId), a.uri].filter(Boolean).join('  ');
  }
  const e = item.node;
  return `new ${e.type} #${e.id}  ${runName(e)}  ${paintState(ctx.color, e.lastKnownState)}`;
}

/** Runs the command for one node and waits for it, so actions never pile up. */
function runExec(ctx: CliContext, words: string[], item: WatchedNode): Promise<void> {
  const node = item.node;
  const argv = fillWords(words, {
    uri: item.kind === 'artifact' ? (item.node.uri ?? '') : '',
    id: String(node.id),
    externalId: node.externalId ?? '',
    name: node.name ?? '',
    type: node.type,
    kind: item.kind,
  });
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    child.stdout.on('data', (chunk) => ctx.io.out.write(chunk));
    child.stderr.on('data', (chunk) => ctx.io.err.write(chunk));
    child.on('error', (error) => {
      ctx.warn(`--exec ${argv[0]}: ${error.message}`);
      resolve();
    });
    child.on('close', (code, signal) => {
      if (code !== 0)
        ctx.warn(`--exec for #${node.id} ended with ${signal ? `signal ${signal}` : `exit code ${code}`}`);
      resolve();
    });
  });
}

export async function watch(ctx: CliContext, flags: WatchFlags): Promise<void> {
  const words = flags.exec ? splitWords(flags.exec) : undefined;
  for (const kind of flags.kind ? [flags.kind] : (['artifact', 'execution'] as const)) {
    const problem = flags.filter === undefined ? undefined : filterProblem(flags.filter, kind);
    if (problem) throw new CliError(`--filter: ${problem}`, 2);
  }
  const store = await ctx.store({ readOnly: true });
  const conditions = [
    flags.type ? `type = ${literal(flags.type)}` : '',
    flags.filter ? `(${flags.filter})` : '',
  ];
  const filter = conditions.filter(Boolean).join(' AND ');
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let seen = 0;
  try {
    if (!ctx.json) ctx.warn(`watching ${store.uri}${filter ? ` for ${filter}` : ''} (Ctrl-C to stop)`);
    for await (const item of watchStore(store, {
      filter,
      kinds: flags.kind ? [flags.kind] : undefined,
      intervalMs: flags.interval,
      signal: controller.signal,
    })) {
      if (ctx.json) ctx.io.out.write(`${JSON.stringify(item)}\n`);
      else ctx.print(describe(ctx, item));
      const uri = item.kind === 'artifact' ? item.node.uri : undefined;
      if (words && !uri && words.some((word) => word.includes('{uri}'))) {
        // An in-memory model (or an execution) has no uri: the command would get an empty argument.
        ctx.warn(
          `--exec skipped for #${item.node.id}: it has no uri (an in-memory model?), and the command uses {uri}`,
        );
      } else if (words) await runExec(ctx, words, item);
      if (flags.max !== undefined && ++seen >= flags.max) break;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export function registerWatch(program: Command, action: Action): void {
  program
    .command('watch')
    .description('print, or act on, each new artifact or execution as it is recorded')
    .option('--type <type>', 'only nodes of this type, e.g. mlmeta.Model')
    .option('--filter <filter>', 'only nodes matching this filter')
    .option('--kind <kind>', 'artifact or execution (default both)', kind)
    .option(
      '--exec <command>',
      'run this for each node, without a shell; {uri} {id} {externalId} {name} {type} {kind} are substituted',
    )
    .option('--interval <ms>', 'poll interval', positiveInt(3_600_000), 1000)
    .option('--max <n>', 'stop after this many nodes', positiveInt(Number.MAX_SAFE_INTEGER))
    .action(action((ctx, flags: WatchFlags) => watch(ctx, flags)));
}
