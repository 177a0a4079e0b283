/**
 * End to end: real .onnx files, real onnxruntime-node sessions, a real SQLite store.
 */
import { createHash } from 'node:crypto';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployedModels, type MetadataStore, openStore, startRun } from '@mlmeta/core';
import {
  digestModelFile,
  flushServing,
  instrument,
  isInstrumented,
  servingRun,
  uninstrument,
} from '@mlmeta/onnx';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLinearModel, expectedRow, tempDir, writeLinearModel } from './helpers/build-model.js';

const dir = tempDir();
const storeUri = `sqlite:${join(dir, 'mlmeta.db')}`;
process.env.MLMETA_SPOOL_DIR = join(dir, 'spool');
process.env.MLMETA_CAPTURE_DISABLED = 'git,packages,hardware';
let store: MetadataStore;

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const input = (rows: number[][]) => ({
  X: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 2]),
});

async function serveExecution(session: object) {
  const run = servingRun(session);
  expect(run).toBeDefined();
  const execution = await store.getExecution({ externalId: run!.id });
  expect(execution).toBeDefined();
  return execution!;
}

async function modelOf(executionId: number) {
  const events = await store.getEvents({ executionIds: [executionId] });
  const inputs = events.filter((e) => e.type === 'INPUT');
  expect(inputs).toHaveLength(1);
  return (await store.getArtifact({ id: inputs[0].artifactId }))!;
}

beforeAll(async () => {
  store = await openStore(storeUri);
  expect(instrument(ort, { store: storeUri, experiment: 'onnx-tests' })).toBe(true);
});

afterAll(async () => {
  uninstrument(ort);
  await store.close();
});

