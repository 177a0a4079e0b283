/**
 * The read commands and `mlmeta ui` on a store the user can read but not write: a 0444 file in a
 * 0555 folder, read by another user (as root, `nobody` through setpriv, since root ignores file
 * modes). Before, every one of them failed with "attempt to write a readonly database".
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const SEED = fileURLToPath(new URL('./fixtures/seed.mjs', import.meta.url));
const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
const asOtherUser = isRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : [];

let dir: string;
let folder: string;
let store: string;

function env(): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, MLMETA_STORE: store, NO_COLOR: '1' };
  delete base.COLUMNS;
  return base;
}

function mlmeta(args: string[]) {
  const [command, ...rest] = [...asOtherUser, process.execPath, BIN, ...args];
  const result = spawnSync(command!, rest, { encoding: 'utf8', env: env(), cwd: dir, timeout: 60_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlmeta-cli-ro-'));
  chmodSync(dir, 0o755);
  folder = join(dir, 'store');
  mkdirSync(folder, { mode: 0o755 });
  store = `sqlite:${join(folder, 'mlmeta.db')}`;
  const seeded = spawnSync(process.execPath, [SEED, join(dir, 'work')], { encoding: 'utf8', env: env() });
  expect(seeded.status, seeded.stderr).toBe(0);
  for (const name of readdirSync(folder)) chmodSync(join(folder, name), 0o444);
  chmodSync(folder, 0o555);
});

afterAll(() => {
  chmodSync(folder, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(isRoot && !hasSetpriv)('a store the user can read but not write', () => {
  it('runs, show and lineage answer, and nothing is written next to the file', () => {
    const runs = mlmeta(['runs']);
    expect(runs.err).toBe('');
    expect(runs.out).toMatch(/train-bad\s+iris\s+FAILED/);
    expect(runs.code).toBe(0);
    const show = mlmeta(['show', 'train-bad']);
    expect(show.err).toBe('');
    expect(show.out).toContain('loss became NaN at epoch 0');
    const lineage = mlmeta(['lineage', join(dir, 'work', 'model.onnx'), '--upstream']);
    expect(lineage.err).toBe('');
    expect(lineage.out).toContain('train-good');
    expect(readdirSync(folder)).toEqual(['mlmeta.db']);
  });

  it('mlmeta ui serves it', async () => {
    const [command, ...rest] = [...asOtherUser, process.execPath, BIN, 'ui', '--port', '0'];
    const ui: ChildProcess = spawn(command!, rest, {
      env: env(),
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        ui.stdout!.on('data', (chunk) => {
          out += chunk;
          const found = /mlmeta ui: (http:\/\/\S+?)\/?\n/.exec(out);
          if (found) resolve(found[1]!);
        });
        ui.stderr!.on('data', (chunk) => {
          err += chunk;
        });
        ui.on('exit', (code) => reject(new Error(`mlmeta ui exited with ${code}: ${err}`)));
      });
      const response = await fetch(`${url}/api/v1/ui/runs`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { items: { name: string }[] };
      expect(body.items.map((run) => run.name).sort()).toEqual(['train-bad', 'train-good']);
    } finally {
      ui.kill('SIGTERM');
    }
  });
});
