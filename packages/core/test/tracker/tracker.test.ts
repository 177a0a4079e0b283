import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  activeRun,
  digestPath,
  directoryManifest,
  type MetadataStore,
  openStore,
  RUN_PROPERTIES,
  runStatus,
  sha256File,
  snapshotFiles,
  startRun,
} from '@mlmeta/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capString, flattenParams, MAX_VALUE_BYTES, toPropertyValue } from '../../src/tracker/values.js';

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-tracker-'));
const uri = `sqlite:${join(dir, 'm.db')}`;
let store: MetadataStore;

beforeAll(() => {
  process.env.MLMETA_SPOOL_DIR = join(dir, 'spool');
  process.env.MLMETA_CAPTURE_DISABLED = 'hardware,git,packages';
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('startRun', () => {
  it('records a run with params, tags, metrics, inputs and outputs, then COMPLETE', async () => {
    const run = startRun({
      store: uri,
      experiment: 'exp-a',
      name: 'first',
      params: { lr: 0.01, apiKey: 'sk-canary' },
    });
    expect(activeRun()).toBe(run);
    run.logParams({ layers: [64, 32], optimizer: { name: 'adam', beta1: 0.9 }, seed: 10n, fn: () => 1 });
    run.setTags({ team: 'vision' });
    for (let epoch = 0; epoch < 3; epoch++)
      run.logMetrics({ loss: 1 / (epoch + 1), acc: epoch === 1 ? Number.NaN : 0.5 }, epoch);
    const input = run.logInput({
      digest: 'xxh3:feedbeef',
      uri: 'https://user:hunter2@data.example.com/train.csv',
      role: 'x',
      name: 'train',
    });
    const output = run.logOutput({ properties: { format: 'layers-model' } });
    await run.end();
    expect(activeRun()).toBeUndefined();

    store = await openStore(uri);
    const execution = await store.getExecution({ externalId: run.id });
    expect(execution?.type).toBe('mlmeta.Run');
    expect(execution?.lastKnownState).toBe('COMPLETE');
    expect(runStatus(execution!)).toBe('COMPLETE');
    const custom = execution!.customProperties;
    expect(custom['param.lr']).toBe(0.01);
    expect(custom['param.apiKey']).toBe('[REDACTED]');
    expect(custom['param.layers']).toEqual([64, 32]);
    expect(custom['param.optimizer.name']).toBe('adam');
    expect(custom['param.optimizer.beta1']).toBe(0.9);
    expect(custom['param.seed']).toBe('10');
    expect(typeof custom['param.fn']).toBe('string');
    expect(custom['tag.team']).toBe('vision');
    expect(custom['mlmeta.run_name']).toBe('first');
    expect(custom.environment).toMatchObject({ node: process.versions.node });

    const acc = await store.getMetrics({ execution: { externalId: run.id }, key: 'acc' });
    expect(acc.total).toBe(3);
    expect(acc.points[1].value).toBeNaN();

    const dataset = await store.getArtifact({ externalId: input });
    expect(dataset?.type).toBe('mlmeta.Dataset');
    expect(dataset?.uri).not.toContain('hunter2');
    const model = await store.getArtifact({ externalId: output });
    expect(model?.type).toBe('mlmeta.Model');
    const events = await store.getEvents({ executionIds: [execution!.id] });
    expect(events.map((e) => e.type).sort()).toEqual(['INPUT', 'OUTPUT']);
    expect(events.find((e) => e.type === 'INPUT')?.path).toEqual([{ key: 'x' }]);
    const contexts = await store.getContexts({
      ids: (await store.getAssociations({ executionIds: [execution!.id] })).map((a) => a.contextId),
    });
    expect(contexts.items.map((c) => c.type).sort()).toEqual(['mlmeta.Experiment', 'mlmeta.Process']);
    expect(contexts.items.find((c) => c.type === 'mlmeta.Experiment')?.name).toBe('exp-a');
    const attributions = await store.getAttributions({ artifactIds: [dataset!.id] });
    expect(attributions.map((a) => a.contextId)).toContain(
      contexts.items.find((c) => c.type === 'mlmeta.Experiment')!.id,
    );
  });

  it('never throws into the caller on bad input', async () => {
    const run = startRun({ store: uri, experiment: 'exp-a' });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => run.logParams(cyclic)).not.toThrow();
    expect(() => run.logMetrics({ loss: 'high' as unknown as number, '': 1 }, 1.5)).not.toThrow();
    expect(() => run.logInput(undefined as never)).not.toThrow();
    await run.end('FAILED', new Error('boom'));
    const execution = await store.getExecution({ externalId: run.id });
    expect(execution?.lastKnownState).toBe('FAILED');
    expect(execution?.customProperties['mlmeta.error']).toMatchObject({ message: 'boom' });
    expect(String(execution?.customProperties['param.self'] ?? '')).toContain('Circular');
  });

  it("keeps mlmeta's own property names (mlmeta.cacheKey) while secret-named user values stay redacted", async () => {
    const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
    const run = startRun({ store: uri, experiment: 'exp-a', params: { apiKey: 'sk-canary-param' } });
    run.setProperties({
      [RUN_PROPERTIES.cacheKey]: digest,
      [RUN_PROPERTIES.cachedFrom]: 'a-run-id',
      'mlmeta.apiKey': 'canary-own-namespace',
      signingKey: 'canary-user-property',
    });
    // The exemption is for the name only: a secret in the value is still found.
    run.setProperties({ [RUN_PROPERTIES.unhandledRejection]: 'rejected with token=canary-in-a-message' });
    await run.end();
    const custom = (await store.getExecution({ externalId: run.id }))!.customProperties;
    expect(custom[RUN_PROPERTIES.cacheKey]).toBe(digest);
    expect(custom[RUN_PROPERTIES.cachedFrom]).toBe('a-run-id');
    expect(custom['mlmeta.apiKey']).toBe('[REDACTED]');
    expect(custom.signingKey).toBe('[REDACTED]');
    expect(custom['param.apiKey']).toBe('[REDACTED]');
    expect(custom[RUN_PROPERTIES.unhandledRejection]).toBe('rejected with token=[REDACTED]');
  });
});

describe('files by content', () => {
  it('identifies a local file given to logOutput/logInput by its sha256, so writer and reader share one node', async () => {
    const file = join(dir, 'model.onnx');
    writeFileSync(file, 'onnx bytes');
    const writer = startRun({ store: uri, experiment: 'files', name: 'export' });
    writer.logOutput({ uri: file });
    await writer.end();
    const reader = startRun({ store: uri, experiment: 'files', name: 'serve' });
    reader.logInput({ uri: `file://${file}`, type: 'mlmeta.Model' });
    await reader.end();
    const digest = await sha256File(file);
    const found = await store.getArtifacts({ externalIds: [digest] });
    expect(found.items).toHaveLength(1);
    expect(found.items[0]).toMatchObject({ uri: file, type: 'mlmeta.Model' });
    expect(found.items[0]!.customProperties['file.kind']).toBe('file');
    const events = await store.getEvents({ artifactIds: [found.items[0]!.id] });
    expect(events.map((e) => e.type).sort()).toEqual(['INPUT', 'OUTPUT']);
  });

  it('identifies a folder (a saved tfjs model) by a manifest of relative paths and digests', async () => {
    const folder = join(dir, 'saved');
    mkdirSync(join(folder, 'shards'), { recursive: true });
    writeFileSync(join(folder, 'model.json'), '{}');
    writeFileSync(join(folder, 'shards', 'weights.bin'), 'w');
    const run = startRun({ store: uri, experiment: 'files' });
    run.logOutput({ uri: folder });
    await run.end();
    const { digest, kind, files } = await digestPath(folder);
    expect({ kind, files }).toEqual({ kind: 'directory', files: 2 });
    const manifest = (await directoryManifest(folder)).manifest;
    expect(manifest).toBe(
      `model.json\t${await sha256File(join(folder, 'model.json'))}\nshards/weights.bin\t${await sha256File(join(folder, 'shards', 'weights.bin'))}\n`,
    );
    expect((await store.getArtifacts({ externalIds: [digest] })).items[0]?.uri).toBe(folder);
  });

  it('takes a folder written here by its files, or by the given digest once another process rewrote it', async () => {
    const mine = join(dir, 'mine');
    const theirs = join(dir, 'theirs');
    for (const folder of [mine, theirs]) {
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'model.json'), '{"v":1}');
    }
    const writtenAs = { mine: snapshotFiles(mine)!, theirs: snapshotFiles(theirs)! };
    // Another process saves into `theirs` after this one did, before the digest.
    writeFileSync(join(theirs, 'model.json'), '{"v":22}');
    const run = startRun({ store: uri, experiment: 'files' });
    run.logOutput({ uri: mine, digest: 'xxh3:0000000000000001', writtenAs: writtenAs.mine });
    run.logOutput({ uri: theirs, digest: 'xxh3:0000000000000002', writtenAs: writtenAs.theirs });
    await run.end();
    const byUri = async (path: string) =>
      (await store.getArtifacts({ uri: path })).items.map((a) => a.externalId);
    expect(await byUri(mine)).toEqual([(await digestPath(mine)).digest]);
    expect(await byUri(theirs)).toEqual(['xxh3:0000000000000002']);
  });

  it('records a path that cannot be read by its uri, with a warning, and still ends', async () => {
    const run = startRun({ store: uri, experiment: 'files' });
    run.logOutput({ uri: join(dir, 'not-written-yet.bin') });
    await run.end();
    const found = await store.getArtifacts({ uri: join(dir, 'not-written-yet.bin') });
    expect(found.items[0]?.externalId).toMatch(/^artifact:/);
  });
});

