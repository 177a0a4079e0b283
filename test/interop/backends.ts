/**
 * The two databases both clients share in the interop suites: a SQLite file, and a PostgreSQL
 * database of its own (mlmeta in `public`, where MLMD's PostgreSQL config, which has no schema
 * field, finds it).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { POSTGRES_URL, probePostgres } from '../../packages/core/test/support/postgres.js';
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
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    skip: probe.skip,
    async fresh() {
      // A database per store: MLMD looks for its tables in the whole database, not the schema on
      // its search_path, so two MLMD stores in one database (these suites run in parallel) break.
      const database = `mlmeta_interop_${randomBytes(4).toString('hex')}`;
      await admin((client) => client.query(`CREATE DATABASE ${database}`));
      const own = new URL(POSTGRES_URL);
      own.pathname = `/${database}`;
      return {
        uri: own.href,
        mlmd: {
          postgres: {
            host: url.hostname,
            port: Number(url.port || 5432),
            user: decodeURIComponent(url.username) || 'postgres',
            dbname: database,
          },
        },
        env: {},
        async cleanup() {
          await admin((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
        },
      };
    },
  };
}
