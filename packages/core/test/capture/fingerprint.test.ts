import { createFingerprinter, fingerprintTensors, redactString, type TensorLike } from '@mlmeta/core';
import { describe, expect, it } from 'vitest';

function seeded(n: number, seed = 7): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = (s / 2 ** 32) * 10 - 3;
  }
  return out;
}

const x = (data: Float32Array, features: number): TensorLike => ({
  name: 'x',
  data,
  shape: [data.length / features, features],
  dtype: 'float32',
});

function rowsOf(t: TensorLike, from: number, to: number): TensorLike {
  const width = t.shape.slice(1).reduce((p, d) => p * d, 1);
  const data = (t.data as Float32Array).subarray(from * width, to * width);
  return { ...t, data, shape: [to - from, ...t.shape.slice(1)] };
}

describe('fingerprintTensors digest', () => {
  const data = seeded(4000);
  const labels = new Int32Array(1000).map((_, i) => i % 3);
  const y: TensorLike = { name: 'y', data: labels, shape: [1000], dtype: 'int32' };

  it('is deterministic, xxh3-prefixed and independent of where the bytes live', () => {
    const a = fingerprintTensors([x(data, 4), y]);
    expect(a.digest).toMatch(/^xxh3:[0-9a-f]{32}$/);
    // Same values at an offset inside a larger buffer.
    const big = new Float32Array(5000);
    big.set(data, 1000);
    const b = fingerprintTensors([x(big.subarray(1000), 4), y]);
    expect(b.digest).toBe(a.digest);
    expect(a.bytes).toBe(4000 * 4 + 1000 * 4);
    expect(a.rows).toBe(1000);
    expect(a.sampled).toBe(false);
    // Digests must survive redaction: mlmeta stores them next to redacted text.
    expect(redactString(a.digest)).toBe(a.digest);
  });

  it('changes with one byte, the shape, the dtype, the name or the order', () => {
    const base = fingerprintTensors([x(data, 4), y]).digest;
    const changed = data.slice();
    new Uint8Array(changed.buffer)[12345] ^= 1;
    const variants = [
      fingerprintTensors([x(changed, 4), y]),
      fingerprintTensors([x(data, 8), y]),
      fingerprintTensors([{ ...x(data, 4), dtype: 'int32', data: new Int32Array(data.buffer) }, y]),
      fingerprintTensors([{ ...x(data, 4), name: 'features' }, y]),
      fingerprintTensors([y, x(data, 4)]),
      fingerprintTensors([x(data, 4)]),
    ].map((f) => f.digest);
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it('equals the streaming digest over the same rows split into batches of any size', () => {
    const whole = fingerprintTensors([x(data, 4), y]);
    for (const cuts of [
      [0, 1000],
      [0, 100, 1000],
      [0, 1, 333, 334, 999, 1000],
    ]) {
      const fp = createFingerprinter({ byteBudget: 1 << 30 });
      for (let i = 0; i + 1 < cuts.length; i++) {
        fp.update([rowsOf(x(data, 4), cuts[i]!, cuts[i + 1]!), rowsOf(y, cuts[i]!, cuts[i + 1]!)]);
      }
      const streamed = fp.finish();
      expect(streamed.digest).toBe(whole.digest);
      expect(streamed.rows).toBe(1000);
      expect(streamed.tensors.map((t) => t.shape)).toEqual([[1000, 4], [1000]]);
    }
  });

  it('records a change of trailing shape mid-stream instead of pretending to concatenate', () => {
    const a = createFingerprinter();
    a.update([{ data: data.subarray(0, 8), shape: [2, 4], dtype: 'float32' }]);
    a.update([{ data: data.subarray(8, 16), shape: [4, 2], dtype: 'float32' }]);
    const b = createFingerprinter();
    b.update([{ data: data.subarray(0, 8), shape: [2, 4], dtype: 'float32' }]);
    b.update([{ data: data.subarray(8, 16), shape: [2, 4], dtype: 'float32' }]);
    const fa = a.finish();
    expect(fa.digest).not.toBe(b.finish().digest);
    expect(fa.tensors[0]!.stats).toEqual([]);
  });

  it('rejects malformed tensors with a message that says what is wrong', () => {
    expect(() =>
      fingerprintTensors([{ data: new Float32Array(5), shape: [2, 2], dtype: 'float32' }]),
    ).toThrow(/shape \[2,2\] has 4 elements but data holds 5/);
    expect(() => fingerprintTensors([{ data: [1, 2] as never, shape: [2], dtype: 'float32' }])).toThrow(
      /typed array/,
    );
  });
});

describe('byte budget', () => {
  const data = seeded(1 << 16);
  const batches = Array.from({ length: 8 }, (_, i) => [rowsOf(x(data, 8), i * 1024, (i + 1) * 1024)]);
  const budget = 3 * 1024 * 8 * 4 + 100; // three batches and a bit of the fourth

  function stream(list: TensorLike[][], byteBudget = budget) {
    const fp = createFingerprinter({ byteBudget });
    for (const batch of list) fp.update(batch);
    return fp.finish();
  }

  it('applies to the one-shot form when given', () => {
    const whole = { data, shape: [8192, 8], dtype: 'float32' };
    expect(fingerprintTensors([whole]).sampled).toBe(false);
    expect(fingerprintTensors([whole], { byteBudget: 1024 }).sampled).toBe(true);
  });

  it('stops hashing bytes past the budget but keeps counting rows and bytes', () => {
    const f = stream(batches);
    expect(f.sampled).toBe(true);
    expect(f.rows).toBe(8192);
    expect(f.bytes).toBe(data.byteLength);
    expect(stream(batches, 1 << 30).sampled).toBe(false);
    expect(f.digest).not.toBe(stream(batches, 1 << 30).digest);
  });

  it('covers the first budget bytes and the totals, nothing after', () => {
    const base = stream(batches).digest;
    const late = data.slice();
    late[budget / 4 + 10] = 42; // past the budget
    const lateBatches = Array.from({ length: 8 }, (_, i) => [rowsOf(x(late, 8), i * 1024, (i + 1) * 1024)]);
    expect(stream(lateBatches).digest).toBe(base);
    const early = data.slice();
    early[budget / 4 - 10] = 42; // inside the budget
    const earlyBatches = Array.from({ length: 8 }, (_, i) => [rowsOf(x(early, 8), i * 1024, (i + 1) * 1024)]);
    expect(stream(earlyBatches).digest).not.toBe(base);
    // One batch fewer: same hashed bytes, different totals.
    expect(stream(batches.slice(0, 7)).digest).not.toBe(base);
  });
});

function reference(data: ArrayLike<number>, features: number) {
  return Array.from({ length: features }, (_, j) => {
    const values: number[] = [];
    let nanCount = 0;
    for (let i = j; i < data.length; i += features) {
      if (Number.isNaN(data[i]!)) nanCount++;
      else values.push(data[i]!);
    }
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    return {
      count: values.length,
      min: values.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY),
      max: values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY),
      mean,
      std: Math.sqrt(variance),
      nanCount,
    };
  });
}

