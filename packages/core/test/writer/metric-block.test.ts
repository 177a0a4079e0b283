/**
 * The writer's queue holds metric points as typed-array columns (MetricBlock), not as objects:
 * every point must come out exactly as it went in — through the block itself, through the store
 * worker's wire form, through a real store and through the spool — whatever its numbers (NaN,
 * ±Infinity, -0, steps up to 2^53-1) and however many series a batch mixes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as source from '@mlmeta/core';
import type { MetadataStore, MetricPoint, NodeRef } from '@mlmeta/core';
import { MLMETA_TYPE_DECLARATIONS, openStore } from '@mlmeta/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unpackMetricPoints } from '../../src/store/worker/metric-columns.js';
import { decodeJson } from '../../src/writer/json-codec.js';
import { MetricBlock } from '../../src/writer/metric-block.js';
import { redactBatch } from '../../src/writer/redact-batch.js';
import { replaySpool, Spool, spoolFileName } from '../../src/writer/spool.js';
import { MetadataWriter } from '../../src/writer/writer.js';

const MAX = Number.MAX_SAFE_INTEGER;
const ODD_VALUES = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  5e-324,
  1.7e308,
  -1 / 3,
];

/** `n` points over `runs` runs × `keys` keys, interleaved, every run with its own reference object per point. */
function mixedPoints(n: number, runs = 3, keys = 40): MetricPoint[] {
  return Array.from({ length: n }, (_, i) => {
    const run = i % runs;
    const execution: NodeRef = run === 0 ? { id: 7 } : { externalId: `run-${run}` };
    const step = i % 11 === 0 ? MAX - i : i % 13 === 0 ? -(MAX - i) : Math.floor(i / runs);
    return {
      execution,
      key: `metric/${(i * 7) % keys}`,
      step,
      value: i % 5 === 0 ? ODD_VALUES[(i / 5) % ODD_VALUES.length]! : Math.sin(i),
      wallTime: 1_700_000_000_000 + i * 0.25,
    };
  });
}

function blockOf(points: readonly MetricPoint[], capacity = 1): MetricBlock {
  const block = new MetricBlock(capacity);
  for (const p of points) block.push(p.execution as NodeRef, p.key, p.step, p.value, p.wallTime);
  return block;
}

describe('MetricBlock', () => {
  it('gives back every point exactly, in order, past many regrowths and across many series', () => {
    const points = mixedPoints(10_000);
    const block = blockOf(points);
    expect(block.length).toBe(10_000);
    // toEqual compares numbers with Object.is: NaN equals NaN, -0 differs from 0.
    expect(block.slice()).toEqual(points);
    expect(block.slice(1234, 5678)).toEqual(points.slice(1234, 5678));
    expect(block.slice(9_990, 20_000)).toEqual(points.slice(9_990));
    expect(Object.is(block.slice(0, 1)[0]!.value, Number.NaN)).toBe(true);
    // 3 runs × 40 keys, each stored once however many reference objects the points carried.
    expect(block.series).toHaveLength(120);
  });

  it('keeps steps at the edges of the safe integers and -0 as they are', () => {
    const run = { externalId: 'edges' };
    const block = new MetricBlock();
    block.push(run, 'a', MAX, -0, 0);
    block.push(run, 'a', -MAX, 0, -1);
    block.push(run, 'a', 2 ** 52 + 1, Number.MIN_VALUE, 2 ** 53);
    const [top, bottom, odd] = block.slice();
    expect(top!.step).toBe(MAX);
    expect(Object.is(top!.value, -0)).toBe(true);
    expect(bottom!.step).toBe(-MAX);
    expect(odd!.step).toBe(2 ** 52 + 1);
    expect(odd!.value).toBe(Number.MIN_VALUE);
  });

  it('packs into the store worker wire form without point objects, the same points again', () => {
    const points = mixedPoints(3000);
    const block = blockOf(points, 64);
    const columns = block.packed(500, 2500)!;
    expect(columns.data).toHaveLength(2000 * 5);
    expect(columns.keys.length).toBeLessThanOrEqual(40);
    expect(unpackMetricPoints(columns)).toEqual(points.slice(500, 2500));
  });

  it('leaves a reference of another shape to travel as an object, untouched', () => {
    const odd = { externalId: 'x', extra: true } as unknown as NodeRef;
    const block = new MetricBlock();
    block.push(odd, 'k', 1, 2, 3);
    expect(block.packed(0, 1)).toBeUndefined();
    expect(block.slice()[0]!.execution).toBe(odd);
  });

  it('is redacted like the same points as objects, sharing its numbers', () => {
    const token = 'ghp_0123456789abcdefghijABCDEFGHIJ456789';
    const points = [
      ...mixedPoints(50),
      { execution: { externalId: `run ${token}` }, key: `loss/${token}`, step: 3, value: 1, wallTime: 2 },
    ];
    const asObjects = redactBatch({ lineage: {}, metrics: points });
    const asBlock = redactBatch({ lineage: {}, metrics: blockOf(points) });
    expect(asBlock.metrics).toBeInstanceOf(MetricBlock);
    expect(asBlock.metrics.slice()).toEqual(asObjects.metrics);
    expect(JSON.stringify(asBlock.metrics.slice())).not.toContain(token);
    // Nothing to redact: the very same block comes back.
    const clean = blockOf(mixedPoints(10));
    expect(redactBatch({ lineage: {}, metrics: clean }).metrics).toBe(clean);
  });
});

