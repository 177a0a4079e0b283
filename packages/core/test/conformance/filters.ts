/** Filters in listings and lineage: the filter language run against the backend's real SQL. */
import type { MetadataStore } from '@mlmeta/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectError, trainBatch } from './fixtures.js';

export function defineFilterTests(openFresh: () => Promise<MetadataStore>): void {
  let store: MetadataStore;
  beforeEach(async () => {
    store = await openFresh();
    await store.putLineage(trainBatch('1'));
    await store.putLineage(trainBatch('2'));
    await store.putLineage({
      artifacts: [
        {
          type: 'test.Model',
          externalId: 'model2',
          properties: { accuracy: 0.5, frozen: true },
          customProperties: { framework: 'tfjs' },
        },
      ],
    });
  });
  afterEach(async () => {
    await store.close();
  });

  const externalIds = async (filter: string) =>
    (await store.getArtifacts({ filter })).items.map((a) => a.externalId).sort();

  describe('filters', () => {
    it('select by node fields, typed and custom properties, and context membership', async () => {
      expect(await externalIds("type = 'test.Model'")).toEqual(['model1', 'model2']);
      expect(await externalIds("type = 'test.Model' AND properties.accuracy > 0.9")).toEqual(['model1']);
      expect(await externalIds('properties.frozen = true')).toEqual(['model2']);
      expect(await externalIds("custom_properties.framework = 'tfjs'")).toEqual(['model2']);
      expect(await externalIds("uri LIKE '%iris2%'")).toEqual(['ds2']);
      expect(await externalIds("contexts.name = 'exp1'")).toEqual(['ds1', 'model1']);
      expect(await externalIds("NOT (type = 'test.Model') OR external_id IN ('model2')")).toEqual([
        'ds1',
        'ds2',
        'model2',
      ]);
      expect(await externalIds('properties.rows IS NULL')).toEqual(['model1', 'model2']);
      expect(await externalIds("state = LIVE AND external_id != 'ds1'")).toEqual(['ds2']);
      const runs = await store.getExecutions({
        filter: 'last_known_state = COMPLETE AND properties.epochs >= 10',
      });
      expect(runs.items).toHaveLength(2);
    });

    it('combine with other query fields and pagination', async () => {
      const page1 = await store.getArtifacts({
        filter: "type = 'test.Dataset' OR type = 'test.Model'",
        limit: 3,
      });
      expect(page1.items).toHaveLength(3);
      const page2 = await store.getArtifacts({
        filter: "type = 'test.Dataset' OR type = 'test.Model'",
        limit: 3,
        pageToken: page1.nextPageToken,
      });
      expect(page2.items).toHaveLength(1);
      expect(page2.nextPageToken).toBeUndefined();
      const named = await store.getArtifacts({ type: 'test.Model', filter: "name = 'model1'" });
      expect(named.items.map((a) => a.externalId)).toEqual(['model1']);
    });

    it('a malformed filter is an error naming the position and what was expected', async () => {
      const error = await expectError(
        store.getArtifacts({ filter: "type = 'x' AND" }),
        'INVALID_ARGUMENT',
        /position/,
      );
      expect(error.name).toBe('FilterSyntaxError');
      expect((error as Error & { position: number }).position).toBeGreaterThanOrEqual(10);
      await expectError(store.getArtifacts({ filter: 'properties.x = ' }), 'INVALID_ARGUMENT', /position/);
    });

    it('start lineage from a filter and stop where a stop filter matches', async () => {
      const graph = await store.getLineage({
        start: { artifacts: { filter: "type = 'test.Model' AND properties.accuracy > 0.9" } },
        direction: 'upstream',
      });
      expect(graph.artifacts.map((a) => a.externalId).sort()).toEqual(['ds1', 'model1']);
      const stopped = await store.getLineage({
        start: { artifacts: { externalIds: ['model1'] } },
        direction: 'upstream',
        stopAt: { executions: "type = 'test.Train'" },
      });
      expect(stopped.executions.map((e) => e.externalId)).toEqual(['run1']);
      expect(stopped.artifacts.map((a) => a.externalId)).toEqual(['model1']);
    });
  });
}
