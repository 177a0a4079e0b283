/**
 * The local spool: batches the store could not take, appended as JSON lines to one file per
 * process under the spool directory, replayed in order when the store is back (by the writer
 * itself, or by `mlmeta sync` through `replaySpool`). Appends are synchronous so that the
 * `exit` handler can spool too; replays are safe to repeat because every record is idempotent.
 */
import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { logger } from '../log.js';
import type { MetadataStore } from '../store/store.js';
import { applyBatch, isPermanentWriteError } from './apply-batch.js';
import type { WriteBatch } from './batch.js';
import { decodeJson, encodeJson } from './json-codec.js';

const SPOOL_FORMAT = 1;

interface SpoolLine extends WriteBatch {
  v: number;
  /** When the batch was spooled (epoch ms). */
  t: number;
}

const safeHost = () => hostname().replace(/[^A-Za-z0-9_.-]/g, '_');

/** `<start ms>-<host>-<pid>.jsonl`: sorts by process start, and names its owner. */
export function spoolFileName(startTimeMs: number, pid = process.pid): string {
  return `${startTimeMs}-${safeHost()}-${pid}.jsonl`;
}

function ownerOf(fileName: string): { host: string; pid: number } | undefined {
  const match = /^\d+-(.+)-(\d+)\.jsonl$/.exec(fileName);
  return match ? { host: match[1], pid: Number(match[2]) } : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The command that writes a spool file's records into their store, for warnings that tell the
 * user what to run; `store` is added when the records are not for the configured store.
 *
 * @example
 * syncCommand('/srv/.mlmeta/spool/1700000000000-host-42.jsonl'); // 'mlmeta sync --spool-dir /srv/.mlmeta/spool'
 */
export function syncCommand(spoolFile: string, store?: string): string {
  const quote = (arg: string) => (/^[\w./:@+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);
  const storeFlag = store === undefined ? '' : ` --store ${quote(store)}`;
  return `mlmeta sync${storeFlag} --spool-dir ${quote(resolve(dirname(spoolFile)))}`;
}

/** One process's spool file. */
export class Spool {
  readonly file: string;
  private fd: number | undefined;
  /** Batches appended since the file was last emptied. */
  private appended = 0;

  constructor(
    readonly dir: string,
    fileName: string,
  ) {
    this.file = join(dir, fileName);
  }

  /** True when batches wait in the file for the store. */
  get hasPending(): boolean {
    return this.appended > 0;
  }

  /** Append one batch (synchronous: usable from an `exit` handler). Throws on a disk error. */
  append(batch: WriteBatch): void {
    if (this.fd === undefined) {
      mkdirSync(this.dir, { recursive: true });
      this.fd = openSync(this.file, 'a', 0o600);
    }
    const line: SpoolLine = { v: SPOOL_FORMAT, t: Date.now(), ...batch };
    writeSync(this.fd, `${encodeJson(line)}\n`);
    this.appended++;
  }

  /** Flush the file to disk and close it; the next append reopens it. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Replay the file into `store` in order, then delete it. Rejects (file kept) if a write fails. */
  async replay(store: MetadataStore): Promise<number> {
    this.close();
    const result = await replaySpoolFile(store, this.file);
    this.appended = 0;
    return result.batches;
  }
}

/**
 * How far `replaySpool` has got with one spool file.
 *
 * @example
 * await replaySpool(store, '.mlmeta/spool', { onProgress: (p: SpoolProgress) => console.log(p.file, p.batches) });
 */
export interface SpoolProgress {
  file: string;
  /** Batches written from this file so far. */
  batches: number;
  /** Metric points written from this file so far. */
  points: number;
}

/**
 * What a spool replay wrote, skipped and left for running processes.
 *
 * @example
 * const { batches, skipped } = await replaySpool(store, '.mlmeta/spool');
 */
export interface ReplayResult {
  files: number;
  batches: number;
  points: number;
  /** Lines that could not be read (torn by a crash) or that the store rejected; reported, then removed. */
  skipped: number;
  /** Files left alone because their process is still running (its own writer replays them). */
  active: string[];
}

/** Replay one spool file in order, then delete it (the `exit` path replays its own file this way). */
export async function replaySpoolFile(
  store: MetadataStore,
  file: string,
  onProgress?: (progress: SpoolProgress) => void,
): Promise<Omit<ReplayResult, 'files' | 'active'>> {
  const result = { batches: 0, points: 0, skipped: 0 };
  if (!existsSync(file)) return result;
  const lines = createInterface({
    input: createReadStream(file, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const text of lines) {
    if (text.trim() === '') continue;
    let line: SpoolLine;
    try {
      line = decodeJson(text) as SpoolLine;
    } catch {
      result.skipped++;
      continue;
    }
    if (line.v !== SPOOL_FORMAT) {
      throw new Error(
        `spool file ${file} has format ${line.v}; replay it with the mlmeta version that wrote it`,
      );
    }
    try {
      await applyBatch(store, { lineage: line.lineage, metrics: line.metrics });
    } catch (error) {
      if (!isPermanentWriteError(error)) throw error;
      logger.warn(`spool ${file}: the store rejected a batch; skipping it:`, error);
      result.skipped++;
      continue;
    }
    result.batches++;
    result.points += line.metrics.length;
    onProgress?.({ file, batches: result.batches, points: result.points });
  }
  if (result.skipped > 0) logger.warn(`spool ${file}: skipped ${result.skipped} unreadable line(s)`);
  unlinkSync(file);
  return result;
}

/**
 * Replay every spool file in `dir` into `store`, oldest process first, deleting each file once
 * written. Files of processes still running on this host are left to their own writer.
 *
 * @example
 * const store = await openStore('sqlite:.mlmeta/mlmeta.db');
 * const result = await replaySpool(store, '.mlmeta/spool', { onProgress: (p) => console.log(p.file, p.batches) });
 */
export async function replaySpool(
  store: MetadataStore,
  dir: string,
  options: { onProgress?: (progress: SpoolProgress) => void; includeActive?: boolean } = {},
): Promise<ReplayResult> {
  const result: ReplayResult = { files: 0, batches: 0, points: 0, skipped: 0, active: [] };
  if (!existsSync(dir)) return result;
  const host = safeHost();
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort();
  for (const name of names) {
    const owner = ownerOf(name);
    const active = owner !== undefined && owner.host === host && isAlive(owner.pid);
    if (active && !options.includeActive) {
      result.active.push(join(dir, name));
      continue;
    }
    const one = await replaySpoolFile(store, join(dir, name), options.onProgress);
    result.files++;
    result.batches += one.batches;
    result.points += one.points;
    result.skipped += one.skipped;
  }
  return result;
}
