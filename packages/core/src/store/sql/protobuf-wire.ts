/**
 * The few protobuf messages MLMD keeps in property columns, on the wire: google.protobuf.Struct
 * (STRUCT values, `mlmd-struct::` + base64), Any (PROTO values, base64 in proto_value) and the
 * Value/ListValue messages inside them. Only what those messages need: varints, doubles and
 * length-delimited fields; unknown fields are skipped, as protobuf readers must.
 */
import type { JsonValue } from '../../model/schemas.js';

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

const tag = (field: number, wireType: number) => varint(field * 8 + wireType);

function bytesField(field: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([...tag(field, BYTES), ...varint(payload.length)]), payload]);
}

/** google.protobuf.Value's bytes for a JSON value. */
export function encodeValue(value: JsonValue): Buffer {
  if (value === null) return Buffer.from([...tag(1, VARINT), 0]);
  if (typeof value === 'number') {
    const double = Buffer.alloc(8);
    double.writeDoubleLE(value);
    return Buffer.concat([Buffer.from(tag(2, FIXED64)), double]);
  }
  if (typeof value === 'string') return bytesField(3, Buffer.from(value, 'utf8'));
  if (typeof value === 'boolean') return Buffer.from([...tag(4, VARINT), value ? 1 : 0]);
  if (Array.isArray(value)) return bytesField(6, encodeListValue(value));
  return bytesField(5, encodeStruct(value));
}

/** google.protobuf.Struct's bytes for a JSON object. */
export function encodeStruct(object: { [key: string]: JsonValue }): Buffer {
  return Buffer.concat(
    Object.entries(object).map(([key, value]) =>
      bytesField(
        1,
        Buffer.concat([bytesField(1, Buffer.from(key, 'utf8')), bytesField(2, encodeValue(value))]),
      ),
    ),
  );
}

export function encodeListValue(list: JsonValue[]): Buffer {
  return Buffer.concat(list.map((item) => bytesField(1, encodeValue(item))));
}

/** google.protobuf.Any's bytes. */
export function encodeAny(typeUrl: string, value: Uint8Array): Buffer {
  return Buffer.concat([bytesField(1, Buffer.from(typeUrl, 'utf8')), bytesField(2, value)]);
}

/** Thrown for bytes that are not the message they were read as. */
export class ProtobufDecodeError extends Error {}

/** Each field of one message: its number and, for length-delimited fields, its bytes. */
function* fields(
  bytes: Uint8Array,
): Generator<{ field: number; wireType: number; data: Uint8Array; number: number }> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const readVarint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (pos >= buf.length) throw new ProtobufDecodeError('truncated varint');
      const byte = buf[pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 0x80;
      if (scale > 2 ** 70) throw new ProtobufDecodeError('varint too long');
    }
  };
  const take = (n: number): Uint8Array => {
    if (pos + n > buf.length) throw new ProtobufDecodeError('truncated field');
    const data = buf.subarray(pos, pos + n);
    pos += n;
    return data;
  };
  while (pos < buf.length) {
    const key = readVarint();
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (wireType === VARINT) yield { field, wireType, data: new Uint8Array(), number: readVarint() };
    else if (wireType === FIXED64) {
      const data = take(8);
      yield { field, wireType, data, number: Buffer.from(data).readDoubleLE(0) };
    } else if (wireType === BYTES) yield { field, wireType, data: take(readVarint()), number: 0 };
    else if (wireType === FIXED32) yield { field, wireType, data: take(4), number: 0 };
    else throw new ProtobufDecodeError(`unsupported wire type ${wireType}`);
  }
}

const utf8 = (data: Uint8Array) => Buffer.from(data).toString('utf8');

/** google.protobuf.Value's bytes read as JSON (the message an Any of that type holds). */
export function decodeValue(bytes: Uint8Array): JsonValue {
  let value: JsonValue = null;
  for (const f of fields(bytes)) {
    if (f.field === 1 && f.wireType === VARINT) value = null;
    else if (f.field === 2 && f.wireType === FIXED64) value = f.number;
    else if (f.field === 3 && f.wireType === BYTES) value = utf8(f.data);
    else if (f.field === 4 && f.wireType === VARINT) value = f.number !== 0;
    else if (f.field === 5 && f.wireType === BYTES) value = decodeStruct(f.data);
    else if (f.field === 6 && f.wireType === BYTES) value = decodeListValue(f.data);
  }
  return value;
}

/** A JSON object from google.protobuf.Struct's bytes. */
export function decodeStruct(bytes: Uint8Array): { [key: string]: JsonValue } {
  const object: { [key: string]: JsonValue } = {};
  for (const entry of fields(bytes)) {
    if (entry.field !== 1 || entry.wireType !== BYTES) continue;
    let key = '';
    let value: JsonValue = null;
    for (const f of fields(entry.data)) {
      if (f.field === 1 && f.wireType === BYTES) key = utf8(f.data);
      else if (f.field === 2 && f.wireType === BYTES) value = decodeValue(f.data);
    }
    object[key] = value;
  }
  return object;
}

export function decodeListValue(bytes: Uint8Array): JsonValue[] {
  const list: JsonValue[] = [];
  for (const f of fields(bytes)) if (f.field === 1 && f.wireType === BYTES) list.push(decodeValue(f.data));
  return list;
}

export function decodeAny(bytes: Uint8Array): { typeUrl: string; value: Uint8Array } {
  let typeUrl = '';
  let value: Uint8Array = new Uint8Array();
  for (const f of fields(bytes)) {
    if (f.field === 1 && f.wireType === BYTES) typeUrl = utf8(f.data);
    else if (f.field === 2 && f.wireType === BYTES) value = f.data;
  }
  return { typeUrl, value };
}