describe('points queued by the writer', () => {
  let dir: string;
  let store: MetadataStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mlmeta-metric-block-'));
  });
  afterEach(async () => {
    await store?.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  const runs = ['exact-0', 'exact-1', 'exact-2'];
  // SQLite reads a stored -0 back as 0: the queue's exactness is checked on -0 above.
  const STORED_ODD_VALUES = ODD_VALUES.filter((v) => !Object.is(v, -0));
  /** 5,000 points of 3 runs × 40 keys, every step unique per series (the store keeps one per step). */
  const queued = (): MetricPoint[] =>
    Array.from({ length: 5000 }, (_, i) => ({
      execution: { externalId: runs[i % 3]! },
      key: `metric/${i % 40}`,
      step: i % 7 === 0 ? MAX - i : i,
      value: i % 5 === 0 ? STORED_ODD_VALUES[(i / 5) % STORED_ODD_VALUES.length]! : Math.cos(i),
      wallTime: 1_700_000_000_000 + i,
    }));

  function writerFor(target: MetadataStore): MetadataWriter {
    const writer = new MetadataWriter({
      openStore: async () => target,
      ownsStore: false,
      spool: new Spool(join(dir, 'spool'), spoolFileName(Date.now())),
    });
    writer.enqueueEdges({ types: MLMETA_TYPE_DECLARATIONS }, true);
    for (const externalId of runs)
      writer.enqueueNode({ kind: 'execution', node: { type: 'mlmeta.Run', externalId } }, true);
    for (const p of queued())
      writer.enqueueMetric(p.execution as NodeRef, p.key, p.step, p.value, p.wallTime);
    return writer;
  }

  /** What the store holds, point by point, in the order queued. */
  async function stored(target: MetadataStore, points: readonly MetricPoint[]) {
    const bySeries = new Map<string, Map<number, { value: number; wallTime: number }>>();
    for (const externalId of runs) {
      for (const { key } of await target.getMetricKeys({ externalId })) {
        const series = await target.getMetrics({ execution: { externalId }, key });
        bySeries.set(`${externalId}|${key}`, new Map(series.points.map((p) => [p.step, p])));
      }
    }
    return points.map((p) => {
      const { externalId } = p.execution as { externalId: string };
      const point = bySeries.get(`${externalId}|${p.key}`)?.get(p.step);
      return point && { ...p, value: point.value, wallTime: point.wallTime };
    });
  }

  it('reach a store in a worker thread exactly, as packed columns', async () => {
    const root = fileURLToPath(new URL('../../../..', import.meta.url));
    const core = (await import(
      pathToFileURL(join(root, 'packages/core/dist/index.js')).href
    )) as typeof source;
    store = await core.openStore(`sqlite:${join(dir, 'w.db')}`, { worker: true });
    const writer = writerFor(store);
    await writer.flush();
    expect(writer.stats()).toMatchObject({ dropped: 0, rejected: 0, spooling: false });
    expect(await stored(store, queued())).toEqual(queued());
  });

  it('reach a store in this thread exactly, and the spool as one object per point (format 1)', async () => {
    let down = true;
    const real = await openStore(`sqlite:${join(dir, 'm.db')}`);
    store = real;
    const flaky = new Proxy(real, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (name !== 'putLineage' && name !== 'appendMetrics') return value;
        return async (arg: unknown) => {
          if (down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
          return value.call(target, arg);
        };
      },
    });
    const writer = writerFor(flaky);
    await writer.flush();
    const spoolDir = join(dir, 'spool');
    const spoolFile = join(spoolDir, readdirSync(spoolDir).find((name) => name.endsWith('.jsonl'))!);
    const lines = readFileSync(spoolFile, 'utf8').trim().split('\n');
    const spooled = lines.flatMap(
      (line) => (decodeJson(line) as { v: number; metrics: MetricPoint[] }).metrics,
    );
    expect(lines.every((line) => (decodeJson(line) as { v: number }).v === 1)).toBe(true);
    expect(spooled).toEqual(queued());
    down = false;
    await writer.flush({ probe: true });
    expect(writer.stats()).toMatchObject({ dropped: 0, rejected: 0, spooling: false });
    expect(await stored(real, queued())).toEqual(queued());
    await writer.close();
    // Nothing left to replay: the writer replayed its own spool.
    expect((await replaySpool(real, join(dir, 'spool'))).batches).toBe(0);
  });
});
