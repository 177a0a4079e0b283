/**
 * Reads an ONNX file's descriptive fields (ir_version, opsets, producer, metadata_props, the
 * graph's inputs and outputs) without decoding its weights. A model is a protobuf ModelProto
 * whose bulk is the graph's nodes and initializers; we walk the top-level fields with
 * protobufjs' Reader, copy only the small ones (and the graph's name/input/output) into a new
 * message, and decode that with a reduced ONNX schema. Nothing in the
 * weights is read into memory, so this costs the same for a 2 KB and a 2 GB model.
 */
import type { FileHandle } from 'node:fs/promises';
import protobuf from 'protobufjs/light.js';
import type { TensorSignature } from './types.js';

/** The descriptive part of a ModelProto, as mlmeta records it. */
export interface OnnxModelMetadata {
  irVersion?: number;
  opsetImports: Array<{ domain: string; version: number }>;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  metadataProps: Record<string, string>;
  graphName?: string;
  /** The graph's declared inputs (initializers included for IR < 4 models) and outputs. */
  inputs: TensorSignature[];
  outputs: TensorSignature[];
}

/** Reads `length` bytes at `position`; may return fewer at the end of the source. */
export type ByteSource = (position: number, length: number) => Promise<Uint8Array>;

// Field numbers from onnx/onnx.proto (ModelProto, GraphProto and the messages they use).
const MODEL_GRAPH_FIELD = 7;
const GRAPH_FIELDS_KEPT = new Set([2 /* name */, 11 /* input */, 12 /* output */]);
const MODEL_FIELDS_KEPT = new Set([1, 2, 3, 4, 5, 6, 8 /* opset_import */, 14 /* metadata_props */]);
/** doc strings can be whole README files; a property is not the place for them. */
const MAX_DOC_STRING = 4096;
const MAX_HEADER_BYTES = 20;

const schema = protobuf.Root.fromJSON({
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
        StringStringEntryProto: {
          fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } },
        },
        GraphProto: {
          fields: {
            name: { type: 'string', id: 2 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        TypeProto: {
          fields: { tensorType: { type: 'TensorType', id: 1 } },
          nested: {
            TensorType: {
              fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } },
            },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
          nested: {
            Dimension: {
              fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } },
            },
          },
        },
      },
    },
  },
});
const ModelProto = schema.lookupType('onnx.ModelProto');

/** TensorProto.DataType → the names onnxruntime-common uses for tensor types. */
const ELEMENT_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
  21: 'uint4',
  22: 'int4',
};

interface FieldHeader {
  field: number;
  /** Where the header starts and where the payload starts and ends. */
  start: number;
  payloadStart: number;
  end: number;
}

/** Reads the field header at `position` (tag, and length for length-delimited fields). */
async function readHeader(read: ByteSource, position: number, limit: number): Promise<FieldHeader> {
  const bytes = await read(position, Math.min(MAX_HEADER_BYTES, limit - position));
  const reader = protobuf.Reader.create(bytes);
  const tag = reader.uint32();
  const wireType = tag & 7;
  const field = tag >>> 3;
  if (field === 0) throw new Error(`invalid protobuf field number 0 at byte ${position}`);
  let end: number;
  switch (wireType) {
    case 0:
      reader.skipType(0);
      end = position + reader.pos;
      return { field, start: position, payloadStart: position + reader.pos, end };
    case 1:
      return { field, start: position, payloadStart: position + reader.pos, end: position + reader.pos + 8 };
    case 2: {
      const length = reader.uint32();
      const payloadStart = position + reader.pos;
      return { field, start: position, payloadStart, end: payloadStart + length };
    }
    case 5:
      return { field, start: position, payloadStart: position + reader.pos, end: position + reader.pos + 4 };
    default:
      throw new Error(`unsupported protobuf wire type ${wireType} at byte ${position}`);
  }
}

/** Calls `visit` for each field of the message in [start, end). */
async function forEachField(
  read: ByteSource,
  start: number,
  end: number,
  visit: (header: FieldHeader) => Promise<void>,
): Promise<void> {
  let position = start;
  while (position < end) {
    const header = await readHeader(read, position, end);
    if (header.end > end) throw new Error(`protobuf field ${header.field} runs past the end of its message`);
    await visit(header);
    position = header.end;
  }
}

