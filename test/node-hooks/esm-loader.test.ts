/**
 * `--import` starts no loader thread: on Node without in-thread module hooks the require hook
 * alone covers ESM apps (every watched package is CommonJS under Node; the ESM programs in
 * preload.test.ts check that their lineage is still recorded), and where Node has them,
 * import-in-the-middle runs in-thread. A thread would cost several times the startup budget.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { supportsSyncHooks } from 'import-in-the-middle/supports-sync-hooks.mjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, REGISTER, run } from './helpers.js';

beforeAll(assertBuilt);

const EMPTY_ESM = pathToFileURL(fixture('empty.mjs')).href;
// The libuv pool starts with the first async file read (the ESM loader's), so a fixed size
// keeps the two processes' thread counts comparable.
const ENV = { UV_THREADPOOL_SIZE: '4' };

async function probe(nodeArgs: string[]): Promise<{ threads: number; hooks: string[] }> {
  const result = await run(nodeArgs, fixture('loader-threads.cjs'), [], ENV);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

describe.skipIf(!existsSync('/proc/self/status'))('the --import entry point', () => {
  it('starts no thread beyond what importing an empty ES module starts', async () => {
    const baseline = await probe(['--import', EMPTY_ESM]);
    const hooked = await probe(['--import', REGISTER]);
    expect(hooked.threads).toBe(baseline.threads);
    // The check can fail: a module.register() loader in the same position adds a thread.
    const loaderUrl = `data:text/javascript,import{register}from'node:module';register('${EMPTY_ESM}')`;
    const withLoader = await probe(['--import', loaderUrl]);
    expect(withLoader.threads).toBeGreaterThan(baseline.threads);
  });

  it('installs import-in-the-middle only where Node runs loader hooks in-thread', async () => {
    const { hooks } = await probe(['--import', REGISTER]);
    expect(hooks).toEqual(
      supportsSyncHooks() ? ['import-in-the-middle', 'require-in-the-middle'] : ['require-in-the-middle'],
    );
  });
});
