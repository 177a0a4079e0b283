/**
 * The PostgreSQL server tests run against: `MLMETA_TEST_POSTGRES_URL` (default
 * postgres://postgres@127.0.0.1:5432/test). When it is unreachable, suites skip with a visible
 * message, unless `MLMETA_REQUIRE_POSTGRES=true` (CI), where they run and fail.
 *
 * @example
 * const pgTest = await probePostgres('store conformance');
 * describe.skipIf(pgTest.skip)('...', () => { ... });
 */
import { randomBytes } from 'node:crypto';
import { redactUri } from '@mlmeta/core';
import pg from 'pg';

export const POSTGRES_URL = process.env.MLMETA_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const POSTGRES_REQUIRED = process.env.MLMETA_REQUIRE_POSTGRES === 'true';

export interface PostgresProbe {
  url: string;
  /** True when the server is unreachable and not required: the suite should skip. */
  skip: boolean;
}

/** Connect once; on failure print why `what` is skipped (or leave it to fail when required). */
export async function probePostgres(what: string): Promise<PostgresProbe> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  let reason: string | undefined;
  try {
    await client.connect();
  } catch (error) {
    reason = (error as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
  const skip = reason !== undefined && !POSTGRES_REQUIRED;
  if (skip) {
    console.warn(
      `SKIPPED ${what} on PostgreSQL: ${redactUri(POSTGRES_URL)} is not reachable (${reason}). Set MLMETA_TEST_POSTGRES_URL, or MLMETA_REQUIRE_POSTGRES=true to fail instead.`,
    );
  }
  return { url: POSTGRES_URL, skip };
}

/** `url` with `?schema=` set (replacing any schema already there). */
export function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * One schema for one test file (`mlmeta_<label>_<random>`; mlmeta creates it on first open).
 * `fresh()` empties it and returns its URI: every table is truncated, including the schema
 * bookkeeping, so the next open migrates again over the existing tables. That gives each test an
 * empty store without creating ~50 catalog objects per test. `drop()` removes the schema.
 */
export function testSchema(label: string): {
  name: string;
  uri: string;
  fresh(): Promise<string>;
  drop(): Promise<void>;
} {
  const name = `mlmeta_${label}_${randomBytes(4).toString('hex')}`;
  const uri = withSchema(POSTGRES_URL, name);
  return {
    name,
    uri,
    async fresh() {
      await withClient(async (client) => {
        const { rows } = await client.query<{ table_name: string }>(
          'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
          [name],
        );
        if (rows.length === 0) return;
        const tables = rows.map((row) => `${name}.${row.table_name}`).join(', ');
        await client.query(`TRUNCATE ${tables} RESTART IDENTITY`);
      });
      return uri;
    },
    drop: () =>
      withClient(async (client) => void (await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`))),
  };
}
