/** putLineage and putTypes: idempotency, merges, type evolution, invalid input. */
import type { MetadataStore } from '@mlmeta/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectError, snapshot, TYPES, trainBatch } from './fixtures.js';

export function defineWriteTests(openFresh: () => Promise<MetadataStore>): void {
  let store: MetadataStore;
  beforeEach(async () => {
    store = await openFresh();
  });
  afterEach(async () => {
    await store.close();
  });

  describe('putLineage', () => {
    it('keeps long string and STRUCT values whole (a git diff, a model summary)', async () => {
      // PostgreSQL's btree entries stop at 2,704 bytes: an index over whole string values made
      // every batch holding a longer one fail, so the run's environment was never stored.
      const diff = `diff --git a/train.mjs b/train.mjs\n${'+const x = 1;\n'.repeat(4000)}`;
      const summary = { layers: Array.from({ length: 400 }, (_, i) => ({ name: `dense_${i}`, units: i })) };
      await store.putLineage({
        types: [{ kind: 'execution', name: 'test.Long' }],
        executions: [{ type: 'test.Long', externalId: 'long', customProperties: { diff, summary } }],
      });
      const run = await store.getExecution({ externalId: 'long' });
      expect(run?.customProperties.diff).toBe(diff);
      expect(run?.customProperties.summary).toEqual(summary);
      const found = await store.getExecutions({
        filter: "custom_properties.diff LIKE 'diff --git a/train.mjs%'",
      });
      expect(found.items.map((e) => e.externalId)).toEqual(['long']);
    });

    it('writes nodes, edges and properties that read back as written', async () => {
      const result = await store.putLineage(trainBatch());
      expect(result.artifactIds).toHaveLength(2);
      const dataset = await store.getArtifact({ externalId: 'ds' });
      expect(dataset).toMatchObject({
        id: result.artifactIds[0],
        type: 'test.Dataset',
        uri: 'file:///data/iris.csv',
        state: 'LIVE',
        properties: { rows: 150, source: 'uci' },
        customProperties: { tags: ['iris', 'small'] },
      });
      const model = await store.getArtifact({ id: result.artifactIds[1]! });
      expect(model?.properties).toEqual({
        accuracy: 0.97,
        summary: { layers: 3, units: [8, 3] },
        frozen: false,
      });
      expect(model?.name).toBe('model');
      const run = await store.getExecution({ externalId: 'run' });
      expect(run).toMatchObject({ lastKnownState: 'COMPLETE', properties: { epochs: 10 } });
      const events = await store.getEvents({ executionIds: [run!.id] });
      expect(events.map((e) => e.type).sort()).toEqual(['INPUT', 'OUTPUT']);
      expect(events.find((e) => e.type === 'INPUT')?.path).toEqual([{ key: 'x' }, { index: 0 }]);
      const context = await store.getContext({ externalId: 'exp' });
      expect(await store.getAttributions({ contextIds: [context!.id] })).toHaveLength(2);
      expect(await store.getAssociations({ executionIds: [run!.id] })).toEqual([
        { executionId: run!.id, contextId: context!.id },
      ]);
    });

    it('gives a new node whose name its type already holds the first free name-N; replays keep it', async () => {
      await store.putTypes(TYPES);
      const run = (externalId: string) => ({
        executions: [
          { type: 'test.Train', externalId, name: 'train-good_%', lastKnownState: 'RUNNING' as const },
        ],
      });
      await store.putLineage(run('first'));
      await store.putLineage(run('second'));
      await store.putLineage(run('third'));
      // A replay of the second run's first write: its stored name stays.
      await store.putLineage(run('second'));
      const names = await Promise.all(
        ['first', 'second', 'third'].map(async (id) => (await store.getExecution({ externalId: id }))?.name),
      );
      expect(names).toEqual(['train-good_%', 'train-good_%-2', 'train-good_%-3']);
      const found = await store.getExecutions({ filter: "name = 'train-good_%-2'" });
      expect(found.items.map((e) => e.externalId)).toEqual(['second']);
    });

    it('is idempotent: the same batch twice changes nothing, not even update times', async () => {
      const first = await store.putLineage(trainBatch());
      const before = await snapshot(store);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await store.putLineage(trainBatch());
      expect(second).toEqual(first);
      expect(await snapshot(store)).toEqual(before);
    });

    it('merges properties on update; null removes one; the update time moves', async () => {
      await store.putLineage(trainBatch());
      const before = await store.getArtifact({ externalId: 'model' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      await store.putLineage({
        artifacts: [
          {
            type: 'test.Model',
            externalId: 'model',
            state: 'LIVE',
            properties: { accuracy: 0.99, frozen: null },
            customProperties: { note: 'retuned' },
          },
        ],
      });
      const after = await store.getArtifact({ externalId: 'model' });
      expect(after?.properties).toEqual({ accuracy: 0.99, summary: { layers: 3, units: [8, 3] } });
      expect(after?.customProperties).toEqual({ note: 'retuned' });
      expect(after?.state).toBe('LIVE');
      expect(after?.createTimeSinceEpoch).toBe(before?.createTimeSinceEpoch);
      expect(after!.lastUpdateTimeSinceEpoch).toBeGreaterThan(before!.lastUpdateTimeSinceEpoch);
    });

    it('updates by store id and keeps non-finite doubles', async () => {
      const { executionIds } = await store.putLineage(trainBatch());
      await store.putLineage({
        executions: [
          {
            id: executionIds[0],
            type: 'test.Train',
            lastKnownState: 'FAILED',
            customProperties: { loss: Number.NaN, best: Number.POSITIVE_INFINITY, big: 2 ** 60 },
          },
        ],
      });
      const run = await store.getExecution({ id: executionIds[0]! });
      expect(run?.lastKnownState).toBe('FAILED');
      expect(run?.customProperties.loss).toBeNaN();
      expect(run?.customProperties.best).toBe(Number.POSITIVE_INFINITY);
      expect(run?.customProperties.big).toBe(2 ** 60);
    });

    it('reads every value kind back exactly, by id, in a filtered page and in a lineage walk', async () => {
      // Nodes are read with their properties aggregated into one JSON value per node: doubles
      // must keep every digit, the text 'NaN' must stay text, PROTO bytes must survive.
      const customProperties = {
        sum: 0.1 + 0.2,
        tiny: 5e-324,
        huge: Number.MAX_VALUE,
        negative: Number.NEGATIVE_INFINITY,
        nan: Number.NaN,
        nanText: 'NaN',
        numberText: '0.5',
        big: -(2 ** 60),
        yes: true,
        no: false,
        text: 'tab\tquote" backslash\\ \u0001 é 🚀',
        empty: '',
        list: [1, 'two', null],
        object: { a: { b: [true, 1.5] } },
      };
      const any = {
        '@type': 'type.googleapis.com/test.Blob',
        value: Buffer.from([0, 1, 254, 255]).toString('base64'),
      };
      await store.putLineage({
        types: [
          { kind: 'execution', name: 'test.Kinds', properties: { blob: 'PROTO', epochs: 'INT' } },
          { kind: 'artifact', name: 'test.KindsOut' },
        ],
        executions: [
          { type: 'test.Kinds', externalId: 'kinds', properties: { blob: any, epochs: 3 }, customProperties },
        ],
        artifacts: [{ type: 'test.KindsOut', externalId: 'kinds-out' }],
        events: [
          { artifact: { externalId: 'kinds-out' }, execution: { externalId: 'kinds' }, type: 'OUTPUT' },
        ],
      });
      const byId = await store.getExecution({ externalId: 'kinds' });
      const listed = await store.getExecutions({ filter: 'properties.epochs = 3' });
      const walked = await store.getLineage({
        start: { artifacts: { externalIds: ['kinds-out'] } },
        direction: 'upstream',
      });
      for (const run of [byId, listed.items[0], walked.executions[0]]) {
        expect(run?.properties).toEqual({ blob: any, epochs: 3 });
        expect(run?.customProperties).toEqual(customProperties);
        expect(Object.is(run?.customProperties.nan, Number.NaN)).toBe(true);
      }
    });

    it('upserts contexts by (type, name) when no external id is given', async () => {
      await store.putTypes(TYPES);
      const a = await store.putLineage({ contexts: [{ type: 'test.Experiment', name: 'shared' }] });
      const b = await store.putLineage({ contexts: [{ type: 'test.Experiment', name: 'shared' }] });
      expect(b.contextIds).toEqual(a.contextIds);
      expect((await store.getContexts({ type: 'test.Experiment' })).items).toHaveLength(1);
    });

    it('links parent contexts, deduplicated, and rejects cycles without writing anything', async () => {
      await store.putTypes(TYPES);
      const contexts = ['a', 'b', 'c'].map((name) => ({ type: 'test.Experiment', name, externalId: name }));
      const link = (child: string, parent: string) => ({
        child: { externalId: child },
        parent: { externalId: parent },
      });
      await store.putLineage({ contexts, parentContexts: [link('a', 'b'), link('b', 'c'), link('a', 'b')] });
      const ids = (await store.getContexts({ orderBy: 'id' })).items.map((c) => c.id);
      expect(await store.getParentContexts({ childIds: ids })).toHaveLength(2);
      const before = await snapshot(store);
      await expectError(
        store.putLineage({
          contexts: [{ type: 'test.Experiment', name: 'd', externalId: 'd' }],
          parentContexts: [link('c', 'a')],
        }),
        'INVALID_ARGUMENT',
        /cycle/,
      );
      await expectError(store.putLineage({ parentContexts: [link('a', 'a')] }), 'INVALID_ARGUMENT', /cycle/);
      expect(await snapshot(store)).toEqual(before);
    });
  });

  describe('invalid input is a typed error and rolls the whole batch back', () => {
    beforeEach(async () => {
      await store.putLineage(trainBatch());
    });

    const cases: [string, () => Parameters<MetadataStore['putLineage']>[0], string, RegExp][] = [
      [
        'an undeclared property',
        () => ({ artifacts: [{ type: 'test.Model', externalId: 'm2', properties: { nope: 1 } }] }),
        'INVALID_ARGUMENT',
        /not declared on artifact type "test.Model"/,
      ],
      [
        'a value of the wrong kind',
        () => ({ artifacts: [{ type: 'test.Dataset', externalId: 'd2', properties: { rows: 'many' } }] }),
        'INVALID_ARGUMENT',
        /declared INT/,
      ],
      [
        'a fractional INT',
        () => ({ artifacts: [{ type: 'test.Dataset', externalId: 'd2', properties: { rows: 1.5 } }] }),
        'INVALID_ARGUMENT',
        /declared INT/,
      ],
      [
        'an unknown type',
        () => ({ artifacts: [{ type: 'test.Nope', externalId: 'x' }] }),
        'NOT_FOUND',
        /unknown artifact type "test.Nope"/,
      ],
      [
        'an event to an unknown node',
        () => ({
          artifacts: [{ type: 'test.Dataset', externalId: 'written-then-rolled-back' }],
          events: [
            {
              artifact: { externalId: 'written-then-rolled-back' },
              execution: { id: 999_999 },
              type: 'INPUT',
            },
          ],
        }),
        'NOT_FOUND',
        /execution with id 999999/,
      ],
      [
        'an update of a missing id',
        () => ({ artifacts: [{ id: 999_999, type: 'test.Dataset' }] }),
        'NOT_FOUND',
        /no artifact has id 999999/,
      ],
      [
        'a change of a node type',
        () => ({ artifacts: [{ type: 'test.Model', externalId: 'ds' }] }),
        'FAILED_PRECONDITION',
        /type cannot change/,
      ],
      [
        'a malformed batch',
        () => ({ artifacts: [{ type: '', externalId: 'x' }] }) as never,
        'INVALID_ARGUMENT',
        /invalid lineage batch: artifacts\.0\.type/,
      ],
      [
        'a bad enum value',
        () => ({ executions: [{ type: 'test.Train', lastKnownState: 'DONE' }] }) as never,
        'INVALID_ARGUMENT',
        /lastKnownState/,
      ],
    ];
    for (const [name, batch, code, message] of cases) {
      it(name, async () => {
        const before = await snapshot(store);
        await expectError(store.putLineage(batch()), code, message);
        expect(await snapshot(store)).toEqual(before);
      });
    }
  });

  describe('putTypes', () => {
    it('returns stable ids and reads types back with base type and properties', async () => {
      const ids = await store.putTypes(TYPES);
      expect(await store.putTypes(TYPES)).toEqual(ids);
      const model = await store.getType('artifact', 'test.Model');
      expect(model).toMatchObject({
        id: ids[1],
        kind: 'artifact',
        baseType: 'mlmd.Model',
        properties: { accuracy: 'DOUBLE', frozen: 'BOOLEAN', summary: 'STRUCT' },
      });
      expect((await store.getTypes('context')).map((t) => t.name)).toEqual(['test.Experiment']);
      expect(await store.getType('artifact', 'test.Model', 'v2')).toBeUndefined();
    });

    it('types gain properties and keep omitted ones', async () => {
      await store.putTypes(TYPES);
      await store.putTypes([{ kind: 'execution', name: 'test.Train', properties: { lr: 'DOUBLE' } }]);
      expect((await store.getType('execution', 'test.Train'))?.properties).toEqual({
        epochs: 'INT',
        lr: 'DOUBLE',
      });
    });

    it('refuses to change a property kind, or to omit one when canOmitFields is false', async () => {
      await store.putTypes(TYPES);
      const before = await store.getTypes();
      await expectError(
        store.putTypes([{ kind: 'execution', name: 'test.Train', properties: { epochs: 'STRING' } }]),
        'ALREADY_EXISTS',
        /"epochs" as INT/,
      );
      await expectError(
        store.putTypes([{ kind: 'execution', name: 'test.Train', properties: {} }], { canOmitFields: false }),
        'ALREADY_EXISTS',
        /epochs/,
      );
      expect(await store.getTypes()).toEqual(before);
    });

    it('deletes omitted properties only with canDeleteFields', async () => {
      await store.putTypes(TYPES);
      await store.putTypes([{ kind: 'context', name: 'test.Experiment', properties: {} }], {
        canDeleteFields: true,
      });
      expect((await store.getType('context', 'test.Experiment'))?.properties).toEqual({});
    });

    it('keeps versions apart and rejects unknown base types', async () => {
      await store.putTypes([
        { kind: 'artifact', name: 'test.Model', version: 'v2', properties: { f1: 'DOUBLE' } },
      ]);
      await store.putTypes(TYPES);
      expect((await store.getType('artifact', 'test.Model', 'v2'))?.properties).toEqual({ f1: 'DOUBLE' });
      await expectError(
        store.putTypes([{ kind: 'artifact', name: 'test.X', baseType: 'mlmd.Train' }]),
        'INVALID_ARGUMENT',
        /mlmd\.Dataset/,
      );
      await expectError(store.putTypes([{ kind: 'artifact', name: '' }]), 'INVALID_ARGUMENT', /name/);
    });
  });
}
