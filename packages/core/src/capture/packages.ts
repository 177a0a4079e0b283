/**
 * Library versions a run depends on: the project's direct dependencies and the ML framework
 * packages, read from the installed package.json files (what actually runs, not the semver
 * range asked for), plus the lockfile's digest.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sha256File } from '../files/digest.js';
import { logger } from '../log.js';

/** Always looked up, whether or not the project lists them directly. */
export const FRAMEWORK_PACKAGES = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-data',
  '@tensorflow/tfjs-converter',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-webgl',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-webgpu',
  'onnxruntime-node',
  'onnxruntime-common',
  'onnxruntime-web',
];

const LOCKFILES = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'yarn.lock',
  'bun.lock',
  'bun.lockb',
];

export interface PackagesInfo {
  project?: { name?: string; version?: string; path: string };
  /** Installed versions of the direct dependencies; null when listed but not installed. */
  dependencies: Record<string, string | null>;
  /** Installed framework packages (absent ones are omitted). */
  frameworks: Record<string, string>;
  lockfile?: { path: string; digest: string };
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function* ancestors(start: string): Generator<string> {
  let dir = start;
  while (true) {
    yield dir;
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** The directory of the nearest package.json at or above `start`. */
export async function findProjectDir(start: string): Promise<string | undefined> {
  for (const dir of ancestors(start)) {
    if ((await readJson(join(dir, 'package.json'))) !== undefined) return dir;
  }
  return undefined;
}

// Node's own lookup order: node_modules of the project, then of each ancestor (workspaces hoist
// dependencies to the root). package.json is read directly because a package's `exports` map
// may hide it from require.resolve.
async function installedVersion(projectDir: string, name: string): Promise<string | undefined> {
  for (const dir of ancestors(projectDir)) {
    const manifest = await readJson(join(dir, 'node_modules', name, 'package.json'));
    if (manifest && typeof manifest.version === 'string') return manifest.version;
  }
  return undefined;
}

async function findLockfile(projectDir: string): Promise<PackagesInfo['lockfile']> {
  for (const dir of ancestors(projectDir)) {
    for (const name of LOCKFILES) {
      const path = join(dir, name);
      try {
        return { path, digest: await sha256File(path) };
      } catch {
        // Not here; keep looking upwards (a workspace's lockfile lives at its root).
      }
    }
  }
  return undefined;
}

/**
 * Versions and lockfile of the project whose package.json is nearest to `start`. Never rejects.
 *
 * @example
 * const { frameworks } = await capturePackages(process.cwd());
 * frameworks['@tensorflow/tfjs']; // '4.22.0'
 */
export async function capturePackages(start: string): Promise<PackagesInfo> {
  const info: PackagesInfo = { dependencies: {}, frameworks: {} };
  try {
    const projectDir = (await findProjectDir(start)) ?? start;
    const manifest = await readJson(join(projectDir, 'package.json'));
    if (manifest) {
      info.project = {
        path: projectDir,
        ...(typeof manifest.name === 'string' ? { name: manifest.name } : {}),
        ...(typeof manifest.version === 'string' ? { version: manifest.version } : {}),
      };
      const listed = { ...(manifest.dependencies as object), ...(manifest.devDependencies as object) };
      const names = Object.keys(listed).sort();
      const versions = await Promise.all(names.map((name) => installedVersion(projectDir, name)));
      names.forEach((name, i) => {
        info.dependencies[name] = versions[i] ?? null;
      });
    }
    const frameworkVersions = await Promise.all(
      FRAMEWORK_PACKAGES.map((n) => installedVersion(projectDir, n)),
    );
    FRAMEWORK_PACKAGES.forEach((name, i) => {
      const version = frameworkVersions[i];
      if (version !== undefined) info.frameworks[name] = version;
    });
    const lockfile = await findLockfile(projectDir);
    if (lockfile) info.lockfile = lockfile;
  } catch (error) {
    logger.debug('package capture failed:', error);
  }
  return info;
}
