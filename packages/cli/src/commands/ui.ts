/**
 * `mlmeta ui`: the web UI over a store, for one person on this machine: the store opened
 * read-only, the server bound to 127.0.0.1 without tokens (so no login), the URL printed.
 */
import { redactUri } from '@mlmeta/core/read';
import type { Command } from 'commander';
import { CliError } from '../context.js';
import type { Action } from './action.js';

export const UI_DEFAULT_PORT = 5858;

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65_535) {
    throw new CliError(`--port must be an integer 0-65535 (0 picks a free port), got "${text}"`, 2);
  }
  return Number(text);
}

function parseHostName(text: string): string {
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)$/.test(text)) {
    throw new CliError(
      `--allowed-host "${text}": give a host name only, e.g. --allowed-host my-laptop.local`,
      2,
    );
  }
  return text;
}

export function registerUi(program: Command, action: Action): void {
  program
    .command('ui')
    .description('browse the store in the web UI (read-only, on 127.0.0.1); prints the URL')
    .option('--port <n>', 'TCP port; 0 picks a free one', String(UI_DEFAULT_PORT))
    .option(
      '--allowed-host <name>',
      'a host name the browser uses for this machine besides localhost (repeatable); other Host names are refused',
      (value: string, list: string[]) => [...list, parseHostName(value)],
      [] as string[],
    )
    .action(
      action(async (ctx, flags: { port: string; allowedHost: string[] }) => {
        const port = parsePort(flags.port);
        const store = await ctx.store({ readOnly: true });
        const { handleShutdownSignals, startServer } = await import('@mlmeta/server');
        const server = await startServer({
          store,
          host: '127.0.0.1',
          port,
          ui: true,
          logger: false,
          allowedHosts: flags.allowedHost,
        }).catch((error: Error & { code?: string }) => {
          if (error.code === 'EADDRINUSE') {
            throw new CliError(`port ${port} is in use; pass --port <n> (or --port 0 for a free one)`);
          }
          throw error;
        });
        ctx.print(`mlmeta ui: ${server.url}/`);
        ctx.warn(`showing ${redactUri(ctx.storeUri)} read-only; Ctrl-C stops`);
        await handleShutdownSignals(server);
      }),
    );
}
