/**
 * Poison records and poison spool lines: a record the store rejects never takes the others of
 * its batch with it, lands in the quarantine with its reason, and points of a run whose start
 * was rejected are set aside instead of being retried forever. Bad values are stopped at the
 * tracker's edge with one warning that names the run.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type MetadataStore,
  type MetricPoint,
  MLMETA_TYPE_DECLARATIONS,
  openStore,
  startRun,
} from '@mlmeta/core';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeJson } from '../../src/writer/json-codec.js';
import { quarantineFileFor } from '../../src/writer/quarantine.js';
import { replaySpool, Spool, spoolFileName } from '../../src/writer/spool.js';
import { MetadataWriter } from '../../src/writer/writer.js';

// The process's tracker reads its configuration once: one folder for it, for the whole file.
const trackerDir = mkdtempSync(join(tmpdir(), 'mlmeta-poison-tracker-'));
process.env.MLMETA_STORE = `sqlite:${join(trackerDir, 'default.db')}`;
process.env.MLMETA_SPOOL_DIR = join(trackerDir, 'spool');
process.env.MLMETA_CAPTURE_DISABLED = 'hardware,git,packages,system';
afterAll(() => rmSync(trackerDir, { recursive: true, force: true }));

let dir: string;
let store: MetadataStore;
let uri: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlmeta-poison-'));
  uri = `sqlite:${join(dir, 'm.db')}`;
  store = await openStore(uri);
});
afterEach(async () => {
  await store.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const points = (externalId: string, n: number, step = (i: number) => i) =>
  Array.from({ length: n }, (_, i) => ({
    execution: { externalId },
    key: 'loss',
    step: step(i),
    value: 1 / (i + 1),
    wallTime: i,
  }));

const enqueue = (writer: MetadataWriter, p: MetricPoint) =>
  writer.enqueueMetric(p.execution, p.key, p.step, p.value, p.wallTime);

function writerFor(spoolDir = join(dir, 'spool')): MetadataWriter {
  return new MetadataWriter({
    openStore: async () => store,
    ownsStore: false,
    spool: new Spool(spoolDir, spoolFileName(Date.now())),
    batchPoints: 100_000,
  });
}

function quarantined(file: string): { kind: string; reason: string; record?: unknown }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** What mlmeta prints on stderr while the returned capture is active. */
function captureStderr() {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  return { text: () => lines.join(''), lines: () => lines, restore: () => spy.mockRestore() };
}

const execution = (externalId: string, name?: string) => ({
  kind: 'execution' as const,
  node: { type: 'mlmeta.Run', externalId, name, lastKnownState: 'RUNNING' as const },
});

