/**
 * PostgreSQL-specific behaviour: URIs and schemas, schema versions, read-only opening, an
 * unreachable server, and many real processes creating and writing one new schema at once.
 */
import { spawn } from 'node:child_process';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type MetadataStore, MlmetaError, openStore } from '@mlmeta/core';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parsePostgresUri } from '../../src/store/postgres/postgres-uri.js';
import { LATEST_SCHEMA_VERSION } from '../../src/store/sql/schema.js';
import { POSTGRES_URL, probePostgres, testSchema, withSchema } from '../support/postgres.js';

const probe = await probePostgres('PostgreSQL store tests');

async function expectCode(promise: Promise<unknown>, code: string, message: RegExp): Promise<MlmetaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MlmetaError);
  expect((error as MlmetaError).code).toBe(code);
  expect((error as MlmetaError).message).toMatch(message);
  return error as MlmetaError;
}

async function sql<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

describe('postgres store URIs', () => {
  it('turns ?schema= into a search_path option and keeps other parameters', () => {
    const target = parsePostgresUri('postgres://u:p@db:5432/ml?schema=Team_A&application_name=x');
    expect(target.schema).toBe('team_a');
    const url = new URL(target.connectionString);
    expect(url.searchParams.get('schema')).toBeNull();
    expect(url.searchParams.get('application_name')).toBe('x');
    expect(url.searchParams.get('options')).toBe('-c search_path=Team_A');
    expect(url.password).toBe('p');
  });

  it('leaves a URI without ?schema= untouched', () => {
    const uri = 'postgresql://u@db/ml?options=-csearch_path%3Dother';
    expect(parsePostgresUri(uri)).toEqual({ connectionString: uri });
  });

  it('rejects a schema that is not a plain identifier, naming what to write', () => {
    expect(() => parsePostgresUri('postgres://db/ml?schema=a;drop')).toThrow(/plain SQL identifier/);
  });
});

