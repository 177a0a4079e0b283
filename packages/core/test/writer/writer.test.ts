import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MetadataStore, MLMETA_TYPE_DECLARATIONS, openStore } from '@mlmeta/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PendingBatch } from '../../src/writer/batch.js';
import { decodeJson, encodeJson } from '../../src/writer/json-codec.js';
import { replaySpool, Spool, spoolFileName } from '../../src/writer/spool.js';
import { MetadataWriter } from '../../src/writer/writer.js';

let dir: string;
const opened: MetadataStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlmeta-writer-'));
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function open(uri: string): Promise<MetadataStore> {
  const store = await openStore(uri);
  opened.push(store);
  return store;
}

const RUN = 'run-under-test';
const run = { externalId: RUN };

function declareRun(writer: MetadataWriter): void {
  writer.enqueueEdges({ types: MLMETA_TYPE_DECLARATIONS }, true);
  writer.enqueueNode(
    { kind: 'execution', node: { type: 'mlmeta.Run', externalId: RUN, lastKnownState: 'RUNNING' } },
    true,
  );
}

function logPoints(writer: MetadataWriter, from: number, to: number): void {
  for (let step = from; step < to; step++) {
    writer.enqueueMetric(run, 'loss', step, step === 3 ? Number.NaN : 1 / (step + 1), step);
  }
}

describe('json codec', () => {
  it('round-trips NaN and infinities, which plain JSON turns into null', () => {
    const value = { a: Number.NaN, b: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5], c: 'x' };
    const back = decodeJson(encodeJson(value)) as typeof value;
    expect(back.a).toBeNaN();
    expect(back.b).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5]);
    expect(back.c).toBe('x');
  });
});

describe('PendingBatch', () => {
  it('coalesces many updates of one node into one upsert with merged properties', () => {
    const batch = new PendingBatch();
    for (let i = 0; i < 100; i++) {
      batch.addNode({
        kind: 'execution',
        node: { type: 'mlmeta.Run', externalId: RUN, customProperties: { beat: i } },
      });
    }
    batch.addNode({
      kind: 'execution',
      node: { type: 'mlmeta.Run', externalId: RUN, customProperties: { other: 'x' } },
    });
    batch.addEdges({ associations: [{ execution: run, context: { externalId: 'c' } }] });
    batch.addEdges({ associations: [{ execution: run, context: { externalId: 'c' } }] });
    const sealed = batch.seal();
    expect(sealed.lineage.executions).toHaveLength(1);
    expect(sealed.lineage.executions![0].customProperties).toEqual({ beat: 99, other: 'x' });
    expect(sealed.lineage.associations).toHaveLength(1);
  });
});

