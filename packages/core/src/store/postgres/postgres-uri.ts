/**
 * `postgres://` / `postgresql://` store URIs → node-pg pool settings. mlmeta adds one query
 * parameter, `schema`, which becomes the connection's search_path (like libpq's
 * `options=-csearch_path=...`, which works too and is passed through untouched).
 */
import { MlmetaError } from '../errors.js';
import { redactUri } from '../open.js';

export interface PostgresTarget {
  /** The URI node-pg connects with (mlmeta's own parameters removed). */
  connectionString: string;
  /** The schema named by `?schema=`, lower-cased as PostgreSQL folds unquoted names. */
  schema?: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/**
 * Split a store URI into what node-pg understands and mlmeta's own settings.
 *
 * @example
 * parsePostgresUri('postgres://postgres@127.0.0.1:5432/test?schema=ml');
 * // → { connectionString: 'postgres://postgres@127.0.0.1:5432/test?options=-c+search_path%3Dml', schema: 'ml' }
 */
export function parsePostgresUri(uri: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `store URI "${redactUri(uri)}" is not a valid URL; write postgres://user@host:5432/database?schema=name`,
    );
  }
  const schema = url.searchParams.get('schema');
  if (schema === null) return { connectionString: uri };
  if (!IDENTIFIER.test(schema)) {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `schema "${schema}" in the store URI is not a plain SQL identifier; use letters, digits and _ (e.g. ?schema=mlmeta)`,
    );
  }
  url.searchParams.delete('schema');
  // A later -c wins, so ?schema= overrides a search_path given in options.
  const options = [url.searchParams.get('options'), `-c search_path=${schema}`].filter(Boolean).join(' ');
  url.searchParams.set('options', options);
  return { connectionString: url.toString(), schema: schema.toLowerCase() };
}
