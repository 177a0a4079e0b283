import { deployedModels } from '@mlmeta/core';
import * as mlmeta from '@mlmeta/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuBackend, openStore, role, smallData, smallModel, tempStoreUri, tf } from './helpers.js';

const { uri } = tempStoreUri();
let store: Awaited<ReturnType<typeof openStore>>;

beforeAll(async () => {
  await cpuBackend();
  store = await openStore(uri);
});
afterAll(async () => {
  mlmeta.uninstrument();
  await store.close();
});

async function serves() {
  await mlmeta.flush();
  const { items } = await store.getExecutions({ type: 'mlmeta.Serve', orderBy: 'id' });
  return items;
}

/** A saved copy of `model` in memory, as a serving process would load it from a file. */
async function saved(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return artifacts!;
}

/** A GraphModel as the converter writes one: y = x · w, with w = [2, 3]. */
function graphArtifacts(): tf.io.ModelArtifacts {
  const float = { type: 'DT_FLOAT' };
  const modelTopology = {
    node: [
      {
        name: 'x',
        op: 'Placeholder',
        attr: { dtype: float, shape: { shape: { dim: [{ size: '-1' }, { size: '2' }] } } },
      },
      {
        name: 'w',
        op: 'Const',
        attr: {
          dtype: float,
          value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '2' }, { size: '1' }] } } },
        },
      },
      {
        name: 'y',
        op: 'MatMul',
        input: ['x', 'w'],
        attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } },
      },
    ],
    versions: { producer: 1 },
  };
  return {
    modelTopology,
    format: 'graph-model',
    weightSpecs: [{ name: 'w', shape: [2, 1], dtype: 'float32' }],
    weightData: new Float32Array([2, 3]).buffer,
  };
}

describe('serving with predict and execute', () => {
  it('a loaded LayersModel: one mlmeta.Serve with calls, errors, batch sizes and latency; deployed names its training run', async () => {
    const trained = smallModel();
    const { x, y } = smallData();
    await trained.fit(x, y, { epochs: 1, verbose: 0, callbacks: [mlmeta.callback({ store: uri })] });
    const artifacts = await saved(trained);

    mlmeta.instrument(tf, { store: uri });
    const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const four = tf.ones([4, 4]);
    for (let i = 0; i < 5; i++) (model.predict(four) as tf.Tensor).dispose();
    (model.predictOnBatch(four) as tf.Tensor).dispose();
    (model.predict(tf.ones([1, 4])) as tf.Tensor).dispose();
    (model.execute(tf.ones([1, 4]), model.outputs[0].name) as tf.Tensor).dispose();
    expect(() => model.predict(tf.ones([2, 7]))).toThrow();
    model.dispose();

    const [serve] = await serves();
    expect(serve.lastKnownState).toBe('COMPLETE');
    const props = serve.customProperties;
    expect(props['serve.calls']).toBe(9);
    expect(props['serve.errors']).toBe(1);
    expect(props['serve.batch_sizes']).toEqual({ 1: 2, 2: 1, 4: 6 });
    expect((props['serve.latency_ms'] as { count: number }).count).toBe(8);
    expect(props.framework).toBe('tfjs');
    const events = await store.getEvents({ executionIds: [serve.id] });
    const input = events.find((e) => e.type === 'INPUT')!;
    expect(role({ event: input })).toBe('model');
    const served = (await store.getArtifact({ id: input.artifactId }))!;
    expect(served.externalId).toBe(await mlmeta.modelDigest(trained as never));

    const [deployment] = await deployedModels(store);
    expect(deployment.serve.id).toBe(serve.id);
    expect(deployment.producer?.type).toBe('mlmeta.Train');
  });

  it('a GraphModel: predict (which calls execute itself), execute and executeAsync count once each', async () => {
    mlmeta.instrument(tf, { store: uri });
    const before = (await serves()).length;
    const model = await tf.loadGraphModel(tf.io.fromMemory(graphArtifacts()));
    const x = tf.tensor2d([
      [1, 1],
      [2, 0],
    ]);
    expect(Array.from((model.predict(x) as tf.Tensor).dataSync())).toEqual([5, 4]);
    (model.execute(x) as tf.Tensor).dispose();
    ((await model.executeAsync(x)) as tf.Tensor).dispose();
    model.dispose();
    const all = await serves();
    expect(all).toHaveLength(before + 1);
    const serve = all.at(-1)!;
    expect(serve.customProperties).toMatchObject({
      'serve.calls': 3,
      'serve.errors': 0,
      'serve.batch_sizes': { 2: 3 },
      'serve.input_shapes': [{ input: 'x', shape: [2, 2], calls: 3 }],
    });
    const events = await store.getEvents({ executionIds: [serve.id] });
    const artifact = (await store.getArtifact({ id: events[0].artifactId }))!;
    expect(artifact.type).toBe('mlmeta.Model');
    expect(artifact.customProperties.format).toBe('tfjs-graph-model');
  });

  it('records no Serve for a model trained in this process, or for one never loaded', async () => {
    mlmeta.instrument(tf, { store: uri });
    const before = (await serves()).length;
    const { x, y } = smallData();
    const trained = smallModel();
    await trained.fit(x, y, { epochs: 1, verbose: 0 });
    (trained.predict(x) as tf.Tensor).dispose();
    (smallModel().predict(x) as tf.Tensor).dispose();
    expect(await serves()).toHaveLength(before);
  });
});
