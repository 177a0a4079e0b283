/**
 * Digests remembered across processes: a file seen again with the same path, size, mtime, ctime
 * and inode is not read again, whichever process digested it first (a pipeline's second run over
 * unchanged data hashes nothing). One append-only JSON-lines file, `digest-cache.jsonl` next to
 * the spool folder (`.mlmeta/` by default; `MLMETA_DIGEST_CACHE` names another file, `off`
 * disables it). Lines are appended in batches with O_APPEND (each well under the size a local
 * file system appends atomically), a torn or foreign line is skipped, and the file is rewritten
 * with its newest entries when it grows past MAX_LINES. Every failure only means "not cached".
 */
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** Lines kept when the file is compacted, and the size that triggers it. */
const KEEP = 50_000;
const MAX_LINES = 2 * KEEP;

function cacheFile(): string | undefined {
  const named = process.env.MLMETA_DIGEST_CACHE?.trim();
  if (named === 'off') return undefined;
  if (named) return resolve(named);
  const spool = process.env.MLMETA_SPOOL_DIR?.trim() || join('.mlmeta', 'spool');
  return join(dirname(resolve(spool)), 'digest-cache.jsonl');
}

interface CacheState {
  file: string | undefined;
  entries: Promise<Map<string, string>>;
  queued: string[];
  writing: Promise<void> | undefined;
}

let state: CacheState | undefined;

async function load(file: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return entries;
  }
  const lines = text.split('\n');
  for (const line of lines) {
    if (line === '') continue;
    try {
      const [key, digest] = JSON.parse(line) as [unknown, unknown];
      if (typeof key === 'string' && typeof digest === 'string' && digest.startsWith('sha256:'))
        entries.set(key, digest);
    } catch {
      // A line torn by a crash: skipped.
    }
  }
  if (lines.length > MAX_LINES) void compact(file, entries);
  return entries;
}

async function compact(file: string, entries: Map<string, string>): Promise<void> {
  const newest = [...entries].slice(-KEEP);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temp, newest.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
    await rename(temp, file);
  } catch {
    // Another process compacts, or the folder is read-only: the file just stays long.
  }
}

function cache(): CacheState {
  if (!state) {
    const file = cacheFile();
    state = {
      file,
      entries: file ? load(file) : Promise.resolve(new Map()),
      queued: [],
      writing: undefined,
    };
  }
  return state;
}

/**
 * The digest recorded for `key` (path, size, mtime, ctime and inode), if any process recorded one.
 *
 * @example
 * const known = await rememberedDigest(key);
 */
export async function rememberedDigest(key: string): Promise<string | undefined> {
  return (await cache().entries).get(key);
}

/**
 * Records `digest` for `key`, for this and later processes (appended in the background).
 *
 * @example
 * rememberDigest(key, 'sha256:…');
 */
export function rememberDigest(key: string, digest: string): void {
  const current = cache();
  if (!current.file) return;
  void current.entries.then((entries) => entries.set(key, digest));
  current.queued.push(`${JSON.stringify([key, digest])}\n`);
  current.writing ??= new Promise<void>((done) => setImmediate(done)).then(() => writeQueued(current));
}

async function writeQueued(current: CacheState): Promise<void> {
  const lines = current.queued.splice(0);
  current.writing = undefined;
  if (lines.length === 0 || !current.file) return;
  try {
    await mkdir(dirname(current.file), { recursive: true });
    await appendFile(current.file, lines.join(''));
  } catch {
    // Not cached: the next process digests again.
  }
}

/**
 * Resolves when what was remembered so far is written (a short-lived process waits for it).
 *
 * @example
 * await flushDigestCache();
 */
export async function flushDigestCache(): Promise<void> {
  while (state?.writing) await state.writing;
}