function expectStatsClose(actual: unknown[], expected: ReturnType<typeof reference>) {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((e, j) => {
    const a = actual[j] as typeof e;
    expect(a.count).toBe(e.count);
    expect(a.nanCount).toBe(e.nanCount);
    expect(a.min).toBe(e.min);
    expect(a.max).toBe(e.max);
    expect(a.mean).toBeCloseTo(e.mean, 9);
    expect(a.std).toBeCloseTo(e.std, 9);
  });
}

describe('per-feature statistics', () => {
  it('match a straightforward computation, per feature on the last axis', () => {
    const data = seeded(6000, 3);
    const f = fingerprintTensors([x(data, 6)]);
    expectStatsClose(f.tensors[0]!.stats, reference(data, 6));
    expect(f.statsSampled).toBe(false);
  });

  it('are stable for values far from zero (no catastrophic cancellation)', () => {
    const data = new Float64Array(1000).map((_, i) => 1e9 + (i % 2));
    const [s] = fingerprintTensors([{ data, shape: [1000], dtype: 'float64' }]).tensors[0]!.stats;
    expect(s!.mean).toBeCloseTo(1e9 + 0.5, 6);
    expect(s!.std).toBeCloseTo(0.5, 6);
  });

  it('count NaNs apart and exclude them from min, max, mean and std', () => {
    const data = seeded(300, 5);
    for (const i of [0, 4, 7, 299]) data[i] = Number.NaN;
    const f = fingerprintTensors([x(data, 3)]);
    expectStatsClose(f.tensors[0]!.stats, reference(data, 3));
    expect(f.tensors[0]!.stats.map((s) => s.nanCount)).toEqual([1, 2, 1]);
    const allNaN = fingerprintTensors([
      { data: new Float32Array([Number.NaN, Number.NaN]), shape: [2], dtype: 'float32' },
    ]);
    expect(allNaN.tensors[0]!.stats).toEqual([
      { count: 0, min: Number.NaN, max: Number.NaN, mean: Number.NaN, std: Number.NaN, nanCount: 2 },
    ]);
  });

  it('treat a rank-1 tensor as one feature and images as features per channel', () => {
    const ints = new Int32Array([5, -2, 9, 0]);
    expectStatsClose(
      fingerprintTensors([{ data: ints, shape: [4], dtype: 'int32' }]).tensors[0]!.stats,
      reference(ints, 1),
    );
    const pixels = new Uint8Array(2 * 4 * 4 * 3).map((_, i) => (i * 37) % 256);
    const img = fingerprintTensors([{ data: pixels, shape: [2, 4, 4, 3], dtype: 'int32' }]);
    expectStatsClose(img.tensors[0]!.stats, reference(pixels, 3));
  });

  it('accumulate across streamed batches to the one-shot values', () => {
    const data = seeded(4096, 11);
    const fp = createFingerprinter();
    for (let r = 0; r < 1024; r += 100) fp.update([rowsOf(x(data, 4), r, Math.min(1024, r + 100))]);
    expectStatsClose(fp.finish().tensors[0]!.stats, reference(data, 4));
  });

  it('are skipped on request and for non-numeric data', () => {
    const data = seeded(40);
    expect(fingerprintTensors([x(data, 4)], { stats: false }).tensors[0]!.stats).toEqual([]);
    const big = new BigInt64Array([1n, 2n]);
    expect(fingerprintTensors([{ data: big, shape: [2], dtype: 'int64' }]).tensors[0]!.stats).toEqual([]);
  });

  it('come from an evenly spread row sample above the cap, flagged statsSampled', () => {
    const features = 4;
    const data = seeded((1 << 21) * features, 13); // 8 Mi elements: above the 1 Mi-element cap
    const f = fingerprintTensors([x(data, features)]);
    expect(f.statsSampled).toBe(true);
    const exact = reference(data, features);
    f.tensors[0]!.stats.forEach((s, j) => {
      expect(s.count).toBeLessThan(exact[j]!.count);
      expect(s.count).toBeGreaterThan(exact[j]!.count / 16);
      expect(s.mean).toBeCloseTo(exact[j]!.mean, 1);
      expect(s.std).toBeCloseTo(exact[j]!.std, 1);
      expect(s.min).toBeGreaterThanOrEqual(exact[j]!.min);
      expect(s.max).toBeLessThanOrEqual(exact[j]!.max);
    });
  });
});
