/**
 * `mlmeta export` / `mlmeta import`: move a store, or one lineage subgraph, between stores in
 * mlmeta's exchange format (documented in @mlmeta/core's queries/exchange.ts: format
 * "mlmeta.export", version 1, every node addressed by external id).
 */
import { readFile, writeFile } from 'node:fs/promises';
import {
  decodeWireJson,
  type ExportOptions,
  encodeWireJson,
  exportStore,
  importDocument,
} from '@mlmeta/core';
import { type Command, InvalidArgumentError } from 'commander';
import { type CliContext, CliError } from '../context.js';
import { positiveInt } from '../options.js';
import { progressBar } from '../output/progress.js';
import { resolveTarget } from '../target.js';
import type { Action } from './action.js';

interface ExportFlags {
  format: 'json';
  from?: string;
  depth: number;
  output?: string;
}

export async function exportCommand(ctx: CliContext, flags: ExportFlags): Promise<void> {
  const store = await ctx.store({ readOnly: true });
  let from: ExportOptions['from'];
  if (flags.from) {
    const target = await resolveTarget(store, flags.from);
    from =
      target.kind === 'artifact'
        ? { artifacts: { ids: [target.node.id] } }
        : { executions: { ids: [target.node.id] } };
  }
  const bar = progressBar(ctx, 'reading nodes', 0);
  const doc = await exportStore(store, {
    from,
    maxHops: flags.depth,
    onProgress: (n) => bar.update(n, n),
  }).finally(() => bar.stop());
  const text = `${JSON.stringify(JSON.parse(encodeWireJson(doc)), null, 2)}\n`;
  if (!flags.output) {
    ctx.io.out.write(text);
    return;
  }
  await writeFile(flags.output, text);
  ctx.io.err.write(
    `exported ${doc.artifacts.length} artifact(s), ${doc.executions.length} execution(s), ${doc.contexts.length} context(s), ${doc.events.length} event(s) to ${flags.output}\n`,
  );
}

export async function importCommand(ctx: CliContext, file: string): Promise<void> {
  let parsed: unknown;
  try {
    parsed = decodeWireJson(await readFile(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const store = await ctx.store();
  const result = await importDocument(store, parsed);
  if (ctx.json) return ctx.printJson({ file, ...result });
  ctx.print(
    `imported ${result.artifacts} artifact(s), ${result.executions} execution(s), ${result.contexts} context(s), ${result.events} event(s), ${result.metricPoints} metric point(s) into ${store.uri}`,
  );
}

function format(text: string): 'json' {
  if (text !== 'json') throw new InvalidArgumentError(`only json is supported, not "${text}"`);
  return 'json';
}

export function registerExport(program: Command, action: Action): void {
  program
    .command('export')
    .description(
      'write the whole store, or the lineage around one node, as versioned JSON (mlmeta.export v1)',
    )
    .option('--format <format>', 'json', format, 'json')
    .option('--from <node>', 'only the lineage subgraph around this artifact, run or file')
    .option('--depth <n>', 'hops around --from', positiveInt(100), 20)
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(action((ctx, flags: ExportFlags) => exportCommand(ctx, flags)));
}

export function registerImport(program: Command, action: Action): void {
  program
    .command('import')
    .description('import an export file; idempotent: importing it twice changes nothing')
    .argument('<file>')
    .action(action((ctx, file: string) => importCommand(ctx, file)));
}
