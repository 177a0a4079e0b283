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

async function evaluations() {
  await mlmeta.flush();
  const { items } = await store.getExecutions({ type: 'mlmeta.Evaluate', orderBy: 'id' });
  return Promise.all(
    items.map(async (execution) => {
      const events = await store.getEvents({ executionIds: [execution.id] });
      const linked = await Promise.all(
        events.map(async (event) => ({
          event,
          artifact: (await store.getArtifact({ id: event.artifactId }))!,
        })),
      );
      return { execution, linked };
    }),
  );
}

describe('model.evaluate and evaluateDataset', () => {
  it('with the callback: an mlmeta.Evaluate with the trained model and the data in, a Metrics artifact out', async () => {
    const model = smallModel();
    const { x, y } = smallData();
    await model.fit(x, y, { epochs: 1, callbacks: [mlmeta.callback({ store: uri })] });
    const result = model.evaluate(x, y) as tf.Scalar[];
    const [loss, acc] = await Promise.all(result.map((s) => s.data()));
    const [evaluation] = await evaluations();
    expect(evaluation.execution.lastKnownState).toBe('COMPLETE');
    const inputs = evaluation.linked.filter((l) => l.event.type === 'INPUT');
    const model_ = inputs.find((l) => role(l) === 'model')!;
    expect(model_.artifact.externalId).toBe(await mlmeta.modelDigest(model as never));
    const data = inputs.find((l) => role(l) === 'test')!;
    expect(data.artifact.type).toBe('mlmeta.Dataset');
    const { items: runs } = await store.getExecutions({ type: 'mlmeta.Train' });
    const trainData = (await store.getEvents({ executionIds: [runs[0].id] })).find(
      (e) => e.type === 'INPUT',
    )!;
    expect(data.artifact.id).toBe(trainData.artifactId);
    const metrics = evaluation.linked.find((l) => l.event.type === 'OUTPUT')!;
    expect(metrics.artifact.type).toBe('mlmeta.Metrics');
    expect(metrics.artifact.customProperties).toMatchObject({ 'metric.loss': loss[0], 'metric.acc': acc[0] });
  });

  it("records nothing for an untracked model, a fit's own validation, and evaluateDataset under autolog", async () => {
    const before = (await evaluations()).length;
    const { x, y } = smallData();
    smallModel().evaluate(x, y);
    expect(await evaluations()).toHaveLength(before);

    mlmeta.instrument(tf, { store: uri });
    const model = smallModel();
    const rows = tf.data.zip({ xs: tf.data.array(x.unstack()), ys: tf.data.array(y.unstack()) }).batch(16);
    await model.fitDataset(rows as never, { epochs: 1, validationData: rows as never });
    expect(await evaluations()).toHaveLength(before);
    await model.evaluateDataset(rows as never, {});
    const all = await evaluations();
    expect(all).toHaveLength(before + 1);
    const last = all.at(-1)!;
    expect(last.execution.customProperties['param.method']).toBe('evaluateDataset');
    expect(last.linked.map((l) => l.artifact.type).sort()).toEqual([
      'mlmeta.Dataset',
      'mlmeta.Metrics',
      'mlmeta.Model',
    ]);
  });
});
