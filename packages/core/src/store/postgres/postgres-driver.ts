/**
 * A node-postgres Pool behind the shared `SqlDriver` contract. Writes run SERIALIZABLE and are
 * retried a bounded number of times on serialization failures and deadlocks, so two processes
 * writing the same external ids at once neither duplicate a node nor fail; reads run in one
 * REPEATABLE READ READ ONLY transaction, so a lineage walk of forty queries sees one snapshot.
 */
import type pg from 'pg';
import { logger } from '../../log.js';
import { loadOptional } from '../../optional-module.js';
import { MlmetaError } from '../errors.js';
import { redactUri } from '../open.js';
import type { BulkUpsert, Row, SqlDriver, SqlExecutor } from '../sql/driver.js';
import { copyUpsert } from './postgres-copy.js';
import { postgresDialect } from './postgres-dialect.js';

/** How many times a write transaction is attempted when PostgreSQL asks for a retry. */
export const WRITE_ATTEMPTS = 8;
/** How long opening a connection may take before the store counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** SQLSTATEs after which running the same transaction again can succeed. */
const RETRYABLE = new Set(['40001', '40P01']);

/** Socket errors and SQLSTATEs that mean "the server is not there (now)", not "your data is wrong". */
function isConnectionError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE)$/.test(code))
    return true;
  // Class 08 connection exceptions; 57P01-57P03 shutdown / cannot connect now; 53300 too many connections.
  if (/^(08...|57P0[123]|53300)$/.test(code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|timeout expired|connect ETIMEDOUT|Client has encountered a connection error/i.test(
    message,
  );
}

/** Sleep before retry `attempt` (1-based): a few ms, doubling, jittered so retries spread out. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Statement names per SQL text, so that each pooled connection parses a statement once and then
 * only binds and executes it (a write batch runs ~35 small statements; parsing was a large part
 * of each). Only writes and `SELECT id`-style reads are named: a `SELECT *` prepared before another
 * process migrates the schema would fail with "cached plan must not change result type". The
 * cap bounds the server-side statements a connection holds when texts vary (filters).
 */
const STATEMENT_NAMES = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 1000;
const NAMEABLE = /^\s*(INSERT|UPDATE|DELETE|SELECT (?!\*|n\.\*))/i;

function statement(sql: string, values: readonly unknown[]): pg.QueryConfig {
  if (!NAMEABLE.test(sql)) return { text: sql, values: values as unknown[] };
  let name = STATEMENT_NAMES.get(sql);
  if (name === undefined) {
    if (STATEMENT_NAMES.size >= MAX_NAMED_STATEMENTS) return { text: sql, values: values as unknown[] };
    name = `mlmeta_${STATEMENT_NAMES.size}`;
    STATEMENT_NAMES.set(sql, name);
  }
  return { name, text: sql, values: values as unknown[] };
}

/** One checked-out client as a `SqlExecutor`. */
class PostgresConnection implements SqlExecutor {
  readonly dialect = postgresDialect;
  constructor(private readonly client: pg.PoolClient) {}

  async all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.client.query(statement(sql, params))).rows as Row[];
  }

  async get(sql: string, params: readonly unknown[] = []): Promise<Row | undefined> {
    return (await this.all(sql, params))[0];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.client.query(statement(sql, params))).rowCount ?? 0;
  }

  async runMany(sql: string, rows: readonly (readonly unknown[])[]): Promise<void> {
    for (const row of rows) await this.client.query(statement(sql, row));
  }

  upsertMany(spec: BulkUpsert, rows: readonly (readonly unknown[])[]): Promise<void> {
    return copyUpsert(this.client, spec, rows);
  }

  async exec(script: string): Promise<void> {
    // The simple-query protocol (no parameters) accepts several statements in one string.
    await this.client.query(script);
  }
}

