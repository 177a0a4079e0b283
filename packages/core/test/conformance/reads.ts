/** Reads: lookups by id, external id, type, name and uri; ordering; keyset and offset pagination. */
import type { MetadataStore } from '@mlmeta/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectError, TYPES, trainBatch } from './fixtures.js';

export function defineReadTests(openFresh: () => Promise<MetadataStore>): void {
  let store: MetadataStore;
  beforeEach(async () => {
    store = await openFresh();
    await store.putTypes(TYPES);
  });
  afterEach(async () => {
    await store.close();
  });

  describe('reads', () => {
    it('finds nodes by id, external id, type, name and uri', async () => {
      await store.putLineage(trainBatch('1'));
      await store.putLineage(trainBatch('2'));
      const datasets = await store.getArtifacts({ type: 'test.Dataset' });
      expect(datasets.items.map((a) => a.externalId)).toEqual(['ds1', 'ds2']);
      expect(datasets.nextPageToken).toBeUndefined();
      expect(
        (await store.getArtifacts({ uri: 'file:///data/iris2.csv' })).items.map((a) => a.externalId),
      ).toEqual(['ds2']);
      expect((await store.getArtifacts({ name: 'model1' })).items.map((a) => a.externalId)).toEqual([
        'model1',
      ]);
      expect((await store.getArtifacts({ externalIds: ['model2', 'ds1'] })).items).toHaveLength(2);
      const ids = datasets.items.map((a) => a.id);
      expect((await store.getArtifacts({ ids: [ids[1]!] })).items[0]?.externalId).toBe('ds2');
      expect((await store.getArtifacts({ type: 'test.Dataset', typeVersion: 'v9' })).items).toEqual([]);
      expect(await store.getArtifact({ externalId: 'missing' })).toBeUndefined();
      expect(await store.getExecution({ id: 424242 })).toBeUndefined();
      expect((await store.getContexts({ name: 'exp2' })).items[0]?.properties).toEqual({ owner: 'ana' });
    });

    it('pages with opaque tokens, in every order, without repeats or gaps under concurrent inserts', async () => {
      for (let i = 0; i < 5; i++) {
        await store.putLineage({
          artifacts: Array.from({ length: 5 }, (_, j) => ({
            type: 'test.Dataset',
            externalId: `d${i}-${j}`,
          })),
        });
      }
      for (const orderBy of ['id', 'createTime', 'updateTime'] as const) {
        for (const descending of [false, true]) {
          const seen: number[] = [];
          let pageToken: string | undefined;
          let pages = 0;
          do {
            const page = await store.getArtifacts({ orderBy, descending, limit: 4, pageToken });
            seen.push(...page.items.map((a) => a.id));
            pageToken = page.nextPageToken;
            // Rows written between pages land after the cursor (ascending) or before it (descending).
            if (pages++ === 1)
              await store.putLineage({
                artifacts: [{ type: 'test.Dataset', externalId: `late-${orderBy}-${descending}` }],
              });
          } while (pageToken);
          expect(new Set(seen).size).toBe(seen.length);
          const all = (await store.getArtifacts({ limit: 1000 })).items;
          const expected = all.map((a) => a.id).filter((id) => !descending || id <= Math.max(...seen));
          expect([...seen].sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
          if (orderBy === 'id') expect(seen).toEqual([...seen].sort((a, b) => (descending ? b - a : a - b)));
        }
      }
    });

    it('rejects bad paging arguments with a clear error', async () => {
      await expectError(store.getArtifacts({ pageToken: 'garbage' }), 'INVALID_ARGUMENT', /pageToken/);
      await store.putLineage({
        artifacts: [
          { type: 'test.Dataset', externalId: 'p1' },
          { type: 'test.Dataset', externalId: 'p2' },
        ],
      });
      const page = await store.getArtifacts({ limit: 1 });
      await expectError(
        store.getArtifacts({ limit: 1, orderBy: 'createTime', pageToken: page.nextPageToken }),
        'INVALID_ARGUMENT',
        /same ordering/,
      );
      await expectError(store.getArtifacts({ limit: 0 }), 'INVALID_ARGUMENT', /limit/);
      await expectError(store.getExecutions({ uri: 'x' }), 'INVALID_ARGUMENT', /artifacts only/);
    });
    it('orders by a property value with offset pages and a total: missing, then NaN, last either way', async () => {
      const losses: (number | string | undefined)[] = [0.5, 0.25, Number.NaN, undefined, 2, 0.25, 'high'];
      await store.putLineage({
        executions: losses.map((loss, i) => ({
          type: 'test.Train',
          externalId: `run-${i}`,
          lastKnownState: 'COMPLETE' as const,
          customProperties: (loss === undefined ? { other: 1 } : { 'metric.loss': loss }) as Record<
            string,
            number | string
          >,
        })),
      });
      const order = async (descending: boolean) => {
        const seen: string[] = [];
        for (let offset = 0; offset < 9; offset += 3) {
          const page = await store.getExecutions({
            type: 'test.Train',
            orderByProperty: 'metric.loss',
            descending,
            offset,
            limit: 3,
            withTotal: true,
          });
          expect(page.total).toBe(7);
          expect(page.nextPageToken).toBeUndefined();
          seen.push(...page.items.map((e) => e.externalId!));
        }
        return seen;
      };
      // Numbers by value (ties newest first), then text, then NaN, then the run without a loss.
      expect(await order(false)).toEqual(['run-5', 'run-1', 'run-0', 'run-4', 'run-6', 'run-2', 'run-3']);
      expect(await order(true)).toEqual(['run-4', 'run-0', 'run-5', 'run-1', 'run-6', 'run-2', 'run-3']);
      const filtered = await store.getExecutions({
        filter: 'custom_properties.`metric.loss` < 1',
        orderByProperty: 'metric.loss',
        withTotal: true,
        limit: 1,
      });
      expect(filtered.total).toBe(3);
      expect(filtered.items.map((e) => e.externalId)).toEqual(['run-5']);
      const byCreation = await store.getExecutions({
        orderBy: 'createTime',
        offset: 5,
        limit: 10,
        withTotal: true,
      });
      expect(byCreation.items.map((e) => e.externalId)).toEqual(['run-5', 'run-6']);
      expect(byCreation.total).toBe(7);
      await expectError(
        store.getExecutions({ orderByProperty: 'metric.loss', pageToken: 'x' }),
        'INVALID_ARGUMENT',
        /page by offset/,
      );
      await expectError(store.getExecutions({ offset: -1 }), 'INVALID_ARGUMENT', /offset/);
    });
  });
}
