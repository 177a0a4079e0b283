/**
 * The ecosystem's own checks on every published package, run on what `npm pack` puts in the
 * tarball (the built dist/): publint (manifest, exports map, files) in strict mode, so that its
 * warnings fail too, and Are The Types Wrong (types for the ESM and the CommonJS entries, under
 * every TypeScript module resolution). `npm run check:packages` runs this file alone.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { root, userEnv } from './packed-project.js';

const exec = promisify(execFile);
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

const packages = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }
).workspaces
  .filter((entry) => entry.startsWith('packages/'))
  .map((entry) => join(root, entry));

/** Runs a checker; resolves with its exit code and everything it printed. */
async function check(command: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await exec(bin(command), args, { cwd: root, env: userEnv() });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const { code, stdout = '', stderr = '' } = error as { code?: number; stdout?: string; stderr?: string };
    return { code: code ?? 1, output: `${stdout}${stderr}` };
  }
}

describe.each(packages)('%s', (dir) => {
  it('passes publint --strict', async () => {
    const result = await check('publint', ['--strict', dir]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('All good!');
  });

  it('passes Are The Types Wrong for every entry point', async () => {
    const result = await check('attw', ['--pack', dir, '--format', 'ascii']);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('No problems found');
  });
});
