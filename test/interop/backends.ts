/**
 * The two databases both clients share in the interop suites: a SQLite file, and a PostgreSQL
 * schema of its own. MLMD's PostgreSQL config has no schema field; libpq's PGOPTIONS sets its
 * search_path, which is how a team points MLMD at mlmeta's schema (or keep mlmeta in `public`).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { POSTGRES_URL, probePostgres, withSchema } from '../../packages/core/test/support/postgres.js';
import type { MlmdStore } from './helpers.js';
import { tempStoreFile } from './helpers.js';

export interface SharedStore {
  /** The URI mlmeta opens. */
  uri: string;
  /** Where MLMD's client connects, and the environment it needs for that. */
  mlmd: MlmdStore;
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  skip: boolean;
  fresh(): Promise<SharedStore>;
}

export const sqliteBackend: Backend = {
  name: 'sqlite',
  skip: false,
  async fresh() {
    const { file, cleanup } = tempStoreFile();
    return { uri: `sqlite:${file}`, mlmd: { sqlite: file }, env: {}, cleanup: async () => cleanup() };
  },
};

export async function postgresBackend(): Promise<Backend> {
  const probe = await probePostgres('MLMD interop');
  const url = new URL(POSTGRES_URL);
  return {
    name: 'postgres',
    skip: probe.skip,
    async fresh() {
      const schema = `mlmeta_interop_${randomBytes(4).toString('hex')}`;
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.end();
      return {
        uri: withSchema(POSTGRES_URL, schema),
        mlmd: {
          postgres: {
            host: url.hostname,
            port: Number(url.port || 5432),
            user: decodeURIComponent(url.username) || 'postgres',
            dbname: url.pathname.slice(1),
          },
        },
        env: { PGOPTIONS: `-c search_path=${schema}` },
        async cleanup() {
          const c = new pg.Client({ connectionString: POSTGRES_URL });
          await c.connect();
          await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await c.end();
        },
      };
    },
  };
}
