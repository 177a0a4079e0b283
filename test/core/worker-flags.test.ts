/**
 * mlmeta's worker threads (the store worker, the capture worker) start whatever node flags the
 * program was started with: flags that Node refuses in a worker must not send the run's records
 * to the spool or lose its environment. Runs the built dist/ in real processes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

const PROGRAM = `
const core = await import('@mlmeta/core');
const run = core.startRun({ name: 'flags', params: { lr: 0.1 } });
run.logMetrics({ loss: 0.5 }, 0);
await run.end();
const store = await core.openStore(process.env.MLMETA_STORE, { readOnly: true });
const [execution] = (await store.getExecutions({})).items;
const { total } = await store.getMetrics({ execution: { id: execution.id }, key: 'loss' });
console.log(JSON.stringify({ state: execution.lastKnownState, cores: execution.customProperties.hardware?.cpu?.cores, points: total, execArgv: execution.customProperties.environment?.execArgv }));
await store.close();
`;

describe.each([
  [['--max-old-space-size=512']],
  [['--expose-gc']],
  [['--input-type=module', '--stack-size=900']],
])('a program started with node %s', (flags) => {
  it('writes its run to the store (not the spool), captures the hardware and records its flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlmeta-worker-flags-'));
    const result = spawnSync(
      process.execPath,
      [
        ...flags,
        ...(flags.some((f) => f.startsWith('--input-type')) ? [] : ['--input-type=module']),
        '-e',
        PROGRAM,
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          MLMETA_STORE: `sqlite:${join(dir, 'm.db')}`,
          MLMETA_SPOOL_DIR: join(dir, 'spool'),
        },
      },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/spool|worker/i);
    const { execArgv, ...recorded } = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect(recorded).toEqual({ state: 'COMPLETE', cores: expect.any(Number), points: 1 });
    expect(readdirSync(dir)).not.toContain('spool');
    // Captured on the capture worker, which has no flags of its own: the process's are recorded.
    expect(execArgv).toEqual(expect.arrayContaining(flags));
  });
});
