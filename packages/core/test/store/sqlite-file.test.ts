/** SQLite-specific behaviour: the file layout, schema versions, read-only opening, many processes. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, SchemaVersionError } from '@mlmeta/core';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/sql/migrate.js';
import { LATEST_SCHEMA_VERSION } from '../../src/store/sql/schema.js';
import { openSqliteDriver } from '../../src/store/sqlite/sqlite-driver.js';
import { expectError, trainBatch } from '../conformance/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-sqlite-file-'));
let n = 0;
const freshPath = () => join(dir, `file-${++n}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function raw(path: string) {
  return new Database(path);
}

describe('SQLite file', () => {
  it('has MLMD v10 tables and columns, WAL mode, and its own version row', async () => {
    const path = freshPath();
    const store = await openStore(`sqlite:${path}`);
    await store.putLineage(trainBatch());
    await store.close();
    const db = raw(path);
    const columns = (table: string) =>
      db
        .prepare(`PRAGMA table_info(${table})`)
        .all()
        .map((c: any) => c.name);
    expect(columns('Artifact')).toEqual([
      'id',
      'type_id',
      'uri',
      'state',
      'name',
      'external_id',
      'create_time_since_epoch',
      'last_update_time_since_epoch',
    ]);
    expect(columns('ArtifactProperty')).toEqual([
      'artifact_id',
      'name',
      'is_custom_property',
      'int_value',
      'double_value',
      'string_value',
      'byte_value',
      'proto_value',
      'bool_value',
    ]);
    expect(columns('Type')).toEqual([
      'id',
      'name',
      'version',
      'type_kind',
      'description',
      'input_type',
      'output_type',
      'external_id',
    ]);
    for (const table of [
      'TypeProperty',
      'ParentType',
      'EventPath',
      'Attribution',
      'Association',
      'ParentContext',
    ]) {
      expect(columns(table).length).toBeGreaterThan(0);
    }
    expect(db.prepare('SELECT schema_version FROM MLMDEnv').all()).toEqual([{ schema_version: 10 }]);
    expect(db.prepare("SELECT version FROM mlmeta_schema WHERE component = 'mlmeta'").get()).toEqual({
      version: LATEST_SCHEMA_VERSION,
    });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    // Base types as MLMD stores them: system Type rows linked through ParentType.
    expect(
      db
        .prepare(
          "SELECT b.name FROM Type t JOIN ParentType p ON p.type_id = t.id JOIN Type b ON b.id = p.parent_type_id WHERE t.name = 'test.Model'",
        )
        .all(),
    ).toEqual([{ name: 'mlmd.Model' }]);
    // STRUCT values are MLMD's: "mlmd-struct::" + base64(google.protobuf.Struct); booleans are 0/1.
    const summary = db
      .prepare("SELECT string_value, bool_value, byte_value FROM ArtifactProperty WHERE name = 'summary'")
      .get() as { string_value: string };
    expect(summary).toMatchObject({ bool_value: null, byte_value: null });
    expect(summary.string_value).toMatch(/^mlmd-struct::[A-Za-z0-9+/]+=*$/);
    expect(db.prepare("SELECT bool_value FROM ArtifactProperty WHERE name = 'frozen'").get()).toEqual({
      bool_value: 0,
    });
    db.close();
  });

  it('reads values another client stored in other storage classes (text as a blob, a node name too, a PROTO as raw bytes)', async () => {
    // SQLite keeps any storage class in any column; nodes are read through SQLite's JSON
    // functions, which refuse a blob, so such a value must not fail the whole read.
    const path = freshPath();
    const store = await openStore(`sqlite:${path}`);
    await store.putLineage(trainBatch());
    await store.close();
    const db = raw(path);
    const id = (db.prepare("SELECT id FROM Execution WHERE external_id = 'run'").get() as { id: number }).id;
    const put = db.prepare(
      'INSERT INTO ExecutionProperty (execution_id, name, is_custom_property, string_value, proto_value) VALUES (?, ?, 1, ?, ?)',
    );
    put.run(id, 'blobText', Buffer.from('é as bytes'), null);
    // A node's own text columns too: a node crosses into JavaScript as one JSON array.
    db.prepare('UPDATE Execution SET name = ? WHERE id = ?').run(Buffer.from('ré name'), id);
    // google.protobuf.Any { type_url: "type.googleapis.com/x.Y", value: 0x01 0xff }, not base64.
    const typeUrl = Buffer.from('type.googleapis.com/x.Y');
    put.run(
      id,
      'rawProto',
      null,
      Buffer.concat([Buffer.from([0x0a, typeUrl.length]), typeUrl, Buffer.from([0x12, 2, 1, 255])]),
    );
    db.close();
    const reader = await openStore(`sqlite:${path}`, { readOnly: true });
    try {
      const run = await reader.getExecution({ externalId: 'run' });
      expect(run?.name).toBe('ré name');
      expect(run?.customProperties).toEqual({
        blobText: 'é as bytes',
        rawProto: { '@type': 'type.googleapis.com/x.Y', value: Buffer.from([1, 255]).toString('base64') },
      });
    } finally {
      await reader.close();
    }
  });

  it('keeps a 32 MiB page cache for lineage reads, a smaller one when asked (the tracker writer)', async () => {
    const path = freshPath();
    const cacheKiB = async (pageCacheKiB?: number) => {
      const driver = await openSqliteDriver(path, { pageCacheKiB });
      try {
        return -Number((await driver.get('PRAGMA cache_size'))!.cache_size);
      } finally {
        await driver.close();
      }
    };
    expect(await cacheKiB()).toBe(32 * 1024);
    expect(await cacheKiB(4096)).toBe(4096);
  });

  it('refuses a file written by a newer mlmeta, naming the version needed', async () => {
    const path = freshPath();
    await (await openStore(`sqlite:${path}`)).close();
    const db = raw(path);
    db.prepare(
      "UPDATE mlmeta_schema SET version = 99, written_by = '9.9.9' WHERE component = 'mlmeta'",
    ).run();
    db.close();
    const error = await expectError(
      openStore(`sqlite:${path}`),
      'FAILED_PRECONDITION',
      /@mlmeta\/core 9\.9\.9 or later/,
    );
    expect(error).toBeInstanceOf(SchemaVersionError);
    await expectError(openStore(`sqlite:${path}`, { readOnly: true }), 'FAILED_PRECONDITION', /version 99/);
  });

  it('refuses an MLMD file of another MLMD schema version', async () => {
    const path = freshPath();
    await (await openStore(`sqlite:${path}`)).close();
    const db = raw(path);
    db.prepare('UPDATE MLMDEnv SET schema_version = 9').run();
    db.close();
    await expectError(openStore(`sqlite:${path}`), 'FAILED_PRECONDITION', /MLMD schema version 9/);
  });

  it('migrates a file left by an older mlmeta, keeping its records', async () => {
    const path = freshPath();
    const driver = await openSqliteDriver(path);
    await migrate(driver, 1);
    await driver.close();
    const before = raw(path);
    expect(
      before.prepare("SELECT name FROM sqlite_master WHERE name = 'mlmeta_metric_point'").get(),
    ).toBeUndefined();
    before.close();

    const store = await openStore(`sqlite:${path}`);
    const { executionIds } = await store.putLineage(trainBatch());
    await store.appendMetrics([
      { execution: { id: executionIds[0]! }, key: 'loss', step: 0, value: 1, wallTime: 0 },
    ]);
    expect((await store.getMetricKeys({ id: executionIds[0]! }))[0]?.count).toBe(1);
    await store.close();
    const after = raw(path);
    expect(after.prepare("SELECT version FROM mlmeta_schema WHERE component = 'mlmeta'").get()).toEqual({
      version: LATEST_SCHEMA_VERSION,
    });
    after.close();
  });

  it('migrates a version-2 file: the metric rollup is built from the points it holds', async () => {
    const path = freshPath();
    const driver = await openSqliteDriver(path);
    await migrate(driver, 2);
    await driver.close();
    const before = raw(path);
    const typeId = before.prepare("SELECT id FROM Type WHERE name = 'mlmd.Train'").get() as { id: number };
    const execution = before
      .prepare("INSERT INTO Execution (type_id, name, external_id) VALUES (?, 'old-run', 'old-run')")
      .run(typeId.id).lastInsertRowid;
    const keyId = before
      .prepare("INSERT INTO mlmeta_metric_key (execution_id, name) VALUES (?, 'loss')")
      .run(execution).lastInsertRowid;
    const value = (step: number) => (step === 777 ? 99 : step % 10);
    const insert = before.prepare(
      'INSERT INTO mlmeta_metric_point (key_id, step, value, wall_time, flags) VALUES (?, ?, ?, ?, 0)',
    );
    for (let step = 0; step < 1000; step++) insert.run(keyId, step, value(step), step);
    before.close();

    const store = await openStore(`sqlite:${path}`);
    expect(await store.getMetricKeys({ externalId: 'old-run' })).toEqual([
      { key: 'loss', count: 1000, minStep: 0, maxStep: 999, lastValue: 9 },
    ]);
    // 1,000 steps in 2 points: buckets of whole 256-step blocks, merged from the rollup.
    const series = await store.getMetrics({
      execution: { externalId: 'old-run' },
      key: 'loss',
      maxPoints: 2,
    });
    expect(series.points.map((p) => [p.step, p.min, p.max])).toEqual([
      [511, 0, 9],
      [999, 0, 99],
    ]);
    await store.close();
    const after = raw(path);
    const indexes = after
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_mlmeta_%' ORDER BY name",
      )
      .all();
    expect(indexes).toEqual(
      expect.arrayContaining([
        { name: 'idx_mlmeta_association_execution_id' },
        { name: 'idx_mlmeta_attribution_artifact_id' },
      ]),
    );
    expect(after.prepare('SELECT COUNT(*) AS n FROM mlmeta_metric_block').get()).toEqual({ n: 4 });
    after.close();
  });

  it('opens read-only: reads work, writes are refused, a missing file is NOT_FOUND', async () => {
    const path = freshPath();
    const writer = await openStore(`sqlite:${path}`);
    await writer.putLineage(trainBatch());
    await writer.close();
    const reader = await openStore(`sqlite:${path}`, { readOnly: true });
    expect((await reader.getArtifacts()).items).toHaveLength(2);
    await expectError(reader.putLineage(trainBatch('x')), 'PERMISSION_DENIED', /read-only/);
    await reader.close();
    await expectError(openStore(`sqlite:${join(dir, 'missing.db')}`, { readOnly: true }), 'NOT_FOUND');
    expect(existsSync(join(dir, 'missing.db'))).toBe(false);
  });

  it('a damaged file, found at open or in the middle of a read, is named in the error', async () => {
    const garbage = freshPath();
    writeFileSync(garbage, randomBytes(8192));
    await expectError(
      openStore(`sqlite:${garbage}`),
      'FAILED_PRECONDITION',
      new RegExp(`"${garbage}" is damaged`),
    );

    const path = freshPath();
    const writer = await openStore(`sqlite:${path}`);
    for (let i = 0; i < 20; i++) await writer.putLineage(trainBatch(`b${i}`));
    await writer.close();
    // Pages in the middle of the file overwritten: the header still says SQLite.
    const bytes = readFileSync(path);
    randomBytes(bytes.length / 2).copy(bytes, Math.floor(bytes.length / 4));
    writeFileSync(path, bytes);
    const read = async () => {
      const store = await openStore(`sqlite:${path}`, { readOnly: true });
      try {
        await store.getArtifacts({ limit: 1000 });
        await store.getExecutions({ limit: 1000 });
      } finally {
        await store.close();
      }
    };
    await expectError(
      read(),
      'FAILED_PRECONDITION',
      new RegExp(`"${path}" is damaged .*PRAGMA integrity_check`),
    );
  });

  it('refuses calls after close with a clear error', async () => {
    const store = await openStore(`sqlite:${freshPath()}`);
    await store.close();
    await expectError(store.getArtifacts(), 'FAILED_PRECONDITION', /closed/);
  });

  it('several processes creating and writing one new file at once: no error, nothing lost', async () => {
    const path = freshPath();
    const fixture = fileURLToPath(new URL('./fixtures/writer-process.mjs', import.meta.url));
    const workers = 4;
    const batches = 25;
    const results = await Promise.all(
      Array.from(
        { length: workers },
        (_, worker) =>
          new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const child = spawn(
              process.execPath,
              [fixture, `sqlite:${path}`, String(worker), String(batches)],
              {
                stdio: ['ignore', 'ignore', 'pipe'],
              },
            );
            let stderr = '';
            child.stderr.on('data', (chunk) => {
              stderr += chunk;
            });
            child.on('close', (code) => resolve({ code, stderr }));
          }),
      ),
    );
    for (const result of results) expect(result, result.stderr).toEqual({ code: 0, stderr: '' });
    const store = await openStore(`sqlite:${path}`, { readOnly: true });
    expect((await store.getArtifacts({ limit: 1000 })).items).toHaveLength(workers * batches + 1);
    expect((await store.getExecutions({ limit: 1000 })).items).toHaveLength(workers * batches);
    const contexts = (await store.getContexts()).items;
    expect(contexts).toHaveLength(1);
    expect(await store.getAssociations({ contextIds: [contexts[0]!.id] })).toHaveLength(workers * batches);
    const shared = await store.getArtifact({ externalId: 'shared-dataset' });
    expect(await store.getEvents({ artifactIds: [shared!.id] })).toHaveLength(workers * batches);
    expect(await store.getTypes()).toHaveLength(3);
    const run = await store.getExecution({ externalId: `run-${workers - 1}-${batches - 1}` });
    expect((await store.getMetrics({ execution: { id: run!.id }, key: 'loss' })).total).toBe(50);
    await store.close();
  });
});
