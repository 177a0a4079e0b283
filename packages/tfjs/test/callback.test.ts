import * as mlmeta from '@mlmeta/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cpuBackend,
  openStore,
  type RunView,
  role,
  smallData,
  smallModel,
  tempStoreUri,
  tf,
  trainRuns,
} from './helpers.js';

const { uri } = tempStoreUri();
let store: Awaited<ReturnType<typeof openStore>>;

beforeAll(async () => {
  await cpuBackend();
  store = await openStore(uri);
  // Installs the patches before any `model.fit` is looked up (lineage.test.ts covers the case
  // where the first callback() is created in the fit call's own arguments).
  mlmeta.callback({ store: uri });
});
afterAll(async () => {
  await store.close();
});

async function newRuns<T>(action: () => Promise<T>) {
  await mlmeta.flush();
  const before = (await trainRuns(store)).length;
  await action();
  await mlmeta.flush();
  return (await trainRuns(store)).slice(before);
}

describe('callback() with model.fit', () => {
  it('records params with defaults, optimizer, summary, metrics, the dataset and the model', async () => {
    const model = smallModel();
    const { x, y } = smallData();
    const [run] = await newRuns(() =>
      model.fit(x, y, {
        epochs: 3,
        validationSplit: 0.2,
        callbacks: [mlmeta.callback({ store: uri, logBatches: 'batch' })],
      }),
    );
    const p = run.execution.customProperties;
    expect(run.execution.lastKnownState).toBe('COMPLETE');
    expect(p['param.epochs']).toBe(3);
    expect(p['param.batchSize']).toBe(32);
    expect(p['param.shuffle']).toBe(true);
    expect(p['param.validationSplit']).toBe(0.2);
    expect(p['param.initialEpoch']).toBe(0);
    // Every effective hyperparameter is a param of its own, with a stable name.
    expect(p['param.optimizer']).toBe('Adam');
    expect(p['param.optimizer.learningRate']).toBe(0.01);
    expect(p['param.optimizer.beta1']).toBe(0.9);
    expect(p['param.loss']).toBe('categoricalCrossentropy');
    // A null default is no value, not the text "null".
    expect('param.classWeight' in p).toBe(false);
    expect(Object.values(p)).not.toContain('null');
    expect(p.optimizer).toBe('Adam');
    expect(p.optimizerConfig).toMatchObject({ learningRate: 0.01 });
    expect(p.loss).toBe('categoricalCrossentropy');
    expect(p.metrics).toEqual(['loss', 'acc']);
    expect(p.modelSummary).toMatchObject({
      class: 'Sequential',
      totalParams: 4 * 8 + 8 + 8 * 3 + 3,
      layers: [
        { class: 'Dense', outputShape: [null, 8], params: 40 },
        { class: 'Dense', outputShape: [null, 3], params: 27 },
      ],
      inputShapes: [[null, 4]],
    });
    expect(p.tfjsParams).toMatchObject({ epochs: 3, samples: 48, batchSize: 32, doValidation: true });
    expect(p.tfjs).toMatchObject({ versions: { 'tfjs-layers': tf.version['tfjs-layers'] }, backend: 'cpu' });
    expect(p.epochsCompleted).toBe(3);
    expect(p.examplesSeen).toBe(3 * 48);

    const keys = await store.getMetricKeys({ id: run.execution.id });
    const byKey = Object.fromEntries(keys.map((k) => [k.key, k]));
    expect(byKey.loss).toMatchObject({ count: 3, minStep: 0, maxStep: 2 });
    expect(byKey.val_acc.count).toBe(3);
    // 48 training rows in batches of 32: 2 batches per epoch.
    expect(byKey['batch/loss']).toMatchObject({ count: 6, minStep: 0, maxStep: 5 });

    const data = run.inputs.find((i) => role(i) === 'train')!;
    expect(data.artifact.type).toBe('mlmeta.Dataset');
    expect(data.artifact.externalId).toMatch(/^xxh3:/);
    expect(data.artifact.customProperties.rows).toBe(60);
    const tensors = data.artifact.customProperties.tensors as Array<{
      name: string;
      shape: number[];
      stats: unknown[];
    }>;
    expect(tensors.map((t) => [t.name, t.shape])).toEqual([
      ['x', [60, 4]],
      ['y', [60, 3]],
    ]);
    expect(tensors[0].stats).toHaveLength(4);

    // validationSplit: 0.2 validates on the last 12 rows, recorded as a dataset of their own.
    const validation = run.inputs.find((i) => role(i) === 'validation')!;
    expect(validation.artifact.customProperties.rows).toBe(12);

    const out = run.outputs.find((o) => role(o) === 'model')!;
    expect(out.artifact.type).toBe('mlmeta.Model');
    expect(out.artifact.externalId).toBe(await mlmeta.modelDigest(model as never));
  });

  it('records identical data in two runs as one dataset artifact', async () => {
    const { x, y } = smallData();
    const runs = await newRuns(async () => {
      await smallModel().fit(x, y, { callbacks: [mlmeta.callback({ store: uri })] });
      await smallModel().fit(x.clone(), y.clone(), { callbacks: mlmeta.callback({ store: uri }) });
    });
    expect(runs).toHaveLength(2);
    const ids = runs.map((r) => r.inputs.find((i) => role(i) === 'train')!.artifact.id);
    expect(ids[0]).toBe(ids[1]);
  });

  it('gives one run for a Sequential and one for a functional model', async () => {
    const { x, y } = smallData();
    const input = tf.input({ shape: [4] });
    const output = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(input) as tf.SymbolicTensor;
    const functional = tf.model({ inputs: input, outputs: output });
    functional.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const runs = await newRuns(async () => {
      await smallModel().fit(x, y, { epochs: 2, callbacks: [mlmeta.callback({ store: uri })] });
      await functional.fit(x, y, { epochs: 2, callbacks: [mlmeta.callback({ store: uri })] });
    });
    expect(runs.map((r) => r.execution.customProperties.modelSummary)).toMatchObject([
      { class: 'Sequential' },
      { class: 'Model' },
    ]);
  });

  it('lets user callbacks of every kind, in any order, receive their calls', async () => {
    const { x, y } = smallData();
    const orders = [
      ['mlmeta', 'plain', 'custom', 'early'],
      ['plain', 'mlmeta', 'early', 'custom'],
      ['early', 'custom', 'plain', 'mlmeta'],
    ];
    for (const order of orders) {
      const seen = { plain: 0, custom: 0, plainBatches: 0 };
      const make: Record<string, () => unknown> = {
        mlmeta: () => mlmeta.callback({ store: uri }),
        plain: () => ({
          onEpochEnd: async () => void seen.plain++,
          onBatchEnd: async () => void seen.plainBatches++,
        }),
        custom: () => new tf.CustomCallback({ onEpochEnd: async () => void seen.custom++ }),
        early: () => tf.callbacks.earlyStopping({ monitor: 'loss', patience: 50 }),
      };
      const runs = await newRuns(() =>
        smallModel().fit(x, y, { epochs: 2, callbacks: order.map((k) => make[k]()) as never }),
      );
      expect(seen).toEqual({ plain: 2, custom: 2, plainBatches: 4 });
      expect(runs).toHaveLength(1);
      expect(runs[0].execution.lastKnownState).toBe('COMPLETE');
    }
  });

  it('records early stopping as COMPLETE with the stopped epoch', async () => {
    const { x, y } = smallData();
    const model = smallModel();
    model.compile({ optimizer: tf.train.sgd(0), loss: 'categoricalCrossentropy' });
    const [run] = await newRuns(() =>
      model.fit(x, y, {
        epochs: 20,
        callbacks: [
          tf.callbacks.earlyStopping({ monitor: 'loss', patience: 2 }),
          mlmeta.callback({ store: uri }),
        ],
      }),
    );
    const p = run.execution.customProperties;
    expect(run.execution.lastKnownState).toBe('COMPLETE');
    expect(p.epochsCompleted).toBeLessThan(20);
    expect(p.earlyStopping).toMatchObject([{ monitor: 'loss', patience: 2, stoppedEpoch: p.lastEpoch }]);
  });

  it('passes tfjs errors through unchanged and records FAILED', async () => {
    const model = smallModel();
    const x = tf.ones([10, 4]);
    const y = tf.ones([7, 3]);
    const withoutMlmeta = await smallModel()
      .fit(x, y)
      .catch((e: Error) => e);
    const error = await model
      .fit(x, y, { callbacks: [mlmeta.callback({ store: uri })] })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe((withoutMlmeta as Error).message);
    await mlmeta.flush();
    const runs = await trainRuns(store);
    const failed = runs.at(-1)!;
    expect(failed.execution.lastKnownState).toBe('FAILED');
    expect(JSON.stringify(failed.execution.customProperties['mlmeta.error'])).toContain(
      (error as Error).message.slice(0, 40),
    );

    const mine = new Error('from a user callback');
    const thrown = await smallModel()
      .fit(x, tf.ones([10, 3]), {
        callbacks: [mlmeta.callback({ store: uri }), { onEpochEnd: async () => Promise.reject(mine) }],
      })
      .catch((e: unknown) => e);
    expect(thrown).toBe(mine);
  });

  it('records a NaN loss as FAILED without stopping training', async () => {
    const { y } = smallData(20);
    const x = tf.fill([20, 4], Number.NaN);
    const [run] = await newRuns(() =>
      smallModel().fit(x, y, { epochs: 3, callbacks: [mlmeta.callback({ store: uri })] }),
    );
    expect(run.execution.lastKnownState).toBe('FAILED');
    expect(run.execution.customProperties.epochsCompleted).toBe(3);
    expect(run.execution.customProperties.nonFiniteLoss).toMatchObject({ metric: 'loss', epoch: 0 });
  });

  it('records CANCELED when the user stops training', async () => {
    const { x, y } = smallData();
    const model = smallModel();
    const stopper = {
      onEpochEnd: async (epoch: number) => {
        if (epoch === 1) model.stopTraining = true;
      },
    };
    const [run] = await newRuns(() =>
      model.fit(x, y, { epochs: 10, callbacks: [stopper, mlmeta.callback({ store: uri })] }),
    );
    expect(run.execution.lastKnownState).toBe('CANCELED');
    expect(run.execution.customProperties.epochsCompleted).toBe(2);
  });

  it('throws on invalid options when the callback is created', () => {
    expect(() => mlmeta.callback({ logBatches: 'sometimes' as never })).toThrow(/logBatches/);
    expect(() => mlmeta.callback({ logBatches: { every: 0 } })).toThrow(/logBatches\.every/);
    expect(() => mlmeta.callback({ epochs: 3 } as never)).toThrow(/Valid keys: experiment/);
    expect(() => mlmeta.callback({ tf: {} as never })).toThrow(/TensorFlow\.js module/);
    expect(() => mlmeta.callback({ store: 42 as never })).toThrow(/store/);
  });
});

