/** Metric series: bulk append, replay, non-finite values, step ranges, downsampling. */
import type { MetadataStore } from '@mlmeta/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectError, trainBatch } from './fixtures.js';

export function defineMetricTests(openFresh: () => Promise<MetadataStore>): void {
  let store: MetadataStore;
  let runId: number;
  beforeEach(async () => {
    store = await openFresh();
    runId = (await store.putLineage(trainBatch())).executionIds[0]!;
  });
  afterEach(async () => {
    await store.close();
  });

  describe('metrics', () => {
    it('appends, summarizes and reads series back, keeping NaN and ±Infinity', async () => {
      const loss = [1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.25];
      await store.appendMetrics([
        ...loss.map((value, step) => ({
          execution: { externalId: 'run' },
          key: 'loss',
          step,
          value,
          wallTime: 1000 + step,
        })),
        { execution: { id: runId }, key: 'acc', step: 0, value: 0.5, wallTime: 1000 },
      ]);
      const keys = await store.getMetricKeys({ id: runId });
      expect(keys).toEqual([
        { key: 'acc', count: 1, minStep: 0, maxStep: 0, lastValue: 0.5 },
        { key: 'loss', count: 6, minStep: 0, maxStep: 5, lastValue: 0.25 },
      ]);
      const series = await store.getMetrics({ execution: { externalId: 'run' }, key: 'loss' });
      expect(series.total).toBe(6);
      expect(series.downsampled).toBe(false);
      expect(series.points.map((p) => p.value)).toEqual(loss);
      expect(series.points.map((p) => p.wallTime)).toEqual([1000, 1001, 1002, 1003, 1004, 1005]);
      const range = await store.getMetrics({ execution: { id: runId }, key: 'loss', fromStep: 2, toStep: 3 });
      expect(range.points.map((p) => p.step)).toEqual([2, 3]);
      expect(range.points[0]?.value).toBeNaN();
      expect((await store.getMetrics({ execution: { id: runId }, key: 'missing' })).points).toEqual([]);
    });

    it('a replayed batch overwrites instead of duplicating', async () => {
      const points = [0, 1, 2].map((step) => ({
        execution: { id: runId },
        key: 'loss',
        step,
        value: step,
        wallTime: step,
      }));
      await store.appendMetrics(points);
      await store.appendMetrics(points);
      await store.appendMetrics([{ execution: { id: runId }, key: 'loss', step: 2, value: 9, wallTime: 9 }]);
      const series = await store.getMetrics({ execution: { id: runId }, key: 'loss' });
      expect(series.points.map((p) => p.value)).toEqual([0, 1, 9]);
    });

    it('downsamples long series in buckets that keep each min and max', async () => {
      const points = Array.from({ length: 1000 }, (_, step) => ({
        execution: { id: runId },
        key: 'loss',
        step,
        value: step === 500 ? 1e6 : step === 501 ? -1e6 : Math.sin(step / 50),
        wallTime: step,
      }));
      await store.appendMetrics(points);
      const series = await store.getMetrics({ execution: { id: runId }, key: 'loss', maxPoints: 20 });
      expect(series.total).toBe(1000);
      expect(series.downsampled).toBe(true);
      expect(series.points).toHaveLength(20);
      expect(series.points.map((p) => p.step)).toEqual(Array.from({ length: 20 }, (_, i) => i * 50 + 49));
      expect(Math.max(...series.points.map((p) => p.max!))).toBe(1e6);
      expect(Math.min(...series.points.map((p) => p.min!))).toBe(-1e6);
      const windowed = await store.getMetrics({
        execution: { id: runId },
        key: 'loss',
        fromStep: 100,
        toStep: 199,
        maxPoints: 10,
      });
      expect(windowed.total).toBe(100);
      expect(windowed.points.map((p) => p.step)).toEqual(Array.from({ length: 10 }, (_, i) => 109 + i * 10));
    });

    it('downsamples a long series from its block rollup, exact under replays, overwrites and out-of-order appends', async () => {
      // The model of what is stored: step → value. 5,000 steps span 20 rollup blocks of 256.
      const stored = new Map<number, number>();
      const write = async (steps: number[], value: (step: number) => number) => {
        for (const step of steps) stored.set(step, value(step));
        await store.appendMetrics(
          steps.map((step) => ({
            execution: { id: runId },
            key: 'loss',
            step,
            value: value(step),
            wallTime: step,
          })),
        );
      };
      const wave = (step: number) => Math.cos(step / 300);
      const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
      // Newest steps first, in calls of 300 that end mid-block (each extends the block the last
      // one left), then the rest in one call with its steps reversed (nothing in order).
      for (let from = 3000; from < 5000; from += 300)
        await write(range(from, Math.min(from + 299, 4999)), wave);
      await write(range(0, 2999).reverse(), wave);
      await write(range(1000, 1999), wave); // a replay
      await write([700], () => 50); // a spike, later overwritten by a smaller one
      await write([700], () => 7);
      await write([4321], () => -40);
      await write([2600, 2601, 2602], () => Number.NaN); // NaN is no min or max
      const check = async (fromStep: number | undefined, toStep: number | undefined, maxPoints: number) => {
        const series = await store.getMetrics({
          execution: { id: runId },
          key: 'loss',
          fromStep,
          toStep,
          maxPoints,
        });
        const inRange = [...stored.keys()].filter(
          (step) => (fromStep === undefined || step >= fromStep) && (toStep === undefined || step <= toStep),
        );
        expect(series.total).toBe(inRange.length);
        expect(series.downsampled).toBe(true);
        expect(series.points.length).toBeLessThanOrEqual(maxPoints);
        expect(series.points.length).toBeGreaterThan(maxPoints / 2 - 1);
        // Buckets are contiguous and end at the point they return: each (previous, this] holds
        // exactly the min and max reported, whatever the bucketing.
        let previous = (fromStep ?? 0) - 1;
        for (const point of series.points) {
          expect(point.value).toBe(stored.get(point.step));
          const values = inRange.filter((s) => s > previous && s <= point.step).map((s) => stored.get(s)!);
          const finite = values.filter((v) => !Number.isNaN(v));
          expect(point.min).toBe(Math.min(...finite));
          expect(point.max).toBe(Math.max(...finite));
          previous = point.step;
        }
        expect(previous).toBe(Math.max(...inRange));
        return series;
      };
      const full = await check(undefined, undefined, 4);
      expect(Math.max(...full.points.map((p) => p.max!))).toBe(7);
      expect(Math.min(...full.points.map((p) => p.min!))).toBe(-40);
      await check(300, 4700, 4); // edges that cut blocks in two
      await check(0, 4095, 8); // edges on block boundaries
      await check(1, 2000, 2);
      expect(await store.getMetricKeys({ id: runId })).toEqual([
        { key: 'loss', count: 5000, minStep: 0, maxStep: 4999, lastValue: wave(4999) },
      ]);
    });

    it('rejects points for unknown executions or with bad fields, storing none of the batch', async () => {
      const good = { execution: { id: runId }, key: 'loss', step: 0, value: 1, wallTime: 1 };
      await expectError(
        store.appendMetrics([good, { ...good, execution: { externalId: 'nope' } }]),
        'NOT_FOUND',
        /no execution has external id "nope"/,
      );
      await expectError(store.appendMetrics([good, { ...good, step: 1.5 }]), 'INVALID_ARGUMENT', /step/);
      await expectError(store.appendMetrics([{ ...good, key: '' }]), 'INVALID_ARGUMENT', /key/);
      expect(await store.getMetricKeys({ id: runId })).toEqual([]);
      await expectError(store.getMetricKeys({ externalId: 'nope' }), 'NOT_FOUND');
    });
  });
}
