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

/**
 * One message's bytes, `buf[pos, end)`, read field by field in place: nested messages are ranges
 * of the same buffer, so decoding copies nothing but the strings it returns.
 */
class WireReader {
  /** The last field read: its number and wire type, its varint or double, or its bytes' range. */
  field = 0;
  wireType = 0;
  number = 0;
  start = 0;
  stop = 0;

  constructor(
    readonly buf: Buffer,
    private pos: number,
    private readonly end: number,
  ) {}

  private varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.end) throw new ProtobufDecodeError('truncated varint');
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 0x80;
      if (scale > 2 ** 70) throw new ProtobufDecodeError('varint too long');
    }
  }

  private take(n: number): void {
    if (this.pos + n > this.end) throw new ProtobufDecodeError('truncated field');
    this.start = this.pos;
    this.stop = this.pos + n;
    this.pos += n;
  }

  /** Reads the next field; false at the end of the message. */
  next(): boolean {
    if (this.pos >= this.end) return false;
    const key = this.varint();
    this.field = Math.floor(key / 8);
    this.wireType = key % 8;
    this.number = 0;
    if (this.wireType === VARINT) this.number = this.varint();
    else if (this.wireType === FIXED64) {
      this.take(8);
      this.number = this.buf.readDoubleLE(this.start);
    } else if (this.wireType === BYTES) this.take(this.varint());
    else if (this.wireType === FIXED32) this.take(4);
    else throw new ProtobufDecodeError(`unsupported wire type ${this.wireType}`);
    return true;
  }

  /** The last field's bytes as a message of their own. */
  inner(): WireReader {
    return new WireReader(this.buf, this.start, this.stop);
  }

  text(): string {
    return this.buf.toString('utf8', this.start, this.stop);
  }
}

const reader = (bytes: Uint8Array) =>
  new WireReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.byteLength);

function readValue(r: WireReader): JsonValue {
  let value: JsonValue = null;
  while (r.next()) {
    if (r.field === 1 && r.wireType === VARINT) value = null;
    else if (r.field === 2 && r.wireType === FIXED64) value = r.number;
    else if (r.field === 3 && r.wireType === BYTES) value = r.text();
    else if (r.field === 4 && r.wireType === VARINT) value = r.number !== 0;
    else if (r.field === 5 && r.wireType === BYTES) value = readStruct(r.inner());
    else if (r.field === 6 && r.wireType === BYTES) value = readListValue(r.inner());
  }
  return value;
}

function readStruct(r: WireReader): { [key: string]: JsonValue } {
  const object: { [key: string]: JsonValue } = {};
  while (r.next()) {
    if (r.field !== 1 || r.wireType !== BYTES) continue;
    const entry = r.inner();
    let key = '';
    let value: JsonValue = null;
    while (entry.next()) {
      if (entry.field === 1 && entry.wireType === BYTES) key = entry.text();
      else if (entry.field === 2 && entry.wireType === BYTES) value = readValue(entry.inner());
    }
    object[key] = value;
  }
  return object;
}

function readListValue(r: WireReader): JsonValue[] {
  const list: JsonValue[] = [];
  while (r.next()) if (r.field === 1 && r.wireType === BYTES) list.push(readValue(r.inner()));
  return list;
}

/** google.protobuf.Value's bytes read as JSON (the message an Any of that type holds). */
export function decodeValue(bytes: Uint8Array): JsonValue {
  return readValue(reader(bytes));
}

/** A JSON object from google.protobuf.Struct's bytes. */
export function decodeStruct(bytes: Uint8Array): { [key: string]: JsonValue } {
  return readStruct(reader(bytes));
}

export function decodeListValue(bytes: Uint8Array): JsonValue[] {
  return readListValue(reader(bytes));
}

export function decodeAny(bytes: Uint8Array): { typeUrl: string; value: Uint8Array } {
  const r = reader(bytes);
  let typeUrl = '';
  let value: Uint8Array = new Uint8Array();
  while (r.next()) {
    if (r.field === 1 && r.wireType === BYTES) typeUrl = r.text();
    else if (r.field === 2 && r.wireType === BYTES) value = r.buf.subarray(r.start, r.stop);
  }
  return { typeUrl, value };
}
