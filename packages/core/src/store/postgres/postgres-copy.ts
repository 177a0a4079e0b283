/**
 * Bulk upserts by COPY. An upsert (INSERT ... ON CONFLICT DO UPDATE) costs PostgreSQL a
 * speculative insertion per row, about half of COPY's rate; but most bulk writes are appends of
 * keys nobody wrote before (new metric steps). So: one query asks whether any key in the rows'
 * key ranges exists; if none does, the rows go straight into the table by COPY, else through the
 * dialect's upsert (replays overwrite, never duplicate). Two writers appending the same new keys
 * at once cannot both COPY: under SERIALIZABLE the second gets a serialization failure (it read
 * the range the first wrote), the driver retries it, and the retry sees the keys and upserts.
 */
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { loadOptional } from '../../optional-module.js';
import type { BulkUpsert } from '../sql/driver.js';
import { lastPerKey, postgresDialect } from './postgres-dialect.js';

/**
 * Below this many rows one upsert statement is cheaper than the existence check plus a COPY:
 * both are dominated by round trips.
 */
export const COPY_MIN_ROWS = 1_000;
/** Rows per chunk of COPY text handed to the stream (bounds the size of each string). */
const COPY_CHUNK_ROWS = 5_000;

/** One value in COPY's text format; undefined when it has none (the upsert path takes the row). */
function copyText(value: unknown): string | undefined {
  if (value === null || value === undefined) return '\\N';
  // String(number) is digits, exponent form, NaN or ±Infinity: all valid PostgreSQL number input.
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'string') return value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!);
  return undefined;
}
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** The rows as COPY text chunks, or undefined when a value cannot be written as COPY text. */
function copyChunks(rows: readonly (readonly unknown[])[]): string[] | undefined {
  const chunks: string[] = [];
  let chunk = '';
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    for (let c = 0; c < row.length; c++) {
      const text = copyText(row[c]);
      if (text === undefined) return undefined;
      chunk += c === 0 ? text : `\t${text}`;
    }
    chunk += '\n';
    if ((i + 1) % COPY_CHUNK_ROWS === 0) {
      chunks.push(chunk);
      chunk = '';
    }
  }
  if (chunk) chunks.push(chunk);
  return chunks;
}

/**
 * True when a stored row might share a key with `rows`: per value of the leading key columns,
 * the range of the last key column is probed (one indexed query, whatever the row count).
 */
async function anyKeyStored(client: pg.PoolClient, spec: BulkUpsert, rows: readonly (readonly unknown[])[]) {
  const at = spec.key.map((name) => spec.columns.findIndex(([column]) => column === name));
  const lead = at.slice(0, -1);
  const last = at[at.length - 1]!;
  const ranges = new Map<string, { lead: unknown[]; lo: number; hi: number }>();
  for (const row of rows) {
    const id = lead.map((c) => String(row[c])).join('\u0000');
    const value = row[last];
    // Only a numeric last key column has ranges to probe; anything else takes the upsert path.
    if (typeof value !== 'number' || !Number.isFinite(value)) return true;
    const range = ranges.get(id);
    if (!range) ranges.set(id, { lead: lead.map((c) => row[c]), lo: value, hi: value });
    else {
      if (value < range.lo) range.lo = value;
      if (value > range.hi) range.hi = value;
    }
  }
  const list = [...ranges.values()];
  const typeOf = (c: number) => spec.columns[c]![1];
  const params = [
    ...lead.map((_, i) => list.map((r) => r.lead[i])),
    list.map((r) => r.lo),
    list.map((r) => r.hi),
  ];
  const columns = [...lead.map((_, i) => `k${i}`), 'lo', 'hi'];
  const arrays = [...lead.map(typeOf), typeOf(last), typeOf(last)].map(
    (type, i) => `CAST($${i + 1} AS ${type}[])`,
  );
  const match = [
    ...lead.map((c, i) => `t.${spec.columns[c]![0]} = k.k${i}`),
    `t.${spec.columns[last]![0]} BETWEEN k.lo AND k.hi`,
  ];
  const result = await client.query(
    `SELECT 1 FROM unnest(${arrays.join(', ')}) k(${columns.join(', ')}) ` +
      `WHERE EXISTS (SELECT 1 FROM ${spec.table} t WHERE ${match.join(' AND ')}) LIMIT 1`,
    params,
  );
  return result.rows.length > 0;
}

/**
 * Upsert `rows` into `spec.table` on `client`, inside the caller's transaction: COPY when the
 * keys are all new, the dialect's unnest upsert otherwise. A later row wins over an earlier
 * one with the same key, as if they were written one by one.
 *
 * @example
 * await copyUpsert(client, { table: 'mlmeta_metric_point', columns, key: ['key_id', 'step'] }, rows);
 */
export async function copyUpsert(
  client: pg.PoolClient,
  spec: BulkUpsert,
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  const kept = lastPerKey(spec, rows);
  const chunks = kept.length >= COPY_MIN_ROWS ? copyChunks(kept) : undefined;
  if (chunks && !(await anyKeyStored(client, spec, kept))) {
    const { from: copyFrom } = await loadOptional('pg-copy-streams', () => import('pg-copy-streams'));
    const columns = spec.columns.map(([name]) => name).join(', ');
    await pipeline(
      async function* () {
        yield* chunks;
      },
      client.query(copyFrom(`COPY ${spec.table} (${columns}) FROM STDIN`)),
    );
    return;
  }
  const upsert = postgresDialect.bulkUpsert(spec, kept);
  for (const params of upsert.rows) await client.query(upsert.sql, params as unknown[]);
}
