/**
 * Model identity: 'sha256:<hex>' of the model's bytes. The same digest is the Model artifact's
 * external id whether the model was exported by a training run or loaded by a server, which is
 * what joins the two lineages. File digests are cached by (path, size, mtime, inode), so a server
 * that creates a session per request hashes its model once.
 */
import { createHash } from 'node:crypto';
import { digestFile } from '@mlmeta/core';

/** Bytes hashed per event-loop turn for in-memory models: a large buffer never blocks for long. */
const SLICE_BYTES = 8 * 1024 * 1024;

/**
 * The digest of a model file (core's digestFile: streamed, cached by path, size, mtime and
 * inode). Use it to declare an exported model so that serving it later joins the lineage.
 *
 * @example
 * await session.save('model.onnx');
 * run.logOutput({ uri: 'model.onnx', digest: await digestModelFile('model.onnx') });
 */
export function digestModelFile(path: string): Promise<string> {
  return digestFile(path);
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
