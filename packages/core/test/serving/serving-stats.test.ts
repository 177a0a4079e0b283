import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../src/serving/latency-histogram.js';
import { ServingStats } from '../../src/serving/serving-stats.js';

describe('LatencyHistogram', () => {
  it('derives quantiles within 1/16 of the true value over six decades', () => {
    const h = new LatencyHistogram();
    // 1..10000 µs, uniformly: the true p50 is 5 ms, p90 9 ms, p99 9.9 ms.
    for (let us = 1; us <= 10_000; us++) h.record(us / 1000);
    for (const [q, truth] of [
      [0.5, 5],
      [0.9, 9],
      [0.99, 9.9],
    ]) {
      expect(Math.abs(h.quantile(q) - truth) / truth).toBeLessThan(1 / 16);
    }
    const s = h.summary();
    expect(s.count).toBe(10_000);
    expect(s.minMs).toBeCloseTo(0.001);
    expect(s.maxMs).toBe(10);
    expect(s.meanMs).toBeCloseTo(5.0005, 6);
    expect(s.buckets.reduce((n, b) => n + b[2], 0)).toBe(10_000);
    for (const [low, high] of s.buckets) expect(high).toBeGreaterThan(low);
  });

  it('keeps tiny, huge and zero latencies without overflowing', () => {
    const h = new LatencyHistogram();
    h.record(0);
    h.record(0.00001);
    h.record(10 * 60 * 1000);
    expect(h.count).toBe(3);
    expect(h.quantile(1)).toBe(600_000);
    expect(h.quantile(0.1)).toBeLessThan(0.0001);
  });

  it('answers 0 when empty', () => {
    expect(new LatencyHistogram().summary()).toMatchObject({ count: 0, p50Ms: 0, p99Ms: 0, minMs: 0 });
  });
});

describe('ServingStats', () => {
  const tensor = (...dims: number[]) => ({ dims });

  it('counts calls, errors, batch sizes and shapes across changes and snapshots', () => {
    const stats = new ServingStats(['X', 'mask']);
    for (let i = 0; i < 5; i++) stats.observeFeeds({ X: tensor(8, 2), mask: tensor(8) });
    stats.observeFeeds({ X: tensor(1, 2), mask: tensor(1) });
    const first = stats.snapshot();
    expect(first.calls).toBe(6);
    expect(first.batchSizes).toEqual({ 1: 1, 8: 5 });
    for (let i = 0; i < 3; i++) stats.observeFeeds({ X: tensor(8, 2), mask: tensor(8) });
    stats.recordError();
    stats.recordSuccess(2);
    const second = stats.snapshot();
    expect(second).toMatchObject({ calls: 9, errors: 1, batchSizes: { 1: 1, 8: 8 } });
    expect(second.latency.count).toBe(1);
    expect(second.inputShapes).toEqual([
      { input: 'X', shape: [8, 2], calls: 8 },
      { input: 'mask', shape: [8], calls: 8 },
      { input: 'X', shape: [1, 2], calls: 1 },
      { input: 'mask', shape: [1], calls: 1 },
    ]);
  });

  it('bounds the sets and counts the rest as other', () => {
    const stats = new ServingStats(['X']);
    for (let batch = 1; batch <= 100; batch++) stats.observeFeeds({ X: tensor(batch, 2) });
    const s = stats.snapshot();
    expect(Object.keys(s.batchSizes)).toHaveLength(64);
    expect(s.otherBatchSizes).toBe(36);
    expect(s.inputShapes).toHaveLength(32);
    expect(s.otherShapes).toBe(68);
  });

  it('ignores feeds it cannot read, and still counts the call', () => {
    const stats = new ServingStats(['X']);
    stats.observeFeeds(null);
    stats.observeFeeds({ X: { data: [] } });
    stats.observeFeeds({ Z: tensor(1) });
    expect(stats.snapshot()).toMatchObject({ calls: 3, batchSizes: {}, inputShapes: [] });
  });
});