async function readExactly(read: ByteSource, position: number, length: number): Promise<Uint8Array> {
  const bytes = await read(position, length);
  if (bytes.length !== length) throw new Error(`the model file ends early (byte ${position + bytes.length})`);
  return bytes;
}

/** Copies the kept fields into a small ModelProto that decodes in microseconds. */
async function extractDescriptiveFields(read: ByteSource, size: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await forEachField(read, 0, size, async (header) => {
    if (MODEL_FIELDS_KEPT.has(header.field)) {
      parts.push(await readExactly(read, header.start, header.end - header.start));
    } else if (header.field === MODEL_GRAPH_FIELD) {
      const graphParts: Uint8Array[] = [];
      await forEachField(read, header.payloadStart, header.end, async (inner) => {
        if (GRAPH_FIELDS_KEPT.has(inner.field)) {
          graphParts.push(await readExactly(read, inner.start, inner.end - inner.start));
        }
      });
      const graph = Buffer.concat(graphParts);
      parts.push(
        protobuf.Writer.create()
          .uint32((MODEL_GRAPH_FIELD << 3) | 2)
          .uint32(graph.length)
          .finish(),
        graph,
      );
    }
  });
  return Buffer.concat(parts);
}

function toSignature(value: any): TensorSignature {
  const tensor = value.type?.tensorType;
  if (!tensor) return { name: value.name ?? '', isTensor: false };
  const signature: TensorSignature = { name: value.name ?? '', isTensor: true };
  const type = ELEMENT_TYPES[tensor.elemType];
  if (type) signature.type = type;
  if (tensor.shape) {
    signature.shape = (tensor.shape.dim ?? []).map((d: any) =>
      d.dimParam ? d.dimParam : d.dimValue !== undefined ? Number(d.dimValue) : '?',
    );
  }
  return signature;
}

/**
 * Reads the descriptive metadata of an ONNX model from any byte source (a file or a buffer).
 * Throws on a file that is not a ModelProto; callers on the serving path catch and warn.
 *
 * @example
 * const meta = await readOnnxMetadata(bufferSource(bytes), bytes.length);
 * meta.producerName; // 'pytorch'
 */
export async function readOnnxMetadata(read: ByteSource, size: number): Promise<OnnxModelMetadata> {
  const decoded = ModelProto.decode(await extractDescriptiveFields(read, size));
  const m = ModelProto.toObject(decoded, { longs: Number, defaults: false, arrays: true }) as any;
  const metadataProps: Record<string, string> = {};
  for (const entry of m.metadataProps ?? []) metadataProps[entry.key ?? ''] = entry.value ?? '';
  const docString: string | undefined = m.docString;
  return {
    irVersion: m.irVersion,
    opsetImports: (m.opsetImport ?? []).map((o: any) => ({
      domain: o.domain ?? '',
      version: o.version ?? 0,
    })),
    producerName: m.producerName,
    producerVersion: m.producerVersion,
    domain: m.domain,
    modelVersion: m.modelVersion,
    docString:
      docString && docString.length > MAX_DOC_STRING ? `${docString.slice(0, MAX_DOC_STRING)}…` : docString,
    metadataProps,
    graphName: m.graph?.name,
    inputs: (m.graph?.input ?? []).map(toSignature),
    outputs: (m.graph?.output ?? []).map(toSignature),
  };
}

/** A ByteSource over bytes already in memory. */
export function bufferSource(bytes: Uint8Array): ByteSource {
  return async (position, length) => bytes.subarray(position, position + length);
}

const FILE_WINDOW_BYTES = 64 * 1024;

/**
 * A ByteSource over an open file. Reads 64 KiB windows, so that walking thousands of small graph
 * nodes costs a few reads, while a large initializer is skipped without being read.
 */
export function fileSource(handle: FileHandle): ByteSource {
  let window: Uint8Array = new Uint8Array(0);
  let windowStart = 0;
  return async (position, length) => {
    const offset = position - windowStart;
    if (offset >= 0 && offset + length <= window.length) return window.subarray(offset, offset + length);
    const size = Math.max(length, FILE_WINDOW_BYTES);
    const buffer = Buffer.allocUnsafe(size);
    const { bytesRead } = await handle.read(buffer, 0, size, position);
    window = buffer.subarray(0, bytesRead);
    windowStart = position;
    return window.subarray(0, Math.min(length, bytesRead));
  };
}
