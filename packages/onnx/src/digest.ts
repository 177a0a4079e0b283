/**
 * Model identity: 'sha256:<hex>' of the model's bytes. The same digest is the Model artifact's
 * external id whether the model was exported by a training run or loaded by a server, which is
 * what joins the two lineages. File digests are cached by (path, size, mtime), so a server that
 * creates a session per request hashes its model once.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { processWide } from './utils.js';

/** Bytes hashed per event-loop turn for in-memory models: a large buffer never blocks for long. */
const SLICE_BYTES = 8 * 1024 * 1024;
const MAX_CACHED_FILES = 256;

// ESM and CJS builds share one cache.
const cache = processWide('onnx.digestCache', () => new Map<string, Promise<string>>());

function hashFile(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: 1024 * 1024 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(`sha256:${hash.digest('hex')}`));
  });
}

/**
 * The digest of a model file, streamed from disk and cached by path, size and mtime. Use it to
 * declare an exported model so that serving it later joins the lineage.
 *
 * @example
 * await session.save('model.onnx');
 * run.logOutput({ uri: 'model.onnx', digest: await digestModelFile('model.onnx') });
 */
export async function digestModelFile(path: string): Promise<string> {
  const absolute = resolve(path);
  const before = await stat(absolute);
  const key = `${absolute}\u0000${before.size}\u0000${before.mtimeMs}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const digest = hashFile(absolute);
  cache.set(key, digest);
  if (cache.size > MAX_CACHED_FILES) cache.delete(cache.keys().next().value as string);
  try {
    const value = await digest;
    const after = await stat(absolute);
    // Written while we read it: the digest matches neither version, so do not remember it.
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) cache.delete(key);
    return value;
  } catch (error) {
    cache.delete(key);
    throw error;
  }
}

/**
 * The digest of a model held in memory, hashed in slices between event-loop turns.
 *
 * @example
 * const digest = await digestModelBytes(readFileSync('model.onnx')); // same as digestModelFile
 */
export async function digestModelBytes(bytes: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  for (let offset = 0; offset < bytes.length; offset += SLICE_BYTES) {
    if (offset > 0) await new Promise((next) => setImmediate(next));
    hash.update(bytes.subarray(offset, offset + SLICE_BYTES));
  }
  return `sha256:${hash.digest('hex')}`;
}
