/**
 * PostgreSQL's bulk metric path: calls of at least COPY_MIN_ROWS new points go in by COPY,
 * others (and any call touching stored keys) by upsert. Both must store exactly what SQLite
 * stores (NaN as NULL + flag, ±Infinity kept and flagged), and replays, overlaps, duplicates
 * within a call and concurrent writers of the same new keys must overwrite, never duplicate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MetadataStore, type MetricPoint, openStore } from '@mlmeta/core';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COPY_MIN_ROWS } from '../../src/store/postgres/postgres-copy.js';
import { trainBatch } from '../conformance/fixtures.js';
import { POSTGRES_URL, probePostgres, testSchema } from '../support/postgres.js';

const SPECIAL = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0,
  -0.5,
  1e-300,
  1.7976931348623157e308,
];
const COUNT = COPY_MIN_ROWS * 3;

/** `count` points of key `loss` from `firstStep`; values cycle through SPECIAL and ordinary numbers. */
function points(firstStep: number, count: number, offset = 0): MetricPoint[] {
  return Array.from({ length: count }, (_, i) => ({
    execution: { externalId: 'run' },
    key: 'loss',
    step: firstStep + i,
    value: i % 10 < SPECIAL.length ? SPECIAL[i % 10]! : (i + offset) / 7,
    wallTime: 1_700_000_000_000 + i,
  }));
}

const probe = await probePostgres('bulk metric ingest');
const schema = testSchema('ingest');
const dir = mkdtempSync(join(tmpdir(), 'mlmeta-ingest-'));
let n = 0;

describe.skipIf(probe.skip)('appendMetrics on PostgreSQL (COPY and upsert paths)', () => {
  let postgres: MetadataStore;
  let sqlite: MetadataStore;
  let admin: pg.Client;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
  });
  beforeEach(async () => {
    await postgres?.close();
    await sqlite?.close();
    postgres = await openStore(await schema.fresh());
    sqlite = await openStore(`sqlite:${join(dir, `store-${++n}.db`)}`);
    for (const store of [postgres, sqlite]) await store.putLineage(trainBatch());
  }, 60_000);
  afterAll(async () => {
    await postgres?.close();
    await sqlite?.close();
    await admin?.end();
    await schema.drop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** Both stores after the same calls: the full series, as read back. */
  async function both(calls: MetricPoint[][]) {
    for (const call of calls) {
      await postgres.appendMetrics(call);
      await sqlite.appendMetrics(call);
    }
    const read = (store: MetadataStore) =>
      store.getMetrics({ execution: { externalId: 'run' }, key: 'loss' });
    return { pg: await read(postgres), sqlite: await read(sqlite) };
  }

  it('stores NaN and ±Infinity exactly as SQLite does, in the raw rows too', async () => {
    const { pg: got, sqlite: expected } = await both([points(0, COUNT)]);
    expect(got.total).toBe(COUNT);
    expect(got.points).toEqual(expected.points);
    expect(got.points[0]?.value).toBeNaN();
    expect(got.points[1]?.value).toBe(Number.POSITIVE_INFINITY);
    expect(got.points[2]?.value).toBe(Number.NEGATIVE_INFINITY);
    const { rows } = await admin.query(
      `SELECT step, value, flags FROM ${schema.name}.mlmeta_metric_point WHERE step < 3 ORDER BY step`,
    );
    expect(rows.map((r) => [Number(r.step), r.value, Number(r.flags)])).toEqual([
      [0, null, 1],
      [1, Number.POSITIVE_INFINITY, 2],
      [2, Number.NEGATIVE_INFINITY, 4],
    ]);
  });

  it('a replayed call overwrites, and an overlapping one adds only its new steps', async () => {
    const { pg: got, sqlite: expected } = await both([
      points(0, COUNT),
      points(0, COUNT, 1),
      points(COUNT / 2, COUNT, 2),
    ]);
    expect(got.total).toBe(COUNT + COUNT / 2);
    expect(got.points).toEqual(expected.points);
    expect(got.points[COUNT - 1]?.value).toBe((COUNT / 2 - 1 + 2) / 7);
  });

  it('keeps the last point of a step repeated within one call', async () => {
    const call = [...points(0, COUNT), { ...points(5, 1)[0]!, value: 42 }];
    const { pg: got, sqlite: expected } = await both([call]);
    expect(got.total).toBe(COUNT);
    expect(got.points[5]?.value).toBe(42);
    expect(got.points).toEqual(expected.points);
  });

  it('two stores appending the same new steps at once store each step once', async () => {
    const other = await openStore(schema.uri);
    try {
      await Promise.all([postgres.appendMetrics(points(0, COUNT)), other.appendMetrics(points(0, COUNT, 3))]);
    } finally {
      await other.close();
    }
    const series = await postgres.getMetrics({ execution: { externalId: 'run' }, key: 'loss' });
    expect(series.total).toBe(COUNT);
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${schema.name}.mlmeta_metric_point`);
    expect(rows[0].n).toBe(COUNT);
  });
});
