/**
 * `mlmeta ui` as users run it: the built bin, a real SQLite file, a real port on 127.0.0.1,
 * SIGINT to stop. The store is read-only and there is no login.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@mlmeta/core';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'dist', 'bin.js');

describe('mlmeta ui', () => {
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the UI read-only on 127.0.0.1, prints the URL, stops on SIGINT', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mlmeta-ui-cmd-'));
    const uri = `sqlite:${join(dir, 'mlmeta.db')}`;
    const seed = await openStore(uri);
    await seed.putLineage({
      types: [{ kind: 'execution', name: 'mlmeta.Run', properties: {} }],
      executions: [{ type: 'mlmeta.Run', externalId: 'run-1', name: 'first', lastKnownState: 'COMPLETE' }],
    });
    await seed.close();

    child = spawn(process.execPath, [BIN, 'ui', '--store', uri, '--port', '0'], { stdio: 'pipe' });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await expect.poll(() => out, { timeout: 30_000 }).toMatch(/mlmeta ui: http:\/\/127\.0\.0\.1:\d+\//);
    const url = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)![1]!;

    const page = await fetch(`${url}/runs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js">/);
    expect(await (await fetch(`${url}/api/v1/ui/session`)).json()).toEqual({ authenticated: false });
    const runs = (await (await fetch(`${url}/api/v1/ui/runs`)).json()) as { items: { name: string }[] };
    expect(runs.items.map((r) => r.name)).toEqual(['first']);
    const write = await fetch(`${url}/api/v1/lineage/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        executions: [{ type: 'mlmeta.Run', externalId: 'run-2', lastKnownState: 'NEW' }],
      }),
    });
    expect(write.status).toBe(403);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
