/**
 * Property values in MLMD's own encodings, judged by MLMD's client: non-finite doubles, STRUCT
 * (`mlmd-struct::` + base64 Struct) and values MLMD updates in place (findings 1-3 of issue 15).
 */
import { type MetadataStore, openStore } from '@mlmeta/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { byExternalId, mlmdDump, tempStoreFile } from './helpers.js';
import { probePython, runPython } from './python.js';

const py = probePython('MLMD property values');

const TYPES = [
  {
    kind: 'artifact' as const,
    name: 'x.Model',
    baseType: 'mlmd.Model',
    properties: { acc: 'DOUBLE' as const, summary: 'STRUCT' as const, note: 'STRING' as const },
  },
];

describe.skipIf(py.skip)('property values MLMD reads and updates (SQLite)', () => {
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

  it('non-finite doubles: MLMD reads NaN and ±Infinity as doubles (finding 1)', async () => {
    await store.putLineage({
      types: TYPES,
      artifacts: [
        {
          type: 'x.Model',
          externalId: 'm',
          properties: { acc: Number.NaN },
          customProperties: {
            best: Number.POSITIVE_INFINITY,
            worst: Number.NEGATIVE_INFINITY,
            nan: Number.NaN,
          },
        },
      ],
    });
    const model = byExternalId((await mlmdDump({ sqlite: file })).artifacts, 'm');
    expect(model.properties).toEqual({ acc: { DOUBLE: 'NaN' } });
    expect(model.custom_properties).toEqual({
      best: { DOUBLE: 'Infinity' },
      worst: { DOUBLE: '-Infinity' },
      nan: { DOUBLE: 'NaN' },
    });
    // mlmeta reads its own values back unchanged.
    const read = await store.getArtifact({ externalId: 'm' });
    expect(read?.properties.acc).toBeNaN();
    expect(read?.customProperties).toMatchObject({
      best: Number.POSITIVE_INFINITY,
      worst: Number.NEGATIVE_INFINITY,
    });
    expect(read?.customProperties.nan).toBeNaN();
  });

  it('MLMD updates a node holding infinities, and mlmeta reads both (finding 1)', async () => {
    await store.putLineage({
      types: TYPES,
      artifacts: [{ type: 'x.Model', externalId: 'm', customProperties: { best: Number.POSITIVE_INFINITY } }],
    });
    await runPython('mlmd_update.py', {
      store: { sqlite: file },
      updates: [{ kind: 'artifact', external_id: 'm', custom_properties: { by: { STRING: 'mlmd' } } }],
    });
    expect((await store.getArtifact({ externalId: 'm' }))?.customProperties).toEqual({
      best: Number.POSITIVE_INFINITY,
      by: 'mlmd',
    });
  });

  it('STRUCT values are MLMD STRUCTs: MLMD reads them and re-puts the node (finding 2)', async () => {
    const summary = { layers: 3, units: [8, 3], name: 'mlp', nested: { ok: true, none: null } };
    await store.putLineage({
      types: TYPES,
      artifacts: [
        {
          type: 'x.Model',
          externalId: 'm',
          properties: { summary },
          customProperties: { config: { lr: 0.1 }, tags: ['a', 'b'] },
        },
      ],
    });
    const model = byExternalId((await mlmdDump({ sqlite: file })).artifacts, 'm');
    expect(model.properties.summary).toEqual({ STRUCT: summary });
    expect(model.custom_properties.config).toEqual({ STRUCT: { lr: 0.1 } });
    // A list is not a Struct: wrapped the way TFX wraps JSON values.
    expect(model.custom_properties.tags).toEqual({ STRUCT: { __value__: ['a', 'b'] } });
    // MLMD checks a declared STRUCT holds a struct_value before it writes the node back.
    await runPython('mlmd_update.py', {
      store: { sqlite: file },
      updates: [{ kind: 'artifact', external_id: 'm', properties: { note: { STRING: 'seen by MLMD' } } }],
    });
    const read = await store.getArtifact({ externalId: 'm' });
    expect(read?.properties).toEqual({ summary, note: 'seen by MLMD' });
    expect(read?.customProperties).toEqual({ config: { lr: 0.1 }, tags: ['a', 'b'] });
  });

  it('a value MLMD updated in place reads as MLMD wrote it (finding 3)', async () => {
    await store.putLineage({
      types: TYPES,
      artifacts: [
        { type: 'x.Model', externalId: 'm', customProperties: { config: { lr: 0.1 }, score: 1.5 } },
      ],
    });
    await runPython('mlmd_update.py', {
      store: { sqlite: file },
      updates: [
        {
          kind: 'artifact',
          external_id: 'm',
          custom_properties: { config: { STRING: 'replaced by MLMD' }, score: { STRUCT: { by: 'mlmd' } } },
        },
      ],
    });
    expect((await store.getArtifact({ externalId: 'm' }))?.customProperties).toEqual({
      config: 'replaced by MLMD',
      score: { by: 'mlmd' },
    });
  });
});
