/**
 * The server SIGKILLed and restarted while a client keeps writing lineage batches and metrics
 * through the HTTP store: retries carry the client over the outage, and afterwards every
 * record is present exactly once (writes are idempotent by external id and by metric step).
 */
import { join } from 'node:path';
import { type MetadataStore, openStore } from '@mlmeta/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChildServer, freePort, spawnServer } from './child-server.js';
import { tempDir } from './helpers.js';

const RUNS = 40;
const POINTS = 400;

function batchFor(i: number) {
  return {
    types: [
      { kind: 'execution' as const, name: 'restart.Train', properties: { i: 'INT' as const } },
      { kind: 'artifact' as const, name: 'restart.Dataset' },
    ],
    artifacts: [{ type: 'restart.Dataset', externalId: `ds-${i}`, uri: `file:///data/${i}.csv` }],
    executions: [
      {
        type: 'restart.Train',
        externalId: `run-${i}`,
        properties: { i },
        lastKnownState: 'RUNNING' as const,
      },
    ],
    events: [
      { artifact: { externalId: `ds-${i}` }, execution: { externalId: `run-${i}` }, type: 'INPUT' as const },
    ],
  };
}

function pointsFor(i: number) {
  return Array.from({ length: POINTS }, (_, step) => ({
    execution: { externalId: `run-${i}` },
    key: 'loss',
    step,
    value: step === 7 ? Number.NaN : 1 / (step + 1),
    wallTime: 1_700_000_000_000 + step,
  }));
}

describe('server killed and restarted during writes', () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('loses nothing and duplicates nothing', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const port = await freePort();
    const args = ['--store', `sqlite:${join(dir, 'mlmeta.db')}`, '--port', String(port)];
    let server: ChildServer = await spawnServer(args);
    cleanups.push(() => {
      server.child.kill('SIGKILL');
    });

    const store: MetadataStore = await openStore(`http://127.0.0.1:${port}`);
    let written = 0;
    const writer = (async () => {
      for (let i = 0; i < RUNS; i++) {
        await store.putLineage(batchFor(i));
        await store.appendMetrics(pointsFor(i));
        written = i + 1;
      }
    })();

    while (written < RUNS / 4) await new Promise((r) => setTimeout(r, 5));
    server.child.kill('SIGKILL');
    expect((await server.exited).signal).toBe('SIGKILL');
    const writtenAtKill = written;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(written - writtenAtKill).toBeLessThanOrEqual(1);
    server = await spawnServer(args);
    await writer;

    const executions = await store.getExecutions({ type: 'restart.Train', limit: 1000 });
    expect(executions.items.map((e) => e.externalId).sort()).toEqual(
      Array.from({ length: RUNS }, (_, i) => `run-${i}`).sort(),
    );
    const artifacts = await store.getArtifacts({ type: 'restart.Dataset', limit: 1000 });
    expect(artifacts.items).toHaveLength(RUNS);
    const events = await store.getEvents({ executionIds: executions.items.map((e) => e.id) });
    expect(events).toHaveLength(RUNS);
    for (const execution of executions.items) {
      const keys = await store.getMetricKeys({ id: execution.id });
      expect(keys).toEqual([
        { key: 'loss', count: POINTS, minStep: 0, maxStep: POINTS - 1, lastValue: 1 / POINTS },
      ]);
    }
    const series = await store.getMetrics({ execution: { externalId: 'run-0' }, key: 'loss' });
    expect(series.points[7]!.value).toBeNaN();
    await store.close();
  });

  it('gives up with UNAVAILABLE after its time budget when the server stays down', async () => {
    const port = await freePort();
    const { openHttpStore } = await import('@mlmeta/core');
    const store = await openHttpStore(`http://127.0.0.1:${port}`, { retry: { maxElapsedMs: 500 } });
    const error = await store.appendMetrics(pointsFor(0)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    expect((error as Error).message).toMatch(/gave up after \d+ attempts/);
    expect(store.uri).toBe(`http://127.0.0.1:${port}`);
  });
});