describe('instrument(ort)', () => {
  it('is idempotent and reversible', () => {
    const create = ort.InferenceSession.create;
    expect(instrument(ort)).toBe(true);
    expect(ort.InferenceSession.create).toBe(create);
    expect(uninstrument(ort)).toBe(true);
    expect(isInstrumented(ort)).toBe(false);
    expect(ort.InferenceSession.create).not.toBe(create);
    expect(uninstrument(ort)).toBe(false);
    expect(instrument(ort, { store: storeUri, experiment: 'onnx-tests' })).toBe(true);
    expect(instrument({ notOrt: true })).toBe(false);
  });

  it('records the model, the Serve run and aggregated run() statistics for a model file', async () => {
    const path = writeLinearModel(dir, 'linear.onnx');
    const session = await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      intraOpNumThreads: 1,
    });
    for (let i = 0; i < 10; i++) {
      const out = await session.run(
        input([
          [1, 2],
          [i, -1],
        ]),
      );
      expect(Array.from(out.Y.data as Float32Array)).toEqual([
        ...expectedRow([1, 2]),
        ...expectedRow([i, -1]),
      ]);
    }
    for (let i = 0; i < 3; i++) await session.run(input([[0.5, 0.5]]));
    await expect(session.run({})).rejects.toThrow(/missing/);
    await session.release();
    await flushServing();

    const serve = await serveExecution(session);
    expect(serve.type).toBe('mlmeta.Serve');
    expect(serve.lastKnownState).toBe('COMPLETE');
    const p = serve.customProperties;
    expect(p['serve.calls']).toBe(14);
    expect(p['serve.errors']).toBe(1);
    expect(p['serve.batch_sizes']).toEqual({ 1: 3, 2: 10 });
    expect(p['serve.input_shapes']).toEqual([
      { input: 'X', shape: [2, 2], calls: 10 },
      { input: 'X', shape: [1, 2], calls: 3 },
    ]);
    const latency = p['serve.latency_ms'] as Record<string, number>;
    expect(latency.count).toBe(13);
    expect(latency.p50).toBeGreaterThan(0);
    expect(latency.p99).toBeGreaterThanOrEqual(latency.p50);
    expect(latency.max).toBeGreaterThanOrEqual(latency.p99);
    expect(p['serve.execution_providers']).toEqual(['cpu']);
    expect(p['serve.session_options']).toEqual({ intraOpNumThreads: 1 });
    expect(p['serve.onnxruntime_versions']).toMatchObject({ node: '1.30.0' });
    expect(p['serve.model_uri']).toBe(path);
    expect(p['serve.model_digest']).toBe(sha256(readFileSync(path)));

    const model = await modelOf(serve.id);
    expect(model.type).toBe('mlmeta.Model');
    expect(model.externalId).toBe(sha256(readFileSync(path)));
    expect(model.uri).toBe(path);
    expect(model.customProperties).toMatchObject({
      format: 'onnx',
      size_bytes: readFileSync(path).length,
      ir_version: 8,
      opset_imports: [{ domain: '', version: 13 }],
      producer_name: 'mlmeta-tests',
      producer_version: '1.2.3',
      model_version: 7,
      metadata_props: { team: 'search', stage: 'canary' },
      inputs: [{ name: 'X', isTensor: true, type: 'float32', shape: ['batch', 2] }],
      outputs: [{ name: 'Y', isTensor: true, type: 'float32', shape: ['batch', 3] }],
    });

    const contexts = await store.getAssociations({ executionIds: [serve.id] });
    const types = await Promise.all(
      contexts.map(async (a) => (await store.getContext({ id: a.contextId }))?.type),
    );
    expect(types.sort()).toEqual(['mlmeta.Experiment', 'mlmeta.Process']);
  });

  it('records models created from a Uint8Array and from an ArrayBuffer slice', async () => {
    const bytes = buildLinearModel({ scale: 3 });
    const fromBytes = await ort.InferenceSession.create(bytes);
    const padded = new Uint8Array(bytes.length + 16);
    padded.set(bytes, 8);
    const fromSlice = await ort.InferenceSession.create(padded.buffer, 8, bytes.length);
    const out = await fromSlice.run(input([[1, 1]]));
    expect(Array.from(out.Y.data as Float32Array)).toEqual(expectedRow([1, 1], 3));
    await fromBytes.release();
    await fromSlice.release();
    await flushServing();
    for (const session of [fromBytes, fromSlice]) {
      const serve = await serveExecution(session);
      const model = await modelOf(serve.id);
      expect(model.externalId).toBe(sha256(bytes));
      expect(model.uri).toBeUndefined();
      expect(model.customProperties.graph_name).toBe('linear');
      expect(serve.customProperties['serve.model_name']).toBe('linear');
    }
  });

  it('identifies the served model by its bytes: the same file twice is one model, a rewrite in place another', async () => {
    const path = writeLinearModel(dir, 'cached.onnx', { scale: 1 });
    const mtime = new Date('2024-01-01T00:00:00Z');
    utimesSync(path, mtime, mtime);
    const first = await ort.InferenceSession.create(path);
    const again = await ort.InferenceSession.create(path);
    await flushServing();
    // Same size and mtime, other weights: the digest cache must not hand back the old digest.
    writeFileSync(path, buildLinearModel({ scale: 2 }));
    utimesSync(path, mtime, mtime);
    const rewritten = await ort.InferenceSession.create(path);
    await Promise.all([first.release(), again.release(), rewritten.release()]);
    await flushServing();
    const [a, b, c] = await Promise.all(
      [first, again, rewritten].map(async (s) => modelOf((await serveExecution(s)).id)),
    );
    expect(b.externalId).toBe(a.externalId);
    expect(c.externalId).toBe(sha256(readFileSync(path)));
    expect(c.externalId).not.toBe(a.externalId);
  });

  it('passes onnxruntime’s own error through unchanged and records a FAILED Serve run', async () => {
    const corrupt = join(dir, 'corrupt.onnx');
    writeFileSync(corrupt, 'definitely not a protobuf model');
    // A wrapper under ours captures the very error object onnxruntime rejects with.
    uninstrument(ort);
    const sessionClass = ort.InferenceSession as unknown as {
      create: (...args: unknown[]) => Promise<unknown>;
    };
    const bare = sessionClass.create;
    let thrownByOrt: unknown;
    sessionClass.create = async (...args: unknown[]) => {
      try {
        return await bare(...args);
      } catch (error) {
        thrownByOrt = error;
        throw error;
      }
    };
    try {
      instrument(ort, { store: storeUri, experiment: 'onnx-tests' });
      const caught = await ort.InferenceSession.create(corrupt).catch((error: unknown) => error);
      expect(thrownByOrt).toBeInstanceOf(Error);
      expect(caught).toBe(thrownByOrt);
      const missing = await ort.InferenceSession.create(join(dir, 'missing.onnx')).catch(
        (error: unknown) => error,
      );
      expect(missing).toBe(thrownByOrt);
    } finally {
      uninstrument(ort);
      sessionClass.create = bare;
      instrument(ort, { store: storeUri, experiment: 'onnx-tests' });
    }
    await flushServing();
    const serves = await store.getExecutions({ type: 'mlmeta.Serve', limit: 1000 });
    for (const file of ['corrupt.onnx', 'missing.onnx']) {
      const failed = serves.items.find((e) => e.customProperties['serve.model_uri'] === join(dir, file));
      expect(failed?.lastKnownState).toBe('FAILED');
      const error = failed?.customProperties['mlmeta.error'] as { message: string };
      expect(error.message.length).toBeGreaterThan(0);
    }
  });

  it('connects serve → model → training run → dataset when training declared the same digest', async () => {
    const path = writeLinearModel(dir, 'trained.onnx', { scale: 5 });
    const train = startRun({
      type: 'mlmeta.Train',
      store: storeUri,
      experiment: 'onnx-tests',
      name: 'train',
    });
    train.logInput({ digest: 'xxh3:dataset-under-test', uri: 'data/train.csv', role: 'x' });
    train.logOutput({ uri: 'trained.onnx', digest: await digestModelFile(path) });
    await train.end('COMPLETE');

    const session = await ort.InferenceSession.create(path);
    await session.run(input([[1, 0]]));
    await session.release();
    await flushServing();
    const serve = await serveExecution(session);
    const lineage = await store.getLineage({
      start: { executions: { ids: [serve.id] } },
      direction: 'upstream',
    });
    expect(lineage.executions.map((e) => e.externalId).sort()).toEqual(
      [servingRun(session)!.id, train.id].sort(),
    );
    expect(lineage.artifacts.map((a) => a.externalId).sort()).toEqual(
      ['xxh3:dataset-under-test', sha256(readFileSync(path))].sort(),
    );

    const [deployed] = await deployedModels(store, { model: 'trained.onnx' });
    expect(deployed.serve.id).toBe(serve.id);
    expect(deployed.status).toBe('COMPLETE');
    expect(deployed.modelArtifact?.externalId).toBe(sha256(readFileSync(path)));
    expect(deployed.producer?.externalId).toBe(train.id);
  });
});
