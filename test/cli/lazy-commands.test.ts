/**
 * `mlmeta --help` and `--version` load commander and the command list only: no command module,
 * no @mlmeta/core (and so no zod, no store driver); `mlmeta runs` loads @mlmeta/core/read, and
 * zod not even when the store is read. The list they print is the one the full
 * definitions would print, and usage errors point to the command's help instead of printing it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createProgram, runCli } from '@mlmeta/cli';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../packages/cli/src/commands/catalog.js';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const RECORDER = fileURLToPath(new URL('../core/fixtures/record-resolutions.mjs', import.meta.url));
const SEED = fileURLToPath(new URL('./fixtures/seed.mjs', import.meta.url));

function memoryIo() {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (into: string[]) => ({ write: (text: string) => into.push(text) > 0 }) as never;
  return { io: { out: stream(out), err: stream(err), env: {} }, out, err };
}

/** The URLs the ES module loader resolved while the built bin ran with `args`. */
function resolvedBy(args: string[]): { status: number | null; urls: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'mlmeta-lazy-'));
  const file = join(dir, 'resolved.txt');
  const register = join(dir, 'register.mjs');
  writeFileSync(file, '');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(RECORDER).href)}, import.meta.url, { data: { file: ${JSON.stringify(file)} } });\n`,
  );
  const result = spawnSync(process.execPath, ['--import', register, BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return { status: result.status, urls: readFileSync(file, 'utf8').split('\n').filter(Boolean) };
}

describe('the command list', () => {
  it('says what the full definitions say', async () => {
    const program = await createProgram(memoryIo().io);
    const help = program.createHelp();
    const full = program.commands.filter((c) => c.name() !== 'help');
    expect(full.map((c) => c.name())).toEqual(COMMANDS.map((entry) => entry.name));
    for (const entry of COMMANDS) {
      const command = full.find((c) => c.name() === entry.name)!;
      expect({
        name: entry.name,
        term: help.subcommandTerm(command),
        description: command.description(),
      }).toEqual({
        name: entry.name,
        term: entry.term,
        description: entry.description,
      });
    }
  });

  it('mlmeta --help prints what the fully loaded program prints', async () => {
    const lazy = memoryIo();
    expect(await runCli(['--help'], lazy.io)).toBe(0);
    const full = memoryIo();
    const program = await createProgram(full.io);
    program.outputHelp();
    expect(lazy.out.join('')).toBe(full.out.join(''));
    expect(lazy.out.join('')).toMatch(/Commands:\n {2}runs \[options\]/);
  });

  it('help <command> and <command> --help print that command in full', async () => {
    for (const args of [
      ['help', 'runs'],
      ['runs', '--help'],
    ]) {
      const { io, out } = memoryIo();
      expect(await runCli(args, io)).toBe(0);
      expect(out.join('')).toMatch(/Usage: mlmeta runs \[options\][\s\S]*--experiment <name>/);
    }
  });
});

describe('start-up', () => {
  it.each([['--version'], ['--help'], ['help']])(
    'mlmeta %s loads neither a command nor @mlmeta/core',
    (arg) => {
      const { status, urls } = resolvedBy([arg]);
      expect(status).toBe(0);
      expect(urls.some((url) => url.includes('/commander/'))).toBe(arg !== '--version');
      expect(urls.filter((url) => /\/packages\/core\/|@mlmeta\/core|\/zod\//.test(url))).toEqual([]);
    },
  );

  it('a command loads core when it runs', () => {
    const { urls } = resolvedBy(['runs', '--store', `sqlite:${join(tmpdir(), 'mlmeta-lazy-none.db')}`]);
    expect(urls.some((url) => url.includes('/packages/core/dist/'))).toBe(true);
  });

  it('mlmeta runs lists tracked runs from a SQLite store without loading zod or the schemas', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlmeta-lazy-runs-'));
    const store = `sqlite:${join(dir, 'store.db')}`;
    const seed = spawnSync(process.execPath, [SEED, join(dir, 'work')], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', MLMETA_STORE: store, MLMETA_SPOOL_DIR: join(dir, 'spool') },
      cwd: dir,
    });
    expect(seed.status, seed.stderr).toBe(0);
    const { status, urls } = resolvedBy(['runs', '--store', store]);
    expect(status).toBe(0);
    expect(urls.some((url) => url.includes('/packages/core/dist/read.js'))).toBe(true);
    // Both seeded runs have metric series: `runs` asked the store for each run's metric keys.
    expect(urls.filter((url) => /\/zod\/|\/schemas-[\w-]+\.js|\/core\/dist\/index\.js/.test(url))).toEqual(
      [],
    );
  });
});

describe('usage errors', () => {
  it.each([
    [['runs', '--bogus'], /^error: unknown option '--bogus'\n\(see mlmeta runs --help\)\n$/],
    [
      ['runs', '--limit', 'ten'],
      /write an integer from 1 to 10000, not "ten"\n\(see mlmeta runs --help\)\n$/,
    ],
    [['nope'], /^error: unknown command 'nope'\n\(see mlmeta --help\)\n$/],
    [['show'], /^error: missing required argument 'run\|artifact'\n\(see mlmeta show --help\)\n$/],
  ])('%j: the error and a pointer to the help, exit 2', async (args, expected) => {
    const { io, out, err } = memoryIo();
    expect(await runCli(args, io)).toBe(2);
    expect(err.join('')).toMatch(expected);
    expect(out.join('')).toBe('');
  });
});
