/**
 * Builds real ONNX models for the tests with onnx-proto's generated protobuf code:
 * Y = X · W + B, with X float32 [batch, 2], W [2, 3] and B [3] as initializers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';

export const W = [
  [1, 2, 3],
  [4, 5, 6],
];
export const B = [0.5, -1, 2];

export interface BuildOptions {
  producerName?: string;
  /** Changes the weights, hence the digest, for "two models" tests. */
  scale?: number;
  metadataProps?: Record<string, string>;
  docString?: string;
  /** Adds an unused initializer of this many float32s, to make the file large. */
  extraWeights?: number;
}

/** The model's bytes. */
export function buildLinearModel(options: BuildOptions = {}): Uint8Array {
  const scale = options.scale ?? 1;
  const floatTensor = (name: string, dims: number[], values: number[]) =>
    onnx.TensorProto.create({
      name,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(new Float32Array(values).buffer),
    });
  const valueInfo = (name: string, dims: Array<number | string>) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: options.producerName ?? 'mlmeta-tests',
    producerVersion: '1.2.3',
    domain: 'dev.mlmeta',
    modelVersion: 7,
    docString: options.docString ?? 'Y = X W + B',
    opsetImport: [{ domain: '', version: 13 }],
    metadataProps: Object.entries(options.metadataProps ?? { team: 'search', stage: 'canary' }).map(
      ([key, value]) => ({ key, value }),
    ),
    graph: {
      name: 'linear',
      node: [
        { opType: 'MatMul', input: ['X', 'W'], output: ['XW'], name: 'matmul' },
        { opType: 'Add', input: ['XW', 'B'], output: ['Y'], name: 'add' },
      ],
      initializer: [
        floatTensor(
          'W',
          [2, 3],
          W.flat().map((v) => v * scale),
        ),
        floatTensor('B', [3], B),
        ...(options.extraWeights
          ? [floatTensor('unused', [options.extraWeights], new Array(options.extraWeights).fill(1))]
          : []),
      ],
      input: [valueInfo('X', ['batch', 2])],
      output: [valueInfo('Y', ['batch', 3])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'mlmeta-onnx-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes the model into `dir` and returns its path. */
export function writeLinearModel(dir: string, file = 'model.onnx', options: BuildOptions = {}): string {
  const path = join(dir, file);
  writeFileSync(path, buildLinearModel(options));
  return path;
}

/** The expected output for one row x of X. */
export function expectedRow(x: [number, number], scale = 1): number[] {
  return [0, 1, 2].map((j) => (x[0] * W[0][j] + x[1] * W[1][j]) * scale + B[j]);
}
