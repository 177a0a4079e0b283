import { MlmetaError } from './errors.js';
import type { RetryOptions } from './http/retry.js';
import type { MetadataStore } from './store.js';

/** Where records go when nothing is configured: an embedded SQLite file in the working directory. */
export const DEFAULT_STORE_URI = 'sqlite:.mlmeta/mlmeta.db';

/**
 * How `openStore` opens a store: read-only, with a token, or in a worker thread.
 *
 * @example
 * const store = await openStore('sqlite:runs.db', { readOnly: true });
 */
export interface OpenStoreOptions {
  /** Open for reading only (the UI and read-only CLI commands). */
  readOnly?: boolean;
  /** Bearer token for http(s) stores; defaults to MLMETA_TOKEN. */
  token?: string;
  /**
   * Open the store in a worker thread and call it from here through messages, so that a
   * synchronous backend (SQLite) never blocks this thread. Needs the built package (see
   * `storeWorkerScript`). Default false.
   */
  worker?: boolean;
  /**
   * SQLite's page cache for this connection, in KiB. Default 32 MiB, which lineage walks use to
   * keep the index pages they revisit; a connection that mostly appends (the tracker's writer)
   * needs a few MiB, and every MiB here is resident memory of the training process.
   */
  pageCacheKiB?: number;
  /**
   * For http(s) stores: how long a call keeps retrying a server that does not answer. The
   * default, 30 s, suits a training process, which spools meanwhile; a person waiting at a
   * terminal wants a few seconds.
   */
  retry?: RetryOptions;
}

/**
 * Open a store by URI. Backends load lazily, so importing core never loads a database driver.
 *
 * @example
 * const store = await openStore('sqlite:.mlmeta/mlmeta.db');
 * const models = await store.getArtifacts({ type: 'mlmeta.Model' });
 * const background = await openStore('sqlite:.mlmeta/mlmeta.db', { worker: true });
 */
export async function openStore(
  uri: string = DEFAULT_STORE_URI,
  options: OpenStoreOptions = {},
): Promise<MetadataStore> {
  if (options.worker) {
    const { openWorkerStore } = await import('./worker/worker-store.js');
    return openWorkerStore(uri, {
      readOnly: options.readOnly,
      token: options.token,
      pageCacheKiB: options.pageCacheKiB,
    });
  }
  const scheme = uri.slice(0, Math.max(0, uri.indexOf(':'))).toLowerCase();
  switch (scheme) {
    case 'sqlite': {
      const path = uri.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
      if (path === '') {
        throw new MlmetaError(
          'INVALID_ARGUMENT',
          'store URI "sqlite:" has no path; write sqlite:<path>, e.g. sqlite:.mlmeta/mlmeta.db',
        );
      }
      const { openSqliteStore } = await import('./sqlite/sqlite-store.js');
      return openSqliteStore(path, { readOnly: options.readOnly, pageCacheKiB: options.pageCacheKiB });
    }
    case 'postgres':
    case 'postgresql': {
      const { openPostgresStore } = await import('./postgres/postgres-store.js');
      return openPostgresStore(uri, { readOnly: options.readOnly });
    }
    case 'http':
    case 'https': {
      const { openHttpStore } = await import('./http/open-http-store.js');
      return openHttpStore(uri, {
        token: options.token,
        ...(options.retry ? { retry: options.retry } : {}),
      });
    }
    default:
      throw new MlmetaError(
        'INVALID_ARGUMENT',
        `store URI "${redactUri(uri)}" is not supported; use sqlite:<path>, postgres://... or http(s)://...`,
      );
  }
}

/** A URI safe to print: userinfo and query secrets removed. */
export function redactUri(uri: string): string {
  return uri
    .replace(/\/\/[^/@\s]*@/, '//***@')
    .replace(/([?&](?:password|token|key|secret)=)[^&]*/gi, '$1***');
}