describe.skipIf(probe.skip)('postgres store against a real server', () => {
  const schemas: ReturnType<typeof testSchema>[] = [];
  const stores: MetadataStore[] = [];
  const fresh = () => {
    const schema = testSchema('pgstore');
    schemas.push(schema);
    return schema;
  };
  const open = async (uri: string, options?: { readOnly?: boolean }) => {
    const store = await openStore(uri, options);
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    for (const schema of schemas) await schema.drop();
  }, 60_000);

  it('creates the ?schema= schema with the MLMD v10 tables and its version rows', async () => {
    const schema = fresh();
    await open(schema.uri);
    const tables = await sql<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema.name],
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining([
        'artifact',
        'event',
        'eventpath',
        'mlmdenv',
        'mlmeta_metric_block',
        'mlmeta_metric_point',
        'type',
      ]),
    );
    expect(await sql(`SELECT schema_version FROM ${schema.name}.mlmdenv`)).toEqual([{ schema_version: 10 }]);
    expect(await sql(`SELECT component, version FROM ${schema.name}.mlmeta_schema`)).toEqual([
      { component: 'mlmeta', version: LATEST_SCHEMA_VERSION },
    ]);
  });

  it('migrates a version-2 schema: the metric rollup is built from the points it holds', async () => {
    const schema = fresh();
    const store = await openStore(schema.uri);
    const run = await store.putLineage({
      types: [{ kind: 'execution', name: 'test.Train' }],
      executions: [{ type: 'test.Train', externalId: 'old-run' }],
    });
    const value = (step: number) => (step === 777 ? 99 : step === 10 ? Number.NaN : step % 10);
    await store.appendMetrics(
      Array.from({ length: 1000 }, (_, step) => ({
        execution: { id: run.executionIds[0]! },
        key: 'loss',
        step,
        value: value(step),
        wallTime: step,
      })),
    );
    await store.close();
    // What an mlmeta of schema version 2 leaves: the points, no rollup, no membership indexes.
    await sql(`DROP TABLE ${schema.name}.mlmeta_metric_block`);
    await sql(`DROP INDEX ${schema.name}.idx_mlmeta_association_execution_id`);
    await sql(`UPDATE ${schema.name}.mlmeta_schema SET version = 2`);

    const reopened = await open(schema.uri);
    expect(await reopened.getMetricKeys({ externalId: 'old-run' })).toEqual([
      { key: 'loss', count: 1000, minStep: 0, maxStep: 999, lastValue: 9 },
    ]);
    const series = await reopened.getMetrics({
      execution: { externalId: 'old-run' },
      key: 'loss',
      maxPoints: 2,
    });
    expect(series.points.map((p) => [p.step, p.min, p.max])).toEqual([
      [511, 0, 9],
      [999, 0, 99],
    ]);
    const indexes = await sql<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'idx_mlmeta_a%' ORDER BY indexname",
      [schema.name],
    );
    expect(indexes.map((i) => i.indexname)).toEqual([
      'idx_mlmeta_association_execution_id',
      'idx_mlmeta_attribution_artifact_id',
    ]);
  });

  it('honours options=-csearch_path=... for a schema that exists', async () => {
    const schema = fresh();
    await sql(`CREATE SCHEMA ${schema.name}`);
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('options', `-csearch_path=${schema.name}`);
    const store = await open(url.toString());
    await store.putLineage({
      types: [{ kind: 'artifact', name: 'opt.Dataset' }],
      artifacts: [{ type: 'opt.Dataset', externalId: 'd1' }],
    });
    expect(await sql(`SELECT external_id FROM ${schema.name}.artifact`)).toEqual([{ external_id: 'd1' }]);
  });

  it('refuses a search_path that names no existing schema, saying what to do', async () => {
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('options', '-csearch_path=mlmeta_no_such_schema');
    await expectCode(openStore(url.toString()), 'FAILED_PRECONDITION', /names no existing schema.*\?schema=/);
  });

  it('refuses a schema written by a newer mlmeta, naming the version needed', async () => {
    const schema = fresh();
    await (await openStore(schema.uri)).close();
    await sql(`UPDATE ${schema.name}.mlmeta_schema SET version = 99, written_by = '7.1.0'`);
    await expectCode(
      openStore(schema.uri),
      'FAILED_PRECONDITION',
      /schema version 99.*@mlmeta\/core 7\.1\.0 or later/,
    );
  });

  it('opens read-only without writing, and refuses writes', async () => {
    const schema = fresh();
    await (await openStore(schema.uri)).close();
    const store = await open(schema.uri, { readOnly: true });
    expect((await store.getArtifacts()).items).toEqual([]);
    await expectCode(
      store.putTypes([{ kind: 'artifact', name: 'ro.Dataset' }]),
      'PERMISSION_DENIED',
      /read-only/,
    );
    await expectCode(
      openStore(withSchema(POSTGRES_URL, 'mlmeta_missing_ro'), { readOnly: true }),
      'FAILED_PRECONDITION',
      /names no existing schema/,
    );
  });

  it('reports an unreachable server as UNAVAILABLE without the password', async () => {
    const error = await expectCode(
      openStore('postgres://postgres:hunter2@127.0.0.1:1/test'),
      'UNAVAILABLE',
      /cannot reach PostgreSQL at postgres:\/\/\*\*\*@127\.0\.0\.1:1\/test.*server is running/,
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('reports a server that goes away after opening as UNAVAILABLE (so the writer spools), then recovers', async () => {
    // A TCP relay in front of the real server stands in for a network or server outage.
    const target = new URL(POSTGRES_URL);
    const sockets = new Set<Socket>();
    const relay = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => s.destroy());
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    const listen = (port: number) => new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
    await listen(0);
    const port = (relay.address() as AddressInfo).port;
    const schema = fresh();
    const relayed = new URL(schema.uri);
    relayed.host = `127.0.0.1:${port}`;
    const store = await open(relayed.toString());
    await store.putTypes([{ kind: 'artifact', name: 'gone.Dataset' }]);

    await new Promise((resolve) => {
      relay.close(resolve);
      for (const s of sockets) s.destroy();
    });
    await expectCode(store.getTypes(), 'UNAVAILABLE', /cannot reach PostgreSQL at .*:\d+/);
    await expectCode(
      store.putLineage({ artifacts: [{ type: 'gone.Dataset', externalId: 'x' }] }),
      'UNAVAILABLE',
      /server is running/,
    );

    await listen(port);
    expect((await store.getTypes()).map((t) => t.name)).toEqual(['gone.Dataset']);
    await new Promise((resolve) => {
      relay.close(resolve);
      for (const s of sockets) s.destroy();
    });
  });

  it('bulk-appends metrics in chunks; a step repeated within one call keeps its last value', async () => {
    const schema = fresh();
    const store = await open(schema.uri);
    await store.putLineage({
      types: [{ kind: 'execution', name: 'bulk.Train' }],
      executions: [{ type: 'bulk.Train', externalId: 'bulk-run' }],
    });
    const execution = { externalId: 'bulk-run' };
    const count = 45_001; // more than two chunks
    const points = Array.from({ length: count }, (_, step) => ({
      execution,
      key: 'loss',
      step,
      value: step === 7 ? Number.NaN : step / 2,
      wallTime: 1000 + step,
    }));
    points.push({ execution, key: 'loss', step: 3, value: Number.NEGATIVE_INFINITY, wallTime: 9 });
    await store.appendMetrics(points);
    const series = await store.getMetrics({ execution, key: 'loss', fromStep: 2, toStep: 8 });
    expect(series.points.map((p) => p.value)).toEqual([
      1,
      Number.NEGATIVE_INFINITY,
      2,
      2.5,
      3,
      Number.NaN,
      4,
    ]);
    expect(series.points[1]!.wallTime).toBe(9);
    const [summary] = await store.getMetricKeys(execution);
    expect(summary).toEqual({
      key: 'loss',
      count,
      minStep: 0,
      maxStep: count - 1,
      lastValue: (count - 1) / 2,
    });
    // Stored as in SQLite: NaN as NULL plus a flag, infinities as themselves plus a flag.
    expect(
      await sql(
        `SELECT step, value, flags FROM ${schema.name}.mlmeta_metric_point WHERE step IN (3, 7) ORDER BY step`,
      ),
    ).toEqual([
      { step: '3', value: Number.NEGATIVE_INFINITY, flags: 4 },
      { step: '7', value: null, flags: 1 },
    ]);
  });

  it('several processes creating and writing one new schema at once: no error, nothing lost, no duplicates', async () => {
    const schema = fresh();
    const fixture = fileURLToPath(new URL('./fixtures/writer-process.mjs', import.meta.url));
    const workers = 4;
    const batches = 15;
    const results = await Promise.all(
      Array.from(
        { length: workers },
        (_, worker) =>
          new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const child = spawn(process.execPath, [fixture, schema.uri, String(worker), String(batches)], {
              stdio: ['ignore', 'ignore', 'pipe'],
            });
            let stderr = '';
            child.stderr.on('data', (chunk) => {
              stderr += chunk;
            });
            child.on('close', (code) => resolve({ code, stderr }));
          }),
      ),
    );
    for (const result of results) expect(result, result.stderr).toEqual({ code: 0, stderr: '' });
    const store = await open(schema.uri, { readOnly: true });
    expect((await store.getArtifacts({ limit: 1000 })).items).toHaveLength(workers * batches + 1);
    expect((await store.getExecutions({ limit: 1000 })).items).toHaveLength(workers * batches);
    const contexts = (await store.getContexts()).items;
    expect(contexts).toHaveLength(1);
    expect(await store.getAssociations({ contextIds: [contexts[0]!.id] })).toHaveLength(workers * batches);
    const shared = await store.getArtifact({ externalId: 'shared-dataset' });
    expect(await store.getEvents({ artifactIds: [shared!.id] })).toHaveLength(workers * batches);
    expect((await store.getTypes()).map((t) => t.name).sort()).toEqual([
      'mp.Dataset',
      'mp.Experiment',
      'mp.Train',
    ]);
    const run = await store.getExecution({ externalId: `run-${workers - 1}-${batches - 1}` });
    expect((await store.getMetrics({ execution: { id: run!.id }, key: 'loss' })).total).toBe(50);
    expect(await sql(`SELECT count(*)::int AS n FROM ${schema.name}.mlmeta_schema`)).toEqual([{ n: 1 }]);
  }, 120_000);
});
