/**
 * MLMD's own Python client and mlmeta on one database, SQLite and PostgreSQL: MLMD reads every
 * node, edge, type and property kind mlmeta writes, and answers its own filter_query and
 * get_lineage_subgraph on them; mlmeta reads, read-only, what only MLMD has written; each
 * reads the other's updates.
 */
import { type LineageBatch, type MetadataStore, openStore } from '@mlmeta/core';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Backend, postgresBackend, type SharedStore, sqliteBackend } from './backends.js';
import { byExternalId, mlmdDump } from './helpers.js';
import { probePython, runPython } from './python.js';

const py = probePython('MLMD reads mlmeta stores');
const backends: Backend[] = [sqliteBackend, await postgresBackend()];

const SUMMARY = { layers: 3, units: [8, 3], name: 'mlp', nested: { ok: true, none: null } };

/** Every node kind, edge kind and property kind, as a training pipeline writes them. */
const BATCH: LineageBatch = {
  types: [
    {
      kind: 'artifact',
      name: 'x.Dataset',
      baseType: 'mlmd.Dataset',
      properties: { rows: 'INT', src: 'STRING', stats: 'STRUCT' },
    },
    {
      kind: 'artifact',
      name: 'x.Model',
      baseType: 'mlmd.Model',
      properties: { acc: 'DOUBLE', loss: 'DOUBLE', frozen: 'BOOLEAN', signature: 'PROTO' },
    },
    { kind: 'execution', name: 'x.Train', baseType: 'mlmd.Train', properties: { epochs: 'INT' } },
    { kind: 'context', name: 'x.Experiment', properties: { owner: 'STRING' } },
    { kind: 'context', name: 'x.Pipeline' },
  ],
  artifacts: [
    {
      type: 'x.Dataset',
      externalId: 'ds',
      name: 'iris',
      uri: 'file:///data/iris.csv',
      state: 'LIVE',
      properties: { rows: 150, src: 'uci', stats: SUMMARY },
      customProperties: { tags: ['iris', 'small'], ratio: 0.8 },
    },
    {
      type: 'x.Model',
      externalId: 'model',
      name: 'mlp',
      uri: 'file:///models/mlp',
      state: 'LIVE',
      properties: {
        acc: Number.NaN,
        loss: Number.POSITIVE_INFINITY,
        frozen: true,
        signature: ['serving_default', 3],
      },
      customProperties: { worst: Number.NEGATIVE_INFINITY },
    },
  ],
  executions: [
    {
      type: 'x.Train',
      externalId: 'run',
      name: 'fit-1',
      lastKnownState: 'COMPLETE',
      properties: { epochs: 10 },
    },
  ],
  contexts: [
    { type: 'x.Experiment', name: 'exp', externalId: 'exp', properties: { owner: 'ana' } },
    { type: 'x.Pipeline', name: 'pipe', externalId: 'pipe' },
  ],
  events: [
    {
      artifact: { externalId: 'ds' },
      execution: { externalId: 'run' },
      type: 'INPUT',
      path: [{ key: 'x' }, { index: 2 }],
    },
    { artifact: { externalId: 'model' }, execution: { externalId: 'run' }, type: 'OUTPUT' },
  ],
  attributions: [
    { artifact: { externalId: 'ds' }, context: { externalId: 'exp' } },
    { artifact: { externalId: 'model' }, context: { externalId: 'exp' } },
  ],
  associations: [{ execution: { externalId: 'run' }, context: { externalId: 'exp' } }],
  parentContexts: [{ child: { externalId: 'exp' }, parent: { externalId: 'pipe' } }],
};