describe('MetadataWriter against a real SQLite store', () => {
  it('writes nodes and metric points (NaN kept) on flush', async () => {
    const uri = `sqlite:${join(dir, 'm.db')}`;
    const writer = new MetadataWriter({
      openStore: () => open(uri),
      spool: new Spool(join(dir, 'spool'), 'a.jsonl'),
    });
    declareRun(writer);
    logPoints(writer, 0, 5000);
    await writer.flush();
    const store = await open(uri);
    const series = await store.getMetrics({ execution: run, key: 'loss' });
    expect(series.total).toBe(5000);
    expect(series.points.find((p) => p.step === 3)?.value).toBeNaN();
    expect((await store.getExecution(run))?.lastKnownState).toBe('RUNNING');
    await writer.close();
  });

  it('spools while the store cannot be opened, then replays in order exactly once', async () => {
    // A regular file where the database's directory should be: opening fails with ENOTDIR even for root.
    const blocker = join(dir, 'blocked');
    writeFileSync(blocker, '');
    const uri = `sqlite:${join(blocker, 'm.db')}`;
    const spool = new Spool(join(dir, 'spool'), spoolFileName(Date.now()));
    const writer = new MetadataWriter({ openStore: () => open(uri), spool, retryMinMs: 20, retryMaxMs: 50 });
    declareRun(writer);
    logPoints(writer, 0, 300);
    await writer.flush();
    expect(writer.stats()).toMatchObject({ spooling: true, storeFailing: true });
    expect(readFileSync(spool.file, 'utf8').split('\n').filter(Boolean).length).toBeGreaterThan(0);

    rmSync(blocker);
    logPoints(writer, 300, 600);
    writer.enqueueNode({
      kind: 'execution',
      node: { type: 'mlmeta.Run', externalId: RUN, lastKnownState: 'COMPLETE' },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await writer.flush();
    expect(writer.stats()).toMatchObject({ spooling: false, storeFailing: false, dropped: 0 });

    const store = await open(uri);
    const series = await store.getMetrics({ execution: run, key: 'loss' });
    expect(series.total).toBe(600);
    expect(series.points.map((p) => p.step)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    // The final state came after the spooled RUNNING upsert: order was kept.
    expect((await store.getExecution(run))?.lastKnownState).toBe('COMPLETE');
    expect((await store.getExecutions({ externalIds: [RUN] })).items).toHaveLength(1);
    await writer.close();
  });

  it('survives its store failing mid-run (closed under it) and reopens it', async () => {
    const uri = `sqlite:${join(dir, 'm.db')}`;
    const writer = new MetadataWriter({
      openStore: () => open(uri),
      spool: new Spool(join(dir, 'spool'), 'b.jsonl'),
      retryMinMs: 20,
    });
    declareRun(writer);
    logPoints(writer, 0, 100);
    await writer.flush();
    await opened[0].close();
    logPoints(writer, 100, 200);
    await writer.flush();
    expect(writer.stats().spooling).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await writer.flush();
    const store = await open(uri);
    expect((await store.getMetrics({ execution: run, key: 'loss' })).total).toBe(200);
    await writer.close();
  });

  it('counts what does not fit in the bounded queue instead of growing', () => {
    const writer = new MetadataWriter({
      openStore: () => open(`sqlite:${join(dir, 'm.db')}`),
      spool: new Spool(join(dir, 'spool'), 'c.jsonl'),
      maxQueuePoints: 10,
      batchPoints: 1000,
    });
    logPoints(writer, 0, 25);
    expect(writer.stats()).toMatchObject({ queuedPoints: 10, dropped: 15 });
  });
});

describe('replaySpool', () => {
  it('replays spool files into a store; replaying the same data twice adds nothing', async () => {
    const spoolDir = join(dir, 'spool');
    const spool = new Spool(spoolDir, spoolFileName(1, 999_999_999));
    const batch = new PendingBatch();
    batch.addEdges({ types: MLMETA_TYPE_DECLARATIONS });
    batch.addNode({
      kind: 'execution',
      node: { type: 'mlmeta.Run', externalId: RUN, lastKnownState: 'RUNNING' },
    });
    for (let step = 0; step < 50; step++) batch.addMetric(run, 'acc', step, step, step);
    spool.append(batch.seal());
    spool.append(batch.seal());
    spool.close();
    const copy = readFileSync(spool.file, 'utf8');
    writeFileSync(spool.file, `${copy}{"torn line`);
    const store = await open(`sqlite:${join(dir, 'm.db')}`);
    const progress: number[] = [];
    const result = await replaySpool(store, spoolDir, { onProgress: (p) => progress.push(p.batches) });
    expect(result).toMatchObject({ files: 1, batches: 2, points: 100, skipped: 1 });
    expect(progress).toEqual([1, 2]);
    writeFileSync(spool.file, copy);
    await replaySpool(store, spoolDir);
    expect((await store.getMetrics({ execution: run, key: 'acc' })).total).toBe(50);
    expect((await store.getExecutions({ externalIds: [RUN] })).items).toHaveLength(1);
  });

  it('leaves the spool of a process that is still running to that process', async () => {
    const spoolDir = join(dir, 'spool');
    const spool = new Spool(spoolDir, spoolFileName(Date.now(), process.pid));
    spool.append({ lineage: {}, metrics: [] });
    spool.close();
    const store = await open(`sqlite:${join(dir, 'm.db')}`);
    const result = await replaySpool(store, spoolDir);
    expect(result.active).toEqual([spool.file]);
    expect(result.files).toBe(0);
  });
});
