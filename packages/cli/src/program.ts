/**
 * The `mlmeta` program: global flags, the commands, and the exit-code contract — 0 on success,
 * 1 when the question has no answer or the store fails (unknown run, unreadable store), 2 for bad
 * usage (unknown flag or command, bad flag value, bad filter), with the usage printed.
 *
 * `mlmeta ui` is reserved for the web UI (packages/server); it is registered there when it lands.
 */
import { isMlmetaError } from '@mlmeta/core';
import { Command, CommanderError } from 'commander';
import manifest from '../package.json' with { type: 'json' };
import type { Action } from './commands/action.js';
import { registerDeployed } from './commands/deployed.js';
import { registerDerive } from './commands/derive.js';
import { registerDiff } from './commands/diff.js';
import { registerExchange } from './commands/exchange.js';
import { registerGc } from './commands/gc.js';
import { registerLineage } from './commands/lineage.js';
import { registerModels } from './commands/models.js';
import { registerRuns } from './commands/runs.js';
import { registerServer } from './commands/server.js';
import { registerShow } from './commands/show.js';
import { registerSync } from './commands/sync.js';
import { registerTrace } from './commands/trace.js';
import { registerUi } from './commands/ui.js';
import { registerWatch } from './commands/watch.js';
import { CliContext, CliError, type Io } from './context.js';

/**
 * The version `mlmeta --version` prints: this package's own, read from its manifest at build
 * time, so a release bump (the six packages share one version) cannot leave it behind.
 *
 * @example
 * console.log(`mlmeta ${VERSION}`);
 */
export const VERSION: string = manifest.version;

/** The commander program, wired to `io`. Parse with `parseAsync(argv, { from: 'user' })`. */
export function createProgram(io: Io): Command {
  const program = new Command('mlmeta')
    .description(
      'Ask where your models came from: runs, lineage, traces, deployments (ML Metadata for Node.js)',
    )
    .version(VERSION)
    .option(
      '--store <uri>',
      'sqlite:<path>, postgres://... or http(s)://... (default MLMETA_STORE, else sqlite:.mlmeta/mlmeta.db)',
    )
    .option('--json', 'machine-readable JSON output')
    .option('--no-color', 'no colours (they are only used on a terminal anyway)')
    .configureOutput({
      writeOut: (text) => io.out.write(text),
      writeErr: (text) => io.err.write(text),
    })
    .exitOverride()
    .showHelpAfterError()
    .showSuggestionAfterError();

  const action: Action =
    (body) =>
    async (...args) => {
      const command = args.at(-1) as Command;
      const ctx = new CliContext(io, command.optsWithGlobals());
      try {
        await body(ctx, ...(args.slice(0, -1) as never));
      } finally {
        await ctx.close();
      }
    };

  registerRuns(program, action);
  registerShow(program, action);
  registerLineage(program, action);
  registerTrace(program, action);
  registerDiff(program, action);
  registerDeployed(program, action);
  registerModels(program, action);
  registerDerive(program, action);
  registerSync(program, action);
  registerGc(program, action);
  registerExchange(program, action);
  registerWatch(program, action);
  registerServer(program, io);
  registerUi(program, action);
  return program;
}

/**
 * Runs the command line; resolves with the exit code.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(
  argv: string[],
  io: Io = { out: process.stdout, err: process.stderr, env: process.env },
): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end with code 0; every other commander error is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CliError) {
      if (error.message !== '') io.err.write(`mlmeta: ${error.message}\n`);
      return error.exitCode;
    }
    if (isMlmetaError(error)) {
      io.err.write(`mlmeta: ${error.message}\n`);
      return error.code === 'INVALID_ARGUMENT' ? 2 : 1;
    }
    io.err.write(`mlmeta: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}
