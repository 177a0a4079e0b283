import { loadOptional } from '../../optional-module.js';
import { MlmetaError } from '../errors.js';
import { redactUri } from '../open.js';
import type { MetadataStore } from '../store.js';
import { HttpStore, type HttpStoreOptions } from './http-store.js';
import { API_PREFIX } from './wire.js';

/**
 * Opens a store served by `mlmeta server`. Nothing is sent until the first call, so a training
 * process can start (and spool) while the server is down.
 *
 * @example
 * const store = await openHttpStore('https://mlmeta.internal:5858', { token: process.env.MLMETA_TOKEN });
 */
export async function openHttpStore(uri: string, options: HttpStoreOptions = {}): Promise<MetadataStore> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `store URI "${redactUri(uri)}" is not a valid URL; write http(s)://host:port`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `store URI "${redactUri(uri)}" must start with http:// or https://`,
    );
  }
  if (url.username || url.password || url.search) {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `store URI "${redactUri(uri)}" must not carry credentials or a query string; put the token in MLMETA_TOKEN`,
    );
  }
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  const token = options.token ?? (process.env.MLMETA_TOKEN?.trim() || undefined);
  const timeoutMs = options.timeoutMs ?? 30_000;
  // ky is ESM-only and only needed for this backend: load it on first use.
  const { default: ky } = await loadOptional('ky', () => import('ky'));
  const api = ky.create({
    prefixUrl: `${base}${API_PREFIX}/`,
    timeout: timeoutMs,
    retry: 0,
    throwHttpErrors: false,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return new HttpStore(base, api, { ...options, timeoutMs });
}
