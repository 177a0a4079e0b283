import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localModelFolder, savedFolderSnapshot } from '../src/model-files.js';
import type { ModelArtifactsTf } from '../src/tf-types.js';
// @ts-expect-error: a plain .mjs fixture shared with the child process
import { FolderHandler } from './fixtures/model-files.mjs';
import { cpuBackend, smallModel, tf } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-model-files-'));
const folder = join(dir, 'iris');
mkdirSync(folder);
writeFileSync(join(folder, 'model.json'), '{}');
mkdirSync(join(dir, 'empty'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('localModelFolder', () => {
  it('finds the folder a local save path or load URL names, in every spelling tfjs accepts', () => {
    const rel = relative(process.cwd(), folder);
    for (const uri of [
      folder,
      join(folder, 'model.json'),
      `file://${folder}`,
      `file://${folder}/model.json`,
      `file://${rel}`,
      `file://./${rel}/model.json`,
      rel,
    ])
      expect([uri, localModelFolder(uri)]).toEqual([uri, folder]);
  });

  it('is undefined for other schemes, a folder without model.json, and nothing', () => {
    for (const uri of [
      'indexeddb://iris',
      'http://host/iris/model.json',
      join(dir, 'empty'),
      join(dir, 'none'),
      '',
      undefined,
    ])
      expect([uri, localModelFolder(uri)]).toEqual([uri, undefined]);
  });
});

describe('savedFolderSnapshot', () => {
  const artifactsOf = async (model: ReturnType<typeof smallModel>) => {
    let saved: ModelArtifactsTf | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts as ModelArtifactsTf;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    return saved!;
  };

  it('vouches for a folder only while it holds the weights this process saved there', async () => {
    await cpuBackend();
    const [a, b] = [smallModel(), smallModel()];
    const target = join(dir, 'shared');
    await a.save(new FolderHandler(target));
    const mine = await artifactsOf(a);
    const snapshot = await savedFolderSnapshot(target, mine);
    expect(snapshot?.files.map((f) => f.path).sort()).toEqual(['model.json', 'weights.bin']);
    // Another process saved its model into the same folder since.
    await b.save(new FolderHandler(target));
    expect(await savedFolderSnapshot(target, mine)).toBeUndefined();
    expect(await savedFolderSnapshot(target, await artifactsOf(b))).toBeDefined();
  });
});
