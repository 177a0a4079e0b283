/**
 * Stores the user can read but not write, read for real: file modes enforced by the kernel for
 * another user (root ignores them, so as root the reader runs as `nobody` through setpriv), and a
 * read-only bind mount (root only), with and without WAL files next to the database.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
/** As root the reader must be someone else, or file modes would not apply to it. */
const otherUser = isRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : [];

const root = mkdtempSync(join(tmpdir(), 'mlmeta-sqlite-ro-'));
chmodSync(root, 0o755);
afterAll(() => {
  unmountAll();
  chmodAll(root);
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
const mounts: string[] = [];

/** A folder holding a store with run-main in the main file and run-wal in its -wal, if kept. */
function storeFolder(wal: { keepWal: boolean; keepShm: boolean }): { folder: string; path: string } {
  const folder = join(root, `store-${++n}`);
  mkdirSync(folder, { mode: 0o755 });
  const path = join(folder, 'mlmeta.db');
  const writer = spawnSync(process.execPath, [fixture('read-only-writer.mjs'), `sqlite:${path}`], {
    encoding: 'utf8',
  });
  expect(writer.signal, writer.stderr).toBe('SIGKILL');
  expect(existsSync(`${path}-wal`)).toBe(true);
  if (!wal.keepWal) {
    // A clean open and close checkpoints the WAL into the file and removes -wal and -shm.
    const checkpoint = spawnSync(
      process.execPath,
      [
        '-e',
        `const db = require('better-sqlite3')(${JSON.stringify(path)}); db.pragma('user_version'); db.close()`,
      ],
      { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) },
    );
    expect(checkpoint.status, checkpoint.stderr).toBe(0);
    expect(existsSync(`${path}-wal`)).toBe(false);
  }
  if (!wal.keepShm && existsSync(`${path}-shm`)) unlinkSync(`${path}-shm`);
  return { folder, path };
}

function lockDown(folder: string, fileMode = 0o444): void {
  for (const name of readdirSync(folder)) chmodSync(join(folder, name), fileMode);
  chmodSync(folder, 0o555);
}

function chmodAll(folder: string): void {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.isDirectory() && !mounts.includes(join(folder, entry.name))) {
      chmodSync(join(folder, entry.name), 0o755);
      chmodAll(join(folder, entry.name));
    }
  }
}

function unmountAll(): void {
  for (const mount of mounts.splice(0)) spawnSync('umount', [mount]);
}

/** Runs the reader fixture with its own temporary folder, so that leftovers can be seen. */
function read(
  path: string,
  asUser: string[],
): { runs: string[]; write: string; copies: number; leftovers: string[] } {
  const temp = join(root, `tmp-${++n}`);
  mkdirSync(temp, { mode: 0o777 });
  chmodSync(temp, 0o777);
  const [command, ...args] = [...asUser, process.execPath, fixture('read-only-reader.mjs'), `sqlite:${path}`];
  const reader = spawnSync(command!, args, { encoding: 'utf8', env: { ...process.env, TMPDIR: temp } });
  expect(reader.stderr).toBe('');
  expect(reader.status).toBe(0);
  return { ...JSON.parse(reader.stdout), leftovers: readdirSync(temp) };
}

describe.skipIf(isRoot && !hasSetpriv)('SQLite store the user cannot write', () => {
  it('a 0444 file in a 0555 folder (no -wal, no -shm) is read in place and nothing is created next to it', () => {
    const { folder, path } = storeFolder({ keepWal: false, keepShm: false });
    lockDown(folder);
    const result = read(path, otherUser);
    expect(result).toEqual({
      runs: ['run-main', 'run-wal'],
      write: 'PERMISSION_DENIED',
      copies: 0,
      leftovers: [],
    });
    expect(readdirSync(folder)).toEqual(['mlmeta.db']);
  });

  it("another user's store (0644 in their 0755 folder) is read", () => {
    const { folder, path } = storeFolder({ keepWal: false, keepShm: false });
    lockDown(folder, 0o644);
    chmodSync(folder, 0o755);
    expect(read(path, otherUser).runs).toEqual(['run-main', 'run-wal']);
    expect(readdirSync(folder)).toEqual(['mlmeta.db']);
  });

  it('a -wal file that cannot be written and no -shm: commits only in the WAL are read, from a private copy removed at close', () => {
    const { folder, path } = storeFolder({ keepWal: true, keepShm: false });
    lockDown(folder);
    const result = read(path, otherUser);
    expect(result).toEqual({
      runs: ['run-main', 'run-wal'],
      write: 'PERMISSION_DENIED',
      copies: 1,
      leftovers: [],
    });
    expect(readdirSync(folder).sort()).toEqual(['mlmeta.db', 'mlmeta.db-wal']);
  });

  it('-wal and -shm present but read-only (a writer has the file open): read in place, WAL included', () => {
    const { folder, path } = storeFolder({ keepWal: true, keepShm: true });
    lockDown(folder);
    const result = read(path, otherUser);
    expect(result).toEqual({
      runs: ['run-main', 'run-wal'],
      write: 'PERMISSION_DENIED',
      copies: 0,
      leftovers: [],
    });
  });
});

describe.skipIf(!isRoot)('SQLite store on a read-only mount', () => {
  /** Bind-mounts the folder read-only onto a new mount point; undefined where mounting is not allowed. */
  function mountReadOnly(folder: string): string | undefined {
    const target = join(root, `mount-${++n}`);
    mkdirSync(target, { mode: 0o755 });
    const mounted = spawnSync('mount', ['-o', 'bind,ro', folder, target], { encoding: 'utf8' });
    if (mounted.status !== 0) return undefined;
    mounts.push(target);
    return target;
  }

  it('is read as root (EROFS is not a file mode), with and without frames in the -wal', (context) => {
    const clean = storeFolder({ keepWal: false, keepShm: false });
    const crashed = storeFolder({ keepWal: true, keepShm: false });
    const cleanMount = mountReadOnly(clean.folder);
    const crashedMount = mountReadOnly(crashed.folder);
    if (!cleanMount || !crashedMount) {
      context.skip('mount -o bind,ro is not permitted here');
      return;
    }
    expect(read(join(cleanMount, 'mlmeta.db'), [])).toEqual({
      runs: ['run-main', 'run-wal'],
      write: 'PERMISSION_DENIED',
      copies: 0,
      leftovers: [],
    });
    expect(read(join(crashedMount, 'mlmeta.db'), [])).toMatchObject({
      runs: ['run-main', 'run-wal'],
      copies: 1,
      leftovers: [],
    });
  });
});
