/** watch() over a real SQLite file: only new nodes, each once, filtered, cancellable. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MetadataStore, openStore, type WatchedNode, watch } from '@mlmeta/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-watch-'));
let store: MetadataStore;

const types = [
  { kind: 'artifact' as const, name: 'mlmeta.Model', properties: {} },
  { kind: 'execution' as const, name: 'mlmeta.Train', properties: {} },
];

beforeAll(async () => {
  store = await openStore(`sqlite:${join(dir, 'w.db')}`);
  await store.putLineage({
    types,
    artifacts: [{ type: 'mlmeta.Model', externalId: 'old-model', state: 'LIVE' }],
    executions: [{ type: 'mlmeta.Train', externalId: 'old-run', lastKnownState: 'RUNNING' }],
  });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Collects what the watch yields until `count` items arrived, then aborts it. */
async function collect(iterator: AsyncIterable<WatchedNode>, count: number, controller: AbortController) {
  const seen: WatchedNode[] = [];
  for await (const item of iterator) {
    seen.push(item);
    if (seen.length === count) controller.abort();
  }
  return seen;
}

describe('watch', () => {
  it('reports new artifacts and executions once each, not what existed before', async () => {
    const controller = new AbortController();
    const iterator = watch(store, { intervalMs: 20, signal: controller.signal });
    const done = collect(iterator, 3, controller);
    await new Promise((r) => setTimeout(r, 100));
    await store.putLineage({
      artifacts: [{ type: 'mlmeta.Model', externalId: 'new-model', state: 'LIVE' }],
      executions: [{ type: 'mlmeta.Train', externalId: 'new-run', lastKnownState: 'RUNNING' }],
    });
    // An update to an old node and a second update to a new one are not new nodes.
    await store.putLineage({
      executions: [
        { type: 'mlmeta.Train', externalId: 'old-run', lastKnownState: 'COMPLETE' },
        { type: 'mlmeta.Train', externalId: 'new-run', lastKnownState: 'COMPLETE' },
      ],
    });
    await new Promise((r) => setTimeout(r, 100));
    await store.putLineage({ artifacts: [{ type: 'mlmeta.Model', externalId: 'newer-model' }] });
    const seen = await done;
    expect(seen.map((s) => `${s.kind}:${s.node.externalId}`).sort()).toEqual([
      'artifact:new-model',
      'artifact:newer-model',
      'execution:new-run',
    ]);
  });

  it('filters by kind and filter, and reports a node when it first matches', async () => {
    const controller = new AbortController();
    const iterator = watch(store, {
      kinds: ['execution'],
      filter: 'state = COMPLETE',
      intervalMs: 20,
      signal: controller.signal,
    });
    const done = collect(iterator, 1, controller);
    await new Promise((r) => setTimeout(r, 100));
    await store.putLineage({
      artifacts: [{ type: 'mlmeta.Model', externalId: 'ignored-model' }],
      executions: [{ type: 'mlmeta.Train', externalId: 'slow-run', lastKnownState: 'RUNNING' }],
    });
    await new Promise((r) => setTimeout(r, 100));
    await store.putLineage({
      executions: [{ type: 'mlmeta.Train', externalId: 'slow-run', lastKnownState: 'COMPLETE' }],
    });
    const seen = await done;
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      kind: 'execution',
      node: { externalId: 'slow-run', lastKnownState: 'COMPLETE' },
    });
  });

  it('ends when the signal aborts, even while waiting between polls', async () => {
    const controller = new AbortController();
    const iterator = watch(store, { intervalMs: 60_000, signal: controller.signal });
    const done = collect(iterator, Number.POSITIVE_INFINITY, controller);
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    expect(await done).toEqual([]);
  });
});
