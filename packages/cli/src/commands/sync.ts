/** `mlmeta sync`: replay the spool (batches a store could not take) into the store. */
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadConfig, loadOpenLineageConfig, OpenLineageTransport, replaySpool } from '@mlmeta/core';
import type { Command } from 'commander';
import { type CliContext, CliError } from '../context.js';
import { progressBar } from '../output/progress.js';
import type { Action } from './action.js';

/** The folder under the spool directory where the OpenLineage writer spools its events. */
const OPENLINEAGE_SPOOL = 'openlineage';

async function countLines(file: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file)) {
    for (const byte of chunk as Buffer) if (byte === 10) lines++;
  }
  return lines;
}

export async function sync(ctx: CliContext, flags: { spoolDir?: string }): Promise<void> {
  const dir = flags.spoolDir ?? loadConfig({}, ctx.io.env).spoolDir;
  if (flags.spoolDir !== undefined && !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    // A typo here used to report "replayed 0" while the real spool waited elsewhere.
    throw new CliError(
      `--spool-dir ${dir} is not a directory; the spool is where MLMETA_SPOOL_DIR points, else .mlmeta/spool (the path the warning that spooled printed)`,
      2,
    );
  }
  // The OpenLineage folder itself (a warning names it): its events go to OpenLineage, not the store.
  if (basename(resolve(dir)) === OPENLINEAGE_SPOOL) {
    const openLineage = await syncOpenLineage(ctx, dir);
    if (ctx.json) return ctx.printJson({ openLineage: openLineage ?? { spoolDir: dir, files: 0 } });
    printOpenLineage(ctx, openLineage);
    return;
  }
  // The files of exited processes whose recorder died are recorded again first (they may spool).
  await ctx.filesRecorded(dir);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')) : [];
  if (files.length === 0) {
    const openLineage = await syncOpenLineage(ctx, join(dir, OPENLINEAGE_SPOOL));
    if (ctx.json) {
      const nothing = { files: 0, batches: 0, points: 0, skipped: 0, skippedLines: [], quarantined: 0 };
      return ctx.printJson({
        spoolDir: dir,
        ...nothing,
        quarantineFiles: [],
        active: [],
        ...(openLineage ? { openLineage } : {}),
      });
    }
    if (openLineage) return printOpenLineage(ctx, openLineage);
    return ctx.print(`nothing to replay: no spool files in ${dir}`);
  }
  const store = await ctx.store().catch((error: unknown) => {
    if (!(error instanceof CliError)) throw error;
    throw new CliError(
      `${error.message}; nothing was replayed, the ${files.length} spool file(s) in ${dir} are kept`,
    );
  });
  let total = 0;
  if (ctx.progress) for (const f of files) total += await countLines(join(dir, f));
  const bar = progressBar(ctx, 'replaying spool', total);
  const doneBefore = new Map<string, number>();
  let done = 0;
  const result = await replaySpool(store, dir, {
    onProgress: (p) => {
      done += p.batches - (doneBefore.get(p.file) ?? 0);
      doneBefore.set(p.file, p.batches);
      bar.update(done);
    },
  }).finally(() => bar.stop());
  const openLineage = await syncOpenLineage(ctx, join(dir, OPENLINEAGE_SPOOL));
  if (ctx.json) return ctx.printJson({ spoolDir: dir, ...result, ...(openLineage ? { openLineage } : {}) });
  ctx.print(
    `replayed ${result.batches} batch(es), ${result.points} metric point(s) from ${result.files} file(s) in ${dir} into ${store.uri}`,
  );
  for (const line of result.skippedLines) ctx.warn(`skipped ${line.source}: ${line.reason}`);
  if (result.quarantined > 0) {
    ctx.warn(
      `${result.quarantined} record(s) the store rejected or line(s) it could not read are set aside, with the reasons, in ${result.quarantineFiles.join(', ')}`,
    );
  }
  if (result.active.length > 0) {
    ctx.warn(`${result.active.length} spool file(s) belong to running processes; they replay their own`);
  }
  printOpenLineage(ctx, openLineage);
}

function printOpenLineage(ctx: CliContext, result: Awaited<ReturnType<typeof syncOpenLineage>>): void {
  if (result && 'target' in result) {
    ctx.print(
      `replayed ${result.batches} batch(es) of OpenLineage events from ${result.files} file(s) to ${result.target}`,
    );
  }
}

/**
 * The OpenLineage events spooled beside the store's records, sent where OPENLINEAGE_* says;
 * undefined when there are none.
 */
async function syncOpenLineage(ctx: CliContext, dir: string) {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')) : [];
  if (files.length === 0) return undefined;
  const config = loadOpenLineageConfig(ctx.io.env);
  if (config === undefined) {
    ctx.warn(
      `${files.length} spool file(s) of OpenLineage events wait in ${dir}; set OPENLINEAGE_URL (or OPENLINEAGE__TRANSPORT__TYPE=file and OPENLINEAGE__TRANSPORT__LOG_FILE_PATH) and run \`mlmeta sync\` again`,
    );
    return { spoolDir: dir, waiting: files.length };
  }
  const transport = new OpenLineageTransport(config.transport);
  const result = await replaySpool(transport, dir);
  if (result.quarantined > 0) {
    ctx.warn(
      `${result.quarantined} OpenLineage event(s) the endpoint refused are set aside, with the reasons, in ${result.quarantineFiles.join(', ')}`,
    );
  }
  return { spoolDir: dir, target: transport.uri, ...result };
}

export function registerSync(program: Command, action: Action): void {
  program
    .command('sync')
    .description('replay the local spool into the store (progress bar on a terminal)')
    .option('--spool-dir <dir>', 'spool directory (default MLMETA_SPOOL_DIR, else .mlmeta/spool)')
    .action(action((ctx, flags: { spoolDir?: string }) => sync(ctx, flags)));
}
