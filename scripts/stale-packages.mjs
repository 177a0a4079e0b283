/**
 * Which workspace packages need a build: a package is stale when a file its manifest points at
 * (main, types, bin, exports under ./dist/) is missing, or when any of its sources is newer than
 * the oldest file in its dist/. Shared by `scripts/build.mjs` (install, demo) and the tests'
 * globalSetup (test/build-packages.ts), so both agree on what "built" means.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** The packages with a build script, in the root package.json's order (dependencies first). */
export function workspaces() {
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return rootManifest.workspaces
    .filter((entry) => entry.startsWith('packages/'))
    .map((entry) => {
      const dir = join(root, entry);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      return { dir, name: manifest.name, manifest };
    })
    .filter((ws) => typeof ws.manifest.scripts?.build === 'string');
}

/** The modification time of every file under `path` (or of `path` itself). */
function* mtimes(path) {
  if (!existsSync(path)) return;
  const info = statSync(path);
  if (!info.isDirectory()) {
    yield info.mtimeMs;
    return;
  }
  for (const entry of readdirSync(path)) yield* mtimes(join(path, entry));
}

/** The dist files a package's manifest points at (main, types, bin, exports). */
function declaredOutputs(value, out = []) {
  if (typeof value === 'string') {
    if (value.startsWith('./dist/')) out.push(value);
  } else if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) declaredOutputs(inner, out);
  }
  return out;
}

/** Why `ws` needs a build, or undefined when its dist/ is complete and newer than its sources. */
export function staleness(ws) {
  const { main, types, bin, exports } = ws.manifest;
  const missing = declaredOutputs([main, types, bin, exports]).find(
    (file) => !existsSync(join(ws.dir, file)),
  );
  if (missing) return `${missing} is missing`;
  const inputs = [
    ...['src', 'ui', 'package.json', 'tsup.config.js', 'tsconfig.json'].map((name) => join(ws.dir, name)),
    join(root, 'tsup.base.js'),
  ];
  const newestInput = Math.max(...inputs.flatMap((path) => [...mtimes(path)]));
  const oldestOutput = Math.min(...mtimes(join(ws.dir, 'dist')));
  return newestInput > oldestOutput ? 'dist/ is older than its sources' : undefined;
}

/** The stale packages, dependencies first, each with the reason. */
export function stalePackages() {
  return workspaces().flatMap((ws) => {
    const reason = staleness(ws);
    return reason === undefined ? [] : [{ ws, reason }];
  });
}