for (const backend of backends) {
  describe.skipIf(py.skip || backend.skip)(`MLMD and mlmeta on one ${backend.name} database`, () => {
    let shared: SharedStore;
    let store: MetadataStore;
    beforeEach(async () => {
      shared = await backend.fresh();
    });
    afterEach(async () => {
      await store?.close();
      await shared.cleanup();
    });

    it('MLMD reads every type, node, edge and property kind mlmeta writes', async () => {
      store = await openStore(shared.uri);
      await store.putLineage(BATCH);
      const dump = await mlmdDump(shared.mlmd, shared.env);
      const ds = byExternalId(dump.artifacts, 'ds');
      expect(ds).toMatchObject({
        type: 'x.Dataset',
        name: 'iris',
        uri: 'file:///data/iris.csv',
        state: 'LIVE',
        properties: { rows: { INT: 150 }, src: { STRING: 'uci' }, stats: { STRUCT: SUMMARY } },
        custom_properties: { tags: { STRUCT: { __value__: ['iris', 'small'] } }, ratio: { DOUBLE: 0.8 } },
      });
      const model = byExternalId(dump.artifacts, 'model');
      expect(model.properties).toMatchObject({
        acc: { DOUBLE: 'NaN' },
        loss: { DOUBLE: 'Infinity' },
        frozen: { BOOLEAN: true },
      });
      expect(model.properties.signature?.PROTO).toMatchObject({
        type_url: 'type.googleapis.com/google.protobuf.ListValue',
      });
      expect(model.custom_properties).toEqual({ worst: { DOUBLE: '-Infinity' } });
      const run = byExternalId(dump.executions, 'run');
      expect(run).toMatchObject({
        name: 'fit-1',
        last_known_state: 'COMPLETE',
        properties: { epochs: { INT: 10 } },
      });
      expect(dump.artifact_types.find((t) => t.name === 'x.Model')).toMatchObject({
        base_type: 'MODEL',
        properties: { acc: 'DOUBLE', loss: 'DOUBLE', frozen: 'BOOLEAN', signature: 'PROTO' },
      });
      expect(dump.execution_types.find((t) => t.name === 'x.Train')?.base_type).toBe('TRAIN');
      expect(dump.events).toEqual([
        { artifact_id: ds.id, execution_id: run.id, type: 'INPUT', path: [{ key: 'x' }, { index: 2 }] },
        { artifact_id: model.id, execution_id: run.id, type: 'OUTPUT', path: [] },
      ]);
      const exp = byExternalId(dump.contexts, 'exp');
      const pipe = byExternalId(dump.contexts, 'pipe');
      expect(exp.properties).toEqual({ owner: { STRING: 'ana' } });
      expect(dump.attributions).toEqual([
        [exp.id, ds.id],
        [exp.id, model.id],
      ]);
      expect(dump.associations).toEqual([[exp.id, run.id]]);
      expect(dump.parent_contexts).toEqual([[exp.id, pipe.id]]);
    });

    it("MLMD's filter_query and get_lineage_subgraph answer on mlmeta's records", async () => {
      store = await openStore(shared.uri);
      await store.putLineage(BATCH);
      const answer = await runPython<{ filters: string[][]; lineage: Record<string, unknown> }>(
        'mlmd_query.py',
        {
          store: shared.mlmd,
          filters: [
            { kind: 'artifact', query: "name = 'mlp'" },
            { kind: 'artifact', query: "type = 'x.Dataset'" },
            { kind: 'artifact', query: 'properties.rows.int_value > 100' },
            {
              kind: 'artifact',
              query: "custom_properties.ratio.double_value < 0.9 AND uri LIKE 'file:///data/%'",
            },
            { kind: 'artifact', query: "contexts_a.name = 'exp'" },
            { kind: 'execution', query: "contexts_a.type = 'x.Experiment' AND last_known_state = COMPLETE" },
            { kind: 'context', query: "parent_contexts_a.name = 'pipe'" },
            { kind: 'artifact', query: 'events_0.execution_id > 0 AND properties.frozen.bool_value = true' },
          ],
          lineage: { artifacts: "external_id = 'model'", max_hops: 4 },
        },
        shared.env,
      );
      expect(answer.filters).toEqual([
        ['model'],
        ['ds'],
        ['ds'],
        ['ds'],
        ['ds', 'model'],
        ['run'],
        ['exp'],
        ['model'],
      ]);
      expect(answer.lineage).toEqual({
        artifacts: ['ds', 'model'],
        executions: ['run'],
        contexts: ['exp'],
        events: 2,
      });
    });

    it('mlmeta reads, read-only, what only MLMD wrote; each reads the other’s updates', async () => {
      await runPython('mlmd_write_store.py', { store: shared.mlmd }, shared.env);
      const reader = await openStore(shared.uri, { readOnly: true });
      try {
        expect(await reader.getArtifact({ externalId: 'mlmd-ds' })).toMatchObject({
          type: 'tfx.Examples',
          properties: {
            span: 1,
            split_names: { train: 0.8, eval: [1, 'x', null, true], nested: { k: 'v' } },
          },
        });
        expect((await reader.getArtifact({ externalId: 'mlmd-model' }))?.properties).toEqual({
          signature: ['serving_default', 3],
        });
        const lineage = await reader.getLineage({ start: { artifacts: { externalIds: ['mlmd-model'] } } });
        expect(lineage.artifacts.map((a) => a.externalId).sort()).toEqual(['mlmd-ds', 'mlmd-model']);
      } finally {
        await reader.close();
      }
      store = await openStore(shared.uri);
      await store.putLineage({
        artifacts: [
          { type: 'tfx.Model', externalId: 'mlmd-model', customProperties: { reviewed: { by: 'mlmeta' } } },
        ],
      });
      await runPython(
        'mlmd_update.py',
        {
          store: shared.mlmd,
          updates: [
            {
              kind: 'artifact',
              external_id: 'mlmd-model',
              custom_properties: { accepted: { BOOLEAN: false } },
            },
          ],
        },
        shared.env,
      );
      expect((await store.getArtifact({ externalId: 'mlmd-model' }))?.customProperties).toMatchObject({
        accepted: false,
        reviewed: { by: 'mlmeta' },
      });
    });

    it.skipIf(backend.name !== 'postgres')(
      'a PostgreSQL store from before version 5 gets BOOLEAN flags, so MLMD filters on it',
      async () => {
        store = await openStore(shared.uri);
        await store.putLineage(BATCH);
        await store.close();
        // The store is mlmeta in `public` of a database of its own.
        const schema = new URL(shared.uri).searchParams.get('schema') ?? 'public';
        const client = new pg.Client({ connectionString: shared.uri });
        await client.connect();
        try {
          for (const table of ['ArtifactProperty', 'ExecutionProperty', 'ContextProperty']) {
            await client.query(
              `ALTER TABLE ${schema}.${table} ALTER COLUMN is_custom_property TYPE SMALLINT USING CASE WHEN is_custom_property THEN 1 ELSE 0 END`,
            );
          }
          await client.query(`UPDATE ${schema}.mlmeta_schema SET version = 4`);
        } finally {
          await client.end();
        }
        store = await openStore(shared.uri);
        const answer = await runPython<{ filters: string[][] }>(
          'mlmd_query.py',
          {
            store: shared.mlmd,
            filters: [{ kind: 'artifact', query: 'custom_properties.ratio.double_value > 0.5' }],
          },
          shared.env,
        );
        expect(answer.filters).toEqual([['ds']]);
        expect((await store.getArtifact({ externalId: 'ds' }))?.customProperties).toMatchObject({
          ratio: 0.8,
        });
      },
    );
  });
}
