/** Shared declarations and helpers for the conformance suite. */
import type { LineageBatch, MetadataStore, TypeInput } from '@mlmeta/core';
import { expect } from 'vitest';

export const TYPES: TypeInput[] = [
  {
    kind: 'artifact',
    name: 'test.Dataset',
    baseType: 'mlmd.Dataset',
    properties: { rows: 'INT', source: 'STRING' },
  },
  {
    kind: 'artifact',
    name: 'test.Model',
    baseType: 'mlmd.Model',
    properties: { accuracy: 'DOUBLE', summary: 'STRUCT', frozen: 'BOOLEAN' },
  },
  { kind: 'execution', name: 'test.Train', baseType: 'mlmd.Train', properties: { epochs: 'INT' } },
  { kind: 'context', name: 'test.Experiment', properties: { owner: 'STRING' } },
];

/** dataset → train → model, in one experiment. */
export function trainBatch(suffix = ''): LineageBatch {
  return {
    types: TYPES,
    artifacts: [
      {
        type: 'test.Dataset',
        externalId: `ds${suffix}`,
        uri: `file:///data/iris${suffix}.csv`,
        state: 'LIVE',
        properties: { rows: 150, source: 'uci' },
        customProperties: { tags: ['iris', 'small'] },
      },
      {
        type: 'test.Model',
        externalId: `model${suffix}`,
        name: `model${suffix}`,
        properties: { accuracy: 0.97, summary: { layers: 3, units: [8, 3] }, frozen: false },
      },
    ],
    executions: [
      {
        type: 'test.Train',
        externalId: `run${suffix}`,
        lastKnownState: 'COMPLETE',
        properties: { epochs: 10 },
      },
    ],
    contexts: [
      {
        type: 'test.Experiment',
        name: `exp${suffix}`,
        externalId: `exp${suffix}`,
        properties: { owner: 'ana' },
      },
    ],
    events: [
      {
        artifact: { externalId: `ds${suffix}` },
        execution: { externalId: `run${suffix}` },
        type: 'INPUT',
        path: [{ key: 'x' }, { index: 0 }],
      },
      {
        artifact: { externalId: `model${suffix}` },
        execution: { externalId: `run${suffix}` },
        type: 'OUTPUT',
      },
    ],
    attributions: [
      { artifact: { externalId: `ds${suffix}` }, context: { externalId: `exp${suffix}` } },
      { artifact: { externalId: `model${suffix}` }, context: { externalId: `exp${suffix}` } },
    ],
    associations: [{ execution: { externalId: `run${suffix}` }, context: { externalId: `exp${suffix}` } }],
  };
}

/** Everything a store holds that tests compare before and after a rejected write. */
export async function snapshot(store: MetadataStore) {
  const artifacts = (await store.getArtifacts({ limit: 10_000 })).items;
  const executions = (await store.getExecutions({ limit: 10_000 })).items;
  const contexts = (await store.getContexts({ limit: 10_000 })).items;
  return {
    types: await store.getTypes(),
    artifacts,
    executions,
    contexts,
    events: await store.getEvents({ artifactIds: artifacts.map((a) => a.id) }),
    attributions: await store.getAttributions({ contextIds: contexts.map((c) => c.id) }),
    associations: await store.getAssociations({ contextIds: contexts.map((c) => c.id) }),
    parents: await store.getParentContexts({ childIds: contexts.map((c) => c.id) }),
  };
}

/** Expect `promise` to reject with an MlmetaError of `code` whose message matches `message`. */
export async function expectError(promise: Promise<unknown>, code: string, message?: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected the call to fail').toBeInstanceOf(Error);
  expect((error as { code?: string }).code).toBe(code);
  if (message) expect((error as Error).message).toMatch(message);
  return error as Error;
}