describe('values', () => {
  it('truncates oversized values with a marker and the full value digest', () => {
    const big = 'a'.repeat(MAX_VALUE_BYTES * 2);
    const capped = capString(big);
    expect(Buffer.byteLength(capped)).toBeLessThan(MAX_VALUE_BYTES + 200);
    expect(capped).toMatch(/truncated by mlmeta: 131072 bytes, sha256:[0-9a-f]{64}\]$/);
    expect(typeof toPropertyValue({ blob: big })).toBe('string');
  });

  it('keeps null as null, never the string "null"', () => {
    expect(toPropertyValue(null)).toBeNull();
    expect(toPropertyValue({ a: null })).toEqual({ a: null });
  });

  it('flattens nested params into dotted names; arrays and class instances stay whole', () => {
    expect(
      flattenParams({
        epochs: 5,
        optimizer: { learningRate: 0.01, beta1: 0.9, schedule: { decay: 0.5 } },
        metrics: ['acc'],
        when: new Date(0),
        empty: {},
      }),
    ).toEqual({
      epochs: 5,
      'optimizer.learningRate': 0.01,
      'optimizer.beta1': 0.9,
      'optimizer.schedule.decay': 0.5,
      metrics: ['acc'],
      when: new Date(0),
      empty: {},
    });
    expect(flattenParams({ 'a.b': 1, a: { b: 2, c: 3 } })).toEqual({ 'a.b': 1, 'a.c': 3 });
  });
});

describe('runStatus', () => {
  const running = (heartbeat: number) => ({
    lastKnownState: 'RUNNING' as const,
    customProperties: { 'mlmeta.heartbeat': heartbeat, 'mlmeta.heartbeat_interval_ms': 1000 },
  });
  it('shows a RUNNING run whose heartbeat stopped more than 3 intervals ago as LOST', () => {
    expect(runStatus(running(10_000), 12_000)).toBe('RUNNING');
    expect(runStatus(running(10_000), 13_001)).toBe('LOST');
    expect(runStatus({ lastKnownState: 'COMPLETE', customProperties: {} }, 1e12)).toBe('COMPLETE');
  });
});
