/** Lineage subgraphs: each direction, hops, stop filters, maxNodes, full answers. */
import type { LineageBatch, MetadataStore } from '@mlmeta/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectError, TYPES } from './fixtures.js';

/**
 * A chain raw → clean → features → model → report, each step an execution:
 *   raw -(INPUT)-> prep -(OUTPUT)-> clean -> featurize -> features -> train -> model -> eval -> report
 * plus an unrelated pair (other → otherRun) that must never appear.
 */
function chainBatch(): LineageBatch {
  const artifacts = ['raw', 'clean', 'features', 'model', 'report', 'other'];
  const executions = ['prep', 'featurize', 'train', 'eval', 'otherRun'];
  const events: NonNullable<LineageBatch['events']> = [];
  const edge = (artifact: string, execution: string, type: 'INPUT' | 'OUTPUT') =>
    events.push({ artifact: { externalId: artifact }, execution: { externalId: execution }, type });
  for (let i = 0; i < 4; i++) {
    edge(artifacts[i]!, executions[i]!, 'INPUT');
    edge(artifacts[i + 1]!, executions[i]!, 'OUTPUT');
  }
  edge('other', 'otherRun', 'INPUT');
  return {
    types: TYPES,
    artifacts: artifacts.map((externalId) => ({
      type: externalId === 'model' ? 'test.Model' : 'test.Dataset',
      externalId,
      name: externalId,
    })),
    executions: executions.map((externalId) => ({ type: 'test.Train', externalId, name: externalId })),
    contexts: [{ type: 'test.Experiment', name: 'chain', externalId: 'chain' }],
    events,
    attributions: [{ artifact: { externalId: 'model' }, context: { externalId: 'chain' } }],
    associations: [{ execution: { externalId: 'train' }, context: { externalId: 'chain' } }],
  };
}

const names = (nodes: { name?: string }[]) => nodes.map((n) => n.name).sort();

export function defineLineageTests(openFresh: () => Promise<MetadataStore>): void {
  let store: MetadataStore;
  beforeEach(async () => {
    store = await openFresh();
    await store.putLineage(chainBatch());
  });
  afterEach(async () => {
    await store.close();
  });

  describe('getLineage', () => {
    it('walks upstream from a model to everything it came from, with full nodes, edges, contexts and types', async () => {
      const graph = await store.getLineage({
        start: { artifacts: { externalIds: ['model'] } },
        direction: 'upstream',
      });
      expect(names(graph.artifacts)).toEqual(['clean', 'features', 'model', 'raw']);
      expect(names(graph.executions)).toEqual(['featurize', 'prep', 'train']);
      expect(graph.events).toHaveLength(6);
      expect(graph.contexts.map((c) => c.name)).toEqual(['chain']);
      expect(graph.attributions).toHaveLength(1);
      expect(graph.associations).toHaveLength(1);
      expect(graph.types.map((t) => t.name).sort()).toEqual([
        'test.Dataset',
        'test.Experiment',
        'test.Model',
        'test.Train',
      ]);
      expect(graph.truncated).toBe(false);
      const model = graph.artifacts.find((a) => a.name === 'model');
      expect(model?.type).toBe('test.Model');
    });

    it('walks downstream from a dataset to everything made from it', async () => {
      const graph = await store.getLineage({
        start: { artifacts: { externalIds: ['features'] } },
        direction: 'downstream',
      });
      expect(names(graph.artifacts)).toEqual(['features', 'model', 'report']);
      expect(names(graph.executions)).toEqual(['eval', 'train']);
    });

    it('walks both ways from an execution, never into unrelated nodes', async () => {
      const graph = await store.getLineage({ start: { executions: { externalIds: ['featurize'] } } });
      expect(names(graph.artifacts)).toEqual(['clean', 'features', 'model', 'raw', 'report']);
      expect(names(graph.executions)).toEqual(['eval', 'featurize', 'prep', 'train']);
    });

    it('stops after maxHops (artifact → execution is one hop)', async () => {
      const one = await store.getLineage({
        start: { artifacts: { externalIds: ['model'] } },
        direction: 'upstream',
        maxHops: 1,
      });
      expect(names(one.artifacts)).toEqual(['model']);
      expect(names(one.executions)).toEqual(['train']);
      const three = await store.getLineage({
        start: { artifacts: { externalIds: ['model'] } },
        direction: 'upstream',
        maxHops: 3,
      });
      expect(names(three.artifacts)).toEqual(['features', 'model']);
      expect(names(three.executions)).toEqual(['featurize', 'train']);
      const zero = await store.getLineage({ start: { artifacts: { externalIds: ['model'] } }, maxHops: 0 });
      expect(names(zero.artifacts)).toEqual(['model']);
      expect(zero.executions).toEqual([]);
    });

    it('cuts the walk at maxNodes and says so', async () => {
      const graph = await store.getLineage({
        start: { artifacts: { externalIds: ['model'] } },
        direction: 'upstream',
        maxNodes: 3,
      });
      expect(graph.artifacts.length + graph.executions.length).toBe(3);
      expect(graph.truncated).toBe(true);
      const ids = new Set([
        ...graph.artifacts.map((a) => `a${a.id}`),
        ...graph.executions.map((e) => `e${e.id}`),
      ]);
      for (const event of graph.events) {
        expect(ids.has(`a${event.artifactId}`) && ids.has(`e${event.executionId}`)).toBe(true);
      }
    });

    it('rejects bad queries with clear errors', async () => {
      await expectError(store.getLineage({ start: {} }), 'INVALID_ARGUMENT', /start nodes/);
      await expectError(
        store.getLineage({ start: { artifacts: { ids: [1] } }, maxHops: 101 }),
        'INVALID_ARGUMENT',
        /maxHops/,
      );
      await expectError(
        store.getLineage({ start: { artifacts: { ids: [1] } }, direction: 'sideways' as never }),
        'INVALID_ARGUMENT',
        /direction/,
      );
    });

    it('answers an empty graph for start ids that do not exist', async () => {
      const graph = await store.getLineage({ start: { artifacts: { ids: [987_654] } } });
      expect(graph.artifacts).toEqual([]);
      expect(graph.events).toEqual([]);
    });
  });
}
