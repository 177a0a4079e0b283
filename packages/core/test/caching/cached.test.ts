/** Step caching against a real SQLite file: what reruns, what is reused, and what is recorded. */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CACHE_PROPERTIES,
  cached,
  cacheKey,
  canonicalJson,
  type MetadataStore,
  openStore,
  sha256File,
} from '@mlmeta/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-cached-'));
const uri = `sqlite:${join(dir, 'm.db')}`;
const data = join(dir, 'data.csv');
const code = join(dir, 'step.mjs');
let store: MetadataStore;
let calls = 0;

/** A step that writes `out` from the data and counts its runs. */
function step(out: string) {
  return async () => {
    calls++;
    writeFileSync(out, `features of ${data} #${calls}`);
    return [{ type: 'mlmeta.Dataset', uri: out, role: 'features' }];
  };
}

beforeAll(async () => {
  process.env.MLMETA_SPOOL_DIR = join(dir, 'spool');
  process.env.MLMETA_CAPTURE_DISABLED = 'hardware,git,packages';
  writeFileSync(data, 'a,b\n1,2\n');
  writeFileSync(code, 'export const version = 1;');
  store = await openStore(uri);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const spec = (params: Record<string, unknown> = { bins: 8 }) => ({
  inputs: [{ uri: data }],
  params,
  code: { file: code },
});

describe('cached', () => {
  const out = join(dir, 'features.bin');

  it('runs the step the first time and records it COMPLETE with its outputs and key', async () => {
    const first = await cached('featurize', spec(), step(out), { store: uri });
    expect(first.cached).toBe(false);
    expect(calls).toBe(1);
    expect(first.outputs).toHaveLength(1);
    expect(first.outputs[0]).toMatchObject({ type: 'mlmeta.Dataset', uri: out });
    expect(first.outputs[0]!.digest).toMatch(/^sha256:/);
    const run = await store.getExecution({ externalId: first.runId });
    expect(run?.lastKnownState).toBe('COMPLETE');
    expect(run?.customProperties[CACHE_PROPERTIES.key]).toBe(first.cacheKey);
    expect(run?.customProperties['param.bins']).toBe(8);
  });

  it('skips the step on a second call with the same inputs, params and code, and records CACHED', async () => {
    const before = calls;
    const first = (await store.getExecutions({ type: 'mlmeta.Step', orderBy: 'id' })).items[0]!;
    const second = await cached('featurize', spec({ bins: 8 }), step(out), { store: uri });
    expect(calls).toBe(before);
    expect(second.cached).toBe(true);
    expect(second.cachedFrom).toBe(first.externalId);
    const run = await store.getExecution({ externalId: second.runId });
    expect(run?.lastKnownState).toBe('CACHED');
    // Linked to the same input and output artifacts as the run it reuses.
    const edges = async (id: number) =>
      (await store.getEvents({ executionIds: [id] })).map((e) => `${e.type}:${e.artifactId}`).sort();
    expect(await edges(run!.id)).toEqual(await edges(first.id));
    expect(second.outputs.map((o) => o.digest)).toEqual([
      (await store.getArtifacts({ uri: out })).items[0]!.externalId,
    ]);
  });

  it('runs again when a param, the input bytes or the code change', async () => {
    let before = calls;
    expect((await cached('featurize', spec({ bins: 16 }), step(out), { store: uri })).cached).toBe(false);
    expect(calls).toBe(before + 1);

    before = calls;
    writeFileSync(data, 'a,b\n1,2\n3,4\n');
    expect((await cached('featurize', spec(), step(out), { store: uri })).cached).toBe(false);
    expect(calls).toBe(before + 1);

    before = calls;
    writeFileSync(code, 'export const version = 2;');
    expect((await cached('featurize', spec(), step(out), { store: uri })).cached).toBe(false);
    expect(calls).toBe(before + 1);
    // ...and the same call again is cached.
    expect((await cached('featurize', spec(), step(out), { store: uri })).cached).toBe(true);
    expect(calls).toBe(before + 1);
  });

  it('runs again when an output file was deleted', async () => {
    const before = calls;
    unlinkSync(out);
    const result = await cached('featurize', spec(), step(out), { store: uri });
    expect(result.cached).toBe(false);
    expect(calls).toBe(before + 1);
  });

  it('runs again when an output file was overwritten with other bytes, and reuses it once rewritten by the step', async () => {
    const before = calls;
    expect((await cached('featurize', spec(), step(out), { store: uri })).cached).toBe(true);
    writeFileSync(out, 'someone else wrote this');
    const result = await cached('featurize', spec(), step(out), { store: uri });
    expect(result.cached).toBe(false);
    expect(calls).toBe(before + 1);
    expect(result.outputs[0]!.digest).toBe(await sha256File(out));
    const again = await cached('featurize', spec(), step(out), { store: uri });
    expect(again.cached).toBe(true);
    expect(again.cachedFrom).toBe(result.runId);
    expect(again.outputs[0]!.digest).toBe(await sha256File(out));
  });

  it('identifies a folder input by a manifest of its files, so a change to one file reruns', async () => {
    const folder = join(dir, 'shards');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'a.csv'), '1\n');
    writeFileSync(join(folder, 'b.csv'), '2\n');
    const folderSpec = { inputs: [{ uri: folder }], params: {}, code: 'v1' };
    const before = calls;
    expect((await cached('shards', folderSpec, step(out), { store: uri })).cached).toBe(false);
    expect((await cached('shards', folderSpec, step(out), { store: uri })).cached).toBe(true);
    writeFileSync(join(folder, 'b.csv'), '3\n');
    expect((await cached('shards', folderSpec, step(out), { store: uri })).cached).toBe(false);
    expect(calls).toBe(before + 2);
  });

  it('records FAILED and rethrows when the step throws; a failed run is never reused', async () => {
    const boom = new Error('out of memory');
    await expect(
      cached('explode', { params: { n: 1 } }, async () => Promise.reject(boom), { store: uri }),
    ).rejects.toBe(boom);
    const failed = (await store.getExecutions({ filter: "name LIKE 'explode%'" })).items[0]!;
    expect(failed.lastKnownState).toBe('FAILED');
    let ran = false;
    const next = await cached(
      'explode',
      { params: { n: 1 } },
      async () => {
        ran = true;
        return [];
      },
      { store: uri },
    );
    expect(ran).toBe(true);
    expect(next.cached).toBe(false);
  });
});

describe('cacheKey', () => {
  it('ignores the order of inputs and of param keys, and nothing else', () => {
    const k = cacheKey('s', ['b', 'a'], { x: 1, y: { p: 2, q: 3 } }, 'c');
    expect(cacheKey('s', ['a', 'b'], { y: { q: 3, p: 2 }, x: 1 }, 'c')).toBe(k);
    expect(cacheKey('t', ['a', 'b'], { x: 1, y: { p: 2, q: 3 } }, 'c')).not.toBe(k);
    expect(cacheKey('s', ['a', 'b'], { x: 1, y: { p: 2, q: 3 } }, 'd')).not.toBe(k);
    expect(cacheKey('s', ['a'], { x: 1, y: { p: 2, q: 3 } }, 'c')).not.toBe(k);
    // Length prefixes: moving text between parts changes the key.
    expect(cacheKey('s', ['ab'], {}, '')).not.toBe(cacheKey('s', ['a'], {}, 'b'));
    expect(canonicalJson({ n: Number.NaN })).not.toBe(canonicalJson({ n: null }));
  });
});
