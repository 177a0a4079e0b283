/**
 * The cache key of a step: what must be equal for a recorded result to stand for a new one.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256File } from '../files/digest.js';
import { MlmetaError } from '../store/errors.js';

/** A local path for a file uri or plain path; undefined for other URLs (s3://, https://, ...). */
export function localPath(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  // tfjs-node's file:// URLs are often relative (`file://./model`), which a file URL cannot be.
  if (/^file:\/\/(?!\/|localhost\/)/i.test(uri))
    return resolve(decodeURIComponent(uri.slice('file://'.length)));
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return undefined;
  return resolve(uri);
}

/**
 * JSON with object keys sorted at every level, so `{a, b}` and `{b, a}` give one key. Values
 * JSON cannot carry (undefined, functions) are left out as JSON.stringify does; non-finite
 * numbers and bigints are written as tagged strings so that they still change the key.
 */
export function canonicalJson(value: unknown): string {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'number' && !Number.isFinite(v)) return `$number:${v}`;
    if (typeof v === 'bigint') return `$bigint:${v}`;
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) out[key] = walk((v as Record<string, unknown>)[key]);
      return out;
    }
    return v;
  };
  return JSON.stringify(walk(value)) ?? 'null';
}

/** The code identity: a digest string as given, or the sha256 of a file's bytes. */
export async function codeDigest(code: string | { file: string } | undefined): Promise<string> {
  if (code === undefined) return '';
  if (typeof code === 'string') return code;
  const path = resolve(code.file);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `code file ${path} does not exist; pass { file } of the step's source`,
    );
  }
  return sha256File(path);
}

/**
 * sha256 over the step name, the sorted input digests, the canonical params and the code digest,
 * each length-prefixed so that no two different tuples can hash the same bytes.
 */
export function cacheKey(step: string, inputDigests: string[], params: unknown, code: string): string {
  const hash = createHash('sha256');
  const part = (text: string) => hash.update(`${Buffer.byteLength(text)}:${text};`);
  part('mlmeta.step.v1');
  part(step);
  const sorted = [...inputDigests].sort();
  part(String(sorted.length));
  for (const digest of sorted) part(digest);
  part(canonicalJson(params ?? {}));
  part(code);
  return `sha256:${hash.digest('hex')}`;
}
