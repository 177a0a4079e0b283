/**
 * The Struct/Value/ListValue/Any reader of STRUCT and PROTO property values: what the writer
 * encodes reads back the same, unknown fields are skipped, damaged bytes are refused.
 */
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/model/schemas.js';
import {
  decodeAny,
  decodeListValue,
  decodeStruct,
  decodeValue,
  encodeAny,
  encodeListValue,
  encodeStruct,
  encodeValue,
  ProtobufDecodeError,
} from '../../src/store/sql/protobuf-wire.js';

const environment = {
  node: 'v20.20.2',
  empty: '',
  unicode: 'naïve — 学習 🚀',
  git: { commit: 'a'.repeat(40), dirty: false, untracked: 0, diffBytes: null },
  packages: { dependencies: { zod: '^4.6.7', 'better-sqlite3': '^12.11.1' } },
  gpus: [{ name: 'A100', memoryMiB: 40_960 }, [], [1.5, -2, 1e300, 2 ** 53]],
  nested: { a: { b: { c: { d: [true, false, null] } } } },
  long: 'x'.repeat(70_000),
};

describe('protobuf wire reader', () => {
  it('reads back what the writer encodes', () => {
    expect(decodeStruct(encodeStruct(environment))).toEqual(environment);
    expect(decodeStruct(encodeStruct({}))).toEqual({});
    expect(decodeListValue(encodeListValue([1, 'two', { three: 3 }, [4]]))).toEqual([
      1,
      'two',
      { three: 3 },
      [4],
    ]);
    for (const value of [null, 0, -0.25, 'text', true, false, [], {}, { k: [null] }] as JsonValue[]) {
      expect(decodeValue(encodeValue(value))).toEqual(value);
    }
    const any = decodeAny(encodeAny('type.googleapis.com/google.protobuf.Struct', encodeStruct(environment)));
    expect(any.typeUrl).toBe('type.googleapis.com/google.protobuf.Struct');
    expect(decodeStruct(any.value)).toEqual(environment);
  });

  it('reads a message inside a larger buffer (a view with an offset)', () => {
    const bytes = encodeStruct({ lr: 0.1 });
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes, 5);
    expect(decodeStruct(padded.subarray(5, 5 + bytes.length))).toEqual({ lr: 0.1 });
  });

  it('skips unknown fields of every wire type; the last of a repeated value field wins', () => {
    const unknown = Buffer.from([
      (9 << 3) | 0,
      0x96,
      0x01, // field 9, varint 150
      (10 << 3) | 5,
      1,
      2,
      3,
      4, // field 10, fixed32
      (11 << 3) | 1,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8, // field 11, fixed64
      (12 << 3) | 2,
      2,
      0xff,
      0xff, // field 12, two bytes
    ]);
    const value = Buffer.concat([encodeValue('first'), unknown, encodeValue(42)]);
    expect(decodeValue(value)).toBe(42);
    expect(decodeStruct(Buffer.concat([unknown, encodeStruct({ a: 1 }), unknown]))).toEqual({ a: 1 });
  });

  it('refuses truncated bytes and unsupported wire types', () => {
    const bytes = encodeStruct(environment);
    for (const cut of [1, 2, 7, bytes.length - 1]) {
      expect(() => decodeStruct(bytes.subarray(0, cut))).toThrow(ProtobufDecodeError);
    }
    expect(() => decodeValue(Buffer.from([(1 << 3) | 3]))).toThrow(/unsupported wire type 3/);
    expect(() => decodeValue(Buffer.from([0x80]))).toThrow(/truncated varint/);
  });
});
