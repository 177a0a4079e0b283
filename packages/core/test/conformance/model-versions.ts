/**
 * Model versions: putLineage's `modelVersions` numbers artifacts per model name in the store's
 * transaction; listModels, setModelAlias, resolveModelVersion and deployedModels read them.
 */
import {
  deployedModels,
  type LineageBatch,
  listModels,
  type MetadataStore,
  MLMETA_TYPE_DECLARATIONS,
  RUN_PROPERTIES,
  resolveModelVersion,
  SERVE_PROPERTIES,
  setModelAlias,
} from '@mlmeta/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { expectError } from './fixtures.js';

/** A training run reading `data`, writing `model`, recorded as a version of `name`. */
function saved(run: string, model: string, name: string, data = 'sha256:data'): LineageBatch {
  return {
    types: MLMETA_TYPE_DECLARATIONS,
    artifacts: [
      { type: 'mlmeta.Dataset', externalId: data, uri: '/data/iris.csv' },
      { type: 'mlmeta.Model', externalId: model, uri: `/models/${name}` },
    ],
    executions: [{ type: 'mlmeta.Train', externalId: run, name: run, lastKnownState: 'COMPLETE' }],
    events: [
      { artifact: { externalId: data }, execution: { externalId: run }, type: 'INPUT' },
      { artifact: { externalId: model }, execution: { externalId: run }, type: 'OUTPUT' },
    ],
    modelVersions: [{ model: name, artifact: { externalId: model } }],
  };
}

function served(
  id: string,
  model: string,
  host: string,
  state: 'RUNNING' | 'COMPLETE',
  name = 'iris',
): LineageBatch {
  const now = Date.now();
  return {
    types: MLMETA_TYPE_DECLARATIONS,
    executions: [
      {
        type: 'mlmeta.Serve',
        externalId: id,
        name: id,
        lastKnownState: state,
        customProperties: {
          [SERVE_PROPERTIES.modelUri]: `/srv/${name}.onnx`,
          [SERVE_PROPERTIES.modelDigest]: model,
          [SERVE_PROPERTIES.host]: host,
          [RUN_PROPERTIES.startTime]: now,
          [RUN_PROPERTIES.heartbeat]: now,
          [RUN_PROPERTIES.heartbeatInterval]: 60_000,
          ...(state === 'COMPLETE' ? { [RUN_PROPERTIES.endTime]: now + 1 } : {}),
        },
      },
    ],
    events: [{ artifact: { externalId: model }, execution: { externalId: id }, type: 'INPUT' }],
    modelVersions: [{ model: name, artifact: { externalId: model }, ifUnversioned: true }],
  };
}