describe('a record the store rejects', () => {
  it('does not take the rest of its batch with it, and is quarantined with its reason', async () => {
    const writer = writerFor();
    writer.enqueueEdges({ types: MLMETA_TYPE_DECLARATIONS }, true);
    writer.enqueueNode(execution('good'), true);
    // A start the store rejects (a name longer than stores hold), sharing the batch.
    writer.enqueueNode(execution('bad', 'n'.repeat(2000)), true);
    for (const p of points('good', 500)) enqueue(writer, p);
    for (const p of points('bad', 300)) enqueue(writer, p);
    // A poison point of the good run: a NaN step (past the tracker's edge check).
    enqueue(writer, { ...points('good', 1)[0]!, step: Number.NaN });
    await writer.flush();

    expect((await store.getMetricKeys({ externalId: 'good' }))[0]?.count).toBe(500);
    expect(await store.getExecution({ externalId: 'bad' })).toBeUndefined();
    const entries = quarantined(writer.stats().quarantineFile);
    expect(entries.map((e) => e.kind).sort()).toEqual(['execution', 'metrics', 'metrics']);
    expect(entries.find((e) => e.kind === 'execution')?.reason).toMatch(/255/);
    const stranded = entries.find((e) => e.kind === 'metrics' && (e.record as unknown[]).length === 300);
    expect(stranded?.reason).toMatch(/bad/);
    expect(writer.stats()).toMatchObject({ rejected: 302, dropped: 0, spooling: false, storeFailing: false });

    // The writer goes on: later batches, of that run too, are handled the same way, not retried.
    for (const p of points('good', 100, (i) => 500 + i)) enqueue(writer, p);
    for (const p of points('bad', 10, (i) => 300 + i)) enqueue(writer, p);
    await writer.flush();
    expect((await store.getMetricKeys({ externalId: 'good' }))[0]?.count).toBe(600);
    expect(writer.stats()).toMatchObject({ rejected: 312, spooling: false });
    await writer.close();
  });

  it('when a spooled batch holds it, replay quarantines it and writes the rest (NOT_FOUND is not transient)', async () => {
    const spoolDir = join(dir, 'spool');
    const spool = new Spool(spoolDir, spoolFileName(1, 999_999_999));
    spool.append({
      lineage: {
        types: MLMETA_TYPE_DECLARATIONS,
        executions: [{ type: 'mlmeta.Run', externalId: 'fine', lastKnownState: 'RUNNING' }],
      },
      metrics: [...points('fine', 50), ...points('never-started', 50)],
    });
    spool.close();
    const result = await replaySpool(store, spoolDir);
    expect(result).toMatchObject({ files: 1, batches: 1, points: 100, skipped: 0, quarantined: 1 });
    expect((await store.getMetricKeys({ externalId: 'fine' }))[0]?.count).toBe(50);
    const [entry] = quarantined(result.quarantineFiles[0]!);
    expect(entry).toMatchObject({ kind: 'metrics', code: 'NOT_FOUND' });
    // A second sync has nothing left to do.
    expect(await replaySpool(store, spoolDir)).toMatchObject({ files: 0, quarantined: 0 });
  });
});

describe('poison spool lines', () => {
  it('are skipped, counted, kept and reported with file and line; every valid batch replays', async () => {
    const spoolDir = join(dir, 'spool');
    const file = join(spoolDir, spoolFileName(1, 999_999_998));
    const valid = (id: string) =>
      encodeJson({
        v: 1,
        t: 1,
        lineage: {
          types: MLMETA_TYPE_DECLARATIONS,
          executions: [{ type: 'mlmeta.Run', externalId: id, lastKnownState: 'RUNNING' }],
        },
        metrics: points(id, 10),
      });
    const lines = [
      valid('first'),
      '{"v":1,"t":0}',
      '{"v":1,"t":0,"lineage":null,"metrics":[]}',
      '{"v":7,"t":0,"lineage":{},"metrics":[]}',
      '[1,2,3]',
      'null',
      valid('second'),
      '{"v":1,"t":0,"lineage":{"executi', // torn by a crash
    ];
    mkdirSync(spoolDir, { recursive: true });
    writeFileSync(file, `${lines.join('\n')}\n`);
    const stderr = captureStderr();
    try {
      const result = await replaySpool(store, spoolDir);
      expect(result).toMatchObject({ files: 1, batches: 2, points: 20, skipped: 6, quarantined: 6 });
      expect(result.skippedLines.map((l) => l.source)).toEqual([2, 3, 4, 5, 6, 8].map((n) => `${file}:${n}`));
      expect(result.skippedLines[2]!.reason).toMatch(/format 7.*mlmeta version that wrote it/);
      expect(result.skippedLines[1]!.reason).toMatch(/lineage/);
      expect(stderr.text()).toContain(`${file}:8`);
    } finally {
      stderr.restore();
    }
    for (const id of ['first', 'second'])
      expect((await store.getMetricKeys({ externalId: id }))[0]?.count).toBe(10);
    const kept = quarantined(quarantineFileFor(file));
    expect(kept.map((e) => (e as { line?: string }).line)).toEqual([1, 2, 3, 4, 5, 7].map((i) => lines[i]));
    expect(existsSync(file)).toBe(false);
  });
});

