import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  deployedModels,
  type MetadataStore,
  MLMETA_TYPE_DECLARATIONS,
  openStore,
  RUN_PROPERTIES,
  SERVE_PROPERTIES,
} from '@mlmeta/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-deployed-'));
let store: MetadataStore;
const now = Date.now();

/** A Serve execution as @mlmeta/onnx writes it, loading `model` on `host`. */
function serve(id: string, model: 'a' | 'b', host: string, startTime: number, state: 'RUNNING' | 'COMPLETE') {
  return {
    type: 'mlmeta.Serve',
    externalId: id,
    name: id,
    lastKnownState: state,
    customProperties: {
      [SERVE_PROPERTIES.modelUri]: `/srv/models/${model}.onnx`,
      [SERVE_PROPERTIES.modelName]: `${model}.onnx`,
      [SERVE_PROPERTIES.modelDigest]: `sha256:${model}`,
      [SERVE_PROPERTIES.host]: host,
      [RUN_PROPERTIES.startTime]: startTime,
      // A heartbeat every second, last seen a minute ago: a RUNNING serve counts as lost.
      [RUN_PROPERTIES.heartbeat]: startTime,
      [RUN_PROPERTIES.heartbeatInterval]: 1000,
    },
  };
}

beforeAll(async () => {
  store = await openStore(`sqlite:${join(dir, 'deployed.db')}`);
  await store.putLineage({
    types: MLMETA_TYPE_DECLARATIONS,
    artifacts: [
      { type: 'mlmeta.Model', externalId: 'sha256:a', uri: '/srv/models/a.onnx', name: 'a.onnx' },
      { type: 'mlmeta.Model', externalId: 'sha256:b', uri: '/srv/models/b.onnx', name: 'b.onnx' },
    ],
    executions: [
      { type: 'mlmeta.Train', externalId: 'train-a', name: 'train-a', lastKnownState: 'COMPLETE' },
      serve('serve-a-web1-old', 'a', 'web-1', now - 600_000, 'COMPLETE'),
      serve('serve-a-web1-new', 'a', 'web-1', now - 300_000, 'COMPLETE'),
      serve('serve-a-web2', 'a', 'web-2', now - 200_000, 'COMPLETE'),
      serve('serve-b-web1', 'b', 'web-1', now - 60_000, 'RUNNING'),
      { ...serve('serve-b-web2', 'b', 'web-2', now - 1000, 'RUNNING') },
    ],
    events: [
      { artifact: { externalId: 'sha256:a' }, execution: { externalId: 'train-a' }, type: 'OUTPUT' },
      ...['serve-a-web1-old', 'serve-a-web1-new', 'serve-a-web2'].map((id) => ({
        artifact: { externalId: 'sha256:a' },
        execution: { externalId: id },
        type: 'INPUT' as const,
      })),
      ...['serve-b-web1', 'serve-b-web2'].map((id) => ({
        artifact: { externalId: 'sha256:b' },
        execution: { externalId: id },
        type: 'INPUT' as const,
      })),
    ],
  });
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('deployedModels', () => {
  it('answers the latest serve per (model, host), newest first, with model and producer', async () => {
    const deployed = await deployedModels(store);
    expect(deployed.map((d) => [d.serve.externalId, d.model, d.host])).toEqual([
      ['serve-b-web2', '/srv/models/b.onnx', 'web-2'],
      ['serve-b-web1', '/srv/models/b.onnx', 'web-1'],
      ['serve-a-web2', '/srv/models/a.onnx', 'web-2'],
      ['serve-a-web1-new', '/srv/models/a.onnx', 'web-1'],
    ]);
    const [bWeb2, bWeb1, , aWeb1] = deployed;
    expect(bWeb2.status).toBe('RUNNING');
    expect(bWeb1.status).toBe('LOST');
    expect(aWeb1.status).toBe('COMPLETE');
    expect(aWeb1.startTime).toBe(now - 300_000);
    expect(aWeb1.modelArtifact?.externalId).toBe('sha256:a');
    expect(aWeb1.producer?.externalId).toBe('train-a');
    expect(bWeb1.modelArtifact?.externalId).toBe('sha256:b');
    expect(bWeb1.producer).toBeUndefined();
  });

  it('filters by host and by model (uri, file name or digest)', async () => {
    const onWeb1 = await deployedModels(store, { host: 'web-1' });
    expect(onWeb1.map((d) => d.serve.externalId)).toEqual(['serve-b-web1', 'serve-a-web1-new']);
    for (const model of ['a.onnx', '/srv/models/a.onnx', 'sha256:a']) {
      const a = await deployedModels(store, { model });
      expect(a.map((d) => d.serve.externalId)).toEqual(['serve-a-web2', 'serve-a-web1-new']);
    }
    expect(await deployedModels(store, { model: 'c.onnx' })).toEqual([]);
    expect(await deployedModels(store, { model: 'a.onnx', host: 'web-3' })).toEqual([]);
  });
});
