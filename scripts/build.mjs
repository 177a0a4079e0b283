#!/usr/bin/env node
/**
 * Builds the workspace packages whose dist/ is missing or older than their sources, dependencies
 * first, with the bundler's output kept back unless a build fails. `npm install` / `npm ci` run
 * it (the root `prepare` script), so a clone is built once; `npm run demo` runs it again and
 * finds nothing to do. `--all` rebuilds every package.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { root, stalePackages, workspaces } from './stale-packages.mjs';

const all = process.argv.includes('--all');
const todo = all ? workspaces().map((ws) => ({ ws, reason: 'asked for' })) : stalePackages();

for (const { ws, reason } of todo) {
  const started = performance.now();
  process.stderr.write(`building ${ws.name} (${reason})… `);
  try {
    await promisify(execFile)('npm', ['run', 'build', '--silent', '-w', ws.name], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    process.stderr.write('failed\n');
    process.stderr.write(`${`${error.stdout ?? ''}\n${error.stderr ?? ''}`.trim()}\n`);
    process.exit(1);
  }
  process.stderr.write(`${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
