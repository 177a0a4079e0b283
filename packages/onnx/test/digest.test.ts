import { createHash } from 'node:crypto';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestModelBytes, digestModelFile } from '../src/digest.js';
import { buildLinearModel, tempDir, writeLinearModel } from './helpers/build-model.js';

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('model digests', () => {
  it('hashes a file and the same bytes in memory to the same sha256', async () => {
    const path = writeLinearModel(tempDir(), 'm.onnx', { extraWeights: 3_000_000 });
    const bytes = readFileSync(path);
    expect(await digestModelFile(path)).toBe(sha256(bytes));
    expect(await digestModelBytes(bytes)).toBe(sha256(bytes));
  });

  it('sees a rewrite that keeps the size and mtime (the cache key has the ctime and inode)', async () => {
    const dir = tempDir();
    const path = writeLinearModel(dir, 'm.onnx', { scale: 1 });
    const mtime = new Date('2024-05-01T12:00:00Z');
    utimesSync(path, mtime, mtime);
    const first = await digestModelFile(path);
    expect(await digestModelFile(path)).toBe(first);
    // Same size, same mtime, different bytes: a key of path, size and mtime alone would hit.
    writeFileSync(path, buildLinearModel({ scale: 2 }));
    utimesSync(path, mtime, mtime);
    expect(await digestModelFile(path)).toBe(sha256(readFileSync(path)));
    expect(await digestModelFile(path)).not.toBe(first);
  });

  it('rejects with the file system error for a missing file', async () => {
    await expect(digestModelFile(join(tempDir(), 'missing.onnx'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
