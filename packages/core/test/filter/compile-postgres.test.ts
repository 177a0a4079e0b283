import { randomBytes } from 'node:crypto';
import { compileFilter, type FilterNodeKind, FilterSyntaxError, postgresDialect } from '@mlmeta/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePostgres } from '../support/postgres.js';
import { CASES, insertStatements, schemaStatements } from './fixture.js';

const probe = await probePostgres('filter tests');
const url = probe.url;
const skip = probe.skip;

const TABLE = { artifact: 'Artifact', execution: 'Execution', context: 'Context' } as const;

describe.skipIf(skip)('compileFilter on a real PostgreSQL database', () => {
  const client = new pg.Client({ connectionString: url });
  const schema = `mlmeta_filter_${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
    for (const statement of schemaStatements('postgres')) await client.query(statement);
    for (const { sql, params } of insertStatements('postgres', postgresDialect.placeholder)) {
      await client.query(sql, params);
    }
  });

  afterAll(async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await client.end();
  });

  const matching = async (filter: string, kind: FilterNodeKind): Promise<number[]> => {
    const { sql, params } = compileFilter(filter, kind, postgresDialect);
    const result = await client.query(`SELECT n.id FROM ${TABLE[kind]} n WHERE ${sql} ORDER BY n.id`, params);
    return result.rows.map((row: { id: number }) => row.id);
  };

  it.each(CASES)('$kind: $filter → $ids', async ({ filter, kind, ids }) => {
    expect(await matching(filter, kind)).toEqual(ids);
  });

  it('numbers placeholders from firstParamIndex after the statement’s own parameters', async () => {
    const { sql, params } = compileFilter(
      "properties.epochs >= 10 AND name LIKE 'model%'",
      'artifact',
      postgresDialect,
      3,
    );
    expect(sql).toContain('$3');
    expect(sql).not.toContain('$1');
    const result = await client.query(
      `SELECT n.id FROM Artifact n WHERE n.id >= $1 AND n.id <= $2 AND ${sql} ORDER BY n.id`,
      [4, 5, ...params],
    );
    expect(result.rows).toEqual([{ id: 4 }]);
  });

  it('keeps injection attempts inert and leaves the tables intact', async () => {
    expect(await matching("name = 'x\\'; DROP TABLE Artifact; --'", 'artifact')).toEqual([]);
    expect(await matching(`contexts.name = "exp1' OR '1'='1"`, 'artifact')).toEqual([]);
    // SQL-style doubled quotes are not an escape in the language: the attempt fails to parse.
    expect(() => compileFilter("name = 'a'' OR ''1''=''1'", 'artifact', postgresDialect)).toThrow(
      FilterSyntaxError,
    );
    const count = await client.query('SELECT count(*)::int AS n FROM Artifact');
    expect(count.rows).toEqual([{ n: 5 }]);
  });

  it('runs a 1,200-term OR chain', async () => {
    const filter = Array.from({ length: 1200 }, (_, i) => `id = ${i + 1}`).join(' OR ');
    expect(await matching(filter, 'artifact')).toEqual([1, 2, 3, 4, 5]);
  });

  it('orders text by code point whatever the database collation (COLLATE "C")', async () => {
    const { sql } = compileFilter("name < 'a'", 'artifact', postgresDialect);
    expect(sql).toContain('COLLATE "C"');
    expect(await matching("name < 'a'", 'artifact')).toEqual([2]);
  });
});