describe('callback() with model.fitDataset', () => {
  function dataset(rows = 60) {
    const { x, y } = smallData(rows);
    return tf.data.zip({ xs: tf.data.array(x.unstack()), ys: tf.data.array(y.unstack()) }).batch(16);
  }

  it('hashes batches as they stream: the same digest as fit() over the same tensors', async () => {
    const { x, y } = smallData();
    const runs = await newRuns(async () => {
      await smallModel().fitDataset(dataset() as never, {
        epochs: 2,
        callbacks: [mlmeta.callback({ store: uri })],
      });
      await smallModel().fit(x, y, { callbacks: [mlmeta.callback({ store: uri })] });
    });
    const [streamed, oneShot] = runs.map((r) => r.inputs.find((i) => role(i) === 'train')!.artifact);
    // One node: the streamed digest equals the one-shot digest of the concatenated batches.
    expect(streamed.id).toBe(oneShot.id);
    expect(streamed.customProperties).toMatchObject({ rows: 60, sampled: false });
    expect(runs[0].execution.customProperties['param.method']).toBe('fitDataset');
  });

  it('marks a repeating dataset read with batchesPerEpoch as sampled', async () => {
    const [run] = await newRuns(() =>
      smallModel().fitDataset(dataset(32).repeat() as never, {
        epochs: 2,
        batchesPerEpoch: 3,
        callbacks: [mlmeta.callback({ store: uri })],
      }),
    );
    expect(run.execution.lastKnownState).toBe('COMPLETE');
    const data = run.inputs.find((i) => role(i) === 'train')!.artifact;
    expect(data.customProperties).toMatchObject({ sampled: true, rows: 6 * 16 });
  });
});

