import * as mlmeta from '@mlmeta/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuBackend, openStore, smallData, smallModel, tempStoreUri, tf, trainRuns } from './helpers.js';

const { uri } = tempStoreUri();
let store: Awaited<ReturnType<typeof openStore>>;
// Importing @mlmeta/tfjs patched the project's tfjs already (so an inline callback() records the
// first fit); uninstrument() gives back the originals.
const patchedAtImport = tf.LayersModel.prototype.fit;
mlmeta.uninstrument();
const originalFit = tf.LayersModel.prototype.fit;
const originalSequentialFit = tf.Sequential.prototype.fit;

beforeAll(async () => {
  await cpuBackend();
  store = await openStore(uri);
});
afterAll(async () => {
  mlmeta.uninstrument();
  await store.close();
});

describe('instrumentation', () => {
  it('patches once however many callbacks are created, and uninstrument() restores the originals', () => {
    expect(patchedAtImport).not.toBe(originalFit);
    mlmeta.callback();
    const patched = tf.LayersModel.prototype.fit;
    mlmeta.callback({ tf });
    mlmeta.callback({ logBatches: 'batch' });
    expect(patched).not.toBe(originalFit);
    expect(tf.LayersModel.prototype.fit).toBe(patched);
    mlmeta.uninstrument();
    expect(tf.LayersModel.prototype.fit).toBe(originalFit);
    expect(tf.Sequential.prototype.fit).toBe(originalSequentialFit);
  });

  it('records nothing for fits without a callback, unless instrument() turned autolog on', async () => {
    const { x, y } = smallData();
    mlmeta.callback({ store: uri });
    await smallModel().fit(x, y);
    await mlmeta.flush();
    expect(await trainRuns(store)).toHaveLength(0);

    mlmeta.instrument(tf, { store: uri, experiment: 'autolog' });
    await smallModel().fit(x, y, { epochs: 2 });
    await mlmeta.flush();
    const runs = await trainRuns(store);
    expect(runs).toHaveLength(1);
    expect(runs[0].execution.customProperties['param.epochs']).toBe(2);

    mlmeta.uninstrument();
    await smallModel().fit(x, y);
    await mlmeta.flush();
    expect(await trainRuns(store)).toHaveLength(1);
  });

  it('rejects invalid instrument() options', () => {
    expect(() => mlmeta.instrument(tf, { logBatches: { every: -1 } })).toThrow(/logBatches/);
  });
});
