/**
 * What a file or folder held, cheaply: each file's size and modification time (stat only, no
 * bytes). Taken right after a write and again after the digest, it tells whether the digest is
 * of the bytes that write left (see ArtifactRecord.writtenAs).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { FileSnapshot } from '../tracker/api.js';

/**
 * The snapshot of `path` (a file, or a folder's files at any depth), or undefined when it cannot
 * be read.
 *
 * @example
 * const writtenAs = snapshotFiles('models/iris'); // right after saving there
 */
export function snapshotFiles(path: string): FileSnapshot | undefined {
  try {
    const stat = statSync(path);
    if (!stat.isDirectory()) return { files: [{ path: '', size: stat.size, mtimeMs: stat.mtimeMs }] };
    const files: FileSnapshot['files'] = [];
    for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const full = join(entry.parentPath ?? entry.path, entry.name);
      const file = statSync(full);
      files.push({ path: relative(path, full), size: file.size, mtimeMs: file.mtimeMs });
    }
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { files };
  } catch {
    return undefined;
  }
}

/**
 * Whether two snapshots list the same files with the same sizes and times.
 *
 * @example
 * sameFiles(writtenAs, snapshotFiles('models/iris')); // false once another process saved there
 */
export function sameFiles(a: FileSnapshot | undefined, b: FileSnapshot | undefined): boolean {
  if (a === undefined || b === undefined || a.files.length !== b.files.length) return false;
  return a.files.every((file, i) => {
    const other = b.files[i];
    return (
      other !== undefined &&
      other.path === file.path &&
      other.size === file.size &&
      other.mtimeMs === file.mtimeMs
    );
  });
}