describe('the tracker edge', () => {
  it('fixes or refuses bad values with one warning naming the run; other runs lose nothing', async () => {
    const stderr = captureStderr();
    try {
      const good = startRun({ store, experiment: 'edge', name: 'innocent' });
      const longName = `long-${'x'.repeat(2000)}`;
      const bad = startRun({ store, experiment: 'edge', name: longName });
      for (let step = 0; step < 20; step++) {
        good.logMetrics({ loss: 1 / (step + 1) }, step);
        bad.logMetrics({ loss: 1 }, step);
        bad.logMetrics({ loss: 1 }, Number.NaN);
        bad.logMetrics({ loss: 1 }, 2 ** 53);
        bad.logMetrics({ loss: 1 }, '3' as unknown as number);
        bad.logMetrics({ ['k'.repeat(300)]: 1 }, step);
      }
      bad.logInput({ digest: `sha256:${'d'.repeat(400)}`, name: 'n'.repeat(600), role: 'x' });
      bad.setProperties({ ['p'.repeat(400)]: 1 });
      await Promise.all([good.end(), bad.end()]);

      expect((await store.getMetricKeys({ externalId: good.id }))[0]?.count).toBe(20);
      const stored = await store.getExecution({ externalId: bad.id });
      expect(stored?.lastKnownState).toBe('COMPLETE');
      expect(stored?.name?.length).toBeLessThanOrEqual(255);
      expect((await store.getMetricKeys({ externalId: bad.id })).map((k) => [k.key, k.count])).toEqual([
        ['loss', 20],
      ]);
      expect((await store.getEvents({ executionIds: [stored!.id] })).length).toBe(1);

      const messages = stderr.lines();
      const aboutBad = messages.filter((m) => m.includes('run "long-xxx'));
      // name, two refused steps (NaN, 2^53 and '3' are one kind), metric key, digest, artifact name, property name
      expect(aboutBad).toHaveLength(6);
      expect(messages.filter((m) => m.includes('innocent'))).toEqual([]);
      expect(messages.filter((m) => m.includes('rejected'))).toEqual([]);
    } finally {
      stderr.restore();
    }
  });

  it('keeps __proto__, constructor and prototype keys, and stores a value nested too deep as its JSON text', async () => {
    const stderr = captureStderr();
    try {
      let deep: unknown = 1;
      for (let i = 0; i < 2_000; i++) deep = { a: deep };
      const run = startRun({ store, experiment: 'edge', name: 'shapes' });
      const config = JSON.parse(
        '{"constructor": "c", "toString": 1, "\\u005f_proto__": {"x": 1}, "deep": {"a": {"b": {"c": {"d": {"__proto__": 2, "e": 3}}}}}}',
      );
      run.logParams({ ...config, nested: deep });
      run.setProperties(JSON.parse('{"__proto__": 5, "prototype": [1]}'));
      await run.end();
      const stored = await store.getExecution({ externalId: run.id });
      const custom = stored!.customProperties;
      expect(custom['param.constructor']).toBe('c');
      expect(custom['param.toString']).toBe(1);
      expect(custom['param.__proto__.x']).toBe(1);
      expect(custom.prototype).toEqual([1]);
      // Too deep for a STRUCT, or holding a __proto__ key inside: kept as JSON text.
      expect(JSON.parse(custom['param.deep.a.b.c.d'] as string)).toEqual(
        JSON.parse('{"__proto__": 2, "e": 3}'),
      );
      expect((custom['param.nested.a.a.a.a'] as string).startsWith('{"a":{"a":')).toBe(true);
      const warnings = stderr.lines().filter((m) => m.includes('run "shapes"'));
      expect(warnings.join('\n')).toMatch(/param\.nested\.a\.a\.a\.a.*64 levels.*JSON text/);
      expect(warnings.join('\n')).toMatch(/param\.deep\.a\.b\.c\.d.*__proto__.*JSON text/);
      expect(warnings.join('\n')).toMatch(/property name "__proto__" was not recorded/);
      expect(stored!.lastKnownState).toBe('COMPLETE');
    } finally {
      stderr.restore();
    }
  });

  it('startRun(null) does not throw into the caller', async () => {
    const stderr = captureStderr();
    try {
      const run = startRun(null as unknown as undefined);
      run.logMetrics({ loss: 1 }, 0);
      await run.end();
      expect(stderr.text()).toMatch(/options object/);
    } finally {
      stderr.restore();
    }
  });
});