export interface PostgresDriverOptions {
  readOnly?: boolean;
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = postgresDialect;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    /** The URI with credentials removed, for messages. */
    readonly safeUri: string,
    readonly readOnly: boolean,
  ) {}

  /** Turn driver errors into typed errors: unreachable → UNAVAILABLE (the writer spools those). */
  private unavailable(error: unknown): unknown {
    if (this.closed) return new MlmetaError('FAILED_PRECONDITION', 'the store is closed; open it again');
    if (!isConnectionError(error)) return error;
    return new MlmetaError(
      'UNAVAILABLE',
      `cannot reach PostgreSQL at ${this.safeUri}: ${(error as Error).message}; check that the server is running and the URI is right`,
      { cause: error },
    );
  }

  private async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new MlmetaError('FAILED_PRECONDITION', 'the store is closed; open it again');
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.unavailable(error);
    }
    // The pool listens for errors on idle clients only; a checked-out client whose connection
    // drops between two queries would otherwise emit an unhandled 'error' and crash the process.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      return await fn(client);
    } catch (error) {
      if (isConnectionError(error)) broken ??= error as Error;
      throw this.unavailable(broken ?? error);
    } finally {
      // A client whose connection failed must not go back into the pool.
      client.release(broken);
      client.removeListener('error', onError);
    }
  }

  private pooledCall<T>(fn: (db: SqlExecutor) => Promise<T>): Promise<T> {
    return this.withClient((client) => fn(new PostgresConnection(client)));
  }

  all(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.pooledCall((db) => db.all(sql, params));
  }
  get(sql: string, params?: readonly unknown[]): Promise<Row | undefined> {
    return this.pooledCall((db) => db.get(sql, params));
  }
  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.pooledCall((db) => db.run(sql, params));
  }
  runMany(sql: string, rows: readonly (readonly unknown[])[]): Promise<void> {
    return this.transaction((tx) => tx.runMany(sql, rows));
  }
  upsertMany(spec: BulkUpsert, rows: readonly (readonly unknown[])[]): Promise<void> {
    return this.transaction((tx) => tx.upsertMany!(spec, rows));
  }
  exec(script: string): Promise<void> {
    return this.pooledCall((db) => db.exec(script));
  }

  read<T>(fn: (db: SqlExecutor) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const result = await fn(new PostgresConnection(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.writeTransaction('SERIALIZABLE', undefined, fn);
  }

  /**
   * A write transaction that first runs `lockSql` (e.g. pg_advisory_xact_lock). READ COMMITTED
   * suits a lock-then-read transaction: each statement after the lock sees what the previous
   * holder committed, where SERIALIZABLE would keep the snapshot taken before the wait.
   */
  lockedTransaction<T>(lockSql: string, lockParams: readonly unknown[], fn: (tx: SqlExecutor) => Promise<T>) {
    return this.writeTransaction('READ COMMITTED', { sql: lockSql, params: lockParams }, fn);
  }

  private async writeTransaction<T>(
    isolation: 'SERIALIZABLE' | 'READ COMMITTED',
    lock: { sql: string; params: readonly unknown[] } | undefined,
    fn: (tx: SqlExecutor) => Promise<T>,
  ): Promise<T> {
    if (this.readOnly) {
      throw new MlmetaError(
        'PERMISSION_DENIED',
        'the store was opened read-only; open it without readOnly to write',
      );
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withClient(async (client) => {
          await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
          try {
            if (lock) await client.query(lock.sql, lock.params as unknown[]);
            const result = await fn(new PostgresConnection(client));
            await client.query('COMMIT');
            return result;
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
        });
      } catch (error) {
        const code = (error as { code?: unknown })?.code;
        if (typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
        if (attempt >= WRITE_ATTEMPTS) {
          throw new MlmetaError(
            'UNAVAILABLE',
            `PostgreSQL kept aborting the write because of concurrent writers (${attempt} attempts, SQLSTATE ${code}); retry later`,
            { cause: error },
          );
        }
        await backoff(attempt);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => undefined);
  }
}

/**
 * Create a pool for `config` and check that the server answers.
 *
 * @example
 * const driver = await openPostgresDriver({ connectionString: 'postgres://postgres@127.0.0.1/test' }, uri);
 * const rows = await driver.all('SELECT 1 AS one');
 */
export async function openPostgresDriver(
  config: pg.PoolConfig,
  uri: string,
  options: PostgresDriverOptions = {},
): Promise<PostgresDriver> {
  const { default: pgModule } = await loadOptional('pg', () => import('pg'));
  const safeUri = redactUri(uri);
  const pool = new pgModule.Pool({ connectionTimeoutMillis: CONNECT_TIMEOUT_MS, ...config });
  // An idle client whose server went away emits 'error' on the pool; unhandled, it would crash
  // the user's process. The next query reports the outage itself.
  pool.on('error', (error) => logger.warn(`PostgreSQL connection to ${safeUri} lost:`, error.message));
  const driver = new PostgresDriver(pool, safeUri, options.readOnly ?? false);
  try {
    await driver.get('SELECT 1 AS ok');
  } catch (error) {
    await driver.close();
    throw error;
  }
  return driver;
}
