import { decodeWireJson, encodeWireJson, MlmetaError } from '@mlmeta/core';
import { describe, expect, it } from 'vitest';

describe('wire JSON codec', () => {
  it('round-trips NaN and ±Infinity wherever they appear', () => {
    const value = {
      value: Number.NaN,
      list: [1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.5],
      nested: { deep: [{ x: Number.NaN }] },
    };
    const text = encodeWireJson(value);
    expect(text).toContain('{"$float":"NaN"}');
    expect(text).not.toContain('null');
    const back = decodeWireJson(text) as typeof value;
    expect(back.value).toBeNaN();
    expect(back.list).toEqual([1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.5]);
    expect(back.nested.deep[0]!.x).toBeNaN();
  });

  it('keeps user objects that look like markers unchanged', () => {
    const value = {
      a: { $float: 'NaN' },
      b: { $literal: ['$float', 1] },
      c: { $float: 'x', other: 1 },
      d: { $literal: { $float: Number.NaN } },
    };
    const back = decodeWireJson(encodeWireJson(value)) as Record<string, any>;
    expect(back.a).toEqual({ $float: 'NaN' });
    expect(back.b).toEqual({ $literal: ['$float', 1] });
    expect(back.c).toEqual({ $float: 'x', other: 1 });
    expect(back.d.$literal.$float).toBeNaN();
  });

  it('rejects malformed JSON, bad markers and __proto__ with INVALID_ARGUMENT', () => {
    for (const text of [
      '{bad',
      '{"$float":"nan"}',
      '{"$literal":["x",1]}',
      '{"__proto__":{"polluted":1}}',
      '',
    ]) {
      let caught: unknown;
      try {
        decodeWireJson(text);
      } catch (error) {
        caught = error;
      }
      expect(caught, text).toBeInstanceOf(MlmetaError);
      expect((caught as MlmetaError).code).toBe('INVALID_ARGUMENT');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
