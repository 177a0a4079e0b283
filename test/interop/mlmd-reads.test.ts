/**
 * MLMD's own Python client reads what mlmeta writes: types, nodes, every property kind, events
 * with paths, attributions, associations and parent contexts.
 */
import { type MetadataStore, openStore } from '@mlmeta/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { byExternalId, mlmdDump, tempStoreFile } from './helpers.js';
import { probePython } from './python.js';

const py = probePython('MLMD reads mlmeta stores');

describe.skipIf(py.skip)('MLMD reads an mlmeta SQLite file', () => {
  let file: string;
  let cleanup: () => void;
  let store: MetadataStore;
  beforeEach(async () => {
    ({ file, cleanup } = tempStoreFile());
    store = await openStore(`sqlite:${file}`);
  });
  afterEach(async () => {
    await store.close();
    cleanup();
  });

  it('reads types, nodes, events with paths and memberships', async () => {
    await store.putLineage({
      types: [
        {
          kind: 'artifact',
          name: 'x.Dataset',
          baseType: 'mlmd.Dataset',
          properties: { rows: 'INT', src: 'STRING' },
        },
        { kind: 'execution', name: 'x.Train', baseType: 'mlmd.Train', properties: { ok: 'BOOLEAN' } },
        { kind: 'context', name: 'x.Experiment' },
        { kind: 'context', name: 'x.Pipeline' },
      ],
      artifacts: [
        {
          type: 'x.Dataset',
          externalId: 'ds',
          uri: 'file:///d.csv',
          state: 'LIVE',
          properties: { rows: 150, src: 'uci' },
        },
      ],
      executions: [
        { type: 'x.Train', externalId: 'run', lastKnownState: 'COMPLETE', properties: { ok: true } },
      ],
      contexts: [
        { type: 'x.Experiment', name: 'exp', externalId: 'exp' },
        { type: 'x.Pipeline', name: 'pipe', externalId: 'pipe' },
      ],
      events: [
        {
          artifact: { externalId: 'ds' },
          execution: { externalId: 'run' },
          type: 'INPUT',
          path: [{ key: 'x' }, { index: 2 }],
        },
      ],
      attributions: [{ artifact: { externalId: 'ds' }, context: { externalId: 'exp' } }],
      associations: [{ execution: { externalId: 'run' }, context: { externalId: 'exp' } }],
      parentContexts: [{ child: { externalId: 'exp' }, parent: { externalId: 'pipe' } }],
    });
    const dump = await mlmdDump({ sqlite: file });
    const ds = byExternalId(dump.artifacts, 'ds');
    expect(ds).toMatchObject({
      type: 'x.Dataset',
      uri: 'file:///d.csv',
      state: 'LIVE',
      properties: { rows: { INT: 150 }, src: { STRING: 'uci' } },
    });
    const run = byExternalId(dump.executions, 'run');
    expect(run).toMatchObject({ last_known_state: 'COMPLETE', properties: { ok: { BOOLEAN: true } } });
    expect(dump.artifact_types.find((t) => t.name === 'x.Dataset')).toMatchObject({
      base_type: 'DATASET',
      properties: { rows: 'INT', src: 'STRING' },
    });
    expect(dump.execution_types.find((t) => t.name === 'x.Train')?.base_type).toBe('TRAIN');
    expect(dump.events).toEqual([
      { artifact_id: ds.id, execution_id: run.id, type: 'INPUT', path: [{ key: 'x' }, { index: 2 }] },
    ]);
    const exp = byExternalId(dump.contexts, 'exp');
    const pipe = byExternalId(dump.contexts, 'pipe');
    expect(dump.attributions).toEqual([[exp.id, ds.id]]);
    expect(dump.associations).toEqual([[exp.id, run.id]]);
    expect(dump.parent_contexts).toEqual([[exp.id, pipe.id]]);
  });
});
