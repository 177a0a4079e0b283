import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { digestPath } from '@mlmeta/core';
import * as mlmeta from '@mlmeta/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs fixture shared with the child process
import { FolderHandler } from './fixtures/model-files.mjs';
import {
  cpuBackend,
  openStore,
  role,
  smallData,
  smallModel,
  tempStoreUri,
  tf,
  trainRuns,
} from './helpers.js';

const run = promisify(execFile);
const { dir, uri } = tempStoreUri();
let store: Awaited<ReturnType<typeof openStore>>;

beforeAll(async () => {
  await cpuBackend();
  store = await openStore(uri);
});
afterAll(async () => {
  await store.close();
});

describe('model lineage across save and load', () => {
  it('links a saved model to its run, and a fine-tune in another process to that model', async () => {
    const model = smallModel();
    const { x, y } = smallData();
    // The first callback() of the process is created in the call's own arguments, after
    // `model.fit` was looked up: the fit still records exactly one run.
    await model.fit(x, y, { epochs: 2, callbacks: [mlmeta.callback({ store: uri })] });
    const modelDir = `${dir}/model`;
    await model.save(new FolderHandler(modelDir));
    await mlmeta.flush();

    const [trained] = await trainRuns(store);
    expect((await trainRuns(store)).length).toBe(1);
    const memory = trained.outputs.find((o) => role(o) === 'model')!;
    const saved = trained.outputs.find((o) => role(o) === 'saved_model')!;
    expect(memory.artifact.externalId).toBe(await mlmeta.modelDigest(model as never));
    // Saved to a local folder, the output is the folder, by the manifest of its files.
    expect(saved.artifact.uri).toBe(modelDir);
    expect(saved.artifact.externalId).toBe((await digestPath(modelDir)).digest);
    expect(saved.artifact.customProperties.modelDigest).toBe(memory.artifact.externalId);
    expect(saved.artifact.customProperties.artifactsDigest).toMatch(/^xxh3:/);

    // The same files loaded in this process give the same model digest.
    const reloaded = await tf.loadLayersModel(new FolderHandler(modelDir));
    expect(await mlmeta.modelDigest(reloaded as never)).toBe(memory.artifact.externalId);

    const child = fileURLToPath(new URL('./fixtures/finetune.mjs', import.meta.url));
    const { stdout } = await run(process.execPath, [child, uri, modelDir], { cwd: process.cwd() });
    expect(JSON.parse(stdout).digest).toMatch(/^xxh3:/);

    const runs = await trainRuns(store);
    expect(runs).toHaveLength(2);
    // Loaded from that folder with its weights untouched, the base model is the folder's node.
    const base = runs[1].inputs.find((i) => role(i) === 'base_model')!;
    expect(base.artifact.id).toBe(saved.artifact.id);
    expect(base.artifact.customProperties.modelDigest).toBe(memory.artifact.externalId);
    expect(runs[1].execution.lastKnownState).toBe('COMPLETE');
  });

  it('takes a loaded model whose weights were then changed by its digest, not as the folder', async () => {
    const modelDir = `${dir}/to-change`;
    await smallModel().save(new FolderHandler(modelDir));
    const model = await tf.loadLayersModel(new FolderHandler(modelDir));
    mlmeta.recordLoadedModel(model, modelDir);
    model.setWeights(model.getWeights().map((w) => tf.onesLike(w)));
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const { x, y } = smallData();
    await model.fit(x, y, { epochs: 1, callbacks: [mlmeta.callback({ store: uri })] });
    await mlmeta.flush();
    const base = (await trainRuns(store)).at(-1)!.inputs.find((i) => role(i) === 'base_model')!;
    expect(base.artifact.externalId).toMatch(/^xxh3:/);
    expect(base.artifact.externalId).not.toBe((await digestPath(modelDir)).digest);
  });

  it('does not link a save after the weights were changed outside a recorded fit', async () => {
    const model = smallModel();
    const { x, y } = smallData();
    await model.fit(x, y, { callbacks: [mlmeta.callback({ store: uri })] });
    model.setWeights(model.getWeights().map((w) => tf.zerosLike(w)));
    await model.save(new FolderHandler(`${dir}/changed`));
    await mlmeta.flush();
    const last = (await trainRuns(store)).at(-1)!;
    expect(last.outputs.map(role)).toEqual(['model']);
  });
});

describe('a model digest across save and load', () => {
  it('is the same for every model kind, so a reloaded model links to the run that made it', async () => {
    // @ts-expect-error: a plain .mjs fixture shared with the child processes
    const { build, KINDS } = await import('../../../test/tfjs/fixtures/models.mjs');
    for (const kind of KINDS as string[]) {
      const { model, x, y } = build(kind);
      await model.fit(x, y, { epochs: 1, verbose: 0 });
      let saved: unknown;
      await model.save(
        tf.io.withSaveHandler(async (artifacts) => {
          saved = artifacts;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      const reloaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
      expect([kind, await mlmeta.modelDigest(reloaded as never)]).toEqual([
        kind,
        await mlmeta.modelDigest(model),
      ]);
    }
  });
});
