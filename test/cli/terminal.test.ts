/**
 * The built `mlmeta` as a person at a terminal sees it: run in a pseudo-terminal (util-linux's
 * `script`, with the terminal's width set by `stty cols`), against the same command piped.
 * Colours only on a terminal that has them (not TERM=dumb, not a CI log) and never with NO_COLOR
 * or --no-color; tables and help fit the terminal's width. The terminal is an xterm whatever
 * the environment the tests run in (CI sets CI and often no TERM).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const SEED = fileURLToPath(new URL('./fixtures/seed.mjs', import.meta.url));
const SCRIPT = '/usr/bin/script';
const ESC = '\u001b[';

let dir: string;

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const name of ['MLMETA_STORE', 'COLUMNS', 'NO_COLOR', 'FORCE_COLOR', 'NODE_OPTIONS', 'CI', 'TERM'])
    delete base[name];
  return {
    ...base,
    MLMETA_STORE: `sqlite:${join(dir, 'store.db')}`,
    MLMETA_SPOOL_DIR: join(dir, 'spool'),
    ...extra,
  };
}

const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/** `mlmeta args` in a pseudo-terminal `columns` wide: what the terminal shows, lines without \r. */
function inTerminal(args: string[], columns: number, extra: Record<string, string> = {}) {
  const command = `stty cols ${columns} rows 50; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  const result = spawnSync(SCRIPT, ['-qfec', command, '/dev/null'], {
    encoding: 'utf8',
    env: env({ TERM: 'xterm-256color', ...extra }),
    cwd: dir,
    timeout: 60_000,
  });
  return { code: result.status, screen: result.stdout.replaceAll('\r\n', '\n') };
}

function piped(args: string[], extra: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: env(extra), cwd: dir });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

const widest = (text: string) =>
  Math.max(...text.split('\n').map((line) => stripVTControlCharacters(line).length));

describe.skipIf(!existsSync(SCRIPT))('mlmeta in a terminal', () => {
  beforeAll(() => {
    expect(existsSync(BIN), 'build first: npm run build').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'mlmeta-tty-'));
    const seed = spawnSync(process.execPath, [SEED, join(dir, 'work')], {
      encoding: 'utf8',
      env: env(),
      cwd: dir,
    });
    expect(seed.status, seed.stderr).toBe(0);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs: colours on a terminal (bold header, red FAILED), none when piped', () => {
    const { code, screen } = inTerminal(['runs'], 160);
    expect(code).toBe(0);
    expect(screen).toContain(`${ESC}1mID`);
    expect(screen).toContain(`${ESC}31mFAILED${ESC}39m`);
    expect(stripVTControlCharacters(screen)).toMatch(/train-good\s+iris\s+COMPLETE/);
    const plain = piped(['runs']);
    expect(plain.code).toBe(0);
    expect(plain.out).not.toContain(ESC);
    expect(plain.out.trim()).toBe(stripVTControlCharacters(screen).trim());
  });

  it('runs: no colours on a terminal with NO_COLOR or --no-color, on a dumb terminal or in CI', () => {
    for (const [args, extra] of [
      [['runs'], { NO_COLOR: '1' }],
      [['runs', '--no-color'], {}],
      [['runs'], { TERM: 'dumb' }],
      [['runs'], { CI: 'true' }],
    ] as const) {
      const { code, screen } = inTerminal([...args], 160, extra);
      expect(code).toBe(0);
      expect(screen).toContain('FAILED');
      expect(screen).not.toContain(ESC);
    }
  });

  it('show and lineage: colours on a terminal, none when piped', () => {
    for (const args of [
      ['show', 'train-bad'],
      ['lineage', 'train-good'],
    ]) {
      const { code, screen } = inTerminal(args, 160);
      expect(code, screen).toBe(0);
      expect(screen, args.join(' ')).toContain(ESC);
      const plain = piped(args);
      expect(plain.code, plain.err).toBe(0);
      expect(plain.out).not.toContain(ESC);
    }
  });

  // `show` is left out: its key-value lines keep whole digests (to copy), and wrap.
  it.each([40, 60, 100])('runs and lineage fit a terminal %i columns wide', (columns) => {
    for (const args of [['runs'], ['lineage', 'train-good']]) {
      const { code, screen } = inTerminal(args, columns);
      expect(code, `${args.join(' ')}\n${screen}`).toBe(0);
      expect(screen.trim().length).toBeGreaterThan(0);
      expect({ args, widest: widest(screen) }).toEqual({ args, widest: Math.min(widest(screen), columns) });
    }
  });

  // commander wraps descriptions only when their column is 40 or more wide (about 100 columns).
  it.each([100, 120])('--help wraps to a terminal %i columns wide', (columns) => {
    for (const args of [['--help'], ['runs', '--help'], ['lineage', '--help']]) {
      const { code, screen } = inTerminal(args, columns);
      expect(code, screen).toBe(0);
      expect({ args, widest: widest(screen) }).toEqual({ args, widest: Math.min(widest(screen), columns) });
    }
  });

  it('sync: a progress bar on a terminal, none in a pipe', () => {
    // Runs recorded while their store could not be opened (a path under a file) are spooled.
    writeFileSync(join(dir, 'a-file'), '');
    const spool = (name: string) => {
      const seed = spawnSync(process.execPath, [SEED, join(dir, `work-${name}`)], {
        encoding: 'utf8',
        env: env({
          MLMETA_STORE: `sqlite:${join(dir, 'a-file', 'x.db')}`,
          MLMETA_SPOOL_DIR: join(dir, name),
        }),
        cwd: dir,
      });
      expect(seed.status, seed.stderr).toBe(0);
      return join(dir, name);
    };
    const tty = inTerminal(['sync', '--spool-dir', spool('spool-tty')], 100);
    expect(tty.code, tty.screen).toBe(0);
    expect(tty.screen).toMatch(/replaying spool \[[^\]]+\] 0\/3/);
    expect(tty.screen).toMatch(/replaying spool \[[^\]]+\] 3\/3/);
    expect(tty.screen).toContain('replayed 3 batch(es)');
    const plain = piped(['sync', '--spool-dir', spool('spool-pipe')]);
    expect(plain.code, plain.err).toBe(0);
    expect(plain.out).toContain('replayed 3 batch(es)');
    expect(plain.out + plain.err).not.toContain('replaying spool');
    expect(plain.out + plain.err).not.toContain(ESC);
  });

  it('a pipe without COLUMNS gets whole lines', () => {
    const { out } = piped(['runs']);
    expect(widest(out)).toBeGreaterThan(60);
    expect(out).not.toContain('…');
  });

  it('runs on a narrow terminal leaves out columns, whole, instead of cutting every one', () => {
    const { code, screen } = inTerminal(['runs'], 40);
    expect(code).toBe(0);
    const [header, ...lines] = stripVTControlCharacters(screen).trim().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual(['ID', 'NAME', 'STATE', 'DURATION']);
    expect(lines.join('\n')).toMatch(/train-good\s+COMPLETE/);
    expect(screen).not.toContain('…');
  });
});
