/** `mlmeta server ...`: the HTTP API server, with the same flags as the `mlmeta-server` bin. */

import { DEFAULT_STORE_URI } from '@mlmeta/core/read';
import type { Command } from 'commander';
import { CliError, type Io } from '../context.js';
import type { Action } from './action.js';

export function registerServer(program: Command, _action: Action, io: Io): void {
  program
    .command('server')
    .description(
      'serve the HTTP API over a store (flags as mlmeta-server; `mlmeta server --help` lists them)',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]')
    .action(async (args: string[], _flags: unknown, command: Command) => {
      const { runServerCli } = await import('@mlmeta/server');
      const globals = command.optsWithGlobals() as { store?: string };
      const wantsStore = args[0] !== 'hash-token' && args[0] !== '--help' && args[0] !== '-h';
      const hasStore = args.some((a) => a === '--store' || a.startsWith('--store='));
      // The global --store (or MLMETA_STORE, or the default file) is the server's store unless given here.
      const store = globals.store ?? (io.env.MLMETA_STORE?.trim() || DEFAULT_STORE_URI);
      const argv = wantsStore && !hasStore ? ['--store', store, ...args] : args;
      const code = await runServerCli(argv, { out: io.out, err: io.err });
      // runServerCli has printed its own message; only its exit code is left to pass on.
      if (code !== 0) throw new CliError('', code);
    });
}
