/**
 * The published path: every package packed with `npm pack` and installed into a new project
 * outside this repository (packed-project.ts), then used there the way the README says, in real
 * subprocesses: the callback on a Sequential and a functional model, the preload hook with
 * `--import` and `--require` on scripts with no mlmeta in them, an onnxruntime-node serving
 * script, and `npx mlmeta runs`, `trace` and `ui`. One install serves every case (it compiles
 * better-sqlite3, which takes minutes).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLinearModel } from '../../packages/onnx/test/helpers/build-model.js';
import { type PackedProject, packedProject, root } from './packed-project.js';

const exec = promisify(execFile);
const INSTALL_TIMEOUT_MS = 20 * 60_000;
const CASE_TIMEOUT_MS = 120_000;

let project: PackedProject;

beforeAll(async () => {
  project = await packedProject([
    'fit.mjs',
    'train.mjs',
    'train.cjs',
    'serve.mjs',
    'entries.cjs',
    'copy.mjs',
  ]);
  writeFileSync(join(project.dir, 'linear.onnx'), buildLinearModel());
  writeFileSync(join(project.dir, 'raw.csv'), 'a,b\n1,2\n');
}, INSTALL_TIMEOUT_MS);

// The project with its node_modules is some 650 MB: never leave one behind.
afterAll(() => {
  if (project) rmSync(dirname(project.dir), { recursive: true, force: true });
});

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command args` in the project, as a user's shell would, to its end. */
async function inProject(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Outcome> {
  try {
    const { stdout, stderr } = await exec(command, args, {
      cwd: project.dir,
      env: { ...project.env, MLMETA_CAPTURE_DISABLED: 'git', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout = '', stderr = '' } = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof code === 'number' ? code : null, stdout, stderr };
  }
}

const node = (args: string[], env?: Record<string, string>) => inProject(process.execPath, args, env);
const mlmeta = (args: string[]) => inProject('npx', ['--no', '--', 'mlmeta', ...args]);

interface RunRow {
  name: string;
  type: string;
  state: string;
  params: Record<string, unknown>;
}

/** `npx mlmeta runs --json` in the project: every run in its default store. */
async function runs(): Promise<RunRow[]> {
  const result = await mlmeta(['runs', '--json', '--limit', '1000']);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { runs: RunRow[] }).runs;
}

/** The files a manifest's fields point at (values only: export keys such as "./register" are not files). */
function pointedFiles(value: unknown): string[] {
  if (typeof value === 'string') return value.startsWith('./') ? [value.slice(2)] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(pointedFiles);
}

describe('the packed tarballs', () => {
  it('hold the manifest, README, LICENSE and every file the manifest points at, and no sources', () => {
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    for (const pkg of project.packages) {
      const manifest = JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      expect(pkg.files, pkg.name).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
      for (const path of pointedFiles([manifest.main, manifest.types, manifest.bin, manifest.exports])) {
        if (path !== 'package.json') expect(pkg.files, `${pkg.name}: ${path}`).toContain(path);
      }
      expect(
        pkg.files.filter((f) => /^(src|test|ui)\/|tsconfig|tsup\.config/.test(f)),
        pkg.name,
      ).toEqual([]);
      expect(readFileSync(join(project.dir, 'node_modules', pkg.name, 'LICENSE'), 'utf8'), pkg.name).toBe(
        license,
      );
      expect(manifest.license, pkg.name).toBe('Apache-2.0');
    }
  });

  it('install without PostgreSQL or HTTP client packages, and load under require() and import()', async () => {
    const result = await node(['entries.cjs']);
    expect(result.code, result.stderr).toBe(0);
    const entries = JSON.parse(result.stdout) as Record<string, { require: number; import: number }>;
    for (const pkg of project.packages) {
      expect(entries[pkg.name]?.require, pkg.name).toBeGreaterThan(0);
      expect(entries[pkg.name]?.import, pkg.name).toBe(entries[pkg.name]?.require);
    }
    const absent = await node([
      '-e',
      "for (const m of ['pg', 'pg-copy-streams', 'ky']) { try { require.resolve(m); console.log(m) } catch {} }",
    ]);
    expect(absent.stdout.trim()).toBe('');
  });

  it('`npx mlmeta --version` prints the installed package version', async () => {
    const version = (
      JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')) as { version: string }
    ).version;
    const result = await mlmeta(['--version']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('a PostgreSQL store without the pg package fails with what to install', async () => {
    const result = await mlmeta(['runs', '--store', 'postgres://postgres@127.0.0.1:5432/test']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('npm install pg pg-copy-streams');
  });
});

describe('in a fresh project', () => {
  it.each(['sequential', 'functional'])(
    "the README's callback example records a %s model's first fit",
    async (kind) => {
      const result = await node(['fit.mjs', kind, `fit-${kind}`]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`fitted ${kind}`);
      expect(result.stderr).not.toContain('[mlmeta] warn');
      const run = (await runs()).find((r) => r.name === `fit-${kind}`);
      expect(run, `no run fit-${kind} in ${JSON.stringify(await runs())}`).toMatchObject({
        type: 'mlmeta.Train',
        state: 'COMPLETE',
        params: { epochs: 3, batchSize: 8 },
      });
      const shown = await mlmeta(['show', `fit-${kind}`, '--json']);
      expect(shown.code, shown.stderr).toBe(0);
      const { inputs } = (
        JSON.parse(shown.stdout) as { run: { inputs: Array<{ type: string; digest: string }> } }
      ).run;
      expect(inputs.map((i) => i.type)).toContain('mlmeta.Dataset');
    },
    CASE_TIMEOUT_MS,
  );

  it.each([
    ['--import', 'train.mjs', 'trained esm'],
    ['--require', 'train.cjs', 'trained cjs'],
  ])(
    'the preload hook (%s) records an unchanged training script',
    async (flag, script, printed) => {
      const runName = `hook${flag}`;
      const plain = await node([script], { MLMETA_DISABLED: 'true' });
      const hooked = await node([flag, '@mlmeta/node-hooks/register', script], { MLMETA_RUN_NAME: runName });
      expect(hooked.code, hooked.stderr).toBe(0);
      expect(hooked.stdout).toBe(plain.stdout);
      expect(hooked.stdout).toContain(printed);
      expect((await runs()).find((r) => r.name === runName)).toMatchObject({
        type: 'mlmeta.Train',
        state: 'COMPLETE',
        params: { epochs: 2 },
      });
    },
    CASE_TIMEOUT_MS,
  );

  it(
    "the preload hook records a data step's files from an installed package (the recorder child finds core itself)",
    async () => {
      const copied = await node(['--import', '@mlmeta/node-hooks/register', 'copy.mjs']);
      expect(copied.code, copied.stderr).toBe(0);
      expect(copied.stdout).toContain('copied');
      // The CLI waits for the recorder child before it answers.
      expect((await runs()).find((r) => r.name === 'copy')).toMatchObject({
        type: 'mlmeta.Script',
        state: 'COMPLETE',
      });
      const trace = await mlmeta(['trace', 'copy.csv', '--json']);
      expect(trace.code, trace.stderr).toBe(0);
      const traced = JSON.parse(trace.stdout) as { producedBy: Array<{ name: string }> };
      expect(traced.producedBy.map((r) => r.name)).toEqual(['copy']);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'an onnxruntime-node serving script records the serve, and `mlmeta trace` finds who made the model',
    async () => {
      const served = await node(['serve.mjs', 'linear.onnx']);
      expect(served.code, served.stderr).toBe(0);
      expect(served.stdout).toContain('served 9.5,11,17');
      const serve = (await runs()).find((r) => r.type === 'mlmeta.Serve');
      expect(serve).toMatchObject({ state: 'COMPLETE' });

      const trace = await mlmeta(['trace', 'linear.onnx', '--json']);
      expect(trace.code, trace.stderr).toBe(0);
      const traced = JSON.parse(trace.stdout) as { producedBy: Array<{ name: string; state: string }> };
      expect(traced.producedBy.map((r) => [r.name, r.state])).toEqual([['export-linear', 'COMPLETE']]);

      const text = await mlmeta(['runs']);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/export-linear\s+\S+\s+COMPLETE/);
    },
    CASE_TIMEOUT_MS,
  );

  describe('`npx mlmeta ui`', () => {
    let child: ChildProcess | undefined;
    // npx runs mlmeta under a shell and does not pass signals on; a terminal's Ctrl-C reaches
    // the whole foreground process group, so the test gives the command a group of its own.
    const signalGroup = (signal: NodeJS.Signals) => {
      if (child?.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // the group has exited
      }
    };
    afterAll(() => signalGroup('SIGKILL'));

    it(
      'serves the pages from the installed package and stops on SIGINT',
      async () => {
        child = spawn('npx', ['--no', '--', 'mlmeta', 'ui', '--port', '0'], {
          cwd: project.dir,
          env: project.env,
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        });
        let out = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
        });
        child.stderr!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
        });
        const exited = new Promise<string>((resolve) =>
          child!.once('exit', (code, signal) => resolve(signal ?? String(code))),
        );
        await expect.poll(() => out, { timeout: 60_000 }).toMatch(/mlmeta ui: http:\/\/127\.0\.0\.1:\d+\//);
        const url = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)![1]!;

        const page = await fetch(`${url}/runs`);
        expect(page.status).toBe(200);
        const html = await page.text();
        const script = /<script type="module" crossorigin src="(\/assets\/index-[\w-]+\.js)">/.exec(
          html,
        )?.[1];
        expect(script, html).toBeDefined();
        expect((await fetch(`${url}${script}`)).status).toBe(200);
        const listed = (await (await fetch(`${url}/api/v1/ui/runs`)).json()) as { items: { name: string }[] };
        expect(listed.items.length).toBeGreaterThan(0);

        signalGroup('SIGINT');
        // npm re-raises the signal its child got; what matters is that the server is gone.
        expect(['0', 'SIGINT']).toContain(await exited);
        await expect
          .poll(() =>
            fetch(`${url}/runs`).then(
              () => 'listening',
              () => 'stopped',
            ),
          )
          .toBe('stopped');
      },
      CASE_TIMEOUT_MS,
    );
  });
});
