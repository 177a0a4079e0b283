/**
 * Files MLMD wrote, read by mlmeta: a file only MLMD has touched opens read-only with STRUCT and
 * PROTO values decoded; a file with a duplicate simple type is adopted; a file an older mlmeta
 * wrote (values tagged in byte_value) is migrated to MLMD's encodings (findings 2-4 of issue 15).
 */
import { openStore } from '@mlmeta/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../packages/core/src/store/sql/migrate.js';
import { openSqliteDriver } from '../../packages/core/src/store/sqlite/sqlite-driver.js';
import { byExternalId, mlmdDump, tempStoreFile } from './helpers.js';
import { probePython, runPython } from './python.js';

const py = probePython('mlmeta reads MLMD-written files');

interface Written {
  dataset: number;
  model: number;
  run: number;
  pipeline: number;
  opaque_value: string;
}

describe.skipIf(py.skip)('mlmeta reads files MLMD wrote (SQLite)', () => {
  let file: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ file, cleanup } = tempStoreFile());
  });
  afterEach(() => cleanup());

  it('opens a file only MLMD has written read-only, STRUCT and PROTO decoded (findings 2, 4)', async () => {
    const ids = await runPython<Written>('mlmd_write_store.py', { store: { sqlite: file } });
    const store = await openStore(`sqlite:${file}`, { readOnly: true });
    try {
      const dataset = await store.getArtifact({ externalId: 'mlmd-ds' });
      expect(dataset).toMatchObject({
        type: 'tfx.Examples',
        uri: 'gs://bucket/examples/1',
        state: 'LIVE',
        properties: { span: 1, split_names: { train: 0.8, eval: [1, 'x', null, true], nested: { k: 'v' } } },
        customProperties: { owner: 'ana', ratio: 0.25 },
      });
      const model = await store.getArtifact({ externalId: 'mlmd-model' });
      expect(model?.properties).toEqual({ signature: ['serving_default', 3] });
      expect(model?.customProperties).toEqual({
        accepted: true,
        opaque: { '@type': 'type.googleapis.com/ml_metadata.Artifact', value: ids.opaque_value },
      });
      const lineage = await store.getLineage({ start: { artifacts: { externalIds: ['mlmd-model'] } } });
      expect(lineage.artifacts.map((a) => a.externalId).sort()).toEqual(['mlmd-ds', 'mlmd-model']);
      expect(lineage.executions.map((e) => e.externalId)).toEqual(['mlmd-run']);
      const pipeline = await store.getContexts({ filter: "name = 'pipe-1'" });
      expect(pipeline.items.map((c) => c.id)).toEqual([ids.pipeline]);
      const steps = await store.getExecutions({ filter: "contexts_p.name = 'pipe-1'" });
      expect(steps.items.map((e) => e.externalId)).toEqual(['mlmd-run']);
      // mlmeta's extension tables are not there: the run simply has no metric series.
      expect(await store.getMetricKeys({ externalId: 'mlmd-run' })).toEqual([]);
    } finally {
      await store.close();
    }
    // Nothing was written: MLMD's file has no mlmeta table.
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'mlmeta_%'").all()).toEqual([]);
    db.close();
  });

  it('adopts a file holding a duplicate simple type, as MLMD reads it (finding 4)', async () => {
    await runPython('mlmd_write_store.py', { store: { sqlite: file } });
    // What MLMD's init race leaves behind: the same type twice, nodes on both copies.
    const db = new Database(file);
    const copy = db
      .prepare("INSERT INTO Type (name, type_kind) SELECT name, type_kind FROM Type WHERE name = 'tfx.Model'")
      .run().lastInsertRowid;
    db.prepare(
      "INSERT INTO Artifact (type_id, uri, external_id) VALUES (?, 'gs://bucket/model/2', 'on-copy')",
    ).run(copy);
    db.close();

    const store = await openStore(`sqlite:${file}`);
    try {
      expect((await store.getArtifact({ externalId: 'on-copy' }))?.type).toBe('tfx.Model');
      await store.putLineage({
        artifacts: [{ type: 'tfx.Model', externalId: 'by-mlmeta', uri: 'file:///m' }],
      });
      // The race stays closed for new declarations.
      await store.putTypes([{ kind: 'artifact', name: 'tfx.Model', properties: { signature: 'PROTO' } }]);
      const models = await store.getArtifacts({ type: 'tfx.Model' });
      expect(models.items.map((a) => a.externalId).sort()).toEqual(['by-mlmeta', 'mlmd-model', 'on-copy']);
    } finally {
      await store.close();
    }
    const dump = await mlmdDump({ sqlite: file });
    expect(byExternalId(dump.artifacts, 'by-mlmeta').type).toBe('tfx.Model');
  });

  it('migrates values an older mlmeta tagged into the encodings MLMD reads', async () => {
    const driver = await openSqliteDriver(file);
    await migrate(driver, 3);
    await driver.close();
    const db = new Database(file);
    const typeId = (db.prepare("SELECT id FROM Type WHERE name = 'mlmd.Model'").get() as { id: number }).id;
    const id = db
      .prepare("INSERT INTO Artifact (type_id, external_id) VALUES (?, 'old')")
      .run(typeId).lastInsertRowid;
    const put = db.prepare(
      'INSERT INTO ArtifactProperty (artifact_id, name, is_custom_property, string_value, byte_value) VALUES (?, ?, 1, ?, ?)',
    );
    put.run(id, 'summary', '{"layers":3}', Buffer.from('mlmeta:json'));
    put.run(id, 'loss', null, Buffer.from('mlmeta:nan'));
    // Tagged once, then overwritten by MLMD in place: the tag is stale.
    put.run(id, 'note', 'written by MLMD', Buffer.from('mlmeta:json'));
    db.close();

    // Read-only, the file stays at version 3 and the tags are read as they are.
    const reader = await openStore(`sqlite:${file}`, { readOnly: true });
    try {
      const tagged = await reader.getArtifact({ externalId: 'old' });
      expect(tagged?.customProperties).toEqual({
        summary: { layers: 3 },
        loss: Number.NaN,
        note: 'written by MLMD',
      });
    } finally {
      await reader.close();
    }

    await (await openStore(`sqlite:${file}`)).close();
    const old = byExternalId((await mlmdDump({ sqlite: file })).artifacts, 'old');
    expect(old.custom_properties).toEqual({
      summary: { STRUCT: { layers: 3 } },
      loss: { DOUBLE: 'NaN' },
      note: { STRING: 'written by MLMD' },
    });
  });
});
