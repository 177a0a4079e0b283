/**
 * Files by content: 'sha256:<hex>' of a file's bytes, or of a manifest (relative path and digest
 * of every file, sorted) for a directory such as a saved tfjs model. This is the one digest
 * implementation: the tracker, the step cache, @mlmeta/onnx, the CLI and the preload hook's
 * file capture all identify a file this way, so the same bytes are one node wherever seen.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { rememberDigest, rememberedDigest } from './digest-cache.js';

/** What a path's digest stands for. */
export interface PathDigest {
  digest: string;
  kind: 'file' | 'directory';
  /** Total bytes hashed (for a directory, of all its files). */
  bytes: number;
  /** Files in a directory's manifest. */
  files?: number;
}

const MAX_CACHED = 4096;
/** Files digested at once for a directory's manifest. */
const MANIFEST_CONCURRENCY = 64;
/** Files up to this size are read in one call instead of streamed. */
const SMALL_FILE_BYTES = 4 * 1024 * 1024;
// ESM and CJS builds of core share one cache.
const scope = globalThis as Record<symbol, unknown>;
const CACHE_KEY = Symbol.for('mlmeta.fileDigestCache');
scope[CACHE_KEY] ??= new Map<string, Promise<string>>();
const cache = scope[CACHE_KEY] as Map<string, Promise<string>>;

/**
 * 'sha256:<hex>' of a file's bytes, streamed (never read into memory at once), uncached.
 *
 * @example
 * const digest = await sha256File('data/train.csv');
 */
export function sha256File(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: 1024 * 1024 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', fail)
      .on('end', () => done(`sha256:${hash.digest('hex')}`));
  });
}

/**
 * The digest of a file, cached by path, size, mtime, ctime and inode, in this process and across
 * processes (digest-cache.ts): a file seen again unchanged is not read again. A file that
 * changed while it was read is not cached (its digest matches neither version).
 *
 * @example
 * const digest = await digestFile('model.onnx'); // 'sha256:…'
 */
export async function digestFile(path: string): Promise<string> {
  return (await digestFileWithSize(path)).digest;
}

async function digestFileWithSize(path: string): Promise<{ digest: string; size: number }> {
  const absolute = resolve(path);
  const before = await stat(absolute);
  const key = `${absolute}\u0000${before.size}\u0000${before.mtimeMs}\u0000${before.ctimeMs}\u0000${before.ino}`;
  const known = cache.get(key);
  if (known !== undefined) return { digest: await known, size: before.size };
  const small = before.size <= SMALL_FILE_BYTES;
  let computed = false;
  const digest = rememberedDigest(key).then((remembered) => {
    if (remembered !== undefined) return remembered;
    computed = true;
    return small
      ? readFile(absolute).then((bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`)
      : sha256File(absolute);
  });
  cache.set(key, digest);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  try {
    const value = await digest;
    if (!computed) return { digest: value, size: before.size };
    // A large file streamed while it changed matches neither version: do not remember it.
    if (!small) {
      const after = await stat(absolute);
      if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
        cache.delete(key);
        return { digest: value, size: before.size };
      }
    }
    rememberDigest(key, value);
    return { digest: value, size: before.size };
  } catch (error) {
    cache.delete(key);
    throw error;
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * The manifest of a directory: one `<relative/posix/path>\t<digest>` line per file, sorted by
 * path; its sha256 is the directory's digest.
 *
 * @example
 * const { manifest } = await directoryManifest('model'); // 'model.json\tsha256:…\nweights.bin\tsha256:…\n'
 */
export async function directoryManifest(
  dir: string,
): Promise<{ manifest: string; bytes: number; files: number }> {
  const root = resolve(dir);
  const files = (await listFiles(root)).map((path) => ({
    path,
    name: relative(root, path).split(sep).join('/'),
  }));
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Many files at once: each digest is a few syscalls, cheap alone and slow one after another.
  const lines = new Array<string>(files.length);
  let bytes = 0;
  for (let start = 0; start < files.length; start += MANIFEST_CONCURRENCY) {
    const batch = files.slice(start, start + MANIFEST_CONCURRENCY);
    const found = await Promise.all(batch.map((file) => digestFileWithSize(file.path)));
    found.forEach(({ digest, size }, i) => {
      bytes += size;
      lines[start + i] = `${batch[i]!.name}\t${digest}\n`;
    });
  }
  return { manifest: lines.join(''), bytes, files: files.length };
}

/**
 * The digest of a file or of a directory (by its manifest).
 *
 * @example
 * const { digest, kind } = await digestPath('model'); // a saved tfjs model folder: kind 'directory'
 */
export async function digestPath(path: string): Promise<PathDigest> {
  const info = await stat(path);
  if (!info.isDirectory()) return { digest: await digestFile(path), kind: 'file', bytes: info.size };
  const { manifest, bytes, files } = await directoryManifest(path);
  const digest = `sha256:${createHash('sha256').update('mlmeta.manifest.v1\n').update(manifest).digest('hex')}`;
  return { digest, kind: 'directory', bytes, files };
}
