/** `mlmeta gc`: mark artifacts whose local files are gone as DELETED. */
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Artifact } from '@mlmeta/core/read';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { progressBar } from '../output/progress.js';
import type { Action } from './action.js';

/**
 * The local file an artifact's uri names: a file:// URL or an absolute path. Relative paths are
 * left alone: they were relative to a working directory this command cannot know.
 */
export function localFile(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  if (uri.startsWith('file://')) {
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined;
    }
  }
  return isAbsolute(uri) ? uri : undefined;
}

const PAGE = 1000;

export async function gc(ctx: CliContext, flags: { dryRun?: boolean }): Promise<void> {
  const store = await ctx.store({ readOnly: flags.dryRun === true });
  const gone: Artifact[] = [];
  let checked = 0;
  let pageToken: string | undefined;
  const bar = progressBar(ctx, 'checking artifact files', 0);
  try {
    do {
      const page = await store.getArtifacts({
        filter: 'state IN (LIVE, PENDING, MARKED_FOR_DELETION) AND uri IS NOT NULL',
        orderBy: 'id',
        limit: PAGE,
        pageToken,
      });
      for (const artifact of page.items) {
        const path = localFile(artifact.uri);
        if (path === undefined) continue;
        checked++;
        if (!existsSync(path)) gone.push(artifact);
      }
      bar.update(checked, checked + (page.nextPageToken ? PAGE : 0));
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
  } finally {
    bar.stop();
  }
  if (!flags.dryRun) {
    for (let i = 0; i < gone.length; i += 500) {
      await store.putLineage({
        artifacts: gone.slice(i, i + 500).map((a) => ({ id: a.id, type: a.type, state: 'DELETED' as const })),
      });
    }
  }
  const listed = gone.map((a) => ({ id: a.id, type: a.type, uri: a.uri!, externalId: a.externalId }));
  if (ctx.json) return ctx.printJson({ dryRun: flags.dryRun === true, checked, missing: listed });
  for (const a of listed)
    ctx.print(`${flags.dryRun ? 'would mark' : 'marked'} #${a.id} ${a.type} DELETED: ${a.uri} is gone`);
  ctx.print(
    `${checked} artifact file(s) checked, ${gone.length} missing${gone.length > 0 ? (flags.dryRun ? ' (dry run: nothing changed)' : ', marked DELETED') : ''}`,
  );
}

export function registerGc(program: Command, action: Action): void {
  program
    .command('gc')
    .description('mark artifacts whose local files (absolute paths, file:// uris) are gone as DELETED')
    .option('--dry-run', 'only list them')
    .action(action((ctx, flags: { dryRun?: boolean }) => gc(ctx, flags)));
}
