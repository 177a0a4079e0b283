/**
 * The `mlmeta` program: global flags, the commands, and the exit-code contract — 0 on success,
 * 1 when the question has no answer or the store fails (unknown run, unreadable store), 2 for bad
 * usage (unknown flag or command, bad flag value, bad filter), with a pointer to the help.
 *
 * Only the command being run is loaded (commands/catalog.ts): the others are listed by name and
 * description, so `mlmeta --help` loads commander and nothing else.
 */
import { Command, CommanderError, Help } from 'commander';
import manifest from '../package.json' with { type: 'json' };
import type { Action } from './commands/action.js';
import { COMMANDS, type CommandEntry } from './commands/catalog.js';
import type { Io } from './context.js';

/**
 * The version `mlmeta --version` prints: this package's own, read from its manifest at build
 * time, so a release bump (the six packages share one version) cannot leave it behind.
 *
 * @example
 * console.log(`mlmeta ${VERSION}`);
 */
export const VERSION: string = manifest.version;

/** Global flags that take a value: the word after them is not a command name. */
const VALUE_FLAGS = new Set(['--store']);

/**
 * The command `argv` runs (`help runs` runs `runs --help`), or undefined for the program itself.
 *
 * @example
 * invokedCommand(['--store', 'sqlite:x.db', 'runs', '--json']); // 'runs'
 */
export function invokedCommand(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') return argv[i + 1];
    if (VALUE_FLAGS.has(word)) i++;
    else if (!word.startsWith('-')) return word === 'help' ? (argv[i + 1] ?? undefined) : word;
  }
  return undefined;
}

function makeAction(io: Io): Action {
  return (body) =>
    async (...args) => {
      const command = args.at(-1) as Command;
      const { CliContext } = await import('./context.js');
      const ctx = new CliContext(io, command.optsWithGlobals());
      try {
        await body(ctx, ...(args.slice(0, -1) as never));
      } finally {
        await ctx.close();
      }
    };
}

/** The full name of a (sub)command: `mlmeta model alias`. */
function pathOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** A usage error ends with where to read more, not with the whole help. */
function pointToHelp(command: Command): void {
  command.showHelpAfterError(`(see ${pathOf(command)} --help)`);
  for (const sub of command.commands) pointToHelp(sub);
}

async function buildProgram(io: Io, load: (entry: CommandEntry) => boolean): Promise<Command> {
  const terms = new Map(COMMANDS.map((entry) => [entry.name, entry.term]));
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
    .configureHelp({
      // Commands not loaded are listed as their full definitions would be.
      subcommandTerm: (command) => terms.get(command.name()) ?? new Help().subcommandTerm(command),
    })
    .exitOverride()
    .showSuggestionAfterError();

  const action = makeAction(io);
  const loaded = await Promise.all(COMMANDS.map((entry) => (load(entry) ? entry.load() : undefined)));
  COMMANDS.forEach((entry, i) => {
    if (program.commands.some((c) => c.name() === entry.name)) return;
    const register = loaded[i];
    if (register) register(program, action, io);
    else
      program.command(entry.name).description(entry.description).allowUnknownOption().allowExcessArguments();
  });
  pointToHelp(program);
  return program;
}

/**
 * The commander program with every command loaded, wired to `io`. Parse with
 * `parseAsync(argv, { from: 'user' })`.
 *
 * @example
 * const program = await createProgram({ out: process.stdout, err: process.stderr, env: process.env });
 * await program.parseAsync(['runs', '--json'], { from: 'user' });
 */
export function createProgram(io: Io): Promise<Command> {
  return buildProgram(io, () => true);
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
  const wanted = invokedCommand(argv);
  let invoked = 'mlmeta';
  try {
    const program = await buildProgram(io, (entry) => entry.name === wanted);
    program.hook('preAction', (_program, command) => {
      invoked = pathOf(command);
    });
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end with code 0; every other commander error is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    const hint = `(see ${invoked} --help)`;
    const { CliError } = await import('./context.js');
    if (error instanceof CliError) {
      if (error.message !== '') io.err.write(`mlmeta: ${error.message}\n`);
      if (error.exitCode === 2) io.err.write(`${hint}\n`);
      return error.exitCode;
    }
    const { isMlmetaError } = await import('@mlmeta/core/read');
    if (isMlmetaError(error)) {
      io.err.write(`mlmeta: ${error.message}\n`);
      if (error.code === 'UNAVAILABLE')
        io.err.write(
          'the store stopped answering; check that it is up (mlmeta server, the database), then run the command again\n',
        );
      if (error.code !== 'INVALID_ARGUMENT') return 1;
      io.err.write(`${hint}\n`);
      return 2;
    }
    io.err.write(`mlmeta: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}
