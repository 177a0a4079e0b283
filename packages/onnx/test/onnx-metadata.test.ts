import { open, readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { bufferSource, fileSource, readOnnxMetadata } from '../src/onnx-metadata.js';
import { buildLinearModel, expectedRow, tempDir, writeLinearModel } from './helpers/build-model.js';

describe('readOnnxMetadata', () => {
  it('reads the descriptive fields of a real model from a buffer', async () => {
    const bytes = buildLinearModel({ metadataProps: { team: 'search', owner: 'ana' } });
    const meta = await readOnnxMetadata(bufferSource(bytes), bytes.length);
    expect(meta).toMatchObject({
      irVersion: 8,
      opsetImports: [{ domain: '', version: 13 }],
      producerName: 'mlmeta-tests',
      producerVersion: '1.2.3',
      domain: 'dev.mlmeta',
      modelVersion: 7,
      docString: 'Y = X W + B',
      metadataProps: { team: 'search', owner: 'ana' },
      graphName: 'linear',
    });
    expect(meta.inputs).toEqual([{ name: 'X', isTensor: true, type: 'float32', shape: ['batch', 2] }]);
    expect(meta.outputs).toEqual([{ name: 'Y', isTensor: true, type: 'float32', shape: ['batch', 3] }]);
  });

  it('reads the same from a file with windowed reads, and the file is a model onnxruntime runs', async () => {
    const path = writeLinearModel(tempDir());
    const handle = await open(path);
    try {
      const { size } = await handle.stat();
      const fromFile = await readOnnxMetadata(fileSource(handle), size);
      const bytes = await readFile(path);
      expect(fromFile).toEqual(await readOnnxMetadata(bufferSource(bytes), bytes.length));
    } finally {
      await handle.close();
    }
    const session = await ort.InferenceSession.create(path);
    const out = await session.run({
      X: new ort.Tensor('float32', Float32Array.from([1, 2, -1, 0.5]), [2, 2]),
    });
    const y = Array.from(out.Y.data as Float32Array);
    expect(y.slice(0, 3)).toEqual(expectedRow([1, 2]));
    expect(y.slice(3)).toEqual(expectedRow([-1, 0.5]));
    await session.release();
  });

  it('skips the weights: a large initializer is not read', async () => {
    const bytes = buildLinearModel({ extraWeights: 1_000_000 });
    expect(bytes.length).toBeGreaterThan(4_000_000);
    const reads: number[] = [];
    const source = bufferSource(bytes);
    await readOnnxMetadata(async (position, length) => {
      reads.push(length);
      return source(position, length);
    }, bytes.length);
    // Headers are at most 20 bytes; the only larger reads are the small kept fields.
    expect(Math.max(...reads)).toBeLessThan(100);
    expect(reads.reduce((a, b) => a + b, 0)).toBeLessThan(2_000);
  });

  it('truncates a huge doc string', async () => {
    const bytes = buildLinearModel({ docString: 'x'.repeat(10_000) });
    const meta = await readOnnxMetadata(bufferSource(bytes), bytes.length);
    expect(meta.docString?.length).toBe(4097);
  });

  it('rejects bytes that are not a ModelProto', async () => {
    const garbage = new TextEncoder().encode('this is not an onnx model, just text');
    await expect(readOnnxMetadata(bufferSource(garbage), garbage.length)).rejects.toThrow();
    const truncated = buildLinearModel().subarray(0, 40);
    await expect(readOnnxMetadata(bufferSource(truncated), truncated.length)).rejects.toThrow();
  });
});