export function defineModelVersionTests(openFresh: () => Promise<MetadataStore>): void {
  let store: MetadataStore;
  beforeEach(async () => {
    store = await openFresh();
  });
  afterEach(async () => {
    await store.close();
  });

  it('numbers the models saved under one name 1, 2, 3 in save order; the same bytes again are the same version', async () => {
    await store.putLineage(saved('train-1', 'sha256:m1', 'iris'));
    await store.putLineage(saved('train-2', 'sha256:m2', 'iris', 'sha256:data2'));
    await store.putLineage(saved('train-1b', 'sha256:m1', 'iris'));
    await store.putLineage(saved('train-3', 'sha256:m3', 'iris'));
    await store.putLineage(saved('other', 'sha256:o1', 'churn'));

    const models = await listModels(store);
    expect(models.map((m) => [m.name, m.latestVersion])).toEqual([
      ['churn', 1],
      ['iris', 3],
    ]);
    const iris = models[1]!;
    expect(iris.versions.map((v) => [v.version, v.artifact?.externalId])).toEqual([
      [1, 'sha256:m1'],
      [2, 'sha256:m2'],
      [3, 'sha256:m3'],
    ]);
    expect(iris.versions[1]!.producer?.externalId).toBe('train-2');
    expect(iris.versions[1]!.inputs.map((a) => a.externalId)).toEqual(['sha256:data2']);
    // What an MLMD client sees: a context per name, attributions, numbered properties.
    expect(iris.context.type).toBe('mlmeta.RegisteredModel');
    expect(iris.context.customProperties).toMatchObject({
      'version.1': 'sha256:m1',
      'version.3': 'sha256:m3',
      latest_version: 3,
    });
    const members = await store.getAttributions({ contextIds: [iris.context.id] });
    expect(members).toHaveLength(3);
    const m2 = await store.getArtifact({ externalId: 'sha256:m2' });
    expect(m2?.customProperties).toMatchObject({ 'model.name': 'iris', 'model.version': 2 });
  });

  it('gives a served model its file name only when it has no name yet', async () => {
    await store.putLineage(saved('train-1', 'sha256:m1', 'iris'));
    await store.putLineage(served('serve-a', 'sha256:m1', 'web-1', 'RUNNING', 'iris-export'));
    await store.putLineage({
      types: MLMETA_TYPE_DECLARATIONS,
      artifacts: [{ type: 'mlmeta.Model', externalId: 'sha256:x', uri: '/srv/fraud.onnx' }],
    });
    await store.putLineage(served('serve-b', 'sha256:x', 'web-2', 'COMPLETE', 'fraud'));
    expect((await listModels(store)).map((m) => m.name)).toEqual(['fraud', 'iris']);
    const [iris] = await listModels(store, { name: 'iris' });
    expect(iris!.versions[0]!.servedOn.map((s) => [s.host, s.status])).toEqual([['web-1', 'RUNNING']]);

    const deployed = await deployedModels(store);
    expect(deployed.map((d) => [d.version, d.live])).toEqual([
      [{ model: 'fraud', version: 1 }, false],
      [{ model: 'iris', version: 1 }, true],
    ]);
    expect(deployed[0]!.endTime).toBeTypeOf('number');
    expect((await deployedModels(store, { model: 'iris' })).map((d) => d.serve.externalId)).toEqual([
      'serve-a',
    ]);
  });

  it('sets aliases with who and when, and resolves name, name@version and name@alias', async () => {
    await store.putLineage(saved('train-1', 'sha256:m1', 'iris'));
    await store.putLineage(saved('train-2', 'sha256:m2', 'iris'));
    const set = await setModelAlias(store, {
      model: 'iris',
      alias: 'production',
      version: 1,
      setBy: 'alice',
    });
    expect(set).toMatchObject({ alias: 'production', version: 1, setBy: 'alice' });
    const [iris] = await listModels(store, { name: 'iris' });
    expect(iris!.aliases).toEqual([{ alias: 'production', version: 1, setBy: 'alice', setAt: set.setAt }]);
    expect(iris!.versions[0]!.aliases).toEqual(['production']);

    expect((await resolveModelVersion(store, 'iris'))?.version).toBe(2);
    expect((await resolveModelVersion(store, 'iris@1'))?.artifact?.externalId).toBe('sha256:m1');
    expect((await resolveModelVersion(store, 'iris@production'))?.artifact?.externalId).toBe('sha256:m1');
    expect(await resolveModelVersion(store, 'iris@7')).toBeUndefined();
    expect(await resolveModelVersion(store, 'nope')).toBeUndefined();
    await expect(resolveModelVersion(store, 'iris@staging')).rejects.toThrow(
      /no alias staging; its aliases are production/,
    );

    await setModelAlias(store, { model: 'iris', alias: 'production', version: 2, setBy: 'bob' });
    expect((await resolveModelVersion(store, 'iris@production'))?.version).toBe(2);
    await expectError(
      setModelAlias(store, { model: 'iris', alias: 'production', version: 9 }),
      'NOT_FOUND',
      /no version 9/,
    );
    await expectError(
      setModelAlias(store, { model: 'nope', alias: 'production', version: 1 }),
      'NOT_FOUND',
      /no model named nope/,
    );
    await expectError(
      setModelAlias(store, { model: 'iris', alias: '3', version: 1 }),
      'INVALID_ARGUMENT',
      /not an alias name/,
    );
  });
}