describe('a fit that started before the patches existed', () => {
  it('is recorded from the callback itself, without the misleading "different copy" warning', async () => {
    const { x, y } = smallData();
    const input = tf.input({ shape: [4] });
    const output = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(input) as tf.SymbolicTensor;
    const functional = tf.model({ inputs: input, outputs: output });
    functional.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    mlmeta.uninstrument();
    const warnings: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      warnings.push(String(chunk));
      return original(chunk, ...rest);
    }) as typeof process.stderr.write;
    let runs: RunView[];
    try {
      // `functional.fit` is looked up before callback() installs the patches again.
      runs = await newRuns(() =>
        functional.fit(x, y, { epochs: 2, batchSize: 20, callbacks: [mlmeta.callback({ store: uri })] }),
      );
    } finally {
      process.stderr.write = original;
    }
    expect(runs).toHaveLength(1);
    const p = runs[0].execution.customProperties;
    expect(runs[0].execution.lastKnownState).toBe('COMPLETE');
    expect(p['param.epochs']).toBe(2);
    expect(p['param.batchSize']).toBe(20);
    expect(p.epochsCompleted).toBe(2);
    expect(p.modelSummary).toMatchObject({ class: 'Model' });
    expect(runs[0].outputs.map(role)).toEqual(['model']);
    expect(warnings.join('')).not.toContain('different copy');
    expect(warnings.join('')).toContain('before mlmeta patched TensorFlow.js');
  });
});
