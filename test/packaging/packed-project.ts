/**
 * The packages as a user gets them: each workspace package packed with `npm pack`, the tarballs
 * installed with `npm install` into a new project under the OS temp folder, beside the
 * frameworks from the registry. Nothing links back to this repository: no workspace, no
 * hoisted node_modules above the project, no NODE_PATH.
 *
 * The install is slow (better-sqlite3 compiles from source here), so a test file makes one
 * project and runs all its cases in it. It is offline-safe: `--prefer-offline` takes every
 * package from the npm cache that this repository's own install filled, onnxruntime-node's
 * postinstall download is skipped, and node-gyp uses the running Node's headers.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const root = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);

/** One packed package: its manifest name, tarball path and the files npm put in it. */
export interface PackedPackage {
  name: string;
  dir: string;
  tarball: string;
  files: string[];
}

export interface PackedProject {
  dir: string;
  packages: PackedPackage[];
  /** The environment a user's shell would have: no npm_*, MLMETA_*, NODE_OPTIONS or VITEST*. */
  env: NodeJS.ProcessEnv;
}

/** The environment of a user's shell in `dir`: nothing from npm, vitest or mlmeta of this run. */
export function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !/^npm_/i.test(key) &&
        !key.startsWith('MLMETA_') &&
        !key.startsWith('VITEST') &&
        key !== 'NODE_OPTIONS' &&
        key !== 'NODE_PATH' &&
        key !== 'INIT_CWD',
    ),
  );
  return { ...env, NO_UPDATE_NOTIFIER: '1', npm_config_update_notifier: 'false' };
}

/** The workspace packages (packages/*), in the root manifest's order. */
function workspacePackages(): Array<{ name: string; dir: string }> {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  return manifest.workspaces
    .filter((entry) => entry.startsWith('packages/'))
    .map((entry) => {
      const dir = join(root, entry);
      return {
        dir,
        name: (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string }).name,
      };
    });
}

/** `npm pack` every workspace package into `dest`. */
export async function packAll(dest: string): Promise<PackedPackage[]> {
  const packages = workspacePackages();
  const { stdout } = await exec(
    'npm',
    ['pack', '--json', '--pack-destination', dest, ...packages.flatMap((p) => ['-w', p.name])],
    { cwd: root, env: userEnv(), maxBuffer: 64 * 1024 * 1024 },
  );
  const packed = JSON.parse(stdout) as Array<{
    name: string;
    filename: string;
    files: Array<{ path: string }>;
  }>;
  return packed.map((p) => ({
    name: p.name,
    dir: packages.find((w) => w.name === p.name)!.dir,
    tarball: join(dest, p.filename),
    files: p.files.map((f) => f.path).sort(),
  }));
}

/** The version range this repository tests `name` with (root devDependencies). */
function testedRange(name: string): string {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const range = manifest.devDependencies[name];
  if (!range) throw new Error(`${name} is not a devDependency of the root package.json`);
  return range;
}

/**
 * Pack every package and install the tarballs, @tensorflow/tfjs and onnxruntime-node into a new
 * project; `fixtures` (file names under test/packaging/fixtures) are copied into it.
 */
export async function packedProject(fixtures: string[]): Promise<PackedProject> {
  const base = mkdtempSync(join(tmpdir(), 'mlmeta-packed-'));
  const tarballs = join(base, 'tarballs');
  const dir = join(base, 'project');
  mkdirSync(tarballs);
  mkdirSync(dir);
  const packages = await packAll(tarballs);
  const dependencies = Object.fromEntries([
    ...packages.map((p) => [p.name, `file:${p.tarball}`]),
    ['@tensorflow/tfjs', testedRange('@tensorflow/tfjs')],
    ['onnxruntime-node', testedRange('onnxruntime-node')],
  ]);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'fresh-project', version: '1.0.0', private: true, type: 'module', dependencies }, null, 2)}\n`,
  );
  for (const file of fixtures) cpSync(join(root, 'test/packaging/fixtures', file), join(dir, file));

  const env = userEnv();
  try {
    await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      env: {
        ...env,
        ONNXRUNTIME_NODE_INSTALL: 'skip',
        // better-sqlite3 compiles here: against the running Node's headers, with no download.
        npm_config_nodedir: dirname(dirname(process.execPath)),
        npm_config_build_from_source: 'true',
      },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm install in ${dir} failed:\n${`${stdout}\n${stderr}`.trim().slice(-4000)}`);
  }
  return { dir, packages, env };
}
