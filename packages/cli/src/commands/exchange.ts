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
  type MetadataStore,
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
  const present = await presentBefore(store, parsed);
  const result = await importDocument(store, parsed);
  const added = {
    artifacts: result.artifacts - present.artifacts,
    executions: result.executions - present.executions,
    contexts: result.contexts - present.contexts,
  };
  if (ctx.json) return ctx.printJson({ file, ...result, new: added });
  const nodes = `${result.artifacts} artifact(s), ${result.executions} execution(s), ${result.contexts} context(s)`;
  if (added.artifacts + added.executions + added.contexts === 0) {
    ctx.print(`nothing new: the ${nodes} in ${file} were all in ${store.uri} already`);
    return;
  }
  ctx.print(
    `imported ${added.artifacts} new artifact(s), ${added.executions} new execution(s), ${added.contexts} new context(s) into ${store.uri} (${file} holds ${nodes}, ${result.events} event(s), ${result.metricPoints} metric point(s))`,
  );
}

const ID_CHUNK = 500;

/** How many of the document's nodes the store holds already, by external id. */
async function presentBefore(
  store: MetadataStore,
  doc: unknown,
): Promise<{ artifacts: number; executions: number; contexts: number }> {
  const ids = (kind: string): string[] => {
    const list = (doc as Record<string, unknown>)?.[kind];
    if (!Array.isArray(list)) return [];
    return list.flatMap((node) => (typeof node?.externalId === 'string' ? [node.externalId] : []));
  };
  const count = async (
    externalIds: string[],
    read: (query: { externalIds: string[]; limit: number }) => Promise<{ items: unknown[] }>,
  ) => {
    let found = 0;
    for (let i = 0; i < externalIds.length; i += ID_CHUNK) {
      const chunk = externalIds.slice(i, i + ID_CHUNK);
      found += (await read({ externalIds: chunk, limit: chunk.length })).items.length;
    }
    return found;
  };
  return {
    artifacts: await count(ids('artifacts'), (q) => store.getArtifacts(q)),
    executions: await count(ids('executions'), (q) => store.getExecutions(q)),
    contexts: await count(ids('contexts'), (q) => store.getContexts(q)),
  };
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
